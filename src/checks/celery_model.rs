//! Celery checks on the broker-neutral model (`crate::celery_model`), the same for every broker:
//! task queues with a backlog (every priority bucket summed and shown), with messages and no
//! consumer, and whether they grow. IDs and thresholds are those of the RabbitMQ queue checks.

use super::level;
use crate::celery_model::{Fleet, Kind, Queue};
use crate::output::{fmt_count, fmt_duration_secs};
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;

/// Run the model checks; every finding carries the broker's host.
pub fn check(fleet: &Fleet, thresholds: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    for q in fleet
        .queues
        .iter()
        .filter(|q| matches!(q.kind, Kind::Task | Kind::Other))
    {
        if !no_consumers(q, thresholds, &mut out) {
            backlog(q, thresholds, &mut out);
        }
    }
    for f in &mut out {
        f.host.get_or_insert_with(|| fleet.host.clone());
    }
    out
}

/// `1200 (priority 0: 1000, 6: 200)`: the non-empty buckets, when there is more than one list.
pub fn depth_text(q: &Queue) -> String {
    let parts: Vec<String> = q
        .buckets
        .iter()
        .filter(|b| b.messages > 0)
        .map(|b| format!("{}: {}", b.priority, fmt_count(b.messages as f64)))
        .collect();
    if q.buckets.iter().any(|b| b.priority != 0 && b.messages > 0) {
        format!(
            "{} (priority {})",
            fmt_count(q.ready as f64),
            parts.join(", ")
        )
    } else {
        fmt_count(q.ready as f64)
    }
}

fn bucket_evidence(mut f: Finding, q: &Queue) -> Finding {
    for b in &q.buckets {
        let name = match b.priority {
            0 => "priority_0_messages",
            3 => "priority_3_messages",
            6 => "priority_6_messages",
            9 => "priority_9_messages",
            _ => continue,
        };
        f = f.evidence(name, b.messages as f64);
    }
    f
}

fn no_consumers(q: &Queue, thresholds: &Thresholds, out: &mut Vec<Finding>) -> bool {
    let id = "queues.no-consumers";
    if q.consumers != Some(0) || q.ready == 0 {
        return false;
    }
    let severity = level(&thresholds.get(id), q.ready as f64);
    if severity == Severity::Ok {
        return false;
    }
    let f = Finding::new(id, severity, q.subject())
        .summary(format!(
            "{} message(s) waiting in {} and no consumer connected: nothing processes them",
            depth_text(q),
            q.subject()
        ))
        .evidence("messages_ready", q.ready as f64)
        .evidence("consumers", 0.0)
        .remedy(format!(
            "start a worker for it: celery -A PROJ worker -Q {}; or fix task_routes if tasks go to the wrong queue",
            super::shell_word(&q.name)
        ));
    out.push(bucket_evidence(f, q));
    true
}

fn backlog(q: &Queue, thresholds: &Thresholds, out: &mut Vec<Finding>) {
    let id = "queues.backlog";
    let severity = level(&thresholds.get(id), q.ready as f64);
    if severity == Severity::Ok {
        return;
    }
    let growth = q.growth();
    let trend = match growth {
        Some(n) if n > 0.0 => format!("growing by {n:.1} msg/s"),
        Some(n) if n < 0.0 => format!(
            "draining, empty in about {}",
            fmt_duration_secs(q.ready as f64 / -n)
        ),
        Some(_) => "not moving".to_string(),
        None => "trend unknown".to_string(),
    };
    let consumers = match q.consumers {
        Some(c) => format!("{c} consumer(s)"),
        None => "consumers unknown".to_string(),
    };
    let mut f = Finding::new(id, severity, q.subject())
        .summary(format!(
            "{} message(s) waiting in {} ({consumers}), {trend}",
            depth_text(q),
            q.subject()
        ))
        .evidence("messages_ready", q.ready as f64)
        .remedy(format!(
            "add workers or concurrency for this queue (celery -A PROJ worker -Q {} --concurrency N); route slow tasks to their own queue",
            super::shell_word(&q.name)
        ));
    if let Some(c) = q.consumers {
        f = f.evidence("consumers", c as f64);
    }
    if let Some(g) = growth {
        f = f.evidence("growth_per_second", g);
    }
    out.push(bucket_evidence(f, q));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::celery_model::{BrokerKind, Bucket};

    fn queue(buckets: &[(u8, u64)], consumers: Option<u64>, net: Option<f64>) -> Queue {
        Queue {
            scope: "db5".into(),
            name: "celery".into(),
            kind: Kind::Task,
            ready: buckets.iter().map(|b| b.1).sum(),
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
        }
    }

    fn run(q: Queue) -> Vec<Finding> {
        let fleet = Fleet {
            broker: BrokerKind::Redis,
            host: "h".into(),
            queues: vec![q],
            clients: vec![],
            events: None,
            results: None,
        };
        check(&fleet, &Thresholds::default())
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
}
