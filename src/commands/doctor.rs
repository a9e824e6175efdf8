//! `celtool doctor`: gather, check, report; exit code by the worst severity.

use super::{Globals, emit, runtime};
use crate::broker::gather::{Need, gather};
use crate::catalog;
use crate::checks;
use crate::cli::{DoctorArgs, Part};
use crate::error::{Error, Outcome};
use crate::output::Format;
use crate::output::report::{Scope, render};
use crate::report::{Finding, Report, Severity};

pub fn run(g: &Globals, args: &DoctorArgs) -> Result<Outcome, Error> {
    if let Some(url) = super::redis::redis_url(g, &g.config()?) {
        return super::redis::doctor(g, args, &url);
    }
    for pattern in &args.skip {
        if !catalog::CATALOG
            .iter()
            .any(|e| catalog::matches(pattern, e.id))
        {
            return Err(Error::Usage(format!(
                "--skip {pattern}: no finding ID is or starts with '{pattern}'; list them with `celtool explain`"
            )));
        }
    }
    if args.fix && g.style.format != Format::Table {
        return Err(Error::Usage(
            "doctor --fix works with --format table; scripts use `celtool fix ... --format json`"
                .into(),
        ));
    }
    let wants = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let config = g.config()?;
    let mut findings = Vec::new();
    let mut scope = Scope {
        broker: None,
        vhost: None,
    };
    let mut broker_error = None;

    if wants(Part::Broker) {
        let (client, vhost) = g.client(&config)?;
        scope.broker = Some(client.base().to_string());
        scope.vhost = vhost.clone();
        let snapshot = runtime()?.block_on(gather(&client, vhost.as_deref(), Need::ALL));
        match snapshot {
            Ok(snap) => findings.extend(checks::broker_checks(&snap, &config.thresholds)),
            // A vhost that does not exist is a bad argument, not a broker state.
            Err(e @ crate::broker::client::ApiError::NoSuchVhost { .. }) => return Err(e.into()),
            Err(e) => {
                let id = if e.is_auth() {
                    "broker.auth"
                } else {
                    "broker.unreachable"
                };
                let mut f = Finding::new(id, Severity::Unknown, client.base().as_str())
                    .summary(e.to_string())
                    .remedy(format!("see `celtool explain {id}`"));
                f.host = client.base().host_str().map(str::to_string);
                findings.push(f);
                broker_error = Some(e);
            }
        }
    }
    if wants(Part::Host) {
        let snap = crate::host::gather(&g.roots, &crate::host::GatherOptions::default());
        let mut host = crate::host::host_checks(&snap, &config.thresholds);
        name_inode_hogs(&mut host);
        findings.extend(host);
    }

    findings.retain(|f| !args.skip.iter().any(|s| catalog::matches(s, f.id)));
    let report = Report::new(findings);

    // In a terminal a broker that cannot be read is one error line; machine formats still get a
    // report, so a monitoring system sees UNKNOWN rather than nothing.
    if let Some(e) = broker_error
        && g.style.format == Format::Table
        && report.findings.len() == 1
    {
        return Err(e.into());
    }
    if !(g.style.quiet && g.style.format == Format::Table) {
        emit(&render(&g.style, &report, &scope, args.all))?;
    }
    if args.fix {
        offer_fixes(g, args, &report)?;
    }
    Ok(Outcome::Checked(report.status()))
}

/// For each filesystem running out of inodes, find the directories holding the most entries
/// (like `celtool inodes --top`) and name the exact prune-tmp command for the largest one.
fn name_inode_hogs(findings: &mut [Finding]) {
    use crate::checks::shell_word;
    for f in findings.iter_mut().filter(|f| {
        f.id == "host.inodes.usage" && matches!(f.severity, Severity::Warn | Severity::Crit)
    }) {
        let Ok(top) = crate::host::top_dirs(std::path::Path::new(&f.subject), 3, None) else {
            continue;
        };
        let Some(first) = top.dirs.first() else {
            continue;
        };
        let list: Vec<String> = top
            .dirs
            .iter()
            .map(|d| format!("{} ({} inodes)", d.path.display(), d.inodes))
            .collect();
        f.remedy = format!(
            "the directories holding the most entries: {}; delete their old files: celtool prune-tmp {} --older-than 2d --rmdir (see what would go with --dry-run -v first); {}",
            list.join(", "),
            shell_word(&first.path.display().to_string()),
            "if tasks leave temp files behind, clean up in the task (tempfile.TemporaryDirectory)"
        );
    }
}

/// The vhost of an event queue's subject (`vhost/celeryev.x`, `/celeryev.x` in the default vhost).
fn event_queue_vhost(subject: &str) -> String {
    match subject.rfind("/celeryev.") {
        Some(0) | None => "/".to_string(),
        Some(i) => subject[..i].to_string(),
    }
}

/// `doctor --fix`: plan and offer the fixes for the findings that have one.
fn offer_fixes(g: &Globals, args: &DoctorArgs, report: &Report) -> Result<(), Error> {
    let has = |pred: &dyn Fn(&Finding) -> bool| report.findings.iter().any(pred);
    let conntrack = has(&|f| {
        (f.id == "host.conntrack.usage" && f.severity != Severity::Ok)
            || f.id == "host.conntrack.drops"
    });
    let processes = has(&|f| matches!(f.id, "host.workers.zombie" | "host.workers.orphan"));
    let events = has(&|f| matches!(f.id, "events.no-ttl" | "events.no-consumer"));
    if !(conntrack || processes || events) {
        if g.style.format == Format::Table && !g.style.quiet {
            emit("doctor --fix: no finding here has a fix celtool can apply\n")?;
        }
        return Ok(());
    }
    if conntrack {
        offer_conntrack(g, args)?;
    }
    if processes {
        offer_reap(g, args)?;
    }
    if events {
        offer_event_fixes(g, args, report)?;
    }
    Ok(())
}

fn offer_conntrack(g: &Globals, args: &DoctorArgs) -> Result<(), Error> {
    let snap = crate::host::gather(
        &g.roots,
        &crate::host::GatherOptions {
            filesystems: false,
            processes: false,
            ..Default::default()
        },
    );
    let opts = crate::fix::host::ConntrackOptions {
        max: None,
        roots: g.roots.clone(),
        etc: std::env::var_os("CELTOOL_ETC_ROOT")
            .map(Into::into)
            .unwrap_or_else(|| "/etc".into()),
    };
    let plan = crate::fix::host::plan_conntrack(&snap.conntrack, &opts);
    super::fix::execute(g, &args.apply, &plan, None).map(drop)
}

fn offer_reap(g: &Globals, args: &DoctorArgs) -> Result<(), Error> {
    let snap = crate::host::gather(
        &g.roots,
        &crate::host::GatherOptions {
            conntrack: false,
            filesystems: false,
            ..Default::default()
        },
    );
    let crate::host::Reading::Present(procs) = snap.processes else {
        return Ok(());
    };
    let opts = crate::fix::host::ReapOptions {
        kill_parents: false,
        grace: std::time::Duration::from_secs(10),
        matcher: None,
        proc_root: g.roots.proc.clone(),
    };
    let plan = crate::fix::host::plan_reap(&procs, &opts);
    super::fix::execute(g, &args.apply, &plan, None).map(drop)
}

fn offer_event_fixes(g: &Globals, args: &DoctorArgs, report: &Report) -> Result<(), Error> {
    use crate::fix::{event_queues, stale_queues};
    let subjects = |id: &str| -> Vec<&str> {
        report
            .findings
            .iter()
            .filter(|f| f.id == id)
            .map(|f| f.subject.as_str())
            .collect()
    };
    let need = Need {
        queues: true,
        consumers: true,
        policies: true,
        exchanges: true,
        ..Need::default()
    };
    let (client, snap) = super::complete_snapshot(g, need)?;
    let vhosts: std::collections::BTreeSet<String> = subjects("events.no-ttl")
        .into_iter()
        .map(event_queue_vhost)
        .collect();
    for vhost in vhosts {
        let opts = event_queues::Options {
            ttl_ms: 5000,
            expires_ms: 60000,
            vhost: Some(vhost),
        };
        let plan = event_queues::plan(&opts, &snap.queues, &snap.policies, &snap.exchanges);
        super::fix::execute(g, &args.apply, &plan, Some(&client))?;
    }
    let unconsumed: std::collections::HashSet<&str> =
        subjects("events.no-consumer").into_iter().collect();
    if !unconsumed.is_empty() {
        let mut plan = stale_queues::plan(
            &stale_queues::Options::default(),
            &snap.queues,
            &snap.consumers,
        );
        plan.changes.retain(|c| match c {
            crate::fix::Change::DeleteQueue { vhost, name, .. } => {
                unconsumed.contains(crate::broker::model::subject(vhost, name).as_str())
            }
            _ => false,
        });
        super::fix::execute(g, &args.apply, &plan, Some(&client))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::event_queue_vhost;

    #[test]
    fn vhosts_of_event_queue_subjects() {
        assert_eq!(event_queue_vhost("/celeryev.x"), "/");
        assert_eq!(event_queue_vhost("jobs/celeryev.x"), "jobs");
        assert_eq!(event_queue_vhost("a/b/celeryev.x"), "a/b");
    }
}
