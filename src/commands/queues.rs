//! `celtool queues`: every queue with its Celery kind, depth, consumers, rates and TTL in force.

use serde::Serialize;

use super::{complete_snapshot, emit_listing, flag_regex, warn_skipped};
use crate::broker::celery::{Classifier, QueueKind};
use crate::broker::gather::Need;
use crate::broker::model::Queue;
use crate::cli::{QueueSort, QueuesArgs};
use crate::error::{Error, Outcome};
use crate::output::prometheus::Exposition;
use crate::output::table::{Align, render};
use crate::output::{Printer, Style, fmt_count, fmt_rate};
use crate::settings::Settings;

/// One row of `celtool queues`; its JSON keys are a scripting contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueRow {
    pub vhost: String,
    pub name: String,
    pub kind: QueueKind,
    pub state: Option<String>,
    pub ready: f64,
    pub unacked: f64,
    pub consumers: f64,
    pub publish_rate: Option<f64>,
    pub deliver_rate: Option<f64>,
    pub message_ttl_ms: Option<f64>,
    pub expires_ms: Option<f64>,
    pub policy: Option<String>,
}

impl QueueRow {
    fn new(q: Queue, kind: QueueKind) -> Self {
        QueueRow {
            vhost: q.vhost().to_string(),
            name: q.name().to_string(),
            kind,
            ready: q.ready(),
            unacked: q.unacked(),
            consumers: q.consumers(),
            publish_rate: q.publish_rate(),
            deliver_rate: q.deliver_rate(),
            message_ttl_ms: q.message_ttl_ms(),
            expires_ms: q.expires_ms(),
            state: q.state,
            policy: q.policy,
        }
    }
}

pub fn run(s: &Settings, p: &Printer, args: &QueuesArgs) -> Result<Outcome, Error> {
    let name_filter = flag_regex("--name", args.name.as_deref())?;
    let need = Need {
        queues: true,
        consumers: true,
        ..Need::default()
    };
    let (_, mut snap) = complete_snapshot(s, need)?;
    warn_skipped(p, &snap);
    let kinds = Classifier::new(&[], &snap.consumers);
    let queues = std::mem::take(&mut snap.queues);
    let mut rows: Vec<QueueRow> = queues
        .into_iter()
        .map(|q| {
            let kind = kinds.queue_kind(&q);
            QueueRow::new(q, kind)
        })
        .filter(|r| args.kind.is_empty() || args.kind.contains(&r.kind))
        .filter(|r| r.ready >= args.min_ready as f64)
        .filter(|r| name_filter.as_ref().is_none_or(|re| re.is_match(&r.name)))
        .collect();
    sort(&mut rows, args.sort);
    if let Some(limit) = args.limit {
        rows.truncate(limit);
    }
    emit_listing(p, &rows, || table(&p.style, &rows), || prometheus(&rows))?;
    Ok(Outcome::Done)
}

fn sort(rows: &mut [QueueRow], by: QueueSort) {
    let key = |r: &QueueRow| -> f64 {
        match by {
            QueueSort::Name => 0.0,
            QueueSort::Ready => r.ready,
            QueueSort::Unacked => r.unacked,
            QueueSort::Consumers => r.consumers,
            QueueSort::Publish => r.publish_rate.unwrap_or(0.0),
            QueueSort::Deliver => r.deliver_rate.unwrap_or(0.0),
        }
    };
    rows.sort_by(|a, b| {
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.vhost.cmp(&b.vhost))
            .then_with(|| a.name.cmp(&b.name))
    });
}

fn ms(v: Option<f64>) -> String {
    match v {
        Some(ms) if ms % 1000.0 == 0.0 => format!("{}s", ms / 1000.0),
        Some(ms) => format!("{ms}ms"),
        None => "-".into(),
    }
}

fn table(style: &Style, rows: &[QueueRow]) -> String {
    let headers = [
        ("VHOST", Align::Left),
        ("NAME", Align::Left),
        ("KIND", Align::Left),
        ("READY", Align::Right),
        ("UNACKED", Align::Right),
        ("CONSUMERS", Align::Right),
        ("PUBLISH/S", Align::Right),
        ("DELIVER/S", Align::Right),
        ("TTL", Align::Right),
        ("EXPIRES", Align::Right),
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.vhost.clone(),
                r.name.clone(),
                r.kind.name().to_string(),
                fmt_count(r.ready),
                fmt_count(r.unacked),
                fmt_count(r.consumers),
                fmt_rate(r.publish_rate),
                fmt_rate(r.deliver_rate),
                ms(r.message_ttl_ms),
                ms(r.expires_ms),
            ]
        })
        .collect();
    render(style, &headers, &cells)
}

fn prometheus(rows: &[QueueRow]) -> String {
    let mut e = Exposition::default();
    for r in rows {
        let labels = [
            ("vhost", r.vhost.as_str()),
            ("queue", r.name.as_str()),
            ("kind", r.kind.name()),
        ];
        e.gauge(
            "celtool_queue_messages_ready",
            "Ready messages in the queue.",
            &labels,
            r.ready,
        );
        e.gauge(
            "celtool_queue_messages_unacked",
            "Unacknowledged messages in the queue.",
            &labels,
            r.unacked,
        );
        e.gauge(
            "celtool_queue_consumers",
            "Consumers of the queue.",
            &labels,
            r.consumers,
        );
        if let Some(p) = r.publish_rate {
            e.gauge(
                "celtool_queue_publish_per_second",
                "Messages published into the queue per second.",
                &labels,
                p,
            );
        }
        if let Some(d) = r.deliver_rate {
            e.gauge(
                "celtool_queue_deliver_per_second",
                "Messages delivered from the queue per second.",
                &labels,
                d,
            );
        }
    }
    e.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, ready: f64) -> QueueRow {
        QueueRow {
            vhost: "/".into(),
            name: name.into(),
            kind: QueueKind::Other,
            state: None,
            ready,
            unacked: 0.0,
            consumers: 0.0,
            publish_rate: None,
            deliver_rate: None,
            message_ttl_ms: Some(5000.0),
            expires_ms: None,
            policy: None,
        }
    }

    #[test]
    fn sorts_numbers_largest_first_then_by_name() {
        let mut rows = vec![row("b", 1.0), row("a", 1.0), row("c", 9.0)];
        sort(&mut rows, QueueSort::Ready);
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["c", "a", "b"]);
        sort(&mut rows, QueueSort::Name);
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b", "c"]);
    }

    #[test]
    fn ttl_columns_read_as_durations() {
        assert_eq!(ms(Some(5000.0)), "5s");
        assert_eq!(ms(Some(1500.0)), "1500ms");
        assert_eq!(ms(None), "-");
    }
}
