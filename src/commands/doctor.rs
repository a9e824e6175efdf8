//! `celtool doctor`: gather once, check, report; exit code by the worst severity. With --fix,
//! the fixes are planned from the same snapshot the report came from.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use crate::catalog;
use crate::checks;
use crate::cli::{self, DoctorArgs, Part};
use crate::error::{Error, Outcome};
use crate::fix::{Applier, Change, event_queues, host as host_fix, stale_queues};
use crate::gather::{self, BrokerError, Need, Snapshot};
use crate::host::{GatherOptions, Reading, ZombieWatch};
use crate::output::report::{Scope, print};
use crate::output::{Format, Printer};
use crate::rabbitmq::client::{ApiError, Client};
use crate::rabbitmq::read::Need as BrokerNeed;
use crate::report::{Finding, Report, Severity};
use crate::settings::Settings;
use crate::text::parse_duration;
use crate::workers::settings::Expect;

pub fn run(s: &Settings, p: &Printer, args: &DoctorArgs) -> Result<Outcome, Error> {
    if matches!(s.broker(), Some(crate::settings::Broker::Redis(_))) {
        if args.no_workers && !args.expect.is_empty() {
            return Err(Error::Usage(
                "doctor --expect needs the workers asked: drop --no-workers".into(),
            ));
        }
        return super::redis::doctor(s, p, args, &expectation(s, args));
    }
    validate(p, args)?;
    // With --fix, hold the journal lock before reading the state the fixes are planned from.
    let _lock = if args.fix {
        crate::fix::lock_journal(&args.apply)?
    } else {
        None
    };
    let wants = |part: Part| args.only.is_empty() || args.only.contains(&part);
    let client = if wants(Part::Broker) {
        Some(super::client(s)?)
    } else {
        None
    };
    let workers = match (&client, args.no_workers) {
        (Some(_), false) => Some(workers_need(s, args)?),
        _ => None,
    };
    let need = Need {
        broker: wants(Part::Broker).then_some(gather::BrokerNeed::RabbitMq(BrokerNeed::ALL)),
        workers,
        redis_workers: None,
        host: wants(Part::Host).then(|| GatherOptions {
            fix_inputs: args.fix.then(|| s.etc().to_path_buf()),
            nic: Some(crate::host::nic::DOCTOR_INTERVAL),
            zombies: Some(ZombieWatch::new(s.thresholds(), s.deadline())),
            ..GatherOptions::default()
        }),
        inode_hot_spots: true,
    };
    let waiting = client.as_ref().map(|c| super::waiting(p, c));
    let mut snap = gather::gather(client.as_ref(), s.vhost(), s.roots(), s.thresholds(), &need)?;
    drop(waiting);
    if let Some(c) = &client {
        c.budget().lift_deadline();
    }
    let broker_error = match snap.broker.take() {
        // A vhost that does not exist is a bad argument, not a broker state: one error line in
        // a terminal; machine formats still get their report (an unknown finding).
        Some(Err(BrokerError::RabbitMq(e @ ApiError::NoSuchVhost { .. })))
            if p.style.format == Format::Table =>
        {
            return Err(e.into());
        }
        Some(Err(BrokerError::RabbitMq(e))) => Some(e),
        // A RabbitMQ need is never answered by Redis.
        Some(Err(e @ BrokerError::Redis(_))) => return Err(Error::Io(e.to_string())),
        other => {
            snap.broker = other;
            None
        }
    };
    let expect = expectation(s, args);
    let mut findings = check(s, client.as_ref(), &snap, broker_error.as_ref(), &expect);
    let snap_workers_asked = matches!(&snap.workers, Some(Ok(f)) if !f.vhosts.is_empty());
    findings.retain(|f| !args.skip.iter().any(|id| catalog::matches(id, f.id)));
    let report = Report::new(findings);
    // A long report lists the worst findings of each ID; fixes still see every finding.
    let cap = max_per_id(args.max_per_id, p.style.format);
    // The textfile is for monitoring: every finding unless the user set a cap.
    let uncapped = (args.fix || (args.textfile.is_some() && args.max_per_id.is_none()))
        .then(|| report.clone());
    let report = report.cap_per_id(cap);
    if !args.fix {
        // Only fixes read the snapshot after the checks: free its queues before rendering.
        snap = Snapshot::default();
    }

    // In a terminal a broker that cannot be read is one error line; machine formats still get a
    // report, so a monitoring system sees UNKNOWN rather than nothing.
    if let Some(e) = broker_error
        && p.style.format == Format::Table
        && report.findings.len() == 1
    {
        return Err(e.into());
    }
    let scope = Scope {
        broker: client.as_ref().map(|c| c.base().to_string()),
        vhost: s.vhost().map(str::to_string),
        notes: scope_notes(
            s,
            &report,
            snap_workers_asked && expect == Expect::default(),
        ),
    };
    print(
        p,
        &report,
        &scope,
        args.all,
        s.thresholds(),
        args.textfile
            .as_deref()
            .map(|f| (f, uncapped.as_ref().unwrap_or(&report))),
    )?;
    if args.fix {
        offer_fixes(
            s,
            p,
            args,
            uncapped.as_ref().unwrap_or(&report),
            &snap,
            client.as_ref(),
        )?;
    }
    Ok(Outcome::Checked(report.status()))
}

/// How many findings of each ID to list (0: all): what the user set, else
/// [`DEFAULT_MAX_PER_ID`](crate::report::DEFAULT_MAX_PER_ID) in a table, which a person reads,
/// and every finding in the machine formats, which scripts and monitoring count.
fn max_per_id(set: Option<usize>, format: Format) -> usize {
    match (set, format) {
        (Some(n), _) => n,
        (None, Format::Table) => crate::report::DEFAULT_MAX_PER_ID,
        (None, Format::Json | Format::Prometheus | Format::Nagios | Format::Sarif) => 0,
    }
}

/// The workers that must answer: `--expect` (numbers are a count, the rest node globs), else
/// the profile's expect_workers, else none.
fn expectation(s: &Settings, args: &DoctorArgs) -> Expect {
    if args.expect.is_empty() {
        return s.expected_workers().clone();
    }
    let mut e = Expect::default();
    for v in args
        .expect
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        match v.parse::<usize>() {
            Ok(n) => e.count = Some(n),
            Err(_) => e.patterns.push(v.to_string()),
        }
    }
    e
}

/// What the summary line adds to the scope: with --vhost, that the host findings (which count
/// in the status) cover every process of this host, other vhosts' workers included; when the
/// workers were asked without an expectation, that a worker killed with kill -9 goes unseen.
fn scope_notes(s: &Settings, report: &Report, no_expectation: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if no_expectation {
        notes.push(
            "no workers expected: a worker killed with kill -9 leaves no trace (--expect COUNT|PATTERN or expect_workers)"
                .to_string(),
        );
    }
    let host_findings = report
        .findings
        .iter()
        .any(|f| f.area == crate::report::Area::Host);
    if let Some(vhost) = s.vhost()
        && host_findings
    {
        notes.push(format!(
            "host findings cover every process on this host, not only vhost {}'s workers",
            crate::text::sanitize(vhost)
        ));
    }
    notes
}

/// Every --skip names a finding ID or a prefix of some (on either broker).
pub(super) fn validate_skip(args: &DoctorArgs) -> Result<(), Error> {
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
    Ok(())
}

fn validate(p: &Printer, args: &DoctorArgs) -> Result<(), Error> {
    validate_skip(args)?;
    if args.no_workers && !args.expect.is_empty() {
        return Err(Error::Usage(
            "doctor --expect needs the workers asked: drop --no-workers".into(),
        ));
    }
    if args.fix && p.style.format != Format::Table {
        return Err(Error::Usage(
            "doctor --fix works with --format table; scripts use `celtool fix ... --format json`"
                .into(),
        ));
    }
    Ok(())
}

/// Every check on the snapshot; a broker that could not be read at all is an unknown finding.
fn check(
    s: &Settings,
    client: Option<&Client>,
    snap: &Snapshot,
    broker_error: Option<&ApiError>,
    expect: &Expect,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(b) = snap.rabbitmq() {
        findings.extend(checks::broker_checks(b, s.thresholds()));
    }
    if let (Some(e), Some(client)) = (broker_error, client) {
        let id = if e.is_auth() {
            "broker.auth"
        } else if matches!(e, ApiError::NoSuchVhost { .. }) {
            "broker.vhost"
        } else {
            "broker.unreachable"
        };
        let mut f = Finding::new(id, Severity::Unknown, client.base().as_str())
            .summary(e.to_string())
            .remedy(format!("see `celtool explain {id}`"));
        f.host = client.base().host_str().map(str::to_string);
        findings.push(f);
    }
    match (&snap.workers, snap.rabbitmq()) {
        (Some(Ok(fleet)), Some(b)) => {
            checks::workers::drop_answered_mailboxes(fleet, &mut findings);
            let procs = snap.host.as_ref().and_then(|h| match &h.processes {
                Reading::Present(p) => Some(p.as_slice()),
                _ => None,
            });
            findings.extend(checks::workers::check_seen_from(
                fleet,
                b,
                s.thresholds(),
                expect,
                procs,
            ));
        }
        (Some(Err(e)), _) => findings.push(
            Finding::new("workers.unreachable", Severity::Unknown, "workers")
                .summary(e.clone())
                .remedy("see `celtool explain workers.unreachable`; --amqp-url sets where celtool connects, --no-workers skips asking the workers"),
        ),
        _ => {}
    }
    if let Some(host) = &snap.host {
        findings.extend(checks::host::host_checks(host, s.thresholds()));
    }
    findings
}

/// Where and how to ask the workers: the AMQP endpoint the settings resolved (--amqp-url, the
/// profile's amqp_url, or the management URL's host).
fn workers_need(s: &Settings, args: &DoctorArgs) -> Result<gather::WorkersNeed, Error> {
    Ok(gather::WorkersNeed {
        endpoint: s.amqp()?.clone(),
        opts: crate::workers::ProbeOptions::full(args.amqp.reply_timeout),
    })
}

/// The vhost of an event queue's subject (`vhost/celeryev.x`, `/celeryev.x` in the default vhost).
fn event_queue_vhost(subject: &str) -> String {
    match subject.rfind("/celeryev.") {
        Some(0) | None => "/".to_string(),
        Some(i) => subject[..i].to_string(),
    }
}

/// `doctor --fix`: plan and offer the fixes for the findings that have one, from the snapshot
/// the report came from.
fn offer_fixes(
    s: &Settings,
    p: &Printer,
    args: &DoctorArgs,
    report: &Report,
    snap: &Snapshot,
    client: Option<&Client>,
) -> Result<(), Error> {
    let has = |pred: &dyn Fn(&Finding) -> bool| report.findings.iter().any(pred);
    let conntrack = has(&|f| {
        (f.id == "host.conntrack.usage" && f.severity != Severity::Ok)
            || f.id == "host.conntrack.drops"
    });
    let processes = has(&|f| matches!(f.id, "host.workers.zombie" | "host.workers.orphan"));
    let events = has(&|f| matches!(f.id, "events.no-ttl" | "events.no-consumer"));
    if !(conntrack || processes || events) {
        return p.say("doctor --fix: no finding here has a fix celtool can apply\n");
    }
    let host = snap.host.as_ref();
    let applier = Applier {
        printer: p,
        args: &args.apply,
        client,
    };
    if conntrack
        && let Some(h) = host
        && let Some(inputs) = &h.conntrack_fix
    {
        applier.execute(&host_fix::plan_conntrack(&h.conntrack, inputs, None))?;
    }
    if processes
        && let Some(h) = host
        && let Reading::Present(procs) = &h.processes
    {
        let opts = host_fix::ReapOptions {
            kill_parents: false,
            grace: default_duration(cli::DEFAULT_GRACE),
            matcher: None,
            proc_root: s.roots().proc.clone(),
        };
        applier.execute(&host_fix::plan_reap(procs, &opts))?;
    }
    if events && let Some(b) = snap.rabbitmq() {
        offer_event_fixes(&applier, report, b)?;
    }
    Ok(())
}

fn default_duration(text: &str) -> Duration {
    parse_duration(text).unwrap_or_default()
}

fn offer_event_fixes(
    applier: &Applier,
    report: &Report,
    snap: &crate::rabbitmq::read::Snapshot,
) -> Result<(), Error> {
    let subjects = |id: &str| -> Vec<&str> {
        report
            .findings
            .iter()
            .filter(|f| f.id == id)
            .map(|f| f.subject.as_str())
            .collect()
    };
    let vhosts: BTreeSet<String> = subjects("events.no-ttl")
        .into_iter()
        .map(event_queue_vhost)
        .collect();
    for vhost in vhosts {
        let opts = event_queues::Options {
            ttl_ms: default_duration(cli::DEFAULT_EVENT_TTL).as_millis() as u64,
            expires_ms: default_duration(cli::DEFAULT_EVENT_EXPIRES).as_millis() as u64,
            vhost: Some(vhost),
        };
        let plan = event_queues::plan(&opts, &snap.queues, &snap.policies, &snap.exchanges);
        applier.execute(&plan)?;
    }
    let unconsumed: HashSet<&str> = subjects("events.no-consumer").into_iter().collect();
    if !unconsumed.is_empty() {
        let mut plan = stale_queues::plan(
            &stale_queues::Options::default(),
            &snap.queues,
            &snap.consumers,
        );
        plan.changes.retain(|c| match c {
            Change::DeleteQueue { vhost, name, .. } => {
                unconsumed.contains(crate::rabbitmq::records::subject(vhost, name).as_str())
            }
            Change::PutPolicy { .. }
            | Change::DeletePolicy { .. }
            | Change::WriteKernel { .. }
            | Change::WriteFile { .. }
            | Change::RemoveFile { .. }
            | Change::ReapZombies { .. }
            | Change::Terminate { .. }
            | Change::Redis(_) => false,
        });
        applier.execute(&plan)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vhosts_of_event_queue_subjects() {
        assert_eq!(event_queue_vhost("/celeryev.x"), "/");
        assert_eq!(event_queue_vhost("jobs/celeryev.x"), "jobs");
        assert_eq!(event_queue_vhost("a/b/celeryev.x"), "a/b");
    }

    #[test]
    fn only_the_table_is_capped_unless_the_user_says() {
        assert_eq!(max_per_id(None, Format::Table), 20);
        for format in [Format::Json, Format::Prometheus, Format::Nagios] {
            assert_eq!(max_per_id(None, format), 0, "{format:?}");
            assert_eq!(max_per_id(Some(5), format), 5, "{format:?}");
        }
        assert_eq!(max_per_id(Some(0), Format::Table), 0);
    }

    #[test]
    fn the_fix_defaults_parse() {
        assert_eq!(
            default_duration(cli::DEFAULT_GRACE),
            Duration::from_secs(10)
        );
        assert_eq!(
            default_duration(cli::DEFAULT_EVENT_TTL),
            Duration::from_secs(5)
        );
        assert_eq!(
            default_duration(cli::DEFAULT_EVENT_EXPIRES),
            Duration::from_secs(60)
        );
    }
}
