//! `celtool fix ...`: read what the fix needs once, plan, then hand the plan to the fix engine
//! (`crate::fix::Applier`).

use std::time::Duration;

use super::{complete_snapshot, host_snapshot};
use crate::cli::{FixArgs, FixCommand};
use crate::error::{Error, Outcome};
use crate::fix::{Applier, Status, event_queues, host, lock_journal, stale_queues, verify};
use crate::host::GatherOptions;
use crate::output::Printer;
use crate::rabbitmq::read::Need;
use crate::settings::Settings;

pub fn run(s: &Settings, p: &Printer, args: &FixArgs) -> Result<Outcome, Error> {
    let _lock = lock_journal(match &args.command {
        FixCommand::EventQueues(a) => &a.apply,
        FixCommand::Conntrack(a) => &a.apply,
        FixCommand::StaleEventQueues(a) => &a.apply,
    })?;
    match &args.command {
        FixCommand::EventQueues(a) => {
            let opts = event_queues::Options {
                ttl_ms: millis(a.ttl, "--ttl")?,
                expires_ms: millis(a.expires, "--expires")?,
                vhost: s.vhost().map(str::to_string),
            };
            let need = Need {
                queues: true,
                policies: true,
                exchanges: true,
                ..Need::default()
            };
            let (client, snap) = complete_snapshot(s, p, need)?;
            let plan = event_queues::plan(&opts, &snap.queues, &snap.policies, &snap.exchanges);
            let applier = Applier {
                printer: p,
                args: &a.apply,
                client: Some(&client),
            };
            let status = applier.execute(&plan)?;
            if status == Status::Applied {
                verify::event_queues(&client, &plan, &opts)?;
            }
            Ok(super::fix_outcome(status))
        }
        FixCommand::Conntrack(a) => {
            let etc = a.etc_root.clone().unwrap_or_else(|| s.etc().to_path_buf());
            let snap = host_snapshot(
                s,
                GatherOptions {
                    conntrack: true,
                    filesystems: false,
                    processes: false,
                    fix_inputs: Some(etc),
                    ..GatherOptions::default()
                },
            )?;
            let inputs = snap.conntrack_fix.as_ref().ok_or_else(|| {
                Error::Io("internal error: the conntrack fix inputs were not read".into())
            })?;
            let plan = host::plan_conntrack(&snap.conntrack, inputs, a.max);
            let applier = Applier {
                printer: p,
                args: &a.apply,
                client: None,
            };
            Ok(super::fix_outcome(applier.execute(&plan)?))
        }
        FixCommand::StaleEventQueues(a) => {
            let opts = stale_queues::Options {
                without_ttl_only: a.without_ttl_only,
                min_messages: a.min_messages,
            };
            let need = Need {
                queues: true,
                consumers: true,
                ..Need::default()
            };
            let (client, snap) = complete_snapshot(s, p, need)?;
            let plan = stale_queues::plan(&opts, &snap.queues, &snap.consumers);
            let applier = Applier {
                printer: p,
                args: &a.apply,
                client: Some(&client),
            };
            Ok(super::fix_outcome(applier.execute(&plan)?))
        }
    }
}

fn millis(d: Duration, flag: &str) -> Result<u64, Error> {
    match d.as_millis() {
        0 => Err(Error::Usage(format!("{flag} must be longer than 0"))),
        ms => Ok(ms.min(u32::MAX as u128) as u64),
    }
}
