//! `celtool workers`: this host's Celery worker trees.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{emit_listing, host_snapshot, present};
use crate::error::{Error, Outcome};
use crate::host::{self, GatherOptions};
use crate::output::json::Named;
use crate::output::prometheus::Exposition;
use crate::output::table::{Align, render_fit};
use crate::output::{Printer, Style};
use crate::settings::Settings;
use crate::text::{fmt_bytes, fmt_duration_secs};

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

pub fn run(s: &Settings, p: &Printer) -> Result<Outcome, Error> {
    let rss_limit = s.thresholds().get("host.workers.rss").warn;
    let snap = host_snapshot(s, GatherOptions::only(false, false, true));
    let procs = present(snap.processes)?.unwrap_or_default();
    let uptime = snap.uptime_secs.unwrap_or(0.0);
    let ticks = host::clock_ticks();
    let by_pid: BTreeMap<i32, &host::Process> = procs.iter().map(|p| (p.pid, p)).collect();
    let row = |p: &host::Process, role: &'static str, orphan: bool| {
        let mut flags = Vec::new();
        match p.state {
            'Z' => flags.push("zombie"),
            'D' => flags.push("stuck"),
            'T' => flags.push("stopped"),
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
        p,
        &Named("workers", &trees),
        || workers_table(&p.style, &trees),
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
    // At 80 columns the command line gives way first: the pid, state and flags matter more.
    render_fit(
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
        &["TITLE", "UPTIME", "ROLE"],
    )
}

/// Per host, node and role (never per pid, which changes with every restart): how many
/// processes, their memory, and how many are zombies or orphans.
fn workers_prometheus(hostname: &str, trees: &[TreeRow]) -> String {
    let mut groups: BTreeMap<(String, &str), [f64; 4]> = BTreeMap::new();
    for t in trees {
        let node = t.node.clone().unwrap_or_default();
        for p in &t.processes {
            let g = groups.entry((node.clone(), p.role)).or_default();
            g[0] += 1.0;
            g[1] += p.rss_bytes as f64;
            g[2] += f64::from(u8::from(p.flags.contains(&"zombie")));
            g[3] += f64::from(u8::from(p.flags.contains(&"orphan")));
        }
    }
    let mut e = Exposition::default();
    for ((node, role), [count, rss, zombies, orphans]) in &groups {
        let labels = [("host", hostname), ("node", node.as_str()), ("role", *role)];
        e.gauge(
            "celtool_worker_processes",
            "Celery worker processes by node and role.",
            &labels,
            *count,
        );
        e.gauge(
            "celtool_worker_rss_bytes",
            "Resident memory of the Celery worker processes of a node and role, summed.",
            &labels,
            *rss,
        );
        e.gauge(
            "celtool_worker_zombie_processes",
            "Celery worker processes that are zombies, by node and role.",
            &labels,
            *zombies,
        );
        e.gauge(
            "celtool_worker_orphan_processes",
            "Celery pool processes whose main process is gone, by node and role.",
            &labels,
            *orphans,
        );
    }
    e.render()
}
