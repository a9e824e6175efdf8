//! Celery on Redis: the built binary against the machine's Redis (each test in its own database,
//! flushed before and after) with real Celery workers, monitors and producers; tests that change
//! server settings start a private redis-server on a free port.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

fn redis_cli(port: u16, db: u32, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "-n", &db.to_string()])
        .args(args)
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Many commands on one redis-cli connection, one per line; the replies, one per line.
fn redis_batch(port: u16, db: u32, commands: &[String]) -> Vec<String> {
    use std::io::Write;
    let mut child = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "-n", &db.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("redis-cli");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(commands.join("\n").as_bytes()).unwrap();
    stdin.write_all(b"\n").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// How many of `celery-task-meta-0..n` have a TTL.
fn keys_with_ttl(port: u16, db: u32, n: usize) -> usize {
    let ttl: Vec<String> = (0..n)
        .map(|i| format!("TTL celery-task-meta-{i}"))
        .collect();
    redis_batch(port, db, &ttl)
        .iter()
        .filter(|r| r.as_str() != "-1")
        .count()
}

fn url(port: u16, db: u32) -> String {
    format!("redis://127.0.0.1:{port}/{db}")
}

/// A process of the test's own, in its own process group; killed with its children on drop.
struct Proc {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Proc {
    fn spawn(cmd: &mut Command) -> Proc {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let out = std::fs::File::create(&log).unwrap();
        let child = cmd
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .expect("spawn");
        Proc {
            child,
            log,
            _dir: dir,
        }
    }
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
    fn signal(&self, sig: nix::sys::signal::Signal) {
        let pgid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(pgid, sig);
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGCONT);
        self.signal(nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

fn celery_cmd(program: &str, broker: &str, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(venv_bin(program));
    cmd.env("PYTHONPATH", repo_root().join("tests/fixtures/celery_app"))
        .env("CELTOOL_TEST_BROKER", broker)
        .env("C_FORCE_ROOT", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// `celery worker` (solo pool: one process per node) on the Redis app.
fn worker(broker: &str, node: &str, extra: &[&str], env: &[(&str, &str)]) -> Proc {
    Proc::spawn(
        celery_cmd("celery", broker, env)
            .args([
                "-A",
                "celtool_redisapp",
                "worker",
                "-n",
                node,
                "--pool",
                "solo",
            ])
            .args(["--loglevel", "INFO"])
            .args(extra),
    )
}

/// Run Python against the app to completion (a producer).
fn python(broker: &str, code: &str, env: &[(&str, &str)]) {
    let out = celery_cmd("python", broker, env)
        .args(["-c", code])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A redis-server of the test's own on a free port, stopped on drop.
struct PrivateRedis {
    port: u16,
    _proc: Proc,
}

impl PrivateRedis {
    fn start(extra: &[&str]) -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let proc = Proc::spawn(
            Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .args(extra),
        );
        wait_for(Duration::from_secs(60), || {
            let pong = redis_cli(port, 0, &["PING"]);
            (pong == "PONG" || pong.contains("NOAUTH")).then_some(())
        })
        .unwrap_or_else(|| panic!("private redis did not start: {}", proc.log()));
        PrivateRedis { port, _proc: proc }
    }
}

fn doctor(url: &str, env: &[(&str, &str)], extra: &[&str]) -> Run {
    let mut cmd = celtool();
    cmd.args([
        "doctor", "--url", url, "--only", "broker", "--format", "json",
    ])
    .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let r = run(&mut cmd);
    assert!(r.code >= 0 && r.code <= 2, "{r:#?}");
    r
}

fn finding(r: &Run, id: &str) -> Option<Value> {
    r.json()["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == id)
        .cloned()
}

fn evidence(f: &Value, name: &str) -> f64 {
    f["evidence"][name].as_f64().unwrap_or(f64::NAN)
}

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn a_backlog_with_priority_buckets_is_summed_and_shown() {
    let db = RedisDb::new(5);
    let broker = db.url();
    python(
        &broker,
        "from celtool_redisapp import add\n\
         for i in range(700): add.apply_async((i, i), priority=0)\n\
         for i in range(500): add.apply_async((i, i), priority=9)\n",
        &[],
    );
    let r = doctor(&broker, &[], &[]);
    let f = finding(&r, "queues.no-consumers").unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(f["subject"], "db5/celery");
    assert_eq!(f["severity"], "crit");
    assert_eq!(evidence(&f, "messages_ready"), 1200.0);
    assert_eq!(evidence(&f, "priority_0_messages"), 700.0);
    assert_eq!(evidence(&f, "priority_9_messages"), 500.0);
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("1200 (priority 0: 700, 9: 500)"),
        "{f}"
    );
    assert_eq!(r.code, 2);

    let q = run(celtool().args(["queues", "--url", &broker, "--format", "json"]));
    assert_eq!(q.code, 0, "{q:#?}");
    let celery = q
        .rows("queues")
        .into_iter()
        .find(|r| r["name"] == "celery")
        .unwrap();
    assert_eq!(celery["ready"], 1200);
    assert_eq!(celery["priorities"]["0"], 700);
    assert_eq!(celery["priorities"]["9"], 500);
    assert_eq!(celery["kind"], "task");

    // With a worker connected (consuming another queue), Redis cannot say who consumes what:
    // the same depth is a backlog, not "no consumer".
    let w = worker(&broker, "w1@celtool-it-redis", &["-Q", "other"], &[]);
    let r = wait_for(MINUTE, || {
        let r = doctor(&broker, &[], &[]);
        finding(&r, "queues.backlog").map(|_| r)
    })
    .unwrap_or_else(|| panic!("no backlog finding; worker log:\n{}", w.log()));
    let f = finding(&r, "queues.backlog").unwrap();
    assert_eq!(
        (f["severity"].as_str(), f["subject"].as_str()),
        (Some("warn"), Some("db5/celery"))
    );
}

/// Issue 24: with the defaults (the rate sample running beside the reads, at least 1 s), a
/// queue that grows during the run and one that drains are told apart.
#[test]
fn a_growing_queue_and_a_draining_one_are_told_apart_with_the_defaults() {
    let db = RedisDb::new(9);
    let broker = db.url();
    // `grow`: 1 200 messages, then one every 20 ms while doctor runs, and nobody consumes it.
    let producer = Proc::spawn(celery_cmd("python", &broker, &[]).args([
        "-c",
        "import time\n\
         from celtool_redisapp import app, add\n\
         with app.connection_for_write() as c: app.amqp.queues['grow'](c.default_channel).declare()\n\
         for i in range(1200): add.apply_async((i, i), queue='grow')\n\
         while True:\n    add.apply_async((0, 0), queue='grow')\n    time.sleep(0.02)\n",
    ]));
    // `drain`: 3 000 tasks of 20 ms each and a worker that takes them one at a time.
    python(
        &broker,
        "from celtool_redisapp import sleep\n\
         for i in range(3000): sleep.apply_async((0.02,), queue='drain')\n",
        &[],
    );
    let len = |q: &str| {
        redis_cli(6379, db.n, &["LLEN", q])
            .parse::<u64>()
            .unwrap_or(0)
    };
    wait_for(MINUTE, || (len("grow") > 1200).then_some(()))
        .unwrap_or_else(|| panic!("the producer did not fill `grow`: {}", producer.log()));
    let w = worker(&broker, "w1@celtool-it-trend", &["-Q", "drain"], &[]);
    wait_for(MINUTE, || (len("drain") < 2990).then_some(()))
        .unwrap_or_else(|| panic!("the worker did not consume `drain`: {}", w.log()));
    let trend = |r: &Run, q: &str| -> Option<Value> {
        r.json()["findings"]
            .as_array()?
            .iter()
            .find(|f| f["id"] == "queues.backlog" && f["subject"] == format!("db9/{q}"))
            .cloned()
    };
    // On a loaded machine one run may fall between two pushes or two tasks: ask again.
    let (grow, drain) = wait_for(MINUTE, || {
        let r = doctor(&broker, &[], &[]);
        let (g, d) = (trend(&r, "grow")?, trend(&r, "drain")?);
        (evidence(&g, "growth_per_second") > 0.0 && evidence(&d, "growth_per_second") < 0.0)
            .then_some((g, d))
    })
    .unwrap_or_else(|| {
        let r = doctor(&broker, &[], &[]);
        panic!(
            "growth and drain not told apart:\n{}\nworker log:\n{}",
            r.stdout,
            w.log()
        )
    });
    let summary = |f: &Value| f["summary"].as_str().unwrap_or_default().to_string();
    assert!(summary(&grow).contains("growing by"), "{grow}");
    assert!(
        summary(&drain).contains("draining, empty in about"),
        "{drain}"
    );
}

#[test]
fn event_fan_out_of_workers_and_a_monitor_is_measured() {
    let db = RedisDb::new(6);
    let broker = db.url();
    let workers: Vec<Proc> = (1..=3)
        .map(|i| worker(&broker, &format!("w{i}@celtool-it-fanout"), &["-E"], &[]))
        .collect();
    let monitor = Proc::spawn(celery_cmd("celery", &broker, &[]).args([
        "-A",
        "celtool_redisapp",
        "events",
        "--dump",
    ]));
    let env = [
        ("CELTOOL_REDIS_INTERVAL", "6s"),
        ("CELTOOL_REDIS_LINK_MBIT", "1000"),
    ];
    // --no-workers: asking the workers publishes to their mailbox subscriptions (they are no
    // event receivers: see the ping below).
    let f = wait_for(CELERY_WAIT, || {
        let r = doctor(&broker, &env, &["--no-workers"]);
        finding(&r, "redis.events.fanout")
            .filter(|f| evidence(f, "worker_nodes") == 3.0 && evidence(f, "event_receivers") == 4.0)
    })
    .unwrap_or_else(|| {
        panic!(
            "fan-out never showed 3 workers and 4 receivers; worker log:\n{}\nmonitor log:\n{}",
            workers[0].log(),
            monitor.log()
        )
    });
    // Measured on this machine: about 370 B/s per worker node per receiver (heartbeat 675 B every
    // 2 s plus framing); the model's N x (N + M) x 370 B/s is 3 x 4 x 370 = 4440 B/s.
    let cost = evidence(&f, "bytes_per_node_per_receiver");
    assert!((150.0..900.0).contains(&cost), "{f}");
    let events = evidence(&f, "event_bytes_per_second");
    assert!((1500.0..12000.0).contains(&events), "{f}");
    let nodes = evidence(&f, "saturating_worker_nodes");
    assert!((200.0..1200.0).contains(&nodes), "{f}");
    assert_eq!(f["severity"], "ok");
    // A ping just before the read wakes the three workers' mailbox subscriptions; they hear
    // nothing during the event sample, so the receivers are still the three gossiping workers
    // and the monitor (they used to count for 10 s after any ping, `celery inspect` or Flower).
    let p = run(celtool().args(["ping", "--url", &broker, "--format", "json"]));
    assert_eq!(p.json()["answered"], 3, "{p:#?}");
    let r = doctor(&broker, &env, &["--no-workers"]);
    let after = finding(&r, "redis.events.fanout").unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(
        (
            evidence(&after, "worker_nodes"),
            evidence(&after, "event_receivers")
        ),
        (3.0, 4.0),
        "{after}"
    );
}

#[test]
fn results_without_ttl_are_counted_from_the_sample() {
    let db = RedisDb::new(7);
    let broker = db.url();
    let env = [
        ("CELTOOL_TEST_RESULTS", "redis"),
        ("CELTOOL_TEST_RESULT_EXPIRES", "none"),
    ];
    let w = worker(&broker, "w1@celtool-it-results", &[], &env);
    python(
        &broker,
        "from celtool_redisapp import add\n\
         rs = [add.delay(i, i) for i in range(5)]\n\
         print([r.get(timeout=120) for r in rs])\n",
        &env,
    );
    let r = doctor(&broker, &[], &[]);
    let f =
        finding(&r, "redis.results.no-ttl").unwrap_or_else(|| panic!("{}\n{}", r.stdout, w.log()));
    assert_eq!(f["severity"], "warn");
    assert_eq!(
        (evidence(&f, "without_ttl"), evidence(&f, "sampled")),
        (5.0, 5.0)
    );
    assert!(
        f["summary"].as_str().unwrap().starts_with("5 of 5 sampled"),
        "{f}"
    );
}

#[test]
fn an_eta_task_held_past_the_visibility_timeout_is_critical() {
    let db = RedisDb::new(8);
    let broker = db.url();
    let w = worker(&broker, "w1@celtool-it-eta", &[], &[]);
    python(
        &broker,
        "from celtool_redisapp import add\nadd.apply_async((1, 2), countdown=600)\n",
        &[],
    );
    let env = [("CELTOOL_REDIS_VISIBILITY_TIMEOUT", "5s")];
    let f = wait_for(CELERY_WAIT, || {
        let r = doctor(&broker, &env, &[]);
        finding(&r, "redis.unacked.visibility").filter(|f| f["severity"] == "crit")
    })
    .unwrap_or_else(|| panic!("no crit visibility finding; worker log:\n{}", w.log()));
    assert_eq!(evidence(&f, "unacked"), 1.0);
    assert!(evidence(&f, "oldest_age_seconds") >= 5.0, "{f}");
    assert_eq!(evidence(&f, "visibility_timeout_seconds"), 5.0);
    assert!(
        f["remedy"].as_str().unwrap().contains("visibility_timeout"),
        "{f}"
    );
}

#[test]
fn a_stalled_monitor_near_the_pubsub_output_buffer_limit_is_found() {
    let server = PrivateRedis::start(&["--client-output-buffer-limit", "pubsub 4mb 0 0"]);
    let broker = url(server.port, 0);
    let monitor = Proc::spawn(celery_cmd("celery", &broker, &[]).args([
        "-A",
        "celtool_redisapp",
        "events",
        "--dump",
    ]));
    wait_for(MINUTE, || {
        redis_cli(server.port, 0, &["CLIENT", "LIST"])
            .contains("psub=1")
            .then_some(())
    })
    .unwrap_or_else(|| panic!("the monitor never subscribed: {}", monitor.log()));
    monitor.signal(nix::sys::signal::Signal::SIGSTOP);
    // Publish 64 KiB events until Redis holds more than 60% of the hard limit for the monitor.
    let payload = "x".repeat(64 * 1024);
    let omem = || -> u64 {
        let list = redis_cli(server.port, 0, &["CLIENT", "LIST"]);
        list.lines()
            .filter(|l| l.contains("psub=1"))
            .filter_map(|l| l.split(' ').find_map(|kv| kv.strip_prefix("omem=")))
            .filter_map(|n| n.parse().ok())
            .max()
            .unwrap_or(0)
    };
    wait_for(CELERY_WAIT, || {
        if omem() > 4 * 1024 * 1024 * 6 / 10 {
            return Some(());
        }
        redis_cli(
            server.port,
            0,
            &["PUBLISH", "/0.celeryev/worker.heartbeat", &payload],
        );
        None
    })
    .expect("the output buffer never filled");
    let r = doctor(&broker, &[], &[]);
    let f = finding(&r, "redis.pubsub.output-buffer").unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        matches!(f["severity"].as_str(), Some("warn" | "crit")),
        "{f}"
    );
    assert_eq!(evidence(&f, "limit_bytes"), 4.0 * 1024.0 * 1024.0);
    // Past the limit Redis drops it.
    for _ in 0..40 {
        redis_cli(
            server.port,
            0,
            &["PUBLISH", "/0.celeryev/worker.heartbeat", &payload],
        );
    }
    wait_for(MINUTE, || {
        (!redis_cli(server.port, 0, &["CLIENT", "LIST"]).contains("psub=1")).then_some(())
    })
    .expect("Redis never disconnected the stalled subscriber");
}

#[test]
fn fixes_set_noeviction_and_result_ttls_and_undo_restores_them() {
    let server = PrivateRedis::start(&["--maxmemory-policy", "allkeys-lru"]);
    let broker = url(server.port, 3);
    python(
        &broker,
        "from celtool_redisapp import add\nadd.delay(1, 2)\n",
        &[],
    );
    let sets: Vec<String> = (0..1200)
        .map(|i| format!("SET celery-task-meta-{i} {{}}"))
        .collect();
    redis_batch(server.port, 3, &sets);
    assert_eq!(keys_with_ttl(server.port, 3, 1200), 0);
    let journal = tempfile::tempdir().unwrap();
    let jpath = journal.path().join("journal.jsonl");
    let jarg = jpath.to_str().unwrap();
    let before = doctor(&broker, &[], &[]);
    let policy = finding(&before, "redis.maxmemory-policy").unwrap();
    assert_eq!(policy["severity"], "warn", "{policy}");

    let r = run(celtool().args([
        "doctor",
        "--url",
        &broker,
        "--only",
        "broker",
        "--fix",
        "--yes",
        "--journal",
        jarg,
    ]));
    assert!(r.stdout.contains("EXPIRE 500 result key(s)"), "{r:#?}");
    assert!(
        r.stdout.contains("CONFIG SET maxmemory-policy noeviction"),
        "{r:#?}"
    );
    assert_eq!(
        redis_cli(server.port, 0, &["CONFIG", "GET", "maxmemory-policy"]),
        "maxmemory-policy\nnoeviction"
    );
    let with_ttl = keys_with_ttl(server.port, 3, 1200);
    assert_eq!(with_ttl, 1000, "the sample is 1000 keys");

    // Undo the last run (the CONFIG SET), then the TTL run.
    for _ in 0..2 {
        let u = run(celtool().args(["undo", "--url", &broker, "--yes", "--journal", jarg]));
        assert_eq!(u.code, 0, "{u:#?}");
    }
    assert_eq!(
        redis_cli(server.port, 0, &["CONFIG", "GET", "maxmemory-policy"]),
        "maxmemory-policy\nallkeys-lru"
    );
    let with_ttl = keys_with_ttl(server.port, 3, 1200);
    assert_eq!(with_ttl, 0);
}

#[test]
fn doctor_fix_takes_the_journal_lock_before_it_reads_the_broker() {
    // While another run holds the lock, doctor --fix stops before reading anything: against a
    // port nobody listens on, the lock error (not redis.unreachable) proves the order.
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let held = celtool::fix::journal::Journal::new(journal.clone())
        .lock()
        .unwrap();
    let r = run(celtool()
        .args([
            "doctor",
            "--url",
            "redis://127.0.0.1:1/0",
            "--only",
            "broker",
            "--fix",
            "--yes",
            "--journal",
        ])
        .arg(&journal));
    assert_eq!(r.code, 3, "{r:#?}");
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "celtool: error: another celtool fix or undo holds the journal lock {}.lock: run again when it has finished",
            journal.display()
        )
    );
    drop(held);
    // Without the other run, the same command reads and reports the unreachable server.
    let r = run(celtool()
        .args([
            "doctor",
            "--url",
            "redis://127.0.0.1:1/0",
            "--only",
            "broker",
            "--fix",
            "--yes",
            "--journal",
        ])
        .arg(&journal));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("127.0.0.1:1"), "{r:#?}");
    assert!(!r.stderr.contains("journal lock"), "{r:#?}");
}

#[test]
fn redis_knobs_come_from_the_environment_over_the_profile() {
    // Resolved once at start-up, before anything is read: a bad value is a usage error that
    // names where it came from, and the environment wins over the profile.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.default]\nredis_interval = \"soon\"\nredis_link_mbit = 1000\n",
    )
    .unwrap();
    let cmd = || {
        let mut c = celtool();
        c.args(["queues", "--url", "redis://127.0.0.1:1/0", "--config"])
            .arg(&config);
        c
    };
    let r = run(&mut cmd());
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.starts_with("celtool: error: redis_interval: "),
        "{r:#?}"
    );
    let r = run(cmd().env("CELTOOL_REDIS_INTERVAL", "1s"));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(!r.stderr.contains("redis_interval"), "{r:#?}");
    assert!(r.stderr.contains("127.0.0.1:1"), "{r:#?}");
}

#[test]
fn passwords_are_never_printed_and_bad_urls_are_usage_errors() {
    let server = PrivateRedis::start(&["--requirepass", "s3cret-celtool"]);
    let u = url(server.port, 0);
    let r = run(celtool().args(["doctor", "--url", &u, "--only", "broker"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains("authentication") || r.stderr.contains("NOAUTH"),
        "{r:#?}"
    );
    let r = run(celtool()
        .args([
            "doctor", "--url", &u, "--only", "broker", "--format", "json",
        ])
        .env("CELTOOL_PASSWORD", "wrong"));
    assert_eq!(finding(&r, "redis.auth").unwrap()["severity"], "unknown");
    let r = run(celtool()
        .args([
            "doctor", "--url", &u, "--only", "broker", "--format", "json", "--all",
        ])
        .env("CELTOOL_PASSWORD", "s3cret-celtool"));
    assert!(finding(&r, "redis.info").is_some(), "{r:#?}");
    assert!(!r.stdout.contains("s3cret") && !r.stderr.contains("s3cret"));
    let r = run(celtool().args([
        "queues",
        "--url",
        &format!("redis://u:s3cret-celtool@127.0.0.1:{}/0", server.port),
    ]));
    assert_eq!(r.code, 3);
    assert!(!r.stderr.contains("s3cret"), "{r:#?}");
}

/// rediss:// with rustls: a server whose certificate is signed by a CA of the test's own,
/// trusted through SSL_CERT_FILE (rustls-native-certs reads it), and refused without it.
#[test]
fn rediss_connects_with_a_trusted_certificate_and_refuses_an_unknown_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let tls = TlsRedis::start(dir.path());
    let r = run(celtool()
        .args([
            "doctor", "--url", &tls.url, "--only", "broker", "--format", "json", "--all",
        ])
        .env("SSL_CERT_FILE", &tls.ca)
        .env("CELTOOL_REDIS_INTERVAL", "0s"));
    assert!(finding(&r, "redis.info").is_some(), "{r:#?}");
    // The server is read; its db0 holds no Celery keys, which is the one thing to say.
    assert_eq!(
        r.problems(),
        vec![p("redis.db.empty", "warn", "db0")],
        "{r:#?}"
    );
    assert_eq!(r.code, 1, "{r:#?}");
    let r = run(celtool().args(["queues", "--url", &tls.url]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("UnknownIssuer"), "{r:#?}");
}

/// A failed RDB save (its directory removed under it) makes Redis refuse writes with MISCONF,
/// even PING: celtool still reads the server and reports it critical.
#[test]
fn a_failed_snapshot_that_stops_writes_is_reported_not_mistaken_for_an_outage() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let server = PrivateRedis::start(&["--dir", data.to_str().unwrap()]);
    std::fs::remove_dir(&data).unwrap();
    redis_cli(server.port, 0, &["BGSAVE"]);
    wait_for(MINUTE, || {
        redis_cli(server.port, 0, &["INFO", "persistence"])
            .contains("rdb_last_bgsave_status:err")
            .then_some(())
    })
    .expect("BGSAVE never failed");
    let r = doctor(
        &url(server.port, 0),
        &[("CELTOOL_REDIS_INTERVAL", "0s")],
        &[],
    );
    let f = finding(&r, "redis.persistence").unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(f["severity"], "crit");
    assert_eq!(r.code, 2);
}

/// A redis-server of the test's own speaking TLS (`url`, rediss://localhost) with a certificate
/// for localhost signed by a CA made here (`ca`, PEM; rcgen); its plain port answers the
/// start-up PING only. `key` is a PEM file that holds no certificate.
struct TlsRedis {
    url: String,
    ca: PathBuf,
    key: PathBuf,
    _server: PrivateRedis,
}

impl TlsRedis {
    fn start(dir: &std::path::Path) -> TlsRedis {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let issuer = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let (ca, cert, key) = (dir.join("ca.pem"), dir.join("srv.pem"), dir.join("srv.key"));
        std::fs::write(&ca, issuer.pem()).unwrap();
        std::fs::write(&cert, leaf.pem()).unwrap();
        std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
        let tls_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
            .to_string();
        let server = PrivateRedis::start(&[
            "--tls-port",
            &tls_port,
            "--tls-cert-file",
            cert.to_str().unwrap(),
            "--tls-key-file",
            key.to_str().unwrap(),
            "--tls-ca-cert-file",
            ca.to_str().unwrap(),
            "--tls-auth-clients",
            "no",
        ]);
        TlsRedis {
            url: format!("rediss://localhost:{tls_port}/0"),
            ca,
            key,
            _server: server,
        }
    }
}

#[test]
fn rediss_with_a_private_ca_is_trusted_through_the_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let tls = TlsRedis::start(dir.path());
    let (url, ca) = (&tls.url, tls.ca.to_str().unwrap());
    // The system's roots do not know this CA: one line that says what to do, exit 3.
    let r = run(celtool().args(["queues", "--url", url]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("--ca-file"), "{r:#?}");
    assert_eq!(r.stderr.lines().count(), 1, "{r:#?}");
    // With the CA file (flag or environment) the listing and doctor read the server.
    let r = run(celtool().args(["queues", "--url", url, "--ca-file", ca]));
    assert_eq!(r.code, 0, "{r:#?}");
    let r = run(celtool()
        .args([
            "doctor", "--url", url, "--only", "broker", "--format", "json",
        ])
        .env("CELTOOL_CA_FILE", ca));
    assert_eq!(
        r.problems(),
        vec![p("redis.db.empty", "warn", "db0")],
        "{r:#?}"
    );
    assert_eq!(r.json()["status"], "warn", "{}", r.stdout);
    // A file without certificates is named as such.
    let r = run(celtool().args([
        "queues",
        "--url",
        url,
        "--ca-file",
        tls.key.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("no certificate in it"), "{r:#?}");
}

#[test]
fn an_unknown_skip_is_a_usage_error_on_redis_too() {
    let r = run(celtool().args([
        "doctor",
        "--url",
        "redis://127.0.0.1:1/0",
        "--skip",
        "nosuch",
    ]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("--skip nosuch: no finding ID"), "{r:#?}");
}

/// A cluster-mode server (one node holding every slot): Celery cannot use it, and the report
/// says that once, critically, with nothing built on queue or event reads after it.
#[test]
fn a_cluster_node_is_one_crit_finding_and_nothing_misleading() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = dir.path().join("nodes.conf");
    let server = PrivateRedis::start(&[
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        nodes.to_str().unwrap(),
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    redis_cli(server.port, 0, &["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]);
    let r = doctor(
        &url(server.port, 0),
        &[("CELTOOL_REDIS_INTERVAL", "0s")],
        &["--all"],
    );
    let ids: Vec<String> = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec!["redis.cluster".to_string()], "{r:#?}");
    let f = finding(&r, "redis.cluster").unwrap();
    assert_eq!(f["severity"], "crit");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("Celery cannot use Redis Cluster as a broker")
            && summary.contains("celery/celery#2852")
            && summary.contains("CROSSSLOT"),
        "{summary}"
    );
    assert_eq!(r.code, 2, "{r:#?}");
    // The listings say why they have nothing to list, once, and exit 3 (could not check).
    for listing in ["queues", "connections"] {
        let r = run(celtool().args([listing, "--url", &url(server.port, 0)]));
        assert_eq!(r.code, 3, "{r:#?}");
        assert!(
            r.stderr.contains("Celery cannot use as a broker") && r.stderr.lines().count() == 1,
            "{r:#?}"
        );
    }
}

/// The wrong database: doctor on an empty db0 warns and names db3, where a worker's binding set
/// is; on db3 itself it does not warn.
#[test]
fn an_empty_database_names_the_database_that_holds_the_celery_keys() {
    let server = PrivateRedis::start(&[]);
    redis_cli(
        server.port,
        3,
        &[
            "SADD",
            "_kombu.binding.celery",
            "celery\x06\x16\x06\x16celery",
        ],
    );
    for i in 0..50 {
        redis_cli(server.port, 5, &["SET", &format!("cache:{i}"), "x"]);
    }
    let env = [("CELTOOL_REDIS_INTERVAL", "0s")];
    let r = doctor(&url(server.port, 0), &env, &[]);
    let f = finding(&r, "redis.db.empty").unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(f["severity"], "warn");
    assert_eq!(
        f["summary"],
        "db0 holds no Celery keys (no queues, no results, no workers); Celery keys are in db3 (1 key(s), e.g. _kombu.binding.celery)"
    );
    assert_eq!(r.code, 1, "{r:#?}");
    let r = doctor(&url(server.port, 3), &env, &[]);
    assert!(finding(&r, "redis.db.empty").is_none(), "{r:#?}");
    // db5 holds keys, none of them Celery's: it is searched and not named.
    let r = doctor(&url(server.port, 5), &env, &[]);
    let f = finding(&r, "redis.db.empty").unwrap_or_else(|| panic!("{r:#?}"));
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .starts_with("db5 holds no Celery keys")
            && f["summary"]
                .as_str()
                .unwrap()
                .ends_with("Celery keys are in db3 (1 key(s), e.g. _kombu.binding.celery)"),
        "{f:#?}"
    );
    // Nothing was left selected or written: db0 is still empty.
    assert_eq!(redis_cli(server.port, 0, &["DBSIZE"]), "0");
}

/// kombu's `global_keyprefix`: every key of the app (binding sets, queue lists, `unacked`) is
/// under it. doctor and `queues` read under it, found on the binding sets or set by the user,
/// and name the queue without it.
#[test]
fn a_global_keyprefix_is_read_under_the_prefix_and_queues_named_without_it() {
    let server = PrivateRedis::start(&[]);
    let (port, db) = (server.port, 2);
    let broker = url(port, db);
    let conf =
        r#"{"broker_transport_options": {"global_keyprefix": "myapp:"}, "task_acks_late": true}"#;
    let env = [("CELTOOL_TEST_CONF", conf)];
    python(
        &broker,
        "from celtool_redisapp import add\n\
         for i in range(40): add.apply_async((i, i), queue='backlog')\n",
        &env,
    );
    assert_eq!(redis_cli(port, db, &["LLEN", "myapp:backlog"]), "40");
    assert_eq!(redis_cli(port, db, &["EXISTS", "backlog"]), "0");
    let keys = || {
        let mut k: Vec<String> = redis_cli(port, db, &["--scan"])
            .lines()
            .map(str::to_string)
            .collect();
        k.sort();
        k
    };
    let before = keys();
    for set in [None, Some("myapp:")] {
        let env: Vec<(&str, &str)> = set
            .map(|p| vec![("CELTOOL_REDIS_KEY_PREFIX", p)])
            .unwrap_or_default();
        let r = doctor(&broker, &env, &[]);
        let f = finding(&r, "queues.no-consumers").unwrap_or_else(|| panic!("{}", r.stdout));
        assert_eq!(f["subject"], "db2/backlog", "{f}");
        assert_eq!(evidence(&f, "messages_ready"), 40.0, "{f}");
        let mut c = celtool();
        c.args(["queues", "--url", &broker, "--format", "json"]);
        for (k, v) in &env {
            c.env(k, v);
        }
        let q = run(&mut c);
        assert_eq!(q.code, 0, "{q:#?}");
        let rows = q.rows("queues");
        let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
        assert_eq!(names, ["backlog"], "{}", q.stdout);
        assert_eq!(rows[0]["ready"], 40);
    }
    assert_eq!(keys(), before, "keys changed");

    // A worker runs a long acks_late task: its message waits in myapp:unacked.
    let w = worker(&broker, "kp@celtool-it-redis", &[], &env);
    python(
        &broker,
        "from celtool_redisapp import sleep\nsleep.apply_async((600,))\n",
        &env,
    );
    wait_for(MINUTE, || {
        (redis_cli(port, db, &["HLEN", "myapp:unacked"]) == "1").then_some(())
    })
    .unwrap_or_else(|| panic!("the task was never delivered; worker log:\n{}", w.log()));
    let r = doctor(&broker, &[], &["--all"]);
    let f = finding(&r, "redis.unacked.visibility").unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(evidence(&f, "unacked"), 1.0, "{f}");
    let summary = f["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains(
            "in myapp:unacked (global_keyprefix \"myapp:\" from found on myapp:_kombu.binding."
        ),
        "{f}"
    );
}
