//! The quorum-queue era (issue 21) against real Celery 5.7 workers, each test in its own vhost:
//! native delayed delivery (the path from celery_delayed_delivery to a quorum queue, a quorum
//! queue behind a direct exchange).

use serde_json::{Value, json};

use crate::support::*;

/// A worker of the test app with these settings (CELTOOL_TEST_CONF), events off.
fn worker(vhost: &str, node: &str, conf: Value) -> Worker {
    Worker::start_with(
        vhost,
        node,
        &[],
        &[("CELTOOL_TEST_CONF", &conf.to_string())],
    )
}

/// The bindings whose source is `exchange` in `vhost`.
fn bindings_from(vhost: &str, exchange: &str) -> Vec<Value> {
    api(
        "GET",
        &["exchanges", vhost, exchange, "bindings", "source"],
        None,
    )
    .as_array()
    .cloned()
    .unwrap_or_default()
}

/// Wait until the worker has bound `celery_delayed_delivery` to exchange `celery` (it does so
/// at start-up, after declaring the 28 levels).
fn wait_bound(v: &Vhost, w: &Worker) {
    let ok = wait_for(CELERY_WAIT, || {
        let known = api("GET", &["exchanges", &v.name], None)
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["name"] == "celery_delayed_delivery"));
        (known
            && bindings_from(&v.name, "celery_delayed_delivery")
                .iter()
                .any(|b| b["destination"] == "celery" && b["routing_key"] == "#.celery"))
        .then_some(())
    });
    assert!(
        ok.is_some(),
        "the worker never bound delayed delivery; log:\n{}",
        w.log()
    );
}

fn finding(r: &Run, id: &str, subject: &str) -> Value {
    r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id && f["subject"] == subject)
        .cloned()
        .unwrap_or_else(|| panic!("no {id} for {subject}: {r:#?}"))
}

#[test]
fn quorum_on_topic_is_clean_and_a_removed_binding_is_critical_with_its_command() {
    let v = Vhost::new("qq-topic");
    let w = worker(
        &v.name,
        "qt1@%h",
        json!({"task_default_queue_type": "quorum", "task_default_exchange_type": "topic"}),
    );
    wait_bound(&v, &w);
    let subject = v.subject("celery");
    let r = v.doctor_until(|r| {
        r.json()["findings"].as_array().is_some_and(|a| {
            a.iter()
                .any(|f| f["id"] == "delayed.binding" && f["subject"] == subject)
        })
    });
    assert_eq!(r.vhost_problems(&v.name), vec![], "{r:#?}");
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(finding(&r, "delayed.binding", &subject)["severity"], "ok");
    assert_eq!(
        finding(&r, "delayed.level", &v.subject("celery_delayed_delivery"))["severity"],
        "ok"
    );

    // What a failed deploy leaves: the exchange-to-exchange hop gone.
    api(
        "DELETE",
        &[
            "bindings",
            &v.name,
            "e",
            "celery_delayed_delivery",
            "e",
            "celery",
            "%23.celery",
        ],
        None,
    );
    let r = v.doctor_until(|r| r.code == 2);
    assert_eq!(
        r.vhost_problems(&v.name),
        vec![p("delayed.binding", "crit", &subject)],
        "{r:#?}"
    );
    let f = finding(&r, "delayed.binding", &subject);
    let remedy = f["remedy"].as_str().unwrap();
    let command = format!(
        "rabbitmqadmin --vhost={} declare binding source=celery_delayed_delivery destination=celery destination_type=exchange routing_key='#.celery'",
        v.name
    );
    assert!(remedy.contains(&command), "{remedy}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("quorum queue celery"),
        "{f}"
    );
    drop(w);
}

#[test]
fn quorum_behind_the_default_direct_exchange_warns_with_the_setting() {
    let v = Vhost::new("qq-direct");
    let w = worker(
        &v.name,
        "qd1@%h",
        json!({"task_default_queue_type": "quorum"}),
    );
    let subject = v.subject("celery");
    let r = v.doctor_until(|r| {
        r.vhost_problems(&v.name)
            .iter()
            .any(|(id, _, s)| id == "delayed.direct-exchange" && *s == subject)
    });
    let delayed: Vec<_> = r
        .vhost_problems(&v.name)
        .into_iter()
        .filter(|(id, _, _)| id.starts_with("delayed."))
        .collect();
    assert_eq!(
        delayed,
        vec![p("delayed.direct-exchange", "warn", &subject)],
        "{r:#?}"
    );
    let f = finding(&r, "delayed.direct-exchange", &subject);
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("task_default_exchange_type = \"topic\""),
        "{f}"
    );
    drop(w);
}

fn send_tasks(vhost: &str, python: &str) {
    let status = std::process::Command::new(venv_bin("python"))
        .args(["-c", &format!("import celtool_testapp as m\n{python}")])
        .env("PYTHONPATH", repo_root().join("tests/fixtures/celery_app"))
        .env("CELTOOL_TEST_BROKER", broker_url(vhost))
        .status()
        .expect("run python");
    assert!(status.success());
}

#[test]
fn a_countdown_of_two_hours_on_a_classic_queue_is_forecast_past_the_consumer_timeout() {
    let v = Vhost::new("qq-countdown");
    let w = worker(&v.name, "ct1@%h", json!({}));
    send_tasks(&v.name, "m.add.apply_async((1, 2), countdown=7200)");
    let subject = v.subject("celery");
    let r = v.doctor_until(|r| {
        r.vhost_problems(&v.name)
            .iter()
            .any(|(id, _, s)| id == "consumer-timeout.forecast" && *s == subject)
    });
    assert_eq!(
        r.vhost_problems(&v.name),
        vec![p("consumer-timeout.forecast", "crit", &subject)],
        "{r:#?}"
    );
    assert_eq!(r.code, 2);
    let f = finding(&r, "consumer-timeout.forecast", &subject);
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("celtool_testapp.add (")
            && summary.contains("in queue celery is held by ct1@")
            && summary.contains("consumer timeout of 30m (the node's consumer_timeout"),
        "{summary}"
    );
    assert_eq!(f["evidence"]["consumer_timeout_seconds"], 1800.0);
    let due = f["evidence"]["due_in_seconds"].as_f64().unwrap();
    assert!((7000.0..=7200.0).contains(&due), "{f}");
    let remedy = f["remedy"].as_str().unwrap();
    // The broker here is 3.10: no per-queue timeout, the rabbitmq.conf line.
    assert!(
        remedy.contains("consumer_timeout = 10800000 in rabbitmq.conf"),
        "{remedy}"
    );
    assert!(remedy.contains("native delayed delivery"), "{remedy}");
    drop(w);
}
