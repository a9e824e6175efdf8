//! `celtool probe liveness|readiness` against a real Celery worker (prefork, from the test venv)
//! on a vhost of the test's own: both pass, both fail while the worker is stopped (SIGSTOP),
//! both pass again when it is continued; liveness never needs the broker.

use nix::sys::signal::Signal;

use crate::formats::check::valid_json;
use crate::support::*;

fn liveness(node: &str, extra: &[&str]) -> Run {
    run(celtool()
        .args(["probe", "liveness", "--node", node])
        .args(extra))
}

/// Replies bounded well inside the 10 s default deadline, second ping round included.
fn readiness_args(vhost: &str, node: &str) -> Vec<String> {
    [
        "probe",
        "readiness",
        "--node",
        node,
        "--vhost",
        vhost,
        "--reply-timeout",
        "2s",
    ]
    .map(str::to_string)
    .to_vec()
}

fn readiness(vhost: &str, node: &str) -> Run {
    run(celtool().args(readiness_args(vhost, node)))
}

/// Wait until `probe` exits `code`; panic with its last run and the worker's log if it never does.
fn wait_code(what: &str, code: i32, w: &Worker, probe: impl Fn() -> Run) -> Run {
    let mut last = String::new();
    let done = wait_for(CELERY_WAIT, || {
        let r = probe();
        last = format!("{r:#?}");
        (r.code == code).then_some(r)
    });
    done.unwrap_or_else(|| {
        panic!(
            "{what} never exited {code}; last run: {last}\nworker log:\n{}",
            w.log()
        )
    })
}

#[test]
fn probes_follow_a_real_worker_through_sigstop_and_sigcont() {
    let v = Vhost::new("probe");
    // A node name no other test's worker on this host has.
    let node = format!("probe{}@celtool-it", std::process::id());
    let w = Worker::start_with(&v.name, &node, &[], &[]);

    let alive = wait_code("liveness", 0, &w, || liveness(&node, &[]));
    assert!(
        alive.stdout.starts_with(&format!(
            "ok: {node} is alive: main process {}, prefork pool, ",
            w.pid()
        )),
        "{alive:#?}"
    );
    let ready = wait_code("readiness", 0, &w, || readiness(&v.name, &node));
    assert_eq!(
        ready.stdout,
        format!("ok: {node} is ready: answered ping, consuming 1 queue(s) (celery)\n"),
        "{ready:#?}"
    );

    // The JSON documents, against schemas/probe.json.
    let mut json = readiness_args(&v.name, &node);
    json.extend(["--format".to_string(), "json".to_string()]);
    let r = run(celtool().args(&json));
    let doc = valid_json("probe", &r.stdout);
    assert_eq!(
        (r.code, &doc["verdict"], &doc["queues"]),
        (0, &"pass".into(), &serde_json::json!(["celery"])),
        "{r:#?}"
    );
    let r = liveness(&node, &["--format", "json"]);
    let doc = valid_json("probe", &r.stdout);
    assert_eq!(
        (r.code, &doc["verdict"], &doc["pid"]),
        (0, &"pass".into(), &serde_json::json!(w.pid().as_raw())),
        "{r:#?}"
    );

    // Liveness never reads the broker: an unreachable one changes nothing.
    let r = run(celtool()
        .env("CELTOOL_URL", "http://127.0.0.1:1")
        .env("CELTOOL_AMQP_URL", "amqp://127.0.0.1:1")
        .args(["probe", "liveness", "--node", &node]));
    assert_eq!(r.code, 0, "{r:#?}");

    w.signal(Signal::SIGSTOP);
    let stopped = wait_code("liveness", 2, &w, || liveness(&node, &[]));
    assert_eq!(
        stopped.stdout,
        format!(
            "not alive: {node}: main process {} is stopped (state T)\n",
            w.pid()
        )
    );
    let r = readiness(&v.name, &node);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(
        r.stdout
            .starts_with(&format!("not ready: {node} did not answer ping")),
        "{r:#?}"
    );

    w.signal(Signal::SIGCONT);
    wait_code("liveness", 0, &w, || liveness(&node, &[]));
    wait_code("readiness", 0, &w, || readiness(&v.name, &node));
    drop(w);
}
