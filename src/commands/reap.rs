//! `celtool workers reap`: reap zombies and end orphaned Celery pool processes.

use super::{flag_regex, host_snapshot};
use crate::cli::ReapArgs;
use crate::error::{Error, Outcome};
use crate::fix::{Applier, host, lock_journal, outcome};
use crate::host::{GatherOptions, Reading};
use crate::output::Printer;
use crate::settings::Settings;

pub fn run(s: &Settings, p: &Printer, args: &ReapArgs) -> Result<Outcome, Error> {
    let _lock = lock_journal(&args.apply)?;
    let matcher = flag_regex("--match", args.matcher.as_deref())?;
    let snap = host_snapshot(s, GatherOptions::only(false, false, true));
    let procs = match snap.processes {
        Reading::Present(p) => p,
        Reading::Absent(why) | Reading::Unreadable(why) => {
            return Err(Error::Io(format!("cannot read the process table: {why}")));
        }
    };
    let opts = host::ReapOptions {
        kill_parents: args.kill_parents,
        grace: args.grace,
        matcher,
        proc_root: s.roots.proc.clone(),
    };
    let plan = host::plan_reap(&procs, &opts);
    let applier = Applier {
        printer: p,
        args: &args.apply,
        client: None,
    };
    Ok(outcome(applier.execute(&plan)?))
}
