//! Celery's native delayed delivery on quorum queues (Celery 5.5+): the level queues as the
//! broker holds them (missing, wrong arguments, messages held past their TTL), and, with the
//! workers' `active_queues`, the path from the delivery exchange to every quorum queue they
//! consume, or the direct exchange that makes Celery skip it. Pure functions; no I/O.

use serde_json::Value;

use super::{level, shell_word};
use crate::rabbitmq::delayed::{Level, LevelQueue, Topology, level_name};
use crate::rabbitmq::read::Snapshot;
use crate::rabbitmq::records::subject;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::workers::{VhostReport, WorkerReport};

/// The arguments kombu declares a level queue with, besides its TTL and dead-letter exchange.
const LEVEL_ARGUMENTS: [(&str, &str); 3] = [
    ("x-queue-type", "quorum"),
    ("x-overflow", "reject-publish"),
    ("x-dead-letter-strategy", "at-least-once"),
];

/// `delayed.level` and `delayed.stuck` on every topology the snapshot read.
pub fn levels(snap: &Snapshot, t: &Thresholds, out: &mut Vec<Finding>) {
    for topo in &snap.delayed {
        let mut missing = Vec::new();
        let mut wrong = Vec::new();
        for (n, lvl) in topo.levels.iter().enumerate() {
            let name = level_name(&topo.prefix, n as u32);
            match lvl {
                Level::Missing => missing.push(name),
                Level::Unreadable(_) => {}
                Level::Present(q) => {
                    if let Some(why) = wrong_arguments(topo, n as u32, q) {
                        wrong.push(format!("{name} ({why})"));
                    }
                    stuck(topo, &name, n as u32, q, t, out);
                }
            }
        }
        let redeclare = format!(
            "delete the level queues named and restart one worker with task_default_queue_type = \"quorum\" in vhost {}: it declares all 28 levels at start-up (kombu's declare_native_delayed_delivery_exchanges_and_queues); see `celtool explain delayed.level`",
            topo.vhost
        );
        if !missing.is_empty() {
            out.push(
                Finding::new("delayed.level", Severity::Crit, subject(&topo.vhost, &topo.delivery_exchange()))
                    .summary(format!("{} of the 28 delayed-delivery level queues are missing ({}): an ETA or countdown task routed through them is dropped", missing.len(), missing.join(", ")))
                    .evidence("missing_levels", missing.len() as f64)
                    .remedy(redeclare.replace("delete the level queues named and ", "")),
            );
        }
        if !wrong.is_empty() {
            out.push(
                Finding::new("delayed.level", Severity::Warn, subject(&topo.vhost, &topo.delivery_exchange()))
                    .summary(format!("{} delayed-delivery level queue(s) with other arguments than Celery declares: {}", wrong.len(), wrong.join("; ")))
                    .evidence("wrong_levels", wrong.len() as f64)
                    .remedy(redeclare),
            );
        }
        if missing.is_empty() && wrong.is_empty() {
            out.push(
                Finding::new(
                    "delayed.level",
                    Severity::Ok,
                    subject(&topo.vhost, &topo.delivery_exchange()),
                )
                .summary("the 28 delayed-delivery levels are declared as Celery declares them"),
            );
        }
    }
}

/// What differs from kombu's declaration of level `n`, if anything.
fn wrong_arguments(topo: &Topology, n: u32, q: &LevelQueue) -> Option<String> {
    let args = q.arguments.as_ref();
    let arg = |k: &str| args.and_then(|a| a.get(k));
    let mut diffs = Vec::new();
    for (key, want) in LEVEL_ARGUMENTS {
        if arg(key).and_then(Value::as_str) != Some(want) {
            diffs.push(format!("{key} is {} instead of {want}", shown(arg(key))));
        }
    }
    let ttl = 1000u64 << n;
    if arg("x-message-ttl").and_then(Value::as_u64) != Some(ttl) {
        diffs.push(format!(
            "x-message-ttl is {} instead of {ttl}",
            shown(arg("x-message-ttl"))
        ));
    }
    let dlx = if n == 0 {
        topo.delivery_exchange()
    } else {
        level_name(&topo.prefix, n - 1)
    };
    if arg("x-dead-letter-exchange").and_then(Value::as_str) != Some(dlx.as_str()) {
        diffs.push(format!(
            "x-dead-letter-exchange is {} instead of {dlx}",
            shown(arg("x-dead-letter-exchange"))
        ));
    }
    (!diffs.is_empty()).then(|| diffs.join(", "))
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => "unset".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Messages of a level whose TTL ran out and that the level below has not taken.
fn stuck(
    topo: &Topology,
    name: &str,
    n: u32,
    q: &LevelQueue,
    t: &Thresholds,
    out: &mut Vec<Finding>,
) {
    let Some(held) = q.messages_dlx else { return };
    let sev = level(&t.get("delayed.stuck"), held);
    if sev == Severity::Ok {
        return;
    }
    let ttl = (1u64 << n) as f64;
    out.push(
        Finding::new("delayed.stuck", sev, subject(&topo.vhost, name))
            .summary(format!(
                "{held} message(s) in {name} outlived the level's TTL ({}) and were not taken by the level below: ETA and countdown tasks are stuck (celery/celery#9912, #10111)",
                crate::text::fmt_duration_secs(ttl)
            ))
            .evidence("messages_past_ttl", held)
            .evidence("level_ttl_seconds", ttl)
            .remedy(format!(
                "check that exchange {} and its queue exist with the arguments Celery declares (see delayed.level), that the queue below is not full (x-overflow reject-publish refuses, and at-least-once dead-lettering retries), and the worker's Celery version (delayed.celery-version); see `celtool explain delayed.stuck`",
                if n == 0 { topo.delivery_exchange() } else { level_name(&topo.prefix, n - 1) }
            )),
    );
}

/// One binding of a delayed-delivery path: exchange `source` to `destination` (an exchange or a
/// queue) with `routing_key`, in `vhost`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hop {
    pub vhost: String,
    pub source: String,
    pub destination: String,
    /// `exchange` or `queue`.
    pub destination_type: &'static str,
    pub routing_key: String,
}

/// The hops missing on the delayed-delivery paths to the quorum queues the workers of `v`
/// consume through topic exchanges, where the broker's bindings were read: what
/// `delayed.binding` reports and `doctor --fix` restores.
pub fn missing_hops(v: &VhostReport, snap: &Snapshot) -> Vec<Hop> {
    let mut out = std::collections::BTreeSet::new();
    for w in &v.workers {
        let list = w
            .reply(crate::workers::Method::ActiveQueues)
            .and_then(Value::as_array);
        for entry in list
            .into_iter()
            .flatten()
            .filter(|e| quorum(e, &v.vhost, snap))
        {
            for c in consumed(entry)
                .iter()
                .filter(|c| c.exchange_type != "direct")
            {
                let topo = snap
                    .delayed
                    .iter()
                    .find(|t| t.vhost == v.vhost && t.prefix.is_empty());
                if let Some(Topology {
                    bindings: Ok(b), ..
                }) = topo
                {
                    out.extend(hops_missing(&v.vhost, b, c));
                }
            }
        }
    }
    out.into_iter().collect()
}

fn hops_missing(
    vhost: &str,
    bindings: &[crate::rabbitmq::delayed::Binding],
    c: &Consumed,
) -> Vec<Hop> {
    let delivery = crate::rabbitmq::delayed::DELIVERY_EXCHANGE;
    let hop = |source: &str, destination: &str, kind: &'static str| Hop {
        vhost: vhost.to_string(),
        source: source.to_string(),
        destination: destination.to_string(),
        destination_type: kind,
        routing_key: c.routing_key.clone(),
    };
    [
        hop(delivery, c.exchange, "exchange"),
        hop(c.exchange, c.name, "queue"),
    ]
    .into_iter()
    .filter(|h| {
        !bindings.iter().any(|b| {
            b.is(
                &h.source,
                &h.destination,
                h.destination_type,
                &h.routing_key,
            )
        })
    })
    .collect()
}

/// One queue a worker consumes, as its `active_queues` reply describes it.
struct Consumed<'a> {
    name: &'a str,
    exchange: &'a str,
    exchange_type: &'a str,
    routing_key: String,
}

fn text<'a>(v: Option<&'a Value>, k: &str) -> Option<&'a str> {
    v.and_then(|v| v.get(k)).and_then(Value::as_str)
}

fn consumed(entry: &Value) -> Vec<Consumed<'_>> {
    let Some(name) = entry.get("name").and_then(Value::as_str) else {
        return Vec::new();
    };
    let key = |rk: Option<&str>| {
        let rk = rk.unwrap_or(name);
        if rk.starts_with('#') {
            rk.to_string()
        } else {
            format!("#.{rk}")
        }
    };
    let ex = entry.get("exchange");
    if let Some(exchange) = text(ex, "name").filter(|n| !n.is_empty()) {
        return vec![Consumed {
            name,
            exchange,
            exchange_type: text(ex, "type").unwrap_or("direct"),
            routing_key: key(entry.get("routing_key").and_then(Value::as_str)),
        }];
    }
    entry
        .get("bindings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| {
            let ex = b.get("exchange");
            Some(Consumed {
                name,
                exchange: text(ex, "name")?,
                exchange_type: text(ex, "type").unwrap_or("direct"),
                routing_key: key(b.get("routing_key").and_then(Value::as_str)),
            })
        })
        .collect()
}

/// Whether a consumed queue is a quorum queue: by the worker's declaration, else the broker's.
fn quorum(entry: &Value, vhost: &str, snap: &Snapshot) -> bool {
    let declared = entry
        .get("queue_arguments")
        .and_then(|a| a.get("x-queue-type"))
        .and_then(Value::as_str);
    let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
    declared == Some("quorum")
        || snap
            .queues
            .iter()
            .any(|q| q.vhost() == vhost && q.name() == name && q.kind.as_deref() == Some("quorum"))
}

/// The first Celery release with the fixes celtool knows of for native delayed delivery:
/// bindings that stopped at the first failing queue (celery/celery#9960, fixed in 5.6.0 by
/// #9959), messages dropped by RabbitMQ's cycle detection (#9867, fixed by #10095) and retried
/// tasks stuck by a routing key that grew on each delay (#10111).
pub const FIXED_IN: (u32, u32, u32) = (5, 7, 0);

/// `delayed.celery-version`: a worker consuming quorum queues runs a Celery with native delayed
/// delivery (5.5+) older than [`FIXED_IN`].
fn version(vhost: &VhostReport, w: &WorkerReport, out: &mut Vec<Finding>) {
    let Some((v, from)) = celery_version(vhost, w) else {
        return;
    };
    if v < (5, 5, 0) || v >= FIXED_IN {
        return;
    }
    let bugs = if v < (5, 6, 0) {
        "queues after the first one that fails to bind get no delayed-delivery binding (celery/celery#9960, fixed in 5.6.0), ETA tasks are dropped by RabbitMQ's cycle detection (#9867) and retried tasks get stuck (#10111)"
    } else {
        "ETA tasks can be dropped by RabbitMQ's cycle detection (#9867, fixed by #10095) and retried tasks get stuck (#10111)"
    };
    out.push(
        Finding::new("delayed.celery-version", Severity::Warn, w.node.clone())
            .summary(format!(
                "{} runs Celery {}.{}.{} ({from}) on quorum queues, whose native delayed delivery has known bugs: {bugs}",
                w.node, v.0, v.1, v.2
            ))
            .remedy(format!(
                "upgrade Celery (and kombu) to {}.{}.{} or later on every worker and producer; see `celtool explain delayed.celery-version`",
                FIXED_IN.0, FIXED_IN.1, FIXED_IN.2
            )),
    );
}

/// A worker's Celery version and where it came from: its `report` reply, else the `sw_ver` of
/// its heartbeat in doctor's event sample (never `hello`, which changes the worker's state).
pub fn celery_version(
    v: &VhostReport,
    w: &WorkerReport,
) -> Option<((u32, u32, u32), &'static str)> {
    if let Some(found) = w.celery_version() {
        return Some((found, "its report"));
    }
    let sw = v.events.as_ref()?.software.get(&w.node)?;
    Some((sw.celery_version()?, "sw_ver of its worker-heartbeat event"))
}

/// `delayed.binding` and `delayed.direct-exchange` for the quorum queues the workers of `v`
/// consume, and `delayed.celery-version` for those workers.
pub fn paths(v: &VhostReport, snap: &Snapshot, out: &mut Vec<Finding>) {
    let mut seen = std::collections::BTreeSet::new();
    for w in &v.workers {
        let Some(list) = w
            .reply(crate::workers::Method::ActiveQueues)
            .and_then(Value::as_array)
        else {
            continue;
        };
        if list.iter().any(|e| quorum(e, &v.vhost, snap)) {
            version(v, w, out);
        }
        for entry in list.iter().filter(|e| quorum(e, &v.vhost, snap)) {
            for c in consumed(entry) {
                if seen.insert((c.name.to_string(), c.exchange.to_string())) {
                    path(v, w, &c, snap, out);
                }
            }
        }
    }
}

/// `delayed.direct-exchange` for a quorum queue behind a direct exchange.
fn direct(v: &VhostReport, w: &WorkerReport, c: &Consumed, out: &mut Vec<Finding>) {
    let subj = subject(&v.vhost, c.name);
    out.push(
        Finding::new("delayed.direct-exchange", Severity::Warn, subj)
            .summary(format!(
                "quorum queue {} is consumed by {} through direct exchange {}: Celery's native delayed delivery skips direct exchanges, so an ETA or countdown task there is held by the worker until it is due (quorum queues do not support the global QoS that keeps such tasks from blocking)",
                c.name, w.node, c.exchange
            ))
            .remedy(format!(
                "route the queue through a topic exchange: task_default_exchange_type = \"topic\" (or Queue('{}', Exchange('{}', type='topic'), routing_key='{}') in task_queues, under a new exchange name: an exchange's type cannot change), then restart the workers; see `celtool explain delayed.direct-exchange`",
                c.name, c.exchange, c.name
            )),
    );
}

fn path(v: &VhostReport, w: &WorkerReport, c: &Consumed, snap: &Snapshot, out: &mut Vec<Finding>) {
    let subj = subject(&v.vhost, c.name);
    if c.exchange_type == "direct" {
        direct(v, w, c, out);
        return;
    }
    let Some(topo) = snap
        .delayed
        .iter()
        .find(|t| t.vhost == v.vhost && t.prefix.is_empty())
    else {
        // The delivery exchange itself is missing, or was not read.
        if snap
            .exchanges
            .iter()
            .any(|e| e.vhost.as_deref() == Some(v.vhost.as_str()))
        {
            out.push(
                Finding::new("delayed.binding", Severity::Crit, subj)
                    .summary(format!("quorum queue {} on {} exchange {} has no delayed-delivery path: exchange celery_delayed_delivery does not exist in vhost {}, so ETA and countdown tasks for it are dropped or held by the worker", c.name, c.exchange_type, c.exchange, v.vhost))
                    .remedy("restart one worker with task_default_queue_type = \"quorum\" (Celery >= 5.5): it declares the delayed-delivery exchanges and queues and binds its queues at start-up; see `celtool explain delayed.binding`"),
            );
        }
        return;
    };
    let Ok(bindings) = &topo.bindings else { return };
    let delivery = topo.delivery_exchange();
    let hop1 = bindings
        .iter()
        .any(|b| b.is(&delivery, c.exchange, "exchange", &c.routing_key));
    let hop2 = bindings
        .iter()
        .any(|b| b.is(c.exchange, c.name, "queue", &c.routing_key));
    if hop1 && hop2 {
        out.push(
            Finding::new("delayed.binding", Severity::Ok, subj).summary(format!(
                "{delivery} -> {} -> {} ({})",
                c.exchange, c.name, c.routing_key
            )),
        );
        return;
    }
    let mut missing = Vec::new();
    let mut commands = Vec::new();
    let admin = format!(
        "rabbitmqadmin --vhost={} declare binding",
        shell_word(&v.vhost)
    );
    if !hop1 {
        missing.push(format!("{delivery} -> exchange {}", c.exchange));
        commands.push(format!(
            "{admin} source={} destination={} destination_type=exchange routing_key={}",
            shell_word(&delivery),
            shell_word(c.exchange),
            shell_word(&c.routing_key)
        ));
    }
    if !hop2 {
        missing.push(format!("{} -> queue {}", c.exchange, c.name));
        commands.push(format!(
            "{admin} source={} destination={} destination_type=queue routing_key={}",
            shell_word(c.exchange),
            shell_word(c.name),
            shell_word(&c.routing_key)
        ));
    }
    out.push(
        Finding::new("delayed.binding", Severity::Crit, subj)
            .summary(format!(
                "the delayed-delivery path to quorum queue {} is broken: binding {} with key {} is missing, so every ETA or countdown task for {} is dropped when its delay ends",
                c.name, missing.join(" and "), c.routing_key, c.name
            ))
            .evidence("missing_bindings", missing.len() as f64)
            .remedy(format!(
                "celtool doctor --vhost {} --fix restores it (the plan first, journaled, undone by celtool undo); or restart a worker that consumes {} (it binds at start-up); or: {}",
                shell_word(&v.vhost),
                c.name, commands.join(" && ")
            )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declared(n: u32) -> LevelQueue {
        let dlx = if n == 0 {
            "celery_delayed_delivery".to_string()
        } else {
            level_name("", n - 1)
        };
        serde_json::from_value(json!({
            "name": level_name("", n), "type": "quorum", "messages": 0, "messages_dlx": 0,
            "arguments": {"x-queue-type": "quorum", "x-overflow": "reject-publish",
                "x-dead-letter-strategy": "at-least-once", "x-message-ttl": 1000u64 << n,
                "x-dead-letter-exchange": dlx}
        }))
        .unwrap()
    }

    fn snap(levels: Vec<Level>) -> Snapshot {
        Snapshot {
            delayed: vec![Topology {
                vhost: "v".into(),
                prefix: String::new(),
                levels,
                bindings: Ok(Vec::new()),
            }],
            ..Snapshot::default()
        }
    }

    fn run(lv: Vec<Level>) -> Vec<(&'static str, Severity, String, String)> {
        let mut out = Vec::new();
        levels(&snap(lv), &Thresholds::default(), &mut out);
        out.into_iter()
            .map(|f| (f.id, f.severity, f.subject, f.summary))
            .collect()
    }

    fn all() -> Vec<Level> {
        (0..28).map(|n| Level::Present(declared(n))).collect()
    }

    #[test]
    fn celerys_own_declaration_is_ok() {
        let found = run(all());
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), ("delayed.level", Severity::Ok));
    }

    #[test]
    fn a_missing_level_is_critical_and_other_arguments_warn() {
        let mut lv = all();
        lv[3] = Level::Missing;
        let mut q = declared(5);
        q.arguments = Some(
            serde_json::from_value(json!({"x-queue-type": "quorum",
            "x-overflow": "drop-head", "x-message-ttl": 32000,
            "x-dead-letter-exchange": "celery_delayed_4"}))
            .unwrap(),
        );
        lv[5] = Level::Present(q);
        let found = run(lv);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1), ("delayed.level", Severity::Crit));
        assert!(found[0].3.contains("(celery_delayed_3)"), "{}", found[0].3);
        assert_eq!(found[1].1, Severity::Warn);
        assert!(
            found[1].3.contains("celery_delayed_5 (x-overflow is drop-head instead of reject-publish, x-dead-letter-strategy is unset instead of at-least-once)"),
            "{}",
            found[1].3
        );
    }

    #[test]
    fn messages_past_the_ttl_are_stuck() {
        let mut lv = all();
        let mut q = declared(2);
        q.messages = Some(3.0);
        q.messages_dlx = Some(3.0);
        lv[2] = Level::Present(q);
        let found = run(lv);
        let stuck: Vec<_> = found.iter().filter(|f| f.0 == "delayed.stuck").collect();
        assert_eq!(stuck.len(), 1, "{found:?}");
        assert_eq!(
            (stuck[0].1, stuck[0].2.as_str()),
            (Severity::Crit, "v/celery_delayed_2")
        );
        assert!(
            stuck[0]
                .3
                .starts_with("3 message(s) in celery_delayed_2 outlived the level's TTL (4s)"),
            "{}",
            stuck[0].3
        );
    }

    #[test]
    fn celery_5_5_on_quorum_queues_warns_naming_the_fixed_version() {
        let replies = |report: &str| {
            [
                ("ping".to_string(), json!({"ok": "pong"})),
                (
                    "active_queues".to_string(),
                    json!([{"name": "tq", "exchange": {"name": "tq", "type": "topic"},
                        "routing_key": "tq", "queue_arguments": {"x-queue-type": "quorum"}}]),
                ),
                ("report".to_string(), json!({"ok": report})),
            ]
            .into_iter()
            .collect()
        };
        let vhost = |report: &str| VhostReport {
            vhost: "v".into(),
            workers: vec![WorkerReport::from_replies(
                "w1@h",
                "v",
                replies(report),
                0.0,
            )],
            ..VhostReport::default()
        };
        let ids = |report: &str| {
            let mut out = Vec::new();
            paths(&vhost(report), &Snapshot::default(), &mut out);
            out.into_iter()
                .filter(|f| f.id == "delayed.celery-version")
                .map(|f| (f.severity, f.summary, f.remedy))
                .collect::<Vec<_>>()
        };
        let found = ids("\nsoftware -> celery:5.5.3 (immunity) kombu:5.5.4 py:3.12.1\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, Severity::Warn);
        assert!(
            found[0]
                .1
                .starts_with("w1@h runs Celery 5.5.3 (its report) on quorum queues"),
            "{}",
            found[0].1
        );
        assert!(found[0].1.contains("#9960"), "{}", found[0].1);
        assert!(
            found[0]
                .2
                .starts_with("upgrade Celery (and kombu) to 5.7.0 or later"),
            "{}",
            found[0].2
        );
        assert!(ids("software -> celery:5.7.0 (x) kombu:5.7.0").is_empty());
        assert!(ids("software -> celery:5.4.0 (x)").is_empty());
    }

    /// The heartbeat recorded from a real Celery 5.7.0 worker (tests/fixtures/workers/
    /// events-celery-5.7.json), as is and with its sw_ver set to 5.5.2.
    fn heartbeat_sample(sw_ver: &str) -> crate::celery_events::EventSample {
        let text = include_str!("../../tests/fixtures/workers/events-celery-5.7.json");
        let messages: Vec<Value> = serde_json::from_str(text).unwrap();
        let body = messages
            .iter()
            .find(|m| m["routing_key"] == "worker.heartbeat")
            .and_then(|m| m["body"].as_str())
            .unwrap();
        let mut c = crate::celery_events::Collector::default();
        c.feed_bytes(
            body.replace("\"5.7.0\"", &format!("\"{sw_ver}\""))
                .as_bytes(),
        );
        c.finish(2.0)
    }

    #[test]
    fn without_report_the_heartbeats_sw_ver_names_the_version() {
        let vhost = |sample: Option<crate::celery_events::EventSample>| VhostReport {
            vhost: "v".into(),
            workers: vec![WorkerReport::from_replies(
                "evcap@vm",
                "v",
                [
                    ("ping".to_string(), json!({"ok": "pong"})),
                    (
                        "active_queues".to_string(),
                        json!([{"name": "tq", "exchange": {"name": "tq", "type": "topic"},
                            "routing_key": "tq", "queue_arguments": {"x-queue-type": "quorum"}}]),
                    ),
                ]
                .into_iter()
                .collect(),
                0.0,
            )],
            events: sample,
            ..VhostReport::default()
        };
        let found = |v: &VhostReport| {
            let mut out = Vec::new();
            paths(v, &Snapshot::default(), &mut out);
            out.into_iter()
                .filter(|f| f.id == "delayed.celery-version")
                .map(|f| f.summary)
                .collect::<Vec<_>>()
        };
        let old = vhost(Some(heartbeat_sample("5.5.2")));
        assert_eq!(
            celery_version(&old, &old.workers[0]),
            Some(((5, 5, 2), "sw_ver of its worker-heartbeat event"))
        );
        let summaries = found(&old);
        assert_eq!(summaries.len(), 1);
        assert!(
            summaries[0].starts_with(
                "evcap@vm runs Celery 5.5.2 (sw_ver of its worker-heartbeat event) on quorum queues"
            ),
            "{}",
            summaries[0]
        );
        assert!(found(&vhost(Some(heartbeat_sample("5.7.0")))).is_empty());
        assert!(
            found(&vhost(None)).is_empty(),
            "no report, no sample: nothing said"
        );
    }
}
