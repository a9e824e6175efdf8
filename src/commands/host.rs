//! `celtool conntrack`, `celtool inodes`, `celtool workers`: what this host looks like.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Globals, emit_listing};
use crate::cli::InodesArgs;
use crate::error::{Error, Outcome};
use crate::host::{self, GatherOptions, HostSnapshot, Reading};
use crate::output::prometheus::Exposition;
use crate::output::table::{Align, render};
use crate::output::{Style, fmt_bytes, fmt_duration_secs, fmt_pct};

fn gather(g: &Globals, conntrack: bool, filesystems: bool, processes: bool) -> HostSnapshot {
    host::gather(
        &g.roots,
        &GatherOptions {
            conntrack,
            filesystems,
            processes,
            ..GatherOptions::default()
        },
    )
}

/// The value of a reading, "not in use" as None, or the error that it could not be read.
fn present<T>(r: Reading<T>) -> Result<Option<T>, Error> {
    match r {
        Reading::Present(v) => Ok(Some(v)),
        Reading::Absent(_) => Ok(None),
        Reading::Unreadable(why) => Err(Error::Io(why)),
    }
}

#[derive(Serialize)]
struct ConntrackOut {
    in_use: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    why_not: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    table: Option<host::Conntrack>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<f64>,
}

pub fn conntrack(g: &Globals) -> Result<Outcome, Error> {
    let snap = gather(g, true, false, false);
    let why_not = match &snap.conntrack {
        Reading::Absent(why) => Some(why.clone()),
        _ => None,
    };
    let table = present(snap.conntrack)?;
    let usage = table
        .as_ref()
        .and_then(|c| crate::checks::ratio(Some(c.count as f64), Some(c.max as f64)));
    let out = ConntrackOut {
        in_use: table.is_some(),
        why_not,
        table,
        usage,
    };
    emit_listing(
        g,
        &out,
        || conntrack_table(&g.style, &out),
        || conntrack_prometheus(&snap.hostname, &out),
    )?;
    Ok(Outcome::Done)
}

fn conntrack_table(style: &Style, out: &ConntrackOut) -> String {
    let Some(c) = &out.table else {
        return format!(
            "conntrack: not in use here ({})\n",
            out.why_not.as_deref().unwrap_or("no conntrack files")
        );
    };
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let mut rows = vec![
        vec!["count".to_string(), c.count.to_string()],
        vec!["max".to_string(), c.max.to_string()],
        vec![
            "usage".to_string(),
            out.usage.map(fmt_pct).unwrap_or_else(|| "-".into()),
        ],
        vec!["buckets".to_string(), opt(c.buckets)],
        vec!["hashsize".to_string(), opt(c.hashsize)],
    ];
    if c.legacy {
        rows.push(vec!["names".into(), "legacy ip_conntrack".into()]);
    }
    for (name, value) in &c.stats {
        rows.push(vec![name.clone(), value.to_string()]);
    }
    render(
        style,
        &[("FIELD", Align::Left), ("VALUE", Align::Right)],
        &rows,
    )
}

fn conntrack_prometheus(hostname: &str, out: &ConntrackOut) -> String {
    let mut e = Exposition::default();
    let labels = [("host", hostname)];
    e.gauge(
        "celtool_conntrack_in_use",
        "1 when the conntrack module is loaded.",
        &labels,
        if out.in_use { 1.0 } else { 0.0 },
    );
    if let Some(c) = &out.table {
        e.gauge(
            "celtool_conntrack_entries",
            "Entries in the conntrack table.",
            &labels,
            c.count as f64,
        );
        e.gauge(
            "celtool_conntrack_max",
            "nf_conntrack_max.",
            &labels,
            c.max as f64,
        );
        for (name, value) in &c.stats {
            e.gauge(
                "celtool_conntrack_stat",
                "Counters of /proc/net/stat/nf_conntrack, summed over CPUs.",
                &[("host", hostname), ("counter", name)],
                *value as f64,
            );
        }
    }
    e.render()
}

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

pub fn inodes(g: &Globals, args: &InodesArgs) -> Result<Outcome, Error> {
    if let Some(path) = &args.top {
        return inodes_top(g, path, args.limit);
    }
    let snap = gather(g, false, true, false);
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
        g,
        &rows,
        || mounts_table(&g.style, &rows),
        || mounts_prometheus(&snap.hostname, &rows),
    )?;
    Ok(Outcome::Done)
}

fn inodes_top(g: &Globals, path: &std::path::Path, limit: usize) -> Result<Outcome, Error> {
    use std::io::IsTerminal;
    let bar = (!g.style.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    });
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.set_message(format!("{n} entries counted"));
        }
    };
    let top = host::top_dirs(path, limit, Some(&tick)).map_err(|e| Error::Io(e.to_string()));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let top = top?;
    emit_listing(
        g,
        &top,
        || top_table(&g.style, &top),
        || top_prometheus(&top),
    )?;
    Ok(Outcome::Done)
}

/// One process of a worker tree, as `workers` lists it.
#[derive(Serialize)]
struct ProcRow {
    pid: i32,
    ppid: i32,
    role: &'static str,
    state: char,
    rss_bytes: u64,
    uptime_secs: Option<f64>,
    threads: u64,
    title: String,
    flags: Vec<&'static str>,
}

#[derive(Serialize)]
struct TreeRow {
    node: Option<String>,
    main: Option<i32>,
    /// For pool children whose main process is gone: the pid that adopted them.
    orphans_of: Option<i32>,
    processes: Vec<ProcRow>,
}

pub fn workers(g: &Globals) -> Result<Outcome, Error> {
    let config = g.config()?;
    let rss_limit = config.thresholds.get("host.workers.rss").warn;
    let snap = gather(g, false, false, true);
    let procs = present(snap.processes)?.unwrap_or_default();
    let uptime = snap.uptime_secs.unwrap_or(0.0);
    let ticks = host::clock_ticks();
    let by_pid: BTreeMap<i32, &host::Process> = procs.iter().map(|p| (p.pid, p)).collect();
    let row = |p: &host::Process, role: &'static str, orphan: bool| {
        let mut flags = Vec::new();
        match p.state {
            'Z' => flags.push("zombie"),
            'D' => flags.push("stuck"),
            _ => {}
        }
        if orphan {
            flags.push("orphan");
        }
        if rss_limit.is_some_and(|l| p.rss_bytes as f64 >= l) {
            flags.push("big-rss");
        }
        ProcRow {
            pid: p.pid,
            ppid: p.ppid,
            role,
            state: p.state,
            rss_bytes: p.rss_bytes,
            uptime_secs: p.age_secs(uptime, ticks),
            threads: p.threads,
            title: p.title.clone(),
            flags,
        }
    };
    let mut trees = Vec::new();
    for t in host::worker_trees(&procs) {
        let mut rows = Vec::new();
        if let Some(p) = t.main.and_then(|pid| by_pid.get(&pid)) {
            rows.push(row(p, "main", false));
        }
        for pid in &t.children {
            if let Some(p) = by_pid.get(pid) {
                rows.push(row(p, "pool", t.main.is_none()));
            }
        }
        // Defunct children keep no command line to recognise them by; list them under the
        // process that should reap them.
        let members: Vec<i32> = rows.iter().map(|r| r.pid).collect();
        for p in procs
            .iter()
            .filter(|p| p.state == 'Z' && members.contains(&p.ppid) && !members.contains(&p.pid))
        {
            rows.push(row(p, "child", false));
        }
        trees.push(TreeRow {
            // Expanded as the worker expands it (`w1@%h`); orphans keep what their title says.
            node: match t.main {
                Some(_) => Some(host::celery::expand_node_name(
                    t.node.as_deref(),
                    &snap.hostname,
                )),
                None => t.node,
            },
            main: t.main,
            orphans_of: t.orphans_of,
            processes: rows,
        });
    }
    emit_listing(
        g,
        &trees,
        || workers_table(&g.style, &trees),
        || workers_prometheus(&snap.hostname, &trees),
    )?;
    Ok(Outcome::Done)
}

fn workers_table(style: &Style, trees: &[TreeRow]) -> String {
    if trees.is_empty() {
        return "no Celery worker processes on this host\n".to_string();
    }
    let mut cells = Vec::new();
    for t in trees {
        let node = t.node.clone().unwrap_or_else(|| "?".into());
        for (i, p) in t.processes.iter().enumerate() {
            cells.push(vec![
                if i == 0 { node.clone() } else { String::new() },
                if p.role == "main" {
                    p.pid.to_string()
                } else {
                    format!("└ {}", p.pid)
                },
                p.role.to_string(),
                p.state.to_string(),
                fmt_bytes(p.rss_bytes as f64),
                p.uptime_secs
                    .map(fmt_duration_secs)
                    .unwrap_or_else(|| "-".into()),
                p.flags.join(","),
                p.title.clone(),
            ]);
        }
    }
    render(
        style,
        &[
            ("NODE", Align::Left),
            ("PID", Align::Left),
            ("ROLE", Align::Left),
            ("STATE", Align::Left),
            ("RSS", Align::Right),
            ("UPTIME", Align::Right),
            ("FLAGS", Align::Left),
            ("TITLE", Align::Left),
        ],
        &cells,
    )
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
                "celtool_inodes_total",
                "Inodes of the filesystem (0: no fixed limit, as on btrfs).",
                &labels,
                t as f64,
            );
            e.gauge(
                "celtool_inodes_free",
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
        crate::output::sanitize(&top.root.display().to_string()),
        top.errors,
        top.other_filesystems
    ));
    if let Some(e) = &top.first_error {
        text.push_str(&format!("first error: {}\n", crate::output::sanitize(e)));
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

fn workers_prometheus(hostname: &str, trees: &[TreeRow]) -> String {
    let mut e = Exposition::default();
    for t in trees {
        for p in &t.processes {
            let pid = p.pid.to_string();
            let labels = [
                ("host", hostname),
                ("node", t.node.as_deref().unwrap_or("")),
                ("pid", pid.as_str()),
                ("role", p.role),
            ];
            e.gauge(
                "celtool_worker_rss_bytes",
                "Resident memory of a Celery worker process.",
                &labels,
                p.rss_bytes as f64,
            );
        }
    }
    e.render()
}
