//! `celtool undo [RUN]`: plan the inverse of a journaled run and apply it like a fix.

use crate::cli::UndoArgs;
use crate::error::{Error, Outcome};
use crate::fix::journal::{self, Journal};
use crate::fix::{Applier, lock_journal, undo};
use crate::output::Printer;
use crate::settings::Settings;

pub fn run(s: &Settings, p: &Printer, args: &UndoArgs) -> Result<Outcome, Error> {
    let _lock = lock_journal(&args.apply)?;
    let journal = Journal::new(
        args.apply
            .journal
            .clone()
            .unwrap_or_else(journal::default_path),
    );
    let entries = journal.entries()?;
    let shown = journal.path().display().to_string();
    let run = undo::choose_run(&entries, args.run.as_deref(), &shown)?;
    let of_run: Vec<&crate::fix::journal::Entry> =
        entries.iter().filter(|e| e.run == run).collect();
    undo::refuse_unknown_paths(&of_run, s.roots(), s.etc(), &shown)?;
    if of_run
        .iter()
        .any(|e| matches!(e.change, crate::fix::Change::Redis(_)))
    {
        return super::redis_fix::undo(s, p, &args.apply, &run, &of_run);
    }
    let client = super::client(s)?;
    let plan = undo::plan(&entries, &run, &client)?;
    let applier = Applier {
        printer: p,
        args: &args.apply,
        client: Some(&client),
    };
    Ok(super::fix_outcome(applier.execute_undo(&plan, &run)?))
}
