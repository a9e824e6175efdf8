//! Celery remote control over Redis: `ping`, `fleet`, `probe readiness` and doctor's
//! `workers.*` checks with real Celery 5.7 workers on a private redis-server of each test's own
//! (its own port, stopped at the end), and nothing left in Redis by celtool.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::support::*;

/// A free port below the kernel's ephemeral range (a port from that range can be taken by an
/// outgoing connection before the server binds it), from a start that differs by process and
/// call.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let low: u32 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768u32)
        .clamp(20_000, 32_768);
    let span = low - 20_000;
    let seed = std::process::id()
        .wrapping_mul(7919)
        .wrapping_add(CALLS.fetch_add(1, Ordering::Relaxed).wrapping_mul(104_729));
    for i in 0..span {
        let port = (20_000 + seed.wrapping_add(i * 7) % span) as u16;
        if port != 6379 && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port below {low}");
}

/// A redis-server of the test's own; killed (by its pid) when dropped.
struct Server {
    port: u16,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server");
        let s = Server {
            port,
            child,
            _dir: dir,
        };
        wait_for(Duration::from_secs(60), || {
            (s.cli(&["PING"]) == "PONG").then_some(())
        })
        .expect("the private redis-server did not start");
        s
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/{DB}", self.port)
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "-n", &DB.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Every key of the test's database but kombu's short-lived restore mutex.
    fn keys(&self) -> BTreeSet<String> {
        self.cli(&["--scan"])
            .lines()
            .filter(|k| !k.ends_with("unacked_mutex"))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const DB: u32 = 3;

/// A solo-pool worker of the Redis test app with these settings (CELTOOL_TEST_CONF).
fn worker(s: &Server, node: &str, conf: &str) -> Worker {
    worker_with(s, node, conf, &[])
}

/// [`worker`] with more arguments (`-E`).
fn worker_with(s: &Server, node: &str, conf: &str, extra: &[&str]) -> Worker {
    let mut args = vec![
        "-A",
        "celtool_redisapp",
        "worker",
        "-n",
        node,
        "--pool",
        "solo",
        "--loglevel",
        "INFO",
    ];
    args.extend(extra);
    VenvProcess::spawn_on(&s.url(), "celery", &args, &[("CELTOOL_TEST_CONF", conf)])
}

fn cmd(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = celtool();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run(&mut c)
}

fn ping(s: &Server, extra: &[&str]) -> Run {
    let url = s.url();
    let mut args = vec!["ping", "--url", &url, "--format", "json"];
    args.extend(extra);
    cmd(&args, &[])
}

fn doctor(s: &Server, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let url = s.url();
    let mut args = vec![
        "doctor", "--url", &url, "--only", "broker", "--format", "json",
    ];
    args.extend(extra);
    let r = cmd(&args, env);
    assert!((0..=2).contains(&r.code), "{r:#?}");
    r
}

fn readiness(s: &Server, node: &str) -> Run {
    let url = s.url();
    cmd(&["probe", "readiness", "--node", node, "--url", &url], &[])
}

fn findings(r: &Run, id: &str) -> Vec<Value> {
    r.json()["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f["id"] == id)
        .collect()
}

/// Wait until `ping` says exactly these nodes answered.
fn wait_answering(s: &Server, nodes: &[&str], logs: &[&Worker]) {
    let want: BTreeSet<String> = nodes.iter().map(|n| n.to_string()).collect();
    wait_for(CELERY_WAIT, || {
        let r = ping(s, &[]);
        let answered: BTreeSet<String> = r.json()["nodes"]
            .as_array()?
            .iter()
            .filter(|n| n["answered"] == true)
            .filter_map(|n| n["node"].as_str().map(str::to_string))
            .collect();
        (answered == want && r.code == 0).then_some(())
    })
    .unwrap_or_else(|| {
        let logs: Vec<String> = logs.iter().map(|w| w.log()).collect();
        panic!(
            "{want:?} never all answered; logs:\n{}",
            logs.join("\n---\n")
        )
    });
}

#[test]
fn a_stopped_worker_on_redis_is_hung_and_a_killed_one_missing() {
    let s = Server::start();
    let (n1, n2) = ("rw1@celtool-it-rc", "rw2@celtool-it-rc");
    let mut w1 = worker(&s, n1, "{}");
    let w2 = worker(&s, n2, "{}");
    wait_answering(&s, &[n1, n2], &[&w1, &w2]);
    let r = readiness(&s, n1);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stdout.contains("cmd brpop"), "{r:#?}");

    // Nothing celtool makes stays: the reply binding and its lists go, the binding table's
    // deadline (which the workers' own mingle set at start) is put back as it was.
    let before = s.keys();
    let deadline = s.cli(&["ZSCORE", "_kombu.binding_deadlines", "reply.celery.pidbox"]);
    let f = cmd(&["fleet", "--url", &s.url(), "--format", "json"], &[]);
    assert_eq!(f.code, 0, "{f:#?}");
    assert_eq!(f.rows("workers").len(), 2, "{f:#?}");
    assert_eq!(s.keys(), before, "keys before and after fleet differ");
    assert!(!s.keys().iter().any(|k| k.contains("reply.celery.pidbox")));
    assert_eq!(
        s.cli(&["ZSCORE", "_kombu.binding_deadlines", "reply.celery.pidbox"]),
        deadline
    );

    w1.signal(Signal::SIGSTOP);
    let r = ping(&s, &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert_eq!(r.json()["silent"], serde_json::json!([n1]), "{r:#?}");
    let d = doctor(&s, &[], &[]);
    let hung = findings(&d, "workers.hung");
    assert_eq!(hung.len(), 1, "{d:#?}");
    assert_eq!(hung[0]["severity"], "crit");
    assert_eq!(hung[0]["subject"], n1);
    let summary = hung[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("127.0.0.1:"),
        "connections named: {summary}"
    );
    assert!(summary.contains("cmd brpop"), "{summary}");
    assert_eq!(d.code, 2);
    assert_eq!(readiness(&s, n1).code, 2);
    assert_eq!(readiness(&s, n2).code, 0);
    assert_eq!(s.keys(), before, "keys before and after doctor differ");

    w1.signal(Signal::SIGCONT);
    wait_answering(&s, &[n1, n2], &[&w1, &w2]);
    let d = doctor(&s, &[], &[]);
    assert!(
        findings(&d, "workers.hung")
            .iter()
            .all(|f| f["severity"] == "ok"),
        "{d:#?}"
    );

    // kill -9: its mailbox binding stays, but it is gone, not hung; expected, it is missing.
    w1.kill();
    let d = doctor(&s, &["--expect", "2"], &[]);
    let missing = findings(&d, "workers.missing");
    assert_eq!(missing.len(), 1, "{d:#?}");
    assert_eq!(missing[0]["severity"], "crit");
    assert!(
        findings(&d, "workers.hung")
            .iter()
            .all(|f| f["severity"] == "ok" && f["subject"] != n1),
        "{d:#?}"
    );
    let r = ping(&s, &["--expect", "2"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert_eq!(r.json()["silent"], serde_json::json!([]), "{r:#?}");
}

#[test]
fn the_visibility_timeout_comes_from_the_workers_conf() {
    let s = Server::start();
    let conf = r#"{"broker_transport_options": {"visibility_timeout": 10}}"#;
    let w = worker(&s, "rvt@celtool-it-rc", conf);
    wait_answering(&s, &["rvt@celtool-it-rc"], &[&w]);
    let out = VenvProcess::spawn_on(
        &s.url(),
        "python",
        &[
            "-c",
            "from celtool_redisapp import add\nadd.apply_async((1, 2), countdown=600)\n",
        ],
        &[("CELTOOL_TEST_CONF", conf)],
    );
    let mut out = out;
    assert!(out.finish(CELERY_WAIT), "{}", out.log());
    let f = wait_for(CELERY_WAIT, || {
        let d = doctor(&s, &[], &[]);
        findings(&d, "redis.unacked.visibility").pop()
    })
    .unwrap_or_else(|| panic!("no visibility finding; worker log:\n{}", w.log()));
    assert_eq!(
        f["evidence"]["visibility_timeout_seconds"].as_f64(),
        Some(10.0),
        "{f}"
    );
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("visibility_timeout is 10s (from broker_transport_options of worker rvt@celtool-it-rc (its conf))"),
        "{summary}"
    );
    // A setting still overrides what the workers say.
    let d = doctor(&s, &[], &[("CELTOOL_REDIS_VISIBILITY_TIMEOUT", "20s")]);
    let f = findings(&d, "redis.unacked.visibility").pop().unwrap();
    assert_eq!(
        f["evidence"]["visibility_timeout_seconds"].as_f64(),
        Some(20.0),
        "{f}"
    );
}

#[test]
fn a_worker_with_a_global_keyprefix_is_found_and_answers() {
    let s = Server::start();
    let conf = r#"{"broker_transport_options": {"global_keyprefix": "app7:"}}"#;
    let w = worker(&s, "rpx@celtool-it-rc", conf);
    wait_answering(&s, &["rpx@celtool-it-rc"], &[&w]);
    assert!(
        s.keys().contains("app7:_kombu.binding.celery.pidbox"),
        "{:?}",
        s.keys()
    );
    let before = s.keys();
    let r = cmd(
        &["ping", "--url", &s.url(), "--format", "json"],
        &[("CELTOOL_REDIS_KEY_PREFIX", "app7:")],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    let r = readiness(&s, "rpx@celtool-it-rc");
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(s.keys(), before, "keys before and after differ");
    // The wrong prefix reaches nobody.
    let r = cmd(
        &["ping", "--url", &s.url(), "--format", "json"],
        &[("CELTOOL_REDIS_KEY_PREFIX", "other:")],
    );
    assert_eq!(r.code, 2, "{r:#?}");
}

/// With a `global_keyprefix`, the app's `priority_steps` and the queues the workers consume come
/// from the workers: a backlog in a bucket only the app's steps name is counted, a consumed
/// queue whose binding set is gone is still listed, and the summary says where each came from.
#[test]
fn the_priority_steps_and_consumed_queues_come_from_the_workers() {
    let s = Server::start();
    let conf = r#"{"broker_transport_options": {"global_keyprefix": "app9:", "priority_steps": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}}"#;
    let w = worker(&s, "rps@celtool-it-rc", conf);
    wait_answering(&s, &["rps@celtool-it-rc"], &[&w]);
    let mut out = VenvProcess::spawn_on(
        &s.url(),
        "python",
        &[
            "-c",
            "from celtool_redisapp import add\n\
             for i in range(1001): add.apply_async((i, i), queue='pq', priority=1)\n",
        ],
        &[("CELTOOL_TEST_CONF", conf)],
    );
    assert!(out.finish(CELERY_WAIT), "{}", out.log());
    assert_eq!(s.cli(&["LLEN", "app9:pq\x06\x161"]), "1001");
    // The worker's queue loses its binding set (as when Redis evicts or loses it).
    assert_eq!(s.cli(&["DEL", "app9:_kombu.binding.celery"]), "1");
    let before = s.keys();
    let d = doctor(&s, &["--all"], &[]);
    let f = findings(&d, "queues.backlog")
        .pop()
        .unwrap_or_else(|| panic!("no backlog: {}", d.stdout));
    assert_eq!(f["subject"], "db3/pq", "{f}");
    assert_eq!(
        f["evidence"]["messages_ready"].as_f64(),
        Some(1001.0),
        "{f}"
    );
    assert_eq!(
        f["evidence"]["priority_1_messages"].as_f64(),
        Some(1001.0),
        "{f}"
    );
    let info = findings(&d, "redis.info").pop().unwrap();
    let summary = info["summary"].as_str().unwrap();
    for part in [
        "keys read under global_keyprefix \"app9:\" (from found on app9:_kombu.binding.",
        "priority steps 0,1,2,3,4,5,6,7,8,9 (from broker_transport_options of worker rps@celtool-it-rc (its conf))",
        "queue celery named by worker rps@celtool-it-rc (active_queues)",
    ] {
        assert!(summary.contains(part), "{part:?} not in {summary}");
    }
    assert_eq!(s.keys(), before, "keys before and after differ");
}

/// One task name run for 0 s and for 5 s on a worker with -E: doctor's event sample over Redis
/// (the database read's subscription to `/DB.celeryev/*`) names it.
#[test]
fn one_task_name_fast_and_slow_is_named_from_the_redis_event_stream() {
    let s = Server::start();
    let node = "ev@celtool-it";
    // Prefork with two processes: the fast calls run beside the slow one, so task events flow
    // all the time (a solo worker sends nothing while the slow call runs).
    let w = worker_with(
        &s,
        node,
        "{}",
        &["-E", "--pool", "prefork", "--concurrency", "2"],
    );
    wait_answering(&s, &[node], &[&w]);
    let script = "import time, celtool_redisapp as m\nwhile True:\n    m.sleep.delay(5)\n    end = time.time() + 6\n    while time.time() < end:\n        m.sleep.delay(0)\n        time.sleep(0.05)\n";
    let _load = VenvProcess::spawn_on(&s.url(), "python", &["-c", script], &[]);
    let id = "workers.mixed-durations";
    let mut last = None;
    let found = wait_for(CELERY_WAIT, || {
        let r = doctor(&s, &[], &[("CELTOOL_REDIS_INTERVAL", "4s")]);
        let hit = findings(&r, id)
            .into_iter()
            .find(|f| f["severity"] == "warn");
        last = Some(r);
        hit
    });
    let f =
        found.unwrap_or_else(|| panic!("no {id} warning; last run: {last:#?}\nlog:\n{}", w.log()));
    // A solo worker busy with the slow task may leave active_queues unanswered: the queue is
    // then not named.
    let subject = f["subject"].as_str().unwrap().to_string();
    let named = format!("db{DB}/celery: celtool_redisapp.sleep");
    let unnamed = format!("vhost db{DB}: celtool_redisapp.sleep");
    assert!(subject == named || subject == unnamed, "{f:#}");
    assert!(
        f["evidence"]["max_seconds"].as_f64().unwrap() >= 2.0,
        "{f:#}"
    );
    assert!(
        f["evidence"]["min_seconds"].as_f64().unwrap() < 0.1,
        "{f:#}"
    );
}
