//! `celtool workers`: this host's Celery worker trees.

use std::collections::BTreeMap;

use super::{emit_listing, host_snapshot, present};
use crate::error::{Error, Outcome};
use crate::host::{self, GatherOptions};
use crate::output::Printer;
use crate::output::json::Named;
use crate::output::workers::{ProcRow, TreeRow, prometheus, table};
use crate::settings::Settings;

pub fn run(s: &Settings, p: &Printer) -> Result<Outcome, Error> {
    let rss_limit = s.thresholds().get("host.workers.rss").warn;
    let snap = host_snapshot(s, GatherOptions::only(false, false, true))?;
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
        || table(&p.style, &trees),
        || prometheus(&snap.hostname, &trees),
    )?;
    Ok(Outcome::Done)
}
