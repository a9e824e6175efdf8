//! What the workers told us, as plain data: one [`WorkerReport`] per node, decoded leniently from
//! the raw replies (any field may be missing or of another type in another Celery version).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::protocol::Method;

/// Everything one probe learnt, per vhost.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FleetSnapshot {
    pub vhosts: Vec<VhostReport>,
    /// The reply timeout used, in milliseconds.
    pub timeout_ms: u64,
}

impl FleetSnapshot {
    pub fn workers(&self) -> impl Iterator<Item = &WorkerReport> {
        self.vhosts.iter().flat_map(|v| v.workers.iter())
    }
}

/// One vhost's answers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VhostReport {
    pub vhost: String,
    /// The vhost has the `celery.pidbox` exchange; without it no worker can be asked.
    pub mailbox_exchange: bool,
    /// Why the vhost could not be probed (connection refused, access refused, a step that ran
    /// out of time...), if so.
    pub error: Option<String>,
    /// Why the workers were deliberately not asked, if so: a memory or disk alarm makes the
    /// broker block every connection that publishes, the probe's request included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_asked: Option<String>,
    /// Nodes whose mailbox has a consumer but that answered no ping, even the second one.
    pub silent: Vec<String>,
    pub workers: Vec<WorkerReport>,
    /// On Redis: how many subscribers of the `celery.pidbox` channel received a request (every
    /// connected worker, a stopped one included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receivers: Option<u64>,
    /// On Redis: the connections of each node, as `addr (cmd X, idle Ns)`, where they could be
    /// told apart (kombu names no connection: by the sockets of its processes on this host).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub connections: BTreeMap<String, Vec<String>>,
    /// On Redis: the database's clients whose last command was BRPOP (consumers), described
    /// as in `connections`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<String>,
    /// On Redis: the database number asked (its `vhost` is then `dbN`, the subject findings
    /// and listings key on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db: Option<i64>,
    /// The event stream sampled beside the probe (doctor only): task runtimes and the
    /// heartbeats' software.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<crate::celery_events::EventSample>,
}

impl VhostReport {
    /// Where the workers were asked, as messages name it: `vhost NAME` on RabbitMQ, `db N`
    /// on Redis (a database, not a vhost).
    pub fn place(&self) -> String {
        match self.db {
            Some(db) => format!("db {db}"),
            None => format!("vhost {}", crate::text::sanitize(&self.vhost)),
        }
    }
}

/// What one worker told us. Each method's reply is kept raw (as captured in the fixtures) and
/// read through the accessors below.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkerReport {
    pub node: String,
    pub vhost: String,
    /// Round trip of the answered ping, in milliseconds.
    pub ping_ms: Option<f64>,
    /// The ping was answered only on the second try.
    pub ping_retried: bool,
    /// Raw replies by method name.
    pub replies: BTreeMap<String, Value>,
    /// When the replies were received (epoch seconds), to age active tasks.
    pub received_at: f64,
}

/// A task the worker is running or holds (`active`, `reserved`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskInfo {
    pub id: String,
    pub name: String,
    /// Epoch seconds the task started (active tasks only).
    pub time_start: Option<f64>,
    pub acknowledged: Option<bool>,
    pub routing_key: Option<String>,
    /// When an ETA or countdown task is due, epoch seconds (`scheduled` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta: Option<f64>,
}

impl WorkerReport {
    /// A report from raw replies, as fixtures store them.
    pub fn from_replies(
        node: &str,
        vhost: &str,
        replies: BTreeMap<String, Value>,
        received_at: f64,
    ) -> Self {
        let ping_ms = replies.contains_key(Method::Ping.name()).then_some(0.0);
        WorkerReport {
            node: node.to_string(),
            vhost: vhost.to_string(),
            ping_ms,
            ping_retried: false,
            replies,
            received_at,
        }
    }

    pub fn reply(&self, m: Method) -> Option<&Value> {
        self.replies.get(m.name())
    }

    pub fn answered_ping(&self) -> bool {
        self.reply(Method::Ping)
            .is_some_and(|v| v.get("ok").and_then(Value::as_str) == Some("pong"))
    }

    fn stat(&self, path: &[&str]) -> Option<&Value> {
        let mut v = self.reply(Method::Stats)?;
        for p in path {
            v = v.get(p)?;
        }
        Some(v)
    }

    /// A setting of `conf` (with defaults): `None` when the worker did not say.
    pub fn conf(&self, key: &str) -> Option<&Value> {
        self.reply(Method::Conf)?.get(key)
    }

    /// A setting that is true; unset, null, false or 0 are false.
    pub fn conf_true(&self, key: &str) -> bool {
        self.conf(key).is_some_and(truthy)
    }

    /// A numeric setting; null and non-numbers are `None`.
    pub fn conf_num(&self, key: &str) -> Option<f64> {
        self.conf(key).and_then(number)
    }

    pub fn pid(&self) -> Option<u64> {
        self.stat(&["pid"]).and_then(Value::as_u64)
    }
    pub fn uptime_secs(&self) -> Option<f64> {
        self.stat(&["uptime"]).and_then(number)
    }
    /// The pool implementation's short name: prefork, threads, solo, gevent, eventlet.
    pub fn pool(&self) -> Option<String> {
        let imp = self.stat(&["pool", "implementation"])?.as_str()?;
        let module = imp.split(':').next().unwrap_or(imp);
        Some(module.rsplit('.').next().unwrap_or(module).to_string())
    }
    pub fn concurrency(&self) -> Option<u64> {
        self.stat(&["pool", "max-concurrency"])
            .and_then(Value::as_u64)
    }
    pub fn processes(&self) -> Vec<u64> {
        self.stat(&["pool", "processes"])
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default()
    }
    /// `worker_prefetch_multiplier` x concurrency, as the worker applies it (basic.qos).
    pub fn prefetch_count(&self) -> Option<u64> {
        self.stat(&["prefetch_count"]).and_then(Value::as_u64)
    }
    /// The pool's max-tasks-per-child ("N/A" when unset), else the setting.
    pub fn max_tasks_per_child(&self) -> Option<u64> {
        self.stat(&["pool", "max-tasks-per-child"])
            .and_then(Value::as_u64)
            .or_else(|| {
                self.conf_num("worker_max_tasks_per_child")
                    .map(|n| n as u64)
            })
    }
    /// `worker_max_memory_per_child`, in KiB.
    pub fn max_memory_per_child_kib(&self) -> Option<u64> {
        self.conf_num("worker_max_memory_per_child")
            .map(|n| n as u64)
    }
    /// The main process's peak RSS (getrusage maxrss, KiB on Linux), in bytes.
    pub fn max_rss_bytes(&self) -> Option<f64> {
        self.stat(&["rusage", "maxrss"])
            .and_then(number)
            .map(|k| k * 1024.0)
    }
    /// Tasks completed since start, by name.
    pub fn totals(&self) -> BTreeMap<String, u64> {
        self.stat(&["total"])
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// The broker heartbeat the worker negotiates, in seconds.
    pub fn broker_heartbeat(&self) -> Option<f64> {
        self.stat(&["broker", "heartbeat"])
            .and_then(number)
            .or_else(|| self.conf_num("broker_heartbeat"))
    }
    /// The pool's default soft and hard time limits (0 = none).
    pub fn pool_time_limits(&self) -> (Option<f64>, Option<f64>) {
        let t = self.stat(&["pool", "timeouts"]).and_then(Value::as_array);
        let at = |i: usize| {
            t.and_then(|a| a.get(i))
                .and_then(number)
                .filter(|n| *n > 0.0)
        };
        (at(0), at(1))
    }
    /// The queues the worker consumes.
    pub fn queues(&self) -> Vec<String> {
        self.reply(Method::ActiveQueues)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|q| q.get("name")?.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
    pub fn active(&self) -> Vec<TaskInfo> {
        tasks(self.reply(Method::Active))
    }
    pub fn reserved(&self) -> Vec<TaskInfo> {
        tasks(self.reply(Method::Reserved))
    }
    /// The worker's Celery version, from its `report` reply (`software -> celery:5.7.0 ...`).
    pub fn celery_version(&self) -> Option<(u32, u32, u32)> {
        let text = self.reply(Method::Report)?.get("ok")?.as_str()?;
        let rest = &text[text.find("celery:")? + "celery:".len()..];
        crate::celery_events::version_numbers(rest.split_whitespace().next()?)
    }
    /// ETA and countdown tasks the worker holds until they are due.
    pub fn scheduled(&self) -> Vec<TaskInfo> {
        tasks(self.reply(Method::Scheduled))
    }
    /// How long an active task has run, in seconds, at the time of the reply.
    pub fn runtime(&self, t: &TaskInfo) -> Option<f64> {
        t.time_start.map(|s| (self.received_at - s).max(0.0))
    }
    /// The longest runtime among active tasks.
    pub fn oldest_active_secs(&self) -> Option<f64> {
        self.active()
            .iter()
            .filter_map(|t| self.runtime(t))
            .fold(None, |acc: Option<f64>, r| {
                Some(acc.map_or(r, |a| a.max(r)))
            })
    }
}

fn tasks(reply: Option<&Value>) -> Vec<TaskInfo> {
    let Some(list) = reply.and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|t| {
            // `scheduled` nests the request under "request".
            let eta = t.get("eta").and_then(Value::as_str).and_then(iso_epoch);
            let t = t.get("request").unwrap_or(t);
            Some(TaskInfo {
                id: t.get("id")?.as_str()?.to_string(),
                name: t
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
                time_start: t.get("time_start").and_then(number),
                acknowledged: t.get("acknowledged").and_then(Value::as_bool),
                routing_key: t
                    .get("delivery_info")
                    .and_then(|d| d.get("routing_key"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                eta,
            })
        })
        .collect()
}

/// Epoch seconds of Python's `datetime.isoformat()` (`2026-12-07T04:00:00.123456+00:00`; no
/// offset is read as UTC, Celery's default).
pub fn iso_epoch(text: &str) -> Option<f64> {
    let text = text.trim();
    let (clock, offset) = match text.len().checked_sub(6).map(|i| text.split_at(i)) {
        Some((head, tail))
            if (tail.starts_with('+') || tail.starts_with('-')) && tail.as_bytes()[3] == b':' =>
        {
            let sign = if tail.starts_with('-') { -1.0 } else { 1.0 };
            let h: f64 = tail[1..3].parse().ok()?;
            let m: f64 = tail[4..6].parse().ok()?;
            (head, sign * (h * 3600.0 + m * 60.0))
        }
        _ => (text.trim_end_matches('Z'), 0.0),
    };
    let t = humantime::parse_rfc3339_weak(clock).ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs_f64();
    Some(secs - offset)
}

/// A JSON number, or a number in a string ("1.00"); anything else is `None`.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Python truthiness for settings: true, non-zero numbers, non-empty strings other than
/// "false"/"0"/"no", non-empty containers.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "" | "false" | "0" | "no" | "none"
        ),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accessors_read_a_real_stats_reply_and_survive_junk() {
        let stats = json!({"total": {"a.b": 3, "bad": "x"}, "pid": 7, "uptime": 11,
            "pool": {"implementation": "celery.concurrency.prefork:TaskPool", "max-concurrency": 2,
                     "processes": [8, 9], "max-tasks-per-child": "N/A", "timeouts": [0, 0]},
            "broker": {"heartbeat": 120.0}, "prefetch_count": 8, "rusage": {"maxrss": 44788}});
        let r = WorkerReport::from_replies(
            "w1@h",
            "/",
            BTreeMap::from([
                ("stats".into(), stats),
                ("ping".into(), json!({"ok": "pong"})),
            ]),
            100.0,
        );
        assert!(r.answered_ping());
        assert_eq!(r.pool().as_deref(), Some("prefork"));
        assert_eq!(
            (r.concurrency(), r.prefetch_count(), r.pid()),
            (Some(2), Some(8), Some(7))
        );
        assert_eq!(r.processes(), vec![8, 9]);
        assert_eq!(r.max_tasks_per_child(), None);
        assert_eq!(r.max_rss_bytes(), Some(44788.0 * 1024.0));
        assert_eq!(r.totals(), BTreeMap::from([("a.b".to_string(), 3)]));
        assert_eq!(r.pool_time_limits(), (None, None));
        assert_eq!(r.broker_heartbeat(), Some(120.0));
        let junk = WorkerReport::from_replies(
            "x",
            "/",
            BTreeMap::from([
                ("stats".into(), json!([1])),
                ("active".into(), json!({"a": 1})),
            ]),
            0.0,
        );
        assert_eq!(
            (junk.pool(), junk.active().len(), junk.oldest_active_secs()),
            (None, 0, None)
        );
    }

    #[test]
    fn truthiness_is_pythons() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(""),
            json!("False"),
            json!([]),
        ] {
            assert!(!truthy(&v), "{v}");
        }
        for v in [json!(true), json!(1), json!("redis://x"), json!({"a": 1})] {
            assert!(truthy(&v), "{v}");
        }
    }
}
