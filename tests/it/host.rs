//! Host diagnosis: fixture /proc and /sys trees, a real tmpfs run out of inodes, real zombies
//! (kept, and reaped at once), a real Celery worker tree. Nothing here changes a sysctl or
//! signals a process it did not start; the doctor runs are bounded (killed and failed after
//! [`BOUND`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

/// The longest a host doctor run may take here: the checks' own waits are a second or two.
const BOUND: Duration = Duration::from_secs(120);

fn fixture(name: &str) -> (PathBuf, PathBuf) {
    let base = repo_root().join("tests/fixtures/host").join(name);
    (base.join("proc"), base.join("sys"))
}

fn on_fixture(name: &str, args: &[&str]) -> Run {
    let (proc_root, sys_root) = fixture(name);
    run_within(
        celtool()
            .args(args)
            .env("CELTOOL_PROC_ROOT", proc_root)
            .env("CELTOOL_SYS_ROOT", sys_root),
        BOUND,
    )
}

/// `doctor --only host --format json` on this host, bounded, with a config file saying `toml`.
fn host_doctor(config: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = celtool();
    cmd.args(["doctor", "--only", "host", "--format", "json"]);
    if let Some(text) = config {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        cmd.env("CELTOOL_CONFIG", path);
    }
    run_within(&mut cmd, BOUND)
}

/// Zombies are judged when their process is 1 s old and still there 1 s later, so a test
/// need not wait out the default 30 s.
const QUICK_ZOMBIES: &str =
    "[thresholds.\"host.workers.zombie\"]\nmin_age = \"1s\"\nsettle = \"1s\"\n";

fn finding<'a>(doc: &'a Value, id: &str, subject_part: &str) -> Option<&'a Value> {
    doc["findings"].as_array()?.iter().find(|f| {
        f["id"] == id
            && f["subject"]
                .as_str()
                .is_some_and(|s| s.contains(subject_part))
    })
}

#[test]
fn fixture_host_with_drops_zombies_and_orphans() {
    // Mount points of the fixture do not exist here; their inode checks are not the point.
    let r = on_fixture(
        "kernel6",
        &[
            "doctor",
            "--only",
            "host",
            "--skip",
            "host.inodes",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 2, "{r:#?}");
    assert_eq!(
        r.problems(),
        vec![
            p("host.conntrack.drops", "crit", "conntrack"),
            p("host.conntrack.hashsize", "warn", "conntrack"),
            p("host.conntrack.usage", "warn", "conntrack"),
            p("host.fd", "warn", "file-nr"),
            p("host.tcp.time_wait", "warn", "tcp"),
            p("host.workers.orphan", "warn", "w0@worker-7 (pid 900)"),
            p(
                "host.workers.rss",
                "warn",
                "pid 1301 ([celeryd: w1@worker-7:ForkPoolWorker-1])"
            ),
            p(
                "host.workers.stuck",
                "warn",
                "pid 1301 ([celeryd: w1@worker-7:ForkPoolWorker-1])"
            ),
            p(
                "host.workers.zombie",
                "warn",
                "pid 1200 ([celeryd: w1@worker-7:MainProcess] -active- (worker -A proj -l INFO -n w1@%h))"
            ),
        ]
    );
    let doc = r.json();
    let drops = finding(&doc, "host.conntrack.drops", "conntrack").unwrap();
    assert!(
        drops["evidence"]["drop"].as_f64().unwrap() > 0.0,
        "{drops:#}"
    );
    assert!(drops["host"].is_string());
    // The table names the host the findings came from.
    let t = on_fixture(
        "kernel6",
        &["doctor", "--only", "host", "--skip", "host.inodes"],
    );
    assert!(t.stdout.starts_with("host "), "{}", t.stdout);
}

#[test]
fn conntrack_command_on_several_kernels() {
    let r = on_fixture("kernel4", &["conntrack", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let j = r.json();
    assert_eq!(
        (
            j["in_use"].as_bool(),
            j["count"].as_u64(),
            j["max"].as_u64()
        ),
        (Some(true), Some(100), Some(65536))
    );
    let r = on_fixture("legacy", &["conntrack", "--format", "json"]);
    assert_eq!(
        (r.code, r.json()["legacy"].as_bool()),
        (0, Some(true)),
        "{r:#?}"
    );
    let r = on_fixture("nomodule", &["conntrack"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "conntrack: not in use here (nf_conntrack module not loaded)\n"
        )
    );
    let r = on_fixture(
        "nomodule",
        &[
            "doctor",
            "--only",
            "host",
            "--skip",
            "host.inodes",
            "--format",
            "json",
        ],
    );
    assert!(
        r.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["id"].as_str().unwrap().starts_with("host.conntrack"))
    );
}

/// (pid, role, flags) of one process in `workers --format json`.
type ProcSummary = (i64, String, Vec<String>);

#[test]
fn workers_command_shows_trees_zombies_and_orphans() {
    let r = on_fixture("kernel6", &["workers", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let summary: Vec<(Option<String>, Vec<ProcSummary>)> = r
        .rows("workers")
        .iter()
        .map(|t| {
            (
                t["node"].as_str().map(str::to_string),
                t["processes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p["pid"].as_i64().unwrap(),
                            p["role"].as_str().unwrap().to_string(),
                            p["flags"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|f| f.as_str().unwrap().to_string())
                                .collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        summary,
        vec![
            (
                Some("w1@worker-7".into()),
                vec![
                    (1200, "main".into(), vec![]),
                    (1301, "pool".into(), s(&["stuck", "big-rss"])),
                    (1302, "pool".into(), vec![]),
                    (1303, "child".into(), s(&["zombie"])),
                ]
            ),
            (
                Some("w0@worker-7".into()),
                vec![(900, "pool".into(), s(&["orphan"]))]
            ),
        ]
    );
}

/// A tmpfs of our own with few inodes, unmounted on drop.
struct SmallTmpfs {
    dir: tempfile::TempDir,
}

impl SmallTmpfs {
    fn mount(inodes: u32) -> SmallTmpfs {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("nr_inodes={inodes},size=4m"),
                "celtool-it",
            ])
            .arg(dir.path())
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "this test needs to mount its own tmpfs (run as root, or where mount is permitted); mount said: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallTmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn fill(&self, files: usize) {
        for i in 0..files {
            std::fs::write(self.path().join(format!("f{i}")), b"").unwrap();
        }
    }
}

impl Drop for SmallTmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn inode_finding(mount: &Path) -> (i32, Value) {
    let r = host_doctor(None);
    let doc = r.json();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "host.inodes.usage" && f["subject"] == mount.display().to_string())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "no host.inodes.usage finding for {}: {r:#?}",
                mount.display()
            )
        });
    (r.code, f)
}

#[test]
fn a_tmpfs_running_out_of_inodes() {
    let fs = SmallTmpfs::mount(200);
    // A spool directory with 20 files, then files at the top; tmpfs counts its root too.
    std::fs::create_dir(fs.path().join("spool")).unwrap();
    for i in 0..20 {
        std::fs::write(fs.path().join(format!("spool/t{i}")), b"").unwrap();
    }
    fs.fill(165);
    let (_, f) = inode_finding(fs.path());
    assert_eq!(f["severity"], "warn", "{f:#}");
    assert_eq!(f["evidence"]["inodes_total"], 200.0, "{f:#}");
    // doctor names the directory holding the most entries and the exact prune-tmp command.
    let spool = fs.path().join("spool").display().to_string();
    assert!(
        f["remedy"].as_str().unwrap().contains(&format!(
            "celtool prune-tmp {spool} --older-than 2d --rmdir"
        )),
        "{f:#}"
    );
    fs.fill(175);
    let (code, f) = inode_finding(fs.path());
    assert_eq!((code, f["severity"].as_str()), (2, Some("crit")), "{f:#}");
    let r = run_within(celtool().args(["inodes", "--format", "json"]), BOUND);
    let mine = r
        .rows("mounts")
        .iter()
        .find(|m| m["mount_point"] == fs.path().display().to_string())
        .cloned()
        .unwrap();
    assert_eq!(
        (mine["fs_type"].as_str(), mine["inodes_total"].as_u64()),
        (Some("tmpfs"), Some(200))
    );
    let r = run_within(
        celtool()
            .args(["inodes", "--top"])
            .arg(fs.path())
            .args(["--limit", "3"]),
        BOUND,
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.lines().next().unwrap().starts_with("INODES"),
        "{}",
        r.stdout
    );
    let first: Vec<&str> = r
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(first, vec!["21", "20", spool.as_str()], "{}", r.stdout);
}

/// A process of ours that forks `n` children which exit at once and are never reaped.
struct ZombieMaker {
    child: std::process::Child,
}

impl ZombieMaker {
    fn start(n: usize) -> ZombieMaker {
        let script = format!(
            "import os, sys, time\nfor _ in range({n}):\n    if os.fork() == 0:\n        os._exit(0)\nsys.stdout.write('ready\\n'); sys.stdout.flush()\ntime.sleep(120)\n"
        );
        let mut child = Command::new("python3")
            .args(["-c", &script])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "ready\n");
        ZombieMaker { child }
    }
}

impl Drop for ZombieMaker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn real_zombies_are_found_under_their_parent() {
    let maker = ZombieMaker::start(3);
    let pid = maker.child.id();
    let subject = format!("pid {pid} ");
    // Seconds old, they are below the default min_age of 30 s: not judged yet.
    let r = host_doctor(None);
    assert!(
        finding(&r.json(), "host.workers.zombie", &subject).is_none(),
        "{r:#?}"
    );
    // A child that has called _exit is a zombie only once the kernel has finished it: wait
    // until all three are, with min_age and settle lowered to 1 s by the config file.
    let found = wait_for(Duration::from_secs(60), || {
        let r = host_doctor(Some(QUICK_ZOMBIES));
        finding(&r.json(), "host.workers.zombie", &subject)
            .filter(|f| f["evidence"]["zombies"] == 3.0)
            .cloned()
    })
    .expect("the three zombies were not reported");
    assert_eq!(found["evidence"]["zombies"], 3.0, "{found:#}");
    assert_eq!(found["severity"], "warn");
    let summary = found["summary"].as_str().unwrap();
    assert!(summary.contains("not a Celery worker"), "{found:#}");
    assert!(
        summary.contains("still zombies when read again 1.")
            && summary.contains("each started at least"),
        "{found:#}"
    );
    assert!(
        found["remedy"]
            .as_str()
            .unwrap()
            .contains(&format!("kill -CHLD {pid}")),
        "{found:#}"
    );
    drop(maker);
    let r = host_doctor(Some(QUICK_ZOMBIES));
    assert!(finding(&r.json(), "host.workers.zombie", &subject).is_none());
}

/// A process of ours that forks a child every 0.1 s and reaps each 0.3 s later: always a
/// zombie or two of its own, never one older than half a second (the field report's healthy
/// host, where pid 1 reaped within a second).
struct PromptReaper {
    child: std::process::Child,
}

impl PromptReaper {
    fn start() -> PromptReaper {
        let script = "import os, sys, time\nkids = []\nsys.stdout.write('ready\\n'); sys.stdout.flush()\nend = time.time() + 300\nwhile time.time() < end:\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n    kids.append((time.time(), pid))\n    while kids and kids[0][0] < time.time() - 0.3:\n        os.waitpid(kids.pop(0)[1], 0)\n    time.sleep(0.1)\n";
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "ready\n");
        PromptReaper { child }
    }

    /// Its zombies in /proc right now.
    fn zombies(&self) -> usize {
        let me = self.child.id().to_string();
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter(|stat| {
                let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
                let mut f = after.split_whitespace();
                f.next() == Some("Z") && f.next() == Some(me.as_str())
            })
            .count()
    }
}

impl Drop for PromptReaper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn zombies_reaped_within_a_second_are_never_reported() {
    let reaper = PromptReaper::start();
    let subject = format!("pid {} ", reaper.child.id());
    assert!(
        wait_for(Duration::from_secs(30), || (reaper.zombies() > 0)
            .then_some(()))
        .is_some(),
        "the reaper's children never showed as zombies"
    );
    // By age (default min_age 30 s: they are all younger), and by the second look (min_age
    // 0: every one is read again 1 s later, and by then it is reaped).
    let by_age = None;
    let by_second_look =
        Some("[thresholds.\"host.workers.zombie\"]\nmin_age = \"0s\"\nsettle = \"1s\"\n");
    for (i, config) in [by_age, by_second_look]
        .into_iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        let r = host_doctor(config);
        let doc = r.json();
        assert!(
            finding(&doc, "host.workers.zombie", &subject).is_none(),
            "run {i} ({config:?}) reported zombies reaped within half a second: {doc:#}"
        );
    }
    assert!(reaper.zombies() <= 10, "the reaper stopped reaping");
}

#[test]
fn a_young_zombie_gives_the_same_exit_code_thirty_times() {
    // pid 1 with a zombie half a second old (the fixture's clock stands still): the cron gate
    // of the field report, which flapped 1 1 0 0 1 1 0 0 0.
    let args = ["doctor", "--only", "host", "--format", "json"];
    let mut codes = Vec::new();
    for _ in 0..30 {
        let r = on_fixture("young-zombie", &args);
        let doc = r.json();
        assert!(
            finding(&doc, "host.workers.zombie", "").is_none(),
            "a zombie 0.5 s old was judged: {doc:#}"
        );
        codes.push(r.code);
    }
    assert_eq!(codes, vec![0; 30]);
}

fn worker_tree(node: &str) -> Option<Value> {
    let r = run_within(celtool().args(["workers", "--format", "json"]), BOUND);
    assert_eq!(r.code, 0, "{r:#?}");
    r.rows("workers").into_iter().find(|t| t["node"] == node)
}

#[test]
fn a_real_celery_worker_is_a_tree_and_killing_its_main_is_noticed() {
    let v = Vhost::new("hostworker");
    let node = format!("w{}@celtool-it", std::process::id());
    let mut worker = Worker::start(&v.name, &node);
    let main = worker.child.id() as i64;
    let tree = wait_for(CELERY_WAIT, || {
        worker_tree(&node).filter(|t| t["processes"].as_array().is_some_and(|p| p.len() == 3))
    })
    .unwrap_or_else(|| {
        panic!(
            "no worker tree with 2 pool children; log:\n{}",
            worker.log()
        )
    });
    assert_eq!(tree["main"].as_i64(), Some(main), "{tree:#}");
    let roles: Vec<&str> = tree["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, vec!["main", "pool", "pool"]);
    let children: Vec<i64> = tree["processes"].as_array().unwrap()[1..]
        .iter()
        .map(|p| p["pid"].as_i64().unwrap())
        .collect();

    // SIGKILL only the main process (ours); reap it so it is not a zombie of ours.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(main as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let _ = worker.child.wait();
    // Celery >= 5.2 pool children die with their parent (PR_SET_PDEATHSIG); older ones are
    // orphaned. Whatever remains must be reported as an orphan, never as a healthy tree.
    let settled = wait_for(Duration::from_secs(60), || {
        let t = worker_tree(&node);
        match &t {
            None => Some(t),
            Some(t) if t["main"].is_null() => Some(Some(t.clone())),
            _ => None,
        }
    })
    .expect("the tree still shows a main process after it was killed");
    if let Some(orphans) = settled {
        for p in orphans["processes"].as_array().unwrap() {
            assert!(
                children.contains(&p["pid"].as_i64().unwrap()),
                "{orphans:#}"
            );
            assert!(
                p["flags"].as_array().unwrap().iter().any(|f| f == "orphan"),
                "{orphans:#}"
            );
        }
    }
}

/// A process of ours that looks like a Celery worker's main process to celtool (a python script
/// named `celery`, run as `python3 .../celery -A app worker -n NODE`), sleeping; stopped with
/// SIGSTOP. Drop continues it, kills it and reaps it: only this pid is ever signalled.
struct StoppedWorker {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl StoppedWorker {
    fn start(node: &str) -> StoppedWorker {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("celery");
        std::fs::write(
            &script,
            "import sys, time\nsys.stdout.write('ready\\n'); sys.stdout.flush()\ntime.sleep(120)\n",
        )
        .unwrap();
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["-A", "app", "worker", "-n", node])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "ready\n");
        StoppedWorker { child, _dir: dir }
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }
}

impl Drop for StoppedWorker {
    fn drop(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGCONT);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_stopped_celery_worker_is_a_critical_finding_on_its_host() {
    let node = format!("stopped{}@%h", std::process::id());
    let worker = StoppedWorker::start(&node);
    let pid = worker.child.id();
    let subject = format!("pid {pid} ");
    let r = host_doctor(None);
    assert!(
        finding(&r.json(), "host.workers.stopped", &subject).is_none(),
        "{r:#?}"
    );
    worker.signal(nix::sys::signal::Signal::SIGSTOP);
    let found = wait_for(Duration::from_secs(30), || {
        finding(&host_doctor(None).json(), "host.workers.stopped", &subject).cloned()
    })
    .expect("the stopped worker was not reported");
    assert_eq!(found["severity"], "crit", "{found:#}");
    let summary = found["summary"].as_str().unwrap();
    // celtool names the host as the kernel does (and as Celery's %h does).
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let expanded = node.replace("%h", hostname.trim());
    assert!(
        summary.starts_with(&format!(
            "Celery main process {pid} of {expanded} is stopped (state T"
        )),
        "{found:#}"
    );
    let listed = run_within(celtool().args(["workers", "--format", "json"]), BOUND);
    let main = listed
        .rows("workers")
        .iter()
        .flat_map(|t| t["processes"].as_array().unwrap().clone())
        .find(|p| p["pid"] == pid)
        .expect("the worker is listed");
    assert_eq!(main["flags"], serde_json::json!(["stopped"]), "{main:#}");
    worker.signal(nix::sys::signal::Signal::SIGCONT);
    let gone = wait_for(Duration::from_secs(30), || {
        finding(&host_doctor(None).json(), "host.workers.stopped", &subject)
            .is_none()
            .then_some(())
    });
    assert!(gone.is_some(), "still reported after SIGCONT");
    drop(worker);
}
