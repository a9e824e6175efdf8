//! The journal: one JSON line per applied change, with its before-state, so `celtool undo` can
//! restore it. Append-only; an undo is journaled as a run of its own that names the run it undid.

use std::io::Write;
use std::path::{Path, PathBuf};
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

    /// Append one entry and flush it to disk before the next change is made.
    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let fail = |e: std::io::Error| JournalError::Write {
            path: self.shown(),
            cause: e.to_string(),
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(fail)?;
        let mut line = serde_json::to_string(entry).map_err(|e| JournalError::Write {
            path: self.shown(),
            cause: e.to_string(),
        })?;
        line.push('\n');
        file.write_all(line.as_bytes()).map_err(fail)?;
        file.sync_data().map_err(fail)
    }

    /// Every entry, oldest first. A missing journal is empty.
    pub fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(JournalError::Read {
                    path: self.shown(),
                    cause: e.to_string(),
                });
            }
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| JournalError::Corrupt {
                    path: self.shown(),
                    line: i + 1,
                    cause: e.to_string(),
                })
            })
            .collect()
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
    fn run_ids_are_typeable() {
        let id = new_run_id();
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{id}"
        );
    }
}
