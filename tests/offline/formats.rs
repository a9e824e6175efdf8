//! The machine formats on real output: every command's JSON against its schema under schemas/
//! (strict: every key known, counts as integers), the Prometheus expositions through
//! `promtool check metrics` (Debian package `prometheus`, required),
//! doctor's textfile, and Nagios' status line and perfdata.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::replay::{Replay, Run, celtool, repo_root, run};

const V: &str = "celtool-fixture";

#[path = "../common/formats.rs"]
pub mod check;
use check::{promtool_check, valid_nagios, valid_prometheus};

fn valid(name: &str, r: &Run) -> Value {
    check::valid_json(name, &r.stdout)
}

fn fixture<'a>(cmd: &'a mut Command, tree: &str) -> &'a mut Command {
    let root = repo_root().join("tests/fixtures/host").join(tree);
    cmd.env("CELTOOL_PROC_ROOT", root.join("proc"))
        .env("CELTOOL_SYS_ROOT", root.join("sys"))
}

fn host(tree: &str, args: &[&str]) -> Run {
    run(fixture(&mut celtool(), tree).args(args))
}

fn prometheus_ok(what: &str, r: &Run) {
    assert_eq!(r.code, 0, "{what}: {r:#?}");
    valid_prometheus(what, &r.stdout);
}

#[test]
fn broker_commands_json_matches_the_schemas() {
    let r = Replay::start("celery");
    let doctor = r.celtool(&[
        "doctor", "--only", "broker", "--vhost", V, "--format", "json",
    ]);
    let doc = valid("doctor", &doctor);
    assert_eq!(doc["celtool_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["schema_version"], 1);
    let queues = r.celtool(&["queues", "--vhost", V, "--format", "json"]);
    let doc = valid("queues", &queues);
    assert!(
        doc["queues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["ready"].is_u64() && q["ready"].as_u64() > Some(0)),
        "{doc}"
    );
    valid(
        "connections",
        &r.celtool(&["connections", "--vhost", V, "--format", "json"]),
    );
    let fix = r.celtool(&[
        "fix",
        "event-queues",
        "--vhost",
        V,
        "--dry-run",
        "--format",
        "json",
    ]);
    let plan = valid("fix", &fix);
    assert_eq!(plan["status"], "dry-run", "{plan}");
}

#[test]
fn host_and_local_commands_json_matches_the_schemas() {
    valid(
        "conntrack",
        &host("kernel6", &["conntrack", "--format", "json"]),
    );
    valid(
        "conntrack",
        &host("nomodule", &["conntrack", "--format", "json"]),
    );
    valid("inodes", &host("kernel6", &["inodes", "--format", "json"]));
    valid(
        "workers",
        &host("kernel6", &["workers", "--format", "json"]),
    );
    let alive = host("kernel6", &["probe", "liveness", "--format", "json"]);
    assert_eq!(valid("probe", &alive)["verdict"], "pass");
    let none = host(
        "kernel6",
        &["probe", "liveness", "--node", "nobody", "--format", "json"],
    );
    assert_eq!(valid("probe", &none)["verdict"], "unknown");
    let d = valid(
        "doctor",
        &host("kernel6", &["doctor", "--only", "host", "--format", "json"]),
    );
    assert!(
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["evidence"]["drop"].is_u64()),
        "{d}"
    );
    valid(
        "explain",
        &run(celtool().args(["explain", "--format", "json"])),
    );
    valid(
        "explain",
        &run(celtool().args(["explain", "events.no-ttl", "--format", "json"])),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/f"), "x").unwrap();
    let top = dir.path().to_str().unwrap();
    valid(
        "inodes",
        &run(celtool().args(["inodes", "--top", top, "--format", "json"])),
    );
    valid(
        "prune-tmp",
        &run(celtool().args([
            "prune-tmp",
            top,
            "--older-than",
            "1d",
            "--dry-run",
            "--format",
            "json",
        ])),
    );
}

/// Every document a schema describes starts with the same envelope, a result as much as the
/// error object: a script reads `schema_version` the same way from any command.
#[test]
fn every_schema_s_documents_carry_the_envelope() {
    const ENVELOPE: [&str; 3] = ["celtool_version", "schema_version", "generated_at"];
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("description");
        v
    };
    let mut documents = 0;
    for entry in std::fs::read_dir(repo_root().join("schemas")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let error = &schema["$defs"]["error"];
        for branch in schema["oneOf"].as_array().unwrap() {
            let doc = match branch["$ref"].as_str() {
                Some(r) => &schema["$defs"][r.trim_start_matches("#/$defs/")],
                None => branch,
            };
            assert_eq!(doc["type"], "object", "{path:?}: {branch}");
            assert_eq!(doc["additionalProperties"], false, "{path:?}: {branch}");
            let required: Vec<&str> = doc["required"]
                .as_array()
                .unwrap_or_else(|| panic!("{path:?}: {branch}: required"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(required[..3], ENVELOPE, "{path:?}: {branch}");
            for key in ENVELOPE {
                assert_eq!(
                    strip(&doc["properties"][key]),
                    strip(&error["properties"][key]),
                    "{path:?}: {branch}: {key}"
                );
            }
            documents += 1;
        }
    }
    // 15 schemas, each a result and the error object; explain, inodes, conntrack and probe
    // (liveness, readiness) have two results each.
    assert_eq!(documents, 15 * 2 + 2 + 1 + 1, "{documents}");
}

#[test]
fn prometheus_expositions_pass_promtool() {
    let r = Replay::start("celery");
    prometheus_ok(
        "doctor",
        &r.celtool(&[
            "doctor",
            "--only",
            "broker",
            "--vhost",
            V,
            "--format",
            "prometheus",
        ])
        .with_code(0),
    );
    prometheus_ok(
        "queues",
        &r.celtool(&["queues", "--vhost", V, "--format", "prometheus"]),
    );
    prometheus_ok(
        "connections",
        &r.celtool(&["connections", "--vhost", V, "--format", "prometheus"]),
    );
    for tree in ["kernel4", "kernel6", "legacy"] {
        prometheus_ok(tree, &host(tree, &["conntrack", "--format", "prometheus"]));
    }
    prometheus_ok(
        "inodes",
        &host("kernel6", &["inodes", "--format", "prometheus"]),
    );
    let workers = host("kernel6", &["workers", "--format", "prometheus"]);
    prometheus_ok("workers", &workers);
    assert!(
        workers.stdout.contains("celtool_worker_processes{host="),
        "{}",
        workers.stdout
    );
    let doctor = host(
        "kernel6",
        &["doctor", "--only", "host", "--format", "prometheus"],
    )
    .with_code(0);
    prometheus_ok("doctor --only host", &doctor);
    let conntrack = host("kernel6", &["conntrack", "--format", "prometheus"]);
    assert!(
        conntrack
            .stdout
            .contains("# TYPE celtool_conntrack_drop_total counter\n"),
        "{}",
        conntrack.stdout
    );
}

#[test]
fn doctor_writes_a_textfile_and_a_failed_run_writes_success_0() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("celtool.prom");
    let f = file.to_str().unwrap();
    // kernel4's tree has nothing celtool cannot read (kernel6's has mounts statvfs fails on).
    let ok = host(
        "kernel4",
        &["doctor", "--only", "host", "-q", "--textfile", f],
    );
    assert_eq!(ok.code, 0, "{ok:#?}");
    assert_eq!(ok.stdout, "", "{ok:#?}");
    let text = std::fs::read_to_string(&file).unwrap();
    for line in [
        "celtool_doctor_success 1\n",
        "celtool_info{version=\"",
        "celtool_doctor_last_run_timestamp_seconds ",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    promtool_check("textfile", &text);
    let unreadable = host(
        "kernel6",
        &["doctor", "--only", "host", "-q", "--textfile", f],
    );
    assert_eq!(unreadable.code, 2, "{unreadable:#?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("celtool_doctor_success 0\n"), "{text}");
    assert!(
        text.contains("celtool_findings{severity=\"unknown\"} 4\n"),
        "{text}"
    );
    let failed = host(
        "kernel4",
        &[
            "doctor",
            "--only",
            "host",
            "--profile",
            "nosuch",
            "--textfile",
            f,
        ],
    );
    assert_eq!(failed.code, 3, "{failed:#?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("celtool_doctor_success 0\n"), "{text}");
    promtool_check("textfile", &text);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "temporary files left: {names:?}");
    let txt = dir.path().join("celtool.txt");
    let warned = host(
        "kernel6",
        &[
            "doctor",
            "--only",
            "host",
            "-q",
            "--textfile",
            txt.to_str().unwrap(),
        ],
    );
    assert!(
        warned.stderr.contains("only files ending in .prom"),
        "{warned:#?}"
    );
    assert!(Path::new(&txt).exists());
}

#[test]
fn nagios_is_one_status_line_with_ranged_perfdata() {
    let r = Replay::start("celery");
    let out = r.celtool(&[
        "doctor", "--only", "broker", "--vhost", V, "--format", "nagios",
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
    let items = valid_nagios("doctor", &out.stdout);
    assert!(
        out.stdout.starts_with("CELTOOL CRITICAL: "),
        "{}",
        out.stdout
    );
    let perf = items.join(" ");
    assert!(
        perf.contains("'queues.no-consumers:celtool-fixture/jobs:messages_ready'="),
        "{perf}"
    );
    assert!(
        perf.contains(";;@1:"),
        "crit range on the measured value: {perf}"
    );
    let inodes = host(
        "kernel6",
        &["doctor", "--only", "host", "--format", "nagios"],
    );
    let perf = valid_nagios("doctor --only host", &inodes.stdout).join(" ");
    assert!(
        !perf.is_empty() && !perf.contains("pid "),
        "{}",
        inodes.stdout
    );
}

trait WithCode {
    fn with_code(self, code: i32) -> Run;
}

impl WithCode for Run {
    /// Doctor exits by severity; the exposition is the same whatever the exit code.
    fn with_code(mut self, code: i32) -> Run {
        self.code = code;
        self
    }
}
