//! Big and slow brokers, scripted by an in-process server: a listing held back for 15 s, a
//! body that stalls after its first bytes, the run's deadline, and the wait scaled to the
//! object counts of the overview. Nothing here depends on the real broker's speed.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::faults::{is_one_queue, request_path, respond, respond_queues, serve_with};
use crate::support::*;

const PASSWORD: &str = "celtool-slow-pw-5c1d";

/// A broker whose node is in a memory alarm (a critical finding from /api/nodes) and whose
/// task queue `jobs` holds 40 messages without a consumer (a critical finding from
/// /api/queues), with `/api/queues` answered after `hold`, and `queues` objects counted.
fn slow_broker(hold: Duration, queues: u64) -> String {
    let overview = format!(
        r#"{{"rabbitmq_version":"3.10.8","cluster_name":"c1","node":"rabbit@n1",
            "object_totals":{{"queues":{queues},"connections":0,"channels":0,"consumers":0,"exchanges":7}}}}"#
    );
    serve_with(move |request, s| {
        let path = request_path(request);
        let body = if path.starts_with("/api/overview") {
            overview.clone()
        } else if path.starts_with("/api/nodes/rabbit%40n1/memory") {
            r#"{"memory":{"mgmt_db":1000,"metrics":1000,"total":{"erlang":100000000}}}"#.into()
        } else if path.starts_with("/api/nodes") {
            r#"[{"name":"rabbit@n1","running":true,"mem_used":3000000000,"mem_limit":2000000000,
                 "mem_alarm":true,"disk_free":90000000000,"disk_free_limit":50000000,
                 "disk_free_alarm":false,"fd_used":50,"fd_total":1024,"proc_used":500,
                 "proc_total":1048576}]"#
                .into()
        } else if path.starts_with("/api/queues") {
            // A broker slow to gather a listing; a single queue it looks up at once.
            if !is_one_queue(path) {
                std::thread::sleep(hold);
            }
            let listing = r#"[{"name":"jobs","vhost":"/","state":"running","type":"classic","messages_ready":40,
                 "messages_unacknowledged":0,"consumers":0,"arguments":{},"policy":null,
                 "effective_policy_definition":{}}]"#;
            return respond_queues(s, path, listing);
        } else {
            "[]".to_string()
        };
        respond(s, "200 OK", &body);
    })
}

fn celtool_at(url: &str, args: &[&str]) -> Run {
    run(celtool()
        .args(args)
        .args(["--url", url])
        .env("CELTOOL_PASSWORD", PASSWORD))
}

/// `doctor --no-workers --only broker --format json` against `url`, with `extra` arguments.
fn broker_doctor(url: &str, extra: &[&str]) -> Run {
    broker_doctor_as(url, "json", extra)
}

/// The same in another `--format`.
fn broker_doctor_as(url: &str, format: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "doctor",
        "--no-workers",
        "--only",
        "broker",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    celtool_at(url, &args)
}

fn has(r: &Run, id: &str, severity: &str, subject: &str) -> bool {
    r.problems()
        .iter()
        .any(|p| p.0 == id && p.1 == severity && p.2 == subject)
}

fn finding_summary(r: &Run, id: &str) -> String {
    r.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["id"] == id)
        .map(|f| f["summary"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[test]
fn defaults_wait_through_a_queue_listing_held_back_for_15_s() {
    let url = slow_broker(Duration::from_secs(15), 1);
    let r = broker_doctor(&url, &[]);
    assert!(!r.stderr.contains("panicked"), "{r:#?}");
    assert_eq!(r.code, 2, "{r:#?}");
    // Both critical findings: the one from the nodes and the one from the late queue list.
    assert!(
        has(&r, "queues.no-consumers", "crit", "/jobs"),
        "{:#?}",
        r.problems()
    );
    assert!(
        has(&r, "broker.alarm.memory", "crit", "rabbit@n1"),
        "{:#?}",
        r.problems()
    );
    assert!(
        !r.problems().iter().any(|p| p.0 == "broker.api"),
        "{:#?}",
        r.problems()
    );
    // `queues` with defaults waits as long.
    let r = celtool_at(&url, &["queues", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(r.rows("queues").len(), 1, "{}", r.stdout);
}

#[test]
fn the_deadline_reports_what_arrived_and_the_gap() {
    let url = slow_broker(Duration::from_secs(60), 1);
    let started = Instant::now();
    let r = broker_doctor(&url, &["--deadline", "3s"]);
    let took = started.elapsed();
    assert!(!r.stderr.contains("panicked"), "{r:#?}");
    // The node's critical finding stays; the queue list is an unknown gap; crit wins the code.
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(
        has(&r, "broker.api", "unknown", "queues"),
        "{:#?}",
        r.problems()
    );
    assert!(
        has(&r, "broker.alarm.memory", "crit", "rabbit@n1"),
        "{:#?}",
        r.problems()
    );
    assert!(
        finding_summary(&r, "broker.api").ends_with(
            "/api/queues: no answer before the run's deadline (3s); raise --deadline or check the broker's load"
        ),
        "{}",
        finding_summary(&r, "broker.api")
    );
    // It did not wait for the held-back answer (60 s).
    assert!(took < Duration::from_secs(50), "took {took:?}");

    // Nagios: one UNKNOWN-or-worse line on stdout, same code.
    let r = broker_doctor_as(&url, "nagios", &["--deadline", "3s"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stdout.starts_with("CELTOOL CRITICAL: "), "{r:#?}");
}

#[test]
fn a_deadline_before_anything_arrives_is_unknown_in_every_format() {
    // Every answer is held back: nothing arrives before the deadline.
    let url = serve_with(|_, s| {
        std::thread::sleep(Duration::from_secs(60));
        respond(s, "200 OK", "{}");
    });
    let r = celtool_at(&url, &["queues", "--deadline", "2s"]);
    assert_eq!(r.code, 3, "{r:#?}");
    let first = r.stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("celtool: error: GET ")
            && first.ends_with(": no answer before the run's deadline (2s); raise --deadline or check the broker's load"),
        "{r:#?}"
    );
    let r = broker_doctor(&url, &["--deadline", "2s"]);
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        has(&r, "broker.unreachable", "unknown", &format!("{url}/")),
        "{:#?}",
        r.problems()
    );
    assert!(!r.stdout.contains(PASSWORD) && !r.stderr.contains(PASSWORD));
}

#[test]
fn a_body_that_stalls_after_its_first_bytes_is_a_stall_not_bad_json() {
    let url = serve_with(|request, s| {
        let path = request_path(request);
        if path.starts_with("/api/overview") {
            respond(s, "200 OK", r#"{"rabbitmq_version":"3.10.8"}"#);
            return;
        }
        if path.starts_with("/api/nodes/") {
            respond(s, "200 OK", r#"{"memory":"not_available"}"#);
            return;
        }
        if path.starts_with("/api/nodes") {
            respond(
                s,
                "200 OK",
                r#"[{"name":"rabbit@n1","running":true,"mem_alarm":true}]"#,
            );
            return;
        }
        if !path.starts_with("/api/queues") {
            respond(s, "200 OK", "[]");
            return;
        }
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\nconnection: close\r\n\r\n[{\"name\":\"jobs\",",
        );
        let _ = s.flush();
        std::thread::sleep(Duration::from_secs(30));
    });
    let r = celtool_at(&url, &["queues", "--timeout", "1s"]);
    assert_eq!(r.code, 3, "{r:#?}");
    let first = r.stderr.lines().next().unwrap_or("");
    assert_eq!(
        first,
        format!(
            "celtool: error: GET {url}/api/queues: the answer stalled: nothing for 1s after 16 bytes; the broker or a proxy stopped sending (raise --timeout if it is only slow)"
        ),
        "{r:#?}"
    );
    // In doctor it is a gap: the stall is named, the node's critical finding stays.
    let r = broker_doctor(&url, &["--timeout", "1s"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(
        has(&r, "broker.alarm.memory", "crit", "rabbit@n1"),
        "{:#?}",
        r.problems()
    );
    assert!(
        has(&r, "broker.api", "unknown", "queues"),
        "{:#?}",
        r.problems()
    );
    assert!(
        finding_summary(&r, "broker.api")
            .contains("the answer stalled: nothing for 1s after 16 bytes"),
        "{}",
        finding_summary(&r, "broker.api")
    );
}

#[test]
fn the_wait_for_an_answer_grows_with_the_objects_the_overview_counts() {
    // --timeout 1s: 3 s for an answer to start, plus 1 s per 1 000 objects. A queue list held
    // back 5 s fails on a small broker and passes on one that counts 8 000 queues.
    let small = slow_broker(Duration::from_secs(5), 1);
    let r = celtool_at(&small, &["queues", "--timeout", "1s"]);
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains(
            "/api/queues: no answer within 3s (3 x --timeout, plus 1 s per 1 000 objects on the broker); raise --timeout"
        ),
        "{r:#?}"
    );
    let big = slow_broker(Duration::from_secs(5), 8000);
    let r = celtool_at(&big, &["queues", "--timeout", "1s", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let r = broker_doctor(&big, &["--timeout", "1s"]);
    assert!(
        has(&r, "queues.no-consumers", "crit", "/jobs"),
        "{:#?}",
        r.problems()
    );
}

#[test]
fn a_listing_the_broker_closes_unanswered_names_the_broker_s_idle_timeout() {
    // RabbitMQ's management listener closes a request it has not answered within its
    // idle_timeout (60 s by default) while it still gathers a big listing: here after 2 s.
    let url = serve_with(|request, s| {
        let path = request_path(request);
        if path.starts_with("/api/overview") {
            respond(
                s,
                "200 OK",
                r#"{"rabbitmq_version":"3.10.8","node":"rabbit@n1"}"#,
            );
        } else if path.starts_with("/api/nodes/") {
            respond(s, "200 OK", r#"{"memory":"not_available"}"#);
        } else if path.starts_with("/api/nodes") {
            respond(
                s,
                "200 OK",
                r#"[{"name":"rabbit@n1","running":true,"mem_alarm":true}]"#,
            );
        } else if path.starts_with("/api/queues") {
            std::thread::sleep(Duration::from_secs(2));
            let _ = s.shutdown(std::net::Shutdown::Both);
        } else {
            respond(s, "200 OK", "[]");
        }
    });
    let closed = "s without answering; RabbitMQ's management listener gives up on a request after management.tcp.idle_timeout (60000 ms by default): raise it in rabbitmq.conf (e.g. management.tcp.idle_timeout = 300000; management.ssl.idle_timeout for https) or ask for less (--vhost)";
    let r = celtool_at(&url, &["queues"]);
    assert_eq!(r.code, 3, "{r:#?}");
    let first = r.stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&format!(
            "celtool: error: GET {url}/api/queues: the broker closed the connection after "
        )) && first.ends_with(closed),
        "{r:#?}"
    );
    // doctor says the same as a gap and keeps what did arrive: the node's critical finding.
    let r = broker_doctor(&url, &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(
        has(&r, "broker.alarm.memory", "crit", "rabbit@n1"),
        "{:#?}",
        r.problems()
    );
    assert!(
        has(&r, "broker.api", "unknown", "queues"),
        "{:#?}",
        r.problems()
    );
    let remedy = r.json()["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["id"] == "broker.api"))
        .map(|f| f["remedy"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    assert!(
        remedy.starts_with("raise the broker's management.tcp.idle_timeout"),
        "{remedy}"
    );
    assert!(
        finding_summary(&r, "broker.api").contains("the broker closed the connection after ")
            && finding_summary(&r, "broker.api").ends_with(closed),
        "{}",
        finding_summary(&r, "broker.api")
    );
}

#[test]
fn a_long_report_lists_the_worst_findings_of_each_id_and_counts_them_all() {
    // 60 task queues holding messages without a consumer: 60 critical queues.no-consumers.
    let queues: Vec<String> = (0..60)
        .map(|i| {
            format!(
                r#"{{"name":"jobs{i:02}","vhost":"/","state":"running","type":"classic","messages_ready":{},
                    "messages_unacknowledged":0,"consumers":0,"arguments":{{}},"policy":null,
                    "effective_policy_definition":{{}}}}"#,
                100 + i
            )
        })
        .collect();
    let body = format!("[{}]", queues.join(","));
    let url = serve_with(move |request, s| {
        let path = request_path(request);
        if path.starts_with("/api/overview") {
            respond(
                s,
                "200 OK",
                r#"{"rabbitmq_version":"3.10.8","node":"rabbit@n1"}"#,
            );
        } else if path.starts_with("/api/queues") {
            respond(s, "200 OK", &body);
        } else {
            respond(s, "200 OK", "[]");
        }
    });
    let doctor = |extra: &[&str]| broker_doctor(&url, extra);
    // A table lists 20 of each ID by default; a machine format every finding.
    let r = broker_doctor_as(&url, "table", &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert_eq!(
        r.stdout.matches("  CRIT    queues.no-consumers  ").count(),
        21,
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("queues.no-consumers  (+40 more)\n"),
        "{}",
        r.stdout
    );
    let r = doctor(&[]);
    assert_eq!(r.code, 2, "{r:#?}");
    let all = crate::formats::check::valid_json("doctor", &r.stdout);
    let subjects: Vec<&str> = all["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["id"] == "queues.no-consumers")
        .map(|f| f["subject"].as_str().unwrap_or_default())
        .collect();
    let every: Vec<String> = (0..60).rev().map(|i| format!("/jobs{i:02}")).collect();
    let mut sorted = subjects.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(sorted, every, "{}", r.stdout);
    assert!(!r.stdout.contains("more)"), "{}", r.stdout);
    // The textfile beside a table is for monitoring: every finding.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doctor.prom");
    let r = broker_doctor_as(&url, "table", &["--textfile", file.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stdout.contains("(+40 more)"), "{}", r.stdout);
    let prom = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        prom.matches("celtool_finding_severity{id=\"queues.no-consumers\",")
            .count(),
        60,
        "{prom}"
    );
    assert!(
        !prom.contains("more)") && !prom.contains("unlisted"),
        "{prom}"
    );
    // A cap the user sets holds in JSON too.
    let r = doctor(&["--max-per-id", "20"]);
    assert_eq!(r.code, 2, "{r:#?}");
    // The long report, with its `more` finding, is what the schema says.
    let v = crate::formats::check::valid_json("doctor", &r.stdout);
    let listed: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["id"] == "queues.no-consumers")
        .collect();
    // The 20 biggest backlogs, then one finding for the other 40.
    assert_eq!(listed.len(), 21, "{}", r.stdout);
    let kept: Vec<String> = (40..60).map(|i| format!("/jobs{i}")).collect();
    assert_eq!(
        listed[..20]
            .iter()
            .map(|f| f["subject"].as_str().unwrap_or_default())
            .collect::<Vec<_>>(),
        kept,
        "{}",
        r.stdout
    );
    let more = listed[20];
    assert_eq!(more["subject"], "(+40 more)");
    assert_eq!(more["severity"], "crit");
    assert_eq!(more["more"], 40);
    assert!(
        more["summary"]
            .as_str()
            .unwrap_or_default()
            .starts_with("and 40 more like this (40 critical), not listed"),
        "{more}"
    );
    // The counts are of every finding.
    assert_eq!(v["summary"]["crit"], 60, "{}", v["summary"]);
    // Configurable, and 0 lists them all.
    let r = doctor(&["--max-per-id", "5"]);
    let n = |r: &Run| {
        r.json()["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|f| f["id"] == "queues.no-consumers")
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(n(&r), 6, "{}", r.stdout);
    let r = run(celtool()
        .args([
            "doctor",
            "--no-workers",
            "--only",
            "broker",
            "--format",
            "json",
        ])
        .args(["--url", &url])
        .env("CELTOOL_PASSWORD", PASSWORD)
        .env("CELTOOL_MAX_PER_ID", "0"));
    assert_eq!(n(&r), 60, "{}", r.stdout);
    assert_eq!(r.code, 2);
    // The other machine formats of a long report are as exact.
    let r = broker_doctor_as(&url, "prometheus", &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    crate::formats::check::valid_prometheus("long doctor report", &r.stdout);
    let r = broker_doctor_as(&url, "nagios", &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    crate::formats::check::valid_nagios("long doctor report", &r.stdout);
}

/// A broker with `n` task queues holding messages without a consumer, whose backlogs move
/// between listings (the biggest in one is not the biggest in the next), and a queue `redo`
/// whose redeliveries show in the last seconds' rates in one listing and only in the totals in
/// the next: nothing about it changes but the numbers.
fn moving_broker(n: usize) -> String {
    let listings = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    serve_with(move |request, s| {
        let path = request_path(request);
        if path.starts_with("/api/overview") {
            respond(
                s,
                "200 OK",
                r#"{"rabbitmq_version":"3.10.8","node":"rabbit@n1"}"#,
            );
        } else if path.starts_with("/api/queues") {
            // Each listing moves the broker on; a single-queue read answers from the last one.
            let k = if is_one_queue(path) {
                listings
                    .load(std::sync::atomic::Ordering::SeqCst)
                    .saturating_sub(1)
            } else {
                listings.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            };
            let mut queues: Vec<String> = (0..n)
                .map(|i| {
                    format!(
                        r#"{{"name":"jobs{i:05}","vhost":"/","state":"running","type":"classic","messages_ready":{},
                            "messages_unacknowledged":0,"consumers":0,"arguments":{{}},"policy":null,
                            "effective_policy_definition":{{}}}}"#,
                        100 + (i * 7 + k * 13) % n
                    )
                })
                .collect();
            let rates = if k.is_multiple_of(2) {
                r#","redeliver_details":{"rate":3.0},"deliver_get_details":{"rate":4.0}"#
            } else {
                ""
            };
            queues.push(format!(
                r#"{{"name":"redo","vhost":"/","state":"running","type":"classic","messages_ready":0,
                    "messages_unacknowledged":0,"consumers":1,"arguments":{{}},"policy":null,
                    "effective_policy_definition":{{}},
                    "message_stats":{{"redeliver":300,"deliver_get":400{rates}}}}}"#
            ));
            respond_queues(s, path, &format!("[{}]", queues.join(",")));
        } else if path.starts_with("/api/consumers") {
            // `redo`'s one consumer, as the queue record counts it.
            respond(s, "200 OK", r#"[{"queue":{"name":"redo","vhost":"/"}}]"#);
        } else {
            respond(s, "200 OK", "[]");
        }
    })
}

/// The series of an exposition: its sample lines without their values.
fn series(exposition: &str) -> std::collections::BTreeSet<String> {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.rsplit_once(' ').map_or(l, |(s, _)| s).to_string())
        .collect()
}

#[test]
fn consecutive_expositions_of_an_unchanged_broker_have_the_same_series() {
    let url = moving_broker(60);
    let expose = || {
        let r = broker_doctor_as(&url, "prometheus", &[]);
        assert_eq!(r.code, 2, "{r:#?}");
        crate::formats::check::valid_prometheus("moving broker", &r.stdout);
        r.stdout
    };
    let (one, two) = (expose(), expose());
    assert_ne!(one, two, "the numbers moved");
    assert_eq!(series(&one), series(&two), "{one}\n---\n{two}");
    // Every finding is a series of its own; nothing is folded by default.
    assert_eq!(
        one.matches("celtool_finding_severity{id=\"queues.no-consumers\",")
            .count(),
        60,
        "{one}"
    );
    assert!(!one.contains("more)") && !one.contains("unlisted"), "{one}");
    assert!(
        one.contains(
            "celtool_queues_redeliveries_redeliver_share_ratio{subject=\"/redo\",host=\"127.0.0.1\"} 0.75\n"
        ),
        "{one}"
    );
    // A cap the user sets folds the rest into a count under a fixed name.
    let capped = broker_doctor_as(&url, "prometheus", &["--max-per-id", "20"]);
    crate::formats::check::valid_prometheus("capped", &capped.stdout);
    assert!(
        capped
            .stdout
            .contains("celtool_findings_unlisted{id=\"queues.no-consumers\"} 40\n"),
        "{}",
        capped.stdout
    );
}

#[test]
fn thousands_of_findings_keep_the_nagios_status_line_short() {
    // 2 036 queues without a consumer: the report that once printed one line of 8 666 bytes.
    let url = moving_broker(2036);
    let r = broker_doctor_as(&url, "nagios", &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    let perf = crate::formats::check::valid_nagios("thousands of findings", &r.stdout);
    let first = r.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("CELTOOL CRITICAL: 2036 critical, 1 warning, 0 unknown: queues.no-consumers /jobs00000; "),
        "{first}"
    );
    assert!(first.contains(" more | "), "{first}");
    assert_eq!(
        perf[..4],
        [
            "'crit'=2036;;;0",
            "'warn'=1;;;0",
            "'unknown'=0;;;0",
            // broker.version, cluster.health, cluster.metadata-store, cluster.quorum.sync,
            // rabbitmq4.readiness
            "'ok'=5;;;0"
        ]
    );
    // The long text lists every problem, one a line.
    let rest: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert_eq!(rest.len(), 2037, "{}", r.stdout);
    assert!(
        rest.contains(&"CRIT queues.no-consumers /jobs02035"),
        "{}",
        r.stdout
    );
    assert!(
        rest.contains(&"WARN queues.redeliveries /redo"),
        "{}",
        r.stdout
    );
}

/// A broker that takes `lag` queue listings after the first to show a new policy on its event
/// queue (RabbitMQ applies policies asynchronously; a busy one takes long). `usize::MAX`: never.
fn lagging_policy_broker(lag: usize) -> String {
    let listings = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    serve_with(move |request, s| {
        let path = request_path(request);
        let method = request.split_whitespace().next().unwrap_or("");
        if method == "PUT" || method == "DELETE" {
            let _ = s.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        } else if path.starts_with("/api/queues") {
            let n = listings.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let def = if n > lag {
                r#"{"message-ttl":5000,"expires":60000}"#
            } else {
                "{}"
            };
            respond(
                s,
                "200 OK",
                &format!(
                    r#"[{{"name":"celeryev.5b1f3c2a-0d4e-4f6a-9b8c-7d6e5f4a3b2c","vhost":"v","state":"running",
                        "messages_ready":0,"consumers":0,"arguments":{{}},"effective_policy_definition":{def}}}]"#
                ),
            );
        } else if path.starts_with("/api/exchanges") {
            respond(
                s,
                "200 OK",
                r#"[{"name":"celeryev","vhost":"v","type":"topic"}]"#,
            );
        } else if path.starts_with("/api/vhosts") {
            respond(s, "200 OK", r#"{"name":"v"}"#);
        } else if path.starts_with("/api/overview") {
            respond(s, "200 OK", r#"{"rabbitmq_version":"3.10.8"}"#);
        } else {
            respond(s, "200 OK", "[]");
        }
    })
}

#[test]
fn a_fix_waits_for_a_slow_broker_to_show_the_policy_then_gives_up_at_a_scaled_limit() {
    let dir = tempfile::tempdir().unwrap();
    let fix = |url: &str, journal: &str| {
        celtool_at(
            url,
            &[
                "fix",
                "event-queues",
                "--vhost",
                "v",
                "--yes",
                "--timeout",
                "1s",
                "--journal",
                dir.path().join(journal).to_str().unwrap(),
            ],
        )
    };
    // Shown on the fourth look after the change: the fix looks again, with growing pauses.
    let r = fix(&lagging_policy_broker(4), "a.jsonl");
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stdout.contains("applied 1 change(s)"), "{r:#?}");
    // Never shown: it gives up after 6 x --timeout (6 s here), says so, and how to check.
    let started = Instant::now();
    let r = fix(&lagging_policy_broker(usize::MAX), "b.jsonl");
    let took = started.elapsed();
    assert_ne!(r.code, 0, "{r:#?}");
    assert!(
        r.stderr.contains("the policy was applied, but 1 event queue(s) in vhost v (e.g. celeryev.5b1f3c2a-0d4e-4f6a-9b8c-7d6e5f4a3b2c) still do not show it after ")
            && r.stderr.contains(" s (the wait is 6 x --timeout plus 2 s per 1 000 queues)"),
        "{r:#?}"
    );
    assert!(took >= Duration::from_secs(6), "{took:?}");
    assert!(took < Duration::from_secs(40), "{took:?}");
}

#[test]
fn an_answer_that_started_and_dripped_past_the_deadline_is_not_no_answer() {
    // Headers and a first byte at once, then one byte every 200 ms: never a stall (the idle
    // timeout is 10 s), never complete before the 2 s deadline.
    let url = serve_with(|request, s| {
        if !request_path(request).starts_with("/api/queues") {
            std::thread::sleep(Duration::from_secs(60));
            return;
        }
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\nconnection: close\r\n\r\n["
        );
        for _ in 0..300 {
            let _ = s.flush();
            std::thread::sleep(Duration::from_millis(200));
            if write!(s, " ").is_err() {
                return;
            }
        }
    });
    let r = celtool_at(&url, &["queues", "--deadline", "2s"]);
    assert_eq!(r.code, 3, "{r:#?}");
    let first = r.stderr.lines().next().unwrap_or("");
    assert!(
        first.contains(": the answer was still arriving at the run's deadline (2s): ")
            && first.ends_with(
                " bytes had come, slowly but without a stall; raise --deadline or check the network to the broker"
            ),
        "{r:#?}"
    );
    assert!(!first.contains("no answer"), "{r:#?}");
}

/// A broker whose vhost v holds four queues by its definitions and 40 messages by its totals,
/// all in the task queue `jobs`, which has no consumer. The overview says the node holds
/// `node_queues`; the light listing of v is closed unanswered after a second (as at the
/// broker's idle_timeout) when `cut`, and each time it is asked for, `listed` is set.
fn definitions_broker(
    node_queues: u64,
    cut: bool,
    listed: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> String {
    let record = |name: &str, ready: u64| {
        format!(
            r#"{{"name":"{name}","vhost":"v","state":"running","type":"classic","node":"rabbit@n1",
                "messages_ready":{ready},"messages_unacknowledged":0,"consumers":0,
                "effective_policy_definition":{{}},"arguments":{{}}}}"#
        )
    };
    let listing = format!("[{},{}]", record("jobs", 40), record("celery", 0));
    serve_with(move |request, s| {
        let path = request_path(request);
        let body = if path.starts_with("/api/overview") {
            format!(
                r#"{{"rabbitmq_version":"3.10.8","node":"rabbit@n1","object_totals":{{"queues":{node_queues}}}}}"#
            )
        } else if path.starts_with("/api/nodes/") {
            r#"{"memory":"not_available"}"#.into()
        } else if path.starts_with("/api/nodes") {
            r#"[{"name":"rabbit@n1","running":true,"mem_alarm":false,"disk_free_alarm":false}]"#
                .into()
        } else if path.starts_with("/api/queues/v") && !is_one_queue(path) {
            listed.store(true, std::sync::atomic::Ordering::SeqCst);
            if cut {
                std::thread::sleep(Duration::from_secs(1));
                let _ = s.shutdown(std::net::Shutdown::Both);
                return;
            }
            return respond_queues(s, path, &listing);
        } else if path.starts_with("/api/queues/v/") {
            return respond_queues(s, path, &listing);
        } else if path.starts_with("/api/definitions/v") {
            r#"{"rabbit_version":"3.10.8","policies":[],"exchanges":[],"bindings":[],"queues":[
                {"name":"jobs","durable":true,"auto_delete":false,"arguments":{}},
                {"name":"celery","durable":true,"auto_delete":false,"arguments":{}},
                {"name":"celeryev.a1","durable":false,"auto_delete":true,"arguments":{}},
                {"name":"0123456789abcdef0123456789abcdef","durable":true,"auto_delete":false,
                 "arguments":{"x-expires":86400000}}]}"#
                .into()
        } else if path.split('?').next() == Some("/api/vhosts/v") {
            r#"{"name":"v","messages":40}"#.into()
        } else if path.starts_with("/api/exchanges/v") {
            r#"[{"name":"jobs","vhost":"v","type":"direct"},{"name":"celeryev","vhost":"v","type":"topic"}]"#
                .into()
        } else if path.starts_with("/api/policies/v") {
            r#"[{"name":"ev","vhost":"v","pattern":"^celeryev\\.","apply-to":"queues","priority":0,
                 "definition":{"message-ttl":5000,"expires":60000}}]"#
                .into()
        } else {
            "[]".into()
        };
        respond(s, "200 OK", &body);
    })
}

/// What [`definitions_broker`]'s doctor finds when its definitions stood in: the task queue
/// without a consumer found by its one-by-one read, the event queue's TTL from the policy
/// matched here, and the `broker.queues.unlisted` summary, returned.
fn judged_by_definitions(r: &Run) -> String {
    assert_eq!(r.code, 2, "{r:#?}");
    let problems = r.problems();
    assert!(
        has(r, "queues.no-consumers", "crit", "v/jobs"),
        "{problems:#?}"
    );
    assert!(
        has(r, "broker.queues.unlisted", "warn", "v"),
        "{problems:#?}"
    );
    assert!(
        !problems
            .iter()
            .any(|p| p.1 == "unknown" || p.0 == "events.no-ttl"),
        "{problems:#?}"
    );
    let summary = finding_summary(r, "broker.queues.unlisted");
    assert!(
        summary.ends_with(
            "its definitions stood in, 4 queue(s) judged by name, arguments and policy; 2 read one by one (consumed, worker mailboxes, task queues): they hold all 40 of the vhost's messages, so the other 2 hold none"
        ),
        "{summary}"
    );
    summary
}

/// doctor on a [`definitions_broker`] whose node holds 60 queues (its listing answered), with
/// `[thresholds."broker.queues.unlisted"] warn` at `warn`: the run, and whether the listing was
/// asked for.
fn doctor_past_threshold(warn: u64) -> (Run, bool) {
    let listed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let url = definitions_broker(60, false, std::sync::Arc::clone(&listed));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    write(
        &config,
        &format!("[thresholds]\n\"broker.queues.unlisted\" = {{ warn = {warn} }}\n"),
    );
    let config = config.to_str().unwrap();
    let r = broker_doctor(&url, &["--vhost", "v", "--config", config]);
    (r, listed.load(std::sync::atomic::Ordering::SeqCst))
}

#[test]
fn a_listing_the_broker_does_not_answer_in_time_is_stood_in_for_by_the_definitions() {
    // The node is small (60 queues, under the default 50 000): the listing is asked for, and
    // cut.
    let listed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let url = definitions_broker(60, true, std::sync::Arc::clone(&listed));
    let r = broker_doctor(&url, &["--vhost", "v"]);
    let summary = judged_by_definitions(&r);
    assert!(
        summary.starts_with("the queue listing of vhost v was not answered in time (the broker closed it unanswered after "),
        "{summary}"
    );
    assert!(listed.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn on_a_node_past_the_threshold_a_vhost_as_big_is_read_from_its_definitions_and_not_listed() {
    // The node holds 60 queues and the threshold is 4: the definitions are read first, hold
    // 4, and no listing is asked for (the broker would answer it).
    let (r, listed) = doctor_past_threshold(4);
    let summary = judged_by_definitions(&r);
    assert!(
        summary.starts_with("the queue listing of vhost v was not asked for (the node holds 60 queues and the definitions 4, at least the 4 of [thresholds.\"broker.queues.unlisted\"] warn: "),
        "{summary}"
    );
    assert!(!listed, "{r:#?}");
}

#[test]
fn on_a_node_past_the_threshold_a_smaller_vhost_is_listed_as_usual() {
    // The node holds 60 queues, past the threshold of 10, but the vhost's definitions hold 4:
    // the listing is read and judged; nothing stood in.
    let (r, listed) = doctor_past_threshold(10);
    assert_eq!(r.code, 2, "{r:#?}");
    let problems = r.problems();
    assert!(
        has(&r, "queues.no-consumers", "crit", "v/jobs"),
        "{problems:#?}"
    );
    assert!(
        !problems.iter().any(|p| p.0 == "broker.queues.unlisted"),
        "{problems:#?}"
    );
    assert!(listed, "{r:#?}");
}

#[test]
fn the_memory_slope_is_read_before_the_node_builds_the_queue_listing() {
    // A node at 60 % of its memory whose slope, once it has started building the queue
    // listing, is 64 MiB/s (as a private node holding 100 000 queues showed while it built
    // doctor's own listing): read then, the forecast would call an alarm 80 s away that the
    // run itself causes. The node list is answered 300 ms late; the listing must wait for it.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let listing_asked = Arc::new(AtomicBool::new(false));
    let nodes_answered = Arc::new(AtomicBool::new(false));
    let listing_before_nodes = Arc::new(AtomicBool::new(false));
    let (asked, answered, early) = (
        Arc::clone(&listing_asked),
        Arc::clone(&nodes_answered),
        Arc::clone(&listing_before_nodes),
    );
    let url = serve_with(move |request, s| {
        let path = request_path(request);
        let body = if path.starts_with("/api/overview") {
            r#"{"rabbitmq_version":"3.10.8","node":"rabbit@n1"}"#.to_string()
        } else if path.starts_with("/api/nodes/") {
            r#"{"memory":"not_available"}"#.into()
        } else if path.starts_with("/api/nodes") {
            std::thread::sleep(Duration::from_millis(300));
            let rate = if asked.load(Ordering::SeqCst) {
                67_108_864
            } else {
                0
            };
            answered.store(true, Ordering::SeqCst);
            format!(
                r#"[{{"name":"rabbit@n1","running":true,"mem_used":6000000000,"mem_limit":10000000000,
                    "mem_alarm":false,"disk_free":90000000000,"disk_free_limit":50000000,
                    "disk_free_alarm":false,"fd_used":50,"fd_total":1024,"proc_used":500,
                    "proc_total":1048576,"mem_used_details":{{"rate":{rate}}}}}]"#
            )
        } else if path.starts_with("/api/queues/v") && !is_one_queue(path) {
            asked.store(true, Ordering::SeqCst);
            if !answered.load(Ordering::SeqCst) {
                early.store(true, Ordering::SeqCst);
            }
            return respond_queues(s, path, "[]");
        } else {
            "[]".into()
        };
        respond(s, "200 OK", &body);
    });
    let r = broker_doctor(&url, &["--vhost", "v"]);
    assert!(
        !listing_before_nodes.load(Ordering::SeqCst),
        "the queue listing went out before the node list was answered: {r:#?}"
    );
    assert!(listing_asked.load(Ordering::SeqCst), "{r:#?}");
    let problems = r.problems();
    assert!(
        !problems.iter().any(|p| p.0 == "broker.alarm.forecast"),
        "{problems:#?}"
    );
    assert_eq!(r.code, 0, "{problems:#?}");
}
