//! The listing of `celtool workers`: this host's Celery worker trees, their rows (the JSON keys
//! are a scripting contract), table and Prometheus gauges.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Style;
use super::prometheus::Exposition;
use super::table::{Align, render_fit};
use crate::text::{fmt_bytes, fmt_duration_secs};

/// One process of a worker tree, as `workers` lists it.
#[derive(Serialize)]
pub struct ProcRow {
    pub pid: i32,
    pub ppid: i32,
    pub role: &'static str,
    pub state: char,
    pub rss_bytes: u64,
    pub uptime_secs: Option<f64>,
    pub threads: u64,
    pub title: String,
    pub flags: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct TreeRow {
    pub node: Option<String>,
    pub main: Option<i32>,
    /// For pool children whose main process is gone: the pid that adopted them.
    pub orphans_of: Option<i32>,
    pub processes: Vec<ProcRow>,
}

pub fn table(style: &Style, trees: &[TreeRow]) -> String {
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
pub fn prometheus(hostname: &str, trees: &[TreeRow]) -> String {
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
