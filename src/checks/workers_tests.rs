//! The workers checks over replies captured from real Celery 5.7 workers (tests/it/workers.rs writes
//! them with CELTOOL_WRITE_FIXTURES=1), edited where a test needs another value.
use super::*;
use crate::checks::testing::problems;
use serde_json::{Value, json};

fn fixture(name: &str) -> FleetSnapshot {
    let text = match name {
        "idle-defaults" => include_str!("../../tests/fixtures/workers/idle-defaults.json"),
        "acks-late-prefetch-4" => {
            include_str!("../../tests/fixtures/workers/acks-late-prefetch-4.json")
        }
        "acks-late-safe" => include_str!("../../tests/fixtures/workers/acks-late-safe.json"),
        "mixed-queue" => include_str!("../../tests/fixtures/workers/mixed-queue.json"),
        "hung" => include_str!("../../tests/fixtures/workers/hung.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).expect("fixture")
}

fn run(fleet: &FleetSnapshot, broker: &Snapshot, expect: &Expect) -> Vec<Finding> {
    check(fleet, broker, &Thresholds::default(), expect)
}

fn none() -> Snapshot {
    Snapshot {
        host: "broker.test".into(),
        ..Snapshot::default()
    }
}

/// A broker where node's mailbox (and `task_queue`, with `ready` messages) are consumed on
/// one connection from 10.0.0.7.
fn broker_with_mailbox(node: &str, task_queue: Option<(&str, u64)>) -> Snapshot {
    let conn = "10.0.0.7:51234 -> 10.0.0.1:5672";
    let mut queues =
        vec![json!({"name": format!("{node}.celery.pidbox"), "vhost": "fixture", "consumers": 1})];
    let mut consumers = vec![
        json!({"queue": {"name": format!("{node}.celery.pidbox"), "vhost": "fixture"},
        "channel_details": {"connection_name": conn}}),
    ];
    if let Some((q, ready)) = task_queue {
        queues
            .push(json!({"name": q, "vhost": "fixture", "consumers": 1, "messages_ready": ready}));
        consumers.push(json!({"queue": {"name": q, "vhost": "fixture"},
            "channel_details": {"connection_name": conn}}));
    }
    Snapshot {
        host: "broker.test".into(),
        queues: queues.into_iter().map(|q| serde_json::from_value(q).unwrap()).collect(),
        consumers: consumers.into_iter().map(|c| serde_json::from_value(c).unwrap()).collect(),
        connections: vec![serde_json::from_value(json!({"name": conn, "vhost": "fixture",
            "peer_host": "10.0.0.7", "state": "running", "client_properties": {"product": "py-amqp"}}))
        .unwrap()],
        ..Snapshot::default()
    }
}

fn edit(fleet: &mut FleetSnapshot, f: impl Fn(&mut WorkerReport)) {
    for v in &mut fleet.vhosts {
        v.workers.iter_mut().for_each(&f);
    }
}

fn set_conf(w: &mut WorkerReport, key: &str, value: Value) {
    w.replies.get_mut("conf").unwrap()[key] = value;
}

#[test]
fn two_idle_workers_with_celerys_defaults_are_ok() {
    let fleet = fixture("idle-defaults");
    assert_eq!(fleet.workers().count(), 2);
    let f = run(
        &fleet,
        &none(),
        &Expect {
            count: Some(2),
            patterns: vec!["w*@*".into()],
        },
    );
    assert_eq!(problems(&f), vec![]);
    let ids: Vec<(&str, Severity)> = f.iter().map(|f| (f.id, f.severity)).collect();
    assert_eq!(
        ids,
        vec![
            ("workers.no-recycle", Severity::Ok),
            ("workers.hung", Severity::Ok)
        ]
    );
}

#[test]
fn acks_late_needs_prefetch_1_and_reject_on_worker_lost() {
    let f = run(
        &fixture("acks-late-prefetch-4"),
        &none(),
        &Expect::default(),
    );
    assert_eq!(
        problems(&f),
        vec![("workers.acks-late", Severity::Warn, "w1@celtool-it".into())]
    );
    assert_eq!(
        f[0].summary,
        "task_acks_late is on with worker_prefetch_multiplier > 1 (4) and task_reject_on_worker_lost not True: w1@celtool-it"
    );
    assert!(
        f[0].remedy.starts_with(
            "set worker_prefetch_multiplier = 1 and task_reject_on_worker_lost = True beside"
        ),
        "{}",
        f[0].remedy
    );
    assert_eq!(
        problems(&run(
            &fixture("acks-late-safe"),
            &none(),
            &Expect::default()
        )),
        vec![]
    );
    let mut no_reject = fixture("acks-late-safe");
    edit(&mut no_reject, |w| {
        set_conf(w, "task_reject_on_worker_lost", Value::Null)
    });
    let f = run(&no_reject, &none(), &Expect::default());
    assert_eq!(
        problems(&f),
        vec![("workers.acks-late", Severity::Warn, "w1@celtool-it".into())]
    );
    assert_eq!(
        f[0].summary,
        "task_acks_late is on with task_reject_on_worker_lost not True: w1@celtool-it"
    );
    assert!(
        f[0].remedy
            .starts_with("set task_reject_on_worker_lost = True beside"),
        "{}",
        f[0].remedy
    );
}

#[test]
fn acks_late_asks_only_for_what_is_not_set_and_names_the_workers_it_concerns() {
    // Two workers with reject on: the fix must not ask for it again.
    let mut fleet = fixture("acks-late-safe");
    let mut second = fleet.vhosts[0].workers[0].clone();
    second.node = "w2@celtool-it".into();
    fleet.vhosts[0].workers.push(second);
    edit(&mut fleet, |w| {
        let m = if w.node.starts_with("w1") { 4 } else { 8 };
        set_conf(w, "worker_prefetch_multiplier", json!(m));
    });
    let f = run(&fleet, &none(), &Expect::default());
    assert_eq!(f[0].id, "workers.acks-late");
    assert_eq!(
        f[0].summary,
        "task_acks_late is on with worker_prefetch_multiplier > 1 (w1@celtool-it: 4, w2@celtool-it: 8): w1@celtool-it, w2@celtool-it"
    );
    assert!(
        !f[0].remedy.contains("task_reject_on_worker_lost"),
        "{}",
        f[0].remedy
    );
    // One worker without reject: that setting names it.
    edit(&mut fleet, |w| {
        if w.node.starts_with("w2") {
            set_conf(w, "task_reject_on_worker_lost", Value::Null)
        }
    });
    let f = run(&fleet, &none(), &Expect::default());
    assert_eq!(
        f[0].summary,
        "task_acks_late is on with worker_prefetch_multiplier > 1 (w1@celtool-it: 4, w2@celtool-it: 8) and task_reject_on_worker_lost not True on w2@celtool-it: w1@celtool-it, w2@celtool-it"
    );
}

#[test]
fn a_silent_worker_with_a_consumed_mailbox_is_hung_and_its_queue_unserved() {
    let broker = broker_with_mailbox("w1@celtool-it", Some(("celery", 5)));
    let f = run(&fixture("hung"), &broker, &Expect::default());
    assert_eq!(
        problems(&f),
        vec![
            ("workers.hung", Severity::Crit, "w1@celtool-it".into()),
            (
                "workers.queue-unserved",
                Severity::Crit,
                "fixture/celery".into()
            ),
        ]
    );
    let hung = &f[0];
    assert!(
        hung.summary.contains(
            "connection 10.0.0.7:51234 -> 10.0.0.1:5672 from host 10.0.0.7 (state running)"
        ),
        "{}",
        hung.summary
    );
    assert!(
        hung.remedy.contains("py-spy dump") && hung.remedy.contains("restart"),
        "{}",
        hung.remedy
    );
    assert_eq!(hung.host.as_deref(), Some("broker.test"));
}

#[test]
fn fewer_answers_than_expected_are_missing_workers() {
    let fleet = fixture("idle-defaults");
    let f = run(
        &fleet,
        &none(),
        &Expect {
            count: Some(3),
            patterns: vec!["web@*".into(), "w2@*".into()],
        },
    );
    assert_eq!(
        problems(&f),
        vec![
            ("workers.missing", Severity::Crit, "web@*".into()),
            ("workers.missing", Severity::Crit, "workers".into()),
        ]
    );
    assert!(
        f.iter()
            .any(|f| f.summary == "2 of 3 expected worker(s) answered ping")
    );
}

#[test]
fn a_queue_served_by_an_answering_worker_is_not_unserved() {
    let fleet = fixture("idle-defaults");
    let node = fleet.workers().next().unwrap().node.clone();
    let broker = broker_with_mailbox(&node, Some(("celery", 5)));
    assert_eq!(problems(&run(&fleet, &broker, &Expect::default())), vec![]);
}

#[test]
fn slow_tasks_beside_fast_ones_name_the_slow_task_and_the_route() {
    let all = run(&fixture("mixed-queue"), &none(), &Expect::default());
    assert_eq!(
        problems(&all),
        vec![(
            "workers.mixed-queue",
            Severity::Warn,
            "fixture/celery".into()
        )]
    );
    let f: Vec<Finding> = all
        .into_iter()
        .filter(|f| f.id == "workers.mixed-queue")
        .collect();
    assert!(
        f[0].summary
            .contains("slow tasks (celtool_testapp.sleep, running up to 3s)"),
        "{}",
        f[0].summary
    );
    assert!(
        f[0].summary.contains("fast ones (celtool_testapp.add)"),
        "{}",
        f[0].summary
    );
    assert!(
        f[0].remedy
            .contains("task_routes = {'celtool_testapp.sleep': {'queue': 'celery_slow'}}"),
        "{}",
        f[0].remedy
    );
}

#[test]
fn long_running_tasks_meet_time_limit_prefetch_and_consumer_timeout() {
    let mut fleet = fixture("mixed-queue");
    // The same replies read 31 minutes after the tasks started, by a worker with prefetch 4.
    edit(&mut fleet, |w| {
        w.received_at += 1860.0;
        set_conf(w, "worker_prefetch_multiplier", json!(4));
    });
    let ids: Vec<_> = problems(&run(&fleet, &none(), &Expect::default()));
    assert_eq!(
        ids,
        vec![
            (
                "workers.consumer-timeout",
                Severity::Crit,
                "w1@celtool-it".into()
            ),
            (
                "workers.mixed-queue",
                Severity::Warn,
                "fixture/celery".into()
            ),
            (
                "workers.no-time-limit",
                Severity::Warn,
                "w1@celtool-it".into()
            ),
            (
                "workers.prefetch-long-tasks",
                Severity::Warn,
                "w1@celtool-it".into()
            ),
        ]
    );
    // With a time limit set, only the time-limit finding goes.
    edit(&mut fleet, |w| set_conf(w, "task_time_limit", json!(3600)));
    assert!(
        !run(&fleet, &none(), &Expect::default())
            .iter()
            .any(|f| f.id == "workers.no-time-limit")
    );
}

#[test]
fn settings_that_fail_in_the_field_are_flagged_once_per_vhost() {
    let mut fleet = fixture("idle-defaults");
    edit(&mut fleet, |w| {
        set_conf(w, "event_queue_ttl", Value::Null);
        w.replies.get_mut("stats").unwrap()["broker"]["heartbeat"] = json!(0);
        w.replies.get_mut("stats").unwrap()["rusage"]["maxrss"] = json!(2_000_000);
    });
    let p = problems(&run(&fleet, &none(), &Expect::default()));
    let subject = "vhost fixture (2 workers)".to_string();
    assert_eq!(
        p,
        vec![
            ("workers.event-queue-ttl", Severity::Warn, subject.clone()),
            ("workers.heartbeat-off", Severity::Warn, subject.clone()),
            ("workers.no-recycle", Severity::Warn, subject.clone()),
        ]
    );
    // A max-memory-per-child clears the RSS finding.
    edit(&mut fleet, |w| {
        set_conf(w, "worker_max_memory_per_child", json!(512000))
    });
    assert!(
        !run(&fleet, &none(), &Expect::default())
            .iter()
            .any(|f| f.id == "workers.no-recycle")
    );
}

#[test]
fn task_events_warn_only_across_many_workers() {
    let mut fleet = fixture("idle-defaults");
    edit(&mut fleet, |w| {
        set_conf(w, "worker_send_task_events", json!(true))
    });
    assert_eq!(problems(&run(&fleet, &none(), &Expect::default())), vec![]);
    let one = fleet.vhosts[0].workers[0].clone();
    fleet.vhosts[0].workers = (0..12)
        .map(|i| WorkerReport {
            node: format!("w{i}@h"),
            ..one.clone()
        })
        .collect();
    assert_eq!(
        problems(&run(&fleet, &none(), &Expect::default())),
        vec![(
            "workers.task-events",
            Severity::Warn,
            "vhost fixture (12 workers)".into()
        )]
    );
}

#[test]
fn stored_results_warn_only_when_result_queues_go_unread() {
    let mut fleet = fixture("idle-defaults");
    edit(&mut fleet, |w| {
        set_conf(w, "result_backend", json!("rpc://"))
    });
    assert_eq!(problems(&run(&fleet, &none(), &Expect::default())), vec![]);
    let mut broker = none();
    broker.queues = vec![
        serde_json::from_value(json!({"name": "4f0c2a4e-3d5b-4c8e-9f1a-2b3c4d5e6f70",
        "vhost": "fixture", "consumers": 0, "messages_ready": 40}))
        .unwrap(),
    ];
    assert_eq!(
        problems(&run(&fleet, &broker, &Expect::default())),
        vec![(
            "workers.results-unread",
            Severity::Warn,
            "vhost fixture (2 workers)".into()
        )]
    );
}

#[test]
fn workers_not_asked_during_an_alarm_are_unknown_and_not_missing() {
    let fleet = crate::workers::not_asked(
        &[crate::workers::VhostPlan {
            vhost: "v".into(),
            known_nodes: vec![],
            known_all: false,
            task_event_traffic: false,
        }],
        "the broker blocks publishers (memory alarm on rabbit@h)",
        std::time::Duration::from_secs(1),
    );
    let expect = Expect {
        count: Some(2),
        ..Expect::default()
    };
    let found = run(&fleet, &none(), &expect);
    assert_eq!(
        problems(&found),
        vec![
            ("workers.missing", Severity::Unknown, "workers".into()),
            ("workers.not-asked", Severity::Unknown, "vhost v".into()),
        ]
    );
    let not_asked = found.iter().find(|f| f.id == "workers.not-asked").unwrap();
    assert_eq!(
        not_asked.summary,
        "the workers were not asked: the broker blocks publishers (memory alarm on rabbit@h)"
    );
}

#[test]
fn an_unreachable_vhost_is_unknown() {
    let fleet = FleetSnapshot {
        vhosts: vec![VhostReport {
            vhost: "v".into(),
            error: Some("amqp://u@h:5672 vhost 'v': cannot connect: refused".into()),
            ..VhostReport::default()
        }],
        timeout_ms: 1000,
    };
    assert_eq!(
        problems(&run(&fleet, &none(), &Expect::default())),
        vec![("workers.unreachable", Severity::Unknown, "vhost v".into())]
    );
}

#[test]
fn a_mailbox_whose_worker_answered_is_not_reported_without_consumer() {
    let fleet = fixture("idle-defaults");
    let answered: Vec<&WorkerReport> = fleet.workers().collect();
    let subject = |w: &WorkerReport| queue_subject(&w.vhost, &format!("{}.celery.pidbox", w.node));
    // The queue list said 0 consumers (its stats lag); a gone worker's mailbox stays reported.
    let mut findings: Vec<Finding> = answered
        .iter()
        .map(|w| subject(w))
        .chain(["fixture/gone@host.celery.pidbox".to_string()])
        .map(|s| Finding::new("celery.mailbox.no-consumer", Severity::Warn, s))
        .collect();
    drop_answered_mailboxes(&fleet, &mut findings);
    let left: Vec<&str> = findings.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(left, vec!["fixture/gone@host.celery.pidbox"]);
}

/// This host's process table holding `w`'s main process and its pool, the first pool process
/// at `rss` bytes.
fn local_processes(w: &WorkerReport, rss: u64) -> Vec<crate::host::Process> {
    let main = w.pid().unwrap() as i32;
    let proc = |pid: i32, ppid: i32, rss_bytes: u64| crate::host::Process {
        pid,
        ppid,
        state: 'S',
        comm: "celery".into(),
        cmdline: vec!["celery".into(), "-A".into(), "app".into(), "worker".into()],
        title: format!("[celeryd: {}:MainProcess] -active-", w.node),
        rss_bytes,
        start_ticks: 0,
        threads: 1,
        uid: Some(1000),
    };
    let mut procs = vec![proc(main, 1, 80 << 20)];
    for (i, pid) in w.processes().iter().enumerate() {
        let mut child = proc(*pid as i32, main, if i == 0 { rss } else { 60 << 20 });
        child.title = format!("[celeryd: {}:ForkPoolWorker-{}]", w.node, i + 1);
        procs.push(child);
    }
    procs
}

#[test]
fn a_leaking_pool_process_is_judged_where_this_host_sees_it_and_said_unseen_elsewhere() {
    let mut fleet = fixture("idle-defaults");
    fleet.vhosts[0].workers.truncate(1);
    let w = fleet.vhosts[0].workers[0].clone();
    assert!(!w.processes().is_empty(), "the fixture lists its pool");
    let procs = local_processes(&w, 1_395_864_371);
    let f = check_seen_from(
        &fleet,
        &none(),
        &Thresholds::default(),
        &Expect::default(),
        Some(&procs),
    );
    let r = f.iter().find(|f| f.id == "workers.no-recycle").unwrap();
    assert_eq!(
        (r.severity, r.subject.as_str()),
        (Severity::Warn, w.node.as_str())
    );
    assert_eq!(
        r.summary,
        format!(
            "a pool process is big and neither worker_max_tasks_per_child nor worker_max_memory_per_child is set: {} pool process {} uses 1.3 GiB",
            w.node,
            w.processes()[0]
        )
    );
    // From a monitoring host the main process's 80 MiB peak says nothing of the pool: ok, and
    // it says where the pool can be seen.
    let f = run(&fleet, &none(), &Expect::default());
    let r = f.iter().find(|f| f.id == "workers.no-recycle").unwrap();
    assert_eq!(r.severity, Severity::Ok);
    assert!(
        r.summary
            .contains("`celtool doctor --only host` on the worker's own host"),
        "{}",
        r.summary
    );
    // A small pool seen here: nothing to say beyond ok-by-absence.
    let procs = local_processes(&w, 50 << 20);
    let f = check_seen_from(
        &fleet,
        &none(),
        &Thresholds::default(),
        &Expect::default(),
        Some(&procs),
    );
    assert!(!f.iter().any(|f| f.id == "workers.no-recycle"), "{f:#?}");
}
