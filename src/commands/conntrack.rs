//! `celtool conntrack`: this host's conntrack table.

use serde::Serialize;

use super::{emit_listing, host_snapshot, present};
use crate::error::{Error, Outcome};
use crate::host::{self, GatherOptions, Reading};
use crate::output::prometheus::Exposition;
use crate::output::table::{Align, render};
use crate::output::{Printer, Style};
use crate::settings::Settings;
use crate::text::fmt_pct;

#[derive(Serialize)]
struct ConntrackOut {
    in_use: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    why_not: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    table: Option<host::Conntrack>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<f64>,
}

pub fn run(s: &Settings, p: &Printer) -> Result<Outcome, Error> {
    let snap = host_snapshot(s, GatherOptions::only(true, false, false))?;
    let why_not = match &snap.conntrack {
        Reading::Absent(why) => Some(why.clone()),
        _ => None,
    };
    let table = present(snap.conntrack)?;
    let usage = table
        .as_ref()
        .and_then(|c| crate::checks::ratio(Some(c.count as f64), Some(c.max as f64)));
    let out = ConntrackOut {
        in_use: table.is_some(),
        why_not,
        table,
        usage,
    };
    emit_listing(
        p,
        &out,
        || conntrack_table(&p.style, &out),
        || conntrack_prometheus(&snap.hostname, &out),
    )?;
    Ok(Outcome::Done)
}

fn conntrack_table(style: &Style, out: &ConntrackOut) -> String {
    let Some(c) = &out.table else {
        return format!(
            "conntrack: not in use here ({})\n",
            out.why_not.as_deref().unwrap_or("no conntrack files")
        );
    };
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let mut rows = vec![
        vec!["count".to_string(), c.count.to_string()],
        vec!["max".to_string(), c.max.to_string()],
        vec![
            "usage".to_string(),
            out.usage.map(fmt_pct).unwrap_or_else(|| "-".into()),
        ],
        vec!["buckets".to_string(), opt(c.buckets)],
        vec!["hashsize".to_string(), opt(c.hashsize)],
    ];
    if c.legacy {
        rows.push(vec!["names".into(), "legacy ip_conntrack".into()]);
    }
    for (name, value) in &c.stats {
        rows.push(vec![name.clone(), value.to_string()]);
    }
    render(
        style,
        &[("FIELD", Align::Left), ("VALUE", Align::Right)],
        &rows,
    )
}

fn conntrack_prometheus(hostname: &str, out: &ConntrackOut) -> String {
    let mut e = Exposition::default();
    let labels = [("host", hostname)];
    e.gauge(
        "celtool_conntrack_in_use",
        "1 when the conntrack module is loaded.",
        &labels,
        if out.in_use { 1.0 } else { 0.0 },
    );
    if let Some(c) = &out.table {
        e.gauge(
            "celtool_conntrack_entries",
            "Entries in the conntrack table (nf_conntrack_count).",
            &labels,
            c.count as f64,
        );
        e.gauge(
            "celtool_conntrack_entries_limit",
            "Most entries the conntrack table takes (nf_conntrack_max).",
            &labels,
            c.max as f64,
        );
        if let Some(b) = c.buckets {
            e.gauge(
                "celtool_conntrack_buckets",
                "Hash buckets of the conntrack table (nf_conntrack_buckets).",
                &labels,
                b as f64,
            );
        }
        // Every column of /proc/net/stat/nf_conntrack but `entries` (a gauge, the same on each
        // CPU) counts events since boot: a counter each, summed over CPUs.
        for (name, value) in c.stats.iter().filter(|(n, _)| n.as_str() != "entries") {
            e.counter(
                &format!("celtool_conntrack_{name}_total"),
                &format!("Conntrack '{name}' events since boot, summed over CPUs (/proc/net/stat/nf_conntrack)."),
                &labels,
                *value as f64,
            );
        }
    }
    e.render()
}
