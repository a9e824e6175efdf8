//! The run lock: an exclusive `flock` so two prunes of the same root never overlap.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::PruneError;
use super::sys;

/// Holds the lock until dropped (closing the fd releases the `flock`).
#[derive(Debug)]
pub struct LockGuard {
    _fd: OwnedFd,
    path: PathBuf,
}

impl LockGuard {
    /// The directory or file that is locked.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes an exclusive `flock` on the root directory `path` itself, creating nothing: a missing
/// root is [`PruneError::RootMissing`], a symlink (with or without a trailing slash)
/// [`PruneError::RootSymlink`], anything else but a directory [`PruneError::RootNotDirectory`].
/// `wait` as for [`lock`].
pub fn lock_root(path: &Path, wait: bool) -> Result<LockGuard, PruneError> {
    let display = sys::escape_os(path.as_os_str());
    let meta = super::check_root_path(path)?;
    if !meta.is_dir() {
        return Err(PruneError::RootNotDirectory { path: display });
    }
    let given = super::as_given(path);
    let cpath = CString::new(given.as_os_str().as_bytes()).map_err(|_| PruneError::LockOpen {
        path: display.clone(),
        source: io::ErrorKind::InvalidInput.into(),
    })?;
    // No trailing slash here, so O_NOFOLLOW refuses a link swapped in since the check.
    let fd = sys::open_dir_path(&cpath).map_err(|source| PruneError::LockOpen {
        path: display.clone(),
        source,
    })?;
    flock(fd, path, display, wait)
}

/// Takes an exclusive `flock` on `path`. A directory (normally the root itself) is locked
/// directly, so no lock file is ever created inside a temp root where it could be pruned; any
/// other path is a lock file, created (mode 0600) if missing and never followed if a symlink.
/// Without `wait` a lock held elsewhere returns [`PruneError::Locked`] at once; with `wait`
/// this blocks until the holder releases it.
pub fn lock(path: &Path, wait: bool) -> Result<LockGuard, PruneError> {
    let display = sys::escape_os(path.as_os_str());
    let open_err = |source: io::Error| PruneError::LockOpen {
        path: display.clone(),
        source,
    };
    let cpath = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| open_err(io::ErrorKind::InvalidInput.into()))?;
    let fd = match sys::open_dir_path(&cpath) {
        Ok(fd) => fd,
        Err(e)
            if e.raw_os_error() == Some(libc::ENOTDIR) || e.kind() == io::ErrorKind::NotFound =>
        {
            let flags = libc::O_RDWR | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC;
            // SAFETY: NUL-terminated path; mode passed as the variadic argument.
            let raw = unsafe { libc::open(cpath.as_ptr(), flags, 0o600 as libc::c_uint) };
            if raw < 0 {
                return Err(open_err(io::Error::last_os_error()));
            }
            // SAFETY: fresh fd that we own.
            unsafe { OwnedFd::from_raw_fd(raw) }
        }
        Err(e) => return Err(open_err(e)),
    };
    flock(fd, path, display, wait)
}

fn flock(fd: OwnedFd, path: &Path, display: String, wait: bool) -> Result<LockGuard, PruneError> {
    match sys::flock_exclusive(fd.as_fd(), wait) {
        Ok(()) => Ok(LockGuard {
            _fd: fd,
            path: path.to_path_buf(),
        }),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            Err(PruneError::Locked { path: display })
        }
        Err(source) => Err(PruneError::LockOpen {
            path: display,
            source,
        }),
    }
}
