//! doctor's event sample beside the worker probe, against real Celery 5.7 workers (each test in
//! its own vhost): one task name run for 0 s and for 5 s in one queue is named from the task
//! events (workers.mixed-durations), the same fleet without -E is "not sampled" and no alarm, a
//! fleet of fast tasks gives nothing above ok, and the sample's queue is gone afterwards.

use serde_json::Value;

use crate::support::*;

const LONG: std::time::Duration = CELERY_WAIT;
const ID: &str = "workers.mixed-durations";

/// `celtool doctor --only broker --all --format json --vhost V`, node-wide IDs skipped.
fn doctor(vhost: &str) -> Run {
    run(celtool()
        .args([
            "doctor", "--only", "broker", "--all", "--format", "json", "--vhost", vhost,
        ])
        .args(skip_node_wide()))
}

fn findings(r: &Run, id: &str) -> Vec<Value> {
    r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .cloned()
        .collect()
}

/// Wait until `node` answers ping in `vhost`.
fn wait_answering(vhost: &str, node: &str, w: &Worker) {
    let ok = wait_for(LONG, || {
        let r = run(celtool().args([
            "ping",
            "--vhost",
            vhost,
            "--format",
            "json",
            "--reply-timeout",
            "5s",
        ]));
        let nodes = r.json()["nodes"].as_array().cloned().unwrap_or_default();
        nodes
            .iter()
            .any(|n| n["node"] == node && n["answered"] == true)
            .then_some(())
    });
    assert!(
        ok.is_some(),
        "{node} never answered ping; log:\n{}",
        w.log()
    );
}

/// A producer that keeps the queue busy: `sleep(5)` every 6 s when `slow`, and `sleep(0)` (with
/// `add` when not `slow`) every 50 ms. Ended with the test.
fn load(vhost: &str, slow: bool) -> VenvProcess {
    let script = format!(
        "import time, celtool_testapp as m\nslow = {}\nwhile True:\n    if slow: m.sleep.delay(5)\n    end = time.time() + 6\n    while time.time() < end:\n        m.sleep.delay(0)\n        if not slow: m.add.delay(1, 2)\n        time.sleep(0.05)\n",
        if slow { "True" } else { "False" }
    );
    VenvProcess::spawn(vhost, "python", &["-c", &script], &[])
}

/// The queues before and after a run are the same: the sample's queue is gone.
fn assert_nothing_left(vhost: &str, before: &[String]) {
    let after = queue_names(vhost);
    assert!(
        !after.iter().any(|q| q.starts_with("celeryev.celtool-")),
        "{after:?}"
    );
    assert_eq!(after, before, "the queues changed across doctor's run");
}

#[test]
fn one_task_name_run_for_0_and_5_s_in_one_queue_is_named_from_task_events() {
    let v = Vhost::new("ev-mixed");
    let node = "w1@celtool-it";
    let w = Worker::start(&v.name, node);
    wait_answering(&v.name, node, &w);
    let before = queue_names(&v.name);
    let _load = load(&v.name, true);
    let mut last = None;
    let found = wait_for(LONG, || {
        let r = doctor(&v.name);
        let hit = findings(&r, ID)
            .into_iter()
            .find(|f| f["severity"] == "warn");
        last = Some(r);
        hit
    });
    let f =
        found.unwrap_or_else(|| panic!("no {ID} warning; last run: {last:#?}\nlog:\n{}", w.log()));
    assert_nothing_left(&v.name, &before);
    let subject = format!("{}/celery: celtool_testapp.sleep", v.name);
    assert_eq!(f["subject"], subject.as_str(), "{f:#}");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("task celtool_testapp.sleep in queue celery runs both fast and slow: "),
        "{summary}"
    );
    let ev = &f["evidence"];
    assert!(ev["max_seconds"].as_f64().unwrap() >= 2.0, "{ev}");
    assert!(ev["min_seconds"].as_f64().unwrap() < 0.1, "{ev}");
    assert!(ev["ended_runs"].as_u64().unwrap() >= 1, "{ev}");
    let remedy = f["remedy"].as_str().unwrap();
    assert!(
        remedy.contains("task_routes = (route,)")
            && remedy.contains("worker_prefetch_multiplier = 1"),
        "{remedy}"
    );
}

#[test]
fn without_task_events_the_durations_are_not_sampled_and_nothing_is_left() {
    let v = Vhost::new("ev-off");
    let node = "w1@celtool-it";
    let w = Worker::start_with(&v.name, node, &[], &[]);
    wait_answering(&v.name, node, &w);
    let before = queue_names(&v.name);
    let _load = load(&v.name, true);
    // Wait until the slow task has run for 2 s or more (and fast ones ran): the run that could
    // be misjudged from the active tasks alone.
    let busy = wait_for(LONG, || {
        let r = run(celtool().args(["fleet", "--vhost", &v.name, "--format", "json"]));
        let rows = r.json()["workers"].as_array().cloned().unwrap_or_default();
        rows.iter()
            .any(|w| {
                w["tasks_done"]["celtool_testapp.sleep"].as_u64() >= Some(1)
                    && w["oldest_active_seconds"].as_u64() >= Some(2)
            })
            .then_some(())
    });
    assert!(busy.is_some(), "the slow task never ran; log:\n{}", w.log());
    let r = doctor(&v.name);
    let f = findings(&r, ID);
    assert_nothing_left(&v.name, &before);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (&f[0]["severity"], &f[0]["subject"]),
        (
            &Value::from("ok"),
            &Value::from(format!("vhost {}", v.name))
        )
    );
    assert_eq!(
        f[0]["summary"],
        "task durations not sampled: no task event came: the workers send none (worker_send_task_events / -E off) or ran no task meanwhile, so only the running tasks were seen"
    );
    // --no-event-sample: not even that.
    let r = run(celtool()
        .args([
            "doctor",
            "--only",
            "broker",
            "--all",
            "--format",
            "json",
            "--no-event-sample",
            "--vhost",
            &v.name,
        ])
        .args(skip_node_wide()));
    assert!(findings(&r, ID).is_empty(), "{}", r.stdout);
}

#[test]
fn a_fleet_of_fast_tasks_with_task_events_gives_nothing_above_ok() {
    let v = Vhost::new("ev-fast");
    let node = "w1@celtool-it";
    let w = Worker::start(&v.name, node);
    wait_answering(&v.name, node, &w);
    let before = queue_names(&v.name);
    let _load = load(&v.name, false);
    let mut last = None;
    let sampled = wait_for(LONG, || {
        let r = doctor(&v.name);
        let f = findings(&r, ID);
        let runs = f
            .first()
            .and_then(|f| f["evidence"]["ended_runs"].as_u64())
            .unwrap_or(0);
        if runs > 0 {
            return Some((r, f));
        }
        last = Some(r);
        None
    });
    let (r, f) = sampled.unwrap_or_else(|| panic!("no task run sampled; last run: {last:#?}"));
    assert_nothing_left(&v.name, &before);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["severity"], "ok");
    let summary = f[0]["summary"].as_str().unwrap();
    assert!(summary.contains("name(s) seen"), "{summary}");
    // Task events that no monitor consumes are events.traffic-share's business, not this test's.
    let workers_problems: Vec<_> = r
        .problems()
        .into_iter()
        .filter(|(id, _, _)| id.starts_with("workers.") || id.starts_with("delayed."))
        .collect();
    assert_eq!(workers_problems, vec![], "{}", r.stdout);
}
