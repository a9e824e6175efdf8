//! Completions and man pages, generated from the clap definitions. `celtool generate` writes the
//! committed copies under completions/ and man/; a test fails when they are stale.

use std::path::{Path, PathBuf};

use clap_complete::Shell as CompleteShell;

use crate::cli::{CompletionsArgs, GenerateArgs, Shell};
use crate::error::{Error, Outcome};
use crate::output::Printer;

fn complete_shell(s: Shell) -> CompleteShell {
    match s {
        Shell::Bash => CompleteShell::Bash,
        Shell::Zsh => CompleteShell::Zsh,
        Shell::Fish => CompleteShell::Fish,
        Shell::Elvish => CompleteShell::Elvish,
        Shell::Powershell => CompleteShell::PowerShell,
    }
}

fn completion(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(
        complete_shell(shell),
        &mut crate::cli::help::command(),
        "celtool",
        &mut buf,
    );
    buf
}

pub fn completions(p: &Printer, args: &CompletionsArgs) -> Result<Outcome, Error> {
    p.out(&String::from_utf8_lossy(&completion(args.shell)))?;
    Ok(Outcome::Done)
}

/// Every generated file as (path relative to the repository root, content).
pub fn files() -> Result<Vec<(PathBuf, Vec<u8>)>, Error> {
    let mut out = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "celtool.bash"),
        (Shell::Zsh, "_celtool"),
        (Shell::Fish, "celtool.fish"),
        (Shell::Elvish, "celtool.elv"),
        (Shell::Powershell, "_celtool.ps1"),
    ] {
        out.push((Path::new("completions").join(name), completion(shell)));
    }
    let cmd = crate::cli::help::command();
    let mut pages = vec![("celtool.1".to_string(), "celtool".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("celtool-{}", sub.get_name());
        pages.push((
            format!("{name}.1"),
            sub.get_name().to_string(),
            sub.clone().name(name.clone()).bin_name(name),
        ));
    }
    for (file, examples_of, page) in pages {
        let mut buf = Vec::new();
        super::man::render(page, &examples_of, &mut buf)
            .map_err(|e| Error::Io(format!("cannot render man page {file}: {e}")))?;
        out.push((Path::new("man").join(file), buf));
    }
    Ok(out)
}

pub fn run(args: &GenerateArgs) -> Result<Outcome, Error> {
    for (rel, content) in files()? {
        let path = args.out_dir.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
        }
        std::fs::write(&path, content)
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(Outcome::Done)
}
