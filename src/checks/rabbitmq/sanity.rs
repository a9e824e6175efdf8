//! Missing and impossible values: what the broker should have sent and did not, or sent as a
//! number no broker can have (a node without mem_limit, `consumers: -1`, `1e308` messages), or
//! as no object where an object belongs (`object_totals: [1]`, `message_stats: 5`), is said as
//! an unknown finding naming the field, never a silent ok or a silent empty; figures a broker
//! leaves out on purpose (its statistics turned off) are said as "not published", which is ok:
//! a healthy broker configured that way must not exit 3. Records that did not decode at all
//! are counted.

use super::Ctx;
use crate::rabbitmq::records::{Node, Queue, Shapes, plausible_bytes, plausible_count, subject};
use crate::report::{Finding, Severity};

/// How many records a summary names before "and N more".
const NAMED: usize = 5;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    overview(ctx, out);
    for node in &ctx.snap.nodes {
        node_values(node, out);
    }
    node_memory(ctx, out);
    queues(ctx, out);
    unlisted(ctx, out);
    connections(ctx, out);
    other_listings(ctx, out);
    for (what, n) in &ctx.snap.skipped {
        out.push(
            Finding::new("broker.api.skipped", Severity::Warn, *what)
                .summary(format!(
                    "{n} record(s) of the {what} listing were not the JSON expected and were left out; the checks ran on the rest"
                ))
                .evidence("records_skipped", *n as f64)
                .remedy("see `celtool explain broker.api.skipped`; report the broker version and the record (curl -u USER URL/api/...) to celtool"),
        );
    }
}

/// A number as the broker sent it, short: `-7`, `0.5`, `1e308`.
fn show(v: f64) -> String {
    if v.abs() < 1e15 {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn unknown(subject: &str, summary: String) -> Finding {
    Finding::new("broker.api.value", Severity::Unknown, subject)
        .summary(summary)
        .remedy("see `celtool explain broker.api.value`: the checks of these figures were skipped")
}

fn overview(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(ov) = &ctx.snap.overview else { return };
    let subject = ov.node.as_deref().unwrap_or(ctx.snap.host.as_str());
    match ov.version() {
        None => out.push(unknown(
            subject,
            "the overview (/api/overview) has no rabbitmq_version: the broker should always send it; the version check was skipped".into(),
        )),
        Some(v) if ov.major_minor().is_none() => out.push(unknown(
            subject,
            format!(
                "the overview (/api/overview) has rabbitmq_version {v:?}, which is no MAJOR.MINOR version: the version and RabbitMQ 4.x readiness checks were skipped"
            ),
        )),
        Some(_) => {}
    }
    if ov.object_totals.is_not_an_object() {
        out.push(unknown(
            subject,
            "the overview (/api/overview) sent object_totals that is not an object (nor null or []): the broker's object counts are unknown, so the wait for the listings was not sized to them".into(),
        ));
    }
    if ov.rates_mode.as_deref() == Some("none") {
        out.push(
            Finding::new("broker.stats.off", Severity::Ok, subject)
                .summary("message rates are not published by this broker (management.rates_mode = none): drain, redelivery and event-traffic checks use totals or are skipped"),
        );
    }
}

/// The node's figures that are missing, zero where they cannot be, or impossible.
fn node_values(node: &Node, out: &mut Vec<Finding>) {
    let Some(name) = node.name.as_deref() else {
        out.push(unknown(
            "(unnamed node)",
            "a node record (/api/nodes) has no name: the broker should always send it; its checks were skipped".into(),
        ));
        return;
    };
    if node.running == Some(false) {
        return;
    }
    let pairs = [
        ("mem_used", node.mem_used, "mem_limit", node.mem_limit, true),
        ("fd_used", node.fd_used, "fd_total", node.fd_total, false),
        (
            "proc_used",
            node.proc_used,
            "proc_total",
            node.proc_total,
            false,
        ),
        (
            "disk_free",
            node.disk_free,
            "disk_free_limit",
            node.disk_free_limit,
            true,
        ),
    ];
    if pairs
        .iter()
        .all(|(_, u, _, l, _)| u.is_none() && l.is_none())
    {
        out.push(
            Finding::new("broker.stats.off", Severity::Ok, name)
                .summary(format!(
                    "{name} publishes no memory, disk, descriptor or process figures: not published by this broker (the management metrics collector is off); their headroom checks were skipped"
                )),
        );
        return;
    }
    let mut wrong = Vec::new();
    for (used_name, used, limit_name, limit, is_bytes) in pairs {
        let ok = |v: f64| {
            if is_bytes {
                plausible_bytes(v)
            } else {
                plausible_count(v)
            }
        };
        match (used, limit) {
            (None, None) => wrong.push(format!("no {used_name} nor {limit_name}")),
            (Some(_), None) => wrong.push(format!("no {limit_name}")),
            (None, Some(_)) => wrong.push(format!("no {used_name}")),
            (Some(_), Some(_)) => {}
        }
        if let Some(u) = used.filter(|v| !ok(*v)) {
            wrong.push(format!("{used_name} {} (impossible)", show(u)));
        }
        if let Some(l) = limit {
            // A node always has a memory limit, descriptors and processes; a disk limit of 0
            // is a (bad) setting, not an impossible value.
            if !ok(l) || (l == 0.0 && limit_name != "disk_free_limit") {
                wrong.push(format!("{limit_name} {} (impossible)", show(l)));
            }
        }
    }
    if !wrong.is_empty() {
        out.push(unknown(
            name,
            format!(
                "{name} sent {}: its headroom checks for those were skipped",
                wrong.join(", ")
            ),
        ));
    }
}

/// A node's memory breakdown, or its total, sent as no object: the management plugin's share
/// of the node's memory was not judged.
fn node_memory(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (node, mem) in &ctx.snap.node_memory {
        let fields = mem.not_objects();
        if fields.is_empty() {
            continue;
        }
        out.push(unknown(
            node,
            format!(
                "the memory breakdown of {node} (/api/nodes/{node}/memory) sent {} that is not an object: broker.mgmt.memory was skipped for {node}",
                fields.join(" and ")
            ),
        ));
    }
}

/// `field not an object` for each of a record's fields that arrived as no object.
fn not_objects(record: &impl Shapes) -> Vec<String> {
    record
        .not_objects()
        .into_iter()
        .map(|f| format!("{f} not an object"))
        .collect()
}

/// Names and wrong fields of the records of one listing, summed into one finding.
fn listing(what: &str, bad: Vec<(String, Vec<String>)>, out: &mut Vec<Finding>) {
    let Some((first, _)) = bad.first() else {
        return;
    };
    let subject = first.clone();
    let missing = bad
        .iter()
        .any(|(_, fields)| fields.iter().any(|f| f.starts_with("no ")));
    let mut named: Vec<String> = bad
        .iter()
        .take(NAMED)
        .map(|(name, fields)| format!("{name} {}", fields.join(", ")))
        .collect();
    if bad.len() > NAMED {
        named.push(format!("and {} more", bad.len() - NAMED));
    }
    out.push(
        unknown(
            &subject,
            format!(
                "{} {what} record(s) with {} values: {}; those figures were not used",
                bad.len(),
                if missing {
                    "missing or impossible"
                } else {
                    "impossible"
                },
                named.join("; ")
            ),
        )
        .evidence("records", bad.len() as f64),
    );
}

fn field(name: &str, v: Option<f64>, ok: impl Fn(f64) -> bool, into: &mut Vec<String>) {
    if let Some(v) = v.filter(|v| !ok(*v)) {
        into.push(format!("{name}={}", show(v)));
    }
}

/// A count every record of its listing carries: its absence is named (`no consumers`) like
/// an impossible value, since the checks would otherwise read it as 0.
fn count_field(name: &str, v: Option<f64>, into: &mut Vec<String>) {
    match v {
        None => into.push(format!("no {name}")),
        v => field(name, v, plausible_count, into),
    }
}

/// A queue record that lacks one whole group of statistics: the broker has not collected them
/// yet (it was declared within the last collect_statistics_interval, 5 s by default, as
/// Celery's reply and event queues constantly are) or its metrics collector is off. The
/// management agent sends two groups apart, in either order: the message counts
/// (`queue_coarse_metrics`: messages_ready, messages_unacknowledged) and the rest
/// (`queue_metrics`: state, consumers). What such a record lacks is unknown and judged by no
/// check, but nothing was lost on the way: ok, said. A queue whose node is down says
/// `state: down` and is judged by broker.queue.state; one count alone missing is a value lost
/// on the way (a proxy, an older API) and stays unknown.
fn no_statistics_yet(q: &Queue) -> bool {
    let no_state = q.state.is_none() && q.consumers.get().is_none();
    let no_counts = q.messages_ready.get().is_none()
        && q.messages_unacknowledged.get().is_none()
        && q.state.as_deref() != Some("down");
    no_state || no_counts
}

fn queues(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut bad = Vec::new();
    let mut fresh = Vec::new();
    for q in &ctx.snap.queues {
        let mut fields = not_objects(q);
        if no_statistics_yet(q) {
            // Known from the definitions only: broker.queues.unlisted says so.
            if ctx.snap.unlisted.is_none() {
                fresh.push(q.subject());
            }
        } else {
            count_field("messages_ready", q.messages_ready.get(), &mut fields);
            count_field(
                "messages_unacknowledged",
                q.messages_unacknowledged.get(),
                &mut fields,
            );
            count_field("consumers", q.consumers.get(), &mut fields);
        }
        if !fields.is_empty() {
            bad.push((q.subject(), fields));
        }
    }
    listing("queue", bad, out);
    if let Some(first) = fresh.first() {
        let mut named: Vec<String> = fresh.iter().take(NAMED).cloned().collect();
        if fresh.len() > NAMED {
            named.push(format!("and {} more", fresh.len() - NAMED));
        }
        out.push(
            Finding::new("broker.stats.off", Severity::Ok, first)
                .summary(format!(
                    "{} queue(s) without all their statistics yet (no message counts, or no state and consumer count: declared since the broker last collected statistics, or its metrics collector is off): {}; what they lack is unknown and was not judged",
                    fresh.len(),
                    named.join(", ")
                ))
                .evidence("records", fresh.len() as f64),
        );
    }
}

/// The definitions stood in for a queue listing the broker did not answer in time: one finding
/// per vhost, saying what was read and what stays unknown.
fn unlisted(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(u) = &ctx.snap.unlisted else { return };
    for v in &u.vhosts {
        let others = v.queues - v.read;
        let rest = match v.messages {
            _ if v.others_empty => format!(
                "they hold all {} of the vhost's messages, so the other {others} hold none",
                v.in_read
            ),
            Some(m) => format!(
                "{} of the vhost's {m} messages sit in the other {others}, whose counts are unknown and were not judged",
                m.saturating_sub(v.in_read)
            ),
            None => format!(
                "the vhost's totals did not answer, so the counts of the other {others} are unknown and were not judged"
            ),
        };
        let mut f = Finding::new("broker.queues.unlisted", Severity::Warn, v.vhost.as_str())
            .summary(format!(
                "the queue listing of vhost {} {}: its definitions stood in, {} queue(s) judged by name, arguments and policy; {} read one by one (consumed, worker mailboxes, task queues): {rest}",
                v.vhost, u.cause, v.queues, v.read
            ))
            .evidence("queues", v.queues as f64)
            .evidence("queues_read", v.read as f64)
            .remedy("see `celtool explain broker.queues.unlisted`: remove the queues that pile up or split the vhost; to have doctor list them anyway, raise management.tcp.idle_timeout in rabbitmq.conf (e.g. 300000) and [thresholds.\"broker.queues.unlisted\"] warn");
        if let Some(m) = v.messages {
            f = f
                .evidence("messages", m as f64)
                .evidence("messages_unread", m.saturating_sub(v.in_read) as f64);
        }
        out.push(f);
    }
}

fn connections(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut bad = Vec::new();
    for c in &ctx.snap.connections {
        let mut fields = not_objects(c);
        field("timeout", c.timeout, plausible_count, &mut fields);
        field("channels", c.channels, plausible_count, &mut fields);
        if !fields.is_empty() {
            bad.push((c.peer(), fields));
        }
    }
    listing("connection", bad, out);
}

/// Consumers, exchanges and channels whose object fields arrived as no object: the links and
/// rates they carry (which queue a consumer reads, an exchange's event traffic, a channel's
/// confirms) are unknown, not absent.
fn other_listings(ctx: &Ctx, out: &mut Vec<Finding>) {
    let consumers = wrong_records(&ctx.snap.consumers, |c| match c.queue_key() {
        Some((vhost, queue)) => format!("consumer of {}", subject(&vhost, &queue)),
        None if !c.connection_name().is_empty() => format!("consumer on {}", c.connection_name()),
        None => "(a consumer)".to_string(),
    });
    listing("consumer", consumers, out);
    let exchanges = wrong_records(&ctx.snap.exchanges, |e| {
        subject(e.vhost.as_deref().unwrap_or("/"), e.name())
    });
    listing("exchange", exchanges, out);
    let channels = wrong_records(&ctx.snap.channels, |c| c.name().to_string());
    listing("channel", channels, out);
}

/// (name, fields not an object) of the records that have any; the name made only for those.
fn wrong_records<T: Shapes>(
    records: &[T],
    name: impl Fn(&T) -> String,
) -> Vec<(String, Vec<String>)> {
    records
        .iter()
        .filter_map(|r| {
            let fields = not_objects(r);
            (!fields.is_empty()).then(|| (name(r), fields))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::report::Severity;
    use serde_json::json;

    fn node(v: serde_json::Value) -> crate::rabbitmq::records::Node {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn empty_overview_and_node_are_unknown_not_silent() {
        let mut snap = snapshot();
        snap.overview = Some(Default::default());
        snap.nodes = vec![node(json!({}))];
        let p = problems(&run(&snap));
        assert_eq!(
            p,
            vec![
                (
                    "broker.api.value",
                    Severity::Unknown,
                    "(unnamed node)".into()
                ),
                ("broker.api.value", Severity::Unknown, "broker.test".into()),
            ]
        );
    }

    #[test]
    fn zero_limits_are_named() {
        let mut snap = snapshot();
        snap.nodes = vec![node(json!({"name": "rabbit@n", "running": true,
            "mem_used": 5, "mem_limit": 0, "fd_used": 3, "fd_total": 0, "proc_used": 9,
            "proc_total": 0, "disk_free": 9, "disk_free_limit": 5}))];
        let f = run(&snap);
        let u = f.iter().find(|f| f.id == "broker.api.value").unwrap();
        assert_eq!(u.subject, "rabbit@n");
        for name in ["mem_limit 0", "fd_total 0", "proc_total 0"] {
            assert!(u.summary.contains(name), "{}", u.summary);
        }
    }

    #[test]
    fn statistics_off_is_said_and_stays_ok() {
        let mut snap = snapshot();
        snap.nodes = vec![node(json!({"name": "rabbit@n", "running": true}))];
        let f = run(&snap);
        let s = f.iter().find(|f| f.id == "broker.stats.off").unwrap();
        assert_eq!(s.severity, Severity::Ok);
        assert!(s.summary.contains("not published by this broker"));
        assert_eq!(problems(&f), vec![]);
    }

    #[test]
    fn impossible_queue_values_are_unknown_and_printed_short() {
        let mut snap = snapshot();
        snap.queues = vec![
            queue(json!({"name": "celery", "vhost": "/", "consumers": -1,
                "messages_ready": 1e308})),
            queue(json!({"name": "fine", "vhost": "/", "consumers": 1})),
        ];
        let f = run(&snap);
        let u = f.iter().find(|f| f.id == "broker.api.value").unwrap();
        assert_eq!(u.subject, "/celery");
        assert!(u.summary.contains("consumers=-1"), "{}", u.summary);
        assert!(u.summary.contains("messages_ready=1e308"), "{}", u.summary);
        // The impossible figures feed no other check.
        assert_eq!(
            problems(&f),
            vec![("broker.api.value", Severity::Unknown, "/celery".into())]
        );
    }

    #[test]
    fn missing_counts_are_unknown_never_zero() {
        let mut snap = snapshot();
        // As a proxy or a down node leaves them: no messages_ready; one without any count.
        snap.queues = vec![
            record(json!({"name": "jobs", "vhost": "v", "consumers": 0,
                "messages_unacknowledged": 0})),
            record(json!({"name": "celeryev.1", "vhost": "v", "state": "down"})),
            // Declared a moment ago: no statistics yet, said as ok, its counts unknown; 3.10
            // sends the message counts and the state with consumers apart, in either order.
            record(json!({"name": "celeryev.2", "vhost": "v"})),
            record(
                json!({"name": "celeryev.3", "vhost": "v", "state": "running",
                "consumers": 0}),
            ),
            record(json!({"name": "work", "vhost": "v", "messages_ready": 4,
                "messages_unacknowledged": 0})),
        ];
        let f = run(&snap);
        assert_eq!(
            problems(&f),
            vec![
                ("broker.api.value", Severity::Unknown, "v/jobs".into()),
                ("broker.queue.state", Severity::Crit, "v/celeryev.1".into()),
                ("events.no-ttl", Severity::Warn, "v/celeryev.1".into()),
                ("events.no-ttl", Severity::Warn, "v/celeryev.2".into()),
                ("events.no-ttl", Severity::Warn, "v/celeryev.3".into()),
            ]
        );
        let s = f.iter().find(|f| f.id == "broker.stats.off").unwrap();
        assert_eq!(
            (s.severity, s.subject.as_str()),
            (Severity::Ok, "v/celeryev.2")
        );
        assert!(
            s.summary.starts_with(
                "3 queue(s) without all their statistics yet (no message counts, or no state"
            ),
            "{}",
            s.summary
        );
        assert!(
            s.summary.contains(": v/celeryev.2, v/celeryev.3, v/work;"),
            "{}",
            s.summary
        );
        let u = f.iter().find(|f| f.id == "broker.api.value").unwrap();
        assert_eq!(
            u.summary,
            "2 queue record(s) with missing or impossible values: v/jobs no messages_ready; v/celeryev.1 no messages_ready, no messages_unacknowledged, no consumers; those figures were not used"
        );
        let t = f.iter().find(|f| f.id == "events.no-ttl").unwrap();
        assert_eq!(
            t.summary,
            "event queue v/celeryev.1 has no message TTL or expiry (arguments or policy): message count unknown, consumers unknown"
        );
        assert!(!t.evidence.contains_key("messages_ready"));
    }

    #[test]
    fn a_version_that_is_no_version_is_unknown() {
        let mut snap = snapshot();
        snap.overview = Some(crate::rabbitmq::records::Overview {
            rabbitmq_version: Some("12".into()),
            node: Some("rabbit@n".into()),
            ..Default::default()
        });
        let f = run(&snap);
        assert_eq!(
            problems(&f),
            vec![("broker.api.value", Severity::Unknown, "rabbit@n".into())]
        );
        assert_eq!(
            f[0].summary,
            r#"the overview (/api/overview) has rabbitmq_version "12", which is no MAJOR.MINOR version: the version and RabbitMQ 4.x readiness checks were skipped"#
        );
    }

    #[test]
    fn a_field_that_is_no_object_is_unknown_not_empty() {
        fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
            serde_json::from_value(v).unwrap()
        }
        let mut snap = snapshot();
        snap.overview = Some(decode(json!({"rabbitmq_version": "3.10.8",
            "node": "rabbit@n", "object_totals": [1]})));
        snap.node_memory = vec![("rabbit@n".into(), decode(json!({"memory": 7})))];
        snap.queues = vec![
            queue(json!({"name": "celery", "vhost": "/", "message_stats": 5,
                "arguments": "x"})),
            queue(json!({"name": "ok", "vhost": "/", "message_stats": {
                "publish_details": [2], "deliver_get_details": {"rate": 1.0}}})),
        ];
        snap.connections = vec![decode(json!({"name": "c1", "peer_host": "10.0.0.1",
            "peer_port": 4000, "client_properties": true}))];
        snap.consumers = vec![decode(json!({"queue": [1],
            "channel_details": {"connection_name": "c1"}}))];
        snap.exchanges = vec![decode(json!({"name": "celeryev", "vhost": "v",
            "message_stats": {"publish_out_details": 3}}))];
        snap.channels = vec![decode(json!({"name": "c1 (1)", "connection_details": "x"}))];
        let f = run(&snap);
        let unknown: Vec<(&str, &str)> = f
            .iter()
            .filter(|f| f.id == "broker.api.value")
            .map(|f| (f.subject.as_str(), f.summary.as_str()))
            .collect();
        assert_eq!(
            unknown,
            vec![
                (
                    "rabbit@n",
                    "the overview (/api/overview) sent object_totals that is not an object (nor null or []): the broker's object counts are unknown, so the wait for the listings was not sized to them"
                ),
                (
                    "rabbit@n",
                    "the memory breakdown of rabbit@n (/api/nodes/rabbit@n/memory) sent memory that is not an object: broker.mgmt.memory was skipped for rabbit@n"
                ),
                (
                    "/celery",
                    "2 queue record(s) with impossible values: /celery arguments not an object, message_stats not an object; /ok message_stats.publish_details not an object; those figures were not used"
                ),
                (
                    "10.0.0.1:4000",
                    "1 connection record(s) with impossible values: 10.0.0.1:4000 client_properties not an object; those figures were not used"
                ),
                (
                    "consumer on c1",
                    "1 consumer record(s) with impossible values: consumer on c1 queue not an object; those figures were not used"
                ),
                (
                    "v/celeryev",
                    "1 exchange record(s) with impossible values: v/celeryev message_stats.publish_out_details not an object; those figures were not used"
                ),
                (
                    "c1 (1)",
                    "1 channel record(s) with impossible values: c1 (1) connection_details not an object; those figures were not used"
                ),
            ]
        );
        // RabbitMQ's own spellings of "nothing" are not said.
        snap.overview = Some(decode(json!({"rabbitmq_version": "3.10.8",
            "node": "rabbit@n", "object_totals": []})));
        snap.node_memory = vec![(
            "rabbit@n".into(),
            decode(json!({"memory": "not_available"})),
        )];
        snap.queues = vec![queue(
            json!({"name": "celery", "vhost": "/", "message_stats": [],
            "arguments": [], "effective_policy_definition": null}),
        )];
        snap.connections = vec![decode(json!({"name": "c1", "client_properties": []}))];
        snap.consumers = vec![decode(json!({"queue": {"name": "celery", "vhost": "/"},
            "channel_details": []}))];
        snap.exchanges = vec![decode(json!({"name": "celeryev", "message_stats": []}))];
        snap.channels = vec![decode(json!({"name": "c1 (1)", "message_stats": []}))];
        assert_eq!(problems(&run(&snap)), vec![]);
    }
}
