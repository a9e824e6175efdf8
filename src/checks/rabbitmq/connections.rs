//! Connection checks: blocked by an alarm, throttled by flow control, heartbeats off, top talkers.

use std::collections::BTreeMap;

use super::{Ctx, level};
use crate::rabbitmq::classify::ConnectionKind;
use crate::rabbitmq::records::Connection;
use crate::report::{Finding, Severity};
use crate::text::fmt_bytes;

/// How many connections a summary names before "and N more".
const NAMED: usize = 5;
/// How many top talkers doctor reports.
const TOP: usize = 3;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut by_vhost: BTreeMap<&str, Vec<&Connection>> = BTreeMap::new();
    for c in &ctx.snap.connections {
        by_vhost
            .entry(c.vhost.as_deref().unwrap_or("/"))
            .or_default()
            .push(c);
    }
    for (vhost, conns) in &by_vhost {
        blocked(ctx, vhost, conns, out);
        flow(ctx, vhost, conns, out);
        heartbeat(ctx, vhost, conns, out);
    }
    top_talkers(ctx, out);
}

fn who(ctx: &Ctx, conns: &[&Connection]) -> String {
    who_with(ctx, conns, |_| String::new())
}

/// [`who`], each connection's note (`, in flow in 1 of 3 reads`) added after its kind.
fn who_with(ctx: &Ctx, conns: &[&Connection], note: impl Fn(&Connection) -> String) -> String {
    let mut names: Vec<String> = conns
        .iter()
        .take(NAMED)
        .map(|c| {
            format!(
                "{} ({}, {}{})",
                c.peer(),
                c.user.as_deref().unwrap_or("?"),
                ctx.kinds.connection_kind(c).name(),
                note(c)
            )
        })
        .collect();
    if conns.len() > NAMED {
        names.push(format!("and {} more", conns.len() - NAMED));
    }
    names.join(", ")
}

/// What one connection check selects and says.
struct Selection<'a> {
    id: &'static str,
    /// The severity when the ID has no threshold (blocked connections: always critical).
    default: Severity,
    what: &'a str,
    remedy: &'a str,
}

/// One finding for the connections of a vhost that a check selected, when their count reaches
/// the ID's threshold.
fn report(ctx: &Ctx, vhost: &str, hit: &[&Connection], sel: Selection, out: &mut Vec<Finding>) {
    if let Some(f) = finding(ctx, vhost, hit, sel, who(ctx, hit)) {
        out.push(f);
    }
}

fn finding(
    ctx: &Ctx,
    vhost: &str,
    hit: &[&Connection],
    sel: Selection,
    who: String,
) -> Option<Finding> {
    if hit.is_empty() {
        return None;
    }
    let limits = ctx.thresholds.get(sel.id);
    let severity = if limits.warn.is_none() && limits.crit.is_none() {
        sel.default
    } else {
        level(&limits, hit.len() as f64)
    };
    if severity == Severity::Ok {
        return None;
    }
    Some(
        Finding::new(sel.id, severity, vhost)
            .summary(format!(
                "{} {} in vhost {vhost}: {who}",
                hit.len(),
                sel.what
            ))
            .evidence("connections", hit.len() as f64)
            .remedy(sel.remedy),
    )
}

fn blocked(ctx: &Ctx, vhost: &str, conns: &[&Connection], out: &mut Vec<Finding>) {
    let hit: Vec<&Connection> = conns
        .iter()
        .copied()
        .filter(|c| matches!(c.state.as_deref(), Some("blocked" | "blocking")))
        .collect();
    let sel = Selection {
        id: "broker.connections.blocked",
        default: Severity::Crit,
        what: "connection(s) blocked by a resource alarm",
        remedy: "clear the memory or disk alarm (see broker.alarm.memory / broker.alarm.disk); the connections resume by themselves",
    };
    report(ctx, vhost, &hit, sel, out);
}

/// A connection is in flow when any read of its state said so (see `FlowSamples`); with more
/// than one read, each is named with how many of them showed it.
fn flow(ctx: &Ctx, vhost: &str, conns: &[&Connection], out: &mut Vec<Finding>) {
    let samples = &ctx.snap.flow;
    let hit: Vec<&Connection> = conns
        .iter()
        .copied()
        .filter(|c| c.state.as_deref() == Some("flow") || samples.in_flow(c.name()) > 0)
        .collect();
    let sel = Selection {
        id: "broker.connections.flow",
        default: Severity::Warn,
        what: "connection(s) throttled by flow control",
        remedy: "find the queue that cannot keep up (celtool queues --sort publish); cut event traffic (workers without -E, --without-gossip); check the node's disk latency",
    };
    if samples.reads < 2 {
        return report(ctx, vhost, &hit, sel, out);
    }
    let who = who_with(ctx, &hit, |c| {
        format!(
            ", in flow in {} of {} reads",
            samples.in_flow(c.name()),
            samples.reads
        )
    });
    if let Some(f) = finding(ctx, vhost, &hit, sel, who) {
        out.push(f.evidence("state_reads", samples.reads as f64));
    }
}

fn heartbeat(ctx: &Ctx, vhost: &str, conns: &[&Connection], out: &mut Vec<Finding>) {
    // A consumer without heartbeats keeps its unacknowledged messages (reserved tasks) from
    // every other consumer when its peer dies unseen. Only workers and other consumers count:
    // Celery applies broker_heartbeat to workers only, so its publishers, rpc:// result
    // consumers, `celery inspect` and monitors (Flower, `celery events`) run without heartbeats
    // by design and hold no task messages.
    let hit: Vec<&Connection> = conns
        .iter()
        .copied()
        .filter(|c| {
            c.timeout == Some(0.0)
                && ctx.kinds.is_consuming(c)
                && matches!(
                    ctx.kinds.connection_kind(c),
                    ConnectionKind::CeleryWorker | ConnectionKind::Other
                )
        })
        .collect();
    let workers = hit
        .iter()
        .any(|c| ctx.kinds.connection_kind(c) == ConnectionKind::CeleryWorker);
    let others = hit
        .iter()
        .any(|c| ctx.kinds.connection_kind(c) == ConnectionKind::Other);
    let remedy = match (workers, others) {
        (true, false) => WORKER_HEARTBEAT.to_string(),
        (false, true) => OTHER_HEARTBEAT.to_string(),
        _ => format!("celery-worker: {WORKER_HEARTBEAT}; other: {OTHER_HEARTBEAT}"),
    };
    let sel = Selection {
        id: "broker.connections.heartbeat",
        default: Severity::Warn,
        what: "consuming connection(s) run without heartbeats (timeout 0)",
        remedy: &remedy,
    };
    report(ctx, vhost, &hit, sel, out);
}

const WORKER_HEARTBEAT: &str = "set broker_heartbeat = 120 (old name BROKER_HEARTBEAT) in these workers' Celery config (Celery applies it to workers only); never 0";
const OTHER_HEARTBEAT: &str = "turn on heartbeats in these consumers' AMQP client (e.g. pika ConnectionParameters(heartbeat=60), kombu Connection(heartbeat=60) with heartbeat_check calls); the server's heartbeat setting cannot override a client that asks for 0";

fn top_talkers(ctx: &Ctx, out: &mut Vec<Finding>) {
    let id = "broker.connections.top-talkers";
    let mut conns: Vec<&Connection> = ctx
        .snap
        .connections
        .iter()
        .filter(|c| c.recv_rate() + c.send_rate() > 0.0)
        .collect();
    conns.sort_by(|a, b| {
        (b.recv_rate() + b.send_rate()).total_cmp(&(a.recv_rate() + a.send_rate()))
    });
    for c in conns.into_iter().take(TOP) {
        let total = c.recv_rate() + c.send_rate();
        let severity = level(&ctx.thresholds.get(id), total);
        let mut f = Finding::new(id, severity, c.peer())
            .summary(format!(
                "{} ({}, user {}, vhost {}) moves {}/s in, {}/s out",
                c.peer(),
                ctx.kinds.connection_kind(c).name(),
                c.user.as_deref().unwrap_or("?"),
                c.vhost.as_deref().unwrap_or("?"),
                fmt_bytes(c.recv_rate()),
                fmt_bytes(c.send_rate())
            ))
            .evidence("recv_bytes_per_second", c.recv_rate())
            .evidence("send_bytes_per_second", c.send_rate());
        if severity != Severity::Ok {
            f = f.remedy("if this is event traffic, see `celtool explain events.traffic-share`; for large task payloads set task_compression = 'gzip' (old name CELERY_MESSAGE_COMPRESSION)");
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::report::Severity;

    fn conn(json: serde_json::Value) -> crate::rabbitmq::records::Connection {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_connection_in_flow_in_any_read_is_named_with_its_count() {
        let mut snap = snapshot();
        snap.connections = vec![
            conn(
                serde_json::json!({"name": "p1", "vhost": "w", "state": "running",
                "peer_host": "10.0.0.5", "peer_port": 5000, "user": "u", "timeout": 60}),
            ),
            conn(
                serde_json::json!({"name": "p2", "vhost": "w", "state": "flow",
                "peer_host": "10.0.0.6", "peer_port": 5000, "user": "u", "timeout": 60}),
            ),
            conn(
                serde_json::json!({"name": "idle", "vhost": "w", "state": "running",
                "timeout": 60}),
            ),
        ];
        // Three reads: p1 was in flow in the first, p2 in the full listing and the last.
        snap.flow.add([
            ("p1", Some("flow")),
            ("p2", Some("running")),
            ("idle", None),
        ]);
        snap.flow
            .add([("p1", Some("running")), ("p2", Some("flow"))]);
        snap.flow
            .add([("p1", Some("running")), ("p2", Some("flow"))]);
        let f = run(&snap);
        assert_eq!(
            problems(&f),
            vec![("broker.connections.flow", Severity::Warn, "w".into())]
        );
        let flow = f
            .iter()
            .find(|f| f.id == "broker.connections.flow")
            .unwrap();
        assert_eq!(
            flow.summary,
            "2 connection(s) throttled by flow control in vhost w: 10.0.0.5:5000 (u, publisher, in flow in 1 of 3 reads), 10.0.0.6:5000 (u, publisher, in flow in 2 of 3 reads)"
        );
        assert_eq!(flow.evidence.get("state_reads"), Some(&3.0));
        // One read (a listing, a recorded snapshot): the summary as it always was.
        snap.flow = Default::default();
        let f = run(&snap);
        let flow = f
            .iter()
            .find(|f| f.id == "broker.connections.flow")
            .unwrap();
        assert_eq!(
            flow.summary,
            "1 connection(s) throttled by flow control in vhost w: 10.0.0.6:5000 (u, publisher)"
        );
    }

    #[test]
    fn blocked_flow_and_heartbeat_findings_per_vhost() {
        let mut snap = snapshot();
        snap.connections = vec![
            conn(serde_json::json!({"name": "a", "vhost": "v", "state": "blocked", "timeout": 60})),
            conn(serde_json::json!({"name": "b", "vhost": "v", "state": "blocking", "timeout": 0})),
            conn(serde_json::json!({"name": "c", "vhost": "w", "state": "flow", "timeout": 60})),
            conn(serde_json::json!({"name": "d", "vhost": "w", "state": "running", "timeout": 0})),
        ];
        // b consumes; d (a publisher without heartbeats, as Celery's producers are) does not.
        snap.consumers = vec![
            serde_json::from_value(serde_json::json!({"queue": {"name": "q", "vhost": "v"},
                "channel_details": {"connection_name": "b"}}))
            .unwrap(),
        ];
        assert_eq!(
            problems(&run(&snap)),
            vec![
                ("broker.connections.blocked", Severity::Crit, "v".into()),
                ("broker.connections.flow", Severity::Warn, "w".into()),
                ("broker.connections.heartbeat", Severity::Warn, "v".into()),
            ]
        );
    }

    #[test]
    fn heartbeat_remedies_fit_the_kind_and_clients_are_left_alone() {
        let mut snap = snapshot();
        snap.connections = ["w", "rpc", "flower", "java"]
            .iter()
            .map(|n| conn(serde_json::json!({"name": n, "vhost": "v", "timeout": 0})))
            .collect();
        let consumer = |q: &str, c: &str| {
            serde_json::from_value(serde_json::json!({"queue": {"name": q, "vhost": "v"},
                "channel_details": {"connection_name": c}}))
            .unwrap()
        };
        snap.consumers = vec![
            consumer("w1@h.celery.pidbox", "w"),
            consumer("0d5c4a9e-3b0c-4f7e-9a1d-2b3c4d5e6f70", "rpc"),
            consumer("celeryev.1", "flower"),
        ];
        let findings = run(&snap);
        let f = findings
            .iter()
            .find(|f| f.id == "broker.connections.heartbeat")
            .unwrap();
        assert_eq!(f.evidence["connections"], 1.0);
        assert!(f.remedy.starts_with("set broker_heartbeat"), "{}", f.remedy);
        assert!(!f.summary.contains("client") && !f.summary.contains("monitor"));
        // A non-Celery consumer gets the client-library remedy, not broker_heartbeat alone.
        snap.consumers.push(consumer("billing", "java"));
        let findings = run(&snap);
        let f = findings
            .iter()
            .find(|f| f.id == "broker.connections.heartbeat")
            .unwrap();
        assert_eq!(f.evidence["connections"], 2.0);
        assert!(
            f.remedy.contains("other: turn on heartbeats"),
            "{}",
            f.remedy
        );
    }

    #[test]
    fn top_talkers_are_ranked_and_warn_over_the_threshold() {
        let mut snap = snapshot();
        snap.connections = (0..5)
            .map(|i| {
                conn(
                    serde_json::json!({"name": format!("c{i}"), "peer_host": "10.0.0.1",
                    "peer_port": 1000 + i, "recv_oct_details": {"rate": (i as f64) * 3e7}}),
                )
            })
            .collect();
        let findings = run(&snap);
        let talkers: Vec<_> = findings
            .iter()
            .filter(|f| f.id == "broker.connections.top-talkers")
            .map(|f| (f.subject.as_str(), f.severity))
            .collect();
        assert_eq!(
            talkers,
            vec![
                ("10.0.0.1:1004", Severity::Warn),
                ("10.0.0.1:1003", Severity::Warn),
                ("10.0.0.1:1002", Severity::Warn),
            ]
        );
    }
}
