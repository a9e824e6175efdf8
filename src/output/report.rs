//! Rendering a doctor report in each format.

use std::fmt::Write;

use serde::Serialize;

use super::width::wrap;
use super::{Format, Style, report_nagios, report_prom};
use crate::report::{Area, Finding, Report, Severity, Tally};
use crate::settings::Thresholds;
use crate::text::sanitize;

/// What doctor looked at, for the summary line.
#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub broker: Option<String>,
    pub vhost: Option<String>,
    /// What the run's scope does not cover, said after it in the summary line (the host checks
    /// see every process of the host whatever the vhost; no worker count was expected).
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// A severity's label in its colour on a colour terminal (doctor's and lint's reports alike).
pub(super) fn paint(style: &Style, severity: Severity, text: &str) -> String {
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
        let width = super::width::width(style.tty);
        let indent = "          ";
        out.push_str(&wrap(&sanitize(&f.summary), width, indent, indent));
        // An ok finding needs no fix; what its remedy says stays in the machine formats.
        if !f.remedy.is_empty() && f.severity != Severity::Ok {
            let fix = format!("{indent}fix: ");
            let hang = " ".repeat(fix.len());
            out.push_str(&wrap(&sanitize(&f.remedy), width, &fix, &hang));
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
    let mut paren = where_.join(", ");
    for note in &scope.notes {
        if !paren.is_empty() {
            paren.push_str("; ");
        }
        paren.push_str(note);
    }
    format!(
        "celtool: {}: {} critical, {} warning, {} unknown, {} ok{}",
        report.status().nagios_word(),
        t.crit,
        t.warn,
        t.unknown,
        t.ok,
        if paren.is_empty() {
            String::new()
        } else {
            format!(" ({paren})")
        }
    )
}

/// doctor's keys under the envelope of every document (`json::Document`).
#[derive(Serialize)]
struct JsonReport<'a> {
    status: Severity,
    exit_code: u8,
    summary: Tally,
    scope: &'a Scope,
    findings: &'a [Finding],
}

impl<'a> JsonReport<'a> {
    fn new(report: &'a Report, scope: &'a Scope) -> Self {
        JsonReport {
            status: report.status(),
            exit_code: report.status().exit_code(),
            summary: report.tally(),
            scope,
            findings: &report.findings,
        }
    }
}

/// The report in the style's format; `thresholds` (the run's, with the config's overrides) are
/// the warn and crit of Nagios perfdata.
pub fn render(
    style: &Style,
    report: &Report,
    scope: &Scope,
    show_ok: bool,
    thresholds: &Thresholds,
) -> String {
    match style.format {
        Format::Table => text(style, report, scope, show_ok),
        // SARIF is refused before dispatch (`crate::output::run::Kind::refuses`).
        Format::Json | Format::Sarif => {
            let doc = super::json::Document::new(JsonReport::new(report, scope));
            let mut s =
                super::printer::to_json(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            s.push('\n');
            s
        }
        Format::Prometheus => report_prom::render(
            report,
            super::run::RunState::now(report_prom::succeeded(report)),
        ),
        Format::Nagios => report_nagios::render(report, thresholds),
    }
}

/// Print the report on stdout (nothing in table format with -q) and, with `textfile`, write
/// that file's report (every finding unless the user set a cap) as Prometheus metrics to it,
/// atomically. JSON is written as it is serialised (the
/// same text as [`render`] gives): a report on 100 000 queues can hold 10 000 findings,
/// megabytes of text.
pub fn print(
    p: &super::Printer,
    report: &Report,
    scope: &Scope,
    show_ok: bool,
    thresholds: &Thresholds,
    textfile: Option<(&std::path::Path, &Report)>,
) -> Result<(), crate::error::Error> {
    if let Some((file, full)) = textfile {
        let run = super::run::RunState::now(report_prom::succeeded(full));
        super::textfile::write_report(file, &report_prom::render(full, run))?;
    }
    match p.style.format {
        Format::Table if p.style.quiet => Ok(()),
        Format::Json => p.json_stream(&JsonReport::new(report, scope)),
        _ => p.out(&render(&p.style, report, scope, show_ok, thresholds)),
    }
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
            Finding::new("broker.version", Severity::Ok, "rabbit@x")
                .summary("RabbitMQ 3.10.8")
                .remedy("nothing to do"),
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
            notes: Vec::new(),
        }
    }

    #[test]
    fn text_groups_by_area_and_hides_ok_unless_asked() {
        let out = render(
            &style(Format::Table),
            &report(),
            &scope(),
            false,
            &Thresholds::default(),
        );
        assert_eq!(
            out,
            "celery\n  CRIT    events.no-ttl  v/celeryev.a\n          no ttl\n          fix: set a policy\n\n\
             celtool: CRITICAL: 1 critical, 0 warning, 0 unknown, 1 ok (broker localhost, vhost v)\n"
        );
        let all = render(
            &style(Format::Table),
            &report(),
            &scope(),
            true,
            &Thresholds::default(),
        );
        assert!(
            all.starts_with(
                "broker\n  OK      broker.version  rabbit@x\n          RabbitMQ 3.10.8\n\n"
            ),
            "{all}"
        );
        assert!(
            !all.contains("nothing to do"),
            "no fix under an ok finding: {all}"
        );
    }

    #[test]
    fn the_summary_line_says_what_the_scope_does_not_cover() {
        let mut scope = scope();
        scope.notes = vec!["a note".into(), "another".into()];
        assert_eq!(
            summary_line(&report(), &scope),
            "celtool: CRITICAL: 1 critical, 0 warning, 0 unknown, 1 ok (broker localhost, vhost v; a note; another)"
        );
    }

    #[test]
    fn json_has_status_exit_code_and_findings() {
        let out = render(
            &style(Format::Json),
            &report(),
            &scope(),
            false,
            &Thresholds::default(),
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["status"], "crit");
        assert_eq!(v["exit_code"], 2);
        assert_eq!(v["findings"][1]["id"], "events.no-ttl");
        assert_eq!(v["findings"][1]["evidence"]["messages_ready"], 10);
        assert!(
            v["findings"][1]["evidence"]["messages_ready"].is_u64(),
            "{out}"
        );
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["celtool_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["summary"]["crit"], 1);
    }
}
