//! Helpers for the pruner's tests: aged files, listings, mounts, chains built by fd.

use std::collections::BTreeMap;
use std::ffi::{CString, OsStr};
use std::fs;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::super::{PruneOptions, PruneSummary, prune, sys};

pub(super) const DAY: Duration = Duration::from_secs(86_400);

pub(super) fn tmp() -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix("prune-test-")
        .tempdir_in("/tmp")
        .expect("tempdir");
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).expect("chmod tempdir");
    d
}

pub(super) fn cpath(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).expect("no NUL")
}

pub(super) fn ts(t: SystemTime) -> libc::timespec {
    let d = t.duration_since(UNIX_EPOCH).expect("after epoch");
    libc::timespec {
        tv_sec: d.as_secs() as libc::time_t,
        tv_nsec: d.subsec_nanos() as _,
    }
}

/// Sets atime and mtime without following a symlink.
pub(super) fn set_times(p: &Path, atime: SystemTime, mtime: SystemTime) {
    let times = [ts(atime), ts(mtime)];
    let c = cpath(p);
    // SAFETY: valid path and two timespecs.
    let rc = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    assert_eq!(
        rc,
        0,
        "utimensat {}: {}",
        p.display(),
        std::io::Error::last_os_error()
    );
}

pub(super) fn age(p: &Path, by: Duration) {
    let t = SystemTime::now() - by;
    set_times(p, t, t);
}

pub(super) fn file(p: &Path, age_by: Duration) {
    fs::write(p, b"x").expect("write");
    age(p, age_by);
}

pub(super) fn opts(root: &Path) -> PruneOptions {
    PruneOptions::new(vec![root.to_path_buf()], DAY)
}

pub(super) fn run(o: &PruneOptions) -> PruneSummary {
    prune(o, None).expect("prune")
}

/// mode, ino, size, mtime, mtime_nsec, atime, atime_nsec, ctime, content.
pub(super) type Row = (u32, u64, u64, i64, i64, i64, i64, i64, Vec<u8>);

/// Full listing with metadata, for byte-for-byte comparisons. Reads files and lists
/// directories with O_NOATIME, so taking the listing does not change the atimes it records.
pub(super) fn listing(root: &Path) -> BTreeMap<PathBuf, Row> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        let fd = sys::open_dir_path(&cpath(&d)).expect("open dir");
        let mut reader = sys::DirReader::new();
        while let Some(e) = reader.next(fd.as_fd()).expect("getdents") {
            let p = d.join(OsStr::from_bytes(e.name.to_bytes()));
            let m = fs::symlink_metadata(&p).expect("lstat");
            let content = if m.is_file() {
                read_noatime(&p)
            } else {
                Vec::new()
            };
            if m.is_dir() {
                todo.push(p.clone());
            }
            let row = (
                m.mode(),
                m.ino(),
                m.size(),
                m.mtime(),
                m.mtime_nsec(),
                m.atime(),
                m.atime_nsec(),
                m.ctime(),
                content,
            );
            out.insert(p, row);
        }
    }
    out
}

/// Reads a file without touching its atime.
pub(super) fn read_noatime(p: &Path) -> Vec<u8> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOATIME)
        .open(p)
        .expect("open");
    let mut v = Vec::new();
    f.read_to_end(&mut v).expect("read");
    v
}
/// Atomically exchanges two names (renameat2 RENAME_EXCHANGE): the strongest swap an attacker has.
pub(super) fn exchange(a: &Path, b: &Path) -> bool {
    let (a, b) = (cpath(a), cpath(b));
    // SAFETY: valid paths.
    unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        ) == 0
    }
}
/// Unmounts on drop, so a failing test does not leave mounts behind.
pub(super) struct Mounted(pub(super) PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let c = cpath(&self.0);
        // SAFETY: valid path.
        unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
    }
}

pub(super) fn mount(
    src: &str,
    target: &Path,
    fstype: &str,
    flags: libc::c_ulong,
) -> Result<Mounted, String> {
    let (s, t, f) = (
        CString::new(src).unwrap(),
        cpath(target),
        CString::new(fstype).unwrap(),
    );
    // SAFETY: valid strings; no data.
    let rc = unsafe { libc::mount(s.as_ptr(), t.as_ptr(), f.as_ptr(), flags, std::ptr::null()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(Mounted(target.to_path_buf()))
}

/// A private tmpfs for the big trees: the walker's logic is the same on any filesystem, and
/// on this shared VM ext4 metadata operations can slow to ~0.6 ms each under load, which would
/// make a 100 000-level chain take minutes. Falls back to /tmp when mounting is not permitted.
pub(super) struct Scratch {
    _mount: Option<Mounted>, // dropped (unmounted) before the directory is removed
    dir: tempfile::TempDir,
}

impl Scratch {
    pub(super) fn new() -> Self {
        let dir = tmp();
        let mount = match mount("tmpfs", dir.path(), "tmpfs", 0) {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("note: cannot mount a scratch tmpfs ({e}); using /tmp");
                None
            }
        };
        Scratch { _mount: mount, dir }
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }
}
pub(super) fn mkfifo(p: &Path) {
    let c = cpath(p);
    // SAFETY: valid path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}
/// Number of this process's fds open on the filesystem with device `dev`. Tests run in parallel
/// threads of one process, so counting all fds would count the other tests' too; each
/// [`Scratch`] is its own tmpfs, with its own device.
pub(super) fn open_fds_on(dev: u64) -> usize {
    use std::os::unix::fs::MetadataExt;
    fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| fs::metadata(e.path()).is_ok_and(|m| m.dev() == dev))
                .count()
        })
        .unwrap_or(0)
}

/// Builds a chain root/d/d/.../d of `depth` directories by fd (paths would exceed PATH_MAX),
/// returning nothing; fds are closed as it goes.
pub(super) fn make_chain(root: &Path, depth: usize) {
    let c = cpath(root);
    // SAFETY: plain open/mkdirat/openat calls on valid fds and names.
    unsafe {
        let mut fd =
            OwnedFd::from_raw_fd(libc::open(c.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY));
        for _ in 0..depth {
            assert_eq!(libc::mkdirat(fd.as_raw_fd(), c"d".as_ptr(), 0o755), 0);
            let next = libc::openat(
                fd.as_raw_fd(),
                c"d".as_ptr(),
                libc::O_DIRECTORY | libc::O_RDONLY,
            );
            assert!(next >= 0);
            fd = OwnedFd::from_raw_fd(next);
        }
    }
}
/// Sets or clears the immutable attribute (chattr +i) through the fd.
pub(super) fn set_immutable(p: &Path, on: bool) -> std::io::Result<()> {
    const FS_IMMUTABLE_FL: libc::c_long = 0x10;
    let f = fs::File::open(p)?;
    let mut flags: libc::c_long = 0;
    // SAFETY: valid fd and pointer to a long, as FS_IOC_GETFLAGS/SETFLAGS expect.
    unsafe {
        if libc::ioctl(f.as_raw_fd(), libc::FS_IOC_GETFLAGS, &mut flags) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        flags = if on {
            flags | FS_IMMUTABLE_FL
        } else {
            flags & !FS_IMMUTABLE_FL
        };
        if libc::ioctl(f.as_raw_fd(), libc::FS_IOC_SETFLAGS, &flags) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

pub(super) struct Immutable(pub(super) PathBuf);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = set_immutable(&self.0, false);
    }
}
