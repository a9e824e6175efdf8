//! The replay server: answers each request path (query ignored: the recording was made with
//! the same `columns=`) with the status and body recorded for it, 404 like RabbitMQ for anything
//! else, and
//! counts what was asked.

#[path = "../common/run.rs"]
mod run;
pub use run::*;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::Value;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The paths a scenario's recording holds.
pub fn recorded_paths(scenario: &str) -> Vec<String> {
    let path = repo_root().join(format!("tests/fixtures/api/{scenario}.json"));
    let bodies: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    bodies.into_keys().collect()
}

/// A running replay of one recorded scenario.
pub struct Replay {
    pub url: String,
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

impl Replay {
    pub fn start(scenario: &str) -> Replay {
        let path = repo_root().join(format!("tests/fixtures/api/{scenario}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let bodies: BTreeMap<String, Value> = serde_json::from_str(&text).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let mut buf = [0u8; 16384];
                let n = s.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                let mut words = request.split_whitespace();
                let method = words.next().unwrap_or("").to_string();
                let target = words.next().unwrap_or("");
                let path = target.split('?').next().unwrap_or("").to_string();
                log.lock().unwrap().push((method, path.clone()));
                let (status, body) = match bodies.get(&path) {
                    Some(b) => match b.get("__status").and_then(Value::as_u64) {
                        Some(404) => ("404 Not Found", b["body"].to_string()),
                        Some(503) => ("503 Service Unavailable", b["body"].to_string()),
                        Some(_) => ("500 Internal Server Error", b["body"].to_string()),
                        None => ("200 OK", b.to_string()),
                    },
                    None => (
                        "404 Not Found",
                        r#"{"error":"Object Not Found","reason":"Not Found"}"#.to_string(),
                    ),
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Replay { url, requests }
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
}
