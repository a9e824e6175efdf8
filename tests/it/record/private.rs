//! Recordings of broker states that need node-wide changes, made on PRIVATE RabbitMQ nodes that
//! each test starts and removes (tests/cluster/harness.rs: own node names, ports, data directory
//! and Erlang cookie; the machine's own node on 5672/15672 is never addressed):
//!
//! - `memory-alarm`: one node, its memory high watermark set far below what it uses, a Celery
//!   client publishing a task every half second (its connection blocked by the alarm);
//! - `flow`: one node, three publishers sending persistent 4 KiB messages flat out into a
//!   durable queue capped at 20 000 messages: the queue, writing and dropping, cannot keep up and
//!   credit flow throttles them. The broker's credit settings are its defaults; only the
//!   publishers' TCP_USER_TIMEOUT is off (see FLOOD);
//! - `cluster-node-down`: two nodes, the task queue `celery` declared through node 2 (its
//!   classic queue lives there), node 2's app stopped;
//! - `quorum`: three nodes, the quorum task queue `celery` (3 members) and `reports` (2 members,
//!   one on node 3), node 3's app stopped: `celery` keeps its majority, `reports` loses it.
//!
//! Each is recorded once the state shows in doctor's report (see `record_when`). Node names
//! lose the process and cluster tag (`celtool-c1@localhost`); ports stay as the nodes had them
//! (random free ports, nothing the replay depends on).

// The harness brings its own copy of tests/common/run.rs and wait.rs, which support.rs has
// loaded for this binary already; the copies share no values, so the duplicate does no harm.
#[allow(clippy::duplicate_mod)]
#[path = "../../cluster/harness.rs"]
pub(super) mod harness;

use harness::Cluster;
use serde_json::{Value, json};

use super::{Bodies, problems, record_when, recording, settled};
use crate::support::{VenvProcess, wait_for};

const V: &str = "celtool-fixture";

/// How long a private node may take to show a state on a busy 2-core machine.
const SHOW: std::time::Duration = std::time::Duration::from_secs(300);

/// Node names without the process and cluster tag, as paths (`%40`) and in bodies (`@`).
fn untagged(c: &Cluster) -> impl Fn(&str) -> String {
    let (at, encoded) = (format!("-{}@", c.tag), format!("-{}%40", c.tag));
    move |s: &str| s.replace(&at, "@").replace(&encoded, "%40")
}

/// The subject of `doc`'s finding `id` (at `severity`, when given), if it has one.
fn has(doc: &Value, id: &str, severity: Option<&str>) -> Option<String> {
    doc["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == id && severity.is_none_or(|s| f["severity"] == s))
        .map(|f| f["subject"].as_str().unwrap_or("").to_string())
}

/// A cluster of `n` private nodes with the vhost V.
fn cluster(n: usize) -> Cluster {
    let c = Cluster::start(n);
    for node in &c.nodes {
        assert!(node.name.starts_with("celtool-c"), "{}", node.name);
    }
    c.add_vhost(V);
    c
}

/// The AMQP URL of V on node `i`, for the venv's programs.
fn broker(c: &Cluster, i: usize) -> String {
    format!("amqp://guest:guest@127.0.0.1:{}/{V}", c.nodes[i].amqp)
}

/// Node `i`'s name as doctor names it on the live node (tagged; the recording drops the tag).
fn node(c: &Cluster, i: usize) -> String {
    c.nodes[i].name.clone()
}

/// Wait until node 1's API lists `n` connections in V.
fn wait_connections(c: &Cluster, n: usize, what: &VenvProcess) {
    let seen = wait_for(SHOW, || {
        let (_, conns) = c.get(0, &["vhosts", V, "connections"]);
        (conns.as_array()?.len() == n).then_some(())
    });
    assert!(
        seen.is_some(),
        "{n} connection(s) never showed:\n{}",
        what.log()
    );
}

fn declare(c: &Cluster, i: usize, queue: &str, body: Value) {
    c.send(i, "PUT", &["queues", V, queue], body);
}

fn publish(c: &Cluster, queue: &str, count: usize) {
    for i in 0..count {
        let r = c.send(
            0,
            "POST",
            &["exchanges", V, "amq.default", "publish"],
            json!({"properties": {"delivery_mode": 2}, "routing_key": queue,
                   "payload": format!("m{i}"), "payload_encoding": "string"}),
        );
        assert_eq!(r["routed"], true, "message to {queue} not routed");
    }
}

/// Whether the recorded queue listing gives `queue`'s message counts: the leader of a quorum
/// queue sends them again some seconds after a member's node stops.
fn counted(read: &Bodies, queue: &str) -> bool {
    read.get(&format!("/api/queues/{V}"))
        .and_then(Value::as_array)
        .and_then(|qs| qs.iter().find(|q| q["name"] == queue))
        .is_some_and(|q| q["messages_ready"].is_u64())
}

/// A Celery client sending a task every half second (Celery declares the `celery` queue).
const TASK_SENDER: &str = "
import time
from celtool_testapp import app
while True:
    app.send_task('celtool_testapp.add', (1, 2), ignore_result=True)
    time.sleep(0.5)
";

#[test]
#[ignore = "re-records a committed fixture; run with CELTOOL_RECORD=1"]
fn memory_alarm() {
    if !recording() {
        return;
    }
    let c = cluster(1);
    let sender = VenvProcess::spawn_on(&broker(&c, 0), "python", &["-c", TASK_SENDER], &[]);
    wait_connections(&c, 1, &sender);
    // The node is removed with its settings when `c` is dropped.
    c.ctl(0, &["set_vm_memory_high_watermark", "0.0001"]);
    let n1 = node(&c, 0);
    record_when(
        "memory-alarm",
        &c.nodes[0].url(),
        V,
        &untagged(&c),
        |doc, read| {
            has(doc, "broker.alarm.memory", Some("crit")).as_deref() == Some(n1.as_str())
                && has(doc, "broker.connections.blocked", Some("crit")).is_some()
                && settled(read, V)
        },
    );
    drop(sender);
}

/// A publisher sending persistent 4 KiB messages to `imports` as fast as it can. py-amqp sets
/// TCP_USER_TIMEOUT to 1 s on its sockets: a publisher throttled for longer (the broker stops
/// reading it, its send buffer fills) gets ETIMEDOUT and drops its connection, which the broker
/// goes on listing in flow. This one turns the timeout off, so the recording shows 3 live
/// publishers, not a pile of dead ones.
const FLOOD: &str = "
import os, socket, urllib.parse, amqp
u = urllib.parse.urlparse(os.environ['CELTOOL_TEST_BROKER'])
conn = amqp.Connection(host=f'{u.hostname}:{u.port}', userid=u.username, password=u.password,
                       virtual_host=urllib.parse.unquote(u.path[1:]),
                       socket_settings={socket.TCP_USER_TIMEOUT: 0})
conn.connect()
ch = conn.channel()
msg = amqp.Message(b'x' * 4096, delivery_mode=2)
while True:
    ch.basic_publish(msg, exchange='', routing_key='imports')
";

#[test]
#[ignore = "re-records a committed fixture; run with CELTOOL_RECORD=1"]
fn flow() {
    if !recording() {
        return;
    }
    let c = cluster(1);
    declare(
        &c,
        0,
        "imports",
        json!({"durable": true, "arguments": {"x-max-length": 20000}}),
    );
    let mut publishers: Vec<VenvProcess> = (0..3)
        .map(|_| VenvProcess::spawn_on(&broker(&c, 0), "python", &["-c", FLOOD], &[]))
        .collect();
    wait_connections(&c, 3, &publishers[0]);
    record_when("flow", &c.nodes[0].url(), V, &untagged(&c), |doc, read| {
        // All three publishers throttled, in a settled listing.
        let flow = doc["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["id"] == "broker.connections.flow"));
        flow.is_some_and(|f| f["subject"] == V && f["evidence"]["connections"] == 3)
            && settled(read, V)
    });
    for p in &mut publishers {
        let alive = p.child.try_wait().ok().flatten().is_none();
        assert!(alive, "a publisher ended while recording:\n{}", p.log());
    }
}

#[test]
#[ignore = "re-records a committed fixture; run with CELTOOL_RECORD=1"]
fn cluster_node_down() {
    if !recording() {
        return;
    }
    let c = cluster(2);
    // Declared through node 2, so the classic queue lives there; `reports` lives on node 1.
    declare(&c, 1, "celery", json!({"durable": true}));
    declare(&c, 0, "reports", json!({"durable": true}));
    publish(&c, "celery", 3);
    c.ctl(1, &["stop_app"]);
    let n2 = node(&c, 1);
    record_when(
        "cluster-node-down",
        &c.nodes[0].url(),
        V,
        &untagged(&c),
        |doc, read| {
            has(doc, "broker.node.down", Some("crit")).as_deref() == Some(n2.as_str())
                && has(doc, "cluster.queue.node-down", Some("crit")).is_some()
                && counted(read, "reports")
        },
    );
}

#[test]
#[ignore = "re-records a committed fixture; run with CELTOOL_RECORD=1"]
fn quorum() {
    if !recording() {
        return;
    }
    let c = cluster(3);
    let quorum = |size: Option<u64>| {
        let mut args = json!({"x-queue-type": "quorum"});
        if let Some(n) = size {
            args["x-quorum-initial-group-size"] = json!(n);
        }
        json!({"durable": true, "arguments": args})
    };
    declare(&c, 0, "celery", quorum(None));
    // Declared through node 3: its 2 members are node 3 and one other.
    declare(&c, 2, "reports", quorum(Some(2)));
    publish(&c, "celery", 3);
    publish(&c, "reports", 3);
    let (n1, n3) = (node(&c, 0), node(&c, 2));
    let placed = wait_for(SHOW, || {
        let (_, q) = c.get(0, &["queues", V, "reports"]);
        let members = q["members"].as_array()?;
        (members.len() == 2 && members.iter().any(|m| m == n3.as_str())).then_some(())
    });
    assert!(placed.is_some(), "reports never had a member on {n3}");
    c.ctl(2, &["stop_app"]);
    record_when(
        "quorum",
        &c.nodes[0].url(),
        V,
        &untagged(&c),
        |doc, read| {
            let got = problems(doc);
            let want = [
                ("broker.node.down", "crit", n3.clone()),
                ("cluster.quorum.minority", "crit", format!("{V}/reports")),
                ("cluster.quorum.critical", "warn", n1.clone()),
            ];
            want.iter()
                .all(|(i, s, t)| got.contains(&(i.to_string(), s.to_string(), t.clone())))
                && has(doc, "cluster.quorum.no-leader", None).is_none()
                && counted(read, "celery")
        },
    );
}
