//! Usage errors: what clap found wrong with the command line, as one line that names what is
//! missing or wrong and points at the subcommand's own --help; a bare `celtool` or
//! `celtool fix` shows its help, which lists the commands.

use clap::error::ErrorKind;

use crate::output::{ColorChoice, Format, Printer, Style};

/// Help and version go to stdout with exit 0; a missing subcommand prints the help (with its
/// list of commands) to stderr, exit 3; any other usage error is one line on stderr, exit 3.
pub fn report(e: clap::Error) -> u8 {
    let rendered = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = printer().out(&rendered);
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            printer().usage(&rendered);
            3
        }
        _ => {
            let argv: Vec<String> = std::env::args().collect();
            printer().usage(&format!("{}\n", one_line(&rendered, &argv)));
            3
        }
    }
}

/// The printer before the command line is read: plain text, no colour.
fn printer() -> Printer {
    Printer::new(Style::detect(Format::Table, ColorChoice::Never, false))
}

/// `celtool: error: the following required arguments were not provided: <PATH>...,
/// --older-than <DURATION> (see celtool prune-tmp --help)`
pub fn one_line(rendered: &str, argv: &[String]) -> String {
    let mut lines = rendered.lines();
    let first = lines
        .by_ref()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("error: invalid arguments");
    let mut msg = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let rest: Vec<&str> = lines.collect();
    if msg.ends_with(':') {
        // clap lists what is missing on the indented lines that follow.
        let items: Vec<&str> = rest
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .filter(|l| l.starts_with(char::is_whitespace))
            .map(|l| l.trim())
            .collect();
        if !items.is_empty() {
            msg.push(' ');
            msg.push_str(&items.join(", "));
        }
    }
    for tip in rest
        .iter()
        .map(|l| l.trim())
        .filter(|l| l.starts_with("tip:"))
    {
        msg.push_str("; ");
        msg.push_str(tip);
    }
    // An invalid value without a close one: the values there are (clap lists them apart).
    if !msg.contains("; tip:")
        && let Some(values) = rest.iter().find_map(|l| {
            l.trim()
                .strip_prefix("[possible values: ")
                .and_then(|v| v.strip_suffix(']'))
        })
    {
        msg.push_str("; possible values: ");
        msg.push_str(values);
    }
    format!(
        "celtool: error: {msg} (see {} --help)",
        command_path(&rest).unwrap_or_else(|| subcommands_of(argv))
    )
}

/// The subcommands named on the command line (`celtool fix conntrack`), for errors whose
/// rendering has no usage line.
fn subcommands_of(argv: &[String]) -> String {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    let mut path = vec!["celtool".to_string()];
    for arg in argv.iter().skip(1).filter(|a| !a.starts_with('-')) {
        let Some(sub) = cmd.find_subcommand(arg).cloned() else {
            continue;
        };
        path.push(arg.clone());
        cmd = sub;
    }
    path.join(" ")
}

/// The command the usage line is about (`celtool prune-tmp`), from clap's `Usage:` line.
fn command_path(lines: &[&str]) -> Option<String> {
    let usage = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("Usage: "))?;
    let words: Vec<&str> = usage
        .split_whitespace()
        .take_while(|w| {
            !w.starts_with(['[', '<', '-']) && w.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn line(args: &[&str]) -> String {
        let e = crate::cli::Cli::try_parse_from(args).unwrap_err();
        let argv: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        one_line(&e.render().to_string(), &argv)
    }

    #[test]
    fn a_missing_argument_is_named_with_the_subcommand_help() {
        assert_eq!(
            line(&["celtool", "prune-tmp"]),
            "celtool: error: the following required arguments were not provided: --older-than <DURATION>, <PATH>... (see celtool prune-tmp --help)"
        );
        let bad = line(&["celtool", "queues", "--sort", "size"]);
        assert!(
            bad.starts_with("celtool: error: invalid value 'size' for '--sort <SORT>'"),
            "{bad}"
        );
        assert_eq!(
            bad,
            "celtool: error: invalid value 'size' for '--sort <SORT>'; possible values: name, ready, unacked, consumers, publish, deliver (see celtool queues --help)"
        );
        let unknown = line(&["celtool", "doctr"]);
        assert!(
            unknown.contains("tip: a similar subcommand exists: 'doctor'"),
            "{unknown}"
        );
        assert!(unknown.ends_with("(see celtool --help)"), "{unknown}");
    }

    #[test]
    fn a_bare_command_shows_the_commands() {
        for args in [&["celtool"][..], &["celtool", "fix"]] {
            let e = crate::cli::Cli::try_parse_from(args).unwrap_err();
            assert_eq!(
                e.kind(),
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand,
                "{args:?}"
            );
            let help = e.render().to_string();
            assert!(help.contains("Commands:"), "{help}");
        }
        let e = crate::cli::Cli::try_parse_from(["celtool", "fix"]).unwrap_err();
        assert!(e.render().to_string().contains("event-queues"));
    }
}
