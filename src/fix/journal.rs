//! The journal: one JSON line per applied change, with its before-state, so `celtool undo` can
//! restore it. Append-only; an undo is journaled as a run of its own that names the run it undid.
//!
//! What undo reads from the journal it writes to the broker and to /proc, /sys and /etc, so the
//! journal is trusted only as ssh trusts its files: the file must be a regular file owned by the
//! user celtool runs as, the file and every directory above it must not be writable by group or
//! others (a directory may be if it is sticky and root's, like /tmp), and directories must be
//! owned by that user or root. A journal whose last line is incomplete (a write cut short) is
//! refused before anything is applied, and an entry is written only after it has been read
//! back from its own text. Fixes and undo serialise on `<journal>.lock` ([`Journal::lock`]).

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::Change;

/// One applied change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The run this change belongs to; `celtool undo RUN` takes it.
    pub run: String,
    /// Order within the run, from 0.
    pub seq: usize,
    /// RFC 3339 time the change was applied.
    pub time: String,
    /// The fix that made it (`event-queues`, `undo`, ...).
    pub fix: String,
    /// The management API base URL the change was made on, for broker changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
    /// For an undo run: the run it undid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<String>,
    pub change: Change,
    /// The entry's line in the journal (1-based), for messages; 0 when not read from a file.
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the journal {path}: {cause}")]
    Write { path: String, cause: String },
    #[error("cannot read the journal {path}: {cause}")]
    Read { path: String, cause: String },
    #[error("journal {path}, line {line}: not a journal entry ({cause}); fix or move the file")]
    Corrupt {
        path: String,
        line: usize,
        cause: String,
    },
    #[error(
        "journal {path}, line {line}: the last line is incomplete (a write was cut short); nothing was changed: remove that line (or move the journal aside) and run again"
    )]
    Truncated { path: String, line: usize },
    #[error(
        "refusing the journal {path}: {why}; undo would act on what it says, so check its entries, then {remedy}"
    )]
    Unsafe {
        path: String,
        why: String,
        remedy: String,
    },
    #[error(
        "another celtool fix or undo holds the journal lock {path}: run again when it has finished"
    )]
    Locked { path: String },
}

/// `$XDG_STATE_HOME/celtool/journal.jsonl`, else `~/.local/state/celtool/journal.jsonl`.
pub fn default_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("celtool/journal.jsonl");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/".into());
    PathBuf::from(home).join(".local/state/celtool/journal.jsonl")
}

/// A run ID: UTC time and pid, unique enough for one host and easy to type. A second run in the
/// same process (`doctor --fix` applying two plans within a second) gets `-2`, `-3`, ...
pub fn new_run_id() -> String {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let t = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let compact: String = t.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let id = format!("{}-{}", compact.trim_end_matches('Z'), std::process::id());
    match RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
        0 => id,
        n => format!("{id}-{}", n + 1),
    }
}

pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    pub fn new(path: PathBuf) -> Self {
        Journal { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }

    fn write_error(&self, e: impl std::fmt::Display) -> JournalError {
        JournalError::Write {
            path: self.shown(),
            cause: e.to_string(),
        }
    }

    /// The journal's directory, created (mode 0700) if missing, and checked like the file.
    fn ready_dir(&self) -> Result<(), JournalError> {
        if let Some(dir) = self.dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| self.write_error(e))?;
        }
        self.check_dirs()
    }

    fn dir(&self) -> Option<&Path> {
        self.path.parent().filter(|d| !d.as_os_str().is_empty())
    }

    /// Every directory from the journal's up to `/` (after resolving symlinks) must be owned
    /// by us or root and not writable by group or others, unless sticky and root's.
    fn check_dirs(&self) -> Result<(), JournalError> {
        let dir = self.dir().unwrap_or(Path::new("."));
        let Ok(real) = std::fs::canonicalize(dir) else {
            return Ok(()); // missing: nothing in it to trust yet
        };
        let me = euid();
        for d in real.ancestors() {
            let m = std::fs::metadata(d).map_err(|e| JournalError::Read {
                path: self.shown(),
                cause: format!("{}: {e}", d.display()),
            })?;
            let shown = d.display();
            let mode = m.mode() & 0o7777;
            if m.uid() != me && m.uid() != 0 {
                return Err(self.unsafe_(
                    format!(
                        "its directory {shown} is owned by uid {}, not by uid {me} or root",
                        m.uid()
                    ),
                    "use a journal in a directory of your own (--journal FILE)".into(),
                ));
            }
            if mode & 0o022 != 0 && !(mode & 0o1000 != 0 && m.uid() == 0) {
                return Err(self.unsafe_(
                    format!(
                        "its directory {shown} is writable by group or others (mode {mode:04o})"
                    ),
                    format!("chmod go-w {shown}"),
                ));
            }
        }
        Ok(())
    }

    fn unsafe_(&self, why: String, remedy: String) -> JournalError {
        JournalError::Unsafe {
            path: self.shown(),
            why,
            remedy,
        }
    }

    /// The open journal file must be a regular file of ours that only we can write.
    fn check_file(&self, m: &std::fs::Metadata) -> Result<(), JournalError> {
        let mode = m.mode() & 0o7777;
        if !m.file_type().is_file() {
            return Err(self.unsafe_(
                "it is not a regular file".into(),
                "give a regular file with --journal".into(),
            ));
        }
        if m.uid() != euid() {
            return Err(self.unsafe_(
                format!(
                    "it is owned by uid {}, not by uid {} who runs celtool",
                    m.uid(),
                    euid()
                ),
                "use a journal of your own (--journal FILE), or chown it".into(),
            ));
        }
        if mode & 0o022 != 0 {
            return Err(self.unsafe_(
                format!("it is writable by group or others (mode {mode:04o})"),
                format!("chmod 600 {}", self.shown()),
            ));
        }
        Ok(())
    }

    /// Opens the journal without following a symlink, and checks it and its directories.
    /// `Ok(None)`: there is no journal yet.
    fn open_checked(&self, write: bool) -> Result<Option<std::fs::File>, JournalError> {
        if write {
            self.ready_dir()?;
        } else {
            self.check_dirs()?;
        }
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .append(write)
            .create(write)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&self.path);
        let file = match opened {
            Ok(f) => f,
            Err(e) if !write && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(self.unsafe_(
                    "it is a symbolic link".into(),
                    "give the real file with --journal".into(),
                ));
            }
            Err(e) if write => return Err(self.write_error(e)),
            Err(e) => {
                return Err(JournalError::Read {
                    path: self.shown(),
                    cause: e.to_string(),
                });
            }
        };
        let meta = file.metadata().map_err(|e| self.write_error(e))?;
        self.check_file(&meta)?;
        Ok(Some(file))
    }

    /// Check the journal before anything is applied: safe to trust, and every line readable.
    pub fn check(&self) -> Result<(), JournalError> {
        self.entries().map(|_| ())
    }

    /// Append one entry and flush it to disk before the next change is made. The line is
    /// parsed back before it is written, and never written onto an incomplete last line.
    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(entry).map_err(|e| self.write_error(e))?;
        match serde_json::from_str::<Entry>(&line) {
            Ok(back) if &back == entry => {}
            _ => {
                return Err(self.write_error(
                    "the entry would not read back as written; nothing was appended",
                ));
            }
        }
        line.push('\n');
        let mut file = self.open_checked(true)?.expect("created");
        let text = std::io::read_to_string(&mut file).map_err(|e| self.write_error(e))?;
        if !text.is_empty() && !text.ends_with('\n') {
            let last = text.rsplit('\n').next().unwrap_or_default();
            if serde_json::from_str::<Entry>(last).is_err() {
                return Err(JournalError::Truncated {
                    path: self.shown(),
                    line: text.lines().count(),
                });
            }
            line.insert(0, '\n'); // a complete entry that lost only its newline
        }
        if let Err(e) = file
            .write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
        {
            // A short write (a full disk) must not leave a partial line behind.
            let _ = file.set_len(text.len() as u64);
            return Err(self.write_error(e));
        }
        Ok(())
    }

    /// Every entry, oldest first, from a journal that passed the ownership and mode checks.
    /// A missing journal is empty.
    pub fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let Some(mut file) = self.open_checked(false)? else {
            return Ok(Vec::new());
        };
        let text = std::io::read_to_string(&mut file).map_err(|e| JournalError::Read {
            path: self.shown(),
            cause: e.to_string(),
        })?;
        let count = text.lines().count();
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str::<Entry>(l)
                    .map(|mut e| {
                        e.line = i + 1;
                        e
                    })
                    .map_err(|e| {
                        if i + 1 == count && !text.ends_with('\n') {
                            JournalError::Truncated {
                                path: self.shown(),
                                line: i + 1,
                            }
                        } else {
                            JournalError::Corrupt {
                                path: self.shown(),
                                line: i + 1,
                                cause: e.to_string(),
                            }
                        }
                    })
            })
            .collect()
    }

    /// Take the journal's lock (`<journal>.lock`, flock) so fixes and undo never overlap; it
    /// is held until the guard drops. Refuses at once when another process holds it. Within
    /// one process a second call for the same journal returns a guard that holds nothing, so
    /// a command can lock before it reads the state it plans from and the apply step can
    /// lock again.
    pub fn lock(&self) -> Result<JournalLock, JournalError> {
        let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
        if held.contains(&self.path) {
            return Ok(JournalLock { held: None });
        }
        self.ready_dir()?;
        let lock = Journal::new(self.lock_path());
        let file = lock.open_checked(true)?.expect("created");
        // SAFETY: a valid fd owned by `file`.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let e = std::io::Error::last_os_error();
            return Err(if e.kind() == std::io::ErrorKind::WouldBlock {
                JournalError::Locked { path: lock.shown() }
            } else {
                lock.write_error(e)
            });
        }
        held.push(self.path.clone());
        Ok(JournalLock {
            held: Some((self.path.clone(), file)),
        })
    }
}

/// Journals this process holds the lock of.
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn euid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

/// Holds a journal's lock until dropped (see [`Journal::lock`]).
#[derive(Debug)]
pub struct JournalLock {
    held: Option<(PathBuf, std::fs::File)>,
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        if let Some((path, _file)) = self.held.take() {
            HELD.lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|p| p != &path);
        }
    }
}

/// The runs of a journal that can still be undone (not undo runs, not undone yet), oldest first.
pub fn undoable_runs(entries: &[Entry]) -> Vec<String> {
    let undone: std::collections::HashSet<&str> = entries
        .iter()
        .filter_map(|e| e.undo_of.as_deref())
        .collect();
    let mut runs: Vec<String> = Vec::new();
    for e in entries {
        if e.undo_of.is_none() && !undone.contains(e.run.as_str()) && !runs.contains(&e.run) {
            runs.push(e.run.clone());
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(run: &str, undo_of: Option<&str>) -> Entry {
        Entry {
            run: run.into(),
            seq: 0,
            time: now(),
            fix: "event-queues".into(),
            broker: Some("http://localhost:15672/".into()),
            undo_of: undo_of.map(str::to_string),
            change: Change::DeleteQueue {
                vhost: "/".into(),
                name: "q".into(),
                messages: 0.0,
            },
            line: 0,
        }
    }

    #[test]
    fn append_and_read_back_and_find_undoable_runs() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("state/celtool/journal.jsonl"));
        assert_eq!(j.entries().unwrap(), vec![]);
        for e in [entry("a", None), entry("b", None), entry("u1", Some("b"))] {
            j.append(&e).unwrap();
        }
        let entries = j.entries().unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(undoable_runs(&entries), vec!["a".to_string()]);
    }

    #[test]
    fn a_corrupt_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        std::fs::write(&path, "{\"run\":1}\n").unwrap();
        let e = Journal::new(path).entries().unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn an_incomplete_last_line_is_refused_and_never_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j.jsonl"));
        j.append(&entry("a", None)).unwrap();
        let good = std::fs::read_to_string(j.path()).unwrap();
        let cut = format!("{good}{}", &good[..good.len() / 2]);
        std::fs::write(j.path(), &cut).unwrap();
        let e = j.check().unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "journal {}, line 2: the last line is incomplete",
                j.path().display()
            )),
            "{e}"
        );
        let e = j.append(&entry("b", None)).unwrap_err().to_string();
        assert!(e.contains("line 2: the last line is incomplete"), "{e}");
        assert_eq!(std::fs::read_to_string(j.path()).unwrap(), cut);
        // A complete entry that lost only its newline is kept, and the next goes on a line
        // of its own.
        std::fs::write(j.path(), good.trim_end()).unwrap();
        j.append(&entry("b", None)).unwrap();
        assert_eq!(j.entries().unwrap().len(), 2);
    }

    #[test]
    fn unsafe_files_and_directories_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j.jsonl"));
        j.append(&entry("a", None)).unwrap();
        let mode = |m| std::fs::Permissions::from_mode(m);
        assert_eq!(
            std::fs::metadata(j.path()).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(j.path(), mode(0o620)).unwrap();
        let e = j.entries().unwrap_err().to_string();
        assert!(e.contains("writable by group or others (mode 0620)"), "{e}");
        assert!(j.append(&entry("b", None)).is_err());
        std::fs::set_permissions(j.path(), mode(0o600)).unwrap();
        std::fs::set_permissions(dir.path(), mode(0o1777)).unwrap();
        // Sticky is fine only for root's directories (like /tmp).
        let refused = j.entries().is_err();
        assert_eq!(refused, euid() != 0);
        std::fs::set_permissions(dir.path(), mode(0o770)).unwrap();
        let e = j.entries().unwrap_err().to_string();
        assert!(
            e.contains("is writable by group or others (mode 0770)"),
            "{e}"
        );
        std::fs::set_permissions(dir.path(), mode(0o700)).unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(j.path(), &link).unwrap();
        let e = Journal::new(link).entries().unwrap_err().to_string();
        assert!(e.contains("it is a symbolic link"), "{e}");
    }

    #[test]
    fn the_lock_is_reentrant_within_a_process_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j.jsonl"));
        let outer = j.lock().unwrap();
        let inner = j.lock().unwrap();
        drop(inner);
        // Another open file description (as another process would have) cannot take it.
        let f = std::fs::File::open(dir.path().join("j.jsonl.lock")).unwrap();
        // SAFETY: valid fd.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(rc, -1, "the outer guard still holds the lock");
        drop(outer);
        // SAFETY: valid fd.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(rc, 0, "released on drop");
    }

    #[test]
    fn run_ids_are_typeable() {
        let id = new_run_id();
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{id}"
        );
    }
}
