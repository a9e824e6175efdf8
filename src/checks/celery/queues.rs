//! Task queues on the broker-neutral model, the same for every broker: a backlog (every
//! priority bucket summed and shown), messages and no consumer, and whether the queue grows
//! or drains. Event, mailbox, reply and result queues are left to the other Celery checks.

use crate::catalog::Limits;
use crate::celery_model::{BrokerKind, Fleet, Kind, Queue};
use crate::checks::{level, shell_word};
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::{fmt_count, fmt_duration_secs};

pub fn check(fleet: &Fleet, thresholds: &Thresholds, out: &mut Vec<Finding>) {
    // Looked up once, not for each of thousands of queues.
    let backlog_limits = thresholds.get("queues.backlog");
    for q in fleet
        .queues
        .iter()
        .filter(|q| matches!(q.kind, Kind::Task | Kind::Other))
    {
        if !no_consumers(fleet.broker, q, thresholds, out) {
            backlog(fleet.broker, q, &backlog_limits, out);
        }
    }
}

/// `1200 (priority 0: 1000, 6: 200)`: the non-empty buckets, when there is more than one list.
fn depth_text(q: &Queue, ready: u64) -> String {
    let parts: Vec<String> = q
        .buckets
        .iter()
        .filter(|b| b.messages > 0)
        .map(|b| format!("{}: {}", b.priority, fmt_count(b.messages as f64)))
        .collect();
    if q.buckets.iter().any(|b| b.priority != 0 && b.messages > 0) {
        format!(
            "{} (priority {})",
            fmt_count(ready as f64),
            parts.join(", ")
        )
    } else {
        fmt_count(ready as f64)
    }
}

fn bucket_evidence(mut f: Finding, q: &Queue) -> Finding {
    // kombu's default steps are 0, 3, 6, 9; an app's own `priority_steps` may use any of 0-9.
    const NAMES: [&str; 10] = [
        "priority_0_messages",
        "priority_1_messages",
        "priority_2_messages",
        "priority_3_messages",
        "priority_4_messages",
        "priority_5_messages",
        "priority_6_messages",
        "priority_7_messages",
        "priority_8_messages",
        "priority_9_messages",
    ];
    for b in &q.buckets {
        let Some(name) = NAMES.get(usize::from(b.priority)) else {
            continue;
        };
        f = f.evidence(name, b.messages as f64);
    }
    f
}

/// Returns true when it reported the queue (so the backlog check does not repeat it). Only a
/// broker that counts consumers per queue can say "none" (`Some(0)`); an unknown depth is no
/// backlog (the sanity check says it is unknown).
fn no_consumers(
    broker: BrokerKind,
    q: &Queue,
    thresholds: &Thresholds,
    out: &mut Vec<Finding>,
) -> bool {
    let id = "queues.no-consumers";
    let Some(ready) = q.ready.filter(|r| *r > 0) else {
        return false;
    };
    if q.consumers != Some(0) {
        return false;
    }
    let severity = level(&thresholds.get(id), ready as f64);
    if severity == Severity::Ok {
        return false;
    }
    let name = shell_word(&q.name);
    let (summary, remedy) = match broker {
        BrokerKind::RabbitMq => {
            let start = if q.kind == Kind::Task {
                format!("start a worker for it: celery -A PROJ worker -Q {name}")
            } else {
                format!("start its consumer (for Celery: celery -A PROJ worker -Q {name})")
            };
            (
                format!(
                    "{} ready message(s) in {} and no consumer: nothing processes them",
                    depth_text(q, ready),
                    q.subject()
                ),
                format!(
                    "{start}; or fix task_routes (old name CELERY_ROUTES) if tasks go to the wrong queue; purge an obsolete queue with rabbitmqctl purge_queue -p {} {name}",
                    shell_word(&q.scope)
                ),
            )
        }
        BrokerKind::Redis => (
            format!(
                "{} message(s) waiting in {} and no consumer connected: nothing processes them",
                depth_text(q, ready),
                q.subject()
            ),
            format!(
                "start a worker for it: celery -A PROJ worker -Q {name}; or fix task_routes if tasks go to the wrong queue"
            ),
        ),
    };
    let f = Finding::new(id, severity, q.subject())
        .summary(summary)
        .evidence("messages_ready", ready as f64)
        .evidence("consumers", 0.0)
        .remedy(remedy);
    out.push(bucket_evidence(f, q));
    true
}

fn backlog(broker: BrokerKind, q: &Queue, limits: &Limits, out: &mut Vec<Finding>) {
    let id = "queues.backlog";
    let Some(ready) = q.ready else { return };
    let severity = level(limits, ready as f64);
    if severity == Severity::Ok {
        return;
    }
    let growth = q.growth();
    // Seconds until empty at the rate it drains.
    let eta = growth.filter(|n| *n < 0.0).map(|n| ready as f64 / -n);
    let trend = match (growth, eta) {
        (Some(n), _) if n > 0.0 => format!("growing by {n:.1} msg/s"),
        (_, Some(eta)) => format!("draining, empty in about {}", fmt_duration_secs(eta)),
        // The management API's rates are there whenever the queue moved; Redis measures the
        // depth twice, and says so when it could not.
        (None, _) if broker == BrokerKind::Redis => "trend unknown".to_string(),
        _ => "not moving".to_string(),
    };
    let consumers = match q.consumers {
        Some(c) => format!("{c} consumer(s)"),
        None => "consumers unknown".to_string(),
    };
    let summary = match broker {
        BrokerKind::RabbitMq => format!(
            "{} ready messages in {} with {consumers}, {trend}",
            depth_text(q, ready),
            q.subject()
        ),
        BrokerKind::Redis => format!(
            "{} message(s) waiting in {} ({consumers}), {trend}",
            depth_text(q, ready),
            q.subject()
        ),
    };
    let mut f = Finding::new(id, severity, q.subject())
        .summary(summary)
        .evidence("messages_ready", ready as f64)
        .remedy(format!(
            "add workers or concurrency for this queue (celery -A PROJ worker -Q {} --concurrency N); route slow tasks to their own queue",
            shell_word(&q.name)
        ));
    if let Some(c) = q.consumers {
        f = f.evidence("consumers", c as f64);
    }
    // What was measured: RabbitMQ's publish and deliver rates, or the depth's change on Redis.
    if let Some(rate) = q.publish_rate {
        f = f.evidence("publish_per_second", rate);
    }
    if let Some(rate) = q.deliver_rate {
        f = f.evidence("deliver_per_second", rate);
    }
    if q.net_rate.is_some()
        && let Some(g) = growth
    {
        f = f.evidence("growth_per_second", g);
    }
    if broker == BrokerKind::RabbitMq
        && let Some(eta) = eta
    {
        f = f.evidence("drain_eta_seconds", eta);
    }
    out.push(bucket_evidence(f, q));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::celery_model::Bucket;

    fn queue(buckets: &[(u8, u64)], consumers: Option<u64>, net: Option<f64>) -> Queue<'static> {
        Queue {
            scope: "db5".into(),
            name: "celery".into(),
            kind: Kind::Task,
            ready: Some(buckets.iter().map(|b| b.1).sum()),
            buckets: buckets
                .iter()
                .map(|&(priority, messages)| Bucket { priority, messages })
                .collect(),
            unacked: None,
            consumers,
            message_ttl_ms: None,
            expires_ms: None,
            publish_rate: None,
            deliver_rate: None,
            net_rate: net,
            worker_consumed: false,
        }
    }

    fn run(q: Queue) -> Vec<Finding> {
        let fleet = Fleet {
            broker: BrokerKind::Redis,
            host: "h".into(),
            scope: "db5".into(),
            event_transport: crate::celery_model::EventTransport::PubSub,
            queues: vec![q],
            clients: vec![],
            events: None,
            results: None,
        };
        super::super::check(&fleet, &Thresholds::default())
    }

    #[test]
    fn backlog_sums_and_shows_priority_buckets() {
        let f = run(queue(
            &[(0, 900), (3, 0), (6, 300), (9, 0)],
            None,
            Some(2.0),
        ));
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].id, f[0].severity), ("queues.backlog", Severity::Warn));
        assert!(
            f[0].summary.contains("1200 (priority 0: 900, 6: 300)"),
            "{}",
            f[0].summary
        );
        assert!(
            f[0].summary.contains("growing by 2.0 msg/s"),
            "{}",
            f[0].summary
        );
        assert_eq!(f[0].evidence["priority_6_messages"], 300.0);
    }

    #[test]
    fn no_consumer_beats_backlog_and_unknown_consumers_never_fire_it() {
        let f = run(queue(&[(0, 5000)], Some(0), None));
        assert_eq!(
            (f[0].id, f[0].severity),
            ("queues.no-consumers", Severity::Crit)
        );
        let f = run(queue(&[(0, 5)], None, None));
        assert!(f.is_empty(), "{f:?}");
    }

    /// The same checks on RabbitMQ snapshots, through the vhost's fleet.
    mod rabbitmq {
        use crate::checks::testing::*;
        use crate::report::Severity;
        use serde_json::json;

        #[test]
        fn ready_without_consumers_is_critical_and_not_also_a_backlog() {
            let mut snap = snapshot();
            snap.queues = vec![
                queue(
                    json!({"name": "celery", "vhost": "v", "messages_ready": 5000, "consumers": 0}),
                ),
                queue(json!({"name": "idle", "vhost": "v", "messages_ready": 0, "consumers": 0})),
            ];
            assert_eq!(
                problems(&run(&snap)),
                vec![("queues.no-consumers", Severity::Crit, "v/celery".into())]
            );
        }

        #[test]
        fn backlog_reports_growth_or_drain_eta() {
            let mut snap = snapshot();
            snap.queues = vec![
                queue(
                    json!({"name": "grow", "vhost": "/", "messages_ready": 2000, "consumers": 2,
                "message_stats": {"publish_details": {"rate": 50.0}, "deliver_get_details": {"rate": 10.0}}}),
                ),
                queue(
                    json!({"name": "drain", "vhost": "/", "messages_ready": 3000, "consumers": 2,
                "message_stats": {"publish_details": {"rate": 0.0}, "deliver_get_details": {"rate": 10.0}}}),
                ),
            ];
            let findings = run(&snap);
            let grow = findings.iter().find(|f| f.subject == "/grow").unwrap();
            assert_eq!(grow.severity, Severity::Warn);
            assert!(
                grow.summary.contains("growing by 40.0 msg/s"),
                "{}",
                grow.summary
            );
            let drain = findings.iter().find(|f| f.subject == "/drain").unwrap();
            assert_eq!(drain.evidence["drain_eta_seconds"], 300.0);
            assert!(
                drain.summary.contains("empty in about 5m"),
                "{}",
                drain.summary
            );
        }

        #[test]
        fn thresholds_from_config_apply() {
            let mut snap = snapshot();
            snap.queues = vec![queue(
                json!({"name": "t", "vhost": "/", "messages_ready": 20, "consumers": 1}),
            )];
            let mut t = crate::settings::Thresholds::default();
            t.set("queues.backlog", Some(10.0), Some(15.0));
            let findings = crate::checks::broker_checks(&snap, &t, None);
            assert_eq!(
                problems(&findings),
                vec![("queues.backlog", Severity::Crit, "/t".into())]
            );
        }
    }
}
