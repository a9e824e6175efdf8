//! Shared helpers: run the built binary with a clean environment, and make broker state in a
//! vhost of the test's own that is deleted when the test ends.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};

pub const API: &str = "http://127.0.0.1:15672";

#[path = "../common/run.rs"]
mod run;
pub use run::*;
#[path = "../common/wait.rs"]
mod wait;
pub use wait::wait_for;
#[path = "../common/venv.rs"]
mod venv;
pub use venv::*;

/// How long a test waits for real Celery processes to start and show on the broker: a few
/// seconds on an idle machine, minutes on a busy 2-core one (CI runs six tests at once). A wait
/// that succeeds returns as soon as it does, so the limit costs nothing on a healthy run.
pub const CELERY_WAIT: Duration = Duration::from_secs(300);

fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn http() -> &'static reqwest::Client {
    static C: OnceLock<reqwest::Client> = OnceLock::new();
    C.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap()
    })
}

fn url(segments: &[&str]) -> reqwest::Url {
    let mut u = reqwest::Url::parse(API).unwrap();
    u.set_path(&celtool::rabbitmq::client::api_path("", segments));
    u
}

/// A management API call as the guest user; panics with the body on failure.
pub fn api(method: &str, segments: &[&str], body: Option<Value>) -> Value {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let u = url(segments);
    rt().block_on(async {
        let mut req = http()
            .request(m, u.clone())
            .basic_auth("guest", Some("guest"));
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {u}: {e}"));
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "{method} {u}: {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    })
}

/// A vhost of the test's own, deleted on drop.
pub struct Vhost {
    pub name: String,
}

impl Vhost {
    pub fn new(test: &str) -> Vhost {
        let name = format!("celtool-it-{test}-{}", std::process::id());
        delete_vhost(&name);
        api("PUT", &["vhosts", &name], None);
        api(
            "PUT",
            &["permissions", &name, "guest"],
            Some(json!({"configure": ".*", "write": ".*", "read": ".*"})),
        );
        Vhost { name }
    }

    pub fn declare(&self, queue: &str, arguments: Value) {
        api(
            "PUT",
            &["queues", &self.name, queue],
            Some(json!({"durable": false, "auto_delete": false, "arguments": arguments})),
        );
    }

    pub fn publish(&self, queue: &str, count: usize) {
        for i in 0..count {
            let r = api(
                "POST",
                &["exchanges", &self.name, "amq.default", "publish"],
                Some(
                    json!({"properties": {}, "routing_key": queue, "payload": format!("m{i}"),
                    "payload_encoding": "string"}),
                ),
            );
            assert_eq!(r["routed"], true, "message to {queue} not routed");
        }
    }

    pub fn policy(&self, name: &str, pattern: &str, definition: Value, priority: i64) {
        api(
            "PUT",
            &["policies", &self.name, name],
            Some(
                json!({"pattern": pattern, "definition": definition, "priority": priority,
                "apply-to": "queues"}),
            ),
        );
    }

    pub fn declare_exchange(&self, name: &str, kind: &str) {
        api(
            "PUT",
            &["exchanges", &self.name, name],
            Some(json!({"type": kind, "durable": false})),
        );
    }

    /// The subject celtool gives a queue of this vhost.
    pub fn subject(&self, queue: &str) -> String {
        format!("{}/{queue}", self.name)
    }

    /// Run `celtool doctor --vhost V --format json` until `pred` holds for its problems. The
    /// node-wide IDs are skipped: the exit code speaks for this vhost, not for what another
    /// user of the shared broker does to the node (see NODE_WIDE).
    pub fn doctor_until(&self, pred: impl Fn(&Run) -> bool) -> Run {
        let mut last = None;
        let found = wait_for(Duration::from_secs(90), || {
            let r = run(celtool()
                .args([
                    "doctor", "--only", "broker", "--format", "json", "--vhost", &self.name,
                ])
                .args(skip_node_wide()));
            if pred(&r) {
                Some(r)
            } else {
                last = Some(r);
                None
            }
        });
        found.unwrap_or_else(|| {
            panic!("doctor never reached the expected state; last run: {last:#?}")
        })
    }

    /// Wait until the API shows `ready` ready messages in `queue` (statistics lag by up to 5 s),
    /// and its consumer count: 3.10 sends the message counts a second or so before it, and
    /// celtool judges no queue whose counts are not all in.
    pub fn wait_ready(&self, queue: &str, ready: u64) {
        let ok = wait_for(Duration::from_secs(90), || {
            let q = api("GET", &["queues", &self.name, queue], None);
            (q["messages_ready"].as_u64() == Some(ready) && q["consumers"].is_u64()).then_some(())
        });
        assert!(
            ok.is_some(),
            "queue {queue} never showed {ready} ready messages"
        );
    }
}

impl Drop for Vhost {
    fn drop(&mut self) {
        delete_vhost(&self.name);
    }
}

fn delete_vhost(name: &str) {
    let u = url(&["vhosts", name]);
    rt().block_on(async {
        let _ = http()
            .delete(u)
            .basic_auth("guest", Some("guest"))
            .send()
            .await;
    });
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// The AMQP URL of the test's vhost on the machine's broker.
pub fn broker_url(vhost: &str) -> String {
    format!("amqp://guest:guest@127.0.0.1:5672/{vhost}")
}

impl VenvProcess {
    /// `program` of the venv with these arguments and environment, talking to `vhost` of the
    /// machine's broker.
    pub fn spawn(vhost: &str, program: &str, args: &[&str], envs: &[(&str, &str)]) -> VenvProcess {
        VenvProcess::spawn_on(&broker_url(vhost), program, args, envs)
    }

    /// A worker with task events on (-E).
    pub fn start(vhost: &str, node: &str) -> Worker {
        Worker::start_with(vhost, node, &["-E"], &[])
    }

    /// A worker with these extra arguments (none: Celery's defaults, no -E) and environment.
    pub fn start_with(vhost: &str, node: &str, args: &[&str], envs: &[(&str, &str)]) -> Worker {
        VenvProcess::worker_on(&broker_url(vhost), node, args, envs)
    }
}

/// A database of the machine's shared Redis (127.0.0.1:6379) for one test, empty before and
/// after. Other suites on the same machine (a second checkout, another developer) use the same
/// numbers, so the database is held under an exclusive lock file for as long as the test runs:
/// a second suite waits for it instead of writing into it.
pub struct RedisDb {
    pub n: u32,
    _lock: std::fs::File,
}

impl RedisDb {
    pub fn new(n: u32) -> RedisDb {
        let path = std::env::temp_dir().join(format!("celtool-test-redis-6379-db{n}.lock"));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        lock.lock()
            .unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
        redis_db_cli(n, &["FLUSHDB"]);
        RedisDb { n, _lock: lock }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:6379/{}", self.n)
    }
}

impl Drop for RedisDb {
    fn drop(&mut self) {
        redis_db_cli(self.n, &["FLUSHDB"]);
    }
}

fn redis_db_cli(db: u32, args: &[&str]) {
    let out = std::process::Command::new("redis-cli")
        .args(["-p", "6379", "-n", &db.to_string()])
        .args(args)
        .output()
        .expect("redis-cli");
    assert!(
        out.status.success(),
        "redis-cli -n {db} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The names of `vhost`'s queues, sorted: to check that a run left nothing behind.
pub fn queue_names(vhost: &str) -> Vec<String> {
    let mut v: Vec<String> = api("GET", &["queues", vhost], None)
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}
