//! `celtool lint` on the corpus under tests/fixtures/lint (one project per directory): each
//! rule where it fires, the clean cases, the exit codes, the JSON document against
//! schemas/lint.json, and SARIF against the SARIF 2.1.0 JSON schema vendored in
//! tests/fixtures/sarif (from the npm package @microsoft/jest-sarif 1.0.0-beta.0, MIT).

use serde_json::Value;

use crate::formats::check::valid_json;
use crate::replay::{Run, celtool, repo_root, run};

fn lint(args: &[&str]) -> Run {
    run(celtool()
        .current_dir(repo_root().join("tests/fixtures/lint"))
        .arg("lint")
        .args(args))
}

/// The findings of a project as (file:line, ID, severity), from its JSON document, which is
/// checked against the schema on the way.
fn findings(dir: &str, extra: &[&str]) -> (i32, Vec<(String, String, String)>, Value) {
    let mut args = vec![dir, "--format", "json"];
    args.extend_from_slice(extra);
    let r = lint(&args);
    let doc = valid_json("lint", &r.stdout);
    assert_eq!(doc["exit_code"], r.code, "{r:#?}");
    let list = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["subject"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (r.code, list, doc)
}

fn f(at: &str, id: &str, sev: &str) -> (String, String, String) {
    (at.to_string(), id.to_string(), sev.to_string())
}

fn write_of(doc: &Value, id: &str) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {doc:#}"))["write"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn django_with_namespace_names_what_it_ignores_and_the_visibility_timeout() {
    let (code, got, doc) = findings("django_ns", &[]);
    assert_eq!(
        got,
        vec![
            f("django_ns/proj/settings.py:15", "lint.ignored-name", "warn"),
            f(
                "django_ns/proj/settings.py:18",
                "lint.unknown-setting",
                "warn"
            ),
            f(
                "django_ns/proj/tasks.py:15",
                "redis.unacked.visibility",
                "crit"
            ),
        ]
    );
    assert_eq!(code, 2);
    assert_eq!(
        write_of(&doc, "lint.ignored-name"),
        vec!["CELERY_TASK_ACKS_LATE = True"]
    );
    assert_eq!(
        write_of(&doc, "lint.unknown-setting"),
        vec!["CELERY_WORKER_PREFETCH_MULTIPLIER = 1"]
    );
    assert_eq!(
        write_of(&doc, "redis.unacked.visibility"),
        vec!["CELERY_BROKER_TRANSPORT_OPTIONS = {'visibility_timeout': 14400}"]
    );
}

#[test]
fn django_without_namespace_reads_old_names_only() {
    let (code, got, doc) = findings("django_plain", &[]);
    assert_eq!(
        got,
        vec![
            f(
                "django_plain/proj/settings.py:6",
                "workers.acks-late",
                "warn"
            ),
            f(
                "django_plain/proj/settings.py:9",
                "lint.ignored-name",
                "warn"
            ),
        ]
    );
    assert_eq!(code, 1);
    assert_eq!(
        write_of(&doc, "workers.acks-late"),
        vec!["CELERY_REJECT_ON_WORKER_LOST = True"]
    );
}

#[test]
fn a_plain_module_mixing_old_and_new_names_is_critical() {
    let (code, got, doc) = findings("plain_module", &[]);
    assert_eq!(
        got,
        vec![
            f(
                "plain_module/celeryconfig.py:10",
                "workers.event-queue-ttl",
                "warn"
            ),
            f(
                "plain_module/celeryconfig.py:11",
                "lint.mixed-names",
                "crit"
            ),
            f(
                "plain_module/celeryconfig.py:11",
                "workers.no-time-limit",
                "warn"
            ),
        ]
    );
    assert_eq!(code, 2);
    assert_eq!(
        write_of(&doc, "lint.mixed-names"),
        vec!["worker_max_tasks_per_child = 100"]
    );
}

#[test]
fn app_conf_update_with_a_kubernetes_deployment() {
    let (code, got, doc) = findings("app_update", &[]);
    assert_eq!(
        got,
        vec![
            f("app_update/k8s/worker.yaml:16", "events.heartbeats", "warn"),
            f(
                "app_update/k8s/worker.yaml:16",
                "lint.soft-shutdown-grace",
                "warn"
            ),
            f(
                "app_update/k8s/worker.yaml:16",
                "workers.task-events",
                "warn"
            ),
            f(
                "app_update/k8s/worker.yaml:19",
                "lint.remote-control-off",
                "crit"
            ),
            f("app_update/worker.py:6", "workers.acks-late", "warn"),
            f("app_update/worker.py:9", "lint.remote-control-off", "warn"),
            f("app_update/worker.py:10", "workers.heartbeat-off", "warn"),
            f(
                "app_update/worker.py:22",
                "workers.consumer-timeout",
                "crit"
            ),
        ]
    );
    assert_eq!(code, 2);
    assert_eq!(
        write_of(&doc, "workers.acks-late"),
        vec!["worker_prefetch_multiplier=1"]
    );
    assert_eq!(
        write_of(&doc, "lint.soft-shutdown-grace"),
        vec!["terminationGracePeriodSeconds: 90"]
    );
}

#[test]
fn compose_and_systemd_worker_lines() {
    let (code, got, doc) = findings("compose", &[]);
    assert_eq!(
        got,
        vec![f(
            "compose/docker-compose.yml:14",
            "lint.soft-shutdown-grace",
            "warn"
        )]
    );
    assert_eq!(code, 1);
    assert_eq!(
        write_of(&doc, "lint.soft-shutdown-grace"),
        vec!["stop_grace_period: 60s"]
    );
    // The unit with its EnvironmentFile: time limit and recycling come from CELERYD_OPTS.
    let (code, got, doc) = findings("systemd", &["--all"]);
    assert_eq!((code, got), (0, vec![]));
    let kinds: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["python", "env", "systemd"]);
    // Without it, the options are not known: unknown, never clean.
    let (code, got, doc) = findings("systemd_noenv", &[]);
    assert_eq!(
        (code, got),
        (
            3,
            vec![f(
                "systemd_noenv/celery.service:11",
                "lint.unresolved",
                "unknown"
            )]
        )
    );
    assert!(
        doc["notes"][0]
            .as_str()
            .unwrap()
            .contains("EnvironmentFile=/etc/conf.d/celery is not among the files read"),
        "{doc:#}"
    );
}

#[test]
fn celerys_defaults_plus_a_time_limit_are_clean() {
    let (code, got, _) = findings("clean", &[]);
    assert_eq!((code, got), (0, vec![]));
    // --all shows the note about recycling, still exit 0.
    let (code, got, _) = findings("clean", &["--all"]);
    assert_eq!(
        (code, got),
        (
            0,
            vec![f("clean/celeryconfig.py:2", "workers.no-recycle", "ok")]
        )
    );
    let r = lint(&["clean"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "celtool lint: OK: 0 critical, 0 warning, 0 unknown, 1 ok (1 file read)\n"
        )
    );
}

#[test]
fn templates_syntax_errors_and_missing_files_are_unknown() {
    let (code, got, _) = findings("template", &[]);
    assert_eq!(
        (code, got),
        (
            3,
            vec![
                f(
                    "template/celeryconfig.py.j2:1",
                    "lint.unreadable",
                    "unknown"
                ),
                f(
                    "template/chart/templates/worker.yaml:1",
                    "lint.unreadable",
                    "unknown"
                ),
            ]
        )
    );
    let (code, got, _) = findings("broken", &[]);
    assert_eq!(
        (code, got),
        (
            3,
            vec![f("broken/celeryconfig.py:4", "lint.unreadable", "unknown")]
        )
    );
    let (code, got, _) = findings("no-such-dir/celeryconfig.py", &[]);
    assert_eq!(code, 3);
    assert_eq!(got[0].1, "lint.unreadable");
    // Celery settings referenced but not given: the Django app without its settings.
    let (code, got, _) = findings("django_ns/proj/celery.py", &[]);
    assert_eq!(
        (code, got),
        (
            3,
            vec![f(
                "django_ns/proj/celery.py:8",
                "lint.unresolved",
                "unknown"
            )]
        )
    );
}

#[test]
fn skip_and_the_table() {
    let (code, got, _) = findings(
        "app_update",
        &[
            "--skip",
            "lint,events",
            "--skip",
            "workers.consumer-timeout",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        got.iter().all(|(_, id, _)| id.starts_with("workers.")),
        "{got:?}"
    );
    let r = lint(&["django_ns"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.starts_with(
            "django_ns/proj/settings.py:15  WARN    lint.ignored-name\n          CELERY_ACKS_LATE does nothing"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("          write: CELERY_TASK_ACKS_LATE = True\n"),
        "{}",
        r.stdout
    );
    // Machine formats of other commands refuse SARIF; lint refuses nagios and prometheus.
    let r = run(celtool().args(["explain", "--format", "sarif"]));
    assert_eq!(r.code, 3, "{r:#?}");
    let r = lint(&["clean", "--format", "nagios"]);
    assert_eq!(r.code, 3, "{r:#?}");
}

fn sarif_schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(repo_root().join("tests/fixtures/sarif/sarif-2.1.0-rtm.5.json"))
            .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn sarif_is_valid_and_puts_findings_on_their_lines() {
    let schema = sarif_schema();
    for dir in ["app_update", "django_ns", "clean", "template", "broken"] {
        let r = lint(&[dir, "--format", "sarif", "--all"]);
        let doc: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let errors: Vec<String> = schema
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}\n{}", r.stdout);
        assert_eq!(doc["version"], "2.1.0");
    }
    let r = lint(&["django_ns", "--format", "sarif"]);
    assert_eq!(r.code, 2);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let first = &results[0];
    assert_eq!(first["ruleId"], "lint.ignored-name");
    assert_eq!(first["level"], "warning");
    let loc = &first["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "django_ns/proj/settings.py");
    assert_eq!(loc["region"]["startLine"], 15);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let idx = first["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], "lint.ignored-name");
    assert_eq!(results[2]["level"], "error");
    // A file that cannot be read: the run says it did not succeed.
    let r = lint(&["broken", "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}

#[test]
fn every_lint_id_is_explained() {
    for id in [
        "lint.unreadable",
        "lint.unresolved",
        "lint.no-config",
        "lint.unknown-setting",
        "lint.ignored-name",
        "lint.mixed-names",
        "lint.remote-control-off",
        "lint.soft-shutdown-grace",
    ] {
        let r = run(celtool().args(["explain", id]));
        assert_eq!(r.code, 0, "{id}: {r:#?}");
        assert!(
            r.stdout.starts_with(&format!("{id} (celery): ")),
            "{}",
            r.stdout
        );
    }
}
