//! Host checks: pure functions from a [`HostSnapshot`] to findings. No I/O here: the
//! directories behind an inode finding were counted by the gather step (see
//! [`inode_hot_spot_targets`]).

use std::collections::{BTreeMap, BTreeSet};

use super::{level, ratio, shell_word};
use crate::catalog;
use crate::host::celery::{Role, recognise_all, worker_trees};
use crate::host::{
    Conntrack, FileNr, Filesystem, HostSnapshot, HotSpot, Process, Reading, Sockstat, Zombies,
};
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::{fmt_bytes, fmt_count, fmt_duration_secs, fmt_pct};

/// TIME_WAIT sockets that warn, as a share of nf_conntrack_max, when conntrack is in use.
pub const TIME_WAIT_SHARE_OF_CONNTRACK: f64 = 0.5;

/// Run every host check on a snapshot.
pub fn host_checks(snap: &HostSnapshot, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    unreadable(snap, &mut out);
    if let Reading::Present(c) = &snap.conntrack {
        conntrack_usage(c, t, &mut out);
        conntrack_drops(c, &mut out);
        conntrack_hashsize(c, t, &mut out);
    }
    if let Reading::Present(fs) = &snap.filesystems {
        inodes(fs, &snap.inode_hot_spots, t, &mut out);
    }
    if let Reading::Present(procs) = &snap.processes {
        workers(procs, snap.zombies.present(), &snap.hostname, t, &mut out);
    }
    if let Reading::Present(f) = &snap.file_nr {
        file_handles(f, t, &mut out);
    }
    if let Reading::Present(s) = &snap.sockstat {
        time_wait(s, snap.conntrack.present(), t, &mut out);
    }
    out.extend(super::nic::check(&snap.nic, t));
    for f in &mut out {
        f.host = Some(snap.hostname.clone());
    }
    out
}

fn unreadable(snap: &HostSnapshot, out: &mut Vec<Finding>) {
    let parts: [(&str, Option<&String>); 5] = [
        ("conntrack", unreadable_of(&snap.conntrack)),
        ("filesystems", unreadable_of(&snap.filesystems)),
        ("processes", unreadable_of(&snap.processes)),
        ("file-nr", unreadable_of(&snap.file_nr)),
        ("sockstat", unreadable_of(&snap.sockstat)),
    ];
    for (what, error) in parts {
        let Some(error) = error else { continue };
        out.push(
            Finding::new("host.unreadable", Severity::Unknown, what)
                .summary(format!("could not read {what}: {error}"))
                .remedy("run celtool as a user that can read /proc and /sys (root inside containers with a restricted /proc); see `celtool explain host.unreadable`"),
        );
    }
}

fn unreadable_of<T>(r: &Reading<T>) -> Option<&String> {
    match r {
        Reading::Unreadable(e) => Some(e),
        _ => None,
    }
}

/// The table size to suggest: twice what is used, rounded up to a power of two, at least 65536.
/// It follows the load, not the current limit, so raising the limit to it is done once.
pub fn suggested_conntrack_max(c: &Conntrack) -> u64 {
    c.count
        .saturating_mul(2)
        .max(65536)
        .checked_next_power_of_two()
        .unwrap_or(u64::MAX)
}

fn conntrack_usage(c: &Conntrack, t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "host.conntrack.usage";
    let Some(used) = ratio(Some(c.count as f64), Some(c.max as f64)) else {
        return;
    };
    let severity = level(&t.get(id), used);
    let mut f = Finding::new(id, severity, "conntrack")
        .summary(format!(
            "conntrack table {} full ({} of {} entries){}",
            fmt_pct(used),
            c.count,
            c.max,
            if severity == Severity::Ok {
                ""
            } else {
                ": when it is full the kernel drops new connections (to the broker too)"
            }
        ))
        .evidence("conntrack_count", c.count as f64)
        .evidence("conntrack_max", c.max as f64)
        .evidence("used_ratio", used);
    if severity != Severity::Ok {
        let n = suggested_conntrack_max(c);
        let key = if c.legacy {
            "net.ipv4.netfilter.ip_conntrack_max"
        } else {
            "net.netfilter.nf_conntrack_max"
        };
        f = f.remedy(format!(
            "raise the limit now and persist it: celtool fix conntrack (or by hand: sysctl -w {key}={n}; echo '{key} = {n}' > /etc/sysctl.d/90-celtool-conntrack.conf; about 256 bytes of kernel memory per entry plus 8 per hash bucket); cut connection churn: keep broker connections open (broker_pool_limit, heartbeats) instead of reconnecting, so fewer sockets sit in TIME_WAIT"
        ));
    }
    out.push(f);
}

fn conntrack_drops(c: &Conntrack, out: &mut Vec<Finding>) {
    let (drop, early, failed) = (
        c.stat("drop"),
        c.stat("early_drop"),
        c.stat("insert_failed"),
    );
    if drop + early + failed == 0 {
        return;
    }
    out.push(
        Finding::new("host.conntrack.drops", Severity::Crit, "conntrack")
            .summary(format!(
                "conntrack dropped packets: drop {drop}, early_drop {early}, insert_failed {failed} (counted since the module was loaded; the kernel logs 'nf_conntrack: table full, dropping packet')"
            ))
            .evidence("drop", drop as f64)
            .evidence("early_drop", early as f64)
            .evidence("insert_failed", failed as f64)
            .evidence("conntrack_count", c.count as f64)
            .evidence("conntrack_max", c.max as f64)
            .remedy(format!(
                "check dmesg for 'table full'; raise nf_conntrack_max (to {} for instance: celtool fix conntrack); insert_failed alone points at clashes of parallel UDP lookups (DNS) rather than a full table",
                suggested_conntrack_max(c)
            )),
    );
}

fn conntrack_hashsize(c: &Conntrack, t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "host.conntrack.hashsize";
    let buckets = c.hashsize.or(c.buckets);
    let Some(chain) = ratio(Some(c.max as f64), buckets.map(|b| b as f64)) else {
        return;
    };
    // Strictly above: 8 entries per bucket is the old kernels' own default ratio.
    let limits = t.get(id);
    let severity = if limits.crit.is_some_and(|c| chain > c) {
        Severity::Crit
    } else if limits.warn.is_some_and(|w| chain > w) {
        Severity::Warn
    } else {
        return;
    };
    let n = c.max.next_power_of_two().max(1024);
    out.push(
        Finding::new(id, severity, "conntrack")
            .summary(format!(
                "conntrack allows {} entries in {} hash buckets: chains of {chain:.1} entries on average when full, every packet pays for the lookup",
                c.max,
                buckets.unwrap_or(0)
            ))
            .evidence("conntrack_max", c.max as f64)
            .evidence("hashsize", buckets.unwrap_or(0) as f64)
            .evidence("entries_per_bucket", chain)
            .remedy(format!(
                "set the hash size near the limit: echo {n} > /sys/module/nf_conntrack/parameters/hashsize and persist it: echo 'options nf_conntrack hashsize={n}' > /etc/modprobe.d/nf_conntrack.conf"
            )),
    );
}

/// The mounts whose inode finding is a warning or worse: the gather step counts the entries
/// under them, so the finding can name the directories to prune.
pub fn inode_hot_spot_targets(fs: &[Filesystem], t: &Thresholds) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    inodes(fs, &[], t, &mut found);
    found
        .into_iter()
        .filter(|f| matches!(f.severity, Severity::Warn | Severity::Crit))
        .map(|f| std::path::PathBuf::from(f.subject))
        .collect()
}

/// The remedy of an inode finding: the directories holding the most entries and the exact
/// prune-tmp command for the largest, when the gather step counted them.
fn inode_remedy(mount: &str, hot: Option<&HotSpot>) -> String {
    let tail = "if tasks leave temp files behind, clean up in the task (tempfile.TemporaryDirectory) or a periodic task";
    let top = hot
        .and_then(|h| h.top.as_ref().ok())
        .filter(|t| !t.dirs.is_empty());
    let Some(top) = top else {
        return format!(
            "find the directories holding the files: celtool inodes --top {}; delete old temp files: celtool prune-tmp DIR --older-than 2d; {tail}",
            shell_word(mount)
        );
    };
    let list: Vec<String> = top
        .dirs
        .iter()
        .map(|d| format!("{} ({} inodes)", d.path.display(), d.inodes))
        .collect();
    format!(
        "the directories holding the most entries: {}; delete their old files: celtool prune-tmp {} --older-than 2d --rmdir (see what would go with --dry-run -v first); {tail}",
        list.join(", "),
        shell_word(&top.dirs[0].path.display().to_string()),
    )
}

fn inodes(fs: &[Filesystem], hot: &[HotSpot], t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "host.inodes.usage";
    let limits = t.get(id);
    // Bind mounts show one filesystem several times: report each device once, at its own root.
    let mut order: Vec<&Filesystem> = fs.iter().collect();
    order.sort_by_key(|f| (f.root != "/", f.mount_point.as_os_str().len()));
    let mut seen = BTreeSet::new();
    for f in order {
        if !seen.insert(f.device.as_str()) {
            continue;
        }
        let mount = f.mount_point.display().to_string();
        let u = match &f.usage {
            Ok(u) => u,
            Err(e) => {
                out.push(
                    Finding::new(id, Severity::Unknown, mount.clone())
                        .summary(format!("{mount} ({}): {e}", f.fs_type))
                        .remedy(format!(
                            "check the mount: is its server reachable? (stat {}; umount -l as a last resort)",
                            shell_word(&mount)
                        )),
                );
                continue;
            }
        };
        if u.inodes_total == 0 {
            continue;
        }
        let free = (u.inodes_free as f64 / u.inodes_total as f64).clamp(0.0, 1.0);
        let severity = level(&limits, free);
        let mut finding = Finding::new(id, severity, mount.clone())
            .summary(format!(
                "{mount} ({}) has {} of {} inodes free ({}){}",
                f.fs_type,
                fmt_count(u.inodes_free as f64),
                fmt_count(u.inodes_total as f64),
                fmt_pct(free),
                if severity == Severity::Ok {
                    ""
                } else {
                    ": when none are left no file can be created, with free bytes to spare"
                }
            ))
            .evidence("inodes_total", u.inodes_total as f64)
            .evidence("inodes_free", u.inodes_free as f64)
            .evidence("used_ratio", 1.0 - free);
        if severity != Severity::Ok {
            let spot = hot.iter().find(|h| h.mount == f.mount_point);
            finding = finding.remedy(inode_remedy(&mount, spot));
        }
        out.push(finding);
    }
}

/// `pid N (title)`, the title on one line: a command line's arguments may hold newlines, and
/// a subject is one line that other findings and scripts join on.
fn label(p: &Process) -> String {
    let one_line = p.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let title: String = crate::text::sanitize(&one_line).chars().take(80).collect();
    format!("pid {} ({title})", p.pid)
}

/// A worker's node name as the worker and the broker know it (`w1@%h` expanded with this
/// host's name, `celery@HOST` for a worker started without -n), so host findings join broker
/// and remote-control ones. Other Celery programs (beat, events) without -n have no node.
fn node_name(role: Role, raw: Option<&str>, hostname: &str) -> Option<String> {
    match (role, raw) {
        (Role::Other, None) => None,
        _ => Some(crate::host::celery::expand_node_name(raw, hostname)),
    }
}

/// The worker checks on the process table; zombies only from their second reading (none when
/// it was not gathered).
fn workers(
    procs: &[Process],
    zombies: Option<&Zombies>,
    hostname: &str,
    t: &Thresholds,
    out: &mut Vec<Finding>,
) {
    let mut celery = recognise_all(procs);
    for c in celery.values_mut() {
        c.node = node_name(c.role, c.node.as_deref(), hostname);
    }
    let by_pid: BTreeMap<i32, &Process> = procs.iter().map(|p| (p.pid, p)).collect();
    if let Some(z) = zombies {
        self::zombies(z, &by_pid, &celery, t, out);
    }
    orphans(procs, &by_pid, hostname, out);
    let rss_id = "host.workers.rss";
    let rss_limits = t.get(rss_id);
    for (pid, c) in &celery {
        let Some(p) = by_pid.get(pid) else { continue };
        let node = c.node.as_deref().unwrap_or("unnamed worker");
        let severity = level(&rss_limits, p.rss_bytes as f64);
        if severity != Severity::Ok && p.state != 'Z' {
            out.push(
                Finding::new(rss_id, severity, label(p))
                    .summary(format!(
                        "Celery process {} of {node} uses {} of memory",
                        p.pid,
                        fmt_bytes(p.rss_bytes as f64)
                    ))
                    .evidence("rss_bytes", p.rss_bytes as f64)
                    .remedy("recycle pool children before they grow: worker_max_tasks_per_child (old name CELERYD_MAX_TASKS_PER_CHILD, e.g. 100) and worker_max_memory_per_child (in KiB, e.g. 524288 for 512 MiB); find the task that leaks or loads too much"),
            );
        }
        if p.state == 'T' {
            out.push(stopped(p, c.role, node));
        }
        if p.state == 'D' {
            out.push(
                Finding::new("host.workers.stuck", Severity::Warn, label(p))
                    .summary(format!(
                        "Celery process {} of {node} is in uninterruptible sleep (D): blocked in the kernel, usually on disk or a network filesystem; one sample cannot tell whether for a millisecond or for hours",
                        p.pid
                    ))
                    .remedy(format!(
                        "look again in a few seconds (ps -o pid,stat,wchan:32,cmd -p {0}); if it stays in D, see where it waits: cat /proc/{0}/stack (root) and check the storage or NFS server it uses; a process in D cannot be killed until the I/O returns",
                        p.pid
                    )),
            );
        }
    }
}

/// A Celery process stopped by a signal (state T: SIGSTOP, SIGTSTP): it stays stopped until
/// SIGCONT. A stopped main runs nothing and answers no ping while its broker connection stays
/// "running" and holds the messages it prefetched: critical. A stopped pool process holds its
/// task: a warning (the main's time limit, if any, kills it).
fn stopped(p: &Process, role: Role, node: &str) -> Finding {
    let (severity, kind, consequence) = match role {
        Role::Main => (
            Severity::Crit,
            "main process",
            "it runs no task and answers no ping, while its broker connection stays open and keeps the messages it prefetched",
        ),
        Role::Pool => (
            Severity::Warn,
            "pool process",
            "its task stops where it is and the worker waits for it",
        ),
        Role::Other => (Severity::Warn, "process", "it does nothing until continued"),
    };
    Finding::new("host.workers.stopped", severity, label(p))
        .summary(format!(
            "Celery {kind} {} of {node} is stopped (state T, by SIGSTOP or SIGTSTP): {consequence}",
            p.pid
        ))
        .remedy(format!(
            "continue it: kill -CONT {0}; if something stops it on purpose (a debugger, a frozen cgroup, a terminal's Ctrl-Z), finish that first; to restart a worker that must not continue: kill -TERM {0}; kill -CONT {0}",
            p.pid
        ))
}

/// Zombies that persisted across the settle interval, per parent. Younger ones, and ones gone
/// by the second reading, were being reaped: reporting them made the check flap.
fn zombies(
    z: &Zombies,
    by_pid: &BTreeMap<i32, &Process>,
    celery: &BTreeMap<i32, crate::host::celery::Celery>,
    t: &Thresholds,
    out: &mut Vec<Finding>,
) {
    let id = "host.workers.zombie";
    // Per parent: how many, and the youngest known age (None when the uptime was unknown).
    let mut by_parent: BTreeMap<i32, (u64, Option<f64>)> = BTreeMap::new();
    for p in &z.persisting {
        let e = by_parent.entry(p.ppid).or_insert((0, p.age_secs));
        e.0 += 1;
        e.1 = match (e.1, p.age_secs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
    }
    for (ppid, (count, youngest)) in by_parent {
        let severity = level(&t.get(id), count as f64);
        if severity == Severity::Ok {
            continue;
        }
        let parent = by_pid.get(&ppid);
        let subject = parent
            .map(|p| label(p))
            .unwrap_or_else(|| format!("pid {ppid}"));
        let what = match celery.get(&ppid) {
            Some(c) => {
                let role = match c.role {
                    Role::Main => "main process",
                    Role::Pool => "pool process",
                    Role::Other => "process",
                };
                let node = c.node.as_deref().unwrap_or("an unnamed worker");
                format!("the Celery {role} of {node}")
            }
            None => "not a Celery worker".to_string(),
        };
        let age = match youngest {
            // Whole seconds down: "at least" stays true.
            Some(a) => format!("each started at least {} ago", fmt_duration_secs(a.floor())),
            None => "their age unknown (no uptime)".to_string(),
        };
        let remedy = if ppid == 1 {
            "zombies that stay under pid 1 mean init does not reap: in a container run the worker under an init (docker run --init, tini, dumb-init)".to_string()
        } else {
            format!(
                "only the parent can reap them: celtool workers reap for a Celery parent (SIGCHLD to pid {ppid}; add --kill-parents to end one that still does not reap; it never signals other programs), or by hand kill -CHLD {ppid}; if they stay, restart the parent (for a Celery main: a warm shutdown with kill -TERM {ppid}) and init reaps them"
            )
        };
        // The ages and the interval stay out of the evidence: a finding's largest evidence
        // value ranks it (`Report::cap_per_id`), and for zombies that is their count.
        out.push(
            Finding::new(id, severity, subject)
                .summary(format!(
                    "{count} zombie process(es) not reaped by their parent, pid {ppid} ({what}): still zombies when read again {:.1}s later, {age}",
                    z.settle_secs
                ))
                .evidence("zombies", count as f64)
                .remedy(remedy),
        );
    }
}

fn orphans(
    procs: &[Process],
    by_pid: &BTreeMap<i32, &Process>,
    hostname: &str,
    out: &mut Vec<Finding>,
) {
    for mut tree in worker_trees(procs).into_iter().filter(|t| t.main.is_none()) {
        tree.node = node_name(Role::Pool, tree.node.as_deref(), hostname);
        let pids: Vec<String> = tree.children.iter().map(i32::to_string).collect();
        let node = tree.node.as_deref().unwrap_or("an unnamed worker");
        let adopter = tree.orphans_of.unwrap_or(1);
        let adopter_name = by_pid
            .get(&adopter)
            .map(|p| label(p))
            .unwrap_or_else(|| format!("pid {adopter}"));
        let subject = match &tree.node {
            Some(n) => format!("{n} (pid {})", pids.join(", ")),
            None => format!("pid {}", pids.join(", ")),
        };
        out.push(
            Finding::new("host.workers.orphan", Severity::Warn, subject)
                .summary(format!(
                    "{} pool process(es) of {node} outlived their main process and were adopted by {adopter_name}: they hold memory and may still run tasks with old code",
                    pids.len()
                ))
                .evidence("orphans", pids.len() as f64)
                .remedy(format!(
                    "stop them: celtool workers reap (SIGTERM, then SIGKILL after a grace period), or by hand kill -TERM {0} (kill -KILL {0} if they stay); stop workers with TERM on the main process and let it wait for its children; Celery >= 5.2 kills pool children when the main dies",
                    pids.join(" ")
                )),
        );
    }
}

fn file_handles(f: &FileNr, t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "host.fd";
    let used = f.allocated.saturating_sub(f.unused);
    let Some(share) = ratio(Some(used as f64), Some(f.max as f64)) else {
        return;
    };
    let severity = level(&t.get(id), share);
    let mut finding = Finding::new(id, severity, "file-nr")
        .summary(format!(
            "{} file handles in use of a system-wide {} ({})",
            used,
            f.max,
            fmt_pct(share)
        ))
        .evidence("allocated", used as f64)
        .evidence("max", f.max as f64)
        .evidence("used_ratio", share);
    if severity != Severity::Ok {
        finding = finding.remedy("find who holds them (ls /proc/*/fd | wc -l per process, or lsof | awk '{print $2}' | sort | uniq -c | sort -n); raise fs.file-max: sysctl -w fs.file-max=N and persist it in /etc/sysctl.d/");
    }
    out.push(finding);
}

fn time_wait(s: &Sockstat, conntrack: Option<&Conntrack>, t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "host.tcp.time_wait";
    let configured = t.get(id);
    let default = catalog::entry(id).and_then(|e| e.limits);
    let mut limits = configured;
    let mut basis = "the default threshold (no conntrack)".to_string();
    if let Some(c) = conntrack.filter(|c| c.max > 0)
        && Some(configured) == default
    {
        limits.warn = Some(c.max as f64 * TIME_WAIT_SHARE_OF_CONNTRACK);
        basis = format!("half of nf_conntrack_max ({})", c.max);
    } else if Some(configured) != default {
        basis = "the configured threshold".to_string();
    }
    let severity = level(&limits, s.tw as f64);
    let mut f = Finding::new(id, severity, "tcp")
        .summary(format!(
            "{} TCP sockets in TIME_WAIT{}",
            s.tw,
            if severity == Severity::Ok {
                String::new()
            } else {
                format!(
                    ", at or above {basis}: short-lived connections churn, each holding a port and a conntrack entry for a minute or two"
                )
            }
        ))
        .evidence("time_wait", s.tw as f64)
        .evidence("tcp_inuse", s.inuse as f64);
    if let Some(w) = limits.warn {
        f = f.evidence("warn_at", w);
    }
    if severity != Severity::Ok {
        f = f.remedy("reuse connections instead of opening one per task: keep broker_pool_limit (old name BROKER_POOL_LIMIT) above 0, reuse HTTP sessions and database connections in tasks (keep-alive, pooling); allow reuse of TIME_WAIT ports for outgoing connections: sysctl -w net.ipv4.tcp_tw_reuse=1 (never tcp_tw_recycle, removed in Linux 4.12)");
    }
    out.push(f);
}

#[cfg(test)]
#[path = "host_tests.rs"]
mod tests;
