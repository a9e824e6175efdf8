//! Tests that change node-wide settings (the memory high watermark, so the memory alarm) and
//! what celtool says then. Each test starts a PRIVATE one-node RabbitMQ of its own
//! (tests/cluster/harness.rs: its own node name, ports, data directory and Erlang cookie) and the
//! node dies with its process group when the test ends, also when it fails; the watermark is
//! restored by a guard before that. The machine's own node (5672/15672) is never changed: a
//! memory alarm there blocks every publisher on the machine.
//!
//! Run alone: `cargo test --test broker_global` (one test: add its name). The Celery worker comes
//! from the test venv (CELTOOL_TEST_VENV, made by ./scripts/test-setup.sh).

#[path = "cluster/harness.rs"]
mod harness;
#[path = "common/venv.rs"]
mod venv;
// venv.rs waits with `super::wait`: the harness's copy, not a second one.
use harness::wait;

use std::process::Command;
use std::time::Duration;

use harness::{Cluster, Run, celtool, run, run_bounded, spawn_watched, wait_for};
use serde_json::Value;
use venv::Worker;

/// How long a node takes to show (or drop) an alarm, and a worker to start and answer, on a busy
/// 2-core machine; waits return as soon as the condition holds.
const SLOW: Duration = Duration::from_secs(300);
/// What a command may take beyond the --deadline it was given before the test calls it hung.
const MARGIN: Duration = Duration::from_secs(15);

/// Lowers node 1's memory high watermark so far below what it uses that the memory alarm trips
/// at once; restores the watermark it found when dropped, also when the test fails.
struct MemoryAlarm<'a> {
    cluster: &'a Cluster,
    previous: String,
}

impl<'a> MemoryAlarm<'a> {
    fn raise(cluster: &'a Cluster) -> MemoryAlarm<'a> {
        let previous = cluster
            .ctl(
                0,
                &[
                    "-q",
                    "eval",
                    "vm_memory_monitor:get_vm_memory_high_watermark().",
                ],
            )
            .trim()
            .to_string();
        let guard = MemoryAlarm { cluster, previous };
        cluster.ctl(0, &["set_vm_memory_high_watermark", "0.0001"]);
        guard
    }
}

impl Drop for MemoryAlarm<'_> {
    fn drop(&mut self) {
        // `{absolute,N}` when an absolute limit was configured, else a fraction.
        let p = self.previous.as_str();
        let args: Vec<&str> = match p
            .strip_prefix("{absolute,")
            .and_then(|r| r.strip_suffix('}'))
        {
            Some(n) => vec!["set_vm_memory_high_watermark", "absolute", n],
            None => vec!["set_vm_memory_high_watermark", p],
        };
        // No panic in a drop (it may run while a failed assertion unwinds); the node is killed
        // right after anyway.
        if let Err(e) = self.cluster.try_ctl(0, &args) {
            eprintln!("could not restore the private node's watermark: {e}");
        }
    }
}

/// Wait until node 1's API shows its memory alarm `on` (or off).
fn wait_alarm(c: &Cluster, on: bool) {
    let seen = wait_for(SLOW, || {
        let (status, nodes) = c.get(0, &["nodes"]);
        (status == 200 && nodes[0]["mem_alarm"] == on).then_some(())
    });
    assert!(
        seen.is_some(),
        "the private node never showed mem_alarm {on}:\n{}",
        c.log_tail(0)
    );
}

fn finding<'a>(json: &'a Value, id: &str) -> Option<&'a Value> {
    json["findings"].as_array()?.iter().find(|f| f["id"] == id)
}

fn has(json: &Value, id: &str, severity: &str) -> Option<String> {
    finding(json, id)
        .filter(|f| f["severity"] == severity)
        .map(|f| f["subject"].as_str().unwrap_or("").to_string())
}

#[test]
fn memory_alarm_is_critical_and_clears_after_restore() {
    let c = Cluster::start(1);
    let node = c.nodes[0].name.clone();
    let doctor_json = || {
        let r = run(celtool().args([
            "doctor",
            "--only",
            "broker",
            "--no-workers",
            "--format",
            "json",
            "--url",
            &c.nodes[0].url(),
        ]));
        let json = r.json();
        (r.code, json)
    };
    {
        let _alarm = MemoryAlarm::raise(&c);
        // The alarm is the node's own state; its memory figure comes with the node's first
        // statistics collection, which a busy machine can delay past the alarm: wait for both.
        let seen = wait_for(SLOW, || {
            let (code, json) = doctor_json();
            let measured = finding(&json, "broker.alarm.memory")
                .is_some_and(|f| f["evidence"]["mem_used_bytes"].as_f64().is_some());
            has(&json, "broker.alarm.memory", "crit")
                .filter(|_| measured)
                .map(|subject| (code, subject, json))
        });
        let (code, subject, json) = seen.expect("doctor never reported the memory alarm");
        assert_eq!((code, subject.as_str()), (2, node.as_str()), "{json:#}");
        let f = finding(&json, "broker.alarm.memory").unwrap();
        assert!(
            f["summary"]
                .as_str()
                .unwrap()
                .contains("publishers are blocked cluster-wide"),
            "{f:#}"
        );
        assert!(f["evidence"]["mem_used_bytes"].as_f64().unwrap() > 0.0);
        // The headroom says it as an alarm with both figures, critical (not "uses 263424%").
        let h = finding(&json, "broker.memory.headroom").unwrap();
        assert_eq!(h["severity"], "crit", "{h:#}");
        let summary = h["summary"].as_str().unwrap();
        assert!(summary.starts_with("memory alarm: "), "{h:#}");
        assert!(summary.contains("(vm_memory_high_watermark)"), "{h:#}");
        // One naming: the version finding names the node as the node findings do.
        assert_eq!(
            has(&json, "broker.version", "ok"),
            Some(node.clone()),
            "{json:#}"
        );
    }
    let cleared = wait_for(SLOW, || {
        let (_, json) = doctor_json();
        has(&json, "broker.alarm.memory", "crit")
            .is_none()
            .then_some(())
    });
    assert!(
        cleared.is_some(),
        "the memory alarm did not clear after the watermark was restored"
    );
}

const VHOST: &str = "celtool-alarm";
const NODE: &str = "w1@celtool-alarm";

/// celtool against the private node's API and AMQP port, in the test's vhost.
fn at(c: &Cluster, args: &[&str]) -> Command {
    let mut cmd = celtool();
    cmd.args(args).args(["--url", &c.nodes[0].url()]).args([
        "--amqp-url",
        &c.amqp_url(0),
        "--vhost",
        VHOST,
    ]);
    cmd
}

/// Run `args` against the private node; it must return within `deadline` + MARGIN, or the test
/// fails naming the contract it broke, the command line and what it printed.
fn within(c: &Cluster, args: &[&str], deadline: Duration) -> Run {
    run_bounded(&mut at(c, args), deadline + MARGIN).unwrap_or_else(|overrun| {
        panic!(
            "during a memory alarm the command ignored its --deadline {} s (it must not publish \
             to celery.pidbox on a blocked connection; it reports the workers as not asked):\n\
             {overrun}",
            deadline.as_secs()
        )
    })
}

/// `celtool ping` until the worker answers (exit 0).
fn wait_answering(c: &Cluster, worker: &Worker, when: &str) {
    let mut last = None;
    let ok = wait_for(SLOW, || {
        let r = run(&mut at(
            c,
            &["ping", "--format", "json", "--reply-timeout", "5s"],
        ));
        let ok = r.code == 0;
        last = Some(r);
        ok.then_some(())
    });
    assert!(
        ok.is_some(),
        "the worker never answered ping {when}; last ping: {last:#?}\nworker log:\n{}",
        worker.log()
    );
}

/// The reply queues (`<uuid>.reply.celery.pidbox`) in the test's vhost.
fn reply_queues(c: &Cluster) -> Vec<String> {
    let (status, queues) = c.get(0, &["queues", VHOST]);
    assert_eq!(status, 200, "GET /api/queues/{VHOST}: {queues}");
    queues
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["name"].as_str())
        .filter(|n| n.ends_with(".reply.celery.pidbox"))
        .map(str::to_string)
        .collect()
}

/// Issue 18: with a memory alarm on, every publisher's connection is blocked, and a worker probe
/// that publishes to celery.pidbox waits forever. doctor and ping must not publish then: they
/// keep their --deadline and say the workers were not asked, and leave no reply queue behind.
#[test]
fn during_a_memory_alarm_doctor_and_ping_do_not_ask_the_workers_and_keep_their_deadline() {
    let c = Cluster::start(1);
    c.add_vhost(VHOST);
    let broker = format!("amqp://guest:guest@127.0.0.1:{}/{VHOST}", c.nodes[0].amqp);
    let worker = Worker::worker_on(&broker, NODE, &[], &[]);
    wait_answering(&c, &worker, "before the alarm");

    let alarm = MemoryAlarm::raise(&c);
    wait_alarm(&c, true);

    let d = within(
        &c,
        &[
            "doctor",
            "--only",
            "broker",
            "--deadline",
            "20s",
            "--format",
            "json",
        ],
        Duration::from_secs(20),
    );
    let json = d.json();
    assert_eq!(d.code, 2, "{d:#?}");
    assert_eq!(
        has(&json, "broker.alarm.memory", "crit"),
        Some(c.nodes[0].name.clone()),
        "{json:#}"
    );
    let f = finding(&json, "workers.not-asked")
        .unwrap_or_else(|| panic!("no workers.not-asked finding: {json:#}"));
    assert_eq!(
        (f["severity"].as_str(), f["subject"].as_str()),
        (Some("unknown"), Some(format!("vhost {VHOST}").as_str())),
        "{f:#}"
    );
    assert!(
        f["summary"].as_str().unwrap_or("").contains("memory alarm"),
        "the summary should say why the workers were not asked: {f:#}"
    );

    let p = within(
        &c,
        &["ping", "--deadline", "10s", "--format", "nagios"],
        Duration::from_secs(10),
    );
    assert_eq!(p.code, 3, "{p:#?}");
    assert!(p.stdout.starts_with("CELTOOL PING UNKNOWN"), "{p:#?}");
    assert!(p.stdout.to_lowercase().contains("alarm"), "{p:#?}");

    // Nothing of the probes is left: a reply queue goes with its connection at the latest.
    let mut left = Vec::new();
    let clean = wait_for(Duration::from_secs(30), || {
        left = reply_queues(&c);
        left.is_empty().then_some(())
    });
    assert!(clean.is_some(), "reply queues left in {VHOST}: {left:?}");

    drop(alarm);
    wait_alarm(&c, false);
    wait_answering(&c, &worker, "after the alarm cleared");

    // Issue 19: without an AMQP URL, the probe takes the AMQP port from the node's listener
    // (the management API is not on its default port here), not 5672 of the same host: that
    // is the machine's own broker, which has no such vhost and no such worker.
    let r = run(celtool().args([
        "ping",
        "--url",
        &c.nodes[0].url(),
        "--vhost",
        VHOST,
        "--format",
        "json",
        "--reply-timeout",
        "5s",
    ]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stdout.contains(NODE), "{r:#?}");
}

/// Issue 18: an alarm raised while a probe runs. The probe checked the alarms before it
/// published and saw none; its next publish (the second ping of a silent node) is blocked, the
/// broker sends `connection.blocked` (celtool advertises the capability), and the probe abandons
/// the connection at once, saying what stays on the broker until the alarm clears. Without the
/// notification it would wait out its step limit on a connection the broker no longer reads.
#[test]
fn an_alarm_raised_during_a_probe_ends_it_with_the_blocked_connection_named() {
    use nix::sys::signal::Signal;
    let c = Cluster::start(1);
    c.add_vhost(VHOST);
    let broker = format!("amqp://guest:guest@127.0.0.1:{}/{VHOST}", c.nodes[0].amqp);
    let worker = Worker::worker_on(&broker, NODE, &[], &[]);
    wait_answering(&c, &worker, "before the alarm");

    // A stopped worker keeps its mailbox consumer but never answers: ping waits out its first
    // reply timeout, then asks that node again, publishing a second time.
    worker.signal(Signal::SIGSTOP);
    let reply_timeout = Duration::from_secs(60);
    let probe = spawn_watched(&mut at(
        &c,
        &[
            "ping",
            "--reply-timeout",
            "60s",
            "--timeout",
            "3m",
            "--deadline",
            "5m",
            "--format",
            "json",
        ],
    ));
    // Its reply queue exists once it has connected and is about to publish the first ping.
    let published = wait_for(SLOW, || (!reply_queues(&c).is_empty()).then_some(()));
    let alarm = MemoryAlarm::raise(&c);
    wait_alarm(&c, true);
    let r = probe
        .wait_within(reply_timeout * 2 + Duration::from_secs(180) + MARGIN)
        .unwrap_or_else(|overrun| panic!("the probe did not end:\n{overrun}"));
    worker.signal(Signal::SIGCONT);
    assert!(
        published.is_some(),
        "the probe never declared its reply queue: {r:#?}"
    );
    assert_eq!(r.code, 3, "{r:#?}");
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(
        said.contains("the broker blocked this connection (low on memory): celtool abandoned it"),
        "the probe should end on connection.blocked and say so: {r:#?}"
    );
    assert!(
        said.contains("stays on the broker until the alarm clears"),
        "{r:#?}"
    );
    drop(alarm);
    wait_alarm(&c, false);
    // What it left (its exclusive reply queue) goes with its connection once the broker reads
    // the connection again.
    let mut left = Vec::new();
    let clean = wait_for(SLOW, || {
        left = reply_queues(&c);
        left.is_empty().then_some(())
    });
    assert!(clean.is_some(), "reply queues left in {VHOST}: {left:?}");
}
