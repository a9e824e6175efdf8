//! `celtool doctor` against the live broker: real state for each finding, in a vhost per test.

use serde_json::json;

use crate::support::*;

/// `celtool doctor --only broker --vhost V` with `args`, the node-wide IDs skipped: these tests
/// judge their own vhost, and the exit code of a shared broker's report also counts what other
/// users do to the node (a memory alarm, the management plugin's memory with 10 000 queues
/// elsewhere). The node-wide checks are tested on a private node (tests/broker_global.rs).
fn doctor(v: &Vhost, args: &[&str]) -> Run {
    run(celtool()
        .args(["doctor", "--only", "broker", "--vhost", &v.name])
        .args(args)
        .args(skip_node_wide()))
}

/// The problems of this test's vhost (its queues, policies, connections, workers).
fn vhost_problems(v: &Vhost, r: &Run) -> Vec<(String, String, String)> {
    r.vhost_problems(&v.name)
}

#[test]
fn a_clean_vhost_is_ok_with_exit_0() {
    let v = Vhost::new("clean");
    v.declare("celery", json!({}));
    let r = doctor(&v, &[]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout
            .contains("celtool: OK: 0 critical, 0 warning, 0 unknown"),
        "{r:#?}"
    );
    assert!(r.stdout.contains(&format!("vhost {}", v.name)), "{r:#?}");
    let j = doctor(&v, &["--format", "json"]);
    assert_eq!(
        (
            j.code,
            j.json()["status"].as_str(),
            j.vhost_problems(&v.name)
        ),
        (0, Some("ok"), vec![]),
        "{j:#?}"
    );
}

#[test]
fn with_a_vhost_the_summary_says_host_findings_cover_the_whole_host() {
    let v = Vhost::new("hostscope");
    v.declare("celery", json!({}));
    let r = run(celtool()
        .args(["doctor", "--vhost", &v.name, "--no-workers"])
        .args(skip_node_wide()));
    let last = r.stdout.lines().last().unwrap_or("");
    assert!(
        last.ends_with(&format!(
            "vhost {0}; host findings cover every process on this host, not only vhost {0}'s workers)",
            v.name
        )),
        "{r:#?}"
    );
    // Without host checks there is nothing to say.
    let b = doctor(&v, &[]);
    assert!(!b.stdout.contains("host findings"), "{b:#?}");
}

#[test]
fn event_queue_without_ttl_with_messages_and_no_consumer_is_critical() {
    let v = Vhost::new("evnottl");
    let q = "celeryev.0f1e2d3c-4b5a-4968-8776-655443322110";
    v.declare(q, json!({}));
    v.publish(q, 3);
    v.wait_ready(q, 3);
    let r = v.doctor_until(|r| r.code == 2);
    assert_eq!(
        vhost_problems(&v, &r),
        vec![p("events.no-ttl", "crit", &v.subject(q))]
    );
    let f = &r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "events.no-ttl")
        .unwrap()
        .clone();
    assert_eq!(f["evidence"]["messages_ready"], 3.0);
    assert_eq!(f["area"], "celery");
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("rabbitmqctl set_policy -p celtool-it-evnottl")
    );
    assert_eq!(f["host"], "localhost");
}

#[test]
fn empty_event_queue_without_ttl_warns_and_a_policy_ttl_counts() {
    let v = Vhost::new("evempty");
    let bare = "celeryev.bare";
    let by_policy = "celeryev.bypolicy";
    v.declare(bare, json!({}));
    v.declare(by_policy, json!({}));
    // Only the second queue matches the policy, which gives TTL and expiry.
    v.policy(
        "evttl",
        "^celeryev\\.bypolicy$",
        json!({"message-ttl": 5000, "expires": 600000}),
        5,
    );
    let expected = vec![
        p("events.no-consumer", "warn", &v.subject(by_policy)),
        p("events.no-ttl", "warn", &v.subject(bare)),
    ];
    // RabbitMQ applies policies asynchronously: wait until the policy shows in the queue.
    let r = v.doctor_until(|r| vhost_problems(&v, r) == expected);
    assert_eq!(r.code, 1, "{r:#?}");
}

#[test]
fn ready_messages_without_consumer_are_critical() {
    let v = Vhost::new("backlog");
    v.declare("celery", json!({}));
    v.publish("celery", 5);
    v.wait_ready("celery", 5);
    let r = v.doctor_until(|r| r.code == 2);
    assert_eq!(
        vhost_problems(&v, &r),
        vec![p("queues.no-consumers", "crit", &v.subject("celery"))]
    );
    // Human output names it too, with the fix.
    let t = doctor(&v, &[]);
    assert_eq!(t.code, 2, "{t:#?}");
    assert!(
        t.stdout.contains("CRIT    queues.no-consumers"),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout
            .contains("fix: start a worker for it: celery -A PROJ worker -Q celery"),
        "{}",
        t.stdout
    );
}

#[test]
fn worker_mailbox_without_consumer_warns() {
    let v = Vhost::new("mailbox");
    let q = "w1@gone-host.celery.pidbox";
    v.declare(q, json!({}));
    let r = v.doctor_until(|r| r.code == 1);
    assert_eq!(
        vhost_problems(&v, &r),
        vec![p("celery.mailbox.no-consumer", "warn", &v.subject(q))]
    );
}

#[test]
fn per_task_result_queues_are_a_result_flood() {
    let v = Vhost::new("results");
    v.declare_exchange("celeryresults", "direct");
    for i in 0..101u32 {
        v.declare(
            &format!("{:032x}", 0xabc000 + i),
            json!({"x-expires": 86_400_000}),
        );
    }
    let r = v.doctor_until(|r| r.code == 1);
    assert_eq!(
        vhost_problems(&v, &r),
        vec![p("results.flood", "warn", &v.name)]
    );
    let doc = r.json();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "results.flood")
        .unwrap();
    assert_eq!(f["evidence"]["per_task_queues"], 101.0);
}

#[test]
fn ha_mode_policy_warns_and_skip_silences_it() {
    let v = Vhost::new("hamode");
    v.policy("mirror-all", ".*", json!({"ha-mode": "all"}), 0);
    let r = v.doctor_until(|r| r.code == 1);
    assert_eq!(
        vhost_problems(&v, &r),
        vec![p("broker.policy.ha-mode", "warn", &v.subject("mirror-all"))]
    );
    let r = doctor(&v, &["--skip", "broker.policy", "--format", "json"]);
    assert_eq!((r.code, vhost_problems(&v, &r)), (0, vec![]), "{r:#?}");
}

#[test]
fn thresholds_from_the_config_file_apply() {
    let v = Vhost::new("thresholds");
    v.declare("work", json!({}));
    v.publish("work", 4);
    v.wait_ready("work", 4);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    // No consumer makes it critical from one message on; raise that level so only a very
    // large backlog would count.
    write(
        &cfg,
        "[thresholds]\n\"queues.no-consumers\" = { crit = 1000000 }\n",
    );
    let r = run(celtool()
        .args([
            "doctor", "--only", "broker", "--vhost", &v.name, "--format", "json",
        ])
        .args(skip_node_wide())
        .env("CELTOOL_CONFIG", &cfg));
    assert_eq!((r.code, vhost_problems(&v, &r)), (0, vec![]), "{r:#?}");
}

#[test]
fn prometheus_and_nagios_formats() {
    let v = Vhost::new("formats");
    v.declare("w9@h.celery.pidbox", json!({}));
    let r = v.doctor_until(|r| r.code == 1);
    drop(r);
    let prom = doctor(&v, &["--format", "prometheus"]);
    assert_eq!(prom.code, 1, "{prom:#?}");
    assert!(
        prom.stdout
            .contains("# TYPE celtool_status gauge\nceltool_status 1\n"),
        "{}",
        prom.stdout
    );
    assert!(
        prom.stdout.contains(&format!(
            "celtool_finding_severity{{id=\"celery.mailbox.no-consumer\",subject=\"{}\",host=\"localhost\"}} 1",
            v.subject("w9@h.celery.pidbox")
        )),
        "{}",
        prom.stdout
    );
    let nag = doctor(&v, &["--format", "nagios"]);
    assert_eq!(nag.code, 1, "{nag:#?}");
    assert!(
        nag.stdout.starts_with(&format!(
            "CELTOOL WARNING: 0 critical, 1 warning, 0 unknown: celery.mailbox.no-consumer {} | 'crit'=0;;;0",
            v.subject("w9@h.celery.pidbox")
        )),
        "{}",
        nag.stdout
    );
    assert_eq!(nag.stdout.lines().count(), 1);
}

#[test]
fn unknown_vhost_is_a_clear_error() {
    let r = run(celtool().args([
        "doctor",
        "--only",
        "broker",
        "--vhost",
        "celtool-it-no-such-vhost",
    ]));
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr.lines().next().unwrap_or(""),
        "celtool: error: vhost 'celtool-it-no-such-vhost' does not exist on http://localhost:15672/; list them with: rabbitmqctl list_vhosts"
    );
}
