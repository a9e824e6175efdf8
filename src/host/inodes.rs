//! `du --inodes -x` for one directory tree: which directories hold the most entries. Walks with
//! directory file descriptors (openat, O_NOFOLLOW), on an explicit stack, staying on the starting
//! filesystem, keeping only the ancestors of the current directory and the top N in memory.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::dir::{Dir, Type};
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{Mode, SFlag, fstat, fstatat};
use serde::Serialize;

use super::HostError;

/// One directory and what is under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirCount {
    pub path: PathBuf,
    /// The directory itself and everything below it on the same filesystem, like du --inodes.
    pub inodes: u64,
    /// Its direct entries.
    pub entries: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopDirs {
    pub root: PathBuf,
    /// Everything counted under the root, the root included.
    pub total: u64,
    /// The largest directories below the root by `inodes`, largest first (the root is `total`).
    pub dirs: Vec<DirCount>,
    /// Directories that could not be opened or read; their entries are not counted.
    pub errors: u64,
    pub first_error: Option<String>,
    /// Directories that are mount points of other filesystems, not descended into.
    pub other_filesystems: u64,
}

struct Frame {
    dir: Dir,
    path: PathBuf,
    /// Subdirectories still to visit.
    pending: Vec<OsString>,
    entries: u64,
    /// What the visited subdirectories hold beyond their own entry (counted in `entries`).
    below: u64,
}

/// Count entries (files, directories, links; names, so a hard link counts once per name) per
/// directory under `path`, without following symlinks or leaving its filesystem. `progress` is
/// called with the running count every few thousand entries. Fails only when `path` itself
/// cannot be opened; deeper failures are counted in `errors`. Each level of depth holds one open
/// directory: trees deeper than the open-file limit count their deepest levels as errors.
pub fn top_dirs(
    path: &Path,
    limit: usize,
    progress: Option<&dyn Fn(u64)>,
) -> Result<TopDirs, HostError> {
    let io_err = |e: nix::Error| HostError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::from(e),
    };
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    let root = Dir::open(path, flags, Mode::empty()).map_err(io_err)?;
    let dev = fstat(&root).map_err(io_err)?.st_dev;
    let mut out = TopDirs {
        root: path.to_path_buf(),
        total: 0,
        dirs: Vec::new(),
        errors: 0,
        first_error: None,
        other_filesystems: 0,
    };
    let mut counted = 0u64;
    let mut heap: BinaryHeap<Reverse<(u64, PathBuf, u64)>> = BinaryHeap::new();
    let mut stack = vec![scan(root, path.to_path_buf(), &mut out)];
    counted += stack[0].entries;
    while let Some(top) = stack.last_mut() {
        if let Some(name) = top.pending.pop() {
            if let Some(frame) = descend(top, &name, dev, &mut out) {
                let before = counted / 4096;
                counted += frame.entries;
                if let Some(report) = progress.filter(|_| counted / 4096 != before) {
                    report(counted);
                }
                stack.push(frame);
            }
            continue;
        }
        let done = stack.pop().expect("a frame was on the stack");
        let inodes = 1 + done.entries + done.below;
        match stack.last_mut() {
            Some(parent) => {
                parent.below += inodes - 1;
                if limit > 0 {
                    heap.push(Reverse((inodes, done.path, done.entries)));
                    if heap.len() > limit {
                        heap.pop();
                    }
                }
            }
            None => out.total = inodes,
        }
    }
    if let Some(report) = progress {
        report(counted);
    }
    out.dirs = largest_first(heap);
    Ok(out)
}

/// Open a subdirectory of `top` on the same filesystem (no symlinks) and read it; failures and
/// other filesystems are counted in `out`.
fn descend(top: &Frame, name: &OsString, dev: u64, out: &mut TopDirs) -> Option<Frame> {
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
    let child_path = top.path.join(name);
    let child = match Dir::openat(&top.dir, name.as_os_str(), flags, Mode::empty()) {
        Ok(d) => d,
        Err(e) => {
            note_error(out, &child_path, e);
            return None;
        }
    };
    match fstat(&child) {
        Ok(st) if st.st_dev != dev => {
            out.other_filesystems += 1;
            None
        }
        Ok(_) => Some(scan(child, child_path, out)),
        Err(e) => {
            note_error(out, &child_path, e);
            None
        }
    }
}

/// The kept directories, most inodes first (then by path).
fn largest_first(heap: BinaryHeap<Reverse<(u64, PathBuf, u64)>>) -> Vec<DirCount> {
    let mut dirs: Vec<DirCount> = heap
        .into_iter()
        .map(|Reverse((inodes, path, entries))| DirCount {
            path,
            inodes,
            entries,
        })
        .collect();
    dirs.sort_by(|a, b| b.inodes.cmp(&a.inodes).then_with(|| a.path.cmp(&b.path)));
    dirs
}

/// Read one directory: count its entries and note its subdirectories.
fn scan(mut dir: Dir, path: PathBuf, out: &mut TopDirs) -> Frame {
    let mut entries = 0;
    let mut pending = Vec::new();
    let mut unknown = Vec::new();
    let mut failed = None;
    for entry in dir.iter() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                failed = Some(e);
                break;
            }
        };
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        entries += 1;
        let name = OsString::from(std::ffi::OsStr::from_bytes(name));
        match entry.file_type() {
            Some(Type::Directory) => pending.push(name),
            Some(_) => {}
            None => unknown.push(name),
        }
    }
    // Filesystems that do not fill d_type: ask, without following a symlink.
    for name in unknown {
        let is_dir =
            fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW).is_ok_and(|st| {
                SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR
            });
        if is_dir {
            pending.push(name);
        }
    }
    if let Some(e) = failed {
        note_error(out, &path, e);
    }
    Frame {
        dir,
        path,
        pending,
        entries,
        below: 0,
    }
}

fn note_error(out: &mut TopDirs, path: &Path, e: nix::Error) {
    out.errors += 1;
    out.first_error
        .get_or_insert_with(|| format!("{}: {}", path.display(), std::io::Error::from(e)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::fs;

    fn files(dir: &Path, n: usize) {
        fs::create_dir_all(dir).unwrap();
        for i in 0..n {
            fs::write(dir.join(format!("f{i}")), b"").unwrap();
        }
    }

    #[test]
    fn counts_like_du_inodes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        files(&root.join("a"), 100);
        files(&root.join("a/deep"), 50);
        files(&root.join("b"), 10);
        std::os::unix::fs::symlink(root.join("a"), root.join("link")).unwrap();
        let calls = Cell::new(0u64);
        let report = |n: u64| calls.set(n);
        let top = top_dirs(root, 2, Some(&report)).unwrap();
        // root + {a, b, link} + a's 100 files and deep + deep's 50 + b's 10
        assert_eq!(top.total, 1 + 3 + 101 + 50 + 10);
        assert_eq!(
            top.dirs,
            vec![
                DirCount {
                    path: root.join("a"),
                    inodes: 152,
                    entries: 101
                },
                DirCount {
                    path: root.join("a/deep"),
                    inodes: 51,
                    entries: 50
                },
            ]
        );
        assert_eq!((top.errors, top.other_filesystems), (0, 0));
        assert_eq!(
            calls.get(),
            top.total - 1,
            "last progress report is every entry counted"
        );
    }

    #[test]
    fn unreadable_directories_are_counted_as_errors() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        files(&tmp.path().join("locked"), 3);
        fs::set_permissions(tmp.path().join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
        let top = top_dirs(tmp.path(), 10, None).unwrap();
        fs::set_permissions(tmp.path().join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
        if nix::unistd::geteuid().is_root() {
            assert_eq!(top.total, 5, "root reads a mode 000 directory");
            return;
        }
        assert_eq!((top.total, top.errors), (2, 1));
        assert!(top.first_error.unwrap().contains("locked"));
    }

    #[test]
    fn deep_trees_do_not_recurse_and_missing_roots_fail() {
        let tmp = tempfile::tempdir().unwrap();
        let mut p = tmp.path().to_path_buf();
        for _ in 0..300 {
            p.push("d");
        }
        fs::create_dir_all(&p).unwrap();
        let top = top_dirs(tmp.path(), 1, None).unwrap();
        assert_eq!(top.total, 301);
        assert_eq!(top.dirs[0].inodes, 300);
        let err = top_dirs(&tmp.path().join("nope"), 1, None).unwrap_err();
        assert!(err.to_string().contains("nope: No such file"), "{err}");
    }

    #[test]
    fn other_filesystems_are_not_entered() {
        // /dev usually holds mount points (/dev/pts, /dev/shm, /dev/mqueue).
        let Ok(top) = top_dirs(Path::new("/dev"), 50, None) else {
            return;
        };
        let text = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let nested = crate::host::parse_mountinfo(&text)
            .into_iter()
            .filter(|m| m.mount_point.parent() == Some(Path::new("/dev")))
            .count();
        assert!(top.other_filesystems as usize >= nested.min(1), "{top:?}");
        for d in &top.dirs {
            assert!(!d.path.starts_with("/dev/pts") || nested == 0, "{d:?}");
        }
    }
}
