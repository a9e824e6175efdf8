//! celtool: diagnose and fix the failures of Celery fleets on RabbitMQ.
//!
//! The flow is one-way: gather (I/O) -> snapshot (plain data) -> checks (pure functions) ->
//! report -> render.

pub mod broker;
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod error;
pub mod fix;
pub mod host;
pub mod output;
pub mod prune;
pub mod report;
pub mod settings;
pub mod workers;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::cli::{Cli, Command};
use crate::commands::Globals;
use crate::error::{Outcome, exit_code};

/// Parse the command line, run the command, print any error once, and return the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(usage_error(e)),
    };
    let globals = Globals::from_args(&cli.global);
    let outcome = match dispatch(&globals, &cli.command) {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Failed(e),
    };
    if let Outcome::Failed(e) = &outcome {
        eprintln!("celtool: error: {e}");
        if let Some(hint) = e.hint() {
            eprintln!("hint: {hint}");
        }
    }
    ExitCode::from(exit_code(&outcome))
}

fn dispatch(g: &Globals, command: &Command) -> Result<Outcome, error::Error> {
    match command {
        Command::Doctor(args) => commands::doctor::run(g, args),
        Command::Queues(args) => commands::queues::run(g, args),
        Command::Connections(args) => commands::connections::run(g, args),
        Command::Explain(args) => commands::explain::run(g, args),
        Command::Conntrack => commands::host::conntrack(g),
        Command::Inodes(args) => commands::host::inodes(g, args),
        Command::Workers(args) => match &args.action {
            None => commands::host::workers(g),
            Some(cli::WorkersAction::Reap(reap)) => commands::fix::reap(g, reap),
        },
        Command::PruneTmp(args) => commands::prune_tmp::run(g, args),
        Command::Fleet(args) => commands::fleet::fleet(g, args),
        Command::Ping(args) => commands::fleet::ping(g, args),
        Command::Fix(args) => commands::fix::run(g, args),
        Command::Undo(args) => commands::fix::undo(g, args),
        Command::Completions(args) => commands::generate::completions(args),
        Command::Generate(args) => commands::generate::run(args),
    }
}

/// Help and version go to stdout with exit 0; a usage error is one line on stderr, exit 3.
fn usage_error(e: clap::Error) -> u8 {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = output::emit(&e.render().to_string());
            0
        }
        _ => {
            let rendered = e.render().to_string();
            let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
            let first = lines.next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let tips: Vec<&str> = lines
                .map(str::trim)
                .filter(|l| l.starts_with("tip:"))
                .collect();
            let mut msg = format!("celtool: error: {first}");
            for tip in tips {
                msg.push_str("; ");
                msg.push_str(tip);
            }
            eprintln!("{msg} (see celtool --help)");
            3
        }
    }
}
