//! Programs of the pinned test venv (python, celery, a Celery worker) started by a test, each in
//! its own process group and ended with it; shared by `tests/it` and `tests/broker_global.rs`
//! through `#[path]`. A test stops only what it started: by process group, never by name.

#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::wait::wait_for;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A program of the test venv's bin directory (CELTOOL_TEST_VENV, default <repo>/.venv).
pub fn venv_bin(program: &str) -> PathBuf {
    std::env::var_os("CELTOOL_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv"))
        .join("bin")
        .join(program)
}

/// A program of the test venv talking to `broker` (the test app reads CELTOOL_TEST_BROKER), in
/// its own process group, so the test can end it and its children without touching any process
/// it did not start. Killed with its children when dropped.
pub struct VenvProcess {
    pub child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// A Celery worker is a venv process.
pub type Worker = VenvProcess;

impl VenvProcess {
    /// `program` of the venv with these arguments and environment against the AMQP URL
    /// `broker`, its output in a log file.
    pub fn spawn_on(
        broker: &str,
        program: &str,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> VenvProcess {
        let bin = venv_bin(program);
        assert!(
            bin.exists(),
            "{} is missing: run ./scripts/test-setup.sh (or ./scripts/test.sh) first",
            bin.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("out.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .args(args)
            .envs(envs.iter().copied())
            .env("PYTHONPATH", repo_root().join("tests/fixtures/celery_app"))
            .env("CELTOOL_TEST_BROKER", broker)
            .env("C_FORCE_ROOT", "1")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {program} of the test venv: {e}"));
        VenvProcess {
            child,
            log,
            _dir: dir,
        }
    }

    /// A prefork worker of the test app (concurrency 2) against `broker`, with these extra
    /// arguments (none: Celery's defaults, no -E) and environment.
    pub fn worker_on(broker: &str, node: &str, args: &[&str], envs: &[(&str, &str)]) -> Worker {
        let mut all = vec![
            "-A",
            "celtool_testapp",
            "worker",
            "-n",
            node,
            "--pool",
            "prefork",
        ];
        all.extend(["--concurrency", "2", "--loglevel", "INFO"]);
        all.extend(args);
        VenvProcess::spawn_on(broker, "celery", &all, envs)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> nix::unistd::Pid {
        nix::unistd::Pid::from_raw(self.child.id() as i32)
    }

    /// A signal to the main process only (SIGSTOP makes a worker hang).
    pub fn signal(&self, s: nix::sys::signal::Signal) {
        nix::sys::signal::kill(self.pid(), s).expect("signal the test's own process");
    }

    /// Wait for a one-shot script to end; true when it exited 0.
    pub fn finish(&mut self, limit: Duration) -> bool {
        let done = wait_for(limit, || self.child.try_wait().ok().flatten());
        done.is_some_and(|s| s.success())
    }

    /// SIGCONT (a stopped process group cannot die otherwise), SIGKILL the whole process group
    /// (the program and its children, a worker's pool), then reap the main process.
    pub fn kill(&mut self) {
        use nix::sys::signal::{Signal, killpg};
        let _ = killpg(self.pid(), Signal::SIGCONT);
        let _ = killpg(self.pid(), Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for VenvProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
