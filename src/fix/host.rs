//! Host fixes: `fix conntrack` (raise nf_conntrack_max and hashsize, persist them) and
//! `workers reap` (zombies and orphaned Celery pool processes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Change, Plan};
use crate::host::celery::recognise_all;
use crate::host::{Conntrack, ConntrackFixInputs, Process, Reading, worker_trees};

pub use crate::host::conntrack::{MODPROBE_FILE, SYSCTL_FILE};
/// Rough kernel memory per conntrack entry and per hash bucket (FACTS.md).
const ENTRY_BYTES: u64 = 256;
const BUCKET_BYTES: u64 = 8;
/// The table may use at most this share of RAM when celtool picks the size.
const MEMORY_SHARE: f64 = 0.05;

/// The size the table should have: twice its current fill, as a power of two, at least 65536,
/// at most what 5 % of RAM holds. It depends on the load, not on the current limit, so a second
/// run under the same load finds nothing to raise.
pub fn target_max(ct: &Conntrack, mem_total: Option<u64>) -> u64 {
    let wanted = crate::checks::host::suggested_conntrack_max(ct);
    match mem_total {
        Some(mem) => {
            let cap = (mem as f64 * MEMORY_SHARE / (ENTRY_BYTES + BUCKET_BYTES) as f64) as u64;
            let cap = if cap.is_power_of_two() {
                cap
            } else {
                cap.next_power_of_two() / 2
            };
            wanted.min(cap.max(65_536))
        }
        None => wanted,
    }
}

/// Plan raising nf_conntrack_max (and hashsize to match) now and persisting both: a pure
/// function of the table and of the inputs the gather step read (`max` overrides the size).
pub fn plan_conntrack(
    conntrack: &Reading<Conntrack>,
    inputs: &ConntrackFixInputs,
    max: Option<u64>,
) -> Plan {
    let mut plan = Plan {
        fix: "conntrack",
        ..Plan::default()
    };
    let ct = match conntrack {
        Reading::Present(ct) => ct,
        Reading::Absent(why) => {
            plan.notes.push(format!(
                "conntrack is not in use here ({why}): nothing to raise"
            ));
            return plan;
        }
        Reading::Unreadable(why) => {
            plan.notes.push(format!("cannot read conntrack: {why}"));
            return plan;
        }
    };
    let mem = inputs.mem_total;
    let target = max.unwrap_or_else(|| target_max(ct, mem));
    if mem.is_none() && max.is_none() {
        plan.notes
            .push("MemTotal unknown: the size is not capped by memory".into());
    }
    plan.notes.push(format!(
        "conntrack holds {} of {} entries; target nf_conntrack_max {target} (about {} MiB of kernel memory when full)",
        ct.count,
        ct.max,
        target * (ENTRY_BYTES + BUCKET_BYTES) / (1024 * 1024)
    ));
    if target <= ct.max {
        plan.notes.push(format!(
            "nf_conntrack_max is already {} (>= {target}): nothing to raise",
            ct.max
        ));
        return plan;
    }
    let max_path = inputs.max_path.display().to_string();
    if inputs.max_read_only {
        plan.notes.push(format!(
            "refused: {max_path} is read-only here, as inside a container or a non-initial network namespace; raise it on the host: sysctl -w net.netfilter.nf_conntrack_max={target}, and persist it there in /etc/{SYSCTL_FILE}"
        ));
        plan.refused = true;
        return plan;
    }
    plan.changes.push(Change::WriteKernel {
        path: max_path,
        before: ct.max.to_string(),
        after: target.to_string(),
    });
    if let Some(hashsize) = ct.hashsize.filter(|h| *h < target)
        && let Some(hash_path) = &inputs.hashsize_path
    {
        plan.changes.push(Change::WriteKernel {
            path: hash_path.display().to_string(),
            before: hashsize.to_string(),
            after: target.to_string(),
        });
        plan.changes.extend(write_file(
            &inputs.modprobe_path,
            inputs.modprobe_now.as_deref(),
            format!("# Written by celtool fix conntrack: hash buckets to match nf_conntrack_max.\noptions nf_conntrack hashsize={target}\n"),
        ));
    }
    let key = if ct.legacy {
        "net.ipv4.netfilter.ip_conntrack_max"
    } else {
        "net.netfilter.nf_conntrack_max"
    };
    plan.changes.extend(write_file(
        &inputs.sysctl_path,
        inputs.sysctl_now.as_deref(),
        format!("# Written by celtool fix conntrack; celtool undo restores the previous state.\n{key} = {target}\n"),
    ));
    plan
}

/// A `WriteFile` change, or nothing when the file already says exactly that.
fn write_file(path: &Path, now: Option<&str>, after: String) -> Option<Change> {
    (now != Some(after.as_str())).then(|| Change::WriteFile {
        path: path.display().to_string(),
        before: now.map(str::to_string),
        after,
    })
}

#[derive(Debug, Clone)]
pub struct ReapOptions {
    /// Terminate a matching parent that still does not reap its zombies after `grace`.
    pub kill_parents: bool,
    pub grace: Duration,
    /// Of the Celery processes, touch only those whose title matches this.
    pub matcher: Option<regex::Regex>,
    pub proc_root: PathBuf,
}

/// Whether a process may be signalled.
enum Verdict {
    Act,
    /// Not itself a Celery process (why).
    NotCelery(String),
    /// A Celery process that --match leaves out.
    NotMatched,
}

impl Verdict {
    /// `left alone: ...` for a note, or None when the process may be signalled.
    fn left_alone(&self) -> Option<String> {
        match self {
            Verdict::Act => None,
            Verdict::NotCelery(why) => Some(format!("left alone: not a Celery process ({why})")),
            Verdict::NotMatched => Some("left alone: not matched by --match".into()),
        }
    }
}

/// Only a process that is itself Celery (its own command line or setproctitle title, and a
/// Python program) may be signalled; --match narrows those down, it never adds others.
fn verdict(
    p: &Process,
    celery: &BTreeMap<i32, crate::host::celery::Celery>,
    opts: &ReapOptions,
) -> Verdict {
    if !celery.contains_key(&p.pid) {
        return Verdict::NotCelery("its command line does not run Celery".into());
    }
    if let Err(why) = crate::host::celery::runs_python(&opts.proc_root, p.pid) {
        return Verdict::NotCelery(why);
    }
    match &opts.matcher {
        Some(re) if !re.is_match(&p.title) => Verdict::NotMatched,
        _ => Verdict::Act,
    }
}

/// Plan reaping zombies (through their parents) and ending orphaned Celery pool processes.
/// Everything else that would have qualified is listed in the notes and left alone.
pub fn plan_reap(procs: &[Process], opts: &ReapOptions) -> Plan {
    let mut plan = Plan {
        fix: "workers-reap",
        ..Plan::default()
    };
    // Signals go to real pids: a process table read from anywhere else (a fixture tree) names
    // processes that are not the ones those pids belong to.
    if opts.proc_root != Path::new("/proc") {
        plan.notes.push(format!(
            "refused: the process table was read from {}, not /proc; signals would reach other processes",
            opts.proc_root.display()
        ));
        plan.refused = true;
        return plan;
    }
    let table = Table {
        procs,
        celery: recognise_all(procs),
        by_pid: procs.iter().map(|p| (p.pid, p)).collect(),
        opts,
    };
    table.zombies(&mut plan);
    table.orphans(&mut plan);
    table.matching_wrappers(&mut plan);
    plan
}

/// The process table a reap is planned from, with what was recognised as Celery.
struct Table<'a> {
    procs: &'a [Process],
    celery: BTreeMap<i32, crate::host::celery::Celery>,
    by_pid: BTreeMap<i32, &'a Process>,
    opts: &'a ReapOptions,
}

impl Table<'_> {
    fn shown(p: &Process) -> String {
        crate::text::sanitize(&p.title)
    }

    fn proc_root(&self) -> String {
        self.opts.proc_root.display().to_string()
    }

    fn grace_ms(&self) -> u64 {
        self.opts.grace.as_millis() as u64
    }

    /// Zombies are reaped through their parent, when the parent may be signalled.
    fn zombies(&self, plan: &mut Plan) {
        let mut zombies: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for p in self.procs.iter().filter(|p| p.state == 'Z') {
            zombies.entry(p.ppid).or_default().push(p.pid);
        }
        for (ppid, kids) in zombies {
            let Some(parent) = self.by_pid.get(&ppid) else {
                continue;
            };
            if ppid == 1 {
                plan.notes.push(format!(
                    "{} zombie(s) under pid 1: init must reap them (in a container, run the worker under an init: docker run --init)",
                    kids.len()
                ));
            } else if let Some(why) = verdict(parent, &self.celery, self.opts).left_alone() {
                plan.notes.push(format!(
                    "{} zombie(s) under pid {ppid} ({}) {why}",
                    kids.len(),
                    Self::shown(parent)
                ));
            } else {
                plan.changes.push(Change::ReapZombies {
                    proc_root: self.proc_root(),
                    parent: ppid,
                    parent_start: parent.start_ticks,
                    title: parent.title.clone(),
                    zombies: kids,
                    kill_parent: self.opts.kill_parents,
                    grace_ms: self.grace_ms(),
                });
            }
        }
    }

    /// Pool children whose worker main process is gone are ended.
    fn orphans(&self, plan: &mut Plan) {
        for tree in worker_trees(self.procs)
            .into_iter()
            .filter(|t| t.main.is_none())
        {
            for pid in tree.children {
                let Some(p) = self.by_pid.get(&pid).filter(|p| p.state != 'Z') else {
                    continue;
                };
                if let Some(why) = verdict(p, &self.celery, self.opts).left_alone() {
                    plan.notes
                        .push(format!("orphan pid {pid} ({}) {why}", Self::shown(p)));
                    continue;
                }
                plan.changes.push(Change::Terminate {
                    proc_root: self.proc_root(),
                    pid,
                    start: p.start_ticks,
                    title: p.title.clone(),
                    grace_ms: self.grace_ms(),
                });
            }
        }
    }

    /// Processes adopted by init whose command line matches --match but that are not Celery
    /// themselves (a `timeout ... celery worker` wrapper): say why they are left alone.
    fn matching_wrappers(&self, plan: &mut Plan) {
        let Some(re) = &self.opts.matcher else {
            return;
        };
        for p in self
            .procs
            .iter()
            .filter(|p| p.state != 'Z' && p.ppid == 1 && re.is_match(&p.title))
            .filter(|p| !self.celery.contains_key(&p.pid))
        {
            plan.notes.push(format!(
                "pid {} ({}) matches --match but is left alone: not a Celery process (its command line does not run Celery)",
                p.pid,
                Self::shown(p)
            ));
        }
    }
}

/// Plan ending the main process of each worker on this host whose node is in `hung` (its
/// mailbox has a consumer, it answers no ping): SIGTERM, then SIGKILL after the grace period, so
/// that its supervisor starts a fresh one. Node names are matched as the worker expands them
/// (`w1@%h` is `w1@HOSTNAME`). The same rules as for orphans decide what may be signalled.
pub fn plan_hung(
    procs: &[Process],
    hostname: &str,
    hung: &[String],
    opts: &ReapOptions,
    plan: &mut Plan,
) {
    if opts.proc_root != Path::new("/proc") {
        return; // plan_reap has said why already
    }
    let celery = recognise_all(procs);
    let by_pid: BTreeMap<i32, &Process> = procs.iter().map(|p| (p.pid, p)).collect();
    let mut here = Vec::new();
    for tree in worker_trees(procs) {
        let Some(main) = tree.main.and_then(|pid| by_pid.get(&pid)) else {
            continue;
        };
        let node = crate::host::celery::expand_node_name(tree.node.as_deref(), hostname);
        if !hung.contains(&node) {
            continue;
        }
        here.push(node.clone());
        if let Some(why) = verdict(main, &celery, opts).left_alone() {
            plan.notes.push(format!(
                "hung worker {node}, pid {} ({}) {why}",
                main.pid,
                crate::text::sanitize(&main.title)
            ));
            continue;
        }
        plan.notes.push(format!(
            "worker {node} (pid {}) answers no ping while its mailbox has a consumer: hung",
            main.pid
        ));
        plan.changes.push(Change::Terminate {
            proc_root: opts.proc_root.display().to_string(),
            pid: main.pid,
            start: main.start_ticks,
            title: main.title.clone(),
            grace_ms: opts.grace.as_millis() as u64,
        });
    }
    for node in hung.iter().filter(|n| !here.contains(n)) {
        plan.notes.push(format!(
            "hung worker {node} does not run on this host ({hostname}): run this on its host"
        ));
    }
}

/// The start time of `pid`, or None when it is gone. A pid whose start time changed is another
/// process that reused the number, and must not be signalled.
fn start_of(proc_root: &str, pid: i32) -> Option<(u64, char)> {
    let text =
        std::fs::read_to_string(Path::new(proc_root).join(pid.to_string()).join("stat")).ok()?;
    let s = crate::host::procs::parse_stat(&text)?;
    Some((s.start_ticks, s.state))
}

fn same_process(proc_root: &str, pid: i32, start: u64) -> bool {
    start_of(proc_root, pid).is_some_and(|(s, state)| s == start && state != 'Z')
}

fn signal(pid: i32, sig: nix::sys::signal::Signal) -> Result<(), String> {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig)
        .map_err(|e| format!("cannot send {sig} to pid {pid}: {e}"))
}

/// Wait up to `grace` for `done` to hold, polling.
fn wait_until(grace: Duration, mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if done() {
            return true;
        }
        if started.elapsed() >= grace {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM, then SIGKILL after the grace period, to the process that the plan saw.
pub fn terminate(proc_root: &str, pid: i32, start: u64, grace: Duration) -> Result<(), String> {
    use nix::sys::signal::Signal;
    if !same_process(proc_root, pid, start) {
        return Ok(()); // gone already, or the pid now belongs to another process
    }
    signal(pid, Signal::SIGTERM)?;
    if wait_until(grace, || !same_process(proc_root, pid, start)) {
        return Ok(());
    }
    signal(pid, Signal::SIGKILL)?;
    if wait_until(Duration::from_secs(5), || {
        !same_process(proc_root, pid, start)
    }) {
        Ok(())
    } else {
        Err(format!(
            "pid {pid} is still there after SIGKILL (stuck in the kernel?)"
        ))
    }
}

/// SIGCHLD to the parent; if its zombies stay past the grace period and `kill_parent`, end it
/// so that init adopts and reaps them.
pub fn reap(
    proc_root: &str,
    parent: i32,
    parent_start: u64,
    zombies: &[i32],
    kill_parent: bool,
    grace: Duration,
) -> Result<(), String> {
    use nix::sys::signal::Signal;
    let reaped = || {
        zombies
            .iter()
            .all(|z| start_of(proc_root, *z).is_none_or(|(_, state)| state != 'Z'))
    };
    if !same_process(proc_root, parent, parent_start) {
        return Ok(());
    }
    signal(parent, Signal::SIGCHLD)?;
    if wait_until(grace, reaped) {
        return Ok(());
    }
    if !kill_parent {
        return Err(format!(
            "pid {parent} did not reap its zombies after SIGCHLD; run again with --kill-parents to end it so init reaps them"
        ));
    }
    terminate(proc_root, parent, parent_start, grace)?;
    if wait_until(Duration::from_secs(10), reaped) {
        Ok(())
    } else {
        Err(format!(
            "the zombies of pid {parent} are still there after it ended: their new parent does not reap"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ct(count: u64, max: u64) -> Conntrack {
        Conntrack {
            count,
            max,
            buckets: Some(max),
            hashsize: Some(max / 4),
            stats: Default::default(),
            legacy: false,
        }
    }

    #[test]
    fn target_doubles_the_fill_within_memory() {
        assert_eq!(target_max(&ct(100, 1000), None), 65_536);
        assert_eq!(target_max(&ct(60_000, 65_536), None), 131_072);
        assert_eq!(target_max(&ct(60_000, 131_072), None), 131_072);
        // 1 GiB of RAM: 5 % holds about 203 000 entries; the power of two below is 131 072.
        assert_eq!(target_max(&ct(200_000, 262_144), Some(1 << 30)), 131_072);
    }

    fn fixture(dir: &Path, count: u64, max: u64) -> ConntrackFixInputs {
        let proc_root = dir.join("proc");
        let sys_root = dir.join("sys");
        std::fs::create_dir_all(proc_root.join("sys/net/netfilter")).unwrap();
        std::fs::create_dir_all(sys_root.join("module/nf_conntrack/parameters")).unwrap();
        std::fs::write(
            proc_root.join("sys/net/netfilter/nf_conntrack_count"),
            format!("{count}\n"),
        )
        .unwrap();
        std::fs::write(
            proc_root.join("sys/net/netfilter/nf_conntrack_max"),
            format!("{max}\n"),
        )
        .unwrap();
        std::fs::write(
            sys_root.join("module/nf_conntrack/parameters/hashsize"),
            format!("{}\n", max / 4),
        )
        .unwrap();
        let roots = crate::host::Roots {
            proc: proc_root,
            sys: sys_root,
        };
        crate::host::conntrack::read_fix_inputs(&roots, &dir.join("etc"), false)
    }

    #[test]
    fn conntrack_plan_writes_now_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = fixture(dir.path(), 60_000, 65_536);
        let reading = Reading::Present(ct(60_000, 65_536));
        let plan = plan_conntrack(&reading, &inputs, None);
        let kinds: Vec<String> = plan.changes.iter().map(|c| c.describe()).collect();
        assert_eq!(kinds.len(), 4, "{kinds:#?}");
        assert!(
            kinds[0].ends_with("nf_conntrack_max: 65536 -> 131072"),
            "{kinds:#?}"
        );
        assert!(
            kinds[1].ends_with("hashsize: 16384 -> 131072"),
            "{kinds:#?}"
        );
        assert!(
            kinds[2].contains("modprobe.d/90-celtool-conntrack.conf"),
            "{kinds:#?}"
        );
        assert!(
            kinds[3].contains("sysctl.d/90-celtool-conntrack.conf"),
            "{kinds:#?}"
        );
    }

    fn fixture_read(dir: &Path) -> ConntrackFixInputs {
        let roots = crate::host::Roots {
            proc: dir.join("proc"),
            sys: dir.join("sys"),
        };
        crate::host::conntrack::read_fix_inputs(&roots, &dir.join("etc"), false)
    }

    #[test]
    fn read_only_tables_are_refused_with_the_host_command() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let max = dir.path().join("proc/sys/net/netfilter/nf_conntrack_max");
        fixture(dir.path(), 60_000, 65_536);
        std::fs::set_permissions(&max, std::fs::Permissions::from_mode(0o444)).unwrap();
        let inputs = fixture_read(dir.path());
        let plan = plan_conntrack(&Reading::Present(ct(60_000, 65_536)), &inputs, None);
        assert!(plan.changes.is_empty());
        assert!(
            plan.notes.iter().any(|n| n.contains("read-only here")
                && n.contains("sysctl -w net.netfilter.nf_conntrack_max=131072")),
            "{:?}",
            plan.notes
        );
    }
}
