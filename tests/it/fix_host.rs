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

#[test]
fn reap_ends_zombies_and_orphans_and_nothing_else() {
    let marker = format!("celtool-it-reap-{}", std::process::id());
    // A parent that never reaps its three children.
    let script = "import os, sys, time\nkids = []\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n    kids.append(pid)\nprint(' '.join(map(str, kids)), flush=True)\ntime.sleep(300)\n";
    let mut parent = Command::new("python3")
        .args(["-c", script, &format!("{marker}-zombie-parent")])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(parent.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let zombies: Vec<u32> = line
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    // An orphan: its shell parent exits at once, so init adopts it.
    let out = Command::new("bash")
        .args([
            "-c",
            &format!("(exec -a '{marker}-orphan' sleep 300) >/dev/null 2>&1 & echo $!"),
        ])
        .output()
        .unwrap();
    let orphan: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    // An unrelated process of ours that must survive.
    let mut bystander = Command::new("sleep").arg("300").spawn().unwrap();

    wait_for(Duration::from_secs(60), || {
        std::fs::read_to_string(format!("/proc/{orphan}/stat"))
            .ok()
            .and_then(|s| celtool::host::procs::parse_stat(&s))
            .filter(|s| s.ppid == 1)
    })
    .expect("the orphan was not adopted by init");

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
    assert!(
        r.stdout
            .contains(&format!("send SIGCHLD to pid {} ", parent.id())),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!("SIGTERM pid {orphan} ")),
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
    assert!(
        gone.is_some(),
        "zombies {zombies:?} or orphan {orphan} remain"
    );
    assert!(alive(bystander.id()), "an unrelated process was touched");
    let _ = bystander.kill();
    let _ = bystander.wait();
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
