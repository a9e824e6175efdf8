//! Running the built binary with a clean environment and reading what it printed; shared by
//! the test binaries (`tests/it`, `tests/offline`) through `#[path]`.

use std::process::{Command, Output};
use std::sync::OnceLock;

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

/// Run celtool and capture what it printed.
pub fn run(cmd: &mut Command) -> Run {
    let out: Output = cmd.output().expect("run celtool");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
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

/// Run celtool, killing it (the child this started, by its pid) once `limit` has passed: a run
/// that would hang fails the test with what it printed by then, instead of hanging the suite.
#[allow(dead_code)] // not every test binary bounds its runs yet
pub fn run_within(cmd: &mut Command, limit: std::time::Duration) -> Run {
    use std::io::Read;
    use std::process::Stdio;
    let started = std::time::Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start celtool");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout piped")));
    let err = drain(Box::new(child.stderr.take().expect("stderr piped")));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for celtool") {
            break Some(status);
        }
        if started.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    match status {
        Some(s) => Run {
            code: s.code().unwrap_or(-1),
            stdout,
            stderr,
        },
        None => panic!(
            "celtool did not finish within {limit:?} and was killed: {cmd:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        ),
    }
}
