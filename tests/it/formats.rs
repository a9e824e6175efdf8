//! The machine formats of the commands that need live sources, on real output: `fleet`, `ping`
//! and doctor's worker findings with a real Celery worker on RabbitMQ, the Redis listings and
//! doctor against the shared Redis, and prune-tmp's metrics. JSON against schemas/, Prometheus
//! through promtool, Nagios by the Monitoring Plugins guidelines (tests/common/formats.rs).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::support::{RedisDb, Vhost, Worker, celtool, repo_root, run, wait_for};

#[path = "../common/formats.rs"]
pub mod check;
use check::{valid_json, valid_nagios, valid_prometheus};

fn fmt(args: &[&str], format: &str) -> crate::support::Run {
    run(celtool().args(args).args(["--format", format]))
}

#[test]
fn fleet_ping_and_doctor_with_a_real_worker_follow_the_formats() {
    let vhost = Vhost::new("fmt-fleet");
    let v = vhost.name.as_str();
    let worker = Worker::start(v, "fmt1@celtool-it");
    let args = ["--vhost", v, "--reply-timeout", "5s"];
    let ping = |format: &str| fmt(&[&["ping"][..], &args].concat(), format);
    wait_for(Duration::from_secs(90), || {
        let r = ping("json");
        (r.code == 0).then_some(())
    })
    .unwrap_or_else(|| panic!("the worker never answered ping; log:\n{}", worker.log()));

    let doc = valid_json("ping", &ping("json").stdout);
    assert_eq!(
        (doc["answered"].as_u64(), doc["expected"].as_u64()),
        (Some(1), Some(1))
    );
    let prom = ping("prometheus");
    valid_prometheus("ping", &prom.stdout);
    // The run metrics of a run that could not check are there on success too.
    for line in ["celtool_workers_answered 1\n", "celtool_ping_success 1\n"] {
        assert!(prom.stdout.contains(line), "{line:?} in {}", prom.stdout);
    }
    assert!(
        prom.stdout
            .contains("\nceltool_ping_last_run_timestamp_seconds "),
        "{}",
        prom.stdout
    );
    let nagios = ping("nagios");
    assert_eq!(nagios.code, 0, "{nagios:#?}");
    let perf = valid_nagios("ping", &nagios.stdout);
    assert_eq!(
        &perf[..2],
        ["'answered'=1;;1:;0", "'expected'=1;;;0"],
        "{}",
        nagios.stdout
    );

    let fleet = |format: &str| fmt(&[&["fleet"][..], &args].concat(), format);
    let rows = valid_json("fleet", &fleet("json").stdout);
    let row = &rows["workers"][0];
    assert_eq!(row["node"], "fmt1@celtool-it", "{rows}");
    assert_eq!(row["concurrency"], 2, "{rows}");
    let prom = fleet("prometheus");
    valid_prometheus("fleet", &prom.stdout);
    assert!(
        prom.stdout.contains("\nceltool_fleet_success 1\n"),
        "{}",
        prom.stdout
    );
    assert!(
        prom.stdout
            .contains("# TYPE celtool_worker_tasks_done_total counter\n")
            || !prom.stdout.contains("tasks_done"),
        "{}",
        prom.stdout
    );

    // doctor with the worker's answers (workers.* findings: -E turns task events on).
    let doctor = |format: &str| {
        fmt(
            &[
                "doctor",
                "--only",
                "broker",
                "--vhost",
                v,
                "--reply-timeout",
                "5s",
            ],
            format,
        )
    };
    let d = valid_json("doctor", &doctor("json").stdout);
    assert!(
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"].as_str().unwrap().starts_with("workers.")),
        "{d}"
    );
    valid_prometheus("doctor", &doctor("prometheus").stdout);
    valid_nagios("doctor", &doctor("nagios").stdout);
}

fn venv() -> PathBuf {
    std::env::var_os("CELTOOL_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv"))
}

#[test]
fn redis_listings_and_doctor_follow_the_formats() {
    let db = RedisDb::new(12);
    let url = db.url();
    let out = Command::new(venv().join("bin/python"))
        .env("PYTHONPATH", repo_root().join("tests/fixtures/celery_app"))
        .env("CELTOOL_TEST_BROKER", &url)
        .args([
            "-c",
            "from celtool_redisapp import add\n\
             for i in range(30): add.apply_async((i, i), priority=0)\n\
             for i in range(20): add.apply_async((i, i), priority=9)\n",
        ])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let queues = fmt(&["queues", "--url", &url], "json");
    let rows = valid_json("redis-queues", &queues.stdout);
    let celery = rows["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "celery")
        .unwrap_or_else(|| panic!("{rows}"));
    assert_eq!(celery["ready"], 50, "{rows}");
    valid_prometheus(
        "redis queues",
        &fmt(&["queues", "--url", &url], "prometheus").stdout,
    );

    let conns = fmt(&["connections", "--url", &url], "json");
    valid_json("redis-connections", &conns.stdout);
    valid_prometheus(
        "redis connections",
        &fmt(&["connections", "--url", &url], "prometheus").stdout,
    );

    let doctor = |format: &str| fmt(&["doctor", "--url", &url], format);
    let d = valid_json("doctor", &doctor("json").stdout);
    assert_eq!(d["scope"]["vhost"], "db12", "{d}");
    let prom = doctor("prometheus").stdout;
    valid_prometheus("redis doctor", &prom);
    assert!(
        prom.contains("celtool_queues_no_consumers_messages_ready{subject=\"db12/celery\""),
        "{prom}"
    );
    let perf = valid_nagios("redis doctor", &doctor("nagios").stdout);
    assert!(
        perf.iter()
            .any(|p| p.starts_with("'queues.no-consumers:db12/celery:messages_ready'=50;;@1:")),
        "{perf:?}"
    );
}

#[test]
fn prune_tmp_metrics_pass_promtool_and_its_json_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), "x").unwrap();
    let d = dir.path().to_str().unwrap();
    let args = ["prune-tmp", d, "--older-than", "1d"];
    valid_json("prune-tmp", &fmt(&args, "json").stdout);
    valid_prometheus("prune-tmp", &fmt(&args, "prometheus").stdout);
    let textfile = tempfile::tempdir().unwrap();
    let file = textfile.path().join("prune.prom");
    let r = run(celtool()
        .args(args)
        .args(["--textfile", file.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{r:#?}");
    valid_prometheus(
        "prune-tmp --textfile",
        &std::fs::read_to_string(&file).unwrap(),
    );
    valid_nagios("prune-tmp", &fmt(&args, "nagios").stdout);
}
