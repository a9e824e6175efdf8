//! `celtool fix stale-event-queues`: delete Celery event queues that nobody consumes.

use std::collections::HashSet;

use super::{Change, Plan};
use crate::rabbitmq::classify::is_event_queue;
use crate::rabbitmq::records::{Consumer, Queue, count};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only queues without a message TTL or expiry in force.
    pub without_ttl_only: bool,
    /// Only queues holding at least this many messages.
    pub min_messages: u64,
}

/// One `DeleteQueue` per event queue with no consumer, per the consumers list (fresher than
/// the queue's consumer count, which lags by the statistics interval). The deletion itself is
/// conditional on the queue still being unused. A queue whose counts the broker did not send
/// (no statistics yet, or a record stripped of them) is left alone: nothing irreversible is
/// done on unknown figures.
pub fn plan(opts: &Options, queues: &[Queue], consumers: &[Consumer]) -> Plan {
    let consumed: HashSet<(String, String)> =
        consumers.iter().filter_map(Consumer::queue_key).collect();
    let mut plan = Plan {
        fix: "stale-event-queues",
        ..Plan::default()
    };
    for q in queues.iter().filter(|q| is_event_queue(q.name())) {
        let (Some(ready), Some(unacked), Some(_)) = (
            count(q.messages_ready),
            count(q.messages_unacknowledged),
            count(q.consumers),
        ) else {
            continue;
        };
        let messages = ready + unacked;
        let has_ttl = q.message_ttl_ms().is_some() && q.expires_ms().is_some();
        if q.consumers() > 0.0
            || consumed.contains(&(q.vhost().to_string(), q.name().to_string()))
            || (opts.without_ttl_only && has_ttl)
            || messages < opts.min_messages as f64
        {
            continue;
        }
        plan.changes.push(Change::DeleteQueue {
            vhost: q.vhost().to_string(),
            name: q.name().to_string(),
            messages,
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A record as the broker sends it, its missing counts 0.
    fn queue(mut v: serde_json::Value) -> Queue {
        for key in ["messages_ready", "messages_unacknowledged", "consumers"] {
            v.as_object_mut().unwrap().entry(key).or_insert(json!(0));
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn only_unconsumed_event_queues_matching_the_filters() {
        let queues = vec![
            queue(json!({"name": "celeryev.a", "vhost": "v", "consumers": 0, "messages_ready": 5})),
            queue(json!({"name": "celeryev.b", "vhost": "v", "consumers": 1})),
            queue(
                json!({"name": "celeryev.c", "vhost": "v", "consumers": 0, "messages_ready": 1,
                "arguments": {"x-message-ttl": 5000, "x-expires": 60000}}),
            ),
            queue(json!({"name": "celeryev.d", "vhost": "v", "consumers": 0})),
            queue(json!({"name": "celery", "vhost": "v", "consumers": 0, "messages_ready": 9})),
            // Declared a moment ago, or stripped by a proxy: its counts are unknown.
            serde_json::from_value(json!({"name": "celeryev.e", "vhost": "v"})).unwrap(),
            serde_json::from_value(json!({"name": "celeryev.f", "vhost": "v", "consumers": 0,
                "messages_unacknowledged": 0}))
            .unwrap(),
        ];
        let consumers: Vec<Consumer> = vec![
            serde_json::from_value(json!({
            "queue": {"name": "celeryev.d", "vhost": "v"}}))
            .unwrap(),
        ];
        let names = |p: Plan| -> Vec<String> {
            p.changes
                .iter()
                .map(|c| match c {
                    Change::DeleteQueue { name, .. } => name.clone(),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(
            names(plan(&Options::default(), &queues, &consumers)),
            vec!["celeryev.a", "celeryev.c"]
        );
        let only = Options {
            without_ttl_only: true,
            min_messages: 0,
        };
        assert_eq!(names(plan(&only, &queues, &consumers)), vec!["celeryev.a"]);
        let big = Options {
            without_ttl_only: false,
            min_messages: 2,
        };
        assert_eq!(names(plan(&big, &queues, &consumers)), vec!["celeryev.a"]);
        assert!(plan(&Options::default(), &queues, &consumers).irreversible());
    }
}
