//! The replay server: answers each request path (query ignored: the recording was made with
//! the same `columns=`) with the status and body recorded for it, and checks, when it is
//! dropped, that the test and its recording still agree (as xh's tests/server does):
//!
//! - every request was a GET of a recorded path (a recorded answer other than 200 is kept as
//!   `{"__status": N, "body": ...}` and counts as recorded), or of a path the test declared
//!   absent with [`Replay::not_found`]; anything else is answered 404 like RabbitMQ and fails
//!   the test;
//! - every path the test expects was asked: all the recording holds unless the test narrowed it
//!   with [`Replay::expect_only`] (a listing reads less than doctor), and then nothing else.
//!
//! So a recording that lacks what celtool now reads, or holds what it no longer reads, fails the
//! tests that replay it instead of passing on a 404 nobody sees. The check runs in `Drop`, so no
//! test can forget it; it stays quiet while the test is already panicking.
//!
//! Recordings: tests/fixtures/api/<scenario>.json, path -> body. They are made from real brokers
//! by tests/it/record.rs (see its module doc and tests/fixtures/api/README.md):
//!   CELTOOL_RECORD=1 cargo test --test it record:: -- --ignored --test-threads 1

#[path = "../common/run.rs"]
mod run;
pub use run::*;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(scenario: &str) -> PathBuf {
    repo_root().join(format!("tests/fixtures/api/{scenario}.json"))
}

/// A scenario's recording: path -> recorded answer.
fn recording(scenario: &str) -> BTreeMap<String, Value> {
    let path = fixture(scenario);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// A request's line and headers (celtool's requests have no body).
fn read_head(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 16384];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The status line and body of a recorded answer.
fn answer(recorded: &Value) -> (&'static str, String) {
    match recorded.get("__status").and_then(Value::as_u64) {
        Some(404) => ("404 Not Found", recorded["body"].to_string()),
        Some(503) => ("503 Service Unavailable", recorded["body"].to_string()),
        Some(_) => ("500 Internal Server Error", recorded["body"].to_string()),
        None => ("200 OK", recorded.to_string()),
    }
}

/// What `celtool queues --vhost VHOST` reads: the overview (it sizes the waits), the vhost (it
/// must exist), the queues and their consumers (which say what a queue is).
pub fn queues_reads(vhost: &str) -> Vec<String> {
    listing_reads(vhost, &format!("/api/queues/{vhost}"))
}

/// What `celtool connections --vhost VHOST` reads: as [`queues_reads`], connections for queues.
pub fn connections_reads(vhost: &str) -> Vec<String> {
    listing_reads(vhost, &format!("/api/vhosts/{vhost}/connections"))
}

fn listing_reads(vhost: &str, list: &str) -> Vec<String> {
    vec![
        "/api/overview".into(),
        format!("/api/vhosts/{vhost}"),
        format!("/api/consumers/{vhost}"),
        list.into(),
    ]
}

const NOT_FOUND: &str = r#"{"error":"Object Not Found","reason":"Not Found"}"#;

/// A running replay of one recorded scenario.
pub struct Replay {
    pub url: String,
    scenario: String,
    recorded: BTreeSet<String>,
    /// The paths this test must ask, and may ask.
    expected: BTreeSet<String>,
    /// Paths not recorded that the test expects to be asked and answered 404.
    absent: Arc<Mutex<BTreeSet<String>>>,
    requests: Arc<Mutex<Vec<(String, String)>>>,
    stop: Arc<AtomicBool>,
}

impl Replay {
    /// Serve `scenario`; the test must ask every path it recorded (see [`Replay::expect_only`]).
    pub fn start(scenario: &str) -> Replay {
        let bodies = recording(scenario);
        let recorded: BTreeSet<String> = bodies.keys().cloned().collect();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (log, done) = (Arc::clone(&requests), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if done.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut s) = stream else { continue };
                let request = read_head(&mut s);
                let mut words = request.split_whitespace();
                let method = words.next().unwrap_or("").to_string();
                let target = words.next().unwrap_or("");
                let path = target.split('?').next().unwrap_or("").to_string();
                let (status, body) = match bodies.get(&path).filter(|_| method == "GET") {
                    Some(b) => answer(b),
                    None => ("404 Not Found", NOT_FOUND.to_string()),
                };
                log.lock().unwrap().push((method, path));
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Replay {
            url,
            scenario: scenario.to_string(),
            expected: recorded.clone(),
            recorded,
            absent: Arc::default(),
            requests,
            stop,
        }
    }

    /// The test's commands read only these recorded paths (a listing reads less than doctor):
    /// each must be asked, and no other recorded path. Empty: nothing may be asked.
    pub fn expect_only<S: AsRef<str>>(mut self, paths: impl IntoIterator<Item = S>) -> Replay {
        let paths: BTreeSet<String> = paths.into_iter().map(|p| p.as_ref().to_string()).collect();
        let unknown: Vec<&String> = paths.difference(&self.recorded).collect();
        assert!(
            unknown.is_empty(),
            "{} does not record {unknown:?}; it records {:#?}",
            self.file(),
            self.recorded
        );
        self.expected = paths;
        self
    }

    /// The test expects celtool to ask nothing (it must stop before it reads the broker).
    pub fn expect_nothing(self) -> Replay {
        self.expect_only(Vec::<String>::new())
    }

    /// The paths the recording holds.
    pub fn recorded(&self) -> &BTreeSet<String> {
        &self.recorded
    }

    /// `path` is not in the recording, and the test expects it asked (once or more) and
    /// answered 404, as the broker answers for a vhost or queue it does not have.
    pub fn not_found(self, path: &str) -> Replay {
        assert!(
            !self.recorded.contains(path),
            "{} records {path}: it is not absent",
            self.file()
        );
        self.absent.lock().unwrap().insert(path.to_string());
        self
    }

    fn file(&self) -> String {
        format!("tests/fixtures/api/{}.json", self.scenario)
    }

    /// How often each (method, path) was asked.
    pub fn counts(&self) -> BTreeMap<(String, String), usize> {
        let mut out = BTreeMap::new();
        for r in self.requests.lock().unwrap().iter() {
            *out.entry(r.clone()).or_insert(0) += 1;
        }
        out
    }

    /// celtool pointed at this replay.
    pub fn celtool(&self, args: &[&str]) -> Run {
        run(celtool().arg("--url").arg(&self.url).args(args))
    }

    /// What went wrong between the test, its recording and what celtool asked; empty when
    /// they agree.
    fn disagreements(&self) -> Vec<String> {
        let counts = self.counts();
        let absent = self.absent.lock().unwrap();
        let asked: BTreeSet<&String> = counts.keys().map(|(_, p)| p).collect();
        let mut out = Vec::new();
        for ((method, path), n) in &counts {
            let get = method == "GET";
            let recorded = get && self.recorded.contains(path);
            let declared_absent = get && absent.contains(path);
            if !recorded && !declared_absent {
                out.push(format!(
                    "{method} {path} ({n}x) has no recording (answered 404); re-record, or \
                     declare it with Replay::not_found when the broker answers 404 too"
                ));
            } else if recorded && !self.expected.contains(path) {
                out.push(format!(
                    "GET {path} ({n}x) is recorded but not in this test's expect_only list"
                ));
            }
        }
        for path in self.expected.iter().chain(absent.iter()) {
            if !asked.contains(path) {
                out.push(format!("{path} was never asked"));
            }
        }
        out
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so its thread ends.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if std::thread::panicking() {
            return;
        }
        let wrong = self.disagreements();
        assert!(
            wrong.is_empty(),
            "the replay of {} and what celtool asked disagree:\n  {}\nasked: {:#?}",
            self.file(),
            wrong.join("\n  "),
            self.counts()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GET of `path` on the replay, as celtool would send it; returns the status line.
    fn get(r: &Replay, path: &str) -> String {
        let mut s = TcpStream::connect(r.url.trim_start_matches("http://")).unwrap();
        let request = format!("GET {path}?columns=name HTTP/1.1\r\nhost: x\r\n\r\n");
        s.write_all(request.as_bytes()).unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text.lines().next().unwrap_or("").to_string()
    }

    #[test]
    fn a_test_that_asks_what_it_expects_passes() {
        let r = Replay::start("clean")
            .expect_only(["/api/overview", "/api/deprecated-features/used"])
            .not_found("/api/vhosts/nope");
        assert_eq!(get(&r, "/api/overview"), "HTTP/1.1 200 OK");
        // A recorded 404 is a recording, answered as it was.
        assert_eq!(
            get(&r, "/api/deprecated-features/used"),
            "HTTP/1.1 404 Not Found"
        );
        assert_eq!(get(&r, "/api/vhosts/nope"), "HTTP/1.1 404 Not Found");
    }

    #[test]
    #[should_panic(expected = "GET /api/queues (1x) has no recording (answered 404)")]
    fn a_request_without_a_recording_fails_the_test() {
        let r = Replay::start("clean").expect_only(["/api/overview"]);
        get(&r, "/api/overview");
        assert_eq!(get(&r, "/api/queues"), "HTTP/1.1 404 Not Found");
    }

    #[test]
    #[should_panic(expected = "/api/nodes was never asked")]
    fn a_recorded_path_never_asked_fails_the_test() {
        let r = Replay::start("clean");
        for path in r.recorded().clone() {
            if path != "/api/nodes" {
                get(&r, &path);
            }
        }
    }

    #[test]
    #[should_panic(expected = "/api/overview was never asked")]
    fn a_replay_never_called_fails_the_test() {
        let _r = Replay::start("clean").expect_only(["/api/overview"]);
    }

    #[test]
    #[should_panic(
        expected = "GET /api/nodes (1x) is recorded but not in this test's expect_only list"
    )]
    fn a_recorded_path_the_test_did_not_expect_fails_it() {
        let r = Replay::start("clean").expect_only(["/api/overview"]);
        get(&r, "/api/overview");
        get(&r, "/api/nodes");
    }

    #[test]
    #[should_panic(expected = "/api/vhosts/nope was never asked")]
    fn an_expected_404_never_asked_fails_the_test() {
        let r = Replay::start("clean")
            .expect_only(["/api/overview"])
            .not_found("/api/vhosts/nope");
        get(&r, "/api/overview");
    }
}
