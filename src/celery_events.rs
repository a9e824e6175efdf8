//! What a short sample of Celery's event stream says, whichever broker carried it: the runtimes
//! of the tasks that succeeded (task events, `-E`) and the software each worker's heartbeat
//! names. Plain data and a pure collector; the AMQP and Redis readers feed it event bodies.
//!
//! Celery 5.7's workers buffer task events and publish them as one `task.multi` message holding
//! a list of events; other versions publish one event per message. Both are read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One task run whose end was seen: `task-succeeded` with its `runtime`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRun {
    /// The task id (`uuid`).
    pub id: String,
    /// The task's name, from its `task-received` event when that came within the sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The worker's node name (`hostname`).
    pub node: String,
    /// Seconds the task ran (`runtime`).
    pub runtime: f64,
}

/// What a worker's `worker-heartbeat` said of its software.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Software {
    /// `sw_ident`: `py-celery` for Celery.
    pub ident: String,
    /// `sw_ver`: the Celery version, e.g. `5.7.0`.
    pub version: String,
}

impl Software {
    /// The Celery version as numbers, when the heartbeat is Celery's.
    pub fn celery_version(&self) -> Option<(u32, u32, u32)> {
        if self.ident != "py-celery" {
            return None;
        }
        version_numbers(&self.version)
    }
}

/// `5.7.0`, `5.6.0rc1`, `5.5` as numbers (a missing patch is 0).
pub fn version_numbers(word: &str) -> Option<(u32, u32, u32)> {
    let mut parts = word
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// One vhost's (or Redis database's) event sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventSample {
    /// How long the sample listened, in seconds.
    pub seconds: f64,
    /// Why no task event could be sampled, when none was (events off, no event exchange, an
    /// error): the finding says it instead of judging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_sampled: Option<String>,
    /// Task events received (each event of a `task.multi` list counts).
    pub task_events: u64,
    /// Tasks that succeeded during the sample, with their runtimes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<TaskRun>,
    /// The software of each worker that sent a heartbeat, by node name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub software: BTreeMap<String, Software>,
}

impl EventSample {
    /// Say why nothing was sampled when no task event came (unless a reason is there already):
    /// `task_events_on` when a worker's conf says worker_send_task_events.
    pub fn mark_quiet(&mut self, task_events_on: bool) {
        if self.not_sampled.is_some() || self.task_events > 0 {
            return;
        }
        self.not_sampled = Some(if task_events_on {
            format!(
                "task events are on but no task ran during the {} sample",
                fmt_secs(self.seconds)
            )
        } else {
            NO_TASK_EVENTS.to_string()
        });
    }
}

/// Why a sample without task events judged nothing.
pub const NO_TASK_EVENTS: &str = "no task event came: the workers send none (worker_send_task_events / -E off) or ran no task meanwhile, so only the running tasks were seen";

/// `3.0s`, `250ms`.
fn fmt_secs(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.0}ms", secs * 1000.0)
    } else {
        format!("{secs:.1}s")
    }
}

/// Gathers events as they come; [`Collector::finish`] gives the sample.
#[derive(Debug, Default)]
pub struct Collector {
    /// Task names by id, from `task-received`.
    names: BTreeMap<String, String>,
    runs: Vec<TaskRun>,
    task_events: u64,
    software: BTreeMap<String, Software>,
}

impl Collector {
    /// One message's body, as JSON bytes: an event, or a list of them (`task.multi`).
    /// Anything else is ignored.
    pub fn feed_bytes(&mut self, body: &[u8]) {
        if let Ok(v) = serde_json::from_slice::<Value>(body) {
            self.feed(&v);
        }
    }

    /// One message of kombu's Redis transport (a PUBLISH on `/DB.celeryev/KEY`): its JSON
    /// envelope, whose body is base64 when `properties.body_encoding` says so.
    pub fn feed_kombu_envelope(&mut self, payload: &[u8]) {
        use base64::Engine;
        let Ok(envelope) = serde_json::from_slice::<Value>(payload) else {
            return;
        };
        let Some(body) = envelope.get("body").and_then(Value::as_str) else {
            return;
        };
        if envelope["properties"]["body_encoding"] == "base64" {
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(body) {
                self.feed_bytes(&bytes);
            }
        } else {
            self.feed_bytes(body.as_bytes());
        }
    }

    /// One decoded body: an event, or a list of them.
    pub fn feed(&mut self, body: &Value) {
        match body {
            Value::Array(events) => events.iter().for_each(|e| self.event(e)),
            event => self.event(event),
        }
    }

    fn event(&mut self, e: &Value) {
        let text = |k: &str| e.get(k).and_then(Value::as_str);
        let Some(kind) = text("type") else { return };
        if kind.starts_with("task-") {
            self.task_events += 1;
        }
        match kind {
            "task-received" => {
                if let (Some(id), Some(name)) = (text("uuid"), text("name")) {
                    self.names.insert(id.to_string(), name.to_string());
                }
            }
            "task-succeeded" => {
                let runtime = e.get("runtime").and_then(Value::as_f64);
                if let (Some(id), Some(node), Some(runtime)) =
                    (text("uuid"), text("hostname"), runtime)
                    && runtime.is_finite()
                    && runtime >= 0.0
                {
                    self.runs.push(TaskRun {
                        id: id.to_string(),
                        name: None,
                        node: node.to_string(),
                        runtime,
                    });
                }
            }
            "worker-heartbeat" | "worker-online" => {
                if let (Some(node), Some(ident), Some(version)) =
                    (text("hostname"), text("sw_ident"), text("sw_ver"))
                {
                    self.software.insert(
                        node.to_string(),
                        Software {
                            ident: ident.to_string(),
                            version: version.to_string(),
                        },
                    );
                }
            }
            _ => {}
        }
    }

    /// Whether any task event came (the workers send them: `-E` or worker_send_task_events).
    pub fn saw_task_events(&self) -> bool {
        self.task_events > 0
    }

    /// Whether a heartbeat named this node's software.
    pub fn knows_software_of(&self, node: &str) -> bool {
        self.software.contains_key(node)
    }

    /// The sample, `seconds` long; each run named from its `task-received` where that came.
    pub fn finish(self, seconds: f64) -> EventSample {
        let names = self.names;
        EventSample {
            seconds,
            not_sampled: None,
            task_events: self.task_events,
            runs: self
                .runs
                .into_iter()
                .map(|r| TaskRun {
                    name: names.get(&r.id).cloned(),
                    ..r
                })
                .collect(),
            software: self.software,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages captured from a real Celery 5.7.0 worker started with -E (prefork, concurrency
    /// 2) while it ran add(1, 2), sleep(0) and sleep(1.5): heartbeats, and task events buffered
    /// into `task.multi` lists.
    fn recorded() -> Vec<(String, String)> {
        let text = include_str!("../tests/fixtures/workers/events-celery-5.7.json");
        let v: Vec<Value> = serde_json::from_str(text).unwrap();
        v.iter()
            .map(|m| {
                (
                    m["routing_key"].as_str().unwrap().to_string(),
                    m["body"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn a_real_stream_gives_runtimes_by_name_and_the_version() {
        let mut c = Collector::default();
        for (_, body) in recorded() {
            c.feed_bytes(body.as_bytes());
        }
        assert!(c.saw_task_events());
        assert!(c.knows_software_of("evcap@vm"));
        let s = c.finish(6.0);
        let runs: Vec<(Option<&str>, f64)> = s
            .runs
            .iter()
            .map(|r| (r.name.as_deref(), (r.runtime * 10.0).round() / 10.0))
            .collect();
        assert_eq!(
            runs,
            vec![
                (Some("celtool_testapp.add"), 0.0),
                (Some("celtool_testapp.sleep"), 0.0),
                (Some("celtool_testapp.sleep"), 1.5),
            ]
        );
        assert!(s.runs.iter().all(|r| r.node == "evcap@vm"));
        // received + started + succeeded for three tasks
        assert_eq!(s.task_events, 9);
        let sw = &s.software["evcap@vm"];
        assert_eq!(
            (sw.ident.as_str(), sw.version.as_str()),
            ("py-celery", "5.7.0")
        );
        assert_eq!(sw.celery_version(), Some((5, 7, 0)));
    }

    #[test]
    fn heartbeats_alone_name_the_software_and_no_task_event() {
        let mut c = Collector::default();
        for (rk, body) in recorded() {
            if rk == "worker.heartbeat" {
                c.feed_bytes(body.as_bytes());
            }
        }
        assert!(!c.saw_task_events());
        let s = c.finish(2.0);
        assert!(s.runs.is_empty());
        assert_eq!(s.software["evcap@vm"].celery_version(), Some((5, 7, 0)));
    }

    #[test]
    fn kombus_redis_envelope_carries_the_event_in_base64() {
        use base64::Engine;
        let (_, body) = recorded()
            .into_iter()
            .find(|(rk, _)| rk == "task.multi")
            .unwrap();
        let envelope = serde_json::json!({
            "body": base64::engine::general_purpose::STANDARD.encode(&body),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {"hostname": "evcap@vm"},
            "properties": {"body_encoding": "base64", "delivery_mode": 2},
        });
        let mut c = Collector::default();
        c.feed_kombu_envelope(envelope.to_string().as_bytes());
        c.feed_kombu_envelope(b"{\"body\": 3}");
        assert!(c.saw_task_events());
        let mut s = c.finish(2.0);
        s.mark_quiet(false);
        assert_eq!(s.not_sampled, None);
        let mut quiet = Collector::default().finish(2.0);
        quiet.mark_quiet(true);
        assert_eq!(
            quiet.not_sampled.as_deref(),
            Some("task events are on but no task ran during the 2.0s sample")
        );
    }

    #[test]
    fn junk_and_other_software_are_ignored() {
        let mut c = Collector::default();
        c.feed_bytes(b"not json");
        c.feed_bytes(
            br#"{"type": "task-succeeded", "uuid": "x", "hostname": "w", "runtime": "slow"}"#,
        );
        c.feed_bytes(
            br#"[{"type": "task-succeeded", "uuid": "y", "hostname": "w", "runtime": -1}]"#,
        );
        c.feed_bytes(br#"{"type": "worker-heartbeat", "hostname": "g@h", "sw_ident": "go-celery", "sw_ver": "1.0"}"#);
        let s = c.finish(1.0);
        assert!(s.runs.is_empty());
        assert_eq!(s.task_events, 2);
        assert_eq!(s.software["g@h"].celery_version(), None);
        assert_eq!(version_numbers("5.6.0rc1"), Some((5, 6, 0)));
        assert_eq!(version_numbers("5.5"), Some((5, 5, 0)));
        assert_eq!(version_numbers("x"), None);
    }
}
