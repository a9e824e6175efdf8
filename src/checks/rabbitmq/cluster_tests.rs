//! The cluster and RabbitMQ 4 checks on recorded answers: a real 3.10 cluster
//! (tests/fixtures/rabbitmq310-cluster, captured by tests/cluster) and a 4.3 cluster written
//! from the RabbitMQ sources (tests/fixtures/rabbitmq4, see its README), plus hand-built cases.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::checks::testing;
use crate::rabbitmq::cluster::{
    ClusterFacts, DeprecatedFeature, DeprecatedUse, HealthCheck, Outcome, health_paths, outcome,
};
use crate::rabbitmq::lenient::{MergedList, merged_list};
use crate::rabbitmq::read::Snapshot;
use crate::rabbitmq::records::{Overview, Queue};
use crate::report::{Finding, Severity};

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file)).ok()
}

fn list<T: DeserializeOwned>(dir: &Path, file: &str) -> Vec<T> {
    read(dir, file)
        .map(|t| merged_list(serde_json::from_str::<MergedList<T>>(&t).expect(file)))
        .unwrap_or_default()
}

/// `cluster.json` as the gathering would have produced it.
fn facts(v: &Value, overview: Option<&Overview>) -> ClusterFacts {
    let mut health = Vec::new();
    for (name, path) in health_paths(overview) {
        let Some(answer) = v["checks"].get(name) else {
            continue;
        };
        let status = answer["status"].as_u64().unwrap() as u16;
        let result = match status {
            404 => Err(crate::rabbitmq::client::ApiError::NotFound { url: path.clone() }),
            _ => Ok((status, answer["body"].clone())),
        };
        health.push(HealthCheck {
            name,
            path,
            outcome: outcome(result),
        });
    }
    let used = &v["deprecated_features_used"];
    let deprecated = match used["status"].as_u64() {
        Some(200) => DeprecatedUse::Used(
            serde_json::from_value::<Vec<DeprecatedFeature>>(used["body"].clone()).unwrap(),
        ),
        Some(401 | 403) => DeprecatedUse::Forbidden,
        _ => DeprecatedUse::Unsupported,
    };
    ClusterFacts {
        node: v["node"].as_str().map(str::to_string),
        health,
        deprecated,
        channels: v
            .get("channels")
            .map(|c| serde_json::from_value(c.clone()).unwrap()),
        now_unix: v["now_unix"].as_i64().unwrap_or(0),
        ..ClusterFacts::default()
    }
}

fn fixture(name: &str) -> Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let mut snap = testing::snapshot();
    snap.overview = read(&dir, "overview.json").map(|t| serde_json::from_str(&t).unwrap());
    snap.nodes = list(&dir, "nodes.json");
    snap.queues = list(&dir, "queues.json");
    snap.policies = list(&dir, "policies.json");
    snap.connections = list(&dir, "connections.json");
    snap.consumers = list(&dir, "consumers.json");
    let cluster: Value = serde_json::from_str(&read(&dir, "cluster.json").unwrap()).unwrap();
    snap.cluster = facts(&cluster, snap.overview.as_ref());
    snap
}

/// The cluster, 4.x and node-down problems, as (id, severity, subject).
fn cluster_problems(findings: &[Finding]) -> Vec<(&'static str, Severity, String)> {
    testing::problems(findings)
        .into_iter()
        .filter(|(id, _, _)| {
            id.starts_with("cluster.")
                || id.starts_with("rabbitmq4.")
                || matches!(*id, "broker.node.down" | "broker.queue.state")
        })
        .collect()
}

fn find<'a>(findings: &'a [Finding], id: &str, subject: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.id == id && f.subject == subject)
        .unwrap_or_else(|| panic!("no {id} for {subject}: {findings:#?}"))
}

const C1: &str = "celtool-c1@localhost";
const C2: &str = "celtool-c2@localhost";

#[test]
fn recorded_310_healthy_cluster() {
    let f = testing::run(&fixture("rabbitmq310-cluster/healthy"));
    assert_eq!(
        cluster_problems(&f),
        vec![("cluster.quorum.critical", Severity::Warn, C1.to_string())]
    );
    let r = find(&f, "rabbitmq4.readiness", C1);
    assert_eq!(r.severity, Severity::Ok);
    assert!(
        r.summary.starts_with(
            "upgrade plan for RabbitMQ 4 (information on 3.10, a warning from 3.13 on); change first: 1) upgrade to 3.13 first"
        ),
        "{}",
        r.summary
    );
    assert_eq!(r.evidence["changes_needed"], 4.0, "{}", r.summary);
    let h = find(&f, "cluster.health", C1);
    assert_eq!(
        (h.evidence["passed"], h.evidence["unsupported"]),
        (7.0, 2.0),
        "{}",
        h.summary
    );
}

#[test]
fn recorded_310_mirror_unsynchronised_after_restart() {
    let f = testing::run(&fixture("rabbitmq310-cluster/mirror-unsynchronised"));
    let m = find(
        &f,
        "cluster.mirror.unsynchronised",
        "celery-cluster/mirrored",
    );
    assert_eq!(m.severity, Severity::Crit);
    assert!(
        m.remedy
            .contains("rabbitmqctl sync_queue -p celery-cluster mirrored -- WARNING"),
        "{}",
        m.remedy
    );
    assert!(m.summary.contains(C2), "{}", m.summary);
}

#[test]
fn recorded_310_partition() {
    let f = testing::run(&fixture("rabbitmq310-cluster/partition"));
    let got = cluster_problems(&f);
    for want in [
        ("cluster.partition", Severity::Crit, C1.to_string()),
        ("cluster.partition", Severity::Crit, C2.to_string()),
        ("broker.node.down", Severity::Crit, C2.to_string()),
    ] {
        assert!(got.contains(&want), "{want:?} missing from {got:#?}");
    }
}

#[test]
fn recorded_310_node_stopped_with_duplicate_keys() {
    // The recording holds `online` twice for the quorum queue, as 3.10 sent it.
    let raw = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rabbitmq310-cluster/node-stopped/queues.json"),
    )
    .unwrap();
    assert!(serde_json::from_str::<Vec<Queue>>(&raw).is_err());
    let f = testing::run(&fixture("rabbitmq310-cluster/node-stopped"));
    assert_eq!(
        cluster_problems(&f),
        vec![
            ("broker.node.down", Severity::Crit, C2.to_string()),
            (
                "cluster.mirror.sync-critical",
                Severity::Warn,
                C1.to_string()
            ),
            (
                "cluster.queue.node-down",
                Severity::Crit,
                "celery-cluster/on-node2".to_string()
            ),
            ("cluster.quorum.critical", Severity::Warn, C1.to_string()),
            (
                "cluster.quorum.minority",
                Severity::Crit,
                "celery-cluster/celery".to_string()
            ),
        ]
    );
}

#[test]
fn rabbitmq4_fixture_findings() {
    let f = testing::run(&fixture("rabbitmq4"));
    let s = |x: &str| x.to_string();
    assert_eq!(
        cluster_problems(&f),
        vec![
            ("broker.node.down", Severity::Crit, s("rabbit@mq3")),
            ("cluster.cert.expiry", Severity::Warn, s("rabbit@mq1:5671")),
            ("cluster.queue.node-down", Severity::Crit, s("/legacy")),
            ("cluster.quorum.critical", Severity::Warn, s("rabbit@mq1")),
            ("cluster.quorum.minority", Severity::Crit, s("/reports")),
            ("cluster.quorum.no-leader", Severity::Crit, s("/billing")),
            ("rabbitmq4.delivery-limit", Severity::Warn, s("/celery")),
            (
                "rabbitmq4.deprecated-feature",
                Severity::Warn,
                s("global_qos")
            ),
            (
                "rabbitmq4.deprecated-feature",
                Severity::Warn,
                s("management_metrics_collection")
            ),
            (
                "rabbitmq4.deprecated-feature",
                Severity::Warn,
                s("transient_nonexcl_queues")
            ),
            ("rabbitmq4.mirroring-removed", Severity::Warn, s("/ha-all")),
            ("rabbitmq4.transient-queues", Severity::Warn, s("/")),
        ]
    );
    // The DLX'd task queue is reported as fine; no readiness verdict on a 4.x broker.
    assert_eq!(
        find(&f, "rabbitmq4.delivery-limit", "/emails").severity,
        Severity::Ok
    );
    assert!(f.iter().all(|x| x.id != "rabbitmq4.readiness"));
    let t = find(&f, "rabbitmq4.transient-queues", "/");
    assert!(t.summary.contains("celeryev.0d5c4a9e"), "{}", t.summary);
    assert!(
        !t.summary.contains("pidbox"),
        "the exclusive mailbox is fine: {}",
        t.summary
    );
    assert!(
        t.remedy
            .contains("control_queue_exclusive = True and event_queue_exclusive = True"),
        "{}",
        t.remedy
    );
    let c = find(&f, "cluster.cert.expiry", "rabbit@mq1:5671");
    assert_eq!(c.evidence["days_left"], 19.0);
    let g = find(&f, "rabbitmq4.deprecated-feature", "global_qos");
    assert!(
        g.remedy.contains("worker_detect_quorum_queues"),
        "{}",
        g.remedy
    );
    let d = find(&f, "rabbitmq4.delivery-limit", "/celery");
    assert_eq!(d.evidence["delivery_limit"], 20.0);
    assert!(d.summary.contains("dropped"), "{}", d.summary);
}

#[test]
fn an_expired_certificate_is_critical() {
    let mut snap = fixture("rabbitmq4");
    snap.cluster.now_unix = 1_800_000_000; // 2027-01-15
    let f = testing::run(&snap);
    assert_eq!(
        find(&f, "cluster.cert.expiry", "rabbit@mq1:5671").severity,
        Severity::Crit
    );
}

#[test]
fn a_313_broker_warns_what_4_refuses() {
    let mut snap = fixture("rabbitmq310-cluster/healthy");
    snap.overview.as_mut().unwrap().rabbitmq_version = Some("3.13.7".into());
    snap.cluster.channels = Some(vec![
        serde_json::from_value(json!({"name": "c1", "global_prefetch_count": 8})).unwrap(),
    ]);
    let f = testing::run(&snap);
    let r = find(&f, "rabbitmq4.readiness", C1);
    assert_eq!(r.severity, Severity::Warn);
    assert!(
        r.summary
            .starts_with("not ready for RabbitMQ 4; change first: "),
        "{}",
        r.summary
    );
    assert!(!r.summary.contains("upgrade to 3.13"), "{}", r.summary);
    assert!(
        r.summary.contains("1 channel(s) use global QoS"),
        "{}",
        r.summary
    );
    assert_eq!(
        find(&f, "rabbitmq4.transient-queues", "celery-cluster").severity,
        Severity::Warn
    );
}

#[test]
fn connections_from_one_peer_are_behind_a_proxy() {
    let mut snap = testing::snapshot();
    snap.connections = (0..6)
        .map(|i| {
            serde_json::from_value(json!({"name": format!("c{i}"), "vhost": "v",
                "peer_host": "10.0.0.9", "peer_port": 40000 + i, "state": "flow",
                "timeout": 60}))
            .unwrap()
        })
        .collect();
    let f = testing::run(&snap);
    let p = find(&f, "broker.connections.proxy", "10.0.0.9");
    assert_eq!(p.severity, Severity::Ok);
    let flow = find(&f, "broker.connections.flow", "v");
    assert!(
        flow.summary.contains("a proxy or load balancer"),
        "{}",
        flow.summary
    );
    // Two peers: no proxy.
    snap.connections[0].peer_host = Some("10.0.0.8".into());
    assert!(
        testing::run(&snap)
            .iter()
            .all(|f| f.id != "broker.connections.proxy")
    );
}

#[test]
fn a_synchronised_mirror_or_an_empty_cluster_is_quiet() {
    let mut snap = testing::snapshot();
    snap.queues = vec![testing::queue(
        json!({"name": "m", "vhost": "v", "node": "a",
        "slave_nodes": ["b"], "synchronised_slave_nodes": ["b"], "messages_ready": 5}),
    )];
    assert!(
        testing::run(&snap)
            .iter()
            .all(|f| !f.id.starts_with("cluster.") || f.severity == Severity::Ok)
    );
    // A mirror on a node that is down is no mirror: nothing to synchronise.
    snap.queues[0].replication_mut().synchronised_slave_nodes = Some(vec![]);
    snap.nodes = vec![
        serde_json::from_value(json!({"name": "a", "running": true})).unwrap(),
        serde_json::from_value(json!({"name": "b", "running": false})).unwrap(),
    ];
    assert!(
        testing::run(&snap)
            .iter()
            .all(|f| f.id != "cluster.mirror.unsynchronised")
    );
}

#[test]
fn a_missing_message_count_is_unknown_never_0() {
    let mut snap = testing::snapshot();
    snap.nodes = ["a", "b", "c"]
        .into_iter()
        .map(|n| serde_json::from_value(json!({"name": n, "running": n != "c"})).unwrap())
        .collect();
    let mirrored = |counts: Value| {
        let mut q = json!({"name": "m", "vhost": "v", "node": "a", "state": "running",
            "consumers": 1, "slave_nodes": ["b"], "synchronised_slave_nodes": []});
        q.as_object_mut()
            .unwrap()
            .extend(counts.as_object().unwrap().clone());
        testing::record(q)
    };
    let mirror = |snap: &Snapshot| {
        let f = testing::run(snap);
        let m = find(&f, "cluster.mirror.unsynchronised", "v/m");
        (
            m.severity,
            m.summary.clone(),
            m.evidence.get("messages").copied(),
        )
    };
    // Known counts: their sum, critical when there is a message to lose.
    snap.queues = vec![mirrored(
        json!({"messages_ready": 5, "messages_unacknowledged": 2}),
    )];
    let (severity, summary, messages) = mirror(&snap);
    assert_eq!(
        (severity, messages),
        (Severity::Crit, Some(7.0)),
        "{summary}"
    );
    assert!(summary.contains("all of its 7 message(s)"), "{summary}");
    // Neither count: not judged as messages at risk, not said as 0, no evidence.
    snap.queues = vec![mirrored(json!({}))];
    let (severity, summary, messages) = mirror(&snap);
    assert_eq!((severity, messages), (Severity::Warn, None), "{summary}");
    assert!(
        summary.contains("no mirror holds all of its messages (how many is unknown"),
        "{summary}"
    );
    assert!(!summary.contains(" 0 message"), "{summary}");
    // One count known and above 0: messages are at risk, however many the other adds.
    snap.queues = vec![mirrored(json!({"messages_ready": 3}))];
    let (severity, summary, messages) = mirror(&snap);
    assert_eq!((severity, messages), (Severity::Crit, None), "{summary}");
    assert!(summary.contains("how many is unknown"), "{summary}");
    // The sanity check names what is missing.
    assert!(
        testing::run(&snap)
            .iter()
            .any(|f| f.id == "broker.api.value" && f.summary.contains("no messages_unacknowledged")),
    );
    // A queue on a node that is down: its count is evidence only when known.
    let down = |counts: Value| {
        let mut q = json!({"name": "d", "vhost": "v", "node": "c", "state": "down"});
        q.as_object_mut()
            .unwrap()
            .extend(counts.as_object().unwrap().clone());
        testing::record(q)
    };
    snap.queues = vec![down(json!({}))];
    let f = testing::run(&snap);
    let d = find(&f, "cluster.queue.node-down", "v/d");
    assert_eq!(d.evidence.get("messages"), None, "{:?}", d.evidence);
    snap.queues = vec![down(
        json!({"messages_ready": 4, "messages_unacknowledged": 0}),
    )];
    let f = testing::run(&snap);
    let d = find(&f, "cluster.queue.node-down", "v/d");
    assert_eq!(d.evidence.get("messages"), Some(&4.0), "{:?}", d.evidence);
}

#[test]
fn health_checks_unsupported_everywhere_stay_quiet() {
    let mut snap = testing::snapshot();
    snap.cluster.health = health_paths(None)
        .into_iter()
        .map(|(name, path)| HealthCheck {
            name,
            path,
            outcome: Outcome::Unsupported,
        })
        .collect();
    let f = testing::run(&snap);
    assert_eq!(testing::problems(&f), vec![]);
}

#[test]
fn a_failed_vhost_check_is_critical_and_alarms_are_not_reported_twice() {
    let mut snap = testing::snapshot();
    snap.cluster.node = Some("rabbit@a".into());
    let fail = |name: &'static str| HealthCheck {
        name,
        path: format!("health/checks/{name}"),
        outcome: Outcome::Fail {
            reason: "it failed".into(),
            body: json!({}),
        },
    };
    snap.cluster.health = vec![fail("virtual-hosts"), fail("alarms"), fail("local-alarms")];
    if let Outcome::Fail { body, .. } = &mut snap.cluster.health[0].outcome {
        *body = json!({"status": "failed", "virtual-hosts": ["billing", "other-team"]});
    }
    snap.nodes = vec![
        serde_json::from_value(json!({"name": "rabbit@a", "running": true, "mem_alarm": true}))
            .unwrap(),
    ];
    let got = testing::problems(&testing::run(&snap));
    assert_eq!(
        got,
        vec![
            (
                "broker.alarm.memory",
                Severity::Crit,
                "rabbit@a".to_string()
            ),
            (
                "broker.memory.headroom",
                Severity::Crit,
                "rabbit@a".to_string()
            ),
            (
                "cluster.health",
                Severity::Crit,
                "virtual-hosts".to_string()
            ),
        ]
    );
    let f = testing::run(&snap);
    let v = find(&f, "cluster.health", "virtual-hosts");
    assert!(v.summary.contains("(billing, other-team)"), "{}", v.summary);
    // A run limited to a vhost that is up does not report other vhosts.
    snap.vhost = Some("jobs".into());
    assert!(testing::run(&snap).iter().all(|f| f.id != "cluster.health"));
    snap.vhost = Some("billing".into());
    let f = testing::run(&snap);
    let v = find(&f, "cluster.health", "virtual-hosts");
    assert!(
        v.remedy.ends_with("restart_vhost -p billing"),
        "{}",
        v.remedy
    );
}
