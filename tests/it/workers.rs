//! Asking real Celery 5.7 workers over AMQP: `celtool fleet` and `celtool ping` against workers
//! this module starts (each test in its own vhost), and the workers.* checks over what they say.
//! With CELTOOL_WRITE_FIXTURES=1 the probes are also written to tests/fixtures/workers/, the
//! captured replies the checks' unit tests read.

use std::process::Command;
use std::time::Duration;

use celtool::commands::fleet::{Inputs, observe};
use celtool::output::{ColorChoice, Format, Style};
use celtool::rabbitmq::client::{Client, Endpoint};
use celtool::rabbitmq::read::Snapshot;
use celtool::report::{Finding, Severity};
use celtool::settings::{Secret, Settings, Thresholds};
use celtool::workers::settings::Expect;
use celtool::workers::{FleetSnapshot, ProbeOptions, amqp_endpoint};
use nix::sys::signal::Signal;
use serde_json::{Value, json};

use crate::support::*;

const LONG: Duration = CELERY_WAIT;

/// A worker with settings from CELTOOL_TEST_CONF (read by the test app), task events on or off.
fn celery_worker(vhost: &str, node: &str, conf: Value, events: bool) -> Worker {
    let args: &[&str] = if events { &["-E"] } else { &[] };
    Worker::start_with(
        vhost,
        node,
        args,
        &[("CELTOOL_TEST_CONF", &conf.to_string())],
    )
}

fn inputs(vhost: &str, expect: Expect) -> Inputs {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let endpoint = Endpoint {
        url: API.parse().unwrap(),
        user: "guest".into(),
        password: Secret::new("guest".into()),
        timeout: Duration::from_secs(30),
        profile: None,
        deadline: None,
        ca_file: None,
    };
    Inputs {
        amqp: amqp_endpoint(&endpoint.url, "guest", &endpoint.password, None).unwrap(),
        client: Client::new(endpoint).unwrap(),
        vhost: Some(vhost.to_string()),
        expect,
    }
}

/// Probe the vhost with the library (what doctor will call) and run the workers checks.
fn check(vhost: &str, expect: &Expect) -> (FleetSnapshot, Snapshot, Vec<Finding>) {
    let settings = Settings::for_tests(Style::detect(Format::Json, ColorChoice::Never, true), None);
    let (snap, fleet, err) = observe(
        &settings,
        &inputs(vhost, expect.clone()),
        &ProbeOptions::full(Duration::from_secs(5)),
    )
    .expect("probe");
    assert!(err.is_none(), "{err:?}");
    let findings = celtool::checks::workers::check(&fleet, &snap, &Thresholds::default(), expect);
    (fleet, snap, findings)
}

fn problems(findings: &[Finding]) -> Vec<(&'static str, Severity, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .filter(|f| f.severity != Severity::Ok)
        .map(|f| (f.id, f.severity, f.subject.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(b.0).then(a.2.cmp(&b.2)));
    v
}

/// Write a probe as a fixture when CELTOOL_WRITE_FIXTURES is set.
fn capture(name: &str, fleet: &FleetSnapshot) {
    if std::env::var_os("CELTOOL_WRITE_FIXTURES").is_none() {
        return;
    }
    let dir = repo_root().join("tests/fixtures/workers");
    std::fs::create_dir_all(&dir).unwrap();
    let text = serde_json::to_string_pretty(fleet).unwrap() + "\n";
    // Fixtures are committed: no machine-specific vhost names in them.
    let text = text.replace(&fleet.vhosts[0].vhost, "fixture");
    std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
}

fn ping(vhost: &str, extra: &[&str]) -> Run {
    run(celtool()
        // Generous replies: a busy test machine is no hung worker (the hung tests stop theirs).
        .args([
            "ping",
            "--vhost",
            vhost,
            "--format",
            "json",
            "--reply-timeout",
            "5s",
        ])
        .args(extra))
}

/// Wait until every node answers `celtool ping --vhost V`.
fn wait_answering(vhost: &str, nodes: &[&str], workers: &[&Worker]) {
    let ok = wait_for(LONG, || {
        let r = ping(vhost, &[]);
        let answered: Vec<String> = r.json()["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["answered"] == true)
            .map(|n| n["node"].as_str().unwrap().to_string())
            .collect();
        nodes
            .iter()
            .all(|n| answered.iter().any(|a| a == n))
            .then_some(())
    });
    if ok.is_none() {
        let logs: Vec<String> = workers.iter().map(|w| w.log()).collect();
        panic!(
            "workers {nodes:?} never answered ping; logs:\n{}",
            logs.join("\n----\n")
        );
    }
}

fn celery_json(vhost: &str, args: &[&str]) -> Value {
    let out = Command::new(venv_bin("celery"))
        .args(["-A", "celtool_testapp"])
        .args(args)
        .env("PYTHONPATH", repo_root().join("tests/fixtures/celery_app"))
        .env("CELTOOL_TEST_BROKER", broker_url(vhost))
        .output()
        .expect("run celery");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("celery {args:?}: {e}: {text}"))
}

fn send_tasks(vhost: &str, python: &str) {
    let status = Command::new(venv_bin("python"))
        .args(["-c", &format!("import celtool_testapp as m\n{python}")])
        .env("PYTHONPATH", repo_root().join("tests/fixtures/celery_app"))
        .env("CELTOOL_TEST_BROKER", broker_url(vhost))
        .status()
        .expect("run python");
    assert!(status.success());
}

#[test]
fn the_listing_matches_celery_inspect_stats_and_the_probe_leaves_no_queue() {
    let v = Vhost::new("wk-list");
    let node = "w1@celtool-it";
    let w = celery_worker(&v.name, node, json!({}), true);
    wait_answering(&v.name, &[node], &[&w]);

    let before = queue_names(&v.name);
    let r = run(celtool().args(["fleet", "--vhost", &v.name, "--format", "json"]));
    assert_eq!(r.code, 0, "{r:#?}");
    let after = queue_names(&v.name);
    assert_eq!(before, after, "the probe left or removed queues");
    assert!(
        !after.iter().any(|q| q.ends_with(".reply.celery.pidbox")),
        "{after:?}"
    );

    let rows = r.rows("workers");
    let row = &rows[0];
    let stats = &celery_json(&v.name, &["inspect", "stats", "--json", "-d", node])[node];
    assert_eq!(row["node"], node);
    assert_eq!(row["answered"], true);
    assert_eq!(row["pid"], stats["pid"]);
    assert_eq!(row["pool"], "prefork");
    assert_eq!(row["concurrency"], stats["pool"]["max-concurrency"]);
    assert_eq!(row["processes"], stats["pool"]["processes"]);
    assert_eq!(row["prefetch_count"], stats["prefetch_count"]);
    assert_eq!(row["max_tasks_per_child"], Value::Null);
    assert_eq!(row["queues"], json!(["celery"]));
    assert!(row["ping_ms"].as_f64().is_some(), "{row}");
    assert!(row["max_rss_bytes"].as_u64().unwrap() > 1_000_000, "{row}");

    let table = run(celtool().args(["fleet", "--vhost", &v.name]));
    assert!(
        table.stdout.contains(node) && table.stdout.contains("prefork"),
        "{}",
        table.stdout
    );
    drop(w);
}

#[test]
fn a_reply_many_frames_long_is_read_whole() {
    // celtool offers the broker 8 KiB frames (lapin keeps 32 of them each way): a worker's
    // `conf` reply with a 64 KiB setting arrives in nine frames or more.
    let v = Vhost::new("wk-frames");
    let node = "w1@celtool-it";
    let padding = "x".repeat(65_536);
    let w = celery_worker(&v.name, node, json!({ "celtool_padding": padding }), false);
    wait_answering(&v.name, &[node], &[&w]);
    let conf = &celery_json(&v.name, &["inspect", "conf", "--json", "-d", node])[node];
    assert_eq!(conf["celtool_padding"].as_str().map(str::len), Some(65_536));
    let r = run(celtool().args(["fleet", "--vhost", &v.name, "--format", "json"]));
    assert_eq!(r.code, 0, "{r:#?}");
    let rows = r.rows("workers");
    assert_eq!(rows[0]["node"], node);
    assert_eq!(rows[0]["answered"], true, "{}", rows[0]);
    assert!(rows[0]["prefetch_count"].as_u64().is_some(), "{}", rows[0]);
    drop(w);
}

#[test]
fn a_stopped_worker_is_hung_and_answers_again_when_continued() {
    let v = Vhost::new("wk-hung");
    let node = "w1@celtool-it";
    let w = celery_worker(&v.name, node, json!({}), false);
    wait_answering(&v.name, &[node], &[&w]);

    // A worker that has run for a while: the API shows its mailbox's consumer.
    let seen = wait_for(LONG, || {
        let q = api(
            "GET",
            &["queues", &v.name, &format!("{node}.celery.pidbox")],
            None,
        );
        (q["consumers"].as_u64() == Some(1)).then_some(())
    });
    assert!(seen.is_some(), "the mailbox never showed its consumer");
    w.signal(Signal::SIGSTOP);
    let r = ping(&v.name, &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert_eq!(r.json()["silent"], json!([node]));
    let (fleet, _, findings) = check(&v.name, &Expect::default());
    capture("hung", &fleet);
    assert_eq!(
        problems(&findings),
        vec![("workers.hung", Severity::Crit, node.to_string())]
    );
    let hung = findings.iter().find(|f| f.id == "workers.hung").unwrap();
    assert!(
        hung.summary.contains("127.0.0.1") && hung.summary.contains("connection 127.0.0.1:"),
        "{}",
        hung.summary
    );
    assert!(hung.remedy.contains("py-spy dump"), "{}", hung.remedy);

    w.signal(Signal::SIGCONT);
    wait_answering(&v.name, &[node], &[&w]);
    let (_, _, findings) = check(&v.name, &Expect::default());
    assert_eq!(problems(&findings), vec![]);
}

#[test]
fn a_killed_worker_is_missing_against_the_expected_count() {
    let v = Vhost::new("wk-missing");
    let (a, b) = ("w1@celtool-it", "w2@celtool-it");
    let wa = celery_worker(&v.name, a, json!({}), false);
    let mut wb = celery_worker(&v.name, b, json!({}), false);
    wait_answering(&v.name, &[a, b], &[&wa, &wb]);
    // Both alive: ping --expect 2 passes (waited for: on a loaded machine one ping can miss a
    // reply that the next one gets; the last run is shown if it never passes).
    let mut last = None;
    let both = wait_for(LONG, || {
        let r = ping(&v.name, &["--expect", "2"]);
        let ok = r.code == 0;
        last = Some(r);
        ok.then_some(())
    });
    assert!(both.is_some(), "{last:#?}");

    wb.kill();
    // Its exclusive mailbox vanishes with its connection: no trace but the count.
    let gone = wait_for(LONG, || {
        (!queue_names(&v.name).contains(&format!("{b}.celery.pidbox"))).then_some(())
    });
    assert!(gone.is_some(), "the killed worker's mailbox stayed");
    let r = ping(&v.name, &["--expect", "2"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert_eq!(
        (r.json()["answered"].clone(), r.json()["expected"].clone()),
        (json!(1), json!(2))
    );
    let expect = Expect {
        count: Some(2),
        patterns: vec!["w2@*".into()],
    };
    let (_, _, findings) = check(&v.name, &expect);
    assert_eq!(
        problems(&findings),
        vec![
            ("workers.missing", Severity::Crit, "w2@*".to_string()),
            ("workers.missing", Severity::Crit, "workers".to_string()),
        ]
    );
    // doctor takes the same expectation on its command line.
    let doctor = |extra: &[&str]| {
        run(celtool()
            .args(["doctor", "--only", "broker", "--vhost", &v.name])
            .args(extra)
            .args(skip_node_wide()))
    };
    let d = doctor(&["--expect", "2,w2@*", "--format", "json"]);
    let missing: Vec<_> = d
        .problems()
        .into_iter()
        .filter(|f| f.0 == "workers.missing")
        .collect();
    assert_eq!(
        (d.code, missing),
        (
            2,
            vec![
                p("workers.missing", "crit", "w2@*"),
                p("workers.missing", "crit", "workers")
            ]
        ),
        "{d:#?}"
    );
    // Without one the summary says what goes unseen.
    let t = doctor(&[]);
    assert!(
        t.stdout.lines().last().unwrap_or("").ends_with(
            "; no workers expected: a worker killed with kill -9 leaves no trace (--expect COUNT|PATTERN or expect_workers))"
        ),
        "{t:#?}"
    );
    let e = doctor(&["--expect", "1"]);
    assert!(!e.stdout.contains("no workers expected"), "{e:#?}");
    drop(wa);
}

#[test]
fn acks_late_with_prefetch_4_is_flagged_and_the_safe_setup_is_not() {
    let risky = Vhost::new("wk-ackslate");
    let safe = Vhost::new("wk-ackssafe");
    let node = "w1@celtool-it";
    let wr = celery_worker(
        &risky.name,
        node,
        json!({"task_acks_late": true, "worker_prefetch_multiplier": 4}),
        false,
    );
    let ws = celery_worker(
        &safe.name,
        node,
        json!({"task_acks_late": true, "worker_prefetch_multiplier": 1, "task_reject_on_worker_lost": true}),
        false,
    );
    wait_answering(&risky.name, &[node], &[&wr]);
    wait_answering(&safe.name, &[node], &[&ws]);
    let (fleet, _, findings) = check(&risky.name, &Expect::default());
    capture("acks-late-prefetch-4", &fleet);
    assert_eq!(
        problems(&findings),
        vec![("workers.acks-late", Severity::Warn, node.to_string())]
    );
    let (fleet, _, findings) = check(&safe.name, &Expect::default());
    capture("acks-late-safe", &fleet);
    assert_eq!(problems(&findings), vec![]);
}

#[test]
fn slow_and_fast_tasks_in_one_queue_name_the_slow_task() {
    let v = Vhost::new("wk-mixed");
    let node = "w1@celtool-it";
    let w = celery_worker(&v.name, node, json!({}), false);
    wait_answering(&v.name, &[node], &[&w]);
    send_tasks(
        &v.name,
        "for _ in range(10): m.add.delay(1, 2)\nfor _ in range(4): m.sleep.delay(20)\nfor _ in range(10): m.add.delay(1, 2)",
    );
    let found = wait_for(LONG, || {
        let (fleet, _, findings) = check(&v.name, &Expect::default());
        let f = findings
            .iter()
            .find(|f| f.id == "workers.mixed-queue")
            .cloned()?;
        Some((fleet, f))
    });
    let (fleet, f) = found.unwrap_or_else(|| panic!("no workers.mixed-queue; log:\n{}", w.log()));
    capture("mixed-queue", &fleet);
    assert_eq!(
        (f.severity, f.subject.as_str()),
        (Severity::Warn, format!("{}/celery", v.name).as_str())
    );
    assert!(
        f.summary.contains("slow tasks (celtool_testapp.sleep,"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("fast ones (celtool_testapp.add)"),
        "{}",
        f.summary
    );
    assert!(
        f.remedy
            .contains("task_routes = {'celtool_testapp.sleep': {'queue': 'celery_slow'}}")
            && f.remedy.contains("worker_prefetch_multiplier = 1"),
        "{}",
        f.remedy
    );
}

#[test]
fn two_idle_workers_with_celery_defaults_give_nothing_above_ok() {
    let v = Vhost::new("wk-idle");
    // The test app's own settings undone: Celery's defaults.
    let defaults = json!({"worker_prefetch_multiplier": 4, "task_ignore_result": false});
    let (a, b) = ("w1@celtool-it", "w2@celtool-it");
    let wa = celery_worker(&v.name, a, defaults.clone(), false);
    let wb = celery_worker(&v.name, b, defaults, false);
    wait_answering(&v.name, &[a, b], &[&wa, &wb]);
    let (fleet, _, findings) = check(
        &v.name,
        &Expect {
            count: Some(2),
            patterns: vec![],
        },
    );
    capture("idle-defaults", &fleet);
    assert_eq!(problems(&findings), vec![]);
    assert_eq!(fleet.workers().count(), 2);
    let r = ping(&v.name, &["--match", "w1@*"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(
        r.json()["nodes"].as_array().unwrap().len(),
        1,
        "{}",
        r.stdout
    );
}

#[test]
fn refused_credentials_exit_3_in_one_line_without_the_password() {
    let v = Vhost::new("wk-secret");
    let secret = "celtool-secret-5c4b3a";
    let r = run(celtool()
        .args(["ping", "--vhost", &v.name])
        .env("CELTOOL_PASSWORD", secret));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("401 Unauthorized"), "{}", r.stderr);
    assert!(
        !format!("{}{}", r.stdout, r.stderr).contains(secret),
        "{r:#?}"
    );
    // The API answers (guest is an administrator); AMQP access to the vhost is refused.
    api("DELETE", &["permissions", &v.name, "guest"], None);
    let r = run(celtool()
        .args(["ping", "--vhost", &v.name])
        .env("CELTOOL_PASSWORD", "guest"));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains("the broker refused user 'guest'"),
        "{}",
        r.stderr
    );
    let r = run(celtool().args([
        "fleet",
        "--vhost",
        &v.name,
        "--amqp-url",
        &format!("amqp://guest:{secret}@127.0.0.1:5672"),
    ]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains("do not put credentials in the URL"),
        "{}",
        r.stderr
    );
    assert!(
        !format!("{}{}", r.stdout, r.stderr).contains(secret),
        "{r:#?}"
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn reap_hung_ends_only_the_hung_worker_and_journals_it() {
    let v = Vhost::new("wk-reap");
    let tag = format!("celtool-reap-{}", std::process::id());
    let (a, b) = (format!("w1@{tag}"), format!("w2@{tag}"));
    let mut wa = celery_worker(&v.name, &a, json!({}), false);
    let mut wb = celery_worker(&v.name, &b, json!({}), false);
    wait_answering(&v.name, &[&a, &b], &[&wa, &wb]);
    let seen = wait_for(LONG, || {
        let both = [&a, &b].iter().all(|n| {
            let q = api(
                "GET",
                &["queues", &v.name, &format!("{n}.celery.pidbox")],
                None,
            );
            q["consumers"].as_u64() == Some(1)
        });
        both.then_some(())
    });
    assert!(seen.is_some(), "the mailboxes never showed their consumers");
    wa.signal(Signal::SIGSTOP);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    // --match keeps the run to this test's workers (reap also handles zombies and orphans).
    let r = run(celtool().args([
        "workers",
        "reap",
        "--hung",
        "--vhost",
        &v.name,
        "--match",
        &tag,
        "--reply-timeout",
        "3s",
        "--grace",
        "2s",
        "--yes",
        "--journal",
        journal.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 0, "{r:#?}");
    let main = wa.child.id();
    assert!(
        r.stdout.contains(&format!("SIGTERM pid {main} ")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!("worker {a} (pid {main})")),
        "{}",
        r.stdout
    );
    // A stopped process acts on no SIGTERM: the SIGKILL after the grace ends it.
    let ended = wait_for(LONG, || wa.child.try_wait().ok().flatten().map(|_| ()));
    assert!(ended.is_some(), "the hung worker is still running");
    assert_eq!(
        wb.child.try_wait().unwrap(),
        None,
        "the answering worker was touched"
    );
    let lines = std::fs::read_to_string(&journal).unwrap();
    assert!(
        lines.contains("\"kind\":\"terminate\"") && lines.contains(&format!("\"pid\":{main}")),
        "{lines}"
    );
}
