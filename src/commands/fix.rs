//! `celtool fix ...`, `celtool undo`, and the apply flow `doctor --fix` shares: show the plan,
//! confirm (or --yes), apply each change, journal it, verify.

use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Globals, complete_snapshot, emit, flag_regex, runtime};
use crate::broker::client::{ApiError, Client};
use crate::broker::gather::Need;
use crate::broker::model::Policy;
use crate::cli::{ApplyArgs, FixArgs, FixCommand, ReapArgs, UndoArgs};
use crate::error::{Error, Outcome};
use crate::fix::journal::{self, Entry, Journal};
use crate::fix::{Change, Plan, PolicySpec, event_queues, host, stale_queues};
use crate::output::Format;
use crate::report::Severity;

/// What happened to a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    NothingToDo,
    DryRun,
    /// Shown but not applied: no --yes off a terminal, declined, or irreversible without --yes.
    NotApplied,
    /// The fix refused part of the job; the notes say why.
    Refused,
    Applied,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    plan: &'a Plan,
    status: Status,
    run: Option<&'a str>,
}

pub fn run(g: &Globals, args: &FixArgs) -> Result<Outcome, Error> {
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
                vhost: g.flags.vhost.clone(),
            };
            let (client, snap) = complete_snapshot(
                g,
                Need {
                    queues: true,
                    policies: true,
                    exchanges: true,
                    ..Need::default()
                },
            )?;
            let plan = event_queues::plan(&opts, &snap.queues, &snap.policies, &snap.exchanges);
            let status = execute(g, &a.apply, &plan, Some(&client))?;
            if status == Status::Applied {
                verify_event_queues(&client, &plan, &opts)?;
            }
            Ok(outcome(status))
        }
        FixCommand::Conntrack(a) => {
            let snap = crate::host::gather(
                &g.roots,
                &crate::host::GatherOptions {
                    conntrack: true,
                    filesystems: false,
                    processes: false,
                    ..Default::default()
                },
            );
            let opts = host::ConntrackOptions {
                max: a.max,
                roots: g.roots.clone(),
                etc: a.etc_root.clone().unwrap_or_else(|| "/etc".into()),
            };
            let plan = host::plan_conntrack(&snap.conntrack, &opts);
            Ok(outcome(execute(g, &a.apply, &plan, None)?))
        }
        FixCommand::StaleEventQueues(a) => {
            let opts = stale_queues::Options {
                without_ttl_only: a.without_ttl_only,
                min_messages: a.min_messages,
            };
            let (client, snap) = complete_snapshot(
                g,
                Need {
                    queues: true,
                    consumers: true,
                    ..Need::default()
                },
            )?;
            let plan = stale_queues::plan(&opts, &snap.queues, &snap.consumers);
            Ok(outcome(execute(g, &a.apply, &plan, Some(&client))?))
        }
    }
}

/// Fixes and undo never overlap, and never start on a journal they could not append to: lock
/// and check the journal before reading the state a plan is made from (not for a dry run,
/// which writes nothing).
fn lock_journal(apply: &ApplyArgs) -> Result<Option<journal::JournalLock>, Error> {
    if apply.dry_run {
        return Ok(None);
    }
    let journal = Journal::new(apply.journal.clone().unwrap_or_else(journal::default_path));
    let lock = journal.lock()?;
    journal.check()?;
    Ok(Some(lock))
}

fn millis(d: Duration, flag: &str) -> Result<u64, Error> {
    match d.as_millis() {
        0 => Err(Error::Usage(format!("{flag} must be longer than 0"))),
        ms => Ok(ms.min(u32::MAX as u128) as u64),
    }
}

/// Exit codes of a fix: 0 applied, nothing to do or dry run; 1 when the plan was only shown;
/// 3 when the fix refused (a conflict, a read-only tunable).
fn outcome(status: Status) -> Outcome {
    match status {
        Status::NotApplied => Outcome::Checked(Severity::Warn),
        Status::Refused => Outcome::Checked(Severity::Unknown),
        Status::NothingToDo | Status::DryRun | Status::Applied => Outcome::Done,
    }
}

/// Show the plan, get consent, apply and journal each change. Shared by every fix, undo and
/// `doctor --fix`.
pub(super) fn execute(
    g: &Globals,
    apply: &ApplyArgs,
    plan: &Plan,
    client: Option<&Client>,
) -> Result<Status, Error> {
    execute_as(g, apply, plan, client, None)
}

fn execute_as(
    g: &Globals,
    apply: &ApplyArgs,
    plan: &Plan,
    client: Option<&Client>,
    undo_of: Option<&str>,
) -> Result<Status, Error> {
    let json = g.style.format == Format::Json;
    let say = |text: &str| -> Result<(), Error> {
        if json || g.style.quiet {
            Ok(())
        } else {
            emit(text)
        }
    };
    let finish = |status: Status, run: Option<&str>| -> Result<Status, Error> {
        if json {
            let doc = JsonResult { plan, status, run };
            emit(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"))?;
        }
        Ok(status)
    };
    say(&plan.render())?;
    if plan.changes.is_empty() {
        return finish(
            if plan.refused {
                Status::Refused
            } else {
                Status::NothingToDo
            },
            None,
        );
    }
    if apply.dry_run {
        say("dry run: nothing changed\n")?;
        return finish(Status::DryRun, None);
    }
    let journal = Journal::new(apply.journal.clone().unwrap_or_else(journal::default_path));
    let _lock = journal.lock()?;
    journal.check()?;
    if !apply.yes {
        let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        if plan.irreversible() {
            say(
                "not applied: this plan deletes data irreversibly; run again with --yes to apply it\n",
            )?;
            return finish(Status::NotApplied, None);
        }
        if !interactive {
            say("not applied: pass --yes to apply (or run on a terminal to confirm)\n")?;
            return finish(Status::NotApplied, None);
        }
        if !confirm(plan.changes.len())? {
            say("not applied\n")?;
            return finish(Status::NotApplied, None);
        }
    }
    let run = journal::new_run_id();
    let rt = runtime()?;
    for (seq, change) in plan.changes.iter().enumerate() {
        if let Err(e) = rt.block_on(change.apply(client)) {
            return Err(Error::Io(format!(
                "{e}; {seq} of {} change(s) were applied before this one (run {run}{})",
                plan.changes.len(),
                if seq > 0 {
                    format!("; undo them with: celtool undo {run}")
                } else {
                    String::new()
                }
            )));
        }
        journal.append(&Entry {
            run: run.clone(),
            seq,
            time: journal::now(),
            fix: plan.fix.to_string(),
            broker: client
                .filter(|_| change.is_broker())
                .map(|c| c.base().to_string()),
            undo_of: undo_of.map(str::to_string),
            change: change.clone(),
        })
        .map_err(|e| {
            Error::Io(format!(
                "{e}; change {} ({}) WAS applied but is not journaled, so undo cannot restore it; no further change was made",
                seq + 1,
                crate::output::sanitize(&change.describe())
            ))
        })?;
    }
    let undo_hint = if undo_of.is_none() && plan.changes.iter().any(Change::reversible) {
        format!("; undo with: celtool undo {run}")
    } else {
        String::new()
    };
    say(&format!(
        "applied {} change(s) as run {run} (journal {}){undo_hint}\n",
        plan.changes.len(),
        journal.path().display()
    ))?;
    finish(Status::Applied, Some(&run))
}

fn confirm(n: usize) -> Result<bool, Error> {
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "Apply these {n} change(s)? [y/N] ");
    let _ = out.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Io(format!("cannot read the answer: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// RabbitMQ applies policies asynchronously: wait (bounded) until every event queue of the
/// changed vhosts carries the TTL and expiry.
fn verify_event_queues(
    client: &Client,
    plan: &Plan,
    opts: &event_queues::Options,
) -> Result<(), Error> {
    let rt = runtime()?;
    let started = Instant::now();
    for change in &plan.changes {
        let Change::PutPolicy { vhost, .. } = change else {
            continue;
        };
        loop {
            let queues: Vec<crate::broker::model::Queue> = rt.block_on(client.get(
                &["queues", vhost],
                Some("name,vhost,effective_policy_definition"),
            ))?;
            let left = event_queues::unsettled(vhost, &queues, opts);
            if left.is_empty() {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(Error::Io(format!(
                    "the policy was applied, but {} event queue(s) in vhost {vhost} (e.g. {}) still do not show it after 30 s; check `rabbitmqctl list_queues -p {vhost} name policy`",
                    left.len(),
                    crate::output::sanitize(left[0].name())
                )));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
    Ok(())
}

/// `celtool workers reap`.
pub fn reap(g: &Globals, args: &ReapArgs) -> Result<Outcome, Error> {
    let _lock = lock_journal(&args.apply)?;
    let matcher = flag_regex("--match", args.matcher.as_deref())?;
    let snap = crate::host::gather(
        &g.roots,
        &crate::host::GatherOptions {
            conntrack: false,
            filesystems: false,
            processes: true,
            ..Default::default()
        },
    );
    let procs = match snap.processes {
        crate::host::Reading::Present(p) => p,
        crate::host::Reading::Absent(why) | crate::host::Reading::Unreadable(why) => {
            return Err(Error::Io(format!("cannot read the process table: {why}")));
        }
    };
    let opts = host::ReapOptions {
        kill_parents: args.kill_parents,
        grace: args.grace,
        matcher,
        proc_root: g.roots.proc.clone(),
    };
    let plan = host::plan_reap(&procs, &opts);
    Ok(outcome(execute(g, &args.apply, &plan, None)?))
}

pub fn undo(g: &Globals, args: &UndoArgs) -> Result<Outcome, Error> {
    let _lock = lock_journal(&args.apply)?;
    let journal = Journal::new(
        args.apply
            .journal
            .clone()
            .unwrap_or_else(journal::default_path),
    );
    let entries = journal.entries()?;
    let run = match &args.run {
        Some(r) => r.clone(),
        None => journal::undoable_runs(&entries).pop().ok_or_else(|| {
            Error::Usage(format!(
                "nothing to undo in the journal {}",
                journal.path().display()
            ))
        })?,
    };
    if entries
        .iter()
        .any(|e| e.undo_of.as_deref() == Some(run.as_str()))
    {
        return Err(Error::Usage(format!("run {run} was already undone")));
    }
    let mut of_run: Vec<&Entry> = entries.iter().filter(|e| e.run == run).collect();
    if of_run.is_empty() {
        return Err(Error::Usage(format!(
            "run {run} is not in the journal {}",
            journal.path().display()
        )));
    }
    of_run.sort_by_key(|e| std::cmp::Reverse(e.seq));
    let config = g.config()?;
    let (client, _) = g.client(&config)?;
    let mut plan = Plan {
        fix: "undo",
        ..Plan::default()
    };
    let rt = runtime()?;
    for e in of_run {
        if let Some(broker) = &e.broker
            && broker != client.base().as_str()
        {
            return Err(Error::Usage(format!(
                "run {run} changed the broker at {broker}; run undo with --url {broker} (and its credentials)"
            )));
        }
        let Some(inverse) = e.change.inverse() else {
            plan.notes
                .push(format!("cannot be undone: {}", e.change.describe()));
            continue;
        };
        if let Some(why) = rt.block_on(drifted(&client, &e.change))? {
            return Err(Error::Usage(format!(
                "cannot undo run {run}: {why}; it was changed after celtool applied it, so restoring the old state would lose that change"
            )));
        }
        plan.changes.push(inverse);
    }
    plan.notes.insert(0, format!("undo run {run}"));
    let status = execute_as(g, &args.apply, &plan, Some(&client), Some(&run))?;
    Ok(outcome(status))
}

/// Why the broker or this host no longer shows the state a change left, or None when it does.
async fn drifted(client: &Client, change: &Change) -> Result<Option<String>, Error> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let (vhost, name, expected) = match change {
        Change::PutPolicy {
            vhost, name, after, ..
        } => (vhost, name, Some(after)),
        Change::DeletePolicy { vhost, name, .. } => (vhost, name, None),
        Change::WriteKernel { path, after, .. } => {
            let now = read(path).unwrap_or_default();
            return Ok((now.trim() != after.trim())
                .then(|| format!("{path} is {} now, not {}", now.trim(), after.trim())));
        }
        Change::WriteFile { path, after, .. } => {
            return Ok((read(path).as_deref() != Some(after.as_str()))
                .then(|| format!("{path} was edited or removed since")));
        }
        Change::RemoveFile { path, .. } => {
            return Ok(std::path::Path::new(path)
                .exists()
                .then(|| format!("{path} exists again")));
        }
        Change::DeleteQueue { .. } | Change::ReapZombies { .. } | Change::Terminate { .. } => {
            return Ok(None);
        }
    };
    let current = match client.get::<Policy>(&["policies", vhost, name], None).await {
        Ok(p) => Some(PolicySpec::from(&p)),
        Err(ApiError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(match (current.as_ref(), expected) {
        (a, b) if a == b => None,
        (None, _) => Some(format!("policy {name} in vhost {vhost} no longer exists")),
        (Some(_), None) => Some(format!("policy {name} in vhost {vhost} exists again")),
        (Some(_), Some(_)) => Some(format!(
            "policy {name} in vhost {vhost} has a different definition now"
        )),
    })
}
