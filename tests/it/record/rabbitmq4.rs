//! Recordings of a REAL RabbitMQ 4.0.5 cluster: three private nodes of Debian 13's rabbitmq-server
//! 4.0.5 on Erlang 27, unpacked (not installed) by `bench/rmq4node.sh fetch`, started by the
//! cluster harness (`Broker::Rmq4`: own node names, ports, data directory and Erlang cookie; the
//! machine's own 3.10 node is never addressed). Run `bench/rmq4node.sh fetch` first, then
//!   CELTOOL_RECORD=1 cargo test --test it record::rabbitmq4 -- --ignored --test-threads 1
//!
//! One test records two states of one cluster, in order:
//! - `rabbitmq4-healthy`: three nodes, Mnesia (the khepri_db feature flag off, 4.0's default), a real Celery
//!   5.7 worker on quorum queues behind a topic exchange (native delayed delivery: the 28
//!   `celery_delayed_N` quorum queues, the binding to `celery`), a queue with an
//!   `x-consumer-timeout` argument and one under a policy with the `consumer-timeout` key, and the
//!   policy `rabbitmq4.delivery-limit` asks for on `celery` (dead-letter exchange, delivery limit);
//! - `rabbitmq4-khepri-sync`: khepri_db enabled, and a new member added on node 2 to the quorum
//!   queue `big` (one member, 200 000 persistent 4 KiB messages), recorded while it still
//!   catches up (`promotable` in the queue's status; the queue listing shows it as a member and
//!   online from the start). When it has caught up before doctor saw it, it is removed and added
//!   again.
//!
//! `the_consumer_timeout_policy_fix_on_a_real_4_0_node` (ignored too: it needs the unpacked
//! 4.0.5) applies the consumer-timeout fix in its policy form, which 3.10 cannot take, and undoes
//! it:  cargo test --test it record::rabbitmq4::the_consumer_timeout -- --ignored

use std::time::Duration;

use serde_json::{Value, json};

use super::private::harness::{Broker, Cluster};
use super::{problems, record_when, recording, settled};
use crate::support::{VenvProcess, celtool, run, wait_for};

const V: &str = "celtool-fixture";
const SHOW: Duration = Duration::from_secs(300);

/// Publish COUNT persistent 4 KiB messages to queue `big`, with confirms in batches.
const FILL: &str = "
import os, sys, urllib.parse, amqp
u = urllib.parse.urlparse(os.environ['CELTOOL_TEST_BROKER'])
conn = amqp.Connection(host=f'{u.hostname}:{u.port}', userid=u.username, password=u.password,
                       virtual_host=urllib.parse.unquote(u.path[1:]))
conn.connect()
ch = conn.channel()
ch.confirm_select()
msg = amqp.Message(b'x' * 4096, delivery_mode=2)
for i in range(int(sys.argv[1])):
    ch.basic_publish(msg, exchange='', routing_key='big')
conn.close()
";

fn untagged(c: &Cluster) -> impl Fn(&str) -> String {
    let (at, encoded) = (format!("-{}@", c.tag), format!("-{}%40", c.tag));
    move |s: &str| s.replace(&at, "@").replace(&encoded, "%40")
}

/// The summary of `doc`'s finding `id` on `subject`, if there is one.
fn summary(doc: &Value, id: &str, subject: &str) -> Option<String> {
    doc["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == id && f["subject"] == subject)
        .map(|f| f["summary"].as_str().unwrap_or("").to_string())
}

/// Whether any finding `id` has `severity`.
fn any(doc: &Value, id: &str, severity: &str) -> bool {
    doc["findings"]
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f["id"] == id && f["severity"] == severity))
}

/// The Raft membership of each member of `queue` (node, membership).
fn membership(c: &Cluster, queue: &str) -> Vec<(String, String)> {
    let (_, status) = c.get(0, &["queues", "quorum", V, queue, "status"]);
    status
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap_or("").to_string();
            (s("Node Name"), s("Membership"))
        })
        .collect()
}

#[test]
#[ignore = "re-records committed fixtures from a private RabbitMQ 4.0.5; run with CELTOOL_RECORD=1"]
fn rabbitmq4() {
    if !recording() {
        return;
    }
    // Three nodes: Celery's quorum queues get a member on each, and keep their majority when
    // any one node stops (on two nodes every one of them would be quorum-critical).
    let c = Cluster::start_with(3, Broker::Rmq4);
    c.add_vhost(V);
    let amqp = |i: usize| format!("amqp://guest:guest@127.0.0.1:{}/{V}", c.nodes[i].amqp);
    healthy(&c, &amqp(0));
    khepri_sync(&c, &amqp(0));
}

/// The healthy cluster: a Celery worker on quorum queues with native delayed delivery, and the
/// two per-queue consumer timeouts.
fn healthy(c: &Cluster, broker: &str) {
    let conf = json!({"task_default_queue_type": "quorum", "task_default_exchange_type": "topic"});
    let worker = VenvProcess::worker_on(
        broker,
        "w1@celtool-fixture",
        &[],
        &[("CELTOOL_TEST_CONF", &conf.to_string())],
    );
    c.send(
        0,
        "PUT",
        &["queues", V, "ct-argument"],
        json!({"durable": true, "arguments": {"x-consumer-timeout": 60000}}),
    );
    c.send(
        0,
        "PUT",
        &["queues", V, "ct-policy"],
        json!({"durable": true}),
    );
    c.send(
        0,
        "PUT",
        &["policies", V, "ct"],
        json!({"pattern": "^ct-policy$", "definition": {"consumer-timeout": 7_200_000},
               "priority": 0, "apply-to": "queues"}),
    );
    // What rabbitmq4.delivery-limit asks of a 4.x quorum task queue: a dead-letter target and
    // a delivery limit chosen for it.
    c.send(
        0,
        "PUT",
        &["policies", V, "celery-dlx"],
        json!({"pattern": "^celery$", "definition": {"dead-letter-exchange": "celery.dlx",
               "delivery-limit": 50}, "priority": 0, "apply-to": "quorum_queues"}),
    );
    let bound = wait_for(SHOW, || {
        let (_, b) = c.get(
            0,
            &[
                "exchanges",
                V,
                "celery_delayed_delivery",
                "bindings",
                "source",
            ],
        );
        b.as_array()?
            .iter()
            .any(|b| b["destination"] == "celery")
            .then_some(())
    });
    assert!(
        bound.is_some(),
        "the worker never bound delayed delivery:\n{}",
        worker.log()
    );
    let levels = format!("{V}/celery_delayed_delivery");
    record_when(
        "rabbitmq4-healthy",
        &c.nodes[0].url(),
        V,
        &untagged(c),
        |doc, read| {
            let store = summary(doc, "cluster.metadata-store", &node_of(doc));
            settled(read, V)
                && problems(doc).is_empty()
                && summary(doc, "delayed.level", &levels).is_some()
                && store.is_some_and(|s| s.contains("khepri_db disabled"))
                && any(doc, "cluster.quorum.sync", "ok")
        },
    );
    // Live, with the worker asked over AMQP (what the recording, made without workers, cannot
    // show): the path from celery_delayed_delivery to the quorum queue it consumes holds on 4.0.5.
    let (url, amqp) = (c.nodes[0].url(), c.amqp_url(0));
    let celery = format!("{V}/celery");
    let mut last = None;
    let held = wait_for(SHOW, || {
        let r = run(celtool().args([
            "doctor",
            "--only",
            "broker",
            "--url",
            &url,
            "--amqp-url",
            &amqp,
            "--vhost",
            V,
            "--format",
            "json",
        ]));
        let doc = r.json();
        let ok = doc["findings"].as_array().is_some_and(|a| {
            a.iter().any(|f| {
                f["id"] == "delayed.binding" && f["subject"] == celery && f["severity"] == "ok"
            })
        });
        last = Some(r);
        ok.then_some(())
    });
    assert!(held.is_some(), "no ok delayed.binding on 4.0.5: {last:#?}");
    drop(worker);
}

/// The node that served the API, as doctor names it (the metadata-store finding's subject).
fn node_of(doc: &Value) -> String {
    doc["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["id"] == "cluster.metadata-store"))
        .and_then(|f| f["subject"].as_str())
        .unwrap_or("")
        .to_string()
}

/// Khepri on, and a new member of `big` catching up.
fn khepri_sync(c: &Cluster, broker: &str) {
    c.ctl(0, &["enable_feature_flag", "--experimental", "khepri_db"]);
    c.send(
        0,
        "PUT",
        &["queues", V, "big"],
        json!({"durable": true, "arguments": {"x-queue-type": "quorum", "x-quorum-initial-group-size": 1}}),
    );
    let mut fill = VenvProcess::spawn_on(broker, "python", &["-c", FILL, "200000"], &[]);
    assert!(
        fill.finish(Duration::from_secs(600)),
        "filling big failed:\n{}",
        fill.log()
    );
    let n2 = c.nodes[1].name.clone();
    let add = || {
        let _ = c.try_tool(
            0,
            "rabbitmq-queues",
            &["delete_member", "--vhost", V, "big", &n2],
        );
        c.try_tool(
            0,
            "rabbitmq-queues",
            &["add_member", "--vhost", V, "big", &n2],
        )
        .expect("add_member");
    };
    add();
    let subject = format!("{V}/big");
    record_when(
        "rabbitmq4-khepri-sync",
        &c.nodes[0].url(),
        V,
        &untagged(c),
        |doc, read| {
            let shown = summary(doc, "cluster.quorum.sync", &subject)
                .is_some_and(|s| s.contains("promotable"));
            let khepri = summary(doc, "cluster.metadata-store", &node_of(doc))
                .is_some_and(|s| s.contains("khepri_db enabled"));
            if !shown && membership(c, "big").iter().all(|(_, m)| m == "voter") {
                // Caught up before doctor looked: once more.
                add();
            }
            shown && khepri && settled(read, V) && !problems(doc).is_empty()
        },
    );
}

/// The consumer-timeout fix in its policy form, which the machine's 3.10 cannot take (no
/// per-queue timeout before 3.11.15), applied for real on a private RabbitMQ 4.0.5 node: a
/// worker holds a task with a two-hour countdown on the classic queue `celery`, doctor forecasts
/// it past the node's 30 min, `doctor --fix` sets the `consumer-timeout` policy, the broker
/// applies it to the queue, the forecast clears, and `undo` removes it.
#[test]
#[ignore = "needs RabbitMQ 4.0.5 unpacked by bench/rmq4node.sh fetch; starts a private node"]
fn the_consumer_timeout_policy_fix_on_a_real_4_0_node() {
    let c = Cluster::start_with(1, Broker::Rmq4);
    c.add_vhost(V);
    let broker = format!("amqp://guest:guest@127.0.0.1:{}/{V}", c.nodes[0].amqp);
    let worker = VenvProcess::worker_on(&broker, "ct1@celtool-fixture", &[], &[]);
    let task = "import celtool_testapp as m\nm.add.apply_async((1, 2), countdown=7200)";
    let mut send = VenvProcess::spawn_on(&broker, "python", &["-c", task], &[]);
    assert!(send.finish(SHOW), "sending failed:\n{}", send.log());
    let (url, amqp) = (c.nodes[0].url(), c.amqp_url(0));
    let base = [
        "doctor",
        "--only",
        "broker",
        "--url",
        &url,
        "--amqp-url",
        &amqp,
        "--vhost",
        V,
    ];
    let subject = format!("{V}/celery");
    let forecast = |r: &crate::support::Run, severity: &str| {
        r.json()["findings"].as_array().and_then(|a| {
            a.iter()
                .find(|f| {
                    f["id"] == "consumer-timeout.forecast"
                        && f["subject"] == subject
                        && f["severity"] == severity
                })
                .cloned()
        })
    };
    let mut last = None;
    let crit = wait_for(SHOW, || {
        let r = run(celtool().args(base).args(["--format", "json"]));
        let f = forecast(&r, "crit");
        last = Some(r);
        f
    })
    .unwrap_or_else(|| panic!("no forecast: {last:#?}\n{}", worker.log()));
    let remedy = crit["remedy"].as_str().unwrap_or("");
    assert!(
        remedy.contains(&format!("rabbitmqctl set_policy -p {V} --apply-to queues --priority 10 celtool-consumer-timeout-celery '^celery$' '{{\"consumer-timeout\": 10800000}}'")),
        "{crit:#}"
    );

    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let r = run(celtool()
        .args(base)
        .args(["--fix", "--yes", "--journal"])
        .arg(&journal));
    assert!(
        r.stdout.contains("celtool-consumer-timeout-celery") && journal.exists(),
        "{r:#?}"
    );
    let applied = wait_for(SHOW, || {
        let (_, q) = c.get(0, &["queues", V, "celery"]);
        (q["effective_policy_definition"]["consumer-timeout"] == 10_800_000).then_some(q)
    });
    assert!(applied.is_some(), "the broker never applied the policy");
    let cleared = wait_for(SHOW, || {
        let r = run(celtool().args(base).args(["--format", "json"]));
        // Under a 3 h timeout the 2 h hold is no finding at all: the run is clean.
        let clear = forecast(&r, "crit").is_none() && r.code == 0;
        last = Some(r);
        clear.then_some(())
    });
    assert!(cleared.is_some(), "the forecast did not clear: {last:#?}");

    // Undo names the broker the journal names (it refuses another).
    let r = run(celtool()
        .args(["undo", "--yes", "--url", &url, "--journal"])
        .arg(&journal));
    assert_eq!(r.code, 0, "{r:#?}");
    let (_, policies) = c.get(0, &["policies", V]);
    assert_eq!(policies, json!([]), "{r:#?}");
    drop(worker);
}
