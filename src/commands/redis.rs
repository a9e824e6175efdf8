//! `doctor`, `queues` and `connections` against a Redis broker (`--url redis://...`): the URL
//! scheme picks the broker. The settings resolve the URL, password and `CELTOOL_REDIS_*` knobs
//! once (`settings::RedisSettings`); doctor reads Redis, its link speed and this host through
//! the one I/O step (`crate::gather`), as it does RabbitMQ.

use std::time::Duration;

use super::{emit_listing, flag_regex};
use crate::celery_model::Kind;
use crate::cli::{ConnectionsArgs, QueuesArgs};
use crate::error::{Error, Outcome};
use crate::output::Printer;
use crate::output::connections::{self, RedisClientRow};
use crate::output::json::Named;
use crate::output::queues::{self, RedisQueueRow};
use crate::redis::{self, RedisSnapshot};
use crate::report::Finding;
use crate::settings::{RedisSettings, Settings, Thresholds};

/// Every Redis and Celery finding for one snapshot.
pub fn findings(snap: &RedisSnapshot, t: &Thresholds, link: Option<(f64, String)>) -> Vec<Finding> {
    crate::checks::redis_checks(snap, t, &crate::checks::redis::Options { link })
}

/// The broker as a finding names it: the server, or the Sentinels and the master's name.
pub(super) fn shown(s: &RedisSettings) -> String {
    match &s.sentinel {
        Some(group) => group.to_string(),
        None => s.target.to_string(),
    }
}

/// The report's broker: the server; through Sentinel, the master that was read and the
/// Sentinels (only the Sentinels when no master could be read).
pub(super) fn scope(s: &RedisSettings, snap: Option<&RedisSnapshot>) -> String {
    let Some(group) = &s.sentinel else {
        return s.target.server();
    };
    match snap.and_then(|rs| on_master(s, rs)) {
        Some(m) => format!("{} via {group}", m.target.server()),
        None => group.to_string(),
    }
}

/// Through Sentinel, the settings of the master the read found (plain, without the Sentinels).
pub(super) fn on_master(s: &RedisSettings, snap: &RedisSnapshot) -> Option<RedisSettings> {
    redis::sentinel::master_settings(s, snap)
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
    let mut rows: Vec<RedisQueueRow> = queues::redis_queue_rows(&fleet, snap.db)
        .into_iter()
        .filter(|r| args.kind.is_empty() || args.kind.contains(&cli_kind(r.kind)))
        .filter(|r| r.ready >= args.min_ready)
        .filter(|r| name_filter.as_ref().is_none_or(|re| re.is_match(&r.name)))
        .collect();
    use crate::cli::QueueSort as S;
    rows.sort_by(|a, b| {
        let key = |r: &RedisQueueRow| match args.sort {
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
        || queues::redis_table(&p.style, &rows),
        || queues::redis_prometheus(&rows),
    )?;
    Ok(Outcome::Done)
}

/// The snapshot a listing maps onto the model, read through the one door (`crate::gather`).
fn read_listing(st: &Settings) -> Result<RedisSnapshot, Error> {
    let mut s = st.redis()?.clone();
    // Listings need no rates: a short interval keeps them quick.
    s.gather.interval = s.gather.interval.min(Duration::from_millis(500));
    let need = crate::gather::Need {
        broker: Some(crate::gather::BrokerNeed::Redis(Box::new(s))),
        ..crate::gather::Need::default()
    };
    let snap = match crate::gather::gather(None, None, st.roots(), st.thresholds(), &need)?.broker {
        Some(Ok(crate::gather::BrokerPart::Redis { snap, .. })) => snap,
        Some(Err(e)) => return Err(e.into()),
        Some(Ok(crate::gather::BrokerPart::RabbitMq(_))) | None => {
            return Err(Error::Io(format!(
                "{}: the Redis server was not read",
                st.redis()?.target
            )));
        }
    };
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

/// `celtool connections --url redis://...`: the clients of the URL's database.
pub fn connections(st: &Settings, p: &Printer, args: &ConnectionsArgs) -> Result<Outcome, Error> {
    use crate::celery_model::Role;
    use crate::cli::ConnKindArg as A;
    let snap = read_listing(st)?;
    let fleet = redis::to_celery::fleet(&snap);
    let mut rows: Vec<RedisClientRow> = connections::redis_client_rows(&fleet)
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
    emit_listing(
        p,
        &Named("connections", &rows),
        || connections::redis_table(&p.style, &rows),
        || connections::redis_prometheus(&rows),
    )?;
    Ok(Outcome::Done)
}
