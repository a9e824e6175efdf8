//! Issue 11 with the real thing: idle default Celery workers give no false alarm; Flower, rpc://
//! clients and a task publisher are not called workers; a kombu publisher with confirm_publish
//! is reported; redeliveries of killed acks_late workers are found in the totals; a missing vhost
//! still gets a JSON report; one odd record does not fail a listing.

use std::time::Duration;

use serde_json::Value;

use crate::faults::fake_broker;
use crate::support::*;

/// Doctor on the test's vhost, the node-wide IDs skipped: the exit code speaks for the vhost,
/// not for what other users of the shared broker do to the node (see NODE_WIDE).
fn doctor(vhost: &str) -> Run {
    run(celtool()
        .args([
            "doctor", "--only", "broker", "--format", "json", "--vhost", vhost,
        ])
        .args(skip_node_wide()))
}

fn finding(r: &Run, id: &str) -> Option<Value> {
    serde_json::from_str::<Value>(&r.stdout).ok()?["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == id)
        .cloned()
}

fn connections(vhost: &str) -> Vec<Value> {
    let r = run(celtool().args(["connections", "--vhost", vhost, "--format", "json"]));
    assert_eq!(r.code, 0, "{r:#?}");
    r.rows("connections")
}

fn kinds(conns: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = conns
        .iter()
        .map(|c| c["kind"].as_str().unwrap_or("").to_string())
        .collect();
    k.sort();
    k
}

#[test]
fn two_idle_default_workers_give_exit_0() {
    let v = Vhost::new("idle2");
    // Celery's defaults: no -E, gossip, mingle and heartbeats on.
    let w1 = Worker::start_with(&v.name, "w1@idle", &[], &[]);
    let w2 = Worker::start_with(&v.name, "w2@idle", &[], &[]);
    let mut last = None;
    let seen = wait_for(CELERY_WAIT, || {
        let r = doctor(&v.name);
        let hb = finding(&r, "events.heartbeats");
        let ready = hb.as_ref().is_some_and(|hb| {
            hb["evidence"]["workers"] == 2.0
                && hb["evidence"]["gossip_queues"] == 2.0
                && hb["evidence"]["worker_event_deliveries_per_second"]
                    .as_f64()
                    .is_some_and(|d| d > 0.0)
        });
        if ready {
            Some(r)
        } else {
            last = Some(r);
            None
        }
    });
    let r = seen.unwrap_or_else(|| {
        panic!(
            "the two workers' heartbeats never showed; last: {last:#?}\nw1: {}\nw2: {}",
            w1.log(),
            w2.log()
        )
    });
    assert_eq!((r.code, r.vhost_problems(&v.name)), (0, vec![]), "{r:#?}");
    let hb = finding(&r, "events.heartbeats").unwrap();
    assert_eq!(hb["severity"], "ok", "{hb:#}");
    let te = finding(&r, "events.traffic-share").unwrap();
    assert_eq!(te["severity"], "ok", "{te:#}");
    // No -E: no task events to speak of, so nothing says "drop -E".
    assert!(
        te["evidence"]["task_events_per_second"].as_f64().unwrap() < 10.0,
        "{te:#}"
    );
    assert!(!r.stdout.contains("drop -E"), "{r:#?}");
}

const RPC_CLIENT: &str = "
import time
from celtool_testapp import add
while True:
    print(add.delay(1, 2).get(timeout=60), flush=True)
    time.sleep(0.5)
";

const PUBLISHER: &str = "
import time
from celtool_testapp import app
while True:
    app.send_task('celtool_testapp.add', (1, 2), ignore_result=True)
    time.sleep(0.5)
";

#[test]
fn flower_rpc_clients_and_publishers_are_not_workers() {
    let v = Vhost::new("kinds");
    let rpc = [("CELTOOL_TEST_RESULTS", "rpc")];
    let worker = Worker::start_with(&v.name, "w1@kinds", &[], &rpc);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let flower = VenvProcess::spawn(
        &v.name,
        "celery",
        &[
            "-A",
            "celtool_testapp",
            "flower",
            &format!("--port={port}"),
            "--address=127.0.0.1",
        ],
        &[],
    );
    let client = VenvProcess::spawn(&v.name, "python", &["-c", RPC_CLIENT], &rpc);
    let publisher = VenvProcess::spawn(&v.name, "python", &["-c", PUBLISHER], &[]);
    let conns = wait_for(CELERY_WAIT, || {
        let c = connections(&v.name);
        let k = kinds(&c);
        let has = |kind: &str| k.iter().any(|x| x == kind);
        (has("celery-worker") && has("monitor") && has("client") && has("publisher")).then_some(c)
    })
    .unwrap_or_else(|| {
        panic!(
            "kinds never showed: {:?}\nworker: {}\nflower: {}\nclient: {}\npublisher: {}",
            kinds(&connections(&v.name)),
            worker.log(),
            flower.log(),
            client.log(),
            publisher.log()
        )
    });
    // One worker, one consuming connection: only that one is a worker, however many
    // connections Flower and the clients open from the same host with the same library.
    let workers = conns
        .iter()
        .filter(|c| c["kind"] == "celery-worker")
        .count();
    assert_eq!(workers, 1, "{:?} {conns:#?}", kinds(&conns));
    let by_kind = run(celtool().args([
        "connections",
        "--vhost",
        &v.name,
        "--format",
        "json",
        "--kind",
        "monitor,client",
    ]));
    assert!(
        by_kind
            .rows("connections")
            .iter()
            .all(|c| c["kind"] == "monitor" || c["kind"] == "client"),
        "{by_kind:#?}"
    );
    // Clients and monitors run without heartbeats by Celery's design: no finding for them.
    let unbeating = conns
        .iter()
        .filter(|c| c["heartbeat"] == 0.0 && c["kind"] != "celery-worker")
        .count();
    assert!(
        unbeating > 0,
        "no client without heartbeat to judge: {conns:#?}"
    );
    let r = doctor(&v.name);
    assert!(
        finding(&r, "broker.connections.heartbeat").is_none(),
        "{r:#?}\n{conns:#?}"
    );
}

const CONFIRM_PUBLISHER: &str = "
import os, time
from kombu import Connection, Exchange, Producer, Queue
with Connection(os.environ['CELTOOL_TEST_BROKER'], transport_options={'confirm_publish': True}) as conn:
    ch = conn.channel()
    ex = Exchange('confirmed', type='direct')
    Queue('confirmed', ex, routing_key='confirmed', queue_arguments={'x-max-length': 1000})(ch).declare()
    producer = Producer(ch)
    print('publishing', flush=True)
    end = time.time() + 600
    while time.time() < end:
        producer.publish({'x': 1}, exchange=ex, routing_key='confirmed')
";

#[test]
fn a_confirm_publisher_is_reported_with_its_connection() {
    let v = Vhost::new("confirms");
    let publisher = VenvProcess::spawn(&v.name, "python", &["-c", CONFIRM_PUBLISHER], &[]);
    let mut last = None;
    let f = wait_for(CELERY_WAIT, || {
        let r = doctor(&v.name);
        let f = finding(&r, "broker.publish.confirms").filter(|f| {
            f["evidence"]["confirms_per_second"]
                .as_f64()
                .is_some_and(|c| c > 0.0)
        });
        last = Some(r);
        f
    })
    .unwrap_or_else(|| {
        panic!(
            "no confirm finding; last: {last:#?}\npublisher: {}",
            publisher.log()
        )
    });
    assert_eq!(f["subject"], v.name.as_str(), "{f:#}");
    assert!(
        f["evidence"]["confirm_channels"].as_f64().unwrap() >= 1.0,
        "{f:#}"
    );
    let conns = connections(&v.name);
    let summary = f["summary"].as_str().unwrap();
    assert!(
        conns
            .iter()
            .any(|c| summary.contains(&format!("of connection {}", c["name"].as_str().unwrap()))),
        "{summary}\n{conns:#?}"
    );
    if f["severity"] != "ok" {
        assert!(
            f["remedy"].as_str().unwrap().contains("confirm_publish"),
            "{f:#}"
        );
    }
    // The explain text has the trade-off.
    let e = run(celtool().args(["explain", "broker.publish.confirms"]));
    assert!(e.stdout.contains("confirm_publish"), "{e:#?}");
}

const SEND_TASKS: &str = "
from celtool_testapp import app
for i in range(20):
    app.send_task('celtool_testapp.add', (i, i))
for i in range(8):
    app.send_task('celtool_testapp.sleep', (120,))
print('sent', flush=True)
";

#[test]
fn redeliveries_of_killed_acks_late_workers_are_found_in_the_totals() {
    let v = Vhost::new("redeliver");
    let acks_late = [("CELTOOL_TEST_ACKS_LATE", "1")];
    let mut a = Worker::start_with(&v.name, "wa@redeliver", &["--concurrency", "4"], &acks_late);
    let mut send = VenvProcess::spawn(&v.name, "python", &["-c", SEND_TASKS], &[]);
    assert!(send.finish(Duration::from_secs(120)), "{}", send.log());
    // Worker a runs four sleeping tasks, unacknowledged under acks_late.
    let held = wait_for(CELERY_WAIT, || {
        let q = api("GET", &["queues", &v.name, "celery"], None);
        (q["messages_unacknowledged"].as_u64() >= Some(4)).then_some(())
    });
    assert!(held.is_some(), "worker a never held 4 tasks: {}", a.log());
    a.kill();
    let b = Worker::start_with(&v.name, "wb@redeliver", &["--concurrency", "4"], &acks_late);
    // First the rates show the redeliveries; once they are quiet, the totals still do.
    let mut last = None;
    let f = wait_for(Duration::from_secs(180), || {
        let r = doctor(&v.name);
        let f = finding(&r, "queues.redeliveries")
            .filter(|f| f["summary"].as_str().unwrap_or("").contains("totals"));
        last = Some(r);
        f
    })
    .unwrap_or_else(|| {
        panic!(
            "no redeliveries in the totals; last: {last:#?}\nb: {}",
            b.log()
        )
    });
    assert_eq!(f["subject"], v.subject("celery"), "{f:#}");
    assert!(
        f["evidence"]["redelivered_total"].as_f64().unwrap() >= 1.0,
        "{f:#}"
    );
    assert!(
        f["evidence"]["delivered_total"].as_f64().unwrap() >= 20.0,
        "{f:#}"
    );
}

#[test]
fn a_missing_vhost_in_json_is_an_unknown_report() {
    let r = run(celtool().args([
        "doctor",
        "--only",
        "broker",
        "--format",
        "json",
        "--vhost",
        "celtool-it-no-such-vhost",
    ]));
    assert_eq!(r.code, 3, "{r:#?}");
    let found: Vec<(String, String)> = r
        .problems()
        .into_iter()
        .map(|(id, sev, _)| (id, sev))
        .collect();
    assert_eq!(
        found,
        vec![("broker.vhost".into(), "unknown".into())],
        "{r:#?}"
    );
    assert!(r.stdout.contains("celtool-it-no-such-vhost"), "{r:#?}");
}

#[test]
fn one_odd_record_never_fails_a_listing() {
    // As a real worker shutting down answered: "channel_details": [] (an empty proplist);
    // and one record no broker should send.
    let url = fake_broker(vec![
        (
            "/api/overview",
            r#"{"rabbitmq_version":"3.10.8","node":"rabbit@n1"}"#.to_string(),
        ),
        ("/api/nodes", "[]".to_string()),
        ("/api/queues", "[]".to_string()),
        (
            "/api/connections",
            r#"[{"name":"c1","vhost":"/","timeout":60,"client_properties":[]}]"#.to_string(),
        ),
        (
            "/api/consumers",
            r#"[{"queue":{"name":"w1@h.celery.pidbox","vhost":"/"},"channel_details":{"connection_name":"c1"}},
                {"queue":{"name":"celery","vhost":"/"},"channel_details":[]},
                {"queue":{"name":7,"vhost":"/"},"channel_details":{"connection_name":"c1"}}]"#
                .to_string(),
        ),
        ("/api/exchanges", "[]".to_string()),
        ("/api/policies", "[]".to_string()),
        ("/api/channels", "[]".to_string()),
    ]);
    let r = run(celtool().args(["connections", "--format", "json", "--url", &url]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(
        r.json()["connections"][0]["kind"],
        "celery-worker",
        "{r:#?}"
    );
    assert!(
        r.stderr
            .contains("warning: 1 record(s) of the consumers listing were not the JSON expected"),
        "{r:#?}"
    );
    let d = run(celtool().args([
        "doctor", "--only", "broker", "--format", "json", "--url", &url,
    ]));
    assert!(
        d.problems()
            .contains(&p("broker.api.skipped", "warn", "consumers")),
        "{d:#?}"
    );
}

fn routes(overview: &str, nodes: &str, queues: &str) -> Vec<(&'static str, String)> {
    vec![
        ("/api/overview", overview.to_string()),
        (
            "/api/nodes/rabbit%40n1/memory",
            r#"{"memory":"not_available"}"#.to_string(),
        ),
        ("/api/nodes", nodes.to_string()),
        ("/api/queues", queues.to_string()),
        ("/api/connections", "[]".to_string()),
        ("/api/consumers", "[]".to_string()),
        ("/api/exchanges", "[]".to_string()),
        ("/api/policies", "[]".to_string()),
        ("/api/channels", "[]".to_string()),
    ]
}

#[test]
fn missing_and_impossible_values_are_said_and_statistics_off_is_not_unknown() {
    let json = |url: &str| {
        run(celtool().args([
            "doctor", "--only", "broker", "--format", "json", "--url", url,
        ]))
    };
    // overview {} and nodes [{}]: unknown, naming what is missing, not a quiet WARNING.
    let r = json(&fake_broker(routes("{}", "[{}]", "[]")));
    assert_eq!(r.code, 3, "{r:#?}");
    let summaries: Vec<String> = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "broker.api.value")
        .map(|f| f["summary"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(summaries.len(), 2, "{r:#?}");
    assert!(
        summaries.iter().any(|s| s.contains("no rabbitmq_version")),
        "{summaries:?}"
    );
    assert!(
        summaries.iter().any(|s| s.contains("has no name")),
        "{summaries:?}"
    );
    // Limits of 0 and consumers -1 are named.
    let r = json(&fake_broker(routes(
        r#"{"rabbitmq_version":"3.10.8","node":"rabbit@n1"}"#,
        r#"[{"name":"rabbit@n1","running":true,"mem_used":100,"mem_limit":0,"fd_used":5,
            "fd_total":0,"proc_used":9,"proc_total":0,"disk_free":100,"disk_free_limit":10}]"#,
        r#"[{"name":"celery","vhost":"/","consumers":-1,"messages_ready":0}]"#,
    )));
    assert_eq!(r.code, 3, "{r:#?}");
    for said in ["mem_limit 0", "fd_total 0", "proc_total 0", "consumers=-1"] {
        assert!(r.stdout.contains(said), "{said}: {r:#?}");
    }
    // Statistics off: said as not published, and a healthy broker still exits 0.
    let r = json(&fake_broker(routes(
        r#"{"rabbitmq_version":"3.10.8","node":"rabbit@n1","rates_mode":"none"}"#,
        r#"[{"name":"rabbit@n1","running":true}]"#,
        r#"[{"name":"celery","vhost":"/"}]"#,
    )));
    assert_eq!((r.code, r.problems()), (0, vec![]), "{r:#?}");
    assert!(r.stdout.contains("not published by this broker"), "{r:#?}");
}

const FAST_PUBLISHER: &str = "
import time
from celtool_testapp import app
while True:
    app.send_task('celtool_testapp.add', (1, 2), ignore_result=True)
    time.sleep(0.05)
";

#[test]
fn task_events_to_a_monitor_are_judged_apart_from_heartbeats() {
    let v = Vhost::new("taskevents");
    // -E and a monitor (`celery events --dump`, a real event consumer bound to #): the task
    // events of about 20 tasks/s are copied to the monitor's queue.
    let worker = Worker::start_with(&v.name, "w1@taskevents", &["-E"], &[]);
    let monitor = VenvProcess::spawn(
        &v.name,
        "celery",
        &["-A", "celtool_testapp", "events", "--dump"],
        &[],
    );
    let publisher = VenvProcess::spawn(&v.name, "python", &["-c", FAST_PUBLISHER], &[]);
    let mut last = None;
    let r = wait_for(CELERY_WAIT, || {
        let r = doctor(&v.name);
        let warned = finding(&r, "events.traffic-share").is_some_and(|f| f["severity"] == "warn");
        if warned {
            Some(r)
        } else {
            last = Some(r);
            None
        }
    })
    .unwrap_or_else(|| {
        panic!(
            "task events never warned; last: {last:#?}\nworker: {}\nmonitor: {}\npublisher: {}",
            worker.log(),
            monitor.log(),
            publisher.log()
        )
    });
    let te = finding(&r, "events.traffic-share").unwrap();
    assert!(
        te["summary"].as_str().unwrap().contains("monitor queue"),
        "{te:#}"
    );
    let remedy = te["remedy"].as_str().unwrap();
    assert!(remedy.contains("without -E"), "{te:#}");
    assert!(!remedy.contains("--without-gossip"), "{te:#}");
    // One worker's heartbeats are nothing to act on.
    let hb = finding(&r, "events.heartbeats").unwrap();
    assert_eq!(hb["severity"], "ok", "{hb:#}");
    let kinds = kinds(&connections(&v.name));
    assert!(kinds.iter().any(|k| k == "monitor"), "{kinds:?}");
}
