//! `celtool inodes`: inode use per filesystem, or the directories holding the most entries.

use serde::Serialize;

use super::{emit_listing, host_snapshot, present};
use crate::cli::InodesArgs;
use crate::error::{Error, Outcome};
use crate::host::{self, GatherOptions};
use crate::output::json::Named;
use crate::output::prometheus::Exposition;
use crate::output::table::{Align, render};
use crate::output::{Printer, Style};
use crate::settings::Settings;
use crate::text::fmt_pct;

/// One filesystem's inode use, as `inodes` lists it.
#[derive(Serialize)]
struct MountRow {
    mount_point: String,
    fs_type: String,
    source: String,
    inodes_total: Option<u64>,
    inodes_free: Option<u64>,
    used_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(s: &Settings, p: &Printer, args: &InodesArgs) -> Result<Outcome, Error> {
    if let Some(path) = &args.top {
        return inodes_top(p, path, args.limit);
    }
    let snap = host_snapshot(s, GatherOptions::only(false, true, false))?;
    let filesystems = present(snap.filesystems)?.unwrap_or_default();
    let mut rows: Vec<MountRow> = filesystems
        .into_iter()
        .map(|f| {
            let (total, free, error) = match &f.usage {
                Ok(u) => (Some(u.inodes_total), Some(u.inodes_free), None),
                Err(e) => (None, None, Some(e.clone())),
            };
            MountRow {
                mount_point: f.mount_point.display().to_string(),
                fs_type: f.fs_type,
                source: f.source,
                inodes_total: total,
                inodes_free: free,
                used_ratio: crate::checks::ratio(
                    total.zip(free).map(|(t, f)| t.saturating_sub(f) as f64),
                    total.map(|t| t as f64),
                ),
                error,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.mount_point.cmp(&b.mount_point));
    emit_listing(
        p,
        &Named("mounts", &rows),
        || mounts_table(&p.style, &rows),
        || mounts_prometheus(&snap.hostname, &rows),
    )?;
    Ok(Outcome::Done)
}

fn inodes_top(p: &Printer, path: &std::path::Path, limit: usize) -> Result<Outcome, Error> {
    let spinner = p.spinner("counting entries");
    let tick = |n: u64| spinner.set(format!("{n} entries counted"));
    let top = host::top_dirs(path, limit, Some(&tick)).map_err(|e| Error::Io(e.to_string()));
    drop(spinner);
    let top = top?;
    emit_listing(
        p,
        &top,
        || top_table(&p.style, &top),
        || top_prometheus(&top),
    )?;
    Ok(Outcome::Done)
}

fn mounts_table(style: &Style, rows: &[MountRow]) -> String {
    let num = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.mount_point.clone(),
                r.fs_type.clone(),
                num(r.inodes_total),
                num(r
                    .inodes_total
                    .zip(r.inodes_free)
                    .map(|(t, f)| t.saturating_sub(f))),
                num(r.inodes_free),
                match (&r.error, r.used_ratio) {
                    (Some(e), _) => e.clone(),
                    (None, Some(u)) => fmt_pct(u),
                    (None, None) => "no limit".into(),
                },
            ]
        })
        .collect();
    render(
        style,
        &[
            ("MOUNT", Align::Left),
            ("TYPE", Align::Left),
            ("INODES", Align::Right),
            ("IUSED", Align::Right),
            ("IFREE", Align::Right),
            ("IUSE%", Align::Right),
        ],
        &cells,
    )
}

fn mounts_prometheus(hostname: &str, rows: &[MountRow]) -> String {
    let mut e = Exposition::default();
    for r in rows {
        let labels = [
            ("host", hostname),
            ("mount", r.mount_point.as_str()),
            ("fstype", r.fs_type.as_str()),
        ];
        if let (Some(t), Some(f)) = (r.inodes_total, r.inodes_free) {
            e.gauge(
                "celtool_filesystem_inodes",
                "Inodes of the filesystem (0: no fixed limit, as on btrfs).",
                &labels,
                t as f64,
            );
            e.gauge(
                "celtool_filesystem_inodes_free",
                "Free inodes of the filesystem.",
                &labels,
                f as f64,
            );
        }
    }
    e.render()
}

fn top_table(style: &Style, top: &host::TopDirs) -> String {
    let cells: Vec<Vec<String>> = top
        .dirs
        .iter()
        .map(|d| {
            vec![
                d.inodes.to_string(),
                d.entries.to_string(),
                d.path.display().to_string(),
            ]
        })
        .collect();
    let mut text = render(
        style,
        &[
            ("INODES", Align::Right),
            ("ENTRIES", Align::Right),
            ("DIRECTORY", Align::Left),
        ],
        &cells,
    );
    text.push_str(&format!(
        "total {} inodes under {}; {} unreadable directories; {} mount points not entered\n",
        top.total,
        crate::text::sanitize(&top.root.display().to_string()),
        top.errors,
        top.other_filesystems
    ));
    if let Some(e) = &top.first_error {
        text.push_str(&format!("first error: {}\n", crate::text::sanitize(e)));
    }
    text
}

fn top_prometheus(top: &host::TopDirs) -> String {
    let mut e = Exposition::default();
    let root = top.root.display().to_string();
    for d in &top.dirs {
        let p = d.path.display().to_string();
        e.gauge(
            "celtool_dir_inodes",
            "Inodes under a directory (its subtree, one filesystem).",
            &[("root", root.as_str()), ("path", p.as_str())],
            d.inodes as f64,
        );
    }
    e.render()
}
