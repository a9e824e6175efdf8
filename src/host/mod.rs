//! The host half's readers: what celtool reads from /proc, /sys and /etc about one machine
//! (conntrack, mounts, processes, file handles, sockets, the inode hot spots of a filesystem,
//! the files a host fix would replace) as plain data. The checks on it are in
//! the host checks under checks/; this module only reads.
//!
//! Everything is read under [`Roots`], so tests point it at fixture trees. Reading is I/O and
//! never fails as a whole: each part is a [`Reading`] that says whether it was there, absent (a
//! module not loaded: not an error) or unreadable (an error the checks report as UNKNOWN).

pub mod celery;
pub mod conntrack;
pub mod inodes;
pub mod mounts;
pub mod nic;
pub mod procs;
pub mod sockets;

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

pub use celery::{Role, WorkerTree, recognise, worker_trees};
pub use conntrack::{Conntrack, ConntrackFixInputs};
pub use inodes::{DirCount, TopDirs, top_dirs};
pub use mounts::{Filesystem, Mount, Usage, parse_mountinfo};
pub use procs::{Process, Zombie, ZombieCandidates, Zombies};

pub use crate::settings::Roots;

/// One part of the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "state", content = "value")]
pub enum Reading<T> {
    Present(T),
    /// Not there, and that is not an error: why (e.g. "nf_conntrack module not loaded").
    Absent(String),
    /// There but could not be read: "path: error".
    Unreadable(String),
}

impl<T> Reading<T> {
    pub fn present(&self) -> Option<&T> {
        match self {
            Reading::Present(v) => Some(v),
            _ => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reading<U> {
        match self {
            Reading::Present(v) => Reading::Present(f(v)),
            Reading::Absent(why) => Reading::Absent(why),
            Reading::Unreadable(e) => Reading::Unreadable(e),
        }
    }

    pub fn and_then<U>(self, f: impl FnOnce(T) -> Reading<U>) -> Reading<U> {
        match self {
            Reading::Present(v) => f(v),
            Reading::Absent(why) => Reading::Absent(why),
            Reading::Unreadable(e) => Reading::Unreadable(e),
        }
    }
}

/// Which parts to gather; file-nr, sockstat and uptime are one read each and always gathered.
#[derive(Debug, Clone)]
pub struct GatherOptions {
    pub conntrack: bool,
    pub filesystems: bool,
    pub processes: bool,
    /// How long one mount's statvfs may take before it is given up (a dead NFS server hangs it).
    pub statvfs_timeout: Duration,
    /// Read what `fix conntrack` would change (MemTotal, the files under this /etc), so that
    /// its planner reads the snapshot instead of the disk.
    pub fix_inputs: Option<PathBuf>,
    /// Sample each network interface's throughput over this interval (two reads of
    /// /proc/net/dev), against its link speed in /sys/class/net.
    pub nic: Option<Duration>,
    /// Read the zombies old enough to judge a second time (with the processes only).
    pub zombies: Option<ZombieWatch>,
}

/// How the zombies a check judges are read: only those whose process is at least `min_age`
/// old, and only if still there `settle` later. A parent reaps its children within a second
/// or two, so one reading of a healthy host can show zombies that are gone the next moment;
/// judging them made `doctor --only host` flap in cron.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZombieWatch {
    pub min_age: Duration,
    pub settle: Duration,
    /// The second reading happens by then even if `settle` has not passed (the run's deadline).
    pub not_after: Option<Instant>,
}

impl ZombieWatch {
    /// The timings of `host.workers.zombie` in force, ending by `deadline` from now.
    pub fn new(t: &crate::settings::Thresholds, deadline: Option<Duration>) -> Self {
        let id = "host.workers.zombie";
        ZombieWatch {
            min_age: t.timing(id, "min_age"),
            settle: t.timing(id, "settle"),
            not_after: deadline.and_then(|d| Instant::now().checked_add(d)),
        }
    }
}

impl GatherOptions {
    /// Only the parts named; file-nr, sockstat and uptime as always.
    pub fn only(conntrack: bool, filesystems: bool, processes: bool) -> Self {
        GatherOptions {
            conntrack,
            filesystems,
            processes,
            ..GatherOptions::default()
        }
    }
}

impl Default for GatherOptions {
    fn default() -> Self {
        GatherOptions {
            conntrack: true,
            filesystems: true,
            processes: true,
            statvfs_timeout: Duration::from_secs(2),
            fix_inputs: None,
            nic: None,
            zombies: None,
        }
    }
}

/// /proc/sys/fs/file-nr. Since Linux 2.6 `unused` is always 0, so `allocated` is the use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileNr {
    pub allocated: u64,
    pub unused: u64,
    pub max: u64,
}

/// The `TCP:` line of /proc/net/sockstat (this network namespace only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sockstat {
    pub inuse: u64,
    pub orphan: u64,
    /// Sockets in TIME_WAIT.
    pub tw: u64,
    pub alloc: u64,
    /// Pages of memory used by TCP buffers.
    pub mem: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostSnapshot {
    pub hostname: String,
    pub conntrack: Reading<Conntrack>,
    pub filesystems: Reading<Vec<Filesystem>>,
    pub processes: Reading<Vec<Process>>,
    pub file_nr: Reading<FileNr>,
    pub sockstat: Reading<Sockstat>,
    /// The zombies read twice, when [`GatherOptions::zombies`] asked for it: what the zombie
    /// check judges, rather than the zombies of `processes`.
    pub zombies: Reading<Zombies>,
    /// Seconds since boot, to turn a process's start_ticks into an age.
    pub uptime_secs: Option<f64>,
    /// The directories holding the most entries on filesystems short of inodes (filled by the
    /// gather step for the mounts the inode check names).
    pub inode_hot_spots: Vec<HotSpot>,
    /// What `fix conntrack` plans from, when [`GatherOptions::fix_inputs`] asked for it.
    pub conntrack_fix: Option<ConntrackFixInputs>,
    /// Interface throughput against link speed, when [`GatherOptions::nic`] asked for it.
    pub nic: Reading<Vec<nic::NicSample>>,
}

/// The largest directories of one filesystem, or why they could not be counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotSpot {
    pub mount: PathBuf,
    pub top: Result<TopDirs, String>,
}

/// How many directories a hot-spot walk names.
pub const HOT_SPOTS: usize = 3;

/// Count the entries under each mount (like `celtool inodes --top`), on its filesystem only.
pub fn hot_spots(mounts: &[PathBuf]) -> Vec<HotSpot> {
    mounts
        .iter()
        .map(|m| HotSpot {
            mount: m.clone(),
            top: top_dirs(m, HOT_SPOTS, None).map_err(|e| e.to_string()),
        })
        .collect()
}

impl HostSnapshot {
    /// A snapshot where nothing was gathered; tests fill in what they need.
    pub fn empty(hostname: &str) -> Self {
        HostSnapshot {
            hostname: hostname.to_string(),
            conntrack: not_gathered(),
            filesystems: not_gathered(),
            processes: not_gathered(),
            zombies: not_gathered(),
            file_nr: not_gathered(),
            sockstat: not_gathered(),
            uptime_secs: None,
            inode_hot_spots: Vec::new(),
            conntrack_fix: None,
            nic: not_gathered(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// What a part left out by [`GatherOptions`] reads as.
fn not_gathered<T>() -> Reading<T> {
    Reading::Absent("not gathered".to_string())
}

/// Read everything the options ask for. Never fails: each part carries its own outcome. The
/// zombies' second reading comes last, so the other reads (and the NIC sample) count towards
/// its settle interval.
pub fn gather(roots: &Roots, opts: &GatherOptions) -> HostSnapshot {
    let conntrack = if opts.conntrack {
        conntrack::read(roots)
    } else {
        not_gathered()
    };
    let conntrack_fix = opts.fix_inputs.as_ref().map(|etc| {
        let legacy = conntrack.present().is_some_and(|c| c.legacy);
        conntrack::read_fix_inputs(roots, etc, legacy)
    });
    let filesystems = if opts.filesystems {
        mounts::read(roots, opts.statvfs_timeout)
    } else {
        not_gathered()
    };
    // Before the processes: an age computed from it is never more than the truth.
    let uptime_secs = std::fs::read_to_string(roots.proc.join("uptime"))
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok());
    let processes = if opts.processes {
        procs::read(&roots.proc)
    } else {
        not_gathered()
    };
    let first_look = Instant::now();
    let candidates = match (opts.zombies, processes.present()) {
        (Some(watch), Some(procs)) => Some((
            watch,
            ZombieCandidates::select(procs, uptime_secs, clock_ticks(), watch.min_age),
        )),
        _ => None,
    };
    let file_nr_path = roots.proc.join("sys/fs/file-nr");
    let file_nr = read_text(&file_nr_path, "no /proc/sys/fs/file-nr")
        .and_then(|t| parse_or_unreadable(&file_nr_path, parse_file_nr(&t)));
    let sockstat_path = roots.proc.join("net/sockstat");
    let sockstat = read_text(&sockstat_path, "no /proc/net/sockstat")
        .and_then(|t| parse_or_unreadable(&sockstat_path, parse_sockstat(&t)));
    let nic = match opts.nic {
        Some(interval) => nic::sample(roots, interval),
        None => not_gathered(),
    };
    let zombies = match candidates {
        Some((watch, c)) => {
            if !c.is_empty() {
                let mut until = first_look + watch.settle;
                if let Some(end) = watch.not_after {
                    until = until.min(end);
                }
                std::thread::sleep(until.saturating_duration_since(Instant::now()));
            }
            // A second look sooner than `settle` (the deadline cut the wait) proves nothing.
            if !c.is_empty() && first_look.elapsed() < watch.settle {
                Reading::Absent(format!(
                    "zombies not judged: the run's deadline came before their second look ({}s after the first)",
                    watch.settle.as_secs_f64()
                ))
            } else {
                Reading::Present(c.recheck(&roots.proc, first_look.elapsed()))
            }
        }
        None => not_gathered(),
    };
    HostSnapshot {
        hostname: hostname(roots),
        conntrack,
        filesystems,
        processes,
        zombies,
        file_nr,
        sockstat,
        uptime_secs,
        inode_hot_spots: Vec::new(),
        conntrack_fix,
        nic,
    }
}

/// The kernel's hostname under the proc root (so fixtures name their host), else gethostname(2).
fn hostname(roots: &Roots) -> String {
    if let Ok(name) = std::fs::read_to_string(roots.proc.join("sys/kernel/hostname")) {
        let name = name.trim();
        if !name.is_empty() {
            return name.to_string();
        }
    }
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or truncates.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        return String::from_utf8_lossy(&buf[..end]).into_owned();
    }
    "localhost".to_string()
}

/// A file's text: Absent(why_absent) when it does not exist, Unreadable("path: error") otherwise.
pub(crate) fn read_text(path: &Path, why_absent: &str) -> Reading<String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Reading::Present(t),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Reading::Absent(why_absent.to_string()),
        Err(e) => Reading::Unreadable(format!("{}: {e}", path.display())),
    }
}

fn parse_or_unreadable<T>(path: &Path, parsed: Option<T>) -> Reading<T> {
    match parsed {
        Some(v) => Reading::Present(v),
        None => Reading::Unreadable(format!("{}: unexpected format", path.display())),
    }
}

/// `allocated unused max`, tab-separated.
pub fn parse_file_nr(text: &str) -> Option<FileNr> {
    let mut it = text.split_whitespace().map(|w| w.parse::<u64>().ok());
    Some(FileNr {
        allocated: it.next()??,
        unused: it.next()??,
        max: it.next()??,
    })
}

/// The `TCP:` line of sockstat: `TCP: inuse 12 orphan 0 tw 6 alloc 15 mem 0`.
pub fn parse_sockstat(text: &str) -> Option<Sockstat> {
    let line = text.lines().find_map(|l| l.strip_prefix("TCP:"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut s = Sockstat::default();
    let mut seen = false;
    for pair in words.chunks(2) {
        let [name, value] = pair else { break };
        let Ok(value) = value.parse::<u64>() else {
            continue;
        };
        seen = true;
        match *name {
            "inuse" => s.inuse = value,
            "orphan" => s.orphan = value,
            "tw" => s.tw = value,
            "alloc" => s.alloc = value,
            "mem" => s.mem = value,
            _ => {}
        }
    }
    seen.then_some(s)
}

/// sysconf values the process parser needs; fall back to Linux's usual values if sysconf fails.
pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if v > 0 { v as u64 } else { 4096 }
}

/// Clock ticks per second, the unit of a process's start time in /proc/PID/stat.
pub fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if v > 0 { v as u64 } else { 100 }
}

/// The directory of the host fixture trees, for tests.
#[cfg(test)]
pub(crate) fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/host")
        .join(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_nr_and_sockstat_parse() {
        assert_eq!(
            parse_file_nr("875\t0\t2466183\n"),
            Some(FileNr {
                allocated: 875,
                unused: 0,
                max: 2466183
            })
        );
        assert_eq!(parse_file_nr("875 0\n"), None);
        let s = parse_sockstat(
            "sockets: used 33\nTCP: inuse 12 orphan 1 tw 6 alloc 15 mem 3\nUDP: inuse 0 mem 0\n",
        )
        .unwrap();
        assert_eq!(
            s,
            Sockstat {
                inuse: 12,
                orphan: 1,
                tw: 6,
                alloc: 15,
                mem: 3
            }
        );
        assert_eq!(parse_sockstat("UDP: inuse 0 mem 0\n"), None);
    }

    #[test]
    fn gather_reads_a_fixture_root() {
        let roots = Roots {
            proc: fixture("kernel6/proc"),
            sys: fixture("kernel6/sys"),
        };
        let opts = GatherOptions {
            filesystems: false,
            ..GatherOptions::default()
        };
        let snap = gather(&roots, &opts);
        assert_eq!(snap.hostname, "worker-7");
        assert_eq!(snap.uptime_secs, Some(86400.5));
        assert_eq!(
            snap.file_nr,
            Reading::Present(FileNr {
                allocated: 9000,
                unused: 0,
                max: 10000
            })
        );
        assert_eq!(snap.sockstat.present().map(|s| s.tw), Some(40000));
        assert_eq!(snap.conntrack.present().map(|c| c.count), Some(5000));
        assert_eq!(snap.processes.present().map(Vec::len), Some(7));
        assert_eq!(snap.filesystems, Reading::Absent("not gathered".into()));
    }

    fn watch(settle: Duration, not_after: Option<Instant>) -> GatherOptions {
        GatherOptions {
            filesystems: false,
            zombies: Some(ZombieWatch {
                min_age: Duration::from_secs(30),
                settle,
                not_after,
            }),
            ..GatherOptions::default()
        }
    }

    fn roots(tree: &str) -> Roots {
        Roots {
            proc: fixture(&format!("{tree}/proc")),
            sys: fixture(&format!("{tree}/sys")),
        }
    }

    #[test]
    fn an_old_zombie_is_read_again_after_the_settle_interval() {
        let settle = Duration::from_millis(300);
        let snap = gather(&roots("kernel6"), &watch(settle, None));
        let z = snap.zombies.present().expect("the zombies were watched");
        let pids: Vec<(i32, i32)> = z.persisting.iter().map(|z| (z.pid, z.ppid)).collect();
        assert_eq!(pids, vec![(1303, 1200)], "{z:?}");
        assert!(z.settle_secs >= 0.3, "{z:?}");
        // Without the option, the zombies are not read twice.
        let plain = gather(&roots("kernel6"), &GatherOptions::only(false, false, true));
        assert_eq!(plain.zombies, Reading::Absent("not gathered".into()));
    }

    #[test]
    fn a_young_zombie_costs_no_wait() {
        let start = Instant::now();
        let snap = gather(
            &roots("young-zombie"),
            &watch(Duration::from_secs(20), None),
        );
        let took = start.elapsed();
        let z = snap.zombies.present().expect("the zombies were watched");
        assert_eq!(
            (z.young, z.persisting.len(), z.settle_secs),
            (1, 0, 0.0),
            "{z:?}"
        );
        assert!(
            took < Duration::from_secs(10),
            "waited {took:?} with nothing to read again"
        );
    }

    #[test]
    fn the_settle_interval_ends_at_the_deadline() {
        let start = Instant::now();
        let end = start + Duration::from_millis(200);
        let snap = gather(
            &roots("kernel6"),
            &watch(Duration::from_secs(20), Some(end)),
        );
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(10),
            "the deadline did not end the wait: {took:?}"
        );
        // A second look sooner than the settle interval proves nothing: not judged.
        assert!(
            matches!(&snap.zombies, Reading::Absent(why) if why.contains("deadline")),
            "{:?}",
            snap.zombies
        );
    }

    #[test]
    fn an_empty_root_is_absent_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let roots = Roots {
            proc: dir.path().join("proc"),
            sys: dir.path().join("sys"),
        };
        let snap = gather(
            &roots,
            &GatherOptions {
                filesystems: false,
                ..GatherOptions::default()
            },
        );
        assert_eq!(
            snap.conntrack,
            Reading::Absent("nf_conntrack module not loaded".into())
        );
        assert!(matches!(snap.file_nr, Reading::Absent(_)));
        assert!(
            matches!(snap.processes, Reading::Unreadable(_)),
            "{:?}",
            snap.processes
        );
    }

    #[test]
    fn gather_the_real_host() {
        let start = std::time::Instant::now();
        let snap = gather(&Roots::default(), &GatherOptions::default());
        let took = start.elapsed();
        let procs = snap.processes.present().expect("processes of this host");
        assert!(!procs.is_empty());
        assert!(snap.file_nr.present().is_some(), "{:?}", snap.file_nr);
        assert!(!snap.hostname.is_empty());
        let fs = snap.filesystems.present().expect("mounts of this host");
        assert!(!fs.is_empty());
        assert!(
            !matches!(snap.conntrack, Reading::Unreadable(_)),
            "{:?}",
            snap.conntrack
        );
        eprintln!(
            "gathered {} processes and {} mounts in {took:?}",
            procs.len(),
            fs.len()
        );
    }
}

/// Property tests: /proc/sys/fs/file-nr and /proc/net/sockstat come from the kernel, but a
/// container or a fixture tree can hold anything; no input may panic their parsers.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = parse_file_nr(&text);
            let _ = parse_sockstat(&text);
        }

        #[test]
        fn sockstat_shaped_text_never_panics(words in prop::collection::vec("[a-z]{0,6}|[0-9]{1,22}|-1|TCP:|\n", 0..20)) {
            let _ = parse_sockstat(&format!("TCP: {}", words.join(" ")));
        }

        #[test]
        fn file_nr_round_trips(allocated in any::<u64>(), unused in any::<u64>(), max in any::<u64>()) {
            prop_assert_eq!(
                parse_file_nr(&format!("{allocated}\t{unused}\t{max}\n")),
                Some(FileNr { allocated, unused, max })
            );
        }

        #[test]
        fn sockstat_round_trips(inuse in any::<u64>(), orphan in any::<u64>(), tw in any::<u64>(), alloc in any::<u64>(), mem in any::<u64>()) {
            let text = format!(
                "sockets: used 290\nTCP: inuse {inuse} orphan {orphan} tw {tw} alloc {alloc} mem {mem}\nUDP: inuse 3 mem 1\n"
            );
            prop_assert_eq!(parse_sockstat(&text), Some(Sockstat { inuse, orphan, tw, alloc, mem }));
        }
    }
}
