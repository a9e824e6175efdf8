//! `celtool workers reap`: reap zombies and end orphaned Celery pool processes.

use super::{flag_regex, host_snapshot};
use crate::cli::ReapArgs;
use crate::error::{Error, Outcome};
use crate::fix::{Applier, host, lock_journal};
use crate::host::{GatherOptions, Reading};
use crate::output::Printer;
use crate::settings::Settings;

pub fn run(s: &Settings, p: &Printer, args: &ReapArgs) -> Result<Outcome, Error> {
    let _lock = lock_journal(&args.apply)?;
    let matcher = flag_regex("--match", args.matcher.as_deref())?;
    let snap = host_snapshot(s, GatherOptions::only(false, false, true))?;
    let procs = match &snap.processes {
        Reading::Present(p) => p.clone(),
        Reading::Absent(why) | Reading::Unreadable(why) => {
            return Err(Error::Io(format!("cannot read the process table: {why}")));
        }
    };
    let opts = host::ReapOptions {
        kill_parents: args.kill_parents,
        grace: args.grace,
        matcher,
        proc_root: s.roots().proc.clone(),
    };
    let mut plan = host::plan_reap(&procs, &opts);
    if args.hung {
        let hung = hung_nodes(s, p, args)?;
        host::plan_hung(&procs, &snap.hostname, &hung, &opts, &mut plan);
    }
    let applier = Applier {
        printer: p,
        args: &args.apply,
        client: None,
    };
    Ok(super::fix_outcome(applier.execute(&plan)?))
}

/// The workers that answer no ping (asked twice) while their mailbox has a consumer.
fn hung_nodes(s: &Settings, p: &Printer, args: &ReapArgs) -> Result<Vec<String>, Error> {
    use crate::workers::{ProbeOptions, Target};
    let inputs = super::fleet::inputs(s)?;
    let opts = ProbeOptions::ping(args.amqp.reply_timeout, Target::All);
    let (_, fleet, api_error) = super::fleet::observe(s, &inputs, &opts)?;
    if let Some(e) = api_error {
        return Err(e);
    }
    for v in &fleet.vhosts {
        if let Some(e) = &v.error {
            p.warn(&format!("vhost {} could not be probed: {e}", v.vhost));
        }
    }
    Ok(fleet
        .vhosts
        .iter()
        .flat_map(|v| v.silent.iter().cloned())
        .collect())
}
