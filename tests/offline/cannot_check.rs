//! A run that cannot check still answers on stdout in the format asked for: the Nagios UNKNOWN
//! line, the JSON error object of the command's schema, a Prometheus exposition with success 0
//! and the run's time, nothing in table format; exit 3, and the error once on stderr. Nothing
//! listens on port 1, so no broker is needed.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::formats::check::{promtool_check, valid_json};
use crate::replay::{Replay, Run, celtool, connections_reads, queues_reads, run_within};

/// Every run here ends at once (a refused connection, a refused file); a hang is a failure.
const BOUND: Duration = Duration::from_secs(120);

const RABBIT: &str = "http://127.0.0.1:1";
const REDIS: &str = "redis://127.0.0.1:1";

/// A command that is expected to fail, and how its documents name it.
struct Case<'a> {
    args: Vec<&'a str>,
    /// The `command` of its JSON error, as typed.
    command: &'a str,
    /// Its schema under schemas/.
    schema: &'a str,
    /// Its Nagios UNKNOWN line up to the error, None when it has no Nagios output.
    nagios: Option<&'a str>,
}

impl Case<'_> {
    /// `celtool_<command>`: the prefix of its run metrics (prune-tmp's are `celtool_prune_*`).
    fn metrics(&self) -> String {
        match self.command {
            "prune-tmp" => "celtool_prune".into(),
            c => format!("celtool_{}", c.replace([' ', '-'], "_")),
        }
    }
}

fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The one `celtool: error: ` line of stderr, without its prefix.
fn the_error(what: &str, r: &Run) -> String {
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("celtool: error: "))
        .collect();
    assert_eq!(lines.len(), 1, "{what}: one error line: {r:#?}");
    lines[0].to_string()
}

/// The value of the unlabelled sample `name` in an exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// The run metrics an exposition carries: `<prefix>_last_run_timestamp_seconds` within the
/// run, and `<prefix>_success`'s value; celtool_info in doctor's alone (a second textfile
/// repeating it would be dropped by node_exporter).
fn run_metrics(what: &str, text: &str, prefix: &str, (start, end): (u64, u64)) -> f64 {
    let info = format!(
        "celtool_info{{version=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        text.contains(&info),
        prefix == "celtool_doctor",
        "{what}: {text}"
    );
    let at = sample(text, &format!("{prefix}_last_run_timestamp_seconds"))
        .unwrap_or_else(|| panic!("{what}: no last-run timestamp in\n{text}"));
    assert!(
        (start as f64..=end as f64).contains(&at),
        "{what}: last run at {at}, not within {start}..={end}"
    );
    sample(text, &format!("{prefix}_success"))
        .unwrap_or_else(|| panic!("{what}: no {prefix}_success in\n{text}"))
}

/// The case in every format: exit 3, the error once on stderr, and stdout in that format.
fn answers(case: &Case) {
    for format in ["table", "json", "prometheus", "nagios"] {
        let what = format!("{} --format {format}", case.args.join(" "));
        let start = epoch();
        let r = run_within(celtool().args(&case.args).args(["--format", format]), BOUND);
        let during = (start, epoch());
        assert_eq!(r.code, 3, "{what}: {r:#?}");
        let error = the_error(&what, &r);
        match (format, case.nagios) {
            ("table", _) => assert_eq!(r.stdout, "", "{what}: {r:#?}"),
            ("json", _) => {
                let doc = valid_json(case.schema, &r.stdout);
                assert_eq!(doc["error"]["message"], error.as_str(), "{what}: {doc}");
                assert_eq!(doc["command"], case.command, "{what}: {doc}");
                assert_eq!(
                    (&doc["status"], &doc["exit_code"]),
                    (&"unknown".into(), &3.into()),
                    "{what}: {doc}"
                );
            }
            ("prometheus", _) => {
                promtool_check(&what, &r.stdout);
                let success = run_metrics(&what, &r.stdout, &case.metrics(), during);
                assert_eq!(success, 0.0, "{what}: {}", r.stdout);
            }
            (_, Some(start)) => assert_eq!(r.stdout, format!("{start}{error}\n"), "{what}"),
            (_, None) => {
                assert_eq!(r.stdout, "", "{what}: {r:#?}");
                assert!(
                    error.starts_with("--format nagios is for "),
                    "{what}: {r:#?}"
                );
            }
        }
    }
}

fn case<'a>(
    args: &[&'a str],
    command: &'a str,
    schema: &'a str,
    nagios: Option<&'a str>,
) -> Case<'a> {
    Case {
        args: args.to_vec(),
        command,
        schema,
        nagios,
    }
}

#[test]
fn commands_answer_in_every_format_when_the_broker_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    for c in [
        case(
            &["ping", "--url", RABBIT],
            "ping",
            "ping",
            Some("CELTOOL PING UNKNOWN: "),
        ),
        case(&["fleet", "--url", RABBIT], "fleet", "fleet", None),
        case(&["queues", "--url", RABBIT], "queues", "queues", None),
        case(&["queues", "--url", REDIS], "queues", "redis-queues", None),
        case(
            &["connections", "--url", RABBIT],
            "connections",
            "connections",
            None,
        ),
        case(
            &["connections", "--url", REDIS],
            "connections",
            "redis-connections",
            None,
        ),
        case(
            &["fix", "event-queues", "--url", RABBIT, "--journal", journal],
            "fix event-queues",
            "fix",
            None,
        ),
        case(
            &[
                "fix",
                "stale-event-queues",
                "--url",
                RABBIT,
                "--journal",
                journal,
            ],
            "fix stale-event-queues",
            "fix",
            None,
        ),
    ] {
        answers(&c);
    }
}

#[test]
fn undo_answers_in_every_format_when_the_broker_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let entry = serde_json::json!({
        "run": "r1", "seq": 0, "time": "2026-01-01T00:00:00Z", "fix": "event-queues",
        "broker": format!("{RABBIT}/"),
        "change": {
            "kind": "put-policy", "vhost": "/", "name": "celtool-events", "before": null,
            "after": {"pattern": "^celeryev\\.", "apply-to": "queues", "priority": 10,
                      "definition": {"message-ttl": 5000}}
        }
    });
    std::fs::write(&journal, format!("{entry}\n")).unwrap();
    let journal = journal.to_str().unwrap();
    answers(&case(
        &["undo", "r1", "--yes", "--url", RABBIT, "--journal", journal],
        "undo",
        "fix",
        None,
    ));
    // It failed on reading the broker, not on the journal.
    let r = run_within(
        celtool().args(["undo", "r1", "--yes", "--url", RABBIT, "--journal", journal]),
        BOUND,
    );
    assert!(the_error("undo", &r).contains("127.0.0.1:1"), "{r:#?}");
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_refused_config_is_answered_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(dir.path(), "broken.toml", "x = [\n");
    let no_password = write(
        dir.path(),
        "no-password.toml",
        &format!(
            "[profiles.prod]\nurl = \"{RABBIT}\"\npassword_file = \"{}\"\n",
            dir.path().join("missing").display()
        ),
    );
    for config in [&broken, &no_password] {
        let profile: &[&str] = if config == &no_password {
            &["--profile", "prod"]
        } else {
            &[]
        };
        for (command, schema, nagios) in [
            ("doctor", "doctor", Some("CELTOOL UNKNOWN: ")),
            ("ping", "ping", Some("CELTOOL PING UNKNOWN: ")),
            ("queues", "queues", None),
        ] {
            let args = [&[command, "--config", config.as_str()][..], profile].concat();
            answers(&case(&args, command, schema, nagios));
        }
    }
}

/// doctor turns an unreachable broker into a report: an unknown finding, exit 3, in every
/// machine format (the table's one error line aside).
#[test]
fn doctor_reports_an_unreachable_broker_as_unknown() {
    for url in [RABBIT, REDIS] {
        let args = ["doctor", "--only", "broker", "--no-workers", "--url", url];
        let what = |f: &str| format!("doctor --url {url} --format {f}");
        let fmt = |f: &str| run_within(celtool().args(args).args(["--format", f]), BOUND);
        let r = fmt("table");
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (3, ""),
            "{}: {r:#?}",
            what("table")
        );
        the_error(&what("table"), &r);
        let r = fmt("nagios");
        assert_eq!(r.code, 3, "{r:#?}");
        assert!(
            r.stdout
                .starts_with("CELTOOL UNKNOWN: 0 critical, 0 warning, 1 unknown: "),
            "{}: {r:#?}",
            what("nagios")
        );
        let r = fmt("json");
        let doc = valid_json("doctor", &r.stdout);
        assert_eq!((r.code, &doc["status"]), (3, &"unknown".into()), "{doc}");
        let start = epoch();
        let r = fmt("prometheus");
        promtool_check(&what("prometheus"), &r.stdout);
        let success = run_metrics(
            &what("prometheus"),
            &r.stdout,
            "celtool_doctor",
            (start, epoch()),
        );
        assert_eq!((r.code, success), (3, 0.0), "{r:#?}");
    }
}

/// The run metrics' names, in an exposition.
fn run_metric_names(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .filter(|n| {
            *n == "celtool_info"
                || n.ends_with("_success")
                || n.ends_with("_last_run_timestamp_seconds")
        })
        .collect()
}

/// A listing that succeeds carries the same run metrics as one that fails, with success 1, so
/// a textfile keeps its series whichever way the run went.
#[test]
fn listings_carry_the_run_metrics_when_they_succeed_too() {
    let v = "celtool-fixture";
    let reads = [queues_reads(v), connections_reads(v)].concat();
    let r = Replay::start("celery").expect_only(reads);
    for command in ["queues", "connections"] {
        let start = epoch();
        let ok = r.celtool(&[command, "--vhost", v, "--format", "prometheus"]);
        let during = (start, epoch());
        assert_eq!(ok.code, 0, "{ok:#?}");
        promtool_check(command, &ok.stdout);
        let prefix = format!("celtool_{command}");
        assert_eq!(run_metrics(command, &ok.stdout, &prefix, during), 1.0);
        let failed = run_within(
            celtool().args([command, "--url", RABBIT, "--format", "prometheus"]),
            BOUND,
        );
        let mut names = run_metric_names(&ok.stdout);
        let mut failed_names = run_metric_names(&failed.stdout);
        names.sort();
        failed_names.sort();
        assert_eq!(names, failed_names, "{command}");
        assert_eq!(names.len(), 2, "{names:?}");
    }
}

/// The commands that read this host, explain and `workers reap --hung` answer the same way.
#[test]
fn the_other_commands_answer_in_their_formats_too() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let missing = missing.to_str().unwrap();
    for c in [
        case(&["inodes", "--top", missing], "inodes", "inodes", None),
        case(
            &["prune-tmp", missing, "--older-than", "1d"],
            "prune-tmp",
            "prune-tmp",
            Some("PRUNE-TMP UNKNOWN - "),
        ),
        case(
            &["workers", "reap", "--hung", "--url", RABBIT],
            "workers reap",
            "fix",
            None,
        ),
    ] {
        answers(&c);
    }
    // explain has no metrics: refused before anything runs, nothing on stdout.
    let r = run_within(
        celtool().args(["explain", "nosuch", "--format", "json"]),
        BOUND,
    );
    let doc = valid_json("explain", &r.stdout);
    assert_eq!(
        (r.code, &doc["error"]["message"]),
        (3, &the_error("explain", &r).into()),
        "{r:#?}"
    );
    for format in ["prometheus", "nagios"] {
        let r = run_within(celtool().args(["explain", "--format", format]), BOUND);
        assert_eq!((r.code, r.stdout.as_str()), (3, ""), "{r:#?}");
        assert_eq!(
            the_error(format, &r),
            "explain has no metrics: use --format table or json"
        );
    }
    // probe readiness with the broker unreachable: the error object, exit 3, within its deadline.
    let r = run_within(
        celtool().args([
            "probe",
            "readiness",
            "--node",
            "w1@h",
            "--url",
            RABBIT,
            "--format",
            "json",
        ]),
        BOUND,
    );
    let doc = valid_json("probe", &r.stdout);
    assert_eq!(
        (r.code, &doc["command"], &doc["error"]["message"]),
        (3, &"probe readiness".into(), &the_error("probe", &r).into()),
        "{r:#?}"
    );
}

/// Every schema accepts the same error object, so one parser reads the error of any command.
#[test]
fn every_schema_accepts_the_same_error_object() {
    let dir = crate::replay::repo_root().join("schemas");
    let mut errors = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let refs = schema["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{path:?}: oneOf"));
        assert!(
            refs.contains(&serde_json::json!({"$ref": "#/$defs/error"})),
            "{path:?}"
        );
        errors.push((path, schema["$defs"]["error"].clone()));
    }
    assert_eq!(errors.len(), 15, "{errors:?}");
    for (path, error) in &errors {
        assert_eq!(
            error, &errors[0].1,
            "{path:?} differs from {:?}",
            errors[0].0
        );
    }
}

/// Every command that reads a broker accepts a Redis URL and either reads it or says in one
/// line that it cannot (the server unreachable, or the capability RabbitMQ-only): exit 3, one
/// `celtool: error:` line naming what and where, never an internal error.
#[test]
fn every_broker_command_on_a_redis_url_says_what_it_cannot_in_one_line() {
    each_broker_command_says_what_it_cannot(&format!("{REDIS}/0"), &[]);
}

/// The same through Sentinel: Sentinels on closed ports, or a capability Redis lacks.
#[test]
fn every_broker_command_on_a_sentinel_url_says_what_it_cannot_in_one_line() {
    let url = "sentinel://127.0.0.1:1;sentinel://127.0.0.1:2/0";
    each_broker_command_says_what_it_cannot(url, &["--sentinel-master", "mymaster"]);
}

fn each_broker_command_says_what_it_cannot(redis: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let entry = serde_json::json!({
        "run": "r1", "seq": 0, "time": "2026-01-01T00:00:00Z", "fix": "event-queues",
        "broker": format!("{RABBIT}/"),
        "change": {
            "kind": "put-policy", "vhost": "/", "name": "celtool-events", "before": null,
            "after": {"pattern": "^celeryev\\.", "apply-to": "queues", "priority": 10,
                      "definition": {"message-ttl": 5000}}
        }
    });
    std::fs::write(&journal, format!("{entry}\n")).unwrap();
    let journal = journal.to_str().unwrap();
    // doctor with the host too would report this host's findings beside the unknown one.
    let cases: [&[&str]; 11] = [
        &["doctor", "--only", "broker"],
        &["queues"],
        &["connections"],
        &["fleet"],
        &["ping"],
        &["probe", "readiness", "--node", "w1@h"],
        &["workers", "reap", "--hung", "--dry-run"],
        &["fix", "event-queues", "--dry-run"],
        &["fix", "stale-event-queues", "--dry-run"],
        &["undo", "r1", "--yes", "--journal", journal],
        &["doctor", "--fix", "--only", "broker", "--journal", journal],
    ];
    for args in cases {
        let what = format!("celtool {} --url {redis}", args.join(" "));
        let r = run_within(
            celtool().args(args).args(["--url", redis]).args(extra),
            BOUND,
        );
        assert_eq!(r.code, 3, "{what}: exit 3: {r:#?}");
        let error = the_error(&what, &r);
        assert!(
            !error.to_lowercase().contains("internal error"),
            "{what}: {error}"
        );
        assert!(
            error.contains("127.0.0.1:1") || error.contains("Redis"),
            "{what}: the error names the broker or says Redis: {error}"
        );
    }
}
