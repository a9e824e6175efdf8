//! Rendering a doctor report in each format.

use std::fmt::Write;

use serde::Serialize;

use super::prometheus::Exposition;
use super::{Format, Style, sanitize};
use crate::report::{Area, Finding, Report, Severity, Tally};

/// What doctor looked at, for the summary line.
#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub broker: Option<String>,
    pub vhost: Option<String>,
}

pub fn render(style: &Style, report: &Report, scope: &Scope, show_ok: bool) -> String {
    match style.format {
        Format::Table => text(style, report, scope, show_ok),
        Format::Json => json(report, scope),
        Format::Prometheus => prometheus(report),
        Format::Nagios => nagios(report),
    }
}

fn paint(style: &Style, severity: Severity, text: &str) -> String {
    if !style.color {
        return text.to_string();
    }
    let code = match severity {
        Severity::Ok => "32",
        Severity::Warn => "33",
        Severity::Crit => "1;31",
        Severity::Unknown => "35",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn text(style: &Style, report: &Report, scope: &Scope, show_ok: bool) -> String {
    let mut out = String::new();
    let mut area: Option<Area> = None;
    for f in report
        .findings
        .iter()
        .filter(|f| show_ok || f.severity != Severity::Ok)
    {
        if area != Some(f.area) {
            if area.is_some() {
                out.push('\n');
            }
            match (&f.area, &f.host) {
                (Area::Host, Some(host)) => {
                    let _ = writeln!(out, "host {}", sanitize(host));
                }
                _ => {
                    let _ = writeln!(out, "{}", f.area.name());
                }
            }
            area = Some(f.area);
        }
        let label = format!("{:<7}", f.severity.label());
        let _ = writeln!(
            out,
            "  {} {}  {}",
            paint(style, f.severity, &label),
            f.id,
            sanitize(&f.subject)
        );
        let _ = writeln!(out, "          {}", sanitize(&f.summary));
        if !f.remedy.is_empty() {
            let _ = writeln!(out, "          fix: {}", sanitize(&f.remedy));
        }
    }
    if area.is_some() {
        out.push('\n');
    }
    out.push_str(&summary_line(report, scope));
    out.push('\n');
    out
}

/// `celtool: CRITICAL: 1 critical, 2 warnings, 0 unknown, 14 ok (broker localhost, all vhosts)`
pub fn summary_line(report: &Report, scope: &Scope) -> String {
    let t = report.tally();
    let mut where_ = Vec::new();
    if let Some(b) = &scope.broker {
        where_.push(format!("broker {b}"));
        where_.push(match &scope.vhost {
            Some(v) => format!("vhost {}", sanitize(v)),
            None => "all vhosts".to_string(),
        });
    }
    format!(
        "celtool: {}: {} critical, {} warning, {} unknown, {} ok{}",
        report.status().nagios_word(),
        t.crit,
        t.warn,
        t.unknown,
        t.ok,
        if where_.is_empty() {
            String::new()
        } else {
            format!(" ({})", where_.join(", "))
        }
    )
}

#[derive(Serialize)]
struct JsonReport<'a> {
    status: Severity,
    exit_code: u8,
    summary: Tally,
    scope: &'a Scope,
    findings: &'a [Finding],
}

fn json(report: &Report, scope: &Scope) -> String {
    let doc = JsonReport {
        status: report.status(),
        exit_code: report.status().exit_code(),
        summary: report.tally(),
        scope,
        findings: &report.findings,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// Print the report on stdout. JSON is written as it is serialised (the same text as
/// [`render`] gives): a report on 100 000 queues can hold 10 000 findings, megabytes of text.
pub fn print(
    p: &super::Printer,
    report: &Report,
    scope: &Scope,
    show_ok: bool,
) -> Result<(), crate::error::Error> {
    match p.style.format {
        Format::Json => p.json_stream(&JsonReport {
            status: report.status(),
            exit_code: report.status().exit_code(),
            summary: report.tally(),
            scope,
            findings: &report.findings,
        }),
        _ => p.out(&render(&p.style, report, scope, show_ok)),
    }
}

fn prometheus(report: &Report) -> String {
    let mut e = Exposition::default();
    e.gauge(
        "celtool_status",
        "Worst severity of the run as its exit code: 0 ok, 1 warning, 2 critical, 3 unknown.",
        &[],
        report.status().exit_code() as f64,
    );
    for f in &report.findings {
        let host = f.host.as_deref().unwrap_or("");
        let labels = [
            ("id", f.id),
            ("subject", f.subject.as_str()),
            ("host", host),
        ];
        e.gauge(
            "celtool_finding_severity",
            "Severity of each finding: 0 ok, 1 warning, 2 critical, 3 unknown.",
            &labels,
            f.severity.exit_code() as f64,
        );
        for (name, value) in &f.evidence {
            e.gauge(
                &format!("celtool_{name}"),
                &format!("Evidence '{name}' of celtool findings, by finding id and subject."),
                &labels,
                *value,
            );
        }
    }
    e.render()
}

/// A Nagios label: no `'` or `=`, which the perfdata syntax reserves.
fn nagios_label(s: &str) -> String {
    sanitize(s).replace(['\'', '='], "_")
}

fn nagios(report: &Report) -> String {
    let status = report.status();
    let t = report.tally();
    let problems: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Ok)
        .collect();
    let mut text = format!(
        "CELTOOL {}: {} critical, {} warning, {} unknown",
        status.nagios_word(),
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
    for f in &problems {
        let limits = crate::catalog::entry(f.id).and_then(|e| e.limits);
        for (name, value) in &f.evidence {
            let (w, c) = limits
                .map(|l| (fmt_opt(l.warn), fmt_opt(l.crit)))
                .unwrap_or_default();
            perf.push(format!(
                "'{}:{}:{}'={value};{w};{c}",
                f.id,
                nagios_label(&f.subject),
                name
            ));
        }
    }
    format!("{text} | {}\n", perf.join(" "))
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report::new(vec![
            Finding::new("events.no-ttl", Severity::Crit, "v/celeryev.a")
                .summary("no ttl")
                .remedy("set a policy")
                .evidence("messages_ready", 10.0),
            Finding::new("broker.version", Severity::Ok, "rabbit@x").summary("RabbitMQ 3.10.8"),
        ])
    }

    fn style(format: Format) -> Style {
        Style {
            format,
            tty: false,
            color: false,
            quiet: false,
        }
    }

    fn scope() -> Scope {
        Scope {
            broker: Some("localhost".into()),
            vhost: Some("v".into()),
        }
    }

    #[test]
    fn text_groups_by_area_and_hides_ok_unless_asked() {
        let out = render(&style(Format::Table), &report(), &scope(), false);
        assert_eq!(
            out,
            "celery\n  CRIT    events.no-ttl  v/celeryev.a\n          no ttl\n          fix: set a policy\n\n\
             celtool: CRITICAL: 1 critical, 0 warning, 0 unknown, 1 ok (broker localhost, vhost v)\n"
        );
        let all = render(&style(Format::Table), &report(), &scope(), true);
        assert!(
            all.starts_with("broker\n  OK      broker.version  rabbit@x\n"),
            "{all}"
        );
    }

    #[test]
    fn json_has_status_exit_code_and_findings() {
        let out = render(&style(Format::Json), &report(), &scope(), false);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["status"], "crit");
        assert_eq!(v["exit_code"], 2);
        assert_eq!(v["findings"][1]["id"], "events.no-ttl");
        assert_eq!(v["findings"][1]["evidence"]["messages_ready"], 10.0);
        assert_eq!(v["summary"]["crit"], 1);
    }

    #[test]
    fn prometheus_has_a_gauge_per_evidence() {
        let out = render(&style(Format::Prometheus), &report(), &scope(), false);
        assert!(out.contains("celtool_status 2\n"), "{out}");
        assert!(
            out.contains("celtool_messages_ready{id=\"events.no-ttl\",subject=\"v/celeryev.a\",host=\"\"} 10\n"),
            "{out}"
        );
    }

    #[test]
    fn nagios_status_line_and_perfdata() {
        let out = render(&style(Format::Nagios), &report(), &scope(), false);
        assert_eq!(
            out,
            "CELTOOL CRITICAL: 1 critical, 0 warning, 0 unknown: events.no-ttl v/celeryev.a | 'crit'=1;;;0 'warn'=0;;;0 'unknown'=0;;;0 'ok'=1;;;0 'events.no-ttl:v/celeryev.a:messages_ready'=10;;\n"
        );
    }
}
