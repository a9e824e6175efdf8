//! A real Celery worker (prefork, from the test venv made by scripts/test-setup.sh) on a test
//! vhost: `connections` and `doctor` must recognise it, and notice when it is gone.

use std::time::Duration;

use serde_json::Value;

use crate::support::*;

fn connections(vhost: &str) -> Vec<Value> {
    let r = run(celtool().args(["connections", "--vhost", vhost, "--format", "json"]));
    assert_eq!(r.code, 0, "{r:#?}");
    r.rows("connections")
}

#[test]
fn a_celery_worker_is_recognised_and_its_death_is_noticed() {
    let v = Vhost::new("worker");
    let node = "w1@celtool-it";
    let mut worker = Worker::start(&v.name, node);

    // The worker consumes its mailbox within a few seconds of starting.
    let conns = wait_for(CELERY_WAIT, || {
        let c = connections(&v.name);
        c.iter().any(|c| c["kind"] == "celery-worker").then_some(c)
    })
    .unwrap_or_else(|| {
        panic!(
            "no celery-worker connection appeared; worker log:\n{}",
            worker.log()
        )
    });
    // The connection that consumes the worker's mailbox is the worker; its publishing
    // connections (events, tasks) consume nothing, as a task publisher's, and are said so.
    assert!(
        conns.iter().all(|c| c["product"] == "py-amqp"
            && (c["kind"] == "celery-worker" || c["kind"] == "publisher")),
        "{conns:#?}"
    );
    let table = run(celtool().args(["connections", "--vhost", &v.name]));
    assert!(table.stdout.contains("celery-worker"), "{}", table.stdout);

    // Its queues are classified: the task queue, its mailbox, its gossip event queue.
    let q = run(celtool().args([
        "queues", "--vhost", &v.name, "--format", "json", "--sort", "name",
    ]));
    let kinds: Vec<(String, String)> = q
        .rows("queues")
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap();
            let name = if name.starts_with("celeryev.") {
                "celeryev.*"
            } else {
                name
            };
            (name.to_string(), r["kind"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("celery".into(), "task".into()),
            ("celeryev.*".into(), "event".into()),
            (format!("{node}.celery.pidbox"), "mailbox".into()),
        ]
    );

    // A healthy worker: Celery 5 gives its event queue a TTL and expiry, and consumes
    // everything it declared, so the vhost has nothing to report.
    let healthy = v.doctor_until(|r| r.code == 0);
    assert_eq!(healthy.vhost_problems(&v.name), vec![], "{healthy:#?}");

    worker.kill();

    // Gone: its connections close (its mailbox and event queue are exclusive and vanish with
    // them), and a task sent now waits in a queue that nobody consumes.
    let gone = wait_for(Duration::from_secs(90), || {
        connections(&v.name).is_empty().then_some(())
    });
    assert!(gone.is_some(), "the worker's connections did not close");
    v.publish("celery", 1);
    let r = v.doctor_until(|r| {
        r.problems()
            .contains(&p("queues.no-consumers", "crit", &v.subject("celery")))
    });
    assert_eq!(r.code, 2, "{r:#?}");
    let q = run(celtool().args(["queues", "--vhost", &v.name, "--format", "json"]));
    let left: Vec<(String, String)> = q
        .rows("queues")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(left, vec![("celery".to_string(), "task".to_string())]);
}
