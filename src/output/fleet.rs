//! Rendering what the workers told us: the `celtool fleet` listing and the `celtool ping`
//! result, as table, JSON rows and Prometheus gauges.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Style;
use super::prometheus::Exposition;
use super::table::{Align, render};
use crate::text::{fmt_bytes, fmt_duration_secs};
use crate::workers::{FleetSnapshot, WorkerReport};

/// One row of `celtool fleet`; its JSON keys are a scripting contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FleetRow {
    pub node: String,
    pub vhost: String,
    /// Answered ping (on the first or the second try).
    pub answered: bool,
    pub ping_ms: Option<f64>,
    pub ping_retried: bool,
    pub pid: Option<u64>,
    pub pool: Option<String>,
    pub concurrency: Option<u64>,
    pub processes: Vec<u64>,
    pub prefetch_count: Option<u64>,
    pub max_tasks_per_child: Option<u64>,
    pub max_memory_per_child_kib: Option<u64>,
    pub uptime_seconds: Option<u64>,
    pub max_rss_bytes: Option<u64>,
    pub tasks_done: BTreeMap<String, u64>,
    pub active: usize,
    pub reserved: usize,
    pub oldest_active_seconds: Option<u64>,
    pub queues: Vec<String>,
}

fn row(w: &WorkerReport) -> FleetRow {
    FleetRow {
        node: w.node.clone(),
        vhost: w.vhost.clone(),
        answered: w.answered_ping(),
        ping_ms: w.ping_ms.map(|ms| (ms * 10.0).round() / 10.0),
        ping_retried: w.ping_retried,
        pid: w.pid(),
        pool: w.pool(),
        concurrency: w.concurrency(),
        processes: w.processes(),
        prefetch_count: w.prefetch_count(),
        max_tasks_per_child: w.max_tasks_per_child(),
        max_memory_per_child_kib: w.max_memory_per_child_kib(),
        uptime_seconds: w.uptime_secs().map(|s| s.round() as u64),
        max_rss_bytes: w.max_rss_bytes().map(|b| b as u64),
        tasks_done: w.totals(),
        active: w.active().len(),
        reserved: w.reserved().len(),
        oldest_active_seconds: w.oldest_active_secs().map(|s| s.round() as u64),
        queues: w.queues(),
    }
}

/// Every worker that answered, then every silent node (mailbox with a consumer, no answer).
pub fn rows(fleet: &FleetSnapshot) -> Vec<FleetRow> {
    let mut out: Vec<FleetRow> = fleet.workers().map(row).collect();
    for v in &fleet.vhosts {
        for node in &v.silent {
            if !out.iter().any(|r| &r.node == node && r.vhost == v.vhost) {
                out.push(row(&WorkerReport {
                    node: node.clone(),
                    vhost: v.vhost.clone(),
                    ..WorkerReport::default()
                }));
            }
        }
    }
    out.sort_by(|a, b| (&a.vhost, &a.node).cmp(&(&b.vhost, &b.node)));
    out
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

fn ping_cell(r: &FleetRow) -> String {
    match (r.ping_ms, r.ping_retried) {
        (Some(ms), false) => format!("{ms:.0}ms"),
        (Some(ms), true) => format!("{ms:.0}ms (2nd)"),
        (None, _) if r.answered => "ok".into(),
        (None, _) => "SILENT".into(),
    }
}

fn done_cell(r: &FleetRow) -> String {
    let total: u64 = r.tasks_done.values().sum();
    if total == 0 {
        return "0".into();
    }
    let mut by: Vec<(&String, &u64)> = r.tasks_done.iter().collect();
    by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = by.iter().take(3).map(|(n, c)| format!("{n}:{c}")).collect();
    let more = if by.len() > 3 { " ..." } else { "" };
    format!("{total} ({}{more})", top.join(" "))
}

pub fn table(style: &Style, rows: &[FleetRow]) -> String {
    if rows.is_empty() {
        return "no Celery worker answered (is the vhost right? see `celtool queues --kind mailbox`)\n".into();
    }
    let headers = [
        ("NODE", Align::Left),
        ("VHOST", Align::Left),
        ("PING", Align::Right),
        ("POOL", Align::Left),
        ("CONC", Align::Right),
        ("PREFETCH", Align::Right),
        ("MAX-TASKS", Align::Right),
        ("MAX-MEM", Align::Right),
        ("UPTIME", Align::Right),
        ("MAX-RSS", Align::Right),
        ("DONE", Align::Left),
        ("ACTIVE", Align::Right),
        ("RESERVED", Align::Right),
        ("OLDEST", Align::Right),
        ("QUEUES", Align::Left),
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.node.clone(),
                r.vhost.clone(),
                ping_cell(r),
                opt(r.pool.clone()),
                opt(r.concurrency),
                opt(r.prefetch_count),
                opt(r.max_tasks_per_child),
                r.max_memory_per_child_kib
                    .map(|k| fmt_bytes(k as f64 * 1024.0))
                    .unwrap_or_else(|| "-".into()),
                r.uptime_seconds
                    .map(|s| fmt_duration_secs(s as f64))
                    .unwrap_or_else(|| "-".into()),
                r.max_rss_bytes
                    .map(|b| fmt_bytes(b as f64))
                    .unwrap_or_else(|| "-".into()),
                if r.answered { done_cell(r) } else { "-".into() },
                if r.answered {
                    r.active.to_string()
                } else {
                    "-".into()
                },
                if r.answered {
                    r.reserved.to_string()
                } else {
                    "-".into()
                },
                r.oldest_active_seconds
                    .map(|s| fmt_duration_secs(s as f64))
                    .unwrap_or_else(|| "-".into()),
                r.queues.join(","),
            ]
        })
        .collect();
    render(style, &headers, &cells)
}

pub fn prometheus(rows: &[FleetRow]) -> String {
    let mut e = Exposition::default();
    for r in rows {
        let l = [("node", r.node.as_str()), ("vhost", r.vhost.as_str())];
        e.gauge(
            "celtool_worker_up",
            "1 when the worker answered ping.",
            &l,
            if r.answered { 1.0 } else { 0.0 },
        );
        if let Some(ms) = r.ping_ms {
            e.gauge(
                "celtool_worker_ping_seconds",
                "Round trip of the worker's ping.",
                &l,
                ms / 1000.0,
            );
        }
        if !r.answered {
            continue;
        }
        e.gauge(
            "celtool_worker_active_tasks",
            "Tasks the worker runs now.",
            &l,
            r.active as f64,
        );
        e.gauge(
            "celtool_worker_reserved_tasks",
            "Tasks the worker holds prefetched.",
            &l,
            r.reserved as f64,
        );
        if let Some(b) = r.max_rss_bytes {
            e.gauge(
                "celtool_worker_max_rss_bytes",
                "Peak RSS of the worker's main process.",
                &l,
                b as f64,
            );
        }
        if let Some(s) = r.oldest_active_seconds {
            e.gauge(
                "celtool_worker_oldest_active_seconds",
                "Runtime of the worker's oldest active task.",
                &l,
                s as f64,
            );
        }
        for (task, n) in &r.tasks_done {
            let lt = [l[0], l[1], ("task", task.as_str())];
            e.counter(
                "celtool_worker_tasks_done_total",
                "Tasks completed since the worker started, by name.",
                &lt,
                *n as f64,
            );
        }
    }
    e.render()
}

/// The result of `celtool ping`; its JSON keys are a scripting contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PingResult {
    pub answered: usize,
    /// How many should have answered: the larger of --expect and the mailboxes seen.
    pub expected: usize,
    /// Nodes whose mailbox has a consumer but that answered neither ping.
    pub silent: Vec<String>,
    pub nodes: Vec<PingRow>,
    /// Vhosts whose workers were deliberately not asked (an alarm blocks publishers), and why.
    pub not_asked: Vec<NotAsked>,
    /// Where the workers were asked (`vhost NAME`, `db N` on Redis), for the line that says
    /// nobody was there.
    #[serde(skip)]
    pub places: Vec<String>,
}

impl PingResult {
    /// `N of M expected worker(s) answered`; when nothing was expected and nobody answered,
    /// that there was no one to ask ("0 of 0" read as a count of a fleet that was not there).
    pub fn answered_line(&self) -> String {
        // Workers not asked (a broker alarm) are not "no worker": the count says what is known.
        if self.expected == 0 && self.answered == 0 && self.not_asked.is_empty() {
            let where_ = match self.places.as_slice() {
                [] => String::new(),
                many => format!(" in {}", many.join(", ")),
            };
            format!(
                "no worker answered: no worker mailbox{where_} and none expected (--expect COUNT or expect_workers)"
            )
        } else {
            format!(
                "{} of {} expected worker(s) answered",
                self.answered, self.expected
            )
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotAsked {
    pub vhost: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PingRow {
    pub node: String,
    pub vhost: String,
    pub answered: bool,
    pub ping_ms: Option<f64>,
    pub ping_retried: bool,
}

pub fn ping_table(style: &Style, r: &PingResult) -> String {
    let cells: Vec<Vec<String>> = r
        .nodes
        .iter()
        .map(|n| {
            vec![
                n.node.clone(),
                n.vhost.clone(),
                match (n.answered, n.ping_ms, n.ping_retried) {
                    (true, Some(ms), false) => format!("{ms:.0}ms"),
                    (true, Some(ms), true) => format!("{ms:.0}ms (2nd try)"),
                    (true, None, _) => "ok".into(),
                    (false, _, _) => "SILENT".into(),
                },
            ]
        })
        .collect();
    let mut text = if cells.is_empty() {
        String::new()
    } else {
        render(
            style,
            &[
                ("NODE", Align::Left),
                ("VHOST", Align::Left),
                ("PING", Align::Right),
            ],
            &cells,
        )
    };
    text.push_str(&r.answered_line());
    text.push('\n');
    text
}

pub fn ping_prometheus(r: &PingResult) -> String {
    let mut e = Exposition::default();
    e.gauge(
        "celtool_workers_answered",
        "Workers that answered ping.",
        &[],
        r.answered as f64,
    );
    e.gauge(
        "celtool_workers_expected",
        "Workers expected to answer ping.",
        &[],
        r.expected as f64,
    );
    for n in &r.nodes {
        let l = [("node", n.node.as_str()), ("vhost", n.vhost.as_str())];
        e.gauge(
            "celtool_worker_up",
            "1 when the worker answered ping.",
            &l,
            if n.answered { 1.0 } else { 0.0 },
        );
    }
    e.render()
}

/// How ping's status line starts: `CELTOOL PING OK: ...`, `CELTOOL PING UNKNOWN: ...`.
pub const PING_STATUS: super::run::Nagios = super::run::Nagios {
    service: "CELTOOL PING",
    separator: ": ",
};

/// `celtool ping --format nagios`: one status line, then perfdata by the Monitoring Plugins
/// guidelines: `answered` goes critical below `expected` (range `N:`), and each node's round
/// trip in seconds.
pub fn ping_nagios(r: &PingResult, severity: crate::report::Severity) -> String {
    let mut text = format!(
        "{} {}{}{}",
        PING_STATUS.service,
        severity.nagios_word(),
        PING_STATUS.separator,
        r.answered_line()
    );
    if !r.silent.is_empty() {
        let named: Vec<String> = r
            .silent
            .iter()
            .take(5)
            .map(|n| crate::text::sanitize(n))
            .collect();
        text.push_str(&format!("; silent: {}", named.join(", ").replace('|', "/")));
        if r.silent.len() > 5 {
            text.push_str(&format!(" and {} more", r.silent.len() - 5));
        }
    }
    // One alarm stops every vhost alike: each reason once, at most five vhosts named, so the
    // status line stays short however many vhosts there are.
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for n in &r.not_asked {
        match reasons.iter_mut().find(|(why, _)| *why == n.reason) {
            Some((_, vhosts)) => vhosts.push(&n.vhost),
            None => reasons.push((&n.reason, vec![&n.vhost])),
        }
    }
    for (why, vhosts) in reasons {
        let mut named: Vec<String> = vhosts
            .iter()
            .take(5)
            .map(|v| crate::text::sanitize(v))
            .collect();
        if vhosts.len() > 5 {
            named.push(format!("and {} more", vhosts.len() - 5));
        }
        text.push_str(&format!(
            "; not asked in vhost{} {}: {}",
            if vhosts.len() > 1 { "s" } else { "" },
            named.join(", "),
            crate::text::sanitize(why)
        ));
    }
    let text = text.replace('|', "/");
    let crit = if r.expected > 0 {
        format!("{}:", r.expected)
    } else {
        "1:".into()
    };
    let mut perf = vec![
        format!("'answered'={};;{crit};0", r.answered),
        format!("'expected'={};;;0", r.expected),
    ];
    for n in r.nodes.iter().filter(|n| n.answered) {
        if let Some(ms) = n.ping_ms {
            let label = crate::text::sanitize(&n.node).replace(['\'', '='], "_");
            perf.push(format!("'{label}:ping'={}s;;;0", ms / 1000.0));
        }
    }
    format!("{text} | {}\n", perf.join(" "))
}

#[cfg(test)]
mod nagios_tests {
    use super::*;

    #[test]
    fn one_alarm_over_many_vhosts_is_said_once() {
        let r = PingResult {
            answered: 0,
            expected: 0,
            silent: vec![],
            nodes: vec![],
            not_asked: (0..40)
                .map(|i| NotAsked {
                    vhost: format!("v{i}"),
                    reason: "the broker blocks publishers (memory alarm on rabbit@h)".into(),
                })
                .collect(),
            places: vec![],
        };
        let line = ping_nagios(&r, crate::report::Severity::Unknown);
        assert!(
            line.contains("; not asked in vhosts v0, v1, v2, v3, v4, and 35 more: the broker blocks publishers (memory alarm on rabbit@h) | "),
            "{line}"
        );
        assert!(line.len() < 400, "{line}");
    }

    #[test]
    fn ping_nagios_goes_critical_below_expected() {
        let r = PingResult {
            answered: 1,
            expected: 2,
            silent: vec!["b@h".into()],
            nodes: vec![
                PingRow {
                    node: "a@h".into(),
                    vhost: "/".into(),
                    answered: true,
                    ping_ms: Some(3.5),
                    ping_retried: false,
                },
                PingRow {
                    node: "b@h".into(),
                    vhost: "/".into(),
                    answered: false,
                    ping_ms: None,
                    ping_retried: true,
                },
            ],
            not_asked: vec![],
            places: vec!["vhost /".into()],
        };
        assert_eq!(
            ping_nagios(&r, crate::report::Severity::Crit),
            "CELTOOL PING CRITICAL: 1 of 2 expected worker(s) answered; silent: b@h | 'answered'=1;;2:;0 'expected'=2;;;0 'a@h:ping'=0.0035s;;;0\n"
        );
    }
}
