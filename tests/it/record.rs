//! A recording proxy in front of the real management API: it counts the requests celtool makes
//! (one `doctor --fix` must read each endpoint once) and records the answers as the fixtures
//! that `tests/offline` replays without a broker.
//!
//! Re-record the fixtures (the real broker and the test venv needed):
//!   CELTOOL_RECORD=1 cargo test --test it record::record_api_fixtures -- --ignored

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::faults::{request_path, serve_with};
use crate::support::*;

/// What went through the proxy: request path (query stripped) -> (count, last status, body).
type Log = Arc<Mutex<BTreeMap<String, (usize, u16, String)>>>;

/// A proxy to the real API on a random port; returns its URL and its log.
fn proxy() -> (String, Log) {
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    let url = serve_with(move |request, s| {
        let method = request
            .split_whitespace()
            .next()
            .unwrap_or("GET")
            .to_string();
        let target = request_path(request).to_string();
        let (status, body) = forward(&method, &target);
        let path = target.split('?').next().unwrap_or("").to_string();
        if method == "GET" {
            let code = status
                .split(' ')
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let mut log = seen.lock().unwrap();
            let e = log.entry(path).or_insert((0, 0, String::new()));
            e.0 += 1;
            e.1 = code;
            e.2 = body.clone();
        }
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    (url, log)
}

/// Send one request to the real API as guest and return the status line's tail and the body.
fn forward(method: &str, target: &str) -> (String, String) {
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-u",
            "guest:guest",
            "-X",
            method,
            "-w",
            "\n%{http_code}",
        ])
        .arg(format!("{API}{target}"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "502"));
    let status = match code {
        "200" => "200 OK".to_string(),
        "204" => "204 No Content".to_string(),
        "404" => "404 Not Found".to_string(),
        "503" => "503 Service Unavailable".to_string(),
        other => format!("{other} Scripted"),
    };
    (status, body.to_string())
}

fn gets(log: &Log) -> BTreeMap<String, usize> {
    log.lock()
        .unwrap()
        .iter()
        .map(|(k, (n, _, _))| (k.clone(), *n))
        .collect()
}

/// The issue-9 contract: `doctor --fix` plans its fixes from the snapshot its report came from,
/// so each endpoint is read exactly once, even when there are broker and host fixes to offer.
#[test]
fn doctor_fix_reads_each_endpoint_once() {
    let v = Vhost::new("onceeach");
    v.declare("celeryev.0c0a1e5e-0000-4000-8000-000000000001", json!({}));
    v.publish("celeryev.0c0a1e5e-0000-4000-8000-000000000001", 3);
    v.wait_ready("celeryev.0c0a1e5e-0000-4000-8000-000000000001", 3);
    let (url, log) = proxy();
    let r = run(celtool().args([
        "doctor",
        "--fix",
        "--timeout",
        "120s",
        "--url",
        &url,
        "--vhost",
        &v.name,
    ]));
    assert!(
        r.stdout.contains("celtool fix event-queues: plan"),
        "doctor --fix offered no event-queue fix: {r:#?}"
    );
    let counts = gets(&log);
    // The connections' states are read up to three times on purpose (flow control changes
    // between the broker's samples; issue 22): a light `name,state` read, the full listing, and
    // one more when a connection publishes. Every other endpoint exactly once.
    let connections = format!("/api/vhosts/{}/connections", v.name);
    let twice: Vec<_> = counts
        .iter()
        .filter(|(path, n)| {
            if **path == connections {
                !(1..=3).contains(*n)
            } else {
                **n != 1
            }
        })
        .collect();
    assert!(
        twice.is_empty(),
        "endpoints not read exactly once: {counts:#?}"
    );
    for endpoint in ["queues", "consumers", "exchanges", "policies"] {
        let path = format!("/api/{endpoint}/{}", v.name);
        assert_eq!(counts.get(&path), Some(&1), "{path} in {counts:#?}");
    }
}

/// Build the scenarios on the real broker and record what `doctor` reads into
/// tests/fixtures/api/<scenario>.json (path -> body, or `{"__status": N, "body": ...}` for an
/// answer other than 200).
#[test]
#[ignore = "re-records the committed fixtures; run with CELTOOL_RECORD=1"]
fn record_api_fixtures() {
    if std::env::var_os("CELTOOL_RECORD").is_none() {
        return;
    }
    record("clean", "celtool-fixture-clean", |_| None);
    record("celery", "celtool-fixture", |v| {
        let worker = Worker::start(v, "w1@celtool-fixture");
        let vh = Scenario(v.to_string());
        vh.declare("jobs", json!({"x-queue-type": "classic"}));
        vh.publish("jobs", 25);
        vh.declare("celeryev.5b1c7a0e-0000-4000-8000-00000000beef", json!({}));
        vh.publish("celeryev.5b1c7a0e-0000-4000-8000-00000000beef", 7);
        vh.declare("w9@gone.celery.pidbox", json!({}));
        for i in 0..120 {
            vh.declare(&format!("{i:032x}"), json!({}));
        }
        api(
            "PUT",
            &["exchanges", v, "celeryresults"],
            Some(json!({"type": "direct", "durable": true})),
        );
        api(
            "PUT",
            &["policies", v, "ha-all"],
            Some(
                json!({"pattern": "^ha\\.", "definition": {"ha-mode": "all"}, "priority": 0, "apply-to": "queues"}),
            ),
        );
        Some(worker)
    });
}

struct Scenario(String);

impl Scenario {
    fn declare(&self, queue: &str, arguments: Value) {
        api(
            "PUT",
            &["queues", &self.0, queue],
            Some(json!({"durable": false, "auto_delete": false, "arguments": arguments})),
        );
    }

    fn publish(&self, queue: &str, count: usize) {
        for i in 0..count {
            api(
                "POST",
                &["exchanges", &self.0, "amq.default", "publish"],
                Some(
                    json!({"properties": {}, "routing_key": queue, "payload": format!("m{i}"), "payload_encoding": "string"}),
                ),
            );
        }
    }
}

fn record(scenario: &str, vhost: &str, setup: impl FnOnce(&str) -> Option<Worker>) {
    let _ = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-u", "guest:guest", "-X", "DELETE"])
        .arg(format!("{API}/api/vhosts/{vhost}"))
        .status();
    api("PUT", &["vhosts", vhost], None);
    api(
        "PUT",
        &["permissions", vhost, "guest"],
        Some(json!({"configure": ".*", "write": ".*", "read": ".*"})),
    );
    let worker = setup(vhost);
    // Let the worker connect and the statistics (every 5 s) show the messages and rates.
    std::thread::sleep(Duration::from_secs(if worker.is_some() { 20 } else { 6 }));
    let (url, log) = proxy();
    let r = run(celtool().args([
        "doctor",
        "--no-workers",
        "--timeout",
        "120s",
        "--url",
        &url,
        "--vhost",
        vhost,
        "--format",
        "json",
    ]));
    assert!(r.code <= 2, "{r:#?}");
    let bodies: BTreeMap<String, Value> = log
        .lock()
        .unwrap()
        .iter()
        .map(|(k, (_, status, body))| {
            let body = serde_json::from_str(body).unwrap_or(Value::String(body.clone()));
            // Answers other than 200 keep their status, so the replay gives it back.
            let value = if *status == 200 {
                body
            } else {
                json!({"__status": status, "body": body})
            };
            (k.clone(), value)
        })
        .collect();
    let path = repo_root().join(format!("tests/fixtures/api/{scenario}.json"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&bodies).unwrap() + "\n").unwrap();
    drop(worker);
    let _ = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-u", "guest:guest", "-X", "DELETE"])
        .arg(format!("{API}/api/vhosts/{vhost}"))
        .status();
}
