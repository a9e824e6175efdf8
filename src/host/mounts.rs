//! Mounted filesystems from /proc/self/mountinfo and their inode and byte use from statvfs, each
//! statvfs bounded in time so a dead network mount cannot hang the run.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde::Serialize;

use super::{Reading, Roots, read_text};

/// One line of mountinfo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    pub mount_id: u32,
    pub parent_id: u32,
    /// `major:minor`; bind mounts of one filesystem share it.
    pub device: String,
    /// The directory of the filesystem that is mounted here (`/` unless a bind mount of a subtree).
    pub root: String,
    pub mount_point: PathBuf,
    pub fs_type: String,
    pub source: String,
}

/// statvfs of a mount. `bytes_free` is what non-root users can still use (f_bavail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// 0 on filesystems without an inode limit (btrfs): never divide by it.
    pub inodes_total: u64,
    pub inodes_free: u64,
    pub bytes_total: u64,
    pub bytes_free: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filesystem {
    pub mount_id: u32,
    pub parent_id: u32,
    pub device: String,
    pub root: String,
    pub mount_point: PathBuf,
    pub fs_type: String,
    pub source: String,
    /// The statvfs result, or why there is none ("statvfs did not answer within 2s ...").
    pub usage: Result<Usage, String>,
}

impl Filesystem {
    pub fn new(m: Mount, usage: Result<Usage, String>) -> Self {
        Filesystem {
            mount_id: m.mount_id,
            parent_id: m.parent_id,
            device: m.device,
            root: m.root,
            mount_point: m.mount_point,
            fs_type: m.fs_type,
            source: m.source,
            usage,
        }
    }
}

/// Kernel and virtual filesystems with no files of their own to run out of. tmpfs, devtmpfs
/// and overlay are kept: temp files live on tmpfs, containers write to overlay.
const PSEUDO: &[&str] = &[
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "devpts",
    "mqueue",
    "debugfs",
    "tracefs",
    "securityfs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "hugetlbfs",
    "autofs",
    "binfmt_misc",
    "nsfs",
    "rpc_pipefs",
    "efivarfs",
    "selinuxfs",
];

pub fn is_pseudo(fs_type: &str) -> bool {
    PSEUDO.contains(&fs_type)
}

/// Every mount of /proc/self/mountinfo that is not a pseudo filesystem, with its statvfs.
pub fn read(roots: &Roots, timeout: Duration) -> Reading<Vec<Filesystem>> {
    let path = roots.proc.join("self/mountinfo");
    read_text(&path, "no /proc/self/mountinfo").map(|text| {
        let mounts = visible(parse_mountinfo(&text));
        let paths: Vec<PathBuf> = mounts.iter().map(|m| m.mount_point.clone()).collect();
        let usages = statvfs_all(paths, timeout);
        mounts
            .into_iter()
            .zip(usages)
            .map(|(m, u)| Filesystem::new(m, u))
            .collect()
    })
}

/// The mounts worth measuring: no pseudo filesystems, and where several are stacked on one mount
/// point only the last (the one on top, the only one statvfs can see).
pub fn visible(mounts: Vec<Mount>) -> Vec<Mount> {
    let mut out: Vec<Mount> = Vec::with_capacity(mounts.len());
    for m in mounts.into_iter().filter(|m| !is_pseudo(&m.fs_type)) {
        out.retain(|earlier| earlier.mount_point != m.mount_point);
        out.push(m);
    }
    out
}

/// Parse mountinfo (proc(5)): `ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE
/// SOURCE SUPER_OPTIONS`. Malformed lines are skipped.
pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Mount> {
    let (before, after) = line.split_once(" - ")?;
    let mut left = before.split(' ');
    let mount_id = left.next()?.parse().ok()?;
    let parent_id = left.next()?.parse().ok()?;
    let device = left.next()?.to_string();
    let root = unescape(left.next()?);
    let mount_point = PathBuf::from(unescape(left.next()?));
    left.next()?; // per-mount options; optional fields follow up to the separator
    let mut right = after.split(' ');
    let fs_type = unescape(right.next()?);
    let source = unescape(right.next().unwrap_or(""));
    Some(Mount {
        mount_id,
        parent_id,
        device,
        root,
        mount_point,
        fs_type,
        source,
    })
}

/// The kernel escapes space, tab, newline and backslash in mountinfo as `\ooo` octal.
fn unescape(field: &str) -> String {
    String::from_utf8_lossy(&unescape_mountinfo(field.as_bytes())).into_owned()
}

/// Undo mountinfo's `\ooo` escapes on raw bytes. An escape that is cut short, or whose value is
/// not a byte (over `\377`), is kept as written. Shared by the mount reader and prune's
/// mount-point detection, so both read a path the same way.
pub fn unescape_mountinfo(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\' && i + 4 <= field.len() {
            let oct = &field[i + 1..i + 4];
            if oct.iter().all(|b| (b'0'..=b'7').contains(b)) {
                let v = oct
                    .iter()
                    .fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
                if let Ok(b) = u8::try_from(v) {
                    out.push(b);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

fn statvfs_one(path: &Path) -> Result<Usage, String> {
    let s = nix::sys::statvfs::statvfs(path).map_err(|e| format!("statvfs: {e}"))?;
    let frsize = s.fragment_size() as u64;
    Ok(Usage {
        inodes_total: s.files() as u64,
        inodes_free: s.files_free() as u64,
        bytes_total: (s.blocks() as u64).saturating_mul(frsize),
        bytes_free: (s.blocks_available() as u64).saturating_mul(frsize),
    })
}

/// statvfs each path in order on a helper thread. When one does not answer within `timeout`,
/// that path gets an error, the helper is abandoned (it may stay blocked in the kernel for
/// ever: a leaked thread is the price of not hanging the run) and a new helper takes the rest.
pub fn statvfs_all(paths: Vec<PathBuf>, timeout: Duration) -> Vec<Result<Usage, String>> {
    bounded(paths, timeout, statvfs_one)
}

type Probe = fn(&Path) -> Result<Usage, String>;

fn bounded(paths: Vec<PathBuf>, timeout: Duration, probe: Probe) -> Vec<Result<Usage, String>> {
    let n = paths.len();
    let mut out: Vec<Option<Result<Usage, String>>> = vec![None; n];
    let mut next = 0;
    while next < n {
        let (tx, rx) = mpsc::channel();
        let batch: Vec<(usize, PathBuf)> = paths[next..]
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, p)| (i + next, p))
            .collect();
        let spawned = thread::Builder::new()
            .name("celtool-statvfs".into())
            .spawn(move || {
                for (i, p) in batch {
                    if tx.send((i, probe(&p))).is_err() {
                        return;
                    }
                }
            });
        if let Err(e) = spawned {
            for slot in &mut out[next..] {
                *slot = Some(Err(format!("cannot start a statvfs thread: {e}")));
            }
            break;
        }
        while next < n {
            match rx.recv_timeout(timeout) {
                Ok((i, usage)) => {
                    out[i] = Some(usage);
                    next = i + 1;
                }
                Err(_) => {
                    out[next] = Some(Err(format!(
                        "statvfs did not answer within {} (dead network mount?)",
                        fmt_timeout(timeout)
                    )));
                    next += 1;
                    break;
                }
            }
        }
    }
    out.into_iter()
        .map(|u| u.unwrap_or_else(|| Err("not measured".to_string())))
        .collect()
}

fn fmt_timeout(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::fixture;

    fn fixture_mounts() -> Vec<Mount> {
        let text = std::fs::read_to_string(fixture("kernel6/proc/self/mountinfo")).unwrap();
        parse_mountinfo(&text)
    }

    #[test]
    fn escapes_optional_fields_and_bind_mounts() {
        let m = fixture_mounts();
        assert_eq!(m.len(), 14);
        let data = m.iter().find(|m| m.mount_id == 28).unwrap();
        assert_eq!(data.mount_point, PathBuf::from("/srv/celery data"));
        assert_eq!(
            (data.fs_type.as_str(), data.device.as_str()),
            ("xfs", "253:2")
        );
        assert_eq!(data.source, "/dev/mapper/vg-data");
        let bind = m.iter().find(|m| m.mount_id == 29).unwrap();
        assert_eq!(
            (bind.root.as_str(), bind.device.as_str()),
            ("/spool", "253:2")
        );
        let nfs = m.iter().find(|m| m.mount_id == 30).unwrap();
        assert_eq!(nfs.source, "fileserver:/export/a\tb");
        let odd = m.iter().find(|m| m.mount_id == 32).unwrap();
        assert_eq!(odd.mount_point, PathBuf::from("/home/back\\slash\nnl"));
        assert_eq!(odd.fs_type, "btrfs");
        let root = m.iter().find(|m| m.mount_id == 1).unwrap();
        assert_eq!((root.parent_id, root.root.as_str()), (0, "/"));
    }

    #[test]
    fn pseudo_filesystems_are_skipped_but_tmpfs_and_overlay_kept() {
        let kept: Vec<String> = fixture_mounts()
            .into_iter()
            .filter(|m| !is_pseudo(&m.fs_type))
            .map(|m| m.fs_type)
            .collect();
        assert_eq!(
            kept,
            vec![
                "devtmpfs", "ext4", "tmpfs", "xfs", "xfs", "nfs4", "overlay", "btrfs"
            ]
        );
    }

    #[test]
    fn stacked_mounts_keep_the_top_one() {
        let text = "25 24 0:23 / /dev/shm rw - tmpfs tmpfs rw\n\
                    26 1 8:1 / / rw - ext4 /dev/sda1 rw\n\
                    30 25 0:27 / /dev/shm rw - tmpfs tmpfs rw\n";
        let v = visible(parse_mountinfo(text));
        let ids: Vec<u32> = v.iter().map(|m| m.mount_id).collect();
        assert_eq!(ids, vec![26, 30]);
    }

    #[test]
    fn malformed_lines_and_stray_backslashes() {
        assert!(parse_mountinfo("garbage\n1 2 3\n").is_empty());
        assert_eq!(unescape("a\\040b"), "a b");
        assert_eq!(unescape("a\\9b\\"), "a\\9b\\");
        assert_eq!(unescape("end\\04"), "end\\04");
        assert_eq!(unescape("big\\777"), "big\\777", "not a byte: kept");
        assert_eq!(
            unescape_mountinfo(br"/tmp/a\040b\012c\134d"),
            b"/tmp/a b\nc\\d"
        );
    }

    #[test]
    fn statvfs_of_real_and_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        let usages = statvfs_all(
            vec![dir.path().to_path_buf(), dir.path().join("no/such/mount")],
            Duration::from_secs(2),
        );
        let u = usages[0].as_ref().expect("statvfs of a tempdir");
        assert!(u.bytes_total > 0);
        assert!(
            usages[1].as_ref().unwrap_err().contains("ENOENT"),
            "{:?}",
            usages[1]
        );
    }

    #[test]
    fn a_hung_statvfs_gives_up_and_the_rest_is_measured() {
        fn probe(p: &Path) -> Result<Usage, String> {
            if p == Path::new("/hang") {
                thread::sleep(Duration::from_secs(3));
            }
            Ok(Usage {
                inodes_total: 10,
                inodes_free: 5,
                bytes_total: 100,
                bytes_free: 50,
            })
        }
        let start = std::time::Instant::now();
        let paths = vec!["/a".into(), "/hang".into(), "/b".into()];
        let usages = bounded(paths, Duration::from_millis(200), probe);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        assert!(usages[0].is_ok() && usages[2].is_ok(), "{usages:?}");
        assert_eq!(
            usages[1],
            Err("statvfs did not answer within 200ms (dead network mount?)".to_string())
        );
        assert_eq!(fmt_timeout(Duration::from_secs(2)), "2s");
    }
}

/// Property tests: mountinfo is read as root from a file any process can shape (mount points are
/// chosen by whoever mounts), so no input may panic the parser, and escapes must round-trip.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// The kernel's escaping of a mountinfo field (fs/proc_namespace.c: space, tab, newline and
    /// backslash as `\ooo`).
    fn escape(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                ' ' | '\t' | '\n' | '\\' => out.push_str(&format!("\\{:03o}", c as u32)),
                c => out.push(c),
            }
        }
        out
    }

    /// Mountinfo-like text: lines of tokens that are often numbers, separators and escapes.
    fn mountinfo_like() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            "[0-9]{1,10}",
            Just("-".to_string()),
            Just("\\040".to_string()),
            Just("\\".to_string()),
            "\\\\[0-9]{0,3}",
            "[a-z/:,=]{0,12}",
            any::<String>(),
        ];
        let line = prop::collection::vec(token, 0..14).prop_map(|t| t.join(" "));
        prop::collection::vec(line, 0..6).prop_map(|l| l.join("\n"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = parse_mountinfo(&text);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_mountinfo(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn mountinfo_shaped_text_never_panics(text in mountinfo_like()) {
            for m in parse_mountinfo(&text) {
                prop_assert!(!m.device.contains(' '));
            }
        }

        /// Root and mount point are absolute paths in mountinfo, so neither can be a lone `-`.
        #[test]
        fn escaped_fields_round_trip(
            root in any::<String>().prop_map(|s| format!("/{s}")),
            mount_point in any::<String>().prop_map(|s| format!("/{s}")),
            fs_type in "[a-z0-9.]{1,10}",
            source in any::<String>(),
        ) {
            let line = format!(
                "36 35 98:0 {} {} rw,noatime master:1 - {} {} rw,errors=continue",
                escape(&root),
                escape(&mount_point),
                escape(&fs_type),
                escape(&source),
            );
            let parsed = parse_mountinfo(&line);
            prop_assert_eq!(parsed.len(), 1, "{:?}", line);
            let m = &parsed[0];
            prop_assert_eq!((m.mount_id, m.parent_id), (36, 35));
            prop_assert_eq!(&m.root, &root);
            prop_assert_eq!(&m.mount_point, &PathBuf::from(&mount_point));
            prop_assert_eq!(&m.fs_type, &fs_type);
            prop_assert_eq!(&m.source, &source);
        }
    }
}
