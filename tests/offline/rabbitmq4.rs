//! The RabbitMQ 4.x checks on answers recorded from a REAL RabbitMQ 4.0.5 cluster (three private
//! nodes from Debian 13's packages, unpacked by bench/rmq4node.sh; recorded by
//! tests/it/record/rabbitmq4.rs, which says how each state was made), and the same checks on a
//! 3.10.8 recording, where they say once that they do not apply. Each test runs
//! `celtool doctor --only broker --no-workers --vhost celtool-fixture --format json` on the replay.

use serde_json::Value;

use crate::replay::{Replay, Run, p};

const V: &str = "celtool-fixture";
const N1: &str = "celtool-c1@localhost";
const N2: &str = "celtool-c2@localhost";

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

/// Every finding `id` of the run.
fn all(run: &Run, id: &str) -> Vec<Value> {
    run.json()["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["id"] == id).cloned().collect())
        .unwrap_or_default()
}

fn summary(f: &Value) -> &str {
    f["summary"].as_str().unwrap_or("")
}

#[test]
fn on_3_10_the_4x_checks_say_once_that_they_do_not_apply() {
    let r = Replay::start("quorum");
    let run = doctor(&r);
    for id in ["cluster.metadata-store", "cluster.quorum.sync"] {
        let found = all(&run, id);
        assert_eq!(found.len(), 1, "{id}: {found:#?}");
        assert_eq!(found[0]["severity"], "ok", "{:#}", found[0]);
        assert!(
            summary(&found[0]).starts_with("not applicable: RabbitMQ 3.10.8"),
            "{:#}",
            found[0]
        );
    }
}

/// Exactly one finding `id`; it is returned.
fn one(run: &Run, id: &str) -> Value {
    let found = all(run, id);
    assert_eq!(found.len(), 1, "{id}: {found:#?}");
    found[0].clone()
}

#[test]
fn a_healthy_4_0_cluster_with_a_celery_quorum_worker_gives_nothing_above_ok() {
    let r = Replay::start("rabbitmq4-healthy");
    let run = doctor(&r);
    assert_eq!(run.problems(), vec![], "{run:#?}");
    assert_eq!(run.code, 0, "{run:#?}");
    let store = one(&run, "cluster.metadata-store");
    assert_eq!(
        (&store["severity"], &store["subject"]),
        (&"ok".into(), &N1.into())
    );
    assert_eq!(
        summary(&store),
        "not applicable: RabbitMQ 4.0.5 keeps its metadata in Mnesia (feature flag khepri_db disabled); the metadata-store health checks apply to Khepri"
    );
    // The worker's task queue and the 28 delayed-delivery levels, each on all three nodes.
    let sync = one(&run, "cluster.quorum.sync");
    assert_eq!(
        summary(&sync),
        "every member of the 29 replicated quorum queue(s) asked votes and is in step with its leader"
    );
    // 4.0.5 has none of the metadata-store, is-in-service and leader checks: 404, not failures.
    let health = one(&run, "cluster.health");
    assert_eq!(
        (
            &health["evidence"]["passed"],
            &health["evidence"]["unsupported"]
        ),
        (&Value::from(7), &Value::from(5)),
        "{health:#}"
    );
    let levels = one(&run, "delayed.level");
    assert_eq!(levels["subject"], format!("{V}/celery_delayed_delivery"));
    assert_eq!(levels["severity"], "ok");
    let limit = one(&run, "rabbitmq4.delivery-limit");
    assert_eq!(limit["severity"], "ok", "{limit:#}");
    assert!(
        summary(&limit).contains("a delivery limit of 50"),
        "{limit:#}"
    );
}

#[test]
fn a_new_quorum_member_catching_up_on_khepri_warns_with_its_progress() {
    let r = Replay::start("rabbitmq4-khepri-sync");
    let run = doctor(&r);
    let big = format!("{V}/big");
    assert_eq!(
        run.problems(),
        vec![
            // Its only voter is on node 1 while node 2's member copies: the broker's own check.
            p("cluster.quorum.critical", "warn", N1),
            p("cluster.quorum.sync", "warn", &big),
            // 200 000 messages and nobody consuming them: true, and no part of the sync.
            p("queues.no-consumers", "crit", &big),
        ],
        "{run:#?}"
    );
    assert_eq!(run.code, 2, "{run:#?}");
    let sync = all(&run, "cluster.quorum.sync")
        .into_iter()
        .find(|f| f["subject"] == big.as_str())
        .unwrap();
    assert_eq!(
        summary(&sync),
        format!(
            "{big}: the member on {N2} is catching up and does not vote yet (promotable): 189205 of 200005 log entries still to copy (5% written); until it votes, the queue survives no more member losses than before it was added"
        )
    );
    assert_eq!(sync["evidence"]["entries_behind"], 189205);
    assert!(
        sync["remedy"]
            .as_str()
            .unwrap_or("")
            .starts_with(&format!("wait until it has caught up (rabbitmq-queues quorum_status --vhost {V} big shows Membership voter")),
        "{sync:#}"
    );
    let store = one(&run, "cluster.metadata-store");
    assert_eq!(store["severity"], "ok");
    assert!(
        summary(&store).starts_with("the cluster keeps its metadata in Khepri (feature flag khepri_db enabled); RabbitMQ 4.0.5 has no metadata-store health checks (404)"),
        "{store:#}"
    );
}
