//! The walk itself: an explicit stack of directory frames, fd-relative system calls only, a
//! bounded number of open fds, and the per-entry remove-or-keep decision.

use std::collections::HashSet;
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::filter::Filter;
use super::sys::{self, DirReader, Kind, Meta};
use super::{FD_BUDGET, OpenRoot, PruneOptions, PruneSummary};

const DT_DIR: u8 = 4;
const PROGRESS_EVERY: u64 = 4096;
const MAX_SHOWN_PATH: usize = 300;

#[cfg(test)]
thread_local! {
    /// Tests set this to exercise the mountinfo fallback used on kernels without STATX_MNT_ID.
    pub(crate) static IGNORE_MNT_ID: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Hook for the race tests: runs with each non-directory name the listing gave, just before
/// the walk's `statx` of it (the look that judges it and precedes its removal).
#[cfg(test)]
type StatHook = Option<Box<dyn FnMut(&CStr)>>;

#[cfg(test)]
thread_local! {
    pub(crate) static BEFORE_STAT: std::cell::RefCell<StatHook> =
        const { std::cell::RefCell::new(None) };
}

/// One directory on the current path from the root.
struct Frame {
    /// Name in the parent (empty for the root).
    name: CString,
    meta: Meta,
    depth: usize,
    /// `None` while closed to respect the fd budget; reopened via `..` on the way back up.
    fd: Option<OwnedFd>,
    /// Subdirectories still to visit.
    pending: Vec<CString>,
    /// Children left in place: a dry run uses it to tell whether the directory would be empty.
    kept: u64,
    /// Old, within the depth limits, allowed by the globs, and `rmdir` asked for.
    removable: bool,
    /// Length of `Walker::relpath` before this frame's name was appended.
    path_len: usize,
}

struct Walker<'a, 'l> {
    root: &'a OpenRoot,
    opts: &'a PruneOptions,
    filter: &'a Filter,
    sum: &'a mut PruneSummary,
    progress: Option<&'a dyn Fn(u64)>,
    /// Told the path of each entry removed (or that a dry run would remove).
    listed: Option<&'a mut (dyn FnMut(&str) + 'l)>,
    root_mnt: Option<u64>,
    /// (dev, ino) of mount points strictly under the root, from /proc/self/mountinfo.
    mount_points: HashSet<(u64, u64)>,
    /// Path of the top frame relative to the root, raw bytes.
    relpath: Vec<u8>,
    stack: Vec<Frame>,
    /// Frames `1..first_open` have their fd closed; all others are open.
    first_open: usize,
    reader: Option<DirReader>,
}

/// Prunes one opened root, adding to `sum`.
pub(crate) fn walk_root<'l>(
    root: &OpenRoot,
    opts: &PruneOptions,
    filter: &Filter,
    sum: &mut PruneSummary,
    progress: Option<&dyn Fn(u64)>,
    listed: Option<&mut (dyn FnMut(&str) + 'l)>,
) {
    let root_fd = match root.fd.try_clone() {
        Ok(fd) => fd,
        Err(e) => {
            sum.error(format!(
                "{}: cannot duplicate the root fd: {e}",
                root.display
            ));
            return;
        }
    };
    #[cfg(test)]
    let root_mnt = if IGNORE_MNT_ID.get() {
        None
    } else {
        root.meta.mnt_id
    };
    #[cfg(not(test))]
    let root_mnt = root.meta.mnt_id;
    let mut w = Walker {
        root,
        opts,
        filter,
        sum,
        progress,
        listed,
        root_mnt,
        mount_points: mount_points_under(&root.canonical),
        relpath: Vec::new(),
        stack: Vec::new(),
        first_open: 1,
        reader: Some(DirReader::new()),
    };
    w.stack.push(Frame {
        name: CString::default(),
        meta: root.meta,
        depth: 0,
        fd: Some(root_fd),
        pending: Vec::new(),
        kept: 0,
        removable: false,
        path_len: 0,
    });
    w.scan_top();
    w.run();
}

impl Walker<'_, '_> {
    fn run(&mut self) {
        loop {
            let top = self
                .stack
                .last_mut()
                .expect("root frame stays until the end");
            if let Some(name) = top.pending.pop() {
                self.visit_subdir(name);
            } else if self.stack.len() == 1 {
                return;
            } else {
                self.finish_top();
            }
        }
    }

    fn top_fd(&self) -> BorrowedFd<'_> {
        self.stack
            .last()
            .and_then(|f| f.fd.as_ref())
            .expect("top frame is open")
            .as_fd()
    }

    /// Reads the top directory: judges non-directories at once, queues subdirectories.
    fn scan_top(&mut self) {
        let mut reader = self.reader.take().expect("reader is not re-entered");
        reader.reset();
        let fd = self
            .stack
            .last_mut()
            .and_then(|f| f.fd.take())
            .expect("top frame is open");
        let depth = self.stack.last().map_or(0, |f| f.depth) + 1;
        let mut pending = Vec::new();
        loop {
            let entry = match reader.next(fd.as_fd()) {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(e) => {
                    self.fail(None, format!("cannot read directory: {e}"));
                    self.keep();
                    break;
                }
            };
            self.sum.entries_seen += 1;
            if self.sum.entries_seen.is_multiple_of(PROGRESS_EVERY)
                && let Some(cb) = self.progress
            {
                cb(self.sum.entries_seen);
            }
            if !self.filter.depth_visible(depth) {
                self.sum.skipped += 1;
                self.keep();
                continue;
            }
            if entry.d_type == DT_DIR {
                pending.push(entry.name.to_owned());
                continue;
            }
            let name = entry.name.to_owned();
            #[cfg(test)]
            BEFORE_STAT.with_borrow_mut(|h| {
                if let Some(h) = h.as_mut() {
                    h(&name)
                }
            });
            // This look judges the entry and is the last before `unlinkat` (see
            // `judge_nondir`).
            match sys::statx_at(fd.as_fd(), &name) {
                Ok(m) if m.kind == Kind::Dir => pending.push(name),
                Ok(m) => self.judge_nondir(fd.as_fd(), &name, &m, depth),
                Err(e) => self.stat_failed(&name, e),
            }
        }
        let top = self.stack.last_mut().expect("top frame");
        top.fd = Some(fd);
        // Visit in listing order (pending is popped from the end).
        pending.reverse();
        top.pending = pending;
        self.reader = Some(reader);
    }

    /// Marks one child of the top frame as left in place.
    fn keep(&mut self) {
        if let Some(f) = self.stack.last_mut() {
            f.kept += 1;
        }
    }

    fn stat_failed(&mut self, name: &CStr, e: io::Error) {
        if e.kind() == io::ErrorKind::NotFound {
            self.sum.vanished += 1;
        } else {
            self.fail(Some(name), format!("cannot stat: {e}"));
            self.keep();
        }
    }

    /// On the root's device and in the root's mount, and not a mount point.
    fn same_mount(&self, m: &Meta) -> bool {
        #[cfg(test)]
        let mount_root = m.mount_root && !IGNORE_MNT_ID.get();
        #[cfg(not(test))]
        let mount_root = m.mount_root;
        m.dev == self.root.meta.dev
            && !mount_root
            && match (self.root_mnt, m.mnt_id) {
                (Some(r), Some(c)) => r == c,
                _ => true,
            }
            && !(m.kind == Kind::Dir && self.mount_points.contains(&(m.dev, m.ino)))
    }

    /// The globs allow removing `name` (a child of the top frame). Appends to `relpath` and
    /// truncates back, so deep trees do not copy their path per entry.
    fn globs_allow(&mut self, name: &CStr) -> bool {
        if !self.filter.needs_path() {
            return self.filter.name_allowed(name.to_bytes(), name.to_bytes());
        }
        let len = self.relpath.len();
        if len != 0 {
            self.relpath.push(b'/');
        }
        self.relpath.extend_from_slice(name.to_bytes());
        let allowed = self.filter.name_allowed(name.to_bytes(), &self.relpath);
        self.relpath.truncate(len);
        allowed
    }

    /// Removes a non-directory child of the top frame if every rule allows it. `m` is the
    /// `statx` taken just before, with nothing in between but these in-memory rules: the
    /// system call right before `unlinkat`, as in `find -delete` (a second look would only
    /// move the same two-call gap, at one more `statx` per file).
    fn judge_nondir(&mut self, dir: BorrowedFd<'_>, name: &CStr, m: &Meta, depth: usize) {
        let wanted = self.same_mount(m)
            && (m.kind != Kind::Special || self.opts.all_types)
            && self.filter.depth_removable(depth)
            && self.filter.is_old(m)
            && self.globs_allow(name);
        if !wanted {
            self.sum.skipped += 1;
            self.keep();
            return;
        }
        if !self.opts.dry_run
            && let Err(e) = sys::unlink_at(dir, name, false)
        {
            match e.raw_os_error() {
                Some(libc::ENOENT) => self.sum.vanished += 1,
                Some(libc::EISDIR) => {
                    // Replaced by a directory since the stat: leave it for the next run.
                    self.sum.skipped += 1;
                    self.keep();
                }
                _ => {
                    self.fail(Some(name), format!("cannot remove: {e}"));
                    self.keep();
                }
            }
            return;
        }
        self.list(name, false);
        match m.kind {
            Kind::Symlink => self.sum.symlinks_removed += 1,
            _ => self.sum.files_removed += 1,
        }
        if m.nlink <= 1 {
            self.sum.inodes_freed += 1;
            self.sum.bytes_freed += m.blocks * 512;
        }
    }

    /// Looks at a queued subdirectory of the top frame: enters it or judges it.
    fn visit_subdir(&mut self, name: CString) {
        let depth = self.stack.last().map_or(0, |f| f.depth) + 1;
        let m = match sys::statx_at(self.top_fd(), &name) {
            Ok(m) => m,
            Err(e) => return self.stat_failed(&name, e),
        };
        if m.kind != Kind::Dir {
            // Replaced by a file or symlink since the listing: judge it as what it is now.
            let fd = self
                .stack
                .last_mut()
                .and_then(|f| f.fd.take())
                .expect("top open");
            self.judge_nondir(fd.as_fd(), &name, &m, depth);
            self.stack.last_mut().expect("top").fd = Some(fd);
            return;
        }
        if !self.same_mount(&m) {
            self.sum.skipped += 1;
            self.keep();
            return;
        }
        let removable = self.opts.rmdir
            && self.filter.depth_removable(depth)
            && self.filter.is_old(&m)
            && self.globs_allow(&name);
        if !self.filter.descend(depth) {
            let path_len = self.relpath.len();
            let frame = Frame {
                name,
                meta: m,
                depth,
                fd: None,
                pending: Vec::new(),
                kept: 1, // not looked into: unknown whether empty
                removable,
                path_len,
            };
            self.remove_dir_or_keep(frame);
            return;
        }
        let Some(fd) = self.open_verified(&name, &m) else {
            return;
        };
        let path_len = self.relpath.len();
        if !self.relpath.is_empty() {
            self.relpath.push(b'/');
        }
        self.relpath.extend_from_slice(name.to_bytes());
        self.stack.push(Frame {
            name,
            meta: m,
            depth,
            fd: Some(fd),
            pending: Vec::new(),
            kept: 0,
            removable,
            path_len,
        });
        self.enforce_fd_budget();
        self.scan_top();
    }

    /// Opens the subdirectory `name` that was stat'ed as `m`, and checks that what was opened is
    /// that same directory on the same mount; None (counted as vanished or failed, and kept)
    /// when it is gone, cannot be opened or was replaced in between.
    fn open_verified(&mut self, name: &CStr, m: &Meta) -> Option<OwnedFd> {
        let fd = match sys::open_dir_at(self.top_fd(), name) {
            Ok(fd) => fd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.sum.vanished += 1;
                return None;
            }
            Err(e) => {
                let why = match e.raw_os_error() {
                    Some(libc::ELOOP | libc::ENOTDIR) => {
                        "replaced by a non-directory while being examined; not entered".to_string()
                    }
                    _ => format!("cannot open directory: {e}"),
                };
                self.fail(Some(name), why);
                self.keep();
                return None;
            }
        };
        match sys::statx_at(fd.as_fd(), c"") {
            Ok(now) if now.dev == m.dev && now.ino == m.ino && self.same_mount(&now) => {}
            Ok(_) => {
                self.fail(
                    Some(name),
                    "replaced between stat and open (race); not entered".to_string(),
                );
                self.keep();
                return None;
            }
            Err(e) => {
                self.fail(Some(name), format!("cannot stat opened directory: {e}"));
                self.keep();
                return None;
            }
        }
        Some(fd)
    }

    /// Closes the oldest open ancestor (never the root) while more than FD_BUDGET are open.
    fn enforce_fd_budget(&mut self) {
        while self.stack.len() - (self.first_open - 1) > FD_BUDGET
            && self.first_open < self.stack.len() - 1
        {
            self.stack[self.first_open].fd = None;
            self.first_open += 1;
        }
    }

    /// The top directory is done: make sure its parent is open, then remove it if allowed.
    fn finish_top(&mut self) {
        let frame = self.stack.pop().expect("non-root frame");
        self.relpath.truncate(frame.path_len);
        let p = self.stack.len() - 1;
        if p >= 1 && p < self.first_open && !self.reopen_parent(&frame) {
            return;
        }
        self.remove_dir_or_keep(frame);
    }

    /// Reopens the closed top frame through `..` of its just-finished child and checks it is
    /// the same directory. If not (something was moved), abandons every closed frame: their
    /// remaining entries are left alone and counted as one error.
    fn reopen_parent(&mut self, child: &Frame) -> bool {
        let p = self.stack.len() - 1;
        let child_fd = child.fd.as_ref().expect("finished frame is open");
        let expect = self.stack[p].meta;
        let err = match sys::open_dir_at(child_fd.as_fd(), c"..") {
            Ok(fd) => match sys::statx_at(fd.as_fd(), c"") {
                Ok(m) if m.dev == expect.dev && m.ino == expect.ino => {
                    self.stack[p].fd = Some(fd);
                    self.first_open = p;
                    return true;
                }
                Ok(_) => "it was moved while being pruned".to_string(),
                Err(e) => format!("cannot stat it again: {e}"),
            },
            Err(e) => format!("cannot reopen it: {e}"),
        };
        self.fail(None, format!("{err}; its remaining entries are left alone"));
        while self.stack.len() > 1 && self.stack.len() - 1 < self.first_open {
            let f = self.stack.pop().expect("closed frame");
            self.relpath.truncate(f.path_len);
        }
        self.first_open = self.stack.len();
        self.keep();
        false
    }

    /// Removes a finished (or not entered) directory child of the top frame if it is removable
    /// and empty; else records it as kept.
    fn remove_dir_or_keep(&mut self, frame: Frame) {
        if !frame.removable {
            self.sum.skipped += 1;
            self.keep();
            return;
        }
        if self.opts.dry_run {
            if frame.kept == 0 {
                self.list(&frame.name, true);
                self.count_dir(&frame.meta);
            } else {
                self.keep();
            }
            return;
        }
        // The name must still be the directory we judged.
        match sys::statx_at(self.top_fd(), &frame.name) {
            Ok(m) if m.dev == frame.meta.dev && m.ino == frame.meta.ino => {}
            Ok(_) => {
                self.sum.skipped += 1;
                self.keep();
                return;
            }
            Err(e) => return self.stat_failed(&frame.name, e),
        }
        match sys::unlink_at(self.top_fd(), &frame.name, true) {
            Ok(()) => {
                self.list(&frame.name, true);
                self.count_dir(&frame.meta)
            }
            Err(e) => match e.raw_os_error() {
                Some(libc::ENOTEMPTY | libc::EEXIST) => self.keep(),
                Some(libc::ENOENT) => self.sum.vanished += 1,
                _ => {
                    self.fail(Some(&frame.name), format!("cannot remove directory: {e}"));
                    self.keep();
                }
            },
        }
    }

    fn count_dir(&mut self, m: &Meta) {
        self.sum.dirs_removed += 1;
        self.sum.inodes_freed += 1;
        self.sum.bytes_freed += m.blocks * 512;
    }

    /// Counts an error; builds the message (with the path, costly in deep trees) only while
    /// samples are still kept.
    fn fail(&mut self, name: Option<&CStr>, what: String) {
        if self.sum.error_samples.len() < super::MAX_ERROR_SAMPLES {
            let msg = format!("{}: {what}", self.shown(name));
            self.sum.error(msg);
        } else {
            self.sum.errors += 1;
        }
    }

    /// Hands the full path of the top frame's child `name` (escaped, directories with a
    /// trailing `/`) to the `listed` callback, if any.
    fn list(&mut self, name: &CStr, dir: bool) {
        if self.listed.is_none() {
            return;
        }
        let mut path = sys::escape_bytes(&self.raw_path(Some(name)));
        if dir {
            path.push('/');
        }
        if let Some(cb) = self.listed.as_mut() {
            cb(&path);
        }
    }

    /// The path of the top directory (or of its child `name`), raw bytes.
    fn raw_path(&self, name: Option<&CStr>) -> Vec<u8> {
        let mut raw = self.root.canonical.as_os_str().as_bytes().to_vec();
        for part in [Some(self.relpath.as_slice()), name.map(CStr::to_bytes)]
            .into_iter()
            .flatten()
        {
            if !part.is_empty() {
                if raw.last() != Some(&b'/') {
                    raw.push(b'/');
                }
                raw.extend_from_slice(part);
            }
        }
        raw
    }

    /// The path of the top directory (or of its child `name`) for a message: escaped, and
    /// shortened in the middle when very deep.
    fn shown(&self, name: Option<&CStr>) -> String {
        let raw = self.raw_path(name);
        if raw.len() > MAX_SHOWN_PATH {
            let head = &raw[..MAX_SHOWN_PATH / 3];
            let tail = &raw[raw.len() - MAX_SHOWN_PATH / 2..];
            return format!(
                "{}/.../{}",
                sys::escape_bytes(head),
                sys::escape_bytes(tail)
            );
        }
        sys::escape_bytes(&raw)
    }
}

/// (dev, ino) of every mount point strictly under `root`, as seen now. Catches bind mounts on
/// kernels that do not report mount IDs; mount points that cannot be stat'ed are ignored (the
/// mount-ID and device checks still apply).
fn mount_points_under(root: &Path) -> HashSet<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = HashSet::new();
    let Ok(text) = std::fs::read("/proc/self/mountinfo") else {
        return out;
    };
    let mut prefix = root.as_os_str().as_bytes().to_vec();
    if prefix.last() != Some(&b'/') {
        prefix.push(b'/');
    }
    for line in text.split(|&b| b == b'\n') {
        let Some(field) = line.split(|&b| b == b' ').nth(4) else {
            continue;
        };
        let mp = crate::host::mounts::unescape_mountinfo(field);
        if mp.starts_with(&prefix) && mp.len() > prefix.len() {
            let p = Path::new(std::ffi::OsStr::from_bytes(&mp));
            if let Ok(md) = std::fs::symlink_metadata(p) {
                out.insert((md.dev(), md.ino()));
            }
        }
    }
    out
}
