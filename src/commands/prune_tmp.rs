//! `celtool prune-tmp`: lock, prune, summarise. The deletion engine is `crate::prune`.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::cli::{AgeBy, PruneTmpArgs};
use crate::error::{Error, Outcome};
use crate::output::prometheus::Exposition;
use crate::output::run::Nagios;
use crate::output::{Format, Printer};
use crate::prune::{self, PruneOptions, PruneSummary};
use crate::report::Severity;
use crate::text::{fmt_bytes, sanitize};

/// The JSON summary of a run; its keys are a scripting contract.
#[derive(Debug, Serialize)]
struct JsonSummary<'a> {
    paths: Vec<String>,
    dry_run: bool,
    files_removed: u64,
    dirs_removed: u64,
    symlinks_removed: u64,
    bytes_freed: u64,
    inodes_freed: u64,
    entries_seen: u64,
    skipped: u64,
    vanished: u64,
    errors: u64,
    error_samples: &'a [String],
    seconds: f64,
}

/// How prune-tmp's status line starts: `PRUNE-TMP OK - ...`; a run that cannot prune prints
/// `PRUNE-TMP UNKNOWN - ...` (see `crate::output::run`).
pub const NAGIOS_STATUS: Nagios = Nagios {
    service: "PRUNE-TMP",
    separator: " - ",
};

/// The prefix of prune-tmp's run metrics: `celtool_prune_success`, ...
pub const RUN_PREFIX: &str = "celtool_prune";

pub fn run(p: &Printer, args: &PruneTmpArgs) -> Result<Outcome, Error> {
    let opts = options(args);
    // Hold every lock before touching anything; released when the guards drop at the end.
    let _locks = match &args.lock_file {
        Some(file) => vec![prune::lock(file, args.wait)?],
        None => args
            .paths
            .iter()
            .map(|p| prune::lock_root(p, args.wait))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let spinner = p.spinner("pruning");
    let tick = |seen: u64| spinner.set(format!("{seen} entries looked at"));
    // `--dry-run -v` lists what would go, one escaped path per line, as the walk finds it.
    let list = args.dry_run && args.verbose && !p.style.quiet && p.style.format == Format::Table;
    let mut list_error: Option<Error> = None;
    let mut print_path = |path: &str| {
        if list_error.is_none()
            && let Err(e) = p.out(&(sanitize(path) + "\n"))
        {
            list_error = Some(e);
        }
    };
    let listed: Option<&mut dyn FnMut(&str)> = if list { Some(&mut print_path) } else { None };
    let summary = prune::prune_listing(&opts, Some(&tick), listed);
    drop(spinner);
    let summary = summary?;
    if let Some(e) = list_error {
        return Err(e);
    }
    report_errors(p, &summary);
    let paths: Vec<String> = args.paths.iter().map(|p| display(p)).collect();
    if let Some(file) = &args.textfile {
        write_atomically(file, &prometheus(&paths, &summary))?;
    }
    match p.style.format {
        // SARIF is refused before dispatch (`crate::output::run::Kind::refuses`).
        Format::Json | Format::Sarif => p.json(&json(&paths, &summary))?,
        Format::Prometheus => p.out(&prometheus(&paths, &summary))?,
        Format::Nagios => p.out(&(nagios_line(&summary) + "\n"))?,
        Format::Table => {
            if !p.style.quiet && (args.verbose || p.style.tty) {
                p.out(&(summary_line(&summary) + "\n"))?;
            }
        }
    }
    Ok(Outcome::Checked(if summary.errors > 0 {
        Severity::Warn
    } else {
        Severity::Ok
    }))
}

fn options(args: &PruneTmpArgs) -> PruneOptions {
    let mut opts = PruneOptions::new(args.paths.clone(), args.older_than);
    opts.age_by = args
        .age_by
        .iter()
        .map(|a| match a {
            AgeBy::Mtime => prune::AgeBy::Mtime,
            AgeBy::Atime => prune::AgeBy::Atime,
            AgeBy::Ctime => prune::AgeBy::Ctime,
        })
        .collect();
    opts.rmdir = args.rmdir;
    opts.dry_run = args.dry_run;
    opts.include = args.include.clone();
    opts.exclude = args.exclude.clone();
    opts.min_depth = args.min_depth;
    opts.max_depth = args.max_depth;
    opts.all_types = args.all_types;
    opts.force_root = args.force_root;
    opts
}

fn display(p: &Path) -> String {
    sanitize(&p.to_string_lossy())
}

/// Per-entry errors go to stderr whatever the format: cron mails them, and only them.
fn report_errors(p: &Printer, s: &PruneSummary) {
    for sample in &s.error_samples {
        p.warn(sample);
    }
    let more = s.errors.saturating_sub(s.error_samples.len() as u64);
    if more > 0 {
        p.warn(&format!("... and {more} more errors"));
    }
}

/// `celtool prune-tmp: removed 120 files, 3 directories, 1 symlink; freed 4.2 MiB and 124 inodes; 0 errors; 0.04 s`
pub fn summary_line(s: &PruneSummary) -> String {
    format!(
        "celtool prune-tmp: {} {} files, {} directories, {} symlinks; {} {} and {} inodes; {} errors, {} vanished; {:.2} s",
        if s.dry_run { "would remove" } else { "removed" },
        s.files_removed,
        s.dirs_removed,
        s.symlinks_removed,
        if s.dry_run { "would free" } else { "freed" },
        fmt_bytes(s.bytes_freed as f64),
        s.inodes_freed,
        s.errors,
        s.vanished,
        s.elapsed.as_secs_f64()
    )
}

/// A Monitoring Plugins status line: `PRUNE-TMP OK - removed 3 entries (...) | 'removed'=3;;;0
/// ...`. WARNING (exit 1) when some entries could not be handled: the `errors` perf value has
/// the warning range `0` (alert above 0). Counts have no unit, bytes `B`, time `s`.
pub fn nagios_line(s: &PruneSummary) -> String {
    let status = if s.errors > 0 { "WARNING" } else { "OK" };
    let (removed, freed) = if s.dry_run {
        ("dry run: would remove", "would free")
    } else {
        ("removed", "freed")
    };
    format!(
        "{} {status}{}{removed} {} entries ({} files, {} directories, {} symlinks), {freed} {} and {} inodes, {} errors, {} vanished | 'removed'={};;;0 'files'={};;;0 'directories'={};;;0 'symlinks'={};;;0 'bytes_freed'={}B;;;0 'inodes_freed'={};;;0 'errors'={};0;;0 'vanished'={};;;0 'time'={:.3}s;;;0",
        NAGIOS_STATUS.service,
        NAGIOS_STATUS.separator,
        s.removed(),
        s.files_removed,
        s.dirs_removed,
        s.symlinks_removed,
        fmt_bytes(s.bytes_freed as f64),
        s.inodes_freed,
        s.errors,
        s.vanished,
        s.removed(),
        s.files_removed,
        s.dirs_removed,
        s.symlinks_removed,
        s.bytes_freed,
        s.inodes_freed,
        s.errors,
        s.vanished,
        s.elapsed.as_secs_f64(),
    )
}

fn json<'a>(paths: &[String], s: &'a PruneSummary) -> JsonSummary<'a> {
    JsonSummary {
        paths: paths.to_vec(),
        dry_run: s.dry_run,
        files_removed: s.files_removed,
        dirs_removed: s.dirs_removed,
        symlinks_removed: s.symlinks_removed,
        bytes_freed: s.bytes_freed,
        inodes_freed: s.inodes_freed,
        entries_seen: s.entries_seen,
        skipped: s.skipped,
        vanished: s.vanished,
        errors: s.errors,
        error_samples: &s.error_samples,
        seconds: s.elapsed.as_secs_f64(),
    }
}

fn prometheus(paths: &[String], s: &PruneSummary) -> String {
    let joined = paths.join(",");
    let labels = [("paths", joined.as_str())];
    let mut e = Exposition::default();
    // The run metrics carry no label, as in the exposition of a run that could not start
    // (output::run): the same series whether the run succeeds or fails.
    crate::output::run::run_metrics(
        &mut e,
        RUN_PREFIX,
        "prune-tmp",
        crate::output::run::RunState::now(s.errors == 0),
    );
    let mut g = |name: &str, help: &str, v: f64| e.gauge(name, help, &labels, v);
    g(
        "celtool_prune_dry_run",
        "1 when the last run was a dry run (counts are what it would remove).",
        if s.dry_run { 1.0 } else { 0.0 },
    );
    g(
        "celtool_prune_files_removed",
        "Files removed by the last run.",
        s.files_removed as f64,
    );
    g(
        "celtool_prune_dirs_removed",
        "Directories removed by the last run.",
        s.dirs_removed as f64,
    );
    g(
        "celtool_prune_symlinks_removed",
        "Symlinks removed by the last run.",
        s.symlinks_removed as f64,
    );
    g(
        "celtool_prune_bytes_freed",
        "Bytes freed by the last run (blocks actually released).",
        s.bytes_freed as f64,
    );
    g(
        "celtool_prune_inodes_freed",
        "Inodes freed by the last run.",
        s.inodes_freed as f64,
    );
    g(
        "celtool_prune_entries_seen",
        "Entries looked at by the last run.",
        s.entries_seen as f64,
    );
    g(
        "celtool_prune_errors",
        "Entries the last run could not handle.",
        s.errors as f64,
    );
    g(
        "celtool_prune_duration_seconds",
        "Wall time of the last run.",
        s.elapsed.as_secs_f64(),
    );
    e.render()
}

/// Write to a temp file beside `path`, then rename it over `path`, so a reader (node_exporter)
/// never sees half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", display(path)));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    use std::os::unix::fs::PermissionsExt;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_says_would_in_a_dry_run() {
        let s = PruneSummary {
            files_removed: 3,
            dry_run: true,
            ..Default::default()
        };
        assert!(
            summary_line(&s).starts_with("celtool prune-tmp: would remove 3 files, 0 directories")
        );
    }

    #[test]
    fn nagios_line_warns_on_errors_and_says_dry_run() {
        let s = PruneSummary {
            files_removed: 2,
            errors: 1,
            dry_run: true,
            ..Default::default()
        };
        let line = nagios_line(&s);
        assert!(
            line.starts_with("PRUNE-TMP WARNING - dry run: would remove 2 entries (2 files, 0 directories, 0 symlinks), would free 0 B and 0 inodes, 1 errors, 0 vanished | 'removed'=2;;;0 "),
            "{line}"
        );
        assert!(line.contains(" 'errors'=1;0;;0 "), "{line}");
        assert!(line.ends_with(" 'time'=0.000s;;;0"), "{line}");
    }

    #[test]
    fn prometheus_summary_is_labelled_by_paths() {
        let s = PruneSummary {
            files_removed: 7,
            ..Default::default()
        };
        let text = prometheus(&["/tmp/a".into(), "/tmp/b".into()], &s);
        assert!(
            text.contains("celtool_prune_files_removed{paths=\"/tmp/a,/tmp/b\"} 7\n"),
            "{text}"
        );
        assert!(
            // The run metrics are unlabelled, as when a run fails before it starts.
            text.contains("celtool_prune_success 1\n"),
            "{text}"
        );
    }
}
