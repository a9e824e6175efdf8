//! Running the built binary with a clean environment and reading what it printed; shared by
//! the test binaries (`tests/it`, `tests/offline`) through `#[path]`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

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

/// The longest any celtool run of the tests may take: twice celtool's own default deadline
/// (5 min), for the runs on 50 000-queue brokers; a run still going then is a hang.
pub const BOUND: Duration = Duration::from_secs(600);

/// Run celtool and capture what it printed, under the watchdog of [`run_within`] at [`BOUND`].
pub fn run(cmd: &mut Command) -> Run {
    run_within(cmd, BOUND)
}

/// Run celtool (stdin empty) and capture what it printed. A watchdog kills it once it has run
/// for `bound` and fails the test with what it had printed by then, so a hang is a failure
/// that says where it hung, never a test run that never ends.
pub fn run_within(cmd: &mut Command, bound: Duration) -> Run {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run celtool");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for celtool") {
            break Some(status);
        }
        if start.elapsed() >= bound {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let Some(status) = status else {
        panic!(
            "celtool {:?} was still running after {bound:?} and was killed; it printed:\nstdout:\n{stdout}\nstderr:\n{stderr}",
            cmd.get_args().collect::<Vec<_>>()
        );
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
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

    /// (id, severity, subject) of every finding that is not ok, sorted.
    pub fn problems(&self) -> Vec<(String, String, String)> {
        let v = self.json();
        let mut out: Vec<(String, String, String)> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["severity"] != "ok")
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
