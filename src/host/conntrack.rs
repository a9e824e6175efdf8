//! Connection tracking: the table's fill (count, max), its hash size and the per-CPU statistics
//! that count dropped packets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Reading, Roots, read_text};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conntrack {
    pub count: u64,
    pub max: u64,
    /// nf_conntrack_buckets; missing on some old kernels.
    pub buckets: Option<u64>,
    /// The module parameter in /sys; the same number as buckets where both exist.
    pub hashsize: Option<u64>,
    /// /proc/net/stat/nf_conntrack summed over CPUs, by column name. `entries` is a global count
    /// the kernel repeats on every row, so it is the largest row value, not the sum.
    pub stats: BTreeMap<String, u64>,
    /// Read from the pre-3.x ip_conntrack_* names.
    pub legacy: bool,
}

impl Conntrack {
    /// A stat column, 0 when this kernel does not have it.
    pub fn stat(&self, name: &str) -> u64 {
        self.stats.get(name).copied().unwrap_or(0)
    }
}

pub const NOT_LOADED: &str = "nf_conntrack module not loaded";

pub fn read(roots: &Roots) -> Reading<Conntrack> {
    let modern = roots.proc.join("sys/net/netfilter");
    let old = roots.proc.join("sys/net/ipv4/netfilter");
    let (dir, prefix, stat_file, module, legacy) = if modern.join("nf_conntrack_count").exists() {
        (
            modern,
            "nf_conntrack",
            "net/stat/nf_conntrack",
            "nf_conntrack",
            false,
        )
    } else if old.join("ip_conntrack_count").exists() {
        (
            old,
            "ip_conntrack",
            "net/stat/ip_conntrack",
            "ip_conntrack",
            true,
        )
    } else {
        return Reading::Absent(NOT_LOADED.to_string());
    };
    let number = |name: &str| -> Reading<u64> {
        let path = dir.join(format!("{prefix}_{name}"));
        read_text(&path, NOT_LOADED).and_then(|t| match t.trim().parse() {
            Ok(n) => Reading::Present(n),
            Err(e) => Reading::Unreadable(format!("{}: {e}", path.display())),
        })
    };
    let (count, max) = match (number("count"), number("max")) {
        (Reading::Present(count), Reading::Present(max)) => (count, max),
        (Reading::Unreadable(e), _) | (_, Reading::Unreadable(e)) => {
            return Reading::Unreadable(e);
        }
        _ => return Reading::Absent(NOT_LOADED.to_string()),
    };
    let stats = match read_text(&roots.proc.join(stat_file), "") {
        Reading::Present(t) => parse_stat(&t),
        Reading::Absent(_) => BTreeMap::new(),
        Reading::Unreadable(e) => return Reading::Unreadable(e),
    };
    let hashsize = read_u64(
        &roots
            .sys
            .join(format!("module/{module}/parameters/hashsize")),
    );
    Reading::Present(Conntrack {
        count,
        max,
        buckets: number("buckets").present().copied(),
        hashsize,
        stats,
        legacy,
    })
}

fn read_u64(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Parse the per-CPU statistics table: a header of column names, then one row of hex values per
/// CPU. Columns differ by kernel, so they are taken by name; unparsable cells are skipped.
pub fn parse_stat(text: &str) -> BTreeMap<String, u64> {
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return BTreeMap::new();
    };
    let names: Vec<&str> = header.split_whitespace().collect();
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for row in lines {
        for (name, cell) in names.iter().zip(row.split_whitespace()) {
            let Ok(v) = u64::from_str_radix(cell, 16) else {
                continue;
            };
            let slot = out.entry((*name).to_string()).or_insert(0);
            *slot = if *name == "entries" {
                (*slot).max(v)
            } else {
                slot.saturating_add(v)
            };
        }
    }
    out
}

/// The files `fix conntrack` persists its limits in, relative to /etc.
pub const SYSCTL_FILE: &str = "sysctl.d/90-celtool-conntrack.conf";
pub const MODPROBE_FILE: &str = "modprobe.d/90-celtool-conntrack.conf";

/// What the conntrack fix plans from besides the table itself: read while gathering, so the
/// planner is a pure function of the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConntrackFixInputs {
    /// MemTotal in bytes, which caps the size celtool picks.
    pub mem_total: Option<u64>,
    /// The tunable that holds the limit, and whether it is read-only here (a container, a
    /// non-initial network namespace).
    pub max_path: PathBuf,
    pub max_read_only: bool,
    /// The hashsize module parameter, when the module exposes it.
    pub hashsize_path: Option<PathBuf>,
    /// The persisted files and what they say now (None: they do not exist).
    pub sysctl_path: PathBuf,
    pub sysctl_now: Option<String>,
    pub modprobe_path: PathBuf,
    pub modprobe_now: Option<String>,
}

/// Every file the conntrack fix may write under `roots` and `etc` (both tunables, legacy and
/// current, the hashsize parameter, and the two persisted files): what undo may touch for it.
pub fn fix_paths(roots: &Roots, etc: &Path) -> Vec<PathBuf> {
    vec![
        roots.proc.join("sys/net/netfilter/nf_conntrack_max"),
        roots.proc.join("sys/net/ipv4/netfilter/ip_conntrack_max"),
        roots.sys.join("module/nf_conntrack/parameters/hashsize"),
        etc.join(SYSCTL_FILE),
        etc.join(MODPROBE_FILE),
    ]
}

/// Read the inputs of the conntrack fix under `roots` and `etc`.
pub fn read_fix_inputs(roots: &Roots, etc: &Path, legacy: bool) -> ConntrackFixInputs {
    use std::os::unix::fs::PermissionsExt;
    let max_path = if legacy {
        roots.proc.join("sys/net/ipv4/netfilter/ip_conntrack_max")
    } else {
        roots.proc.join("sys/net/netfilter/nf_conntrack_max")
    };
    let hashsize_path = roots.sys.join("module/nf_conntrack/parameters/hashsize");
    let sysctl_path = etc.join(SYSCTL_FILE);
    let modprobe_path = etc.join(MODPROBE_FILE);
    ConntrackFixInputs {
        mem_total: mem_total(&roots.proc),
        max_read_only: std::fs::metadata(&max_path)
            .is_ok_and(|m| m.permissions().mode() & 0o222 == 0),
        max_path,
        hashsize_path: hashsize_path.exists().then_some(hashsize_path),
        sysctl_now: std::fs::read_to_string(&sysctl_path).ok(),
        sysctl_path,
        modprobe_now: std::fs::read_to_string(&modprobe_path).ok(),
        modprobe_path,
    }
}

/// MemTotal in bytes from `<proc>/meminfo`.
fn mem_total(proc_root: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(proc_root.join("meminfo")).ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::fixture;

    fn roots(name: &str) -> Roots {
        Roots {
            proc: fixture(&format!("{name}/proc")),
            sys: fixture(&format!("{name}/sys")),
        }
    }

    #[test]
    fn kernel6_columns_are_summed_over_cpus() {
        let Reading::Present(c) = read(&roots("kernel6")) else {
            panic!("conntrack of kernel6 fixture")
        };
        assert_eq!(
            (c.count, c.max, c.buckets, c.hashsize),
            (5000, 6000, Some(512), Some(512))
        );
        assert!(!c.legacy);
        // 2 CPUs: drop 0x10 + 0x01, early_drop 0 + 0x2, insert_failed 0x3 + 0.
        assert_eq!(c.stat("drop"), 17);
        assert_eq!(c.stat("early_drop"), 2);
        assert_eq!(c.stat("insert_failed"), 3);
        assert_eq!(c.stat("search_restart"), 0x1f + 0x01);
        assert_eq!(c.stat("entries"), 0x1388, "entries is global, not summed");
        assert_eq!(c.stats.len(), 17);
    }

    #[test]
    fn kernel4_columns_without_drops() {
        let Reading::Present(c) = read(&roots("kernel4")) else {
            panic!("conntrack of kernel4 fixture")
        };
        assert_eq!(
            (c.count, c.max, c.buckets, c.hashsize),
            (100, 65536, Some(16384), Some(16384))
        );
        assert_eq!(c.stat("searched"), 0x2a + 0x10);
        assert_eq!(c.stat("delete_list"), 3);
        assert_eq!(
            c.stat("drop") + c.stat("early_drop") + c.stat("insert_failed"),
            0
        );
        assert!(c.stats.contains_key("expect_delete"));
        assert!(!c.stats.contains_key("clashres"));
    }

    #[test]
    fn legacy_ip_conntrack_names() {
        let Reading::Present(c) = read(&roots("legacy")) else {
            panic!("conntrack of legacy fixture")
        };
        assert!(c.legacy);
        assert_eq!(
            (c.count, c.max, c.buckets, c.hashsize),
            (30, 1024, None, None)
        );
        assert_eq!(c.stat("drop"), 0);
        assert_eq!(c.stat("found"), 5);
    }

    #[test]
    fn module_not_loaded_is_absent() {
        assert_eq!(
            read(&roots("nomodule")),
            Reading::Absent(NOT_LOADED.to_string())
        );
    }

    #[test]
    fn a_garbled_count_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let nf = dir.path().join("proc/sys/net/netfilter");
        std::fs::create_dir_all(&nf).unwrap();
        std::fs::write(nf.join("nf_conntrack_count"), "lots\n").unwrap();
        let r = read(&Roots {
            proc: dir.path().join("proc"),
            sys: dir.path().join("sys"),
        });
        let Reading::Unreadable(msg) = r else {
            panic!("expected unreadable, got {r:?}")
        };
        assert!(msg.contains("nf_conntrack_count: invalid digit"), "{msg}");
    }

    #[test]
    fn stat_table_tolerates_short_rows_and_junk() {
        let m = parse_stat("entries drop\n0000000a zz\n0000000a 00000001 extra\n");
        assert_eq!(m.get("entries"), Some(&10));
        assert_eq!(m.get("drop"), Some(&1));
        assert!(parse_stat("").is_empty());
    }
}

/// Property tests: the per-CPU table's columns differ by kernel, so the parser meets headers and
/// rows it has never seen; none may panic it, and known columns must sum as documented.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = parse_stat(&text);
        }

        #[test]
        fn table_shaped_text_never_panics(
            header in prop::collection::vec("[a-z_]{1,12}", 0..20),
            rows in prop::collection::vec(prop::collection::vec("[0-9a-fA-Fx ]{0,17}", 0..24), 0..8),
        ) {
            let mut text = header.join(" ");
            for row in rows {
                text.push('\n');
                text.push_str(&row.join(" "));
            }
            let _ = parse_stat(&text);
        }

        #[test]
        fn counters_sum_over_cpus_and_entries_take_the_largest(
            rows in prop::collection::vec((any::<u64>(), any::<u64>(), any::<u32>()), 1..16),
        ) {
            let mut text = String::from("entries  searched found  drop\n");
            for (entries, drop, found) in &rows {
                text.push_str(&format!("{entries:08x}  00000000 {found:08x}  {drop:016x}\n"));
            }
            let parsed = parse_stat(&text);
            let sum = |f: fn(&(u64, u64, u32)) -> u64| rows.iter().map(f).fold(0u64, u64::saturating_add);
            prop_assert_eq!(parsed.get("entries").copied(), rows.iter().map(|r| r.0).max());
            prop_assert_eq!(parsed.get("drop").copied(), Some(sum(|r| r.1)));
            prop_assert_eq!(parsed.get("found").copied(), Some(sum(|r| u64::from(r.2))));
            prop_assert_eq!(parsed.get("searched").copied(), Some(0));
        }
    }
}
