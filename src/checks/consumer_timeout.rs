//! The effective consumer timeout of each queue the workers consume (its `x-consumer-timeout`
//! argument, else its policy's `consumer-timeout` key on RabbitMQ >= 3.11.15, else the node's
//! `consumer_timeout`, which the management API does not show: celtool's setting), and the
//! deliveries the workers hold that will outlive it: ETA and countdown tasks held until due, and
//! late-acknowledged tasks running toward it. Pure functions; no I/O.

use super::{level, shell_word};
use crate::rabbitmq::read::Snapshot;
use crate::rabbitmq::records::subject;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::fmt_duration_secs;
use crate::workers::{TaskInfo, VhostReport, WorkerReport};

pub const ID: &str = "consumer-timeout.forecast";

/// Where a queue's consumer timeout comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Argument,
    Policy(String),
    NodeDefault,
}

/// The first version whose queues take the `consumer-timeout` policy key
/// (rabbitmq/rabbitmq-server#5437).
const POLICY_KEY_SINCE: (u32, u32, u32) = (3, 11, 15);

fn version(snap: &Snapshot) -> Option<(u32, u32, u32)> {
    let v = snap.overview.as_ref()?.version()?;
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// Whether the broker reads the `consumer-timeout` policy key (unknown version: assume so).
pub fn policy_key_supported(snap: &Snapshot) -> bool {
    version(snap).is_none_or(|v| v >= POLICY_KEY_SINCE)
}

/// The effective consumer timeout of `queue` in `vhost`, in seconds, and where it comes from.
pub fn effective(snap: &Snapshot, vhost: &str, queue: &str, node_default: f64) -> (f64, Source) {
    let q = snap
        .queues
        .iter()
        .find(|q| q.vhost() == vhost && q.name() == queue);
    let ms = |v: Option<&serde_json::Value>| {
        v.and_then(crate::workers::model::number)
            .filter(|n| *n > 0.0)
    };
    if let Some(q) = q {
        if let Some(ms) = ms(q
            .arguments
            .as_ref()
            .and_then(|a| a.get("x-consumer-timeout")))
        {
            return (ms / 1000.0, Source::Argument);
        }
        let key = q
            .effective_policy_definition
            .as_ref()
            .and_then(|d| d.get("consumer-timeout"));
        if let (Some(ms), Some(name), true) = (ms(key), &q.policy, policy_key_supported(snap)) {
            return (ms / 1000.0, Source::Policy(name.to_string()));
        }
    }
    (node_default, Source::NodeDefault)
}

/// The queue a task came from: its routing key when the worker consumes a queue of that name,
/// else the worker's only queue.
fn queue_of(w: &WorkerReport, task: &TaskInfo) -> Option<String> {
    let queues = w.queues();
    match (&task.routing_key, queues.as_slice()) {
        (Some(rk), _) if queues.contains(rk) => Some(rk.clone()),
        (_, [only]) => Some(only.clone()),
        _ => None,
    }
}

/// One delivery held toward the timeout.
struct Held {
    task: TaskInfo,
    queue: String,
    /// Seconds held when it ends (ETA: at least until due) or so far (active).
    hold: f64,
    due: bool,
}

/// `consumer-timeout.forecast` for the workers of `v`.
pub fn check(v: &VhostReport, snap: &Snapshot, t: &Thresholds, out: &mut Vec<Finding>) {
    let limits = t.get(ID);
    let node_default = t.timing(ID, "node_default").as_secs_f64();
    for w in &v.workers {
        let scheduled = w.scheduled().into_iter().filter_map(|task| {
            let hold = task.eta? - w.received_at;
            Some(Held {
                queue: queue_of(w, &task)?,
                task,
                hold,
                due: true,
            })
        });
        let active = w
            .active()
            .into_iter()
            .filter(|task| task.acknowledged == Some(false))
            .filter_map(|task| {
                let hold = w.runtime(&task)?;
                Some(Held {
                    queue: queue_of(w, &task)?,
                    task,
                    hold,
                    due: false,
                })
            });
        // The worst hold per queue, and how many held deliveries pass the limits there.
        let mut worst: std::collections::BTreeMap<String, (Judged, usize)> = Default::default();
        for h in scheduled.chain(active) {
            let (timeout, source) = effective(snap, &v.vhost, &h.queue, node_default);
            let ratio = h.hold / timeout;
            if level(&limits, ratio) == Severity::Ok {
                continue;
            }
            let judged = Judged {
                ratio,
                timeout,
                source,
                held: h,
            };
            match worst.entry(judged.held.queue.clone()) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert((judged, 1));
                }
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    let slot = e.get_mut();
                    slot.1 += 1;
                    if judged.ratio > slot.0.ratio {
                        slot.0 = judged;
                    }
                }
            }
        }
        for (judged, count) in worst.into_values() {
            out.push(finding(
                v,
                w,
                snap,
                &judged,
                count,
                level(&limits, judged.ratio),
            ));
        }
    }
}

struct Judged {
    ratio: f64,
    timeout: f64,
    source: Source,
    held: Held,
}

fn finding(
    v: &VhostReport,
    w: &WorkerReport,
    snap: &Snapshot,
    j: &Judged,
    count: usize,
    sev: Severity,
) -> Finding {
    let h = &j.held;
    let (task, queue) = (&h.task.name, &h.queue);
    let from = match &j.source {
        Source::Argument => "its x-consumer-timeout argument".to_string(),
        Source::Policy(p) => format!("policy {p}"),
        Source::NodeDefault => {
            "the node's consumer_timeout (celtool's node_default setting)".to_string()
        }
    };
    let timeout = fmt_duration_secs(j.timeout);
    let others = if count > 1 {
        format!(" ({} deliveries held there pass the limits)", count)
    } else {
        String::new()
    };
    let summary = if h.due {
        format!(
            "{task} ({}) in queue {queue} is held by {} until it is due in {}, past the queue's consumer timeout of {timeout} ({from}): RabbitMQ will close the worker's channel at most {timeout} after the delivery and redeliver every message it holds{others}",
            h.task.id,
            w.node,
            fmt_duration_secs(h.hold)
        )
    } else {
        format!(
            "{task} ({}) in queue {queue} has run {} on {} unacknowledged (acks_late): {} left before the queue's consumer timeout of {timeout} ({from}) closes the channel and redelivers it{others}",
            h.task.id,
            fmt_duration_secs(h.hold),
            w.node,
            fmt_duration_secs((j.timeout - h.hold).max(0.0))
        )
    };
    let needed_ms = ((h.hold * 1.5 / 3600.0).ceil() * 3_600_000.0).max(3_600_000.0) as u64;
    let raise = raise_timeout(snap, &v.vhost, queue, &j.source, needed_ms);
    let remedy = if h.due {
        format!(
            "let the broker hold ETA tasks: native delayed delivery (task_default_queue_type = \"quorum\" with task_default_exchange_type = \"topic\", Celery >= 5.5), or {raise}; see `celtool explain {ID}`"
        )
    } else {
        format!(
            "keep the task under the timeout (task_time_limit), give long tasks their own queue with worker_prefetch_multiplier = 1, or {raise}; see `celtool explain {ID}`"
        )
    };
    Finding::new(ID, sev, subject(&v.vhost, queue))
        .summary(summary)
        .evidence(
            if h.due {
                "due_in_seconds"
            } else {
                "runtime_seconds"
            },
            h.hold.round(),
        )
        .evidence("consumer_timeout_seconds", j.timeout.round())
        .evidence("held_past_limits", count as f64)
        .evidence("suggested_consumer_timeout_ms", needed_ms as f64)
        .remedy(remedy)
}

/// Which of the three to change to raise the queue's timeout, as a command.
fn raise_timeout(snap: &Snapshot, vhost: &str, queue: &str, source: &Source, ms: u64) -> String {
    match source {
        Source::Argument => format!(
            "redeclare queue {queue} with a larger x-consumer-timeout argument (e.g. {ms} ms; a queue's arguments cannot change: delete it first)"
        ),
        Source::Policy(p) => format!("raise consumer-timeout in policy {p} (e.g. {ms} ms)"),
        Source::NodeDefault if policy_key_supported(snap) => {
            let current = snap
                .queues
                .iter()
                .find(|q| q.vhost() == vhost && q.name() == queue)
                .and_then(|q| q.policy);
            let merge = match current {
                Some(p) => format!(
                    " (policy {p} applies to it now and would be replaced: copy its definition into the new one)"
                ),
                None => String::new(),
            };
            format!(
                "raise it for this queue alone by policy (celtool doctor --fix plans it, merged with the policy that applies now): rabbitmqctl set_policy -p {} --apply-to queues --priority 10 {} {} '{{\"consumer-timeout\": {ms}}}'{merge}",
                shell_word(vhost),
                shell_word(&format!("celtool-consumer-timeout-{queue}")),
                shell_word(&format!("^{}$", regex_escape(queue)))
            )
        }
        Source::NodeDefault => format!(
            "raise it node-wide (this RabbitMQ is older than 3.11.15 and has no per-queue timeout): consumer_timeout = {ms} in rabbitmq.conf, then restart the node"
        ),
    }
}

pub fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{queue, snapshot};
    use serde_json::json;

    fn broker(version: &str) -> Snapshot {
        let mut s = snapshot();
        s.overview = Some(serde_json::from_value(json!({"rabbitmq_version": version})).unwrap());
        s.queues = vec![
            queue(
                json!({"name": "arg", "vhost": "v", "arguments": {"x-consumer-timeout": 7200000}}),
            ),
            queue(json!({"name": "pol", "vhost": "v", "policy": "long",
                "effective_policy_definition": {"consumer-timeout": 3600000}})),
            queue(json!({"name": "plain", "vhost": "v", "policy": "ha",
                "effective_policy_definition": {"max-length": 10}})),
        ];
        s
    }

    #[test]
    fn argument_then_policy_key_then_the_node_default() {
        let s = broker("3.12.1");
        assert_eq!(
            effective(&s, "v", "arg", 1800.0),
            (7200.0, Source::Argument)
        );
        assert_eq!(
            effective(&s, "v", "pol", 1800.0),
            (3600.0, Source::Policy("long".into()))
        );
        assert_eq!(
            effective(&s, "v", "plain", 1800.0),
            (1800.0, Source::NodeDefault)
        );
        // 3.10 ignores the policy key.
        let old = broker("3.10.8");
        assert_eq!(
            effective(&old, "v", "pol", 1800.0),
            (1800.0, Source::NodeDefault)
        );
    }

    #[test]
    fn the_fix_is_a_merged_policy_where_supported_else_the_conf_line() {
        let new = raise_timeout(
            &broker("3.12.1"),
            "v",
            "plain",
            &Source::NodeDefault,
            10_800_000,
        );
        assert_eq!(
            new,
            "raise it for this queue alone by policy (celtool doctor --fix plans it, merged with the policy that applies now): rabbitmqctl set_policy -p v --apply-to queues --priority 10 celtool-consumer-timeout-plain '^plain$' '{\"consumer-timeout\": 10800000}' (policy ha applies to it now and would be replaced: copy its definition into the new one)"
        );
        let old = raise_timeout(
            &broker("3.10.8"),
            "v",
            "plain",
            &Source::NodeDefault,
            10_800_000,
        );
        assert!(
            old.contains("consumer_timeout = 10800000 in rabbitmq.conf"),
            "{old}"
        );
        assert_eq!(regex_escape("a.b"), "a\\.b");
    }

    /// As a real RabbitMQ 4.0.5 shows them (tests/fixtures/api/rabbitmq4-healthy.json): the
    /// argument in the queue's `arguments` (beside the `x-queue-type: classic` 4.x adds), the
    /// policy's key in the policy listing, which completes the light queue listing.
    #[test]
    fn the_argument_and_the_policy_key_as_rabbitmq_4_0_shows_them() {
        let mut s = crate::checks::testing::recorded("rabbitmq4-healthy");
        crate::rabbitmq::details::from_listings(&mut s.queues, &s.consumers, &s.policies);
        let v = "celtool-fixture";
        assert!(policy_key_supported(&s));
        assert_eq!(
            effective(&s, v, "ct-argument", 1800.0),
            (60.0, Source::Argument)
        );
        assert_eq!(
            effective(&s, v, "ct-policy", 1800.0),
            (7200.0, Source::Policy("ct".into()))
        );
        assert_eq!(
            effective(&s, v, "celery", 1800.0),
            (1800.0, Source::NodeDefault)
        );
    }
}
