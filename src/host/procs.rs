//! Processes read straight from /proc/PID/{stat,status,cmdline}, so a fixture root works the
//! same as the real one. A process that exits while it is read is skipped. Zombies are read
//! twice ([`ZombieCandidates`]): one reading cannot tell a zombie its parent reaps a moment
//! later from one it never reaps.

use std::io;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::{Reading, page_size};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Process {
    pub pid: i32,
    pub ppid: i32,
    /// R, S, D (uninterruptible, usually I/O), Z (zombie), T, t, X, I.
    pub state: char,
    pub comm: String,
    pub cmdline: Vec<String>,
    /// The command line joined by spaces, or `[comm]` when it is empty (kernel threads, zombies).
    /// With setproctitle this is the title Celery set.
    pub title: String,
    pub rss_bytes: u64,
    /// Start time in clock ticks since boot (see [`super::clock_ticks`]).
    pub start_ticks: u64,
    pub threads: u64,
    /// The real uid from status; None when status could not be read.
    pub uid: Option<u32>,
}

impl Process {
    /// Seconds since the process started, given the host's uptime and clock ticks per second.
    pub fn age_secs(&self, uptime_secs: f64, ticks_per_sec: u64) -> Option<f64> {
        if ticks_per_sec == 0 {
            return None;
        }
        let age = uptime_secs - self.start_ticks as f64 / ticks_per_sec as f64;
        (age >= 0.0).then_some(age)
    }
}

/// Every process under the proc root. Unreadable only when the root itself cannot be listed.
pub fn read(proc_root: &Path) -> Reading<Vec<Process>> {
    let entries = match std::fs::read_dir(proc_root) {
        Ok(e) => e,
        Err(e) => return Reading::Unreadable(format!("{}: {e}", proc_root.display())),
    };
    let page = page_size();
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        if let Ok(Some(p)) = read_one(&proc_root.join(name), pid, page) {
            out.push(p);
        }
    }
    out.sort_by_key(|p| p.pid);
    Reading::Present(out)
}

/// One zombie, as the two readings of [`ZombieCandidates`] see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zombie {
    pub pid: i32,
    pub ppid: i32,
    /// With the pid, what makes it the same process at the second reading.
    pub start_ticks: u64,
    /// Seconds since the process STARTED (its stat has no time of death), when the uptime was
    /// known: a long-lived process that just died is old by this measure.
    pub age_secs: Option<f64>,
}

/// The zombies worth judging: old enough at the first reading and still the same zombie of the
/// same parent at the second.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zombies {
    /// The process age a zombie needed to be read again.
    pub min_age_secs: f64,
    /// Seconds between the two readings; 0 when no zombie was old enough to read again.
    pub settle_secs: f64,
    /// Zombies younger than the minimum age: not judged, their parent has had no time to reap.
    pub young: u64,
    /// Old enough, but gone by the second reading: reaped, or the pid now another process.
    pub gone: u64,
    /// Still zombies at the second reading, with the same start time and parent.
    pub persisting: Vec<Zombie>,
}

/// The first reading: the zombies whose process is at least `min_age` old. The gather step
/// waits the settle interval (doing its other reads meanwhile) and calls [`Self::recheck`].
#[derive(Debug, Clone, PartialEq)]
pub struct ZombieCandidates {
    min_age: Duration,
    young: u64,
    candidates: Vec<Zombie>,
}

impl ZombieCandidates {
    /// Zombies at least `min_age` old by their start time; without an uptime every zombie is a
    /// candidate (its age unknown), so the second reading still decides.
    pub fn select(
        procs: &[Process],
        uptime_secs: Option<f64>,
        ticks_per_sec: u64,
        min_age: Duration,
    ) -> ZombieCandidates {
        let mut young = 0;
        let mut candidates = Vec::new();
        for p in procs.iter().filter(|p| p.state == 'Z') {
            let age = uptime_secs.and_then(|u| p.age_secs(u, ticks_per_sec));
            if uptime_secs.is_some() && age.is_none_or(|a| a < min_age.as_secs_f64()) {
                young += 1;
                continue;
            }
            candidates.push(Zombie {
                pid: p.pid,
                ppid: p.ppid,
                start_ticks: p.start_ticks,
                age_secs: age,
            });
        }
        ZombieCandidates {
            min_age,
            young,
            candidates,
        }
    }

    /// Whether there is anything to read again (if not, nothing to wait for).
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// The second reading, `settled` after the first: each candidate's stat again, kept when it
    /// is still a zombie with the same start time (not a reused pid) and the same parent (a
    /// zombie re-parented to init a moment ago is about to be reaped).
    pub fn recheck(self, proc_root: &Path, settled: Duration) -> Zombies {
        let mut persisting = Vec::new();
        let mut gone = 0;
        for z in &self.candidates {
            let now = std::fs::read_to_string(proc_root.join(z.pid.to_string()).join("stat"))
                .ok()
                .and_then(|t| parse_stat(&t));
            match now {
                Some(s) if s.state == 'Z' && s.start_ticks == z.start_ticks && s.ppid == z.ppid => {
                    persisting.push(z.clone());
                }
                _ => gone += 1,
            }
        }
        Zombies {
            min_age_secs: self.min_age.as_secs_f64(),
            settle_secs: if self.candidates.is_empty() {
                0.0
            } else {
                settled.as_secs_f64()
            },
            young: self.young,
            gone,
            persisting,
        }
    }
}

/// One process; `Ok(None)` when its stat does not parse. Errors (it exited) are skipped by the caller.
fn read_one(dir: &Path, pid: i32, page: u64) -> io::Result<Option<Process>> {
    let stat = std::fs::read_to_string(dir.join("stat"))?;
    let Some(fields) = parse_stat(&stat) else {
        return Ok(None);
    };
    let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
    let cmdline = parse_cmdline(&std::fs::read(dir.join("cmdline")).unwrap_or_default());
    let title = if cmdline.is_empty() {
        format!("[{}]", fields.comm)
    } else {
        cmdline.join(" ").trim_end().to_string()
    };
    let rss_bytes = if fields.rss_pages > 0 {
        fields.rss_pages.saturating_mul(page)
    } else {
        status_kib(&status, "VmRSS:")
            .unwrap_or(0)
            .saturating_mul(1024)
    };
    Ok(Some(Process {
        pid,
        ppid: fields.ppid,
        state: fields.state,
        comm: fields.comm,
        cmdline,
        title,
        rss_bytes,
        start_ticks: fields.start_ticks,
        threads: fields.threads,
        uid: status_field(&status, "Uid:").and_then(|v| v.split_whitespace().next()?.parse().ok()),
    }))
}

/// The fields of /proc/PID/stat that celtool uses.
#[derive(Debug, PartialEq, Eq)]
pub struct Stat {
    pub comm: String,
    pub state: char,
    pub ppid: i32,
    pub threads: u64,
    pub start_ticks: u64,
    pub rss_pages: u64,
}

/// `PID (COMM) STATE PPID ...`: COMM may hold spaces and parentheses, so it ends at the LAST
/// `)`. Fields are numbered as in proc(5): 3 state, 4 ppid, 20 num_threads, 22 starttime, 24 rss.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let comm = text[open + 1..close].to_string();
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    let field = |n: usize| rest.get(n - 3).copied();
    let num = |n: usize| field(n)?.parse::<u64>().ok();
    Some(Stat {
        comm,
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        threads: num(20)?,
        start_ticks: num(22)?,
        rss_pages: num(24).unwrap_or(0),
    })
}

/// NUL-separated arguments; setproctitle pads with NULs, so trailing empty ones are dropped.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    let mut args: Vec<String> = bytes
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    while args.last().is_some_and(|a| a.is_empty()) {
        args.pop();
    }
    args
}

fn status_field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map(str::trim)
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    status_field(status, key)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::fixture;

    fn fixture_procs() -> Vec<Process> {
        match read(&fixture("kernel6/proc")) {
            Reading::Present(p) => p,
            other => panic!("fixture processes: {other:?}"),
        }
    }

    #[test]
    fn fixture_tree_is_read_whole() {
        let procs = fixture_procs();
        let pids: Vec<i32> = procs.iter().map(|p| p.pid).collect();
        assert_eq!(pids, vec![1, 900, 1200, 1301, 1302, 1303, 1500]);
        let main = &procs[2];
        assert_eq!(
            main.title,
            "[celeryd: w1@worker-7:MainProcess] -active- (worker -A proj -l INFO -n w1@%h)"
        );
        assert_eq!(
            (main.ppid, main.state, main.threads, main.uid),
            (1, 'S', 3, Some(998))
        );
        assert_eq!(main.rss_bytes, 60000 * page_size());
        assert_eq!(main.start_ticks, 7_000_000);
    }

    #[test]
    fn comm_with_spaces_and_parens_and_a_zombie() {
        let procs = fixture_procs();
        let odd = procs.iter().find(|p| p.pid == 1500).unwrap();
        assert_eq!(odd.comm, "my app) (v2");
        assert_eq!((odd.state, odd.ppid, odd.threads), ('R', 1, 4));
        assert_eq!(odd.cmdline, vec!["/usr/bin/python3", "app.py", "--flag"]);
        let zombie = procs.iter().find(|p| p.pid == 1303).unwrap();
        assert_eq!((zombie.state, zombie.title.as_str()), ('Z', "[celery]"));
        assert_eq!(zombie.rss_bytes, 0);
        assert!(zombie.cmdline.is_empty());
    }

    #[test]
    fn stat_parsing_edge_cases() {
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("12 (x) S"), None);
        let s = parse_stat("7 ((sd-pam)) S 1 7 7 0 -1 4 0 0 0 0 0 0 0 0 20 0 1 0 1234 0 55 1844")
            .unwrap();
        assert_eq!(
            (s.comm.as_str(), s.start_ticks, s.rss_pages),
            ("(sd-pam)", 1234, 55)
        );
        assert_eq!(parse_cmdline(b"a\0b c\0\0\0"), vec!["a", "b c"]);
        assert!(parse_cmdline(b"").is_empty());
    }

    #[test]
    fn age_from_uptime() {
        let mut p = fixture_procs().remove(0);
        p.start_ticks = 100 * 60;
        assert_eq!(p.age_secs(120.0, 100), Some(60.0));
        assert_eq!(p.age_secs(120.0, 0), None);
    }

    /// A /proc tree of zombies and their parents: (pid, ppid, state, start ticks).
    fn tree(uptime: &str, procs: &[(i32, i32, char, u64)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("uptime"), uptime).unwrap();
        for &(pid, ppid, state, start) in procs {
            write_stat(dir.path(), pid, ppid, state, start);
        }
        dir
    }

    fn write_stat(root: &Path, pid: i32, ppid: i32, state: char, start: u64) {
        let dir = root.join(pid.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let mut fields: Vec<String> = (5..=52).map(|_| "0".to_string()).collect();
        fields[20 - 5] = "1".into();
        fields[22 - 5] = start.to_string();
        let line = format!("{pid} (sh) {state} {ppid} {}\n", fields.join(" "));
        std::fs::write(dir.join("stat"), line).unwrap();
    }

    /// The first reading of a tree, at 100 ticks per second (Linux's USER_HZ).
    fn first(root: &Path, min_age: Duration) -> ZombieCandidates {
        let Reading::Present(procs) = read(root) else {
            panic!("tree {root:?} unreadable")
        };
        let uptime = std::fs::read_to_string(root.join("uptime"))
            .ok()
            .and_then(|t| t.split_whitespace().next()?.parse().ok());
        ZombieCandidates::select(&procs, uptime, 100, min_age)
    }

    const MIN_AGE: Duration = Duration::from_secs(30);
    const SETTLE: Duration = Duration::from_secs(2);

    fn persisting_pids(z: &Zombies) -> Vec<i32> {
        z.persisting.iter().map(|z| z.pid).collect()
    }

    #[test]
    fn a_young_zombie_is_not_read_again() {
        // Up 1000 s; the zombie started at 999.5 s: half a second old, its parent about to reap.
        let t = tree(
            "1000.00 1900.00\n",
            &[(1, 0, 'S', 1), (4242, 1, 'Z', 99_950)],
        );
        let c = first(t.path(), MIN_AGE);
        assert!(c.is_empty(), "{c:?}");
        let z = c.recheck(t.path(), SETTLE);
        assert_eq!(
            (z.young, z.gone, z.persisting.len(), z.settle_secs),
            (1, 0, 0, 0.0),
            "{z:?}"
        );
    }

    #[test]
    fn an_old_zombie_still_there_persists() {
        let t = tree(
            "1000.00 1900.00\n",
            &[
                (1, 0, 'S', 1),
                (700, 1, 'S', 5_000),
                (701, 700, 'Z', 10_000),
                (702, 700, 'Z', 99_990),
            ],
        );
        let c = first(t.path(), MIN_AGE);
        let z = c.recheck(t.path(), SETTLE);
        assert_eq!(persisting_pids(&z), vec![701], "{z:?}");
        assert_eq!(
            (z.young, z.gone, z.settle_secs, z.min_age_secs),
            (1, 0, 2.0, 30.0)
        );
        let age = z.persisting[0].age_secs.unwrap();
        assert!((age - 900.0).abs() < 1e-6, "{age}");
    }

    #[test]
    fn a_zombie_reaped_between_the_readings_is_gone() {
        let t = tree(
            "1000.00 1900.00\n",
            &[
                (700, 1, 'S', 5_000),
                (701, 700, 'Z', 10_000),
                (703, 700, 'Z', 10_000),
            ],
        );
        let c = first(t.path(), MIN_AGE);
        std::fs::remove_dir_all(t.path().join("701")).unwrap();
        let z = c.recheck(t.path(), SETTLE);
        assert_eq!((persisting_pids(&z), z.gone), (vec![703], 1), "{z:?}");
    }

    #[test]
    fn a_reused_pid_or_a_new_parent_is_not_the_same_zombie() {
        let t = tree(
            "1000.00 1900.00\n",
            &[
                (700, 1, 'S', 5_000),
                (701, 700, 'Z', 10_000),
                (702, 700, 'Z', 10_000),
                (703, 700, 'Z', 10_000),
            ],
        );
        let c = first(t.path(), MIN_AGE);
        // 701 was reaped and its pid went to a new process that died too: another start time.
        write_stat(t.path(), 701, 700, 'Z', 99_000);
        // 702's parent died: re-parented to init, which reaps it a moment later.
        write_stat(t.path(), 702, 1, 'Z', 10_000);
        // 703's pid is now a running process (same start time cannot happen; the state decides).
        write_stat(t.path(), 703, 700, 'R', 10_000);
        let z = c.recheck(t.path(), SETTLE);
        assert_eq!((persisting_pids(&z), z.gone), (vec![], 3), "{z:?}");
    }

    #[test]
    fn without_an_uptime_every_zombie_is_read_again() {
        let t = tree("garbage", &[(700, 1, 'S', 5_000), (701, 700, 'Z', 99_999)]);
        let c = first(t.path(), MIN_AGE);
        let z = c.recheck(t.path(), SETTLE);
        assert_eq!(persisting_pids(&z), vec![701]);
        assert_eq!(z.persisting[0].age_secs, None);
    }

    #[test]
    fn reading_real_proc_is_fast() {
        let start = std::time::Instant::now();
        let procs = read(Path::new("/proc"));
        let took = start.elapsed();
        let n = procs.present().map(Vec::len).unwrap_or(0);
        assert!(n > 0, "{procs:?}");
        assert!(
            procs
                .present()
                .unwrap()
                .iter()
                .any(|p| p.pid == std::process::id() as i32)
        );
        eprintln!("read {n} processes from /proc in {took:?}");
    }
}

/// Property tests: /proc/PID/stat carries a command name any process can set (prctl
/// PR_SET_NAME, up to 15 bytes, parentheses and spaces included), so no input may panic the
/// parsers and the name must come back whole.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Fields 5..=24 of stat after STATE and PPID, with threads, starttime and rss where proc(5)
    /// puts them (20, 22, 24).
    fn stat_line(comm: &str, state: char, ppid: i32, threads: u64, start: u64, rss: u64) -> String {
        let mut fields: Vec<String> = (5..=52).map(|n| n.to_string()).collect();
        fields[20 - 5] = threads.to_string();
        fields[22 - 5] = start.to_string();
        fields[24 - 5] = rss.to_string();
        format!("4242 ({comm}) {state} {ppid} {}\n", fields.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_stat_text_never_panics(text in any::<String>()) {
            let _ = parse_stat(&text);
        }

        #[test]
        fn stat_shaped_text_never_panics(text in "[0-9]{0,6} ?\\(?[^\\n]{0,20}\\)? ?([A-Za-z0-9()-]{0,6} ){0,30}") {
            let _ = parse_stat(&text);
        }

        #[test]
        fn any_command_name_round_trips(
            comm in any::<String>(),
            state in any::<char>().prop_filter("a state is one visible character", |c| !c.is_whitespace() && *c != ')'),
            ppid in any::<i32>(),
            threads in any::<u64>(),
            start in any::<u64>(),
            rss in any::<u64>(),
        ) {
            let parsed = parse_stat(&stat_line(&comm, state, ppid, threads, start, rss));
            prop_assert_eq!(parsed, Some(Stat { comm, state, ppid, threads, start_ticks: start, rss_pages: rss }));
        }

        #[test]
        fn arbitrary_cmdline_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let args = parse_cmdline(&bytes);
            prop_assert!(args.last().is_none_or(|a| !a.is_empty()));
        }

        #[test]
        fn cmdline_arguments_round_trip(
            args in prop::collection::vec("[^\\x00]{0,12}", 0..6).prop_filter("the last argument is not empty", |a| a.last().is_none_or(|l| !l.is_empty())),
            padding in 0usize..8,
        ) {
            let mut bytes = args.join("\0").into_bytes();
            if !args.is_empty() {
                bytes.push(0);
            }
            bytes.extend(std::iter::repeat_n(0u8, padding));
            prop_assert_eq!(parse_cmdline(&bytes), args);
        }

        #[test]
        fn arbitrary_status_text_never_panics(text in any::<String>(), key in "[A-Za-z]{1,6}:") {
            let _ = status_field(&text, &key);
            let _ = status_kib(&text, "VmRSS:");
            let _ = status_field(&text, "Uid:");
        }

        #[test]
        fn status_values_round_trip(kib in any::<u64>(), uid in any::<u32>(), noise in "[A-Za-z]{1,8}:\t[^\\n]{0,20}") {
            let text = format!("Name:\tcelery\n{noise}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nVmRSS:\t {kib} kB\n");
            prop_assume!(!noise.starts_with("Uid:") && !noise.starts_with("VmRSS:"));
            prop_assert_eq!(status_kib(&text, "VmRSS:"), Some(kib));
            let first = status_field(&text, "Uid:").and_then(|v| v.split_whitespace().next()?.parse().ok());
            prop_assert_eq!(first, Some(uid));
        }
    }
}
