//! The broker checks on states only a private node can be put in, recorded from real RabbitMQ
//! 3.10 nodes by tests/it/record/private.rs (how each state was made is said there): a memory
//! alarm, publishers throttled by flow control, a 2-node cluster with a node down, quorum queues
//! on a 3-node cluster with a member's node down. Each test runs
//! `celtool doctor --only broker --no-workers --vhost celtool-fixture --format json` on the
//! replay and states every finding that is not ok, and the exit code.

use serde_json::Value;

use crate::replay::{Replay, Run, p};

const V: &str = "celtool-fixture";
const N1: &str = "celtool-c1@localhost";

fn doctor(r: &Replay) -> Run {
    r.celtool(&[
        "doctor",
        "--no-workers",
        "--only",
        "broker",
        "--vhost",
        V,
        "--format",
        "json",
    ])
}

fn sub(name: &str) -> String {
    format!("{V}/{name}")
}

fn finding(run: &Run, id: &str) -> Value {
    run.json()["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["id"] == id).cloned())
        .unwrap_or_else(|| panic!("no {id} finding: {run:#?}"))
}

fn summary(f: &Value) -> &str {
    f["summary"].as_str().unwrap_or("")
}

#[test]
fn a_memory_alarm_blocks_the_publisher_and_is_critical() {
    let r = Replay::start("memory-alarm");
    let run = doctor(&r);
    assert_eq!(
        run.problems(),
        vec![
            p("broker.alarm.memory", "crit", N1),
            p("broker.connections.blocked", "crit", V),
            p("broker.memory.headroom", "crit", N1),
            // The tasks sent before the alarm, which nothing consumes.
            p("queues.no-consumers", "crit", &sub("celery")),
        ],
        "{run:#?}"
    );
    assert_eq!(run.code, 2, "{run:#?}");
    let alarm = finding(&run, "broker.alarm.memory");
    assert!(
        summary(&alarm).starts_with(&format!(
            "memory alarm on {N1}: publishers are blocked cluster-wide (using "
        )),
        "{alarm:#}"
    );
    let blocked = finding(&run, "broker.connections.blocked");
    assert_eq!(blocked["evidence"]["connections"], 1, "{blocked:#}");
    assert!(
        summary(&blocked).ends_with("(guest, publisher)"),
        "{blocked:#}"
    );
    let headroom = finding(&run, "broker.memory.headroom");
    assert!(
        summary(&headroom).starts_with("memory alarm: ")
            && summary(&headroom).contains("(vm_memory_high_watermark)"),
        "{headroom:#}"
    );
    // The failed alarms and local-alarms health checks say the same alarm: not a second finding.
    assert_eq!(finding(&run, "cluster.health")["severity"], "ok");
}

#[test]
fn publishers_in_flow_are_named_with_their_reads() {
    let r = Replay::start("flow");
    let run = doctor(&r);
    assert_eq!(
        run.problems(),
        vec![
            p("broker.connections.flow", "warn", V),
            p("queues.no-consumers", "crit", &sub("imports")),
        ],
        "{run:#?}"
    );
    assert_eq!(run.code, 2, "{run:#?}");
    let flow = finding(&run, "broker.connections.flow");
    assert_eq!(
        (
            &flow["evidence"]["connections"],
            &flow["evidence"]["state_reads"]
        ),
        (&Value::from(3), &Value::from(3)),
        "{flow:#}"
    );
    let text = summary(&flow);
    assert!(
        text.starts_with("3 connection(s) throttled by flow control in vhost celtool-fixture: "),
        "{flow:#}"
    );
    assert_eq!(
        text.matches("(guest, publisher, in flow in 3 of 3 reads)")
            .count(),
        3,
        "{flow:#}"
    );
    // Read twice (the light read and the listing; the channels make the third read): every
    // publisher was already seen in flow, so no look 5.5 s later.
    let conns = ("GET".to_string(), format!("/api/vhosts/{V}/connections"));
    assert_eq!(r.counts().get(&conns), Some(&2), "{:#?}", r.counts());
}

#[test]
fn a_node_down_takes_its_classic_queue_with_it() {
    let n2 = "celtool-c2@localhost";
    let r = Replay::start("cluster-node-down");
    let run = doctor(&r);
    assert_eq!(
        run.problems(),
        vec![
            // A queue whose node is down has no counts in the API.
            p("broker.api.value", "unknown", &sub("celery")),
            p("broker.node.down", "crit", n2),
            p("cluster.queue.node-down", "crit", &sub("celery")),
        ],
        "{run:#?}"
    );
    assert_eq!(run.code, 2, "{run:#?}");
    let down = finding(&run, "cluster.queue.node-down");
    assert!(
        summary(&down).starts_with(&format!(
            "queue {V}/celery lives on {n2}, which is down, and it is not replicated"
        )),
        "{down:#}"
    );
    assert!(
        down["remedy"]
            .as_str()
            .unwrap()
            .contains(&format!("rabbitmqctl forget_cluster_node {n2}")),
        "{down:#}"
    );
    // The memory breakdown is asked of the running node only (the replay fails on any other).
    assert!(
        r.counts().contains_key(&(
            "GET".into(),
            "/api/nodes/celtool-c1%40localhost/memory".into()
        )),
        "{:#?}",
        r.counts()
    );
}

#[test]
fn quorum_queues_with_a_member_offline() {
    let n3 = "celtool-c3@localhost";
    let r = Replay::start("quorum");
    let run = doctor(&r);
    // `celery` (3 members) keeps 2 online and its leader: no finding of its own, although
    // 3.10 still lists the stopped node in its `online`. `reports` (2 members) lost one.
    assert_eq!(
        run.problems(),
        vec![
            p("broker.node.down", "crit", n3),
            p("cluster.quorum.critical", "warn", N1),
            p("cluster.quorum.minority", "crit", &sub("reports")),
            p("queues.no-consumers", "crit", &sub("celery")),
        ],
        "{run:#?}"
    );
    assert_eq!(run.code, 2, "{run:#?}");
    let minority = finding(&run, "cluster.quorum.minority");
    let e = &minority["evidence"];
    assert_eq!(
        (&e["members"], &e["online"], &e["majority"]),
        (&Value::from(2), &Value::from(1), &Value::from(2)),
        "{minority:#}"
    );
    assert!(
        summary(&minority).ends_with(&format!("(missing: {n3})")),
        "{minority:#}"
    );
    let critical = finding(&run, "cluster.quorum.critical");
    assert!(
        summary(&critical).ends_with(&format!("below their majority: {V}/celery, {V}/reports")),
        "{critical:#}"
    );
}
