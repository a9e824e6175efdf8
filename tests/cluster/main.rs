//! `celtool doctor` against a real, private 2-node RabbitMQ cluster (see harness.rs): a mirror
//! left unsynchronised by a restart, a network partition, a stopped node with the queues it
//! takes down. One cluster for the whole binary, the scenarios in sequence, because a cluster
//! costs ~30 s to form on a quiet machine. Kept out of the `it` binary so it never slows it.
//!
//! With CELTOOL_RECORD_FIXTURES=1 the API's answers in each state are written to
//! tests/fixtures/rabbitmq310-cluster/ (node names without the process and cluster tag), for the unit tests.

mod harness;

use std::collections::BTreeMap;
use std::time::Duration;

use celtool::rabbitmq::records::{Node, Overview, Queue};
use harness::{Cluster, celtool, p, run, wait_for};
use serde_json::{Value, json};

const VHOST: &str = "celery-cluster";
/// A Celery 5.6 event queue and worker mailbox, declared as such a Celery declares them.
const EVENT_QUEUE: &str = "celeryev.6f1e2d3c-4b5a-4968-8776-655443322110";
const MAILBOX: &str = "w1@worker-a.celery.pidbox";
/// Long enough for statistics (5 s) and cluster events on a busy 2-core machine.
const STATE: Duration = Duration::from_secs(180);

fn doctor(c: &Cluster, node: usize) -> (i32, Value) {
    let r = run(celtool()
        .args([
            "doctor",
            "--only",
            "broker",
            "--format",
            "json",
            "--timeout",
            "60s",
        ])
        .args(["--url", &c.nodes[node].url(), "--vhost", VHOST])
        // The workers are asked on the same node, never on the machine's own 5672.
        .args(["--amqp-url", &c.amqp_url(node)]));
    (r.code, r.json())
}

/// (id, severity, subject) of the cluster and node findings that are not ok, sorted.
fn cluster_problems(json: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "ok")
        .filter(|f| {
            let id = f["id"].as_str().unwrap_or("");
            id.starts_with("cluster.") || id.starts_with("rabbitmq4.") || id == "broker.node.down"
        })
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("id"), s("severity"), s("subject"))
        })
        .collect();
    v.sort();
    v
}

fn finding<'a>(json: &'a Value, id: &str) -> Option<&'a Value> {
    json["findings"].as_array()?.iter().find(|f| f["id"] == id)
}

/// Run doctor against node `i` until `pred` holds; panics with the last answer otherwise.
fn doctor_until(c: &Cluster, i: usize, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    let found = wait_for(STATE, || {
        let (_, json) = doctor(c, i);
        if pred(&json) {
            Some(json)
        } else {
            last = json;
            None
        }
    });
    found.unwrap_or_else(|| {
        panic!(
            "doctor never showed {what}; last answer: {:#?}",
            cluster_problems(&last)
        )
    })
}

fn set_up(c: &Cluster) {
    c.add_vhost(VHOST);
    c.send(
        0,
        "PUT",
        &["policies", VHOST, "ha-mirrored"],
        json!({"pattern": "^mirrored$", "apply-to": "queues",
               "definition": {"ha-mode": "all", "ha-sync-mode": "manual"}}),
    );
    let declare = |node: usize, name: &str, body: Value| {
        c.send(node, "PUT", &["queues", VHOST, name], body);
    };
    declare(0, "mirrored", json!({"durable": true}));
    declare(
        0,
        "celery",
        json!({"durable": true, "arguments": {"x-queue-type": "quorum"}}),
    );
    // Declared through node 2, so its master lives there.
    declare(1, "on-node2", json!({"durable": true}));
    declare(
        0,
        EVENT_QUEUE,
        json!({"durable": false, "auto_delete": false,
        "arguments": {"x-message-ttl": 5000, "x-expires": 60000}}),
    );
    declare(
        0,
        MAILBOX,
        json!({"durable": false, "auto_delete": false,
        "arguments": {"x-message-ttl": 300000, "x-expires": 10000000}}),
    );
    for q in ["mirrored", "celery"] {
        for i in 0..3 {
            let r = c.send(
                0,
                "POST",
                &["exchanges", VHOST, "amq.default", "publish"],
                json!({"properties": {"delivery_mode": 2}, "routing_key": q,
                       "payload": format!("m{i}"), "payload_encoding": "string"}),
            );
            assert_eq!(r["routed"], true, "message to {q} not routed");
        }
    }
}

/// With CELTOOL_RECORD_FIXTURES=1, write what the API answers now (with the columns celtool asks
/// for) under tests/fixtures/rabbitmq310-cluster/STATE/, node names without the process and cluster tag.
fn record(c: &Cluster, node: usize, state: &str) {
    if std::env::var_os("CELTOOL_RECORD_FIXTURES").is_none() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rabbitmq310-cluster")
        .join(state);
    std::fs::create_dir_all(&dir).unwrap();
    let tag = format!("-{}@", c.tag);
    let clean = |s: &str| s.replace(&tag, "@");
    let cols = |c: &str| format!("columns={}", c.replace(',', "%2C"));
    let lists: [(&str, Vec<&str>, Option<String>); 4] = [
        ("overview", vec!["overview"], Some(cols(Overview::COLUMNS))),
        ("nodes", vec!["nodes"], Some(cols(Node::COLUMNS))),
        ("queues", vec!["queues", VHOST], Some(cols(Queue::COLUMNS))),
        ("policies", vec!["policies", VHOST], None),
    ];
    for (name, segments, query) in lists {
        let (status, text) = c.get_text(node, &segments, query.as_deref());
        assert_eq!(status, 200, "GET {segments:?}: {text}");
        std::fs::write(dir.join(format!("{name}.json")), clean(&text) + "\n").unwrap();
    }
    let (_, overview) = c.get(node, &["overview"]);
    let overview: Overview = serde_json::from_value(overview).unwrap();
    let mut checks = BTreeMap::new();
    for (name, path) in celtool::rabbitmq::cluster::health_paths(Some(&overview)) {
        let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if path.ends_with('/') {
            segments.push("");
        }
        let (status, text) = c.get_text(node, &segments, None);
        let body: Value = serde_json::from_str(&clean(&text)).unwrap_or(Value::Null);
        checks.insert(name, json!({"status": status, "body": body}));
    }
    let (status, text) = c.get_text(node, &["deprecated-features", "used"], None);
    let cluster = json!({
        "node": clean(overview.node.as_deref().unwrap_or("")),
        "now_unix": 1796083200,
        "checks": checks,
        "deprecated_features_used": {"status": status,
            "body": serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)},
    });
    let text = serde_json::to_string_pretty(&cluster).unwrap();
    std::fs::write(dir.join("cluster.json"), text + "\n").unwrap();
}

fn sanity(c: &Cluster) {
    for n in &c.nodes {
        assert!(n.name.starts_with("celtool-c") && n.name.ends_with("@localhost"));
        for port in [n.amqp, n.dist, n.mgmt] {
            assert!(
                ![4369, 5672, 15672, 25672].contains(&port),
                "{} took port {port}",
                n.name
            );
        }
    }
    let (_, ov) = c.get(0, &["overview"]);
    assert_eq!(
        ov["node"],
        c.nodes[0].name.as_str(),
        "the API on port {} is not our node",
        c.nodes[0].mgmt
    );
}

#[test]
fn doctor_on_a_private_two_node_cluster() {
    let c = Cluster::start(2);
    sanity(&c);
    let (n1, n2) = (c.nodes[0].name.clone(), c.nodes[1].name.clone());
    set_up(&c);

    // Healthy: both nodes up, the mirror synchronised. A 2-member quorum queue is always
    // quorum-critical: stopping either node takes it below its majority.
    let json = doctor_until(&c, 0, "the healthy cluster", |j| {
        cluster_problems(j) == vec![p("cluster.quorum.critical", "warn", &n1)]
    });
    let f = finding(&json, "cluster.quorum.critical").unwrap();
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("celery-cluster/celery"),
        "{f:#}"
    );
    let r = finding(&json, "rabbitmq4.readiness").unwrap();
    assert_eq!(r["severity"], "ok", "{r:#}");
    let summary = r["summary"].as_str().unwrap();
    for needle in [
        "upgrade to 3.13 first",
        "1 policy(ies) mirror",
        "2 transient non-exclusive queue(s) (2 of them Celery's",
    ] {
        assert!(
            summary.contains(needle),
            "readiness lacks {needle:?}: {summary}"
        );
    }
    record(&c, 0, "healthy");

    mirror_unsynchronised_after_a_restart(&c, &n2);
    partition(&c, &n1, &n2);
    node_stopped(&c, &n2);
}

/// Restart node 2's app: the mirror of `mirrored` comes back empty and, with ha-sync-mode
/// manual, stays unsynchronised; no mirror holds the 3 messages.
fn mirror_unsynchronised_after_a_restart(c: &Cluster, n2: &str) {
    c.ctl(1, &["stop_app"]);
    c.ctl(1, &["start_app"]);
    c.wait_all_running();
    let json = doctor_until(c, 0, "the unsynchronised mirror", |j| {
        cluster_problems(j).contains(&p(
            "cluster.mirror.unsynchronised",
            "crit",
            "celery-cluster/mirrored",
        ))
    });
    let f = finding(&json, "cluster.mirror.unsynchronised").unwrap();
    let remedy = f["remedy"].as_str().unwrap();
    assert!(
        remedy.contains("rabbitmqctl sync_queue -p celery-cluster mirrored"),
        "{remedy}"
    );
    assert!(remedy.contains("WARNING: the queue is blocked"), "{remedy}");
    assert!(f["summary"].as_str().unwrap().contains(n2), "{f:#}");
    assert_eq!(f["evidence"]["synchronised_mirrors"], 0.0);
    record(c, 0, "mirror-unsynchronised");
}

/// Cut the nodes' distribution link from node 1: each side marks the other down and, when the
/// link comes back, both list the other in `partitions`. Healed by restarting node 2's app.
fn partition(c: &Cluster, n1: &str, n2: &str) {
    c.ctl(0, &["eval", &format!("erlang:disconnect_node('{n2}').")]);
    let json = doctor_until(c, 0, "the partition", |j| {
        cluster_problems(j).contains(&p("cluster.partition", "crit", n1))
    });
    let f = finding(&json, "cluster.partition").unwrap();
    assert!(f["summary"].as_str().unwrap().contains(n2), "{f:#}");
    record(c, 0, "partition");
    c.ctl(1, &["stop_app"]);
    c.ctl(1, &["start_app"]);
    let healed = wait_for(STATE, || {
        let (_, nodes) = c.get(0, &["nodes"]);
        let all_clear = nodes.as_array()?.iter().all(|n| {
            n["running"] == true && n["partitions"].as_array().is_none_or(|p| p.is_empty())
        });
        all_clear.then_some(())
    });
    assert!(
        healed.is_some(),
        "the partition did not heal:\n{}",
        c.log_tail(0)
    );
}

/// Stop node 2's app: the node is down, the classic queue mastered there is unavailable, and the
/// 2-member quorum queue has 1 member online, below its majority of 2.
fn node_stopped(c: &Cluster, n2: &str) {
    c.ctl(1, &["stop_app"]);
    let json = doctor_until(c, 0, "the stopped node", |j| {
        let got = cluster_problems(j);
        [
            p("broker.node.down", "crit", n2),
            p("cluster.queue.node-down", "crit", "celery-cluster/on-node2"),
            p("cluster.quorum.minority", "crit", "celery-cluster/celery"),
        ]
        .iter()
        .all(|want| got.contains(want))
    });
    let f = finding(&json, "cluster.quorum.minority").unwrap();
    assert_eq!(
        (
            &f["evidence"]["members"],
            &f["evidence"]["online"],
            &f["evidence"]["majority"]
        ),
        (&json!(2), &json!(1), &json!(2)),
        "{f:#}"
    );
    assert!(
        json["findings"].as_array().unwrap().iter().all(
            |f| !(f["id"] == "broker.queue.state" && f["subject"] == "celery-cluster/on-node2")
        ),
        "the generic queue-state finding should give way to cluster.queue.node-down"
    );
    record(c, 0, "node-stopped");
}
