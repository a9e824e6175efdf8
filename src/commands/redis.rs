//! `doctor`, `queues` and `connections` against a Redis broker (`--url redis://...`): the URL
//! scheme picks the broker. The settings resolve the URL, password and `CELTOOL_REDIS_*` knobs
//! once (`settings::RedisSettings`); doctor reads Redis, its link speed and this host through
//! the one I/O step (`crate::gather`), as it does RabbitMQ.

use std::time::Duration;

use serde::Serialize;

use super::{emit_listing, flag_regex};
use crate::catalog;
use crate::celery_model::{Fleet, Kind};
use crate::cli::{ConnectionsArgs, DoctorArgs, Part, QueuesArgs};
use crate::error::{Error, Outcome};
use crate::gather::{self, BrokerError, BrokerNeed, BrokerPart, Need};
use crate::output::Format;
use crate::output::Printer;
use crate::output::json::Named;
use crate::output::report::Scope;
use crate::output::table::{Align, render};
use crate::redis::{self, RedisSnapshot};
use crate::report::{Finding, Report, Severity};
use crate::settings::{Settings, Thresholds};
use crate::text::{fmt_bytes, fmt_count, fmt_rate};

/// Every Redis and Celery finding for one snapshot.
pub fn findings(snap: &RedisSnapshot, t: &Thresholds, link: Option<(f64, String)>) -> Vec<Finding> {
    crate::checks::redis_checks(snap, t, &crate::checks::redis::Options { link })
}

/// `celtool doctor --url redis://...`: Redis and this host read at once (`crate::gather`),
/// the Celery checks on the database's fleet, the Redis and host checks beside them.
pub fn doctor(st: &Settings, p: &Printer, args: &DoctorArgs) -> Result<Outcome, Error> {
    super::doctor::validate_skip(args)?;
    let s = st.redis()?;
    // With --fix, hold the journal lock before reading the state the fixes are planned from:
    // two runs never plan from the same state.
    let _lock = if args.fix {
        crate::fix::lock_journal(&args.apply)?
    } else {
        None
    };
    let wants = |part: Part| args.only.is_empty() || args.only.contains(&part);
    let need = Need {
        broker: wants(Part::Broker).then(|| BrokerNeed::Redis(Box::new(s.clone()))),
        workers: None,
        host: wants(Part::Host).then(|| crate::host::GatherOptions {
            nic: Some(crate::host::nic::DOCTOR_INTERVAL),
            zombies: Some(crate::host::ZombieWatch::new(
                st.thresholds(),
                st.deadline(),
            )),
            ..crate::host::GatherOptions::default()
        }),
        inode_hot_spots: true,
    };
    let snap = gather::gather(None, None, st.roots(), st.thresholds(), &need)?;
    let mut findings = Vec::new();
    let mut failed = None;
    match &snap.broker {
        Some(Ok(BrokerPart::Redis { snap: rs, link })) => {
            findings.extend(self::findings(rs, st.thresholds(), link.clone()));
        }
        Some(Err(e)) => {
            let id = match e {
                BrokerError::Redis(r) if r.is_auth() => "redis.auth",
                _ => "redis.unreachable",
            };
            let mut f = Finding::new(id, Severity::Unknown, shown(s))
                .summary(e.to_string())
                .remedy(format!("see `celtool explain {id}`"));
            f.host = Some(s.target.host.clone());
            findings.push(f);
            // Through Sentinel, what the Sentinels said stands even when their master could
            // not be read: a failover in progress is the reason, most of the time.
            if let BrokerError::Redis(r) = e
                && let Some(group) = r.sentinel()
            {
                findings.extend(crate::checks::sentinel::check(group, st.thresholds()));
            }
            failed = Some(e.to_string());
        }
        Some(Ok(BrokerPart::RabbitMq(_))) | None => {}
    }
    if let Some(host) = &snap.host {
        findings.extend(crate::checks::host::host_checks(host, st.thresholds()));
    }
    findings.retain(|f| !args.skip.iter().any(|p| catalog::matches(p, f.id)));
    let report = Report::new(findings);
    if let Some(e) = failed
        && p.style.format == Format::Table
        && report.findings.len() == 1
    {
        return Err(Error::Io(e));
    }
    let master = snap.redis().and_then(|rs| on_master(s, rs));
    let scope = Scope {
        broker: Some(match (&master, &s.sentinel) {
            (Some(m), Some(group)) => format!("{} via {group}", m.target.server()),
            (None, Some(group)) => group.to_string(),
            (_, None) => s.target.server(),
        }),
        vhost: Some(format!("db{}", s.target.db)),
        notes: Vec::new(),
    };
    crate::output::report::print(
        p,
        &report,
        &scope,
        args.all,
        st.thresholds(),
        args.textfile.as_deref().map(|f| (f, &report)),
    )?;
    if args.fix
        && let Some(rs) = snap.redis()
    {
        // Through Sentinel the fixes change the master that was read, never a Sentinel.
        match &master {
            Some(m) => super::redis_fix::offer(p, &args.apply, m, rs, &report)?,
            None if s.sentinel.is_some() => {}
            None => super::redis_fix::offer(p, &args.apply, s, rs, &report)?,
        }
    }
    Ok(Outcome::Checked(report.status()))
}

/// The broker as the report names it: the server, or the Sentinels and the master's name.
fn shown(s: &crate::settings::RedisSettings) -> String {
    match &s.sentinel {
        Some(group) => group.to_string(),
        None => s.target.to_string(),
    }
}

/// Through Sentinel, the settings of the master the read found (plain, without the Sentinels).
fn on_master(
    s: &crate::settings::RedisSettings,
    snap: &RedisSnapshot,
) -> Option<crate::settings::RedisSettings> {
    let group = s.sentinel.as_ref()?;
    let target = redis::sentinel::master_target(group, snap.sentinel.as_ref()?)?;
    Some(crate::settings::RedisSettings {
        target,
        sentinel: None,
        ..s.clone()
    })
}

/// One row of `celtool queues` on Redis; JSON keys are a scripting contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueRow {
    pub db: i64,
    pub name: String,
    pub kind: Kind,
    /// Every priority bucket summed.
    pub ready: u64,
    /// Messages per priority step (0, 3, 6, 9), when the queue has buckets.
    pub priorities: std::collections::BTreeMap<String, u64>,
    /// `null`: Redis cannot say which list a client waits on.
    pub consumers: Option<u64>,
    pub growth_per_second: Option<f64>,
    pub ttl_ms: Option<u64>,
}

pub fn queue_rows(fleet: &Fleet, db: i64) -> Vec<QueueRow> {
    fleet
        .queues
        .iter()
        .map(|q| QueueRow {
            db,
            name: q.name.to_string(),
            kind: q.kind,
            // LLEN always answers: a Redis depth is never unknown.
            ready: q.ready.unwrap_or(0),
            priorities: q
                .buckets
                .iter()
                .map(|b| (b.priority.to_string(), b.messages))
                .collect(),
            consumers: q.consumers,
            growth_per_second: q.growth(),
            ttl_ms: q.expires_ms,
        })
        .collect()
}

fn cli_kind(k: Kind) -> crate::rabbitmq::classify::QueueKind {
    use crate::rabbitmq::classify::QueueKind as Q;
    match k {
        Kind::Task => Q::Task,
        Kind::Event => Q::Event,
        Kind::Mailbox | Kind::Reply => Q::Mailbox,
        Kind::Result => Q::Result,
        Kind::Other => Q::Other,
    }
}

/// `celtool queues --url redis://...`.
pub fn queues(st: &Settings, p: &Printer, args: &QueuesArgs) -> Result<Outcome, Error> {
    let name_filter = flag_regex("--name", args.name.as_deref())?;
    let snap = read_listing(st)?;
    let fleet = redis::to_celery::fleet(&snap);
    let mut rows: Vec<QueueRow> = queue_rows(&fleet, snap.db)
        .into_iter()
        .filter(|r| args.kind.is_empty() || args.kind.contains(&cli_kind(r.kind)))
        .filter(|r| r.ready >= args.min_ready)
        .filter(|r| name_filter.as_ref().is_none_or(|re| re.is_match(&r.name)))
        .collect();
    use crate::cli::QueueSort as S;
    rows.sort_by(|a, b| {
        let key = |r: &QueueRow| match args.sort {
            S::Ready | S::Unacked | S::Publish | S::Deliver => r.ready as f64,
            S::Consumers => r.consumers.unwrap_or(0) as f64,
            S::Name => 0.0,
        };
        key(b).total_cmp(&key(a)).then_with(|| a.name.cmp(&b.name))
    });
    if let Some(limit) = args.limit {
        rows.truncate(limit);
    }
    emit_listing(
        p,
        &Named("queues", &rows),
        || queue_table(p, &rows),
        || queue_prometheus(&rows),
    )?;
    Ok(Outcome::Done)
}

/// The snapshot a listing maps onto the model.
fn read_listing(st: &Settings) -> Result<RedisSnapshot, Error> {
    let s = st.redis()?;
    let mut opts = s.gather.clone();
    // Listings need no rates: a short interval keeps them quick.
    opts.interval = opts.interval.min(Duration::from_millis(500));
    let snap = crate::gather::runtime()?
        .block_on(redis::read_broker(s, &opts))
        .map_err(|e| Error::Io(e.to_string()))?;
    if snap.cluster_enabled {
        return Err(Error::Io(format!(
            "{}: the server runs Redis Cluster (cluster_enabled:1), which Celery cannot use as a broker: there is nothing of Celery's to list; see `celtool explain redis.cluster`",
            snap.target
        )));
    }
    if let Some(gap) = snap
        .gaps
        .iter()
        .find(|g| matches!(g.what, "scan" | "queues" | "clients"))
    {
        return Err(Error::Io(gap.error.clone()));
    }
    Ok(snap)
}

fn queue_table(p: &Printer, rows: &[QueueRow]) -> String {
    let headers = [
        ("DB", Align::Right),
        ("NAME", Align::Left),
        ("KIND", Align::Left),
        ("READY", Align::Right),
        ("PRIORITIES 0/3/6/9", Align::Right),
        ("CONSUMERS", Align::Right),
        ("GROWTH/S", Align::Right),
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let p = |k: &str| {
                r.priorities
                    .get(k)
                    .map_or("-".into(), |n| fmt_count(*n as f64))
            };
            vec![
                r.db.to_string(),
                r.name.clone(),
                r.kind.name().to_string(),
                fmt_count(r.ready as f64),
                if r.priorities.is_empty() {
                    "-".into()
                } else {
                    format!("{}/{}/{}/{}", p("0"), p("3"), p("6"), p("9"))
                },
                r.consumers.map_or("?".into(), |c| c.to_string()),
                fmt_rate(r.growth_per_second),
            ]
        })
        .collect();
    render(&p.style, &headers, &cells)
}

fn queue_prometheus(rows: &[QueueRow]) -> String {
    let mut e = crate::output::prometheus::Exposition::default();
    for r in rows {
        let db = r.db.to_string();
        for (prio, n) in &r.priorities {
            e.gauge(
                "celtool_redis_queue_messages",
                "Messages waiting in the queue's priority bucket.",
                &[
                    ("db", db.as_str()),
                    ("queue", r.name.as_str()),
                    ("kind", r.kind.name()),
                    ("priority", prio.as_str()),
                ],
                *n as f64,
            );
        }
    }
    e.render()
}

/// One row of `celtool connections` on Redis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClientRow {
    pub id: String,
    pub peer: String,
    pub role: crate::celery_model::Role,
    pub command: Option<String>,
    pub idle_seconds: Option<u64>,
    /// Output buffer Redis holds for it (omem).
    pub output_buffer_bytes: Option<u64>,
}

pub fn connection_rows(fleet: &Fleet) -> Vec<ClientRow> {
    fleet
        .clients
        .iter()
        .map(|c| ClientRow {
            id: c.id.clone(),
            peer: c.peer.clone(),
            role: c.role,
            command: c.state.clone(),
            idle_seconds: c.idle_seconds,
            output_buffer_bytes: c.pending_bytes,
        })
        .collect()
}

/// `celtool connections --url redis://...`: the clients of the URL's database.
pub fn connections(st: &Settings, p: &Printer, args: &ConnectionsArgs) -> Result<Outcome, Error> {
    use crate::celery_model::Role;
    use crate::cli::ConnKindArg as A;
    let snap = read_listing(st)?;
    let fleet = redis::to_celery::fleet(&snap);
    let mut rows: Vec<ClientRow> = connection_rows(&fleet)
        .into_iter()
        .filter(|r| {
            args.kind.is_empty()
                || args.kind.iter().any(|k| match k {
                    A::CeleryWorker => r.role == Role::Worker,
                    A::Monitor => matches!(r.role, Role::Monitor | Role::EventSubscriber),
                    A::Publisher => r.role == Role::Publisher,
                    A::Client | A::Other => r.role == Role::Other,
                })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.output_buffer_bytes
            .cmp(&a.output_buffer_bytes)
            .then_with(|| a.peer.cmp(&b.peer))
    });
    if let Some(limit) = args.limit {
        rows.truncate(limit);
    }
    let table = || {
        let headers = [
            ("ID", Align::Right),
            ("PEER", Align::Left),
            ("ROLE", Align::Left),
            ("COMMAND", Align::Left),
            ("IDLE", Align::Right),
            ("OUT BUFFER", Align::Right),
        ];
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.peer.clone(),
                    r.role.name().to_string(),
                    r.command.clone().unwrap_or_else(|| "-".into()),
                    r.idle_seconds.map_or("-".into(), |s| format!("{s}s")),
                    r.output_buffer_bytes
                        .map_or("-".into(), |b| fmt_bytes(b as f64)),
                ]
            })
            .collect();
        render(&p.style, &headers, &cells)
    };
    let prometheus = || {
        let mut e = crate::output::prometheus::Exposition::default();
        let mut by_role: std::collections::BTreeMap<&str, f64> = Default::default();
        for r in &rows {
            *by_role.entry(r.role.name()).or_default() += 1.0;
        }
        for (role, n) in by_role {
            e.gauge(
                "celtool_redis_clients",
                "Clients of the database by role.",
                &[("role", role)],
                n,
            );
        }
        e.render()
    };
    emit_listing(p, &Named("connections", &rows), table, prometheus)?;
    Ok(Outcome::Done)
}
