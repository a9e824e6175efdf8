//! Rendering a lint report: the table (file:line, ID, what and why, the lines to write), the
//! JSON document (doctor's envelope), and SARIF 2.1.0 for code scanning.

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Value, json};

use super::width::wrap;
use super::{Format, Style};
use crate::lint::{FileSummary, LintFinding, LintReport};
use crate::report::{Severity, Tally};
use crate::text::sanitize;

/// The `$schema` SARIF logs name (GitHub's documentation uses it).
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// `celtool lint: WARNING: 0 critical, 2 warning, 0 unknown, 1 ok (4 files read)`.
pub fn summary_line(report: &LintReport) -> String {
    let t = report.tally();
    let read = report.files.iter().filter(|f| f.read).count();
    let mut paren = format!("{read} file{} read", if read == 1 { "" } else { "s" });
    for n in &report.notes {
        paren.push_str("; ");
        paren.push_str(&sanitize(n));
    }
    format!(
        "celtool lint: {}: {} critical, {} warning, {} unknown, {} ok ({paren})",
        report.status().nagios_word(),
        t.crit,
        t.warn,
        t.unknown,
        t.ok
    )
}

fn table(style: &Style, report: &LintReport, show_ok: bool) -> String {
    let mut out = String::new();
    let width = super::width::width(style.tty);
    let indent = "          ";
    for f in report
        .findings
        .iter()
        .filter(|f| show_ok || f.finding.severity != Severity::Ok)
    {
        let label = format!("{:<7}", f.finding.severity.label());
        let _ = writeln!(
            out,
            "{}:{}  {} {}",
            sanitize(&f.file),
            f.line,
            super::report::paint(style, f.finding.severity, &label),
            f.finding.id
        );
        out.push_str(&wrap(&sanitize(&f.finding.summary), width, indent, indent));
        for w in &f.write {
            let lead = format!("{indent}write: ");
            out.push_str(&wrap(&sanitize(w), None, &lead, &lead));
        }
        if f.write.is_empty() && f.finding.severity != Severity::Ok && !f.finding.remedy.is_empty()
        {
            let fix = format!("{indent}fix: ");
            let hang = " ".repeat(fix.len());
            out.push_str(&wrap(&sanitize(&f.finding.remedy), width, &fix, &hang));
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    status: Severity,
    exit_code: u8,
    summary: Tally,
    files: &'a [FileSummary],
    notes: &'a [String],
    findings: Vec<&'a LintFinding>,
}

fn shown(report: &LintReport, show_ok: bool) -> Vec<&LintFinding> {
    report
        .findings
        .iter()
        .filter(|f| show_ok || f.finding.severity != Severity::Ok)
        .collect()
}

/// A path as a SARIF artifact URI: relative paths stay relative (to the checkout, where code
/// scanning resolves them), with `/` and characters a URI cannot hold percent-encoded.
pub fn artifact_uri(path: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const SET: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'\\')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    let p = path.strip_prefix("./").unwrap_or(path);
    let encoded = utf8_percent_encode(p, SET).to_string();
    if p.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Crit | Severity::Unknown => "error",
        Severity::Warn => "warning",
        Severity::Ok => "note",
    }
}

/// The report as a SARIF 2.1.0 log: one run of celtool, a rule per finding ID that occurs
/// (with its explanation), a result per finding on its file and line.
pub fn sarif(report: &LintReport, show_ok: bool) -> Value {
    let findings = shown(report, show_ok);
    let mut ids: Vec<&'static str> = findings.iter().map(|f| f.finding.id).collect();
    ids.sort();
    ids.dedup();
    let rules: Vec<Value> = ids
        .iter()
        .map(|id| {
            let e = crate::catalog::entry(id);
            let title = e.map(|e| e.title).unwrap_or(id);
            let explain = e.map(|e| e.explain).unwrap_or("");
            json!({
                "id": id,
                "shortDescription": {"text": title},
                "fullDescription": {"text": explain},
                "help": {"text": format!("{explain}\n\nMore: celtool explain {id}")},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut text = f.finding.summary.clone();
            if !f.write.is_empty() {
                text.push_str(&format!(". Write: {}", f.write.join("; ")));
            } else if !f.finding.remedy.is_empty() {
                text.push_str(&format!(". Fix: {}", f.finding.remedy));
            }
            json!({
                "ruleId": f.finding.id,
                "ruleIndex": ids.iter().position(|i| *i == f.finding.id).unwrap_or(0),
                "level": level(f.finding.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(&f.file)},
                        "region": {"startLine": f.line.max(1)}
                    }
                }]
            })
        })
        .collect();
    let unknown: Vec<Value> = findings
        .iter()
        .filter(|f| f.finding.severity == Severity::Unknown)
        .map(|f| {
            json!({
                "level": "error",
                "message": {"text": f.finding.summary},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(&f.file)},
                    "region": {"startLine": f.line.max(1)}
                }}]
            })
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "celtool",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "invocations": [{
                "executionSuccessful": unknown.is_empty(),
                "toolExecutionNotifications": unknown
            }],
            "results": results
        }]
    })
}

/// The SARIF log of a run that could not lint (bad arguments): no results, and why.
pub fn sarif_failure(message: &str) -> String {
    let v = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "celtool", "semanticVersion": env!("CARGO_PKG_VERSION")}},
            "invocations": [{
                "executionSuccessful": false,
                "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}]
            }],
            "results": []
        }]
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// The report in the style's format.
pub fn render(style: &Style, report: &LintReport, show_ok: bool) -> String {
    match style.format {
        Format::Json => {
            let doc = super::json::Document::new(JsonReport {
                status: report.status(),
                exit_code: report.status().exit_code(),
                summary: report.tally(),
                files: &report.files,
                notes: &report.notes,
                findings: shown(report, show_ok),
            });
            super::printer::to_json(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
                + "\n"
        }
        Format::Sarif => {
            super::printer::to_json(&sarif(report, show_ok)).unwrap_or_default() + "\n"
        }
        // Prometheus and Nagios are refused before dispatch.
        Format::Table | Format::Prometheus | Format::Nagios => table(style, report, show_ok),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            artifact_uri("./proj/celery config.py"),
            "proj/celery%20config.py"
        );
        assert_eq!(artifact_uri("/srv/a#b.py"), "file:///srv/a%23b.py");
        assert_eq!(artifact_uri("k8s/worker.yaml"), "k8s/worker.yaml");
    }
}
