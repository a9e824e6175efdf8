//! `celtool explain [ID]`: the long explanation of a finding, or the list of all IDs.

use serde::Serialize;

use crate::catalog::{self, CATALOG, Direction, Entry};
use crate::cli::ExplainArgs;
use crate::error::{Error, Outcome};
use crate::output::json::Named;
use crate::output::table::{Align, render};
use crate::output::{Format, Printer};

#[derive(Serialize)]
struct JsonEntry {
    id: &'static str,
    area: crate::report::Area,
    title: &'static str,
    warn: Option<f64>,
    crit: Option<f64>,
    measures: Option<&'static str>,
    explanation: &'static str,
}

fn json_entry(e: &Entry) -> JsonEntry {
    JsonEntry {
        id: e.id,
        area: e.area,
        title: e.title,
        warn: e.limits.and_then(|l| l.warn),
        crit: e.limits.and_then(|l| l.crit),
        measures: e.limits.map(|l| l.unit),
        explanation: e.explain,
    }
}

fn thresholds(e: &Entry) -> String {
    let Some(l) = e.limits else { return "-".into() };
    let op = match l.direction {
        Direction::Above => ">=",
        Direction::Below => "<=",
    };
    let part = |name: &str, v: Option<f64>| v.map(|v| format!("{name} {op} {v}"));
    let parts: Vec<String> = [part("warn", l.warn), part("crit", l.crit)]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        format!("({})", l.unit)
    } else {
        format!("{} ({})", parts.join(", "), l.unit)
    }
}

/// `Timings: min_age 30s (what it means), ...` lines, for the IDs that take timings.
fn timings(e: &Entry) -> String {
    catalog::TIMINGS
        .iter()
        .filter(|t| t.id == e.id)
        .map(|t| {
            format!(
                "Timing {}: {}s by default; {}\n",
                t.key,
                t.default.as_secs_f64(),
                t.meaning
            )
        })
        .collect()
}

/// The IDs with their area and title: every one, or those under a prefix.
fn list(p: &Printer, entries: &[&Entry]) -> Result<Outcome, Error> {
    if p.style.format == Format::Json {
        let all: Vec<JsonEntry> = entries.iter().map(|e| json_entry(e)).collect();
        p.json(&Named("checks", &all))?;
        return Ok(Outcome::Done);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                e.area.name().to_string(),
                e.title.to_string(),
            ]
        })
        .collect();
    let headers = [
        ("ID", Align::Left),
        ("AREA", Align::Left),
        ("WHAT IT CATCHES", Align::Left),
    ];
    p.out(&render(&p.style, &headers, &rows))?;
    Ok(Outcome::Done)
}

pub fn run(p: &Printer, args: &ExplainArgs) -> Result<Outcome, Error> {
    // Prometheus and Nagios are refused before dispatch (`crate::output::run::Kind::refuses`).
    let Some(id) = &args.id else {
        return list(p, &CATALOG.iter().collect::<Vec<_>>());
    };
    // A prefix, as --skip takes it (`events` for events.*): the IDs under it.
    if catalog::entry(id).is_none() {
        let under: Vec<&Entry> = CATALOG
            .iter()
            .filter(|e| catalog::matches(id, e.id))
            .collect();
        if !under.is_empty() {
            return list(p, &under);
        }
    }
    let Some(e) = catalog::entry(id) else {
        let near: Vec<&str> = CATALOG
            .iter()
            .map(|e| e.id)
            .filter(|c| c.contains(id.as_str()) || id.contains(c.split('.').next().unwrap_or("")))
            .collect();
        return Err(Error::Usage(format!(
            "unknown finding ID '{id}'{}; list them with `celtool explain`",
            if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", near.join(", "))
            }
        )));
    };
    if p.style.format == Format::Json {
        p.json(&json_entry(e))?;
        return Ok(Outcome::Done);
    }
    p.out(&format!(
        "{} ({}): {}\n\n{}\n\nThresholds: {}\n{}Silence it: celtool doctor --skip {}\n",
        e.id,
        e.area.name(),
        e.title,
        e.explain,
        thresholds(e),
        timings(e),
        e.id
    ))?;
    Ok(Outcome::Done)
}
