//! A recording proxy in front of a real management API: it counts the requests celtool makes
//! (one `doctor --fix` must read each endpoint once) and records the answers as the fixtures
//! that `tests/offline` replays without a broker (tests/fixtures/api/README.md).
//!
//! A scenario is recorded from one `celtool doctor --only broker --no-workers --vhost V --format
//! json` run through the proxy, repeated until the broker shows the state the scenario is about
//! (statistics lag by up to 5 s), so the recording holds exactly the paths doctor reads: the
//! strict replay fails when celtool later reads more or less. Scenarios that need node-wide
//! changes (an alarm, flow control, a node down) are recorded from private nodes
//! (record/private.rs); the machine's own broker only lends a vhost of its own.
//!
//! Re-record every fixture (the machine's RabbitMQ, rabbitmq-server's scripts for the private
//! nodes and the test venv needed; one at a time, a private cluster is heavy on 2 cores):
//!   CELTOOL_RECORD=1 cargo test --test it record:: -- --ignored --test-threads 1
//! or one scenario by its test's name (e.g. `record::private::flow`).

mod private;
mod rabbitmq4;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::faults::{request_path, serve_with};
use crate::support::*;

/// One path's traffic through the proxy: how often it was asked, and the answer kept for it.
#[derive(Default)]
struct Answer {
    asked: usize,
    status: u16,
    body: String,
    /// How many columns the kept answer's request asked (`usize::MAX`: all of them).
    width: usize,
}

/// What went through the proxy, by request path (query stripped).
type Log = Arc<Mutex<BTreeMap<String, Answer>>>;

/// How many fields a request's `columns=` asks for; all of them without one.
fn width(target: &str) -> usize {
    let query = target.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("columns="))
        .map_or(usize::MAX, |c| {
            c.split("%2C").flat_map(|c| c.split(',')).count()
        })
}

/// A proxy to the API at `api` on a random port; returns its URL and its log. Of several
/// answers for one path the widest is kept (then the last): doctor reads the connections twice
/// at once, `name,state` and the full listing, and the replay answers both with one body.
fn proxy(api: &str) -> (String, Log) {
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    let api = api.to_string();
    let url = serve_with(move |request, s| {
        let method = request
            .split_whitespace()
            .next()
            .unwrap_or("GET")
            .to_string();
        let target = request_path(request).to_string();
        let (status, body) = forward(&api, &method, &target);
        let path = target.split('?').next().unwrap_or("").to_string();
        if method == "GET" {
            let code = status
                .split(' ')
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let mut log = seen.lock().unwrap();
            let e = log.entry(path).or_default();
            e.asked += 1;
            let w = width(&target);
            if w >= e.width {
                (e.status, e.body, e.width) = (code, body.clone(), w);
            }
        }
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    (url, log)
}

/// Send one request to the API at `api` as guest and return the status line's tail and the body.
fn forward(api: &str, method: &str, target: &str) -> (String, String) {
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
        .arg(format!("{api}{target}"))
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
        .map(|(k, a)| (k.clone(), a.asked))
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
    let (url, log) = proxy(API);
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

/// Record the scenarios that need no node-wide change, each in a vhost of its own on the
/// machine's broker: `clean` (nothing in it) and `celery` (a worker, and the problems the offline
/// tests find planted beside it).
#[test]
#[ignore = "re-records the committed fixtures; run with CELTOOL_RECORD=1"]
fn record_api_fixtures() {
    if !recording() {
        return;
    }
    let clean = "celtool-fixture-clean";
    fresh_vhost(clean);
    record_when("clean", API, clean, &|s| s.to_string(), |doc, read| {
        problems(doc).is_empty() && settled(read, clean)
    });
    delete_vhost(clean);

    let v = "celtool-fixture";
    fresh_vhost(v);
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
    // The worker's queues exist once it consumes them; then the statistics must show what the
    // offline tests find (tests/offline/scenarios.rs).
    let consuming = wait_for(SHOW, || {
        let consumers = api("GET", &["consumers", v], None);
        let queues: Vec<&str> = consumers
            .as_array()?
            .iter()
            .filter_map(|c| c["queue"]["name"].as_str())
            .collect();
        (queues.contains(&"celery") && queues.contains(&"w1@celtool-fixture.celery.pidbox"))
            .then_some(())
    });
    assert!(
        consuming.is_some(),
        "the worker never consumed:\n{}",
        worker.log()
    );
    let planted = [
        ("broker.policy.ha-mode", "warn", format!("{v}/ha-all")),
        (
            "celery.mailbox.no-consumer",
            "warn",
            format!("{v}/w9@gone.celery.pidbox"),
        ),
        (
            "events.no-ttl",
            "crit",
            format!("{v}/celeryev.5b1c7a0e-0000-4000-8000-00000000beef"),
        ),
        ("queues.no-consumers", "crit", format!("{v}/jobs")),
        ("results.flood", "warn", v.to_string()),
    ];
    record_when("celery", API, v, &|s| s.to_string(), |doc, read| {
        let planted: Vec<_> = planted
            .iter()
            .map(|(i, s, t)| (i.to_string(), s.to_string(), t.clone()))
            .collect();
        // The worker's traffic measured: its event heartbeats go out every 2 s.
        let measured = listing(read, &format!("/api/vhosts/{v}/connections"))
            .iter()
            .any(|c| c["recv_oct_details"]["rate"].as_f64() > Some(0.0));
        problems(doc) == planted && settled(read, v) && measured
    });
    drop(worker);
    delete_vhost(v);
}

/// Whether this run re-records (CELTOOL_RECORD set): the recording tests do nothing otherwise.
pub(crate) fn recording() -> bool {
    std::env::var_os("CELTOOL_RECORD").is_some()
}

/// `doc`'s findings that are not ok, as (id, severity, subject), sorted.
pub(crate) fn problems(doc: &Value) -> Vec<(String, String, String)> {
    let s = |f: &Value, k: &str| f[k].as_str().unwrap_or("").to_string();
    let mut v: Vec<_> = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] != "ok")
        .map(|f| (s(f, "id"), s(f, "severity"), s(f, "subject")))
        .collect();
    v.sort();
    v
}

/// The records of a recorded listing (none when it is not there or not a list).
pub(crate) fn listing<'a>(read: &'a Bodies, path: &str) -> &'a [Value] {
    read.get(path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Whether the broker's statistics were in when `read` was taken: the vhost's light queue listing
/// holds its queues, each with its message count (the listing carries no consumer count since
/// doctor reads it with `disable_stats`), and every connection has its rates (a connection
/// younger than the 5 s statistics interval has none yet).
pub(crate) fn settled(read: &Bodies, vhost: &str) -> bool {
    let queues = listing(read, &format!("/api/queues/{vhost}"));
    let conns = listing(read, &format!("/api/vhosts/{vhost}/connections"));
    !queues.is_empty()
        && queues.iter().all(|q| q["messages_ready"].is_u64())
        && conns
            .iter()
            .all(|c| c["recv_oct_details"]["rate"].is_number())
}

fn fresh_vhost(vhost: &str) {
    delete_vhost(vhost);
    api("PUT", &["vhosts", vhost], None);
    api(
        "PUT",
        &["permissions", vhost, "guest"],
        Some(json!({"configure": ".*", "write": ".*", "read": ".*"})),
    );
}

fn delete_vhost(vhost: &str) {
    let _ = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-u", "guest:guest", "-X", "DELETE"])
        .arg(format!("{API}/api/vhosts/{vhost}"))
        .status();
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

/// How long a scenario may take to show on a busy 2-core machine (statistics every 5 s, a
/// cluster noticing a node stop); the wait ends as soon as it shows.
const SHOW: Duration = Duration::from_secs(300);

/// What one doctor run read, as a fixture holds it: path -> body, or `{"__status": N, "body":
/// ...}` for an answer other than 200.
pub(crate) type Bodies = BTreeMap<String, Value>;

/// Run `celtool doctor --only broker --no-workers --vhost VHOST --format json` against the API
/// at `api` through a recording proxy until `ready` holds for its report and what it read
/// (passed through `normalise`, paths and bodies), then write that to
/// tests/fixtures/api/<scenario>.json.
pub(crate) fn record_when(
    scenario: &str,
    api: &str,
    vhost: &str,
    normalise: &dyn Fn(&str) -> String,
    ready: impl Fn(&Value, &Bodies) -> bool,
) {
    let mut last = None;
    let bodies = wait_for(SHOW, || {
        let (url, log) = proxy(api);
        let r = run(celtool().args([
            "doctor",
            "--only",
            "broker",
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
        let bodies = bodies(&log, normalise);
        if ready(&r.json(), &bodies) {
            Some(bodies)
        } else {
            last = Some(r);
            None
        }
    })
    .unwrap_or_else(|| panic!("{scenario} never showed; the last doctor run: {last:#?}"));
    let path = repo_root().join(format!("tests/fixtures/api/{scenario}.json"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&bodies).unwrap() + "\n").unwrap();
}

fn bodies(log: &Log, normalise: &dyn Fn(&str) -> String) -> Bodies {
    log.lock()
        .unwrap()
        .iter()
        .map(|(path, a)| {
            let text = normalise(&a.body);
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            // Answers other than 200 keep their status, so the replay gives it back.
            let value = if a.status == 200 {
                body
            } else {
                json!({"__status": a.status, "body": body})
            };
            (normalise(path), value)
        })
        .collect()
}
