//! `celtool queues` and `celtool connections` against the live broker.

use serde_json::json;

use crate::support::*;

#[test]
fn queues_lists_kinds_counts_and_ttl_with_filters() {
    let v = Vhost::new("queues");
    v.declare("celery", json!({}));
    v.declare(
        "celeryev.abc",
        json!({"x-message-ttl": 5000, "x-expires": 60000}),
    );
    v.declare("w1@h.celery.pidbox", json!({}));
    v.declare("0123456789abcdef0123456789abcdef", json!({}));
    v.declare("other-app", json!({}));
    v.publish("celery", 2);
    // Every queue's counts, not only the one published to: a queue declared a moment ago has
    // none until the broker next collects statistics, and its `ready` is then null.
    v.wait_ready("celery", 2);
    for q in [
        "celeryev.abc",
        "w1@h.celery.pidbox",
        "0123456789abcdef0123456789abcdef",
        "other-app",
    ] {
        v.wait_ready(q, 0);
    }
    let r = run(celtool().args(["queues", "--vhost", &v.name, "--format", "json"]));
    assert_eq!(r.code, 0, "{r:#?}");
    let doc = r.json();
    assert_eq!(doc["schema_version"], 1, "{}", r.stdout);
    let rows = r.rows("queues");
    let got: Vec<(String, String, f64)> = rows
        .iter()
        .map(|q| {
            (
                q["name"].as_str().unwrap().into(),
                q["kind"].as_str().unwrap().into(),
                q["ready"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("celery".into(), "task".into(), 2.0),
            (
                "0123456789abcdef0123456789abcdef".into(),
                "result".into(),
                0.0
            ),
            ("celeryev.abc".into(), "event".into(), 0.0),
            ("other-app".into(), "other".into(), 0.0),
            ("w1@h.celery.pidbox".into(), "mailbox".into(), 0.0),
        ]
    );
    let ev = rows.iter().find(|q| q["kind"] == "event").unwrap();
    assert_eq!(
        (ev["message_ttl_ms"].as_f64(), ev["expires_ms"].as_f64()),
        (Some(5000.0), Some(60000.0))
    );

    let r = run(celtool().args([
        "queues",
        "--vhost",
        &v.name,
        "--kind",
        "event,mailbox",
        "--sort",
        "name",
    ]));
    let names: Vec<&str> = r
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        names,
        vec!["celeryev.abc", "w1@h.celery.pidbox"],
        "{}",
        r.stdout
    );
    let r = run(celtool().args([
        "queues",
        "--vhost",
        &v.name,
        "--min-ready",
        "1",
        "--format",
        "json",
    ]));
    assert_eq!(r.rows("queues").len(), 1);
    let r = run(celtool().args([
        "queues", "--vhost", &v.name, "--name", "^other", "--format", "json",
    ]));
    assert_eq!(r.json()["queues"][0]["name"], "other-app");
    let r = run(celtool().args(["queues", "--vhost", &v.name, "--format", "prometheus"]));
    assert!(
        r.stdout.contains(&format!(
            "celtool_queue_messages_ready{{vhost=\"{}\",queue=\"celery\",kind=\"task\"}} 2",
            v.name
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn piped_table_output_has_no_borders() {
    let v = Vhost::new("plain");
    v.declare("celery", json!({}));
    let r = run(celtool().args(["queues", "--vhost", &v.name]));
    assert_eq!(r.code, 0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("VHOST"), "{}", r.stdout);
    assert!(lines[1].starts_with(&v.name), "{}", r.stdout);
    assert!(
        !r.stdout.contains('│') && !r.stdout.contains('─'),
        "{}",
        r.stdout
    );
}

#[test]
fn unicode_and_control_characters_in_queue_names_are_escaped() {
    let v = Vhost::new("names");
    // RabbitMQ drops a newline from names, but keeps escape sequences.
    v.declare("tâches\u{1b}[31mfake", json!({}));
    let r = run(celtool().args(["queues", "--vhost", &v.name]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("tâches\\u{1b}[31mfake"), "{}", r.stdout);
    assert!(!r.stdout.contains('\u{1b}'));
}

#[test]
fn prometheus_label_values_carry_no_raw_control_characters() {
    let v = Vhost::new("promnames");
    v.declare("evil\u{1b}[31m\u{0}q\"\\", json!({}));
    // A queue's counts (its gauges) come with the broker's first statistics of it.
    v.wait_ready("evil\u{1b}[31m\u{0}q\"\\", 0);
    let r = run(celtool().args(["queues", "--vhost", &v.name, "--format", "prometheus"]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.contains(r#"queue="evil\\x1b[31m\\x00q\"\\""#),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        r.stdout
    );
    // The exposition parses (promtool, Debian package `prometheus`).
    let mut check = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (apt-get install prometheus)");
    use std::io::Write;
    check
        .stdin
        .take()
        .unwrap()
        .write_all(r.stdout.as_bytes())
        .unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("parsing error"),
        "{out:?}"
    );
}
