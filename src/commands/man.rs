//! Man pages: clap_mangen's title, name, synopsis, description, options and commands, then
//! EXAMPLES, EXIT STATUS, ENVIRONMENT and FILES from `crate::help`.

use std::io::Write;

use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::help;

fn section(out: &mut Vec<u8>, title: &str, items: &[(&str, &str)]) -> std::io::Result<()> {
    let mut roff = Roff::default();
    roff.control("SH", [title]);
    for (term, text) in items {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*text)]);
    }
    roff.to_writer(out)
}

/// The page of `cmd`, whose examples are those of `name` (a subcommand, or `celtool`).
pub fn render(cmd: clap::Command, name: &str, out: &mut Vec<u8>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(out)?;
    }
    if let Some(examples) = help::examples(name) {
        let mut roff = Roff::default();
        roff.control("SH", ["EXAMPLES"]);
        roff.control("nf", []);
        for line in examples.lines().skip(1) {
            roff.text([roman(line.trim_start())]);
        }
        roff.control("fi", []);
        roff.to_writer(out)?;
    }
    section(out, "EXIT STATUS", help::EXIT_STATUS)?;
    section(out, "ENVIRONMENT", help::ENVIRONMENT)?;
    section(out, "FILES", help::FILES)?;
    if cmd.get_version().is_some() {
        man.render_version_section(out)?;
    }
    out.flush()
}
