//! Checks: pure functions from a snapshot to findings. One file per concern; no I/O here.
//!
//! - `celery/`: the Celery checks, on the broker-neutral model (`crate::celery_model`), run
//!   once per fleet for RabbitMQ and Redis alike: task queues, event queues and mailboxes,
//!   result floods, event traffic.
//! - `rabbitmq/`: RabbitMQ only, on its snapshot: `broker.rs` (nodes, alarms, headroom,
//!   policies), `connections.rs` (blocked, flow, heartbeats, top talkers), `queues.rs` (queue
//!   state, unacked, redeliveries), `confirms.rs`, `sanity.rs`, `cluster.rs`, `rabbitmq4.rs`.
//! - Redis only, on its snapshot: `redis.rs`; through Sentinel, the group's: `sentinel.rs`.
//! - This host: `host.rs`; the workers' own answers: `workers.rs`.

pub mod celery;
pub mod consumer_timeout;
pub mod delayed;
pub mod durations;
pub mod host;
pub mod nic;
mod rabbitmq;
pub mod redis;
pub mod sentinel;
pub mod worker_conf;
pub mod workers;

use rabbitmq::{
    broker, cluster, confirms, connections, forecast, queues, quorum_sync, rabbitmq4, sanity,
    signals,
};

use crate::catalog::{Direction, Limits};
use crate::rabbitmq::classify::Classifier;
use crate::rabbitmq::read::Snapshot;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;

/// `rabbitmq.events.fanout` for a vhost whose workers send events (the `celeryev` exchange and
/// at least one worker mailbox).
fn rabbitmq_fanout(
    fleet: &crate::celery_model::Fleet,
    t: &Thresholds,
    link: Option<&(f64, String)>,
) -> Option<Finding> {
    if fleet.events.as_ref().is_none_or(|e| e.worker_nodes == 0) {
        return None;
    }
    let link = celery::fanout::Link {
        speed: link,
        unknown: "; link speed unknown (celtool reads /sys/class/net/IF/speed only on the broker host): set CELTOOL_RABBITMQ_LINK_MBIT to forecast when the network card saturates",
    };
    let mut f = celery::fanout::forecast(fleet, "rabbitmq.events.fanout", &fleet.scope, t, &link)?;
    f.host = Some(fleet.host.clone());
    Some(f)
}

/// What every check reads besides the snapshot.
pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    pub thresholds: &'a Thresholds,
    pub kinds: Classifier,
}

/// Run every RabbitMQ and Celery check on a RabbitMQ snapshot: the Celery checks on its
/// fleets (one per vhost), the RabbitMQ-only checks on the snapshot itself.
/// `link` is the broker's link speed in bytes per second and where it came from, when known
/// (for the event fan-out forecast).
pub fn broker_checks(
    snap: &Snapshot,
    thresholds: &Thresholds,
    link: Option<&(f64, String)>,
) -> Vec<Finding> {
    let ctx = Ctx {
        snap,
        thresholds,
        kinds: Classifier::new(&snap.connections, &snap.consumers),
    };
    let mut out = Vec::new();
    for gap in &snap.gaps {
        out.push(
            Finding::new("broker.api", Severity::Unknown, gap.what)
                .summary(gap.error.to_string())
                .remedy(match gap.error {
                    // The broker's own limit: a longer wait on this side changes nothing.
                    crate::rabbitmq::client::ApiError::Closed { .. } => "raise the broker's management.tcp.idle_timeout (management.ssl.idle_timeout for https) in rabbitmq.conf, e.g. 300000, and restart the node; or ask for less (--vhost); see `celtool explain broker.api`",
                    _ => "retry with a larger --timeout (--deadline when the message names it); see `celtool explain broker.api`",
                }),
        );
    }
    broker::check(&ctx, &mut out);
    connections::check(&ctx, &mut out);
    queues::check(&ctx, &mut out);
    // Queues of no Celery kind holding no ready message are left out of the model unless the
    // backlog limit judges an empty queue (see `fleets_to_check`).
    let idle_others = level(&thresholds.get("queues.backlog"), 0.0) != Severity::Ok;
    for fleet in crate::rabbitmq::to_celery::fleets_to_check(snap, &ctx.kinds, idle_others) {
        celery::check_into(&fleet, thresholds, &mut out);
        out.extend(rabbitmq_fanout(&fleet, thresholds, link));
    }
    delayed::levels(snap, thresholds, &mut out);
    confirms::check(&ctx, &mut out);
    signals::check(&ctx, &mut out);
    forecast::check(&ctx, &mut out);
    quorum_sync::check(&ctx, &mut out);
    sanity::check(&ctx, &mut out);
    // Last: they refine findings made above (a queue's node down, connections behind a proxy).
    cluster::check(&ctx, &mut out);
    rabbitmq4::check(&ctx, &mut out);
    for f in &mut out {
        f.host.get_or_insert_with(|| snap.host.clone());
    }
    out
}

/// Run every Redis and Celery check on a Redis snapshot: the Celery checks on the fleet of
/// its database, the Redis-only checks on the snapshot itself.
pub fn redis_checks(
    snap: &crate::redis::RedisSnapshot,
    thresholds: &Thresholds,
    opts: &redis::Options,
) -> Vec<Finding> {
    let fleet = crate::redis::to_celery::fleet(snap);
    // On a cluster node nothing Celery-shaped was read: the Celery checks would judge an empty
    // fleet that cannot exist there.
    let mut out = if snap.cluster_enabled {
        Vec::new()
    } else {
        celery::check(&fleet, thresholds)
    };
    out.extend(redis::check(snap, &fleet, thresholds, opts));
    if let Some(group) = &snap.sentinel {
        out.extend(sentinel::check(group, thresholds));
    }
    out
}

/// The severity of a measured value against limits: crit beats warn; `None` limits never fire.
pub fn level(limits: &Limits, value: f64) -> Severity {
    let hit = |t: Option<f64>| match (t, limits.direction) {
        (Some(t), Direction::Above) => value >= t,
        (Some(t), Direction::Below) => value <= t,
        (None, _) => false,
    };
    if hit(limits.crit) {
        Severity::Crit
    } else if hit(limits.warn) {
        Severity::Warn
    } else {
        Severity::Ok
    }
}

/// Quote a word for a POSIX shell command line when it needs it (remedies print commands).
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./@:%+=,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A ratio that is `None` instead of dividing by zero or by a missing field.
pub fn ratio(num: Option<f64>, den: Option<f64>) -> Option<f64> {
    match (num, den) {
        (Some(n), Some(d)) if d > 0.0 && n.is_finite() && d.is_finite() => Some(n / d),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-built snapshots for the checks' unit tests.
    use super::*;
    use crate::rabbitmq::records::*;

    pub fn snapshot() -> Snapshot {
        Snapshot {
            host: "broker.test".into(),
            ..Snapshot::default()
        }
    }

    /// A queue record as the management API sends it: the counts it leaves out are 0, as a
    /// broker always sends them (see [`record`] for a record that really lacks them).
    pub fn queue(mut json: serde_json::Value) -> Queue {
        if let Some(o) = json.as_object_mut() {
            for key in ["messages_ready", "messages_unacknowledged", "consumers"] {
                o.entry(key).or_insert(serde_json::json!(0));
            }
        }
        record(json)
    }

    /// A queue record exactly as given, missing counts and all.
    pub fn record(json: serde_json::Value) -> Queue {
        serde_json::from_value(json).expect("test queue")
    }

    pub fn run(snap: &Snapshot) -> Vec<Finding> {
        broker_checks(snap, &Thresholds::default(), None)
    }

    /// The snapshot of a scenario recorded from the real broker (tests/fixtures/api, recorded
    /// by tests/it/record.rs): each endpoint's answer decoded as the client decodes it.
    pub fn recorded(scenario: &str) -> Snapshot {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/api/{scenario}.json"));
        let text = std::fs::read_to_string(&path).expect("fixture");
        let bodies: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).expect("fixture JSON");
        fn de<T: serde::de::DeserializeOwned>(v: Option<&serde_json::Value>) -> T {
            let v = v.cloned().unwrap_or_else(|| serde_json::json!([]));
            serde_json::from_value(v).expect("recorded answer")
        }
        let find =
            |pred: &dyn Fn(&str) -> bool| bodies.iter().find(|(k, _)| pred(k)).map(|(_, v)| v);
        let list = |what: &str| {
            let (all, scoped) = (format!("/api/{what}"), format!("/api/{what}/"));
            find(&|k: &str| k == all || (k.starts_with(&scoped) && k.matches('/').count() == 3))
        };
        let node_memory = bodies
            .iter()
            .filter_map(|(k, v)| {
                let node = k.strip_prefix("/api/nodes/")?.strip_suffix("/memory")?;
                let node = percent_encoding::percent_decode_str(node).decode_utf8_lossy();
                Some((node.into_owned(), de(Some(v))))
            })
            .collect();
        Snapshot {
            host: "127.0.0.1".into(),
            vhost: None,
            overview: Some(de(find(&|k: &str| k == "/api/overview"))),
            nodes: de(find(&|k: &str| k == "/api/nodes")),
            node_memory,
            queues: de(list("queues")),
            connections: de(find(&|k: &str| {
                k == "/api/connections"
                    || (k.starts_with("/api/vhosts/") && k.ends_with("/connections"))
            })),
            consumers: de(list("consumers")),
            exchanges: de(list("exchanges")),
            policies: de(list("policies")),
            channels: de(find(&|k: &str| {
                k == "/api/channels" || (k.starts_with("/api/vhosts/") && k.ends_with("/channels"))
            })),
            gaps: Vec::new(),
            // The health-check answers are replayed by tests/offline, through the client.
            cluster: Default::default(),
            skipped: Vec::new(),
            flow: Default::default(),
            delayed: Vec::new(),
            unlisted: None,
            vhost_stats: Vec::new(),
        }
    }

    /// (id, severity, subject) of the findings that are not ok, for exact assertions.
    pub fn problems(findings: &[Finding]) -> Vec<(&'static str, Severity, String)> {
        let mut v: Vec<_> = findings
            .iter()
            .filter(|f| f.severity != Severity::Ok)
            .map(|f| (f.id, f.severity, f.subject.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(b.0).then(a.2.cmp(&b.2)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_respects_direction_and_missing_limits() {
        let above = Limits {
            warn: Some(0.8),
            crit: Some(0.9),
            direction: Direction::Above,
            unit: "",
        };
        assert_eq!(level(&above, 0.5), Severity::Ok);
        assert_eq!(level(&above, 0.8), Severity::Warn);
        assert_eq!(level(&above, 0.95), Severity::Crit);
        let below = Limits {
            warn: Some(2.0),
            crit: None,
            direction: Direction::Below,
            unit: "",
        };
        assert_eq!(level(&below, 1.0), Severity::Warn);
        assert_eq!(level(&below, 3.0), Severity::Ok);
    }

    #[test]
    fn ratio_never_divides_by_zero() {
        assert_eq!(ratio(Some(1.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(2.0)), None);
        assert_eq!(ratio(Some(1.0), None), None);
        assert_eq!(ratio(Some(1.0), Some(2.0)), Some(0.5));
    }

    #[test]
    fn recorded_celery_scenario() {
        let snap = testing::recorded("celery");
        assert_eq!(snap.queues.len(), 126);
        assert_eq!(snap.connections.len(), 3);
        let v = |q: &str| format!("celtool-fixture/{q}");
        assert_eq!(
            testing::problems(&testing::run(&snap)),
            vec![
                ("broker.policy.ha-mode", Severity::Warn, v("ha-all")),
                (
                    "celery.mailbox.no-consumer",
                    Severity::Warn,
                    v("w9@gone.celery.pidbox")
                ),
                (
                    "events.no-ttl",
                    Severity::Crit,
                    v("celeryev.5b1c7a0e-0000-4000-8000-00000000beef")
                ),
                ("queues.no-consumers", Severity::Crit, v("jobs")),
                ("results.flood", Severity::Warn, "celtool-fixture".into()),
            ]
        );
    }

    #[test]
    fn recorded_clean_scenario_is_ok() {
        let snap = testing::recorded("clean");
        assert!(!snap.nodes.is_empty());
        assert_eq!(testing::problems(&testing::run(&snap)), vec![]);
    }

    #[test]
    fn an_empty_snapshot_gives_no_problems() {
        let snap = testing::snapshot();
        assert_eq!(testing::problems(&testing::run(&snap)), vec![]);
    }
}

#[cfg(test)]
#[path = "rabbitmq/broker_tests.rs"]
mod broker_tests;
