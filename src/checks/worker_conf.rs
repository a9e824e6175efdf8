//! The worker-configuration rules that doctor's `workers.*` checks (over each worker's `conf`
//! reply) and `celtool lint` (over the configuration it reads from files) share: pure functions
//! over one Celery configuration, with the fixes they name. No I/O, no broker types.

use serde_json::{Map, Value};

use crate::workers::model::{number, truthy};

/// One worker's Celery configuration as the rules read it: Celery's lowercase setting names
/// and their values, as the worker's `conf` reply gives them (`with_defaults`), or as lint
/// resolves them from files (a JSON object too).
pub trait ConfView {
    /// A setting's value, `None` when the source does not say.
    fn value(&self, key: &str) -> Option<&Value>;

    /// A setting that is true; unset, null, false or 0 are false.
    fn is_true(&self, key: &str) -> bool {
        self.value(key).is_some_and(truthy)
    }

    /// A numeric setting; null and non-numbers are `None`.
    fn num(&self, key: &str) -> Option<f64> {
        self.value(key).and_then(number)
    }

    /// `worker_max_tasks_per_child` (a worker's pool also says it in `stats`).
    fn max_tasks_per_child(&self) -> Option<u64> {
        self.num("worker_max_tasks_per_child")
            .filter(|n| *n > 0.0)
            .map(|n| n as u64)
    }

    /// `worker_max_memory_per_child`, in KiB.
    fn max_memory_per_child_kib(&self) -> Option<u64> {
        self.num("worker_max_memory_per_child")
            .filter(|n| *n > 0.0)
            .map(|n| n as u64)
    }

    /// The broker heartbeat, in seconds (a worker also says what it negotiated in `stats`).
    fn broker_heartbeat(&self) -> Option<f64> {
        self.num("broker_heartbeat")
    }

    /// A task time limit is set: `task_time_limit` or `task_soft_time_limit` (or, on a running
    /// worker, its pool's timeouts).
    fn time_limited(&self) -> bool {
        self.is_true("task_time_limit") || self.is_true("task_soft_time_limit")
    }
}

impl ConfView for Map<String, Value> {
    fn value(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

/// What is wrong beside `task_acks_late = True`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcksLate {
    /// The prefetch multiplier, when it is above 1 (Celery's default is 4).
    pub multiplier: Option<f64>,
    /// `task_reject_on_worker_lost` is not True.
    pub unrejecting: bool,
}

/// Celery's default `worker_prefetch_multiplier`.
pub const DEFAULT_PREFETCH_MULTIPLIER: f64 = 4.0;

/// The prefetch multiplier in force.
pub fn prefetch_multiplier(c: &impl ConfView) -> f64 {
    c.num("worker_prefetch_multiplier")
        .unwrap_or(DEFAULT_PREFETCH_MULTIPLIER)
}

/// `workers.acks-late`: late acks without prefetch 1 or without reject_on_worker_lost.
pub fn acks_late(c: &impl ConfView) -> Option<AcksLate> {
    if !c.is_true("task_acks_late") {
        return None;
    }
    let m = prefetch_multiplier(c);
    let found = AcksLate {
        multiplier: (m > 1.0).then_some(m),
        unrejecting: !c.is_true("task_reject_on_worker_lost"),
    };
    (found.multiplier.is_some() || found.unrejecting).then_some(found)
}

/// The settings that make a late-acked worker safe, only those that are wrong.
pub fn acks_late_fixes(a: &AcksLate) -> Vec<(&'static str, &'static str)> {
    let mut fix = Vec::new();
    if a.multiplier.is_some() {
        fix.push(("worker_prefetch_multiplier", "1"));
    }
    if a.unrejecting {
        fix.push(("task_reject_on_worker_lost", "True"));
    }
    fix
}

/// The remedy of `workers.acks-late`, naming only the settings that are wrong.
pub fn acks_late_remedy(a: &AcksLate) -> String {
    let fix: Vec<String> = acks_late_fixes(a)
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    format!(
        "set {} beside task_acks_late = True, and make the tasks idempotent: a late-acked task runs again after a crash or a lost connection",
        fix.join(" and ")
    )
}

/// `workers.no-recycle`: a pool process is replaced after some tasks or some memory.
pub fn recycles(c: &impl ConfView) -> bool {
    c.max_tasks_per_child().is_some() || c.max_memory_per_child_kib().is_some()
}

pub const NO_RECYCLE_REMEDY: &str = "set worker_max_memory_per_child (KiB, e.g. 512000) or worker_max_tasks_per_child (e.g. 1000) so a leaking pool process is replaced before it eats the host";

/// `workers.task-events`: task events are on (`worker_send_task_events`, or `-E`).
pub fn task_events(c: &impl ConfView) -> bool {
    c.is_true("worker_send_task_events")
}

pub const TASK_EVENTS_REMEDY: &str = "turn task events off where nobody watches them (drop -E, worker_send_task_events = False; Flower turns them on again every few seconds unless started with --enable-events=False); each task then costs no event messages";

/// What `workers.event-queue-ttl` finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventQueueTtl {
    /// `event_queue_ttl` is unset, None or 0: events wait forever in a queue nobody reads.
    pub no_ttl: bool,
    /// `event_queue_expires` is None or 0: a queue whose consumer left is never deleted. Judged
    /// only when the configuration names it (a trimmed reply that leaves it out is not).
    pub no_expiry: bool,
}

/// `workers.event-queue-ttl`: the event queues these workers declare keep messages, or stay,
/// forever.
pub fn event_queue_ttl(c: &impl ConfView) -> Option<EventQueueTtl> {
    let off = |n: Option<f64>| n.is_none_or(|n| n <= 0.0);
    let found = EventQueueTtl {
        no_ttl: off(c.num("event_queue_ttl")),
        no_expiry: c.value("event_queue_expires").is_some() && off(c.num("event_queue_expires")),
    };
    (found.no_ttl || found.no_expiry).then_some(found)
}

pub const EVENT_QUEUE_TTL_REMEDY: &str = "set event_queue_ttl = 5.0 and event_queue_expires = 60.0 (Celery's defaults since 4.0); `celtool fix event-queues` covers queues that exist already";

/// `workers.heartbeat-off`: `broker_heartbeat` is 0.
pub fn heartbeat_off(c: &impl ConfView) -> bool {
    c.broker_heartbeat().is_some_and(|h| h <= 0.0)
}

pub const HEARTBEAT_OFF_REMEDY: &str = "remove broker_heartbeat = 0 (Celery's default is 120 s) so broker and worker notice a dead peer";

/// `workers.no-time-limit`: no task time limit is set.
pub fn no_time_limit(c: &impl ConfView) -> bool {
    !c.time_limited()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conf(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn acks_late_names_only_what_is_wrong() {
        assert_eq!(acks_late(&conf(json!({"task_acks_late": false}))), None);
        let a = acks_late(&conf(json!({"task_acks_late": true}))).unwrap();
        assert_eq!(
            a,
            AcksLate {
                multiplier: Some(4.0),
                unrejecting: true
            }
        );
        assert_eq!(
            acks_late_remedy(&a),
            "set worker_prefetch_multiplier = 1 and task_reject_on_worker_lost = True beside task_acks_late = True, and make the tasks idempotent: a late-acked task runs again after a crash or a lost connection"
        );
        let safe = conf(
            json!({"task_acks_late": true, "worker_prefetch_multiplier": 1,
            "task_reject_on_worker_lost": true}),
        );
        assert_eq!(acks_late(&safe), None);
    }

    #[test]
    fn the_other_rules_read_celerys_names() {
        let defaults = conf(json!({"worker_max_tasks_per_child": null,
            "worker_max_memory_per_child": null, "event_queue_ttl": 5.0,
            "event_queue_expires": 60.0, "broker_heartbeat": 120, "task_time_limit": null,
            "worker_send_task_events": false}));
        assert!(!recycles(&defaults));
        assert!(!task_events(&defaults));
        assert_eq!(event_queue_ttl(&defaults), None);
        assert!(!heartbeat_off(&defaults));
        assert!(no_time_limit(&defaults));
        let set = conf(
            json!({"worker_max_tasks_per_child": 100, "event_queue_ttl": null,
            "event_queue_expires": 0, "broker_heartbeat": 0, "task_soft_time_limit": 60}),
        );
        assert!(recycles(&set));
        assert_eq!(
            event_queue_ttl(&set),
            Some(EventQueueTtl {
                no_ttl: true,
                no_expiry: true
            })
        );
        assert!(heartbeat_off(&set));
        assert!(!no_time_limit(&set));
        // A reply that leaves event_queue_expires out is not judged on it.
        let trimmed = conf(json!({"event_queue_ttl": 5.0}));
        assert_eq!(event_queue_ttl(&trimmed), None);
    }
}
