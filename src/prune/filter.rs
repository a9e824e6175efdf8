//! The per-entry decisions that need no I/O: age, depth limits and include/exclude globs.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::UNIX_EPOCH;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::sys::Meta;
use super::{AgeBy, PruneError, PruneOptions};

/// Two glob sets: patterns matched against the name, and those (with a `/`) against the path
/// relative to the root.
struct Globs {
    by_name: GlobSet,
    by_path: GlobSet,
    any: bool,
}

impl Globs {
    fn new(patterns: &[String]) -> Result<Self, PruneError> {
        let mut by_name = GlobSetBuilder::new();
        let mut by_path = GlobSetBuilder::new();
        for p in patterns {
            let glob = GlobBuilder::new(p)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|source| PruneError::BadGlob {
                    pattern: p.clone(),
                    source,
                })?;
            if p.contains('/') {
                by_path.add(glob)
            } else {
                by_name.add(glob)
            };
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|source| PruneError::BadGlob {
                pattern: patterns.join(" "),
                source,
            })
        };
        Ok(Globs {
            by_name: build(by_name)?,
            by_path: build(by_path)?,
            any: !patterns.is_empty(),
        })
    }

    fn needs_path(&self) -> bool {
        !self.by_path.is_empty()
    }

    fn is_match(&self, name: &[u8], relpath: &[u8]) -> bool {
        (!self.by_name.is_empty() && self.by_name.is_match(Path::new(OsStr::from_bytes(name))))
            || (!self.by_path.is_empty()
                && self.by_path.is_match(Path::new(OsStr::from_bytes(relpath))))
    }
}

pub(crate) struct Filter {
    age_by: Vec<AgeBy>,
    /// `now - older_than`, in nanoseconds since the epoch: older means strictly before this.
    cutoff_ns: i128,
    include: Globs,
    exclude: Globs,
    min_depth: usize,
    max_depth: Option<usize>,
}

impl Filter {
    pub fn new(opts: &PruneOptions) -> Result<Self, PruneError> {
        let now_ns = match opts.now.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        let age_by = if opts.age_by.is_empty() {
            vec![AgeBy::Mtime]
        } else {
            opts.age_by.clone()
        };
        Ok(Filter {
            age_by,
            cutoff_ns: now_ns - opts.older_than.as_nanos() as i128,
            include: Globs::new(&opts.include)?,
            exclude: Globs::new(&opts.exclude)?,
            min_depth: opts.min_depth.max(1),
            max_depth: opts.max_depth,
        })
    }

    /// Old by every chosen timestamp.
    pub fn is_old(&self, m: &Meta) -> bool {
        self.age_by.iter().all(|a| {
            let (sec, nsec) = match a {
                AgeBy::Mtime => m.mtime,
                AgeBy::Atime => m.atime,
                AgeBy::Ctime => m.ctime,
            };
            (sec as i128) * 1_000_000_000 + (nsec as i128) < self.cutoff_ns
        })
    }

    /// Whether the globs need the relative path (else the walker need not build it).
    pub fn needs_path(&self) -> bool {
        self.include.needs_path() || self.exclude.needs_path()
    }

    /// The globs allow removing this entry.
    pub fn name_allowed(&self, name: &[u8], relpath: &[u8]) -> bool {
        (!self.include.any || self.include.is_match(name, relpath))
            && !(self.exclude.any && self.exclude.is_match(name, relpath))
    }

    /// An entry at this depth may be removed.
    pub fn depth_removable(&self, depth: usize) -> bool {
        depth >= self.min_depth && self.max_depth.is_none_or(|m| depth <= m)
    }

    /// Entries at this depth are looked at at all.
    pub fn depth_visible(&self, depth: usize) -> bool {
        self.max_depth.is_none_or(|m| depth <= m)
    }

    /// A directory at this depth may be entered.
    pub fn descend(&self, depth: usize) -> bool {
        self.max_depth.is_none_or(|m| depth < m)
    }
}
