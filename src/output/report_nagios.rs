//! Doctor's report as a Nagios/Icinga plugin result, by the Monitoring Plugins guidelines: one
//! status line, then perfdata `'label'=value[UOM];warn;crit;min;max`, where warn and crit sit on
//! the value the check measured and use the range syntax of the direction celtool alerts in:
//! `@10:` (alert at 10 or more) for "higher is worse", `@~:0.1` (alert at 0.1 or less) for
//! "lower is worse", both inclusive like celtool's own thresholds. Labels carry no pids.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::report_prom::stable_subject;
use super::run::Nagios;
use super::sanitize;
use crate::catalog::{Direction, Limits};
use crate::report::{Finding, Report, Severity};
use crate::settings::Thresholds;

/// The value each thresholded check compares with its limits: (perf name, unit of measure,
/// value). IDs not named here are written without warn and crit, never with another value's.
fn measured(f: &Finding) -> Option<(&'static str, &'static str, f64)> {
    let ev = |name: &str| f.evidence.get(name).copied();
    let (name, uom, value) = match f.id {
        "broker.memory.headroom"
        | "broker.fd.headroom"
        | "broker.proc.headroom"
        | "host.conntrack.usage"
        | "host.fd" => ("used_ratio", "", ev("used_ratio")?),
        "broker.disk.headroom" => ("free_to_limit_ratio", "", ev("free_to_limit_ratio")?),
        "broker.connections.flow" | "broker.connections.heartbeat" => {
            ("connections", "", ev("connections")?)
        }
        "broker.connections.top-talkers" => (
            "bytes_per_second",
            "B",
            ev("recv_bytes_per_second")? + ev("send_bytes_per_second")?,
        ),
        "broker.mgmt.memory" | "events.traffic-share" => ("share", "", ev("share")?),
        "queues.no-consumers" | "queues.backlog" | "events.backlog" => {
            ("messages_ready", "", ev("messages_ready")?)
        }
        "queues.unacked" => (
            "messages_unacknowledged",
            "",
            ev("messages_unacknowledged")?,
        ),
        "queues.redeliveries" => ("redeliver_share", "", ev("redeliver_share")?),
        "results.flood" => ("result_queues", "", ev("result_queues")?),
        "host.conntrack.hashsize" => ("entries_per_bucket", "", ev("entries_per_bucket")?),
        "host.inodes.usage" => {
            let total = ev("inodes_total")?;
            ("free_ratio", "", ev("inodes_free")? / total)
        }
        "host.workers.zombie" => ("zombies", "", ev("zombies")?),
        "host.workers.rss" => ("rss", "B", ev("rss_bytes")?),
        "host.tcp.time_wait" => ("time_wait", "", ev("time_wait")?),
        "host.nic.saturation" => ("ratio", "", ev("ratio")?),
        "redis.memory.headroom" | "redis.pubsub.output-buffer" => ("ratio", "", ev("ratio")?),
        "redis.unacked.visibility" => (
            "age_to_visibility_ratio",
            "",
            ev("oldest_age_seconds")? / ev("visibility_timeout_seconds")?,
        ),
        "redis.results.no-ttl" => ("without_ttl", "", ev("without_ttl")?),
        "redis.reply.leaked" => ("lists", "", ev("lists")?),
        "workers.no-time-limit" | "workers.prefetch-long-tasks" | "workers.consumer-timeout" => {
            ("oldest_active", "s", ev("oldest_active_seconds")?)
        }
        "events.heartbeats" => (
            "worker_event_deliveries_per_second",
            "",
            ev("worker_event_deliveries_per_second")?,
        ),
        "broker.publish.confirms" => ("confirms_per_second", "", ev("confirms_per_second")?),
        _ => return None,
    };
    value.is_finite().then_some((name, uom, value))
}

/// One threshold in the plugin range syntax, inclusive as celtool compares.
pub fn range(limit: Option<f64>, direction: Direction) -> String {
    match (limit, direction) {
        (None, _) => String::new(),
        (Some(t), Direction::Above) => format!("@{t}:"),
        (Some(t), Direction::Below) => format!("@~:{t}"),
    }
}

/// A perfdata label: no `'` or `=` (the syntax reserves them), no control characters.
fn label(parts: &[&str]) -> String {
    let joined: Vec<String> = parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| sanitize(p).replace(['\'', '='], "_"))
        .collect();
    joined.join(":")
}

/// How doctor's status line starts: `CELTOOL CRITICAL: ...`, `CELTOOL UNKNOWN: ...`.
pub const STATUS: Nagios = Nagios {
    service: "CELTOOL",
    separator: ": ",
};

struct Perf {
    value: f64,
    uom: &'static str,
    limits: Option<Limits>,
}

pub fn render(report: &Report, thresholds: &Thresholds) -> String {
    let status = report.status();
    let t = report.tally();
    let problems: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Ok)
        .collect();
    let mut text = format!(
        "{} {}{}{} critical, {} warning, {} unknown",
        STATUS.service,
        status.nagios_word(),
        STATUS.separator,
        t.crit,
        t.warn,
        t.unknown
    );
    if !problems.is_empty() {
        let named: Vec<String> = problems
            .iter()
            .take(5)
            .map(|f| format!("{} {}", f.id, sanitize(&f.subject)))
            .collect();
        let _ = write!(text, ": {}", named.join("; ").replace('|', "/"));
        if problems.len() > 5 {
            let _ = write!(text, "; and {} more", problems.len() - 5);
        }
    }
    let mut perf = vec![
        format!("'crit'={};;;0", t.crit),
        format!("'warn'={};;;0", t.warn),
        format!("'unknown'={};;;0", t.unknown),
        format!("'ok'={};;;0", t.ok),
    ];
    // By label, so findings whose subjects differ only by pid share one value (the worst).
    let mut values: BTreeMap<String, Perf> = BTreeMap::new();
    for f in &report.findings {
        let subject = stable_subject(f);
        let mut add = |name: &str, uom: &'static str, value: f64, limits: Option<Limits>| {
            let key = label(&[f.id, &subject, name]);
            let worse = |old: f64| match limits.map(|l| l.direction) {
                Some(Direction::Below) => value < old,
                _ => value > old,
            };
            match values.get_mut(&key) {
                Some(p) if !worse(p.value) => {}
                Some(p) => p.value = value,
                None => {
                    values.insert(key, Perf { value, uom, limits });
                }
            }
        };
        if let Some((name, uom, value)) = measured(f) {
            let mut limits = thresholds.get(f.id);
            // A check that derives its warning level from the host (TIME_WAIT from
            // nf_conntrack_max) states the level it used.
            if let Some(w) = f.evidence.get("warn_at") {
                limits.warn = Some(*w);
            }
            add(name, uom, value, Some(limits));
        } else if f.severity != Severity::Ok {
            for (name, value) in f.evidence.iter().filter(|(_, v)| v.is_finite()) {
                add(name, "", *value, None);
            }
        }
    }
    for (key, p) in values {
        let (w, c) = p
            .limits
            .map(|l| (range(l.warn, l.direction), range(l.crit, l.direction)))
            .unwrap_or_default();
        perf.push(format!("'{key}'={}{};{w};{c}", p.value, p.uom));
    }
    format!("{text} | {}\n", perf.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_sit_on_the_measured_value_with_ranges() {
        let report = Report::new(vec![
            Finding::new("host.inodes.usage", Severity::Crit, "/var")
                .evidence("inodes_total", 1000.0)
                .evidence("inodes_free", 20.0)
                .evidence("used_ratio", 0.98),
            Finding::new("events.traffic-share", Severity::Warn, "v")
                .evidence("share", 0.9)
                .evidence("workers", 1.0),
            Finding::new("host.workers.zombie", Severity::Warn, "pid 12 (celery)")
                .evidence("zombies", 2.0),
            Finding::new("host.workers.zombie", Severity::Warn, "pid 13 (celery)")
                .evidence("zombies", 5.0),
            Finding::new("events.no-ttl", Severity::Crit, "v/celeryev.a")
                .evidence("messages_ready", 10.0),
        ]);
        let out = render(&report, &Thresholds::default());
        let (status, perf) = out.trim_end().split_once(" | ").unwrap();
        assert_eq!(
            status,
            "CELTOOL CRITICAL: 2 critical, 3 warning, 0 unknown: events.no-ttl v/celeryev.a; events.traffic-share v; host.inodes.usage /var; host.workers.zombie pid 12 (celery); host.workers.zombie pid 13 (celery)"
        );
        let perf: Vec<&str> = perf.split(' ').collect();
        assert_eq!(
            perf,
            vec![
                "'crit'=2;;;0",
                "'warn'=3;;;0",
                "'unknown'=0;;;0",
                "'ok'=0;;;0",
                "'events.no-ttl:v/celeryev.a:messages_ready'=10;;",
                "'events.traffic-share:v:share'=0.9;@0.5:;",
                "'host.inodes.usage:/var:free_ratio'=0.02;@~:0.1;@~:0.05",
                "'host.workers.zombie:zombies'=5;@1:;@100:",
            ]
        );
        assert_eq!(out.lines().count(), 1);
    }
}
