use super::*;
use crate::output::probe::line;
use crate::rabbitmq::records::Consumer;
use crate::workers::{VhostReport, WorkerReport};

fn proc(pid: i32, ppid: i32, state: char, cmdline: &[&str]) -> Process {
    let cmdline: Vec<String> = cmdline.iter().map(|s| s.to_string()).collect();
    Process {
        pid,
        ppid,
        state,
        comm: "celery".into(),
        title: cmdline.join(" "),
        cmdline,
        rss_bytes: 0,
        start_ticks: 0,
        threads: 1,
        uid: Some(1000),
    }
}

const W1: &[&str] = &[
    "/venv/bin/python",
    "/venv/bin/celery",
    "-A",
    "p",
    "worker",
    "-n",
    "w1@%h",
];

fn prefork(main_state: char, child_state: char) -> Vec<Process> {
    vec![
        proc(100, 1, main_state, W1),
        proc(101, 100, child_state, W1),
        proc(102, 100, child_state, W1),
    ]
}

fn live(procs: &[Process], node: Option<&str>) -> (Verdict, String) {
    let r = judge_liveness(procs, "box", node, None);
    (r.verdict, r.reason)
}

#[test]
fn liveness_judges_state_and_pool_children() {
    assert_eq!(
        live(&prefork('S', 'S'), Some("w1")),
        (
            Verdict::Pass,
            "w1@box is alive: main process 100, prefork pool, 2 live pool children".into()
        )
    );
    assert_eq!(
        live(&prefork('T', 'S'), Some("w1@%h")),
        (
            Verdict::Fail,
            "w1@box: main process 100 is stopped (state T)".into()
        )
    );
    assert_eq!(
        live(&prefork('t', 'S'), None).0,
        Verdict::Fail,
        "traced-stopped is stopped too"
    );
    assert_eq!(
        live(&prefork('Z', 'S'), Some("w1@box")),
        (
            Verdict::Fail,
            "w1@box: main process 100 is a zombie (state Z)".into()
        )
    );
    assert_eq!(
        live(&prefork('S', 'Z'), None),
        (
            Verdict::Fail,
            "w1@box: main process 100 has no live prefork pool children".into()
        )
    );
    assert_eq!(
        live(&prefork('S', 'S')[..1], None).0,
        Verdict::Fail,
        "a prefork main without children"
    );
}

#[test]
fn liveness_knows_childless_pools_from_the_command_line_or_the_flag() {
    for args in [
        &["-P", "solo"][..],
        &["--pool=threads"],
        &["-Pgevent"],
        &["--pool", "eventlet"],
    ] {
        let mut cmd = W1.to_vec();
        cmd.extend(args);
        let r = judge_liveness(&[proc(100, 1, 'S', &cmd)], "box", None, None);
        assert_eq!(r.verdict, Verdict::Pass, "{args:?}: {}", r.reason);
    }
    let titled = proc(
        7,
        1,
        'R',
        &["[celeryd: w1@box:MainProcess] -active- (worker -A proj -P solo -n w1@%h)"],
    );
    let r = judge_liveness(&[titled], "box", Some("w1"), None);
    assert_eq!(r.verdict, Verdict::Pass);
    assert!(
        matches!(&r.detail, Detail::Liveness { pool: Some(p), .. } if p == "solo"),
        "{r:?}"
    );
    let r = judge_liveness(&prefork('S', 'S')[..1], "box", None, Some("solo"));
    assert_eq!(r.verdict, Verdict::Pass);
}

#[test]
fn liveness_cannot_tell_without_exactly_one_worker() {
    assert_eq!(
        live(&prefork('S', 'S'), Some("w2")),
        (
            Verdict::Unknown,
            "no Celery worker w2@box on this host (workers here: w1@box)".into()
        )
    );
    assert_eq!(
        live(&[], None),
        (
            Verdict::Unknown,
            "no Celery worker on this host (workers here: none)".into()
        )
    );
    let mut two = prefork('S', 'S');
    two.push(proc(200, 1, 'S', &["celery", "worker", "-n", "w2@%h"]));
    assert_eq!(
        live(&two, None),
        (
            Verdict::Unknown,
            "2 Celery workers on this host (w1@box, w2@box): name one with --node".into()
        )
    );
    // w2 has no children and no -P: a prefork worker without its pool.
    assert_eq!(live(&two, Some("w2")).0, Verdict::Fail);
}

fn answered(node: &str, queues: &[&str]) -> FleetSnapshot {
    let q: Vec<serde_json::Value> = queues
        .iter()
        .map(|q| serde_json::json!({"name": q}))
        .collect();
    let w = WorkerReport::from_replies(
        node,
        "v",
        [
            ("ping".to_string(), serde_json::json!({"ok": "pong"})),
            ("active_queues".to_string(), serde_json::Value::Array(q)),
        ]
        .into(),
        0.0,
    );
    FleetSnapshot {
        vhosts: vec![VhostReport {
            vhost: "v".into(),
            mailbox_exchange: true,
            workers: vec![w],
            ..VhostReport::default()
        }],
        timeout_ms: 1000,
    }
}

fn consumer(queue: &str, conn: &str) -> Consumer {
    serde_json::from_value(serde_json::json!({
        "queue": {"name": queue, "vhost": "v"},
        "channel_details": {"connection_name": conn}
    }))
    .unwrap()
}

#[test]
fn readiness_wants_ping_and_a_consumer_from_the_workers_connection() {
    let fleet = answered("w1@h", &["celery", "high"]);
    let mut snap = Snapshot {
        consumers: vec![
            consumer("w1@h.celery.pidbox", "c1"),
            consumer("celery", "c1"),
            consumer("high", "c2"),
        ],
        ..Snapshot::default()
    };
    let r = judge_readiness("w1@h", &fleet, &snap, None);
    assert_eq!(
        line(&r),
        "not ready: w1@h answered ping but the broker shows no consumer of it on high\n"
    );
    snap.consumers.push(consumer("high", "c1"));
    let r = judge_readiness("w1@h", &fleet, &snap, None);
    assert_eq!(
        line(&r),
        "ok: w1@h is ready: answered ping, consuming 2 queue(s) (celery, high)\n"
    );
    // No mailbox consumer seen: any consumer of the queue will do.
    snap.consumers
        .retain(|c| c.queue_name() != "w1@h.celery.pidbox");
    assert_eq!(
        judge_readiness("w1@h", &fleet, &snap, None).verdict,
        Verdict::Pass
    );
    let r = judge_readiness("w1@h", &fleet, &snap, Some(&Error::Io("503".into())));
    assert_eq!(r.verdict, Verdict::Unknown);
}

#[test]
fn readiness_fails_a_silent_worker_and_cannot_tell_an_unreachable_vhost() {
    let silent = FleetSnapshot {
        vhosts: vec![VhostReport {
            vhost: "v".into(),
            silent: vec!["w1@h".into()],
            ..VhostReport::default()
        }],
        timeout_ms: 1000,
    };
    let r = judge_readiness("w1@h", &silent, &Snapshot::default(), None);
    assert_eq!(
        line(&r),
        "not ready: w1@h did not answer ping in vhost v (its mailbox has a consumer: hung?)\n"
    );
    let down = FleetSnapshot {
        vhosts: vec![VhostReport {
            vhost: "v".into(),
            error: Some("cannot connect".into()),
            ..VhostReport::default()
        }],
        timeout_ms: 1000,
    };
    let r = judge_readiness("w1@h", &down, &Snapshot::default(), None);
    assert_eq!(r.verdict, Verdict::Unknown);
    let r = judge_readiness(
        "w1@h",
        &FleetSnapshot::default(),
        &Snapshot::default(),
        None,
    );
    assert_eq!(line(&r), "not ready: w1@h did not answer ping\n");
}
