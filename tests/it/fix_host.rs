//! Host fixes: conntrack against a copy of a fixture tree, reap against real zombies and
//! orphans this test makes. Nothing touches a real sysctl or a process the test did not start.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;

/// A writable copy of a fixture /proc and /sys, and an empty /etc.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn copy_of(fixture: &str) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let src = repo_root().join("tests/fixtures/host").join(fixture);
        let ok = Command::new("cp")
            .arg("-a")
            .arg(src.join("proc"))
            .arg(src.join("sys"))
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(ok.success());
        Tree { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn celtool(&self) -> Command {
        let mut c = celtool();
        c.env("CELTOOL_PROC_ROOT", self.path("proc"))
            .env("CELTOOL_SYS_ROOT", self.path("sys"))
            .env("CELTOOL_ETC_ROOT", self.path("etc"))
            .env("CELTOOL_JOURNAL", self.path("journal.jsonl"));
        c
    }

    fn read(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.path(rel)).ok()
    }
}

const MAX: &str = "proc/sys/net/netfilter/nf_conntrack_max";
const HASH: &str = "sys/module/nf_conntrack/parameters/hashsize";
const SYSCTL: &str = "etc/sysctl.d/90-celtool-conntrack.conf";
const MODPROBE: &str = "etc/modprobe.d/90-celtool-conntrack.conf";

#[test]
fn conntrack_fix_writes_persists_is_idempotent_and_undoes() {
    let t = Tree::copy_of("kernel6");
    let (max0, hash0) = (t.read(MAX).unwrap(), t.read(HASH).unwrap());
    let r = run(t.celtool().args(["fix", "conntrack", "--dry-run"]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.contains(&format!(
            "1. write {}: 6000 -> 65536",
            t.path(MAX).display()
        )),
        "{}",
        r.stdout
    );
    assert_eq!((t.read(MAX).unwrap(), t.read(SYSCTL)), (max0.clone(), None));

    let r = run(t.celtool().args(["fix", "conntrack", "--yes"]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(t.read(MAX).unwrap(), "65536\n");
    assert_eq!(t.read(HASH).unwrap(), "65536\n");
    assert_eq!(
        t.read(SYSCTL).unwrap(),
        "# Written by celtool fix conntrack; celtool undo restores the previous state.\nnet.netfilter.nf_conntrack_max = 65536\n"
    );
    assert_eq!(
        t.read(MODPROBE).unwrap(),
        "# Written by celtool fix conntrack: hash buckets to match nf_conntrack_max.\noptions nf_conntrack hashsize=65536\n"
    );

    let r = run(t.celtool().args(["fix", "conntrack", "--yes"]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stdout.contains("nothing to change"), "{}", r.stdout);

    let r = run(t.celtool().args(["undo", "--yes"]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!((t.read(MAX).unwrap(), t.read(HASH).unwrap()), (max0, hash0));
    assert_eq!((t.read(SYSCTL), t.read(MODPROBE)), (None, None));
}

#[test]
fn conntrack_fix_explains_a_read_only_table() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::copy_of("kernel6");
    std::fs::set_permissions(t.path(MAX), std::fs::Permissions::from_mode(0o444)).unwrap();
    let r = run(t.celtool().args(["fix", "conntrack", "--yes"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stdout
            .contains("read-only here, as inside a container or a non-initial network namespace"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("sysctl -w net.netfilter.nf_conntrack_max=65536"),
        "{}",
        r.stdout
    );
    let r = run(Tree::copy_of("nomodule")
        .celtool()
        .args(["fix", "conntrack", "--yes"]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.contains("conntrack is not in use here"),
        "{}",
        r.stdout
    );
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| celtool::host::procs::parse_stat(&s).is_some_and(|st| st.state != 'Z'))
}

fn exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// A python program named `celery`, so that `python3 DIR/celery worker -n NODE` is a Celery
/// worker by its own command line. With `zombies` it forks three children that exit at once and
/// never reaps them; either way it prints its children's pids and sleeps.
const FAKE_CELERY: &str = "import os, sys, time\nkids = []\nif 'zombies' in sys.argv:\n    for _ in range(3):\n        pid = os.fork()\n        if pid == 0:\n            os._exit(0)\n        kids.append(pid)\nprint(' '.join(map(str, kids)), flush=True)\ntime.sleep(300)\n";

/// The real interpreter (not a pyenv shim, which would lose an `exec -a` title).
fn python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Starts `python3 DIR/celery worker -n NODE zombies` as our child; returns it and its zombies.
fn zombie_parent(dir: &Path, node: &str) -> (std::process::Child, Vec<u32>) {
    let mut child = Command::new(python())
        .arg(dir.join("celery"))
        .args(["worker", "-n", node, "zombies"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let zombies = line
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    (child, zombies)
}

/// Runs `script` in the background of a shell that exits at once, so init adopts it; its pid.
fn adopted(script: &str) -> u32 {
    let out = Command::new("bash")
        .args(["-c", &format!("({script}) >/dev/null 2>&1 & echo $!")])
        .output()
        .unwrap();
    let pid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    wait_for(Duration::from_secs(60), || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| celtool::host::procs::parse_stat(&s))
            .filter(|s| s.ppid == 1)
    })
    .unwrap_or_else(|| panic!("pid {pid} was not adopted by init"));
    pid
}

/// Ends a process this test started (and that another may have adopted).
fn end(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
}

#[test]
fn reap_signals_only_processes_that_are_themselves_celery() {
    let marker = format!("celtool-it-reap-{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("celery"), FAKE_CELERY).unwrap();
    let fake = dir.path().join("celery").display().to_string();
    let py = python();
    // A Celery worker of ours that never reaps its children: signalled.
    let (mut parent, zombies) = zombie_parent(dir.path(), &format!("{marker}-a@h"));
    // Another Celery worker with zombies, excluded by --match: "not matched".
    let other = format!("celtool-it-other-{}@h", std::process::id());
    let (mut unmatched, kept_zombies) = zombie_parent(dir.path(), &other);
    // An orphaned pool child (setproctitle title, python): ended.
    let orphan = adopted(&format!(
        "exec -a '[celeryd: {marker}-o@h:ForkPoolWorker-1]' {py} -c 'import time; time.sleep(300)'"
    ));
    // A `timeout` wrapper adopted by init whose argv names Celery: not Celery itself.
    let wrapper = adopted(&format!(
        "exec timeout 900 {py} {fake} worker -n {marker}-w@h"
    ));
    // A Celery title on a program that is not Python: not Celery either.
    let impostor = adopted(&format!(
        "exec -a '[celeryd: {marker}-s@h:ForkPoolWorker-2]' sleep 300"
    ));

    let args = [
        "workers",
        "reap",
        "--match",
        marker.as_str(),
        "--kill-parents",
        "--grace",
        "1s",
    ];
    let r = run(celtool().args(args));
    assert_eq!(r.code, 1, "{r:#?}");
    let has = |s: &str| r.stdout.contains(s);
    assert!(
        has(&format!("send SIGCHLD to pid {} ", parent.id())),
        "{}",
        r.stdout
    );
    assert!(has(&format!("SIGTERM pid {orphan} ")), "{}", r.stdout);
    for pid in [wrapper, impostor] {
        assert!(!has(&format!("SIGTERM pid {pid} ")), "{}", r.stdout);
        assert!(
            r.stdout.lines().any(|l| l.contains(&format!("pid {pid} "))
                && l.contains("left alone: not a Celery process")),
            "pid {pid} must be listed as not Celery:\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains(&format!("pid {} ", unmatched.id()))
                && l.contains("left alone: not matched by --match")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("irreversibly; run again with --yes"),
        "{}",
        r.stdout
    );
    assert!(alive(orphan) && zombies.iter().all(|z| exists(*z)));

    let r = run(celtool().args(args).arg("--yes"));
    assert_eq!(r.code, 0, "{r:#?}");
    let _ = parent.wait();
    let gone = wait_for(Duration::from_secs(60), || {
        (!alive(orphan) && zombies.iter().all(|z| !exists(*z))).then_some(())
    });
    let survivors = (
        alive(wrapper),
        alive(impostor),
        alive(unmatched.id()),
        kept_zombies.iter().all(|z| exists(*z)),
    );
    let wrapped = std::fs::read_to_string(format!("/proc/{wrapper}/task/{wrapper}/children"))
        .unwrap_or_default();
    for pid in [orphan, wrapper, impostor, unmatched.id()] {
        end(pid);
    }
    for pid in wrapped.split_whitespace().filter_map(|p| p.parse().ok()) {
        end(pid);
    }
    let _ = unmatched.wait();
    assert!(
        gone.is_some(),
        "zombies {zombies:?} or orphan {orphan} remain"
    );
    assert_eq!(
        survivors,
        (true, true, true, true),
        "(wrapper, impostor, unmatched worker, its zombies) must be left alone"
    );
}

#[test]
fn doctor_fix_offers_the_host_fixes_and_never_signals_from_a_fixture() {
    let t = Tree::copy_of("kernel6");
    let r = run(t.celtool().args([
        "doctor",
        "--only",
        "host",
        "--skip",
        "host.inodes",
        "--fix",
        "--yes",
    ]));
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(
        r.stdout.contains("celtool fix conntrack: plan"),
        "{}",
        r.stdout
    );
    assert_eq!(t.read(MAX).unwrap(), "65536\n");
    // The fixture's process table names pids that belong to other processes here.
    assert!(
        r.stdout
            .contains("refused: the process table was read from"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("SIGTERM pid"), "{}", r.stdout);
}

/// One applied `fix conntrack` on a fresh tree, to get a journal with a real entry in it.
fn tree_with_a_journal() -> Tree {
    let t = Tree::copy_of("kernel6");
    let r = run(t
        .celtool()
        .args(["fix", "conntrack", "--yes", "--max", "70000"]));
    assert_eq!(r.code, 0, "{r:#?}");
    t
}

#[test]
fn a_truncated_journal_is_refused_before_anything_is_applied() {
    let t = tree_with_a_journal();
    let journal = t.path("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines = text.lines().count();
    // A write cut short: half of a copy of the first entry, without its newline.
    let first = text.lines().next().unwrap();
    let mut cut = text.clone();
    cut.push_str(&first[..first.len() / 2]);
    std::fs::write(&journal, &cut).unwrap();
    let max = t.read(MAX).unwrap();

    let r = run(t
        .celtool()
        .args(["fix", "conntrack", "--yes", "--max", "80000"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert_eq!(t.read(MAX).unwrap(), max, "nothing may be applied");
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        cut,
        "the journal is untouched"
    );
    let err = r.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with(&format!(
            "celtool: error: journal {}, line {}: the last line is incomplete",
            journal.display(),
            lines + 1
        )),
        "{err}"
    );
    assert!(err.contains("remove that line"), "{err}");

    let r = run(t.celtool().args(["undo", "--dry-run"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("the last line is incomplete"), "{r:#?}");
}

#[test]
fn a_journal_others_can_write_or_another_user_owns_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let t = tree_with_a_journal();
    let journal = t.path("journal.jsonl");
    // A forged entry: the same change, claiming a different before-state.
    let text = std::fs::read_to_string(&journal).unwrap();
    let forged = text.replace("\"before\":\"6000\"", "\"before\":\"1\"");
    assert_ne!(
        forged, text,
        "the entry has a before-state to forge: {text}"
    );
    std::fs::write(&journal, &forged).unwrap();
    let max = t.read(MAX).unwrap();
    let mode = |m| std::fs::Permissions::from_mode(m);

    std::fs::set_permissions(&journal, mode(0o666)).unwrap();
    for args in [
        &["undo", "--dry-run"][..],
        &["undo", "--yes"],
        &["fix", "conntrack", "--yes", "--max", "90000"],
    ] {
        let r = run(t.celtool().args(args));
        assert_eq!(r.code, 3, "{args:?}: {r:#?}");
        assert!(
            r.stderr.starts_with(&format!(
                "celtool: error: refusing the journal {}: it is writable by group or others (mode 0666)",
                journal.display()
            )),
            "{args:?}: {r:#?}"
        );
        assert!(
            !r.stdout.contains("write "),
            "no plan from a forged journal: {r:#?}"
        );
    }
    assert_eq!(t.read(MAX).unwrap(), max, "nothing may be applied");

    std::fs::set_permissions(&journal, mode(0o600)).unwrap();
    std::fs::set_permissions(t.dir.path(), mode(0o777)).unwrap();
    let r = run(t.celtool().args(["undo", "--dry-run"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains(&format!(
            "refusing the journal {}: its directory {} is writable by group or others (mode 0777)",
            journal.display(),
            t.dir.path().display()
        )),
        "{r:#?}"
    );
    std::fs::set_permissions(t.dir.path(), mode(0o700)).unwrap();

    // Owned by another user (this test runs as root, as celtool does from cron).
    std::os::unix::fs::chown(&journal, Some(65534), None).unwrap();
    let r = run(t.celtool().args(["undo", "--dry-run"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains("it is owned by uid 65534, not by uid"),
        "{r:#?}"
    );
    assert_eq!(t.read(MAX).unwrap(), max);
}

/// A tiny tmpfs of the test's own, unmounted on drop.
struct SmallTmpfs(tempfile::TempDir);

impl SmallTmpfs {
    fn new(size: &str) -> SmallTmpfs {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(ok.success(), "mount tmpfs (this test needs root)");
        SmallTmpfs(dir)
    }
}

impl Drop for SmallTmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_disk_leaves_no_partial_line_and_names_the_unjournaled_change() {
    let t = tree_with_a_journal();
    let text = std::fs::read_to_string(t.path("journal.jsonl")).unwrap();
    // A journal of valid entries just under one page, on a filesystem of two pages with the
    // other page taken: the next entry crosses into a page there is no room for.
    let mut full = String::new();
    for line in text.lines().cycle() {
        if full.len() + line.len() + 1 > 4000 {
            break;
        }
        full.push_str(line);
        full.push('\n');
    }
    let fs = SmallTmpfs::new("8k");
    let journal = fs.0.path().join("journal.jsonl");
    std::fs::write(&journal, &full).unwrap();
    std::fs::write(fs.0.path().join("filler"), vec![0u8; 4096]).unwrap();
    let r = run(t.celtool().env("CELTOOL_JOURNAL", &journal).args([
        "fix",
        "conntrack",
        "--yes",
        "--max",
        "90000",
    ]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr
            .contains("WAS applied but is not journaled, so undo cannot restore it"),
        "{r:#?}"
    );
    let n: usize = r
        .stderr
        .split_once("; change ")
        .and_then(|(_, rest)| rest.split_once(' '))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("which change: {r:#?}"));
    assert_eq!(
        t.read(MAX).unwrap(),
        "90000\n",
        "the first change was applied"
    );
    let after = std::fs::read_to_string(&journal).unwrap();
    assert!(
        after.starts_with(&full) && after.ends_with('\n'),
        "no partial line: {after}"
    );
    assert_eq!(
        after.lines().count(),
        full.lines().count() + n - 1,
        "the changes before the failing one are journaled"
    );
    let r = run(t
        .celtool()
        .env("CELTOOL_JOURNAL", &journal)
        .args(["undo", "--dry-run"]));
    assert_eq!(r.code, 0, "the journal still reads: {r:#?}");
}
