//! Doctor's report as a Nagios/Icinga plugin result, by the Monitoring Plugins guidelines: one
//! status line, then perfdata `'label'=value[UOM];warn;crit;min;max`, where warn and crit sit on
//! the value the check measured and use the range syntax of the direction celtool alerts in:
//! `@10:` (alert at 10 or more) for "higher is worse", `@~:0.1` (alert at 0.1 or less) for
//! "lower is worse", both inclusive like celtool's own thresholds. Labels carry no pids. A long
//! report keeps its status line under NRPE's 1 024 bytes and lists its problems as long text.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::report_prom::stable_subject;
use super::run::Nagios;
use crate::catalog::{Direction, Limits};
use crate::report::{Finding, Report, Severity};
use crate::settings::Thresholds;
use crate::text::sanitize;

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
    /// The rank of the worst severity among the findings it stands for.
    rank: u8,
}

/// The most a status line may hold, perfdata included: NRPE (v2) passes 1 024 bytes of a
/// plugin's output, Nagios Core 8 192; a longer line is cut mid-token.
pub const FIRST_LINE_MAX: usize = 1023;

/// How many problems the status line names; the rest are the long text.
const NAMED: usize = 5;

/// The status line names at most this many bytes of problems, so the perfdata has room.
const NAMED_MAX: usize = 400;

/// The characters of one problem's name on the status line.
const NAME_MAX: usize = 120;

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
    let problem = |f: &Finding| format!("{} {}", f.id, sanitize(&f.subject)).replace('|', "/");
    // A name too long for the status line (a queue name can be 255 bytes) is cut there.
    let short = |name: String| match name.char_indices().nth(NAME_MAX) {
        Some((cut, _)) => format!("{}...", &name[..cut]),
        None => name,
    };
    let mut named = 0;
    if !problems.is_empty() {
        let mut names: Vec<String> = Vec::new();
        for f in problems.iter().take(NAMED) {
            let name = short(problem(f));
            if !names.is_empty()
                && names.iter().map(|n| n.len() + 2).sum::<usize>() + name.len() > NAMED_MAX
            {
                break;
            }
            names.push(name);
        }
        named = names.len();
        let _ = write!(text, ": {}", names.join("; "));
        if problems.len() > named {
            let _ = write!(text, "; and {} more", problems.len() - named);
        }
    }
    let counts = [
        format!("'crit'={};;;0", t.crit),
        format!("'warn'={};;;0", t.warn),
        format!("'unknown'={};;;0", t.unknown),
        format!("'ok'={};;;0", t.ok),
    ];
    let perf = values(report, thresholds);
    let mut line = format!("{text} | {}", counts.join(" "));
    append_perf(&mut line, &perf);
    line.push('\n');
    // The problems the status line could not name: the plugin's long text, one per line.
    if named < problems.len() {
        for f in &problems {
            let _ = writeln!(line, "{} {}", f.severity.label(), problem(f));
        }
    }
    line
}

/// The perfdata values after the counts: all of them when they fit the first line, else the
/// values of the worst findings that fit, in label order.
fn append_perf(line: &mut String, perf: &[(u8, String)]) {
    let whole: usize = perf.iter().map(|(_, p)| p.len() + 1).sum();
    let kept = if line.len() + whole <= FIRST_LINE_MAX {
        vec![true; perf.len()]
    } else {
        let mut worst: Vec<usize> = (0..perf.len()).collect();
        worst.sort_by_key(|&i| std::cmp::Reverse(perf[i].0));
        let mut room = FIRST_LINE_MAX.saturating_sub(line.len());
        let mut kept = vec![false; perf.len()];
        for i in worst {
            if perf[i].1.len() < room {
                room -= perf[i].1.len() + 1;
                kept[i] = true;
            }
        }
        kept
    };
    for (_, p) in perf.iter().zip(kept).filter(|(_, k)| *k).map(|(p, _)| p) {
        line.push(' ');
        line.push_str(p);
    }
}

/// The perfdata values after the counts, in label order, each with the rank of the worst
/// severity it stands for: by label, so findings whose subjects differ only by pid share one
/// value (the worst).
fn values(report: &Report, thresholds: &Thresholds) -> Vec<(u8, String)> {
    let mut values: BTreeMap<String, Perf> = BTreeMap::new();
    for f in &report.findings {
        let subject = stable_subject(f);
        let rank = f.severity.rank();
        let mut add = |name: &str, uom: &'static str, value: f64, limits: Option<Limits>| {
            let key = label(&[f.id, &subject, name]);
            let worse = |old: f64| match limits.map(|l| l.direction) {
                Some(Direction::Below) => value < old,
                _ => value > old,
            };
            match values.get_mut(&key) {
                Some(p) => {
                    p.rank = p.rank.max(rank);
                    if worse(p.value) {
                        p.value = value;
                    }
                }
                None => {
                    values.insert(
                        key,
                        Perf {
                            value,
                            uom,
                            limits,
                            rank,
                        },
                    );
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
    values
        .into_iter()
        .map(|(key, p)| {
            let (w, c) = p
                .limits
                .map(|l| (range(l.warn, l.direction), range(l.crit, l.direction)))
                .unwrap_or_default();
            (p.rank, format!("'{key}'={}{};{w};{c}", p.value, p.uom))
        })
        .collect()
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
    #[test]
    fn thousands_of_findings_give_a_short_first_line_and_the_rest_as_long_text() {
        let mut findings: Vec<Finding> = (0..2036)
            .map(|i| {
                Finding::new(
                    "queues.no-consumers",
                    Severity::Crit,
                    format!("jobs/tasks.q{i:05}"),
                )
                .evidence("messages_ready", 100.0 + i as f64)
            })
            .collect();
        findings.push(
            Finding::new("host.workers.zombie", Severity::Warn, "pid 7 (celery)")
                .evidence("zombies", 3.0),
        );
        findings.push(
            Finding::new(
                "queues.backlog",
                Severity::Crit,
                format!("v/{}", "x".repeat(300)),
            )
            .evidence("messages_ready", 9.0),
        );
        let out = render(&Report::new(findings), &Thresholds::default());
        let mut lines = out.lines();
        let first = lines.next().unwrap();
        assert!(
            first.len() <= FIRST_LINE_MAX,
            "{} bytes: {first}",
            first.len()
        );
        let (status, perf) = first.split_once(" | ").unwrap();
        assert!(
            status.starts_with("CELTOOL CRITICAL: 2037 critical, 1 warning, 0 unknown: "),
            "{status}"
        );
        assert!(status.ends_with(" more"), "{status}");
        assert!(
            status.contains(&format!(": queues.backlog v/{}...; ", "x".repeat(103))),
            "{status}"
        );
        let perf: Vec<&str> = perf.split(' ').collect();
        assert_eq!(
            perf[..4],
            [
                "'crit'=2037;;;0",
                "'warn'=1;;;0",
                "'unknown'=0;;;0",
                "'ok'=0;;;0"
            ]
        );
        // Every value is whole: none is cut mid-token.
        for p in &perf {
            assert!(p.starts_with('\'') && p.matches(';').count() >= 2, "{p:?}");
        }
        let rest: Vec<&str> = lines.collect();
        assert_eq!(rest.len(), 2038, "{out}");
        assert_eq!(
            rest[0],
            "CRIT queues.backlog v/".to_string() + &"x".repeat(300)
        );
        assert!(rest.iter().all(|l| !l.contains('|')), "{out}");
        assert!(
            rest.contains(&"WARN host.workers.zombie pid 7 (celery)"),
            "{out}"
        );
    }
}
