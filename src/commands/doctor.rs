//! `celtool doctor`: gather once, check, report; exit code by the worst severity. With --fix,
//! the fixes are planned from the same snapshot the report came from.

use std::collections::{BTreeSet, HashSet};

use crate::catalog;
use crate::checks;
use crate::cli::{DoctorArgs, Part};
use crate::error::{Error, Outcome};
use crate::fix::{Applier, Change, event_queues, host as host_fix, stale_queues};
use crate::gather::{self, BrokerError, BrokerPart, Need, Snapshot};
use crate::host::{GatherOptions, Reading, ZombieWatch};
use crate::output::report::{Scope, print};
use crate::output::{Format, Printer};
use crate::rabbitmq::client::{ApiError, Client};
use crate::rabbitmq::read::Need as BrokerNeed;
use crate::report::{Finding, Report, Severity};
use crate::settings::{Broker, RedisSettings, Settings};
use crate::workers::settings::Expect;

/// The broker side of one doctor run: the one thing that differs between brokers. Everything
/// else (the journal lock, the host, `--skip`, the report, the fixes of this host) is written
/// once in [`run`]; what only one broker does comes from a `match` on this.
enum Source<'a> {
    /// `--only host`: no broker read.
    None,
    RabbitMq(Box<Client>),
    Redis(&'a RedisSettings),
}

impl<'a> Source<'a> {
    fn new(s: &'a Settings, wanted: bool) -> Result<Self, Error> {
        Ok(match s.broker() {
            _ if !wanted => Source::None,
            None => Source::None,
            Some(Broker::RabbitMq(_)) => Source::RabbitMq(Box::new(super::client(s)?)),
            Some(Broker::Redis(r)) => Source::Redis(r),
        })
    }

    fn client(&self) -> Option<&Client> {
        match self {
            Source::RabbitMq(c) => Some(c),
            Source::None | Source::Redis(_) => None,
        }
    }

    /// What gather reads of the broker, and whether the workers are asked (over AMQP beside
    /// RabbitMQ, over Redis on a Redis broker).
    fn need(
        &self,
        s: &Settings,
        args: &DoctorArgs,
    ) -> Result<(Option<gather::BrokerNeed>, Option<gather::WorkersNeed>), Error> {
        Ok(match self {
            Source::None => (None, None),
            Source::RabbitMq(_) => (
                Some(gather::BrokerNeed::RabbitMq(BrokerNeed::ALL)),
                (!args.no_workers)
                    .then(|| workers_need(s, args))
                    .transpose()?,
            ),
            Source::Redis(r) => (
                Some(gather::BrokerNeed::Redis(Box::new((*r).clone()))),
                (!args.no_workers).then(|| gather::WorkersNeed {
                    transport: gather::Transport::Redis(Box::new((*r).clone())),
                    opts: crate::workers::ProbeOptions {
                        // Over Redis the events come from the database's read: the window is
                        // its interval; this only says the sample is wanted.
                        events: event_sample(s, args),
                        ..crate::workers::ProbeOptions::full(args.amqp.reply_timeout)
                    },
                    ask: gather::Ask::WhereCeleryIs,
                }),
            ),
        })
    }

    /// The unknown finding for a broker that could not be read at all.
    fn unreadable(&self, e: &BrokerError) -> Option<Finding> {
        let (id, subject, host) = match (self, e) {
            (Source::RabbitMq(client), BrokerError::RabbitMq(e)) => {
                let id = if e.is_auth() {
                    "broker.auth"
                } else if matches!(e, ApiError::NoSuchVhost { .. }) {
                    "broker.vhost"
                } else {
                    "broker.unreachable"
                };
                let base = client.base();
                (id, base.to_string(), base.host_str().map(str::to_string))
            }
            (Source::Redis(r), e) => {
                let id = match e {
                    BrokerError::Redis(r) if r.is_auth() => "redis.auth",
                    _ => "redis.unreachable",
                };
                (id, super::redis::shown(r), Some(r.target.host.clone()))
            }
            (Source::None | Source::RabbitMq(_), _) => return None,
        };
        let mut f = Finding::new(id, Severity::Unknown, subject)
            .summary(e.to_string())
            .remedy(format!("see `celtool explain {id}`"));
        f.host = host;
        Some(f)
    }

    /// The report's scope line: which broker (through Sentinel, the master that was read),
    /// which vhost or database.
    fn scope(&self, s: &Settings, snap: &Snapshot) -> (Option<String>, Option<String>) {
        match self {
            Source::None => (None, s.vhost().map(str::to_string)),
            Source::RabbitMq(c) => (Some(c.base().to_string()), s.vhost().map(str::to_string)),
            Source::Redis(r) => (
                Some(super::redis::scope(r, snap.redis())),
                Some(format!("db{}", r.target.db)),
            ),
        }
    }
}

/// Whether `--only` leaves this part in.
fn wants(args: &DoctorArgs, part: Part) -> bool {
    args.only.is_empty() || args.only.contains(&part)
}

/// Read the broker, its workers and this host in one gather; a broker that could not be read
/// at all comes back beside the snapshot, for the report's unknown finding.
fn read(
    s: &Settings,
    p: &Printer,
    args: &DoctorArgs,
    source: &Source,
) -> Result<(Snapshot, Option<BrokerError>), Error> {
    let (broker, workers) = source.need(s, args)?;
    let need = Need {
        broker,
        workers,
        host: wants(args, Part::Host).then(|| GatherOptions {
            fix_inputs: args.fix.then(|| s.etc().to_path_buf()),
            nic: Some(crate::host::nic::DOCTOR_INTERVAL),
            zombies: Some(ZombieWatch::new(s.thresholds(), s.deadline())),
            ..GatherOptions::default()
        }),
        inode_hot_spots: true,
    };
    let waiting = source.client().map(|c| super::waiting(p, c));
    let mut snap = gather::gather(source.client(), s.vhost(), s.roots(), s.thresholds(), &need)?;
    drop(waiting);
    let broker_error = match snap.broker.take() {
        // A vhost that does not exist is a bad argument, not a broker state: one error line in
        // a terminal; machine formats still get their report (an unknown finding).
        Some(Err(BrokerError::RabbitMq(e @ ApiError::NoSuchVhost { .. })))
            if p.style.format == Format::Table =>
        {
            return Err(e.into());
        }
        Some(Err(e)) => Some(e),
        other => {
            snap.broker = other;
            None
        }
    };
    Ok((snap, broker_error))
}

pub fn run(s: &Settings, p: &Printer, args: &DoctorArgs) -> Result<Outcome, Error> {
    validate(p, args)?;
    // With --fix, hold the journal lock before reading the state the fixes are planned from:
    // two runs never plan from the same state.
    let _lock = if args.fix {
        crate::fix::lock_journal(&args.apply)?
    } else {
        None
    };
    let source = Source::new(s, wants(args, Part::Broker))?;
    let (mut snap, broker_error) = read(s, p, args, &source)?;
    let expect = expectation(s, args);
    let mut findings = check(s, &snap, &expect);
    findings.extend(broker_error.as_ref().and_then(|e| source.unreadable(e)));
    // Through Sentinel, what the Sentinels said stands when their master could not be read.
    if let Some(BrokerError::Redis(r)) = &broker_error
        && let Some(group) = r.sentinel()
    {
        findings.extend(checks::sentinel::check(group, s.thresholds()));
    }
    if let Some(host) = &snap.host {
        findings.extend(checks::host::host_checks(host, s.thresholds()));
    }
    let snap_workers_asked = matches!(&snap.workers, Some(Ok(f)) if !f.vhosts.is_empty());
    findings.retain(|f| !args.skip.iter().any(|id| catalog::matches(id, f.id)));
    let report = Report::new(findings);
    // A long report lists the worst findings of each ID; fixes still see every finding.
    let cap = max_per_id(args.max_per_id, p.style.format);
    // The textfile is for monitoring: every finding unless the user set a cap.
    let uncapped = (args.fix || (args.textfile.is_some() && args.max_per_id.is_none()))
        .then(|| report.clone());
    let report = report.cap_per_id(cap);
    let (broker, vhost) = source.scope(s, &snap);
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
        broker,
        vhost,
        notes: scope_notes(
            s,
            &report,
            snap_workers_asked && expect == Expect::default(),
        ),
    };
    let full = uncapped.as_ref().unwrap_or(&report);
    print(
        p,
        &report,
        &scope,
        args.all,
        s.thresholds(),
        args.textfile.as_deref().map(|f| (f, full)),
    )?;
    if args.fix {
        offer_fixes(s, p, args, full, &snap, &source)?;
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
fn validate_skip(args: &DoctorArgs) -> Result<(), Error> {
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

/// The broker's and the workers' checks on the snapshot, from whichever broker was read.
fn check(s: &Settings, snap: &Snapshot, expect: &Expect) -> Vec<Finding> {
    let mut findings = Vec::new();
    match &snap.broker {
        Some(Ok(BrokerPart::RabbitMq(b))) => {
            let link = s.rabbitmq().ok().and_then(|r| {
                let name = r.endpoint.url.host_str().unwrap_or_default();
                gather::broker_link(r.link, name, s.roots())
            });
            findings.extend(checks::broker_checks(b, s.thresholds(), link.as_ref()));
        }
        Some(Ok(BrokerPart::Redis { snap, link })) => {
            findings.extend(super::redis::findings(snap, s.thresholds(), link.clone()));
        }
        Some(Err(_)) | None => {}
    }
    // On Redis the workers' checks have no broker-side consumers or connections to read.
    let redis_side;
    let broker_side = match &snap.broker {
        Some(Ok(BrokerPart::RabbitMq(b))) => Some(b),
        Some(Ok(BrokerPart::Redis { snap: r, .. })) => {
            redis_side = crate::rabbitmq::read::Snapshot {
                host: r.host.clone(),
                ..Default::default()
            };
            Some(&redis_side)
        }
        Some(Err(_)) | None => None,
    };
    match (&snap.workers, broker_side) {
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
                .summary(e.to_string())
                .remedy("see `celtool explain workers.unreachable`; --amqp-url sets where celtool connects, --no-workers skips asking the workers"),
        ),
        _ => {}
    }
    findings
}

/// Where and how to ask the workers: the AMQP endpoint the settings resolved (--amqp-url, the
/// profile's amqp_url, or the management URL's host).
fn workers_need(s: &Settings, args: &DoctorArgs) -> Result<gather::WorkersNeed, Error> {
    let mut opts = crate::workers::ProbeOptions::full(args.amqp.reply_timeout);
    opts.events = event_sample(s, args);
    Ok(gather::WorkersNeed {
        transport: gather::Transport::Amqp(s.amqp()?.clone()),
        opts,
        ask: gather::Ask::WhereCeleryIs,
    })
}

/// How long the event sample beside the probe may listen: the `sample` timing of
/// workers.mixed-durations, unless --no-event-sample or a zero sample turns it off.
fn event_sample(s: &Settings, args: &DoctorArgs) -> Option<std::time::Duration> {
    let window = s
        .thresholds()
        .timing(crate::checks::durations::ID, "sample");
    (!args.no_event_sample && !window.is_zero()).then_some(window)
}

/// The vhost of an event queue's subject (`vhost/celeryev.x`, `/celeryev.x` in the default vhost).
fn event_queue_vhost(subject: &str) -> String {
    match subject.rfind("/celeryev.") {
        Some(0) | None => "/".to_string(),
        Some(i) => subject[..i].to_string(),
    }
}

/// The queues of `consumer-timeout.forecast` findings and the timeout each suggests (ms).
fn timeout_targets(report: &Report) -> Vec<(String, u64)> {
    report
        .findings
        .iter()
        .filter(|f| f.id == crate::checks::consumer_timeout::ID && f.severity != Severity::Ok)
        .filter_map(|f| {
            let ms = f.evidence.get("suggested_consumer_timeout_ms")?;
            Some((f.subject.clone(), *ms as u64))
        })
        .collect()
}

/// `doctor --fix`: plan and offer the fixes for the findings that have one, from the snapshot
/// the report came from.
fn offer_fixes(
    s: &Settings,
    p: &Printer,
    args: &DoctorArgs,
    report: &Report,
    snap: &Snapshot,
    source: &Source,
) -> Result<(), Error> {
    let has = |pred: &dyn Fn(&Finding) -> bool| report.findings.iter().any(pred);
    let conntrack = has(&|f| {
        (f.id == "host.conntrack.usage" && f.severity != Severity::Ok)
            || f.id == "host.conntrack.drops"
    });
    let processes = has(&|f| matches!(f.id, "host.workers.zombie" | "host.workers.orphan"));
    let events = has(&|f| matches!(f.id, "events.no-ttl" | "events.no-consumer"));
    let delayed = has(&|f| f.id == "delayed.binding" && f.severity != Severity::Ok);
    let timeouts = timeout_targets(report);
    let broker = match source {
        Source::RabbitMq(_) => events || delayed || !timeouts.is_empty(),
        Source::Redis(_) => has(&|f| {
            matches!(f.id, "redis.results.no-ttl" | "redis.maxmemory-policy")
                && matches!(f.severity, Severity::Warn | Severity::Crit)
        }),
        Source::None => false,
    };
    if !(conntrack || processes || broker) {
        return p.say("doctor --fix: no finding here has a fix celtool can apply\n");
    }
    let host = snap.host.as_ref();
    let applier = Applier {
        printer: p,
        args: &args.apply,
        client: source.client(),
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
            grace: s.fix_defaults().grace(),
            matcher: None,
            proc_root: s.roots().proc.clone(),
        };
        applier.execute(&host_fix::plan_reap(procs, &opts))?;
    }
    match (source, &snap.broker) {
        (Source::RabbitMq(_), Some(Ok(BrokerPart::RabbitMq(b)))) if broker => {
            if events {
                offer_event_fixes(&applier, report, b, s.fix_defaults())?;
            }
            if delayed && let Some(Ok(fleet)) = &snap.workers {
                applier.execute(&crate::fix::delayed::plan(fleet, b))?;
            }
            if !timeouts.is_empty() {
                let id = crate::checks::consumer_timeout::ID;
                let node_default = s.thresholds().timing(id, "node_default").as_secs_f64();
                let plan = crate::fix::consumer_timeout::plan(b, &timeouts, node_default);
                applier.execute(&plan)?;
            }
            Ok(())
        }
        // Through Sentinel the fixes change the master that was read, never a Sentinel.
        (Source::Redis(r), Some(Ok(BrokerPart::Redis { snap, .. }))) if broker => {
            match super::redis::on_master(r, snap) {
                Some(master) => super::redis_fix::offer(p, &args.apply, &master, snap, report),
                None if r.sentinel.is_some() => Ok(()),
                None => super::redis_fix::offer(p, &args.apply, r, snap, report),
            }
        }
        _ => Ok(()),
    }
}

fn offer_event_fixes(
    applier: &Applier,
    report: &Report,
    snap: &crate::rabbitmq::read::Snapshot,
    defaults: crate::settings::FixDefaults,
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
            ttl_ms: defaults.event_ttl().as_millis() as u64,
            expires_ms: defaults.event_expires().as_millis() as u64,
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
            | Change::Redis(_)
            | Change::Bind(_)
            | Change::Unbind(_) => false,
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
}
