//! The broker checks and listings on recorded answers of the real broker.

use serde_json::Value;

use crate::replay::{Replay, connections_reads, p, queues_reads};

const V: &str = "celtool-fixture";

fn sub(name: &str) -> String {
    format!("{V}/{name}")
}

#[test]
fn a_clean_vhost_is_ok() {
    let r = Replay::start("clean");
    let run = r.celtool(&[
        "doctor",
        "--no-workers",
        "--only",
        "broker",
        "--vhost",
        "celtool-fixture-clean",
        "--format",
        "json",
    ]);
    assert_eq!(run.problems(), vec![], "{run:#?}");
    assert_eq!(run.code, 0, "{run:#?}");
}

#[test]
fn the_celery_scenario_finds_every_planted_problem() {
    let r = Replay::start("celery");
    let run = r.celtool(&[
        "doctor",
        "--no-workers",
        "--only",
        "broker",
        "--vhost",
        V,
        "--format",
        "json",
    ]);
    assert_eq!(
        run.problems(),
        vec![
            p("broker.policy.ha-mode", "warn", &sub("ha-all")),
            p(
                "celery.mailbox.no-consumer",
                "warn",
                &sub("w9@gone.celery.pidbox")
            ),
            p(
                "events.no-ttl",
                "crit",
                &sub("celeryev.5b1c7a0e-0000-4000-8000-00000000beef")
            ),
            p("queues.no-consumers", "crit", &sub("jobs")),
            p("results.flood", "warn", V),
        ]
    );
    assert_eq!(run.code, 2, "{run:#?}");
    // The worker's own queues, consumed, are no problem; the table says the same in words.
    let table = r.celtool(&["doctor", "--no-workers", "--only", "broker", "--vhost", V]);
    assert_eq!(table.code, 2);
    for needle in ["events.no-ttl", "queues.no-consumers", "results.flood"] {
        assert!(
            table.stdout.contains(needle),
            "{needle} in {}",
            table.stdout
        );
    }
}

#[test]
fn doctor_fix_reads_each_endpoint_once() {
    let r = Replay::start("celery");
    let run = r.celtool(&[
        "doctor",
        "--no-workers",
        "--only",
        "broker",
        "--fix",
        "--vhost",
        V,
    ]);
    assert!(
        run.stdout.contains("celtool fix event-queues: plan"),
        "{run:#?}"
    );
    let counts = r.counts();
    // The connections' states are read twice on purpose (flow control, see `celtool explain
    // broker.connections.flow`): a light read at the start and the listing; no third read 5.5 s
    // later, as no recorded connection receives 10 kB/s. Every other endpoint once.
    let sampled = ("GET".to_string(), format!("/api/vhosts/{V}/connections"));
    assert_eq!(counts.get(&sampled), Some(&2), "{counts:#?}");
    // The queue listing is light (counters only); the queues that need statistics are asked
    // one by one (rabbitmq::details), each once too.
    let not_once: Vec<_> = counts
        .iter()
        .filter(|(k, n)| **n != 1 && **k != sampled)
        .collect();
    assert!(not_once.is_empty(), "{counts:#?}");
    assert!(counts.keys().all(|(m, _)| m == "GET"), "{counts:#?}");
    // That every endpoint the recording holds was asked for (the health checks a 3.10 broker
    // lacks too, answered 404 here as there) is the replay's own check when it is dropped.
}

/// The rows under `key` of a listing run that succeeded.
fn rows(key: &str, run: &crate::replay::Run) -> Vec<Value> {
    assert_eq!(run.code, 0, "{run:#?}");
    run.rows(key)
}

#[test]
fn queues_lists_kinds_and_counts() {
    let r = Replay::start("celery").expect_only(queues_reads(V));
    let all = rows(
        "queues",
        &r.celtool(&["queues", "--vhost", V, "--format", "json", "--sort", "name"]),
    );
    assert_eq!(all.len(), 126);
    let kind = |name: &str| {
        let row = all.iter().find(|q| q["name"] == name).unwrap();
        row["kind"].as_str().unwrap().to_string()
    };
    assert_eq!(kind("celery"), "task");
    // Nothing consumes "jobs", so nothing says it is a Celery task queue.
    assert_eq!(kind("jobs"), "other");
    assert_eq!(kind("w1@celtool-fixture.celery.pidbox"), "mailbox");
    assert_eq!(
        kind("celeryev.5b1c7a0e-0000-4000-8000-00000000beef"),
        "event"
    );
    assert_eq!(kind(&format!("{:032x}", 7)), "result");
    let jobs = all.iter().find(|q| q["name"] == "jobs").unwrap();
    assert_eq!(jobs["ready"], 25.0);
    assert_eq!(jobs["consumers"], 0.0);
    let results = rows(
        "queues",
        &r.celtool(&[
            "queues", "--vhost", V, "--format", "json", "--kind", "result",
        ]),
    );
    assert_eq!(results.len(), 120);
    let busy = rows(
        "queues",
        &r.celtool(&[
            "queues",
            "--vhost",
            V,
            "--format",
            "json",
            "--min-ready",
            "1",
            "--sort",
            "ready",
        ]),
    );
    let names: Vec<&str> = busy.iter().map(|q| q["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["jobs", "celeryev.5b1c7a0e-0000-4000-8000-00000000beef"]
    );
}

#[test]
fn connections_recognise_the_worker() {
    let r = Replay::start("celery").expect_only(connections_reads(V));
    let conns = rows(
        "connections",
        &r.celtool(&["connections", "--vhost", V, "--format", "json"]),
    );
    assert_eq!(conns.len(), 3, "{conns:#?}");
    assert!(
        conns.iter().all(|c| c["product"] == "py-amqp"),
        "{conns:#?}"
    );
    // The worker's consuming connection is the worker; its event and task publishing
    // connections consume nothing, like any task publisher on the same host, and are said so.
    let mut kinds: Vec<&str> = conns.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        ["celery-worker", "publisher", "publisher"],
        "{conns:#?}"
    );
    let table = r.celtool(&["connections", "--vhost", V]);
    assert!(table.stdout.contains("celery-worker"), "{}", table.stdout);
    let workers = rows(
        "connections",
        &r.celtool(&[
            "connections",
            "--vhost",
            V,
            "--format",
            "json",
            "--kind",
            "celery-worker",
        ]),
    );
    assert_eq!(workers.len(), 1, "{workers:#?}");
    // The old name of the monitor kind still parses.
    let monitors = rows(
        "connections",
        &r.celtool(&[
            "connections",
            "--vhost",
            V,
            "--format",
            "json",
            "--kind",
            "event-consumer",
        ]),
    );
    assert!(monitors.is_empty(), "{monitors:#?}");
}

#[test]
fn a_vhost_the_recording_does_not_have_is_a_clear_error() {
    // The broker answers 404 for the vhost and for each of its listings, all asked at once; what
    // is not the vhost's (overview, nodes, health checks) is asked as ever.
    let mut r = Replay::start("celery");
    for path in [
        "/api/vhosts/nope",
        "/api/queues/nope",
        "/api/consumers/nope",
        "/api/exchanges/nope",
        "/api/policies/nope",
        "/api/vhosts/nope/channels",
        "/api/vhosts/nope/connections",
    ] {
        r = r.not_found(path);
    }
    let node_wide: Vec<String> = r
        .recorded()
        .iter()
        .filter(|p| !p.contains(V))
        .cloned()
        .collect();
    let r = r.expect_only(node_wide);
    let run = r.celtool(&[
        "doctor",
        "--no-workers",
        "--only",
        "broker",
        "--vhost",
        "nope",
    ]);
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
    // Machine formats always get a report.
    let json = r.celtool(&[
        "doctor",
        "--no-workers",
        "--only",
        "broker",
        "--vhost",
        "nope",
        "--format",
        "json",
    ]);
    assert_eq!(json.code, 3, "{json:#?}");
    let findings = json.json()["findings"].as_array().cloned().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["id"], "broker.vhost");
    assert_eq!(findings[0]["severity"], "unknown");
    assert!(findings[0]["summary"].as_str().unwrap().contains("nope"));
    let nagios = r.celtool(&[
        "doctor",
        "--no-workers",
        "--only",
        "broker",
        "--vhost",
        "nope",
        "--format",
        "nagios",
    ]);
    assert_eq!(nagios.code, 3, "{nagios:#?}");
    assert!(nagios.stdout.starts_with("CELTOOL UNKNOWN"), "{nagios:#?}");
}
