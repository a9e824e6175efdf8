//! Running the built binary with a clean environment and a watchdog, and reading what it
//! printed; shared by the test binaries (`tests/it`, `tests/offline`, `tests/cluster`,
//! `tests/broker_global.rs`) through `#[path]`.
//!
//! Every command runs in its own process group and is waited for with a bound (5 minutes, or
//! CELTOOL_TEST_WATCHDOG_SECS, or what the call asks for). A command that outlives it has its
//! whole process group killed, and the test fails with the command line (environment values
//! and URL passwords redacted) and what it had printed so far: a hung celtool costs a test,
//! never the suite.

#![allow(dead_code)]

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a command may run when the call does not say: generous, because a doctor run on a
/// busy shared broker legitimately takes minutes; the watchdog is there for hangs.
pub const WATCHDOG: Duration = Duration::from_secs(300);

/// The default bound: CELTOOL_TEST_WATCHDOG_SECS when set, else [`WATCHDOG`].
pub fn watchdog() -> Duration {
    std::env::var("CELTOOL_TEST_WATCHDOG_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(WATCHDOG)
}

/// The celtool command with a clean environment: no CELTOOL_* from the developer's shell, a HOME
/// without a config file.
pub fn celtool() -> Command {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    let home = HOME.get_or_init(|| tempfile::tempdir().expect("temp home"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_celtool"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("NO_COLOR", "1");
    cmd
}

/// Run a command (celtool, or a helper program) under the default watchdog and capture what it
/// printed; panics with the command line and its output so far when it outlives the bound.
pub fn run(cmd: &mut Command) -> Run {
    run_within(cmd, watchdog())
}

/// [`run`] with a bound of the call's own.
pub fn run_within(cmd: &mut Command, limit: Duration) -> Run {
    run_bounded(cmd, limit).unwrap_or_else(|t| panic!("{t}"))
}

/// Run a command with a bound; a command that outlives it is killed (its whole process group)
/// and described in the error, for tests that want to say more than the watchdog does.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<Run, Overrun> {
    spawn_watched(cmd).wait_within(limit)
}

/// A started command whose output is being collected; `wait` bounds it from its start.
pub struct Watched {
    child: Option<Child>,
    started: Instant,
    line: String,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

/// Start a command in its own process group, stdin closed, stdout and stderr collected; for the
/// tests that run several at once. Wait for it with [`Watched::wait`].
pub fn spawn_watched(cmd: &mut Command) -> Watched {
    let line = describe(cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("start {line}: {e}"));
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let readers = vec![
        collect(child.stdout.take().unwrap(), Arc::clone(&stdout)),
        collect(child.stderr.take().unwrap(), Arc::clone(&stderr)),
    ];
    Watched {
        child: Some(child),
        started: Instant::now(),
        line,
        stdout,
        stderr,
        readers,
    }
}

/// Copy a pipe into a shared buffer as it arrives, so a killed command's output is still there.
fn collect(mut pipe: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    })
}

impl Watched {
    /// Wait under the default watchdog; panics like [`run`] when it expires.
    pub fn wait(self) -> Run {
        let limit = watchdog();
        self.wait_within(limit).unwrap_or_else(|t| panic!("{t}"))
    }

    /// Wait until the command ends or `limit` has passed since it started; on expiry kill its
    /// process group and return what it printed.
    pub fn wait_within(mut self, limit: Duration) -> Result<Run, Overrun> {
        let mut child = self.child.take().unwrap();
        let pid = child.id() as i32;
        let (tx, rx) = mpsc::channel::<std::io::Result<ExitStatus>>();
        let waiter = std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let left = limit.saturating_sub(self.started.elapsed());
        let status = match rx.recv_timeout(left) {
            Ok(status) => Some(status.unwrap_or_else(|e| panic!("wait for {}: {e}", self.line))),
            Err(_) => {
                // The group is ours (process_group(0) made the child its leader); the waiter
                // reaps the child, so the pid cannot be reused before this signal.
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
                None
            }
        };
        let _ = waiter.join();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        let text =
            |b: &Arc<Mutex<Vec<u8>>>| String::from_utf8_lossy(&b.lock().unwrap()).into_owned();
        let (stdout, stderr) = (text(&self.stdout), text(&self.stderr));
        match status {
            Some(status) => Ok(Run {
                code: status.code().unwrap_or(-1),
                stdout,
                stderr,
                elapsed: self.started.elapsed(),
            }),
            None => Err(Overrun {
                line: self.line.clone(),
                limit,
                stdout,
                stderr,
            }),
        }
    }
}

impl Drop for Watched {
    /// A Watched dropped unwaited (a test that panicked first) leaves no process behind.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = child.wait();
        }
    }
}

/// A command the watchdog killed, with what it printed before.
#[derive(Debug)]
pub struct Overrun {
    pub line: String,
    pub limit: Duration,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Overrun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "watchdog: `{}` did not finish within {} s; its process group was killed.\n\
             stdout so far:\n{}\nstderr so far:\n{}",
            self.line,
            self.limit.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
}

/// The command as a shell line, for messages: the environment it sets by name only (values may
/// be passwords), then the program and its arguments with any password in a URL replaced.
pub fn describe(cmd: &Command) -> String {
    let mut words: Vec<String> = cmd
        .get_envs()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| format!("{}=…", k.to_string_lossy()))
        .collect();
    words.push(cmd.get_program().to_string_lossy().into_owned());
    words.extend(
        cmd.get_args()
            .map(|a| shell_word(&redact_url(&a.to_string_lossy()))),
    );
    words.join(" ")
}

/// `scheme://user:password@host` -> `scheme://user:***@host`.
fn redact_url(arg: &str) -> String {
    let Some(scheme_end) = arg.find("://") else {
        return arg.to_string();
    };
    let rest = &arg[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return arg.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &arg[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => arg.to_string(),
    }
}

fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,%+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// From the start to the end of the command.
    pub elapsed: Duration,
}

/// Finding IDs about the whole node or cluster rather than one vhost: another user of a shared
/// broker causes them (a memory alarm, the management plugin's share of memory with 10 000
/// queues elsewhere, a version or node state), so a test about its own vhost skips them with
/// `--skip` (see [`skip_node_wide`]). They are tested on a private node (tests/broker_global.rs,
/// tests/cluster) and from recorded answers (tests/offline).
pub const NODE_WIDE: &[&str] = &[
    "broker.version",
    "broker.node.down",
    "broker.alarm",
    "broker.memory.headroom",
    "broker.disk.headroom",
    "broker.fd.headroom",
    "broker.proc.headroom",
    "broker.mgmt.memory",
    "broker.stats.off",
    "broker.churn",
    "broker.alarm.forecast",
    "cluster.links",
    "cluster.health",
    "cluster.partition",
    "cluster.cert.expiry",
    "cluster.quorum.critical",
    "rabbitmq4.deprecated-feature",
    "rabbitmq4.readiness",
];

/// `--skip` and its value for the node-wide IDs: a doctor run whose exit code must speak for one
/// vhost of the shared broker only.
pub fn skip_node_wide() -> [String; 2] {
    ["--skip".to_string(), NODE_WIDE.join(",")]
}

/// Findings a doctor run could not do without, whatever the vhost: it failed to read.
const READ_FAILURES: &[&str] = &[
    "broker.api",
    "broker.api.skipped",
    "broker.unreachable",
    "broker.auth",
    "broker.vhost",
];

/// Whether `text` names `vhost` as a word ("vhost V", "vhost V: ...", "(..., vhost V)").
fn names_vhost(text: &str, vhost: &str) -> bool {
    let needle = format!("vhost {vhost}");
    text.match_indices(&needle).any(|(i, _)| {
        text[i + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
    })
}

/// Whether a finding belongs to `vhost` of a `doctor --vhost V` run: its subject is the vhost, one
/// of its queues or policies (`V/name`) or `vhost V`; its summary names the vhost (a top talker,
/// whose subject is its peer); it is about the vhost's workers (doctor asks only that vhost's);
/// or it says the run could not read something.
pub fn belongs_to(f: &Value, vhost: &str) -> bool {
    let s = |k: &str| f[k].as_str().unwrap_or("");
    let (id, subject) = (s("id"), s("subject"));
    subject == vhost
        || subject.starts_with(&format!("{vhost}/"))
        || subject == format!("vhost {vhost}")
        || names_vhost(s("summary"), vhost)
        || id.starts_with("workers.")
        || READ_FAILURES.contains(&id)
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// The rows of a listing's JSON document, the list under `key` (`{"celtool_version", ...,
    /// "queues": [...]}`); panics with the output when there is none.
    pub fn rows(&self, key: &str) -> Vec<Value> {
        match self.json().get(key).and_then(Value::as_array) {
            Some(rows) => rows.clone(),
            None => panic!(
                "no list {key:?} in the document:\n{}\nstderr: {}",
                self.stdout, self.stderr
            ),
        }
    }

    /// (id, severity, subject) of every finding that is not ok, sorted.
    pub fn problems(&self) -> Vec<(String, String, String)> {
        self.problems_where(|_| true)
    }

    /// The problems that belong to `vhost` (see [`belongs_to`]): what a test about its own vhost
    /// on the shared broker asserts on.
    pub fn vhost_problems(&self, vhost: &str) -> Vec<(String, String, String)> {
        self.problems_where(|f| belongs_to(f, vhost))
    }

    fn problems_where(&self, keep: impl Fn(&Value) -> bool) -> Vec<(String, String, String)> {
        let v = self.json();
        let mut out: Vec<(String, String, String)> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["severity"] != "ok" && keep(f))
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                    f["subject"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        out.sort();
        out
    }
}

pub fn p(id: &str, sev: &str, subject: &str) -> (String, String, String) {
    (id.into(), sev.into(), subject.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("amqp://guest:s3cret@127.0.0.1:5672/v"),
            "amqp://guest:***@127.0.0.1:5672/v"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:15672"),
            "http://127.0.0.1:15672"
        );
        assert_eq!(redact_url("http://u@h/a:b@c"), "http://u@h/a:b@c");
    }

    #[test]
    fn a_vhost_is_named_as_a_whole_word() {
        assert!(names_vhost("2 blocked in vhost v1: a, b", "v1"));
        assert!(names_vhost("(worker, user guest, vhost v1) moves", "v1"));
        assert!(!names_vhost("in vhost v1-other", "v1"));
    }
}
