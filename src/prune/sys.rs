//! Thin, fd-relative wrappers over the Linux system calls the pruner uses (statx, openat,
//! unlinkat, getdents64, flock), plus escaping of raw names for messages.

use std::ffi::{CStr, OsStr};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// What the walker needs to know about one inode, taken from `statx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meta {
    pub kind: Kind,
    pub dev: u64,
    pub ino: u64,
    pub nlink: u32,
    pub size: u64,
    pub blocks: u64,
    /// Mount ID, when the kernel reports one (Linux >= 5.8).
    pub mnt_id: Option<u64>,
    /// The inode is the root of a mount (a mount point seen from its parent).
    pub mount_root: bool,
    pub atime: (i64, u32),
    pub mtime: (i64, u32),
    pub ctime: (i64, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Symlink,
    /// Socket, FIFO, character or block device.
    Special,
}

/// `statx(dirfd, name, AT_SYMLINK_NOFOLLOW)`; with an empty name, the fd itself.
pub(crate) fn statx_at(dir: BorrowedFd<'_>, name: &CStr) -> io::Result<Meta> {
    let mut flags = libc::AT_SYMLINK_NOFOLLOW | libc::AT_NO_AUTOMOUNT;
    if name.is_empty() {
        flags |= libc::AT_EMPTY_PATH;
    }
    let mask = libc::STATX_BASIC_STATS | libc::STATX_MNT_ID;
    let mut buf = MaybeUninit::<libc::statx>::zeroed();
    // SAFETY: valid fd, NUL-terminated name, buffer of the right type.
    let rc = unsafe {
        libc::statx(
            dir.as_raw_fd(),
            name.as_ptr(),
            flags,
            mask,
            buf.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: statx succeeded and filled the buffer (it was zeroed before).
    let s = unsafe { buf.assume_init() };
    let fmt = u32::from(s.stx_mode) & libc::S_IFMT;
    let kind = match fmt {
        libc::S_IFREG => Kind::File,
        libc::S_IFDIR => Kind::Dir,
        libc::S_IFLNK => Kind::Symlink,
        _ => Kind::Special,
    };
    let mount_root_bit = libc::STATX_ATTR_MOUNT_ROOT as u64;
    Ok(Meta {
        kind,
        dev: libc::makedev(s.stx_dev_major, s.stx_dev_minor),
        ino: s.stx_ino,
        nlink: s.stx_nlink,
        size: s.stx_size,
        blocks: s.stx_blocks,
        mnt_id: (s.stx_mask & libc::STATX_MNT_ID != 0).then_some(s.stx_mnt_id),
        mount_root: s.stx_attributes_mask & mount_root_bit != 0
            && s.stx_attributes & mount_root_bit != 0,
        atime: (s.stx_atime.tv_sec, s.stx_atime.tv_nsec),
        mtime: (s.stx_mtime.tv_sec, s.stx_mtime.tv_nsec),
        ctime: (s.stx_ctime.tv_sec, s.stx_ctime.tv_nsec),
    })
}

/// `openat(dir, name, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC)`: never follows a symlink.
/// Tries `O_NOATIME` first so listing a directory does not make it look recently used (it is
/// refused with EPERM unless we own the directory or are root; then we open without it).
pub(crate) fn open_dir_at(dir: BorrowedFd<'_>, name: &CStr) -> io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: valid fd and NUL-terminated name.
    let mut fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags | libc::O_NOATIME) };
    if fd < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) {
        // SAFETY: as above.
        fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) };
    }
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: openat returned a fresh fd that we now own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Opens an absolute path as a directory without following a final symlink.
pub(crate) fn open_dir_path(path: &CStr) -> io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: NUL-terminated path.
    let mut fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_NOATIME) };
    if fd < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) {
        // SAFETY: as above.
        fd = unsafe { libc::open(path.as_ptr(), flags) };
    }
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fresh fd that we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `unlinkat(dir, name, dir_flag ? AT_REMOVEDIR : 0)`.
pub(crate) fn unlink_at(dir: BorrowedFd<'_>, name: &CStr, is_dir: bool) -> io::Result<()> {
    let flags = if is_dir { libc::AT_REMOVEDIR } else { 0 };
    // SAFETY: valid fd and NUL-terminated name.
    let rc = unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), flags) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `flock(fd, LOCK_EX [| LOCK_NB])`.
pub(crate) fn flock_exclusive(fd: BorrowedFd<'_>, wait: bool) -> io::Result<()> {
    let op = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    loop {
        // SAFETY: valid fd.
        let rc = unsafe { libc::flock(fd.as_raw_fd(), op) };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// One directory entry as returned by getdents64.
pub(crate) struct RawEntry<'a> {
    pub name: &'a CStr,
    /// `d_type`; `DT_UNKNOWN` on filesystems that do not report it.
    pub d_type: u8,
}

/// Streams the entries of a directory fd with getdents64, without `.` and `..`, and without
/// dup'ing or closing the fd. Entries are handed out one buffer at a time, so memory stays
/// bounded however large the directory is.
pub(crate) struct DirReader {
    buf: Vec<u8>,
    len: usize,
    pos: usize,
    done: bool,
}

impl DirReader {
    pub fn new() -> Self {
        DirReader {
            buf: vec![0u8; 64 * 1024],
            len: 0,
            pos: 0,
            done: false,
        }
    }

    /// Forgets any buffered entries, to read another directory.
    pub fn reset(&mut self) {
        self.len = 0;
        self.pos = 0;
        self.done = false;
    }

    /// The next entry, `Ok(None)` at the end.
    pub fn next(&mut self, dir: BorrowedFd<'_>) -> io::Result<Option<RawEntry<'_>>> {
        let (start, nul, d_type) = loop {
            if self.pos >= self.len {
                if self.done {
                    return Ok(None);
                }
                // SAFETY: buffer is valid for buf.len() bytes; the kernel writes at most that.
                let n = unsafe {
                    libc::syscall(
                        libc::SYS_getdents64,
                        dir.as_raw_fd(),
                        self.buf.as_mut_ptr(),
                        self.buf.len(),
                    )
                };
                if n < 0 {
                    let err = io::Error::last_os_error();
                    if err.kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    self.done = true;
                    return Err(err);
                }
                if n == 0 {
                    self.done = true;
                    return Ok(None);
                }
                self.len = n as usize;
                self.pos = 0;
            }
            // struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            let start = self.pos;
            let reclen = u16::from_ne_bytes([self.buf[start + 16], self.buf[start + 17]]) as usize;
            let d_type = self.buf[start + 18];
            self.pos += reclen;
            let name_bytes = &self.buf[start + 19..start + reclen];
            let Some(nul) = name_bytes.iter().position(|&b| b == 0) else {
                continue;
            };
            let name_bytes = &name_bytes[..nul];
            if name_bytes == b"." || name_bytes == b".." || name_bytes.is_empty() {
                continue;
            }
            break (start, nul, d_type);
        };
        let name = CStr::from_bytes_with_nul(&self.buf[start + 19..start + 19 + nul + 1])
            .expect("getdents64 name has exactly one NUL");
        Ok(Some(RawEntry { name, d_type }))
    }
}

/// Escapes a name for a one-line message: valid UTF-8 stays, control characters become
/// `\n`, `\t`, `\u{..}`, and bytes that are not UTF-8 become `\xNN`.
pub(crate) fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// [`escape_bytes`] for an `OsStr` / path.
pub(crate) fn escape_os(s: &OsStr) -> String {
    escape_bytes(s.as_bytes())
}
