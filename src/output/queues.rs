//! The queue listings of `celtool queues`, RabbitMQ's and Redis's: their rows (the JSON
//! keys are a scripting contract), tables and Prometheus gauges. The two brokers keep their own
//! row types where their columns differ in meaning (a Redis depth is always known and has
//! priority buckets; a RabbitMQ count may be unknown); the columns they share are formatted
//! by the same helpers.

use serde::Serialize;

use super::Style;
use super::prometheus::Exposition;
use super::table::{Align, render, render_fit};
use crate::celery_model::{Fleet, Kind};
use crate::cli::QueueSort;
use crate::rabbitmq::classify::QueueKind;
use crate::rabbitmq::records::{Queue, count};
use crate::text::{fmt_count, fmt_rate};

/// One row of `celtool queues`; its JSON keys are a scripting contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueRow {
    pub vhost: String,
    pub name: String,
    pub kind: QueueKind,
    pub state: Option<String>,
    /// `None` (`null`, `-` in tables) when the broker's record has no plausible count: unknown,
    /// never shown as 0.
    pub ready: Option<f64>,
    pub unacked: Option<f64>,
    pub consumers: Option<f64>,
    pub publish_rate: Option<f64>,
    pub deliver_rate: Option<f64>,
    pub message_ttl_ms: Option<f64>,
    pub expires_ms: Option<f64>,
    pub policy: Option<String>,
}

impl QueueRow {
    pub fn new(q: &Queue, kind: QueueKind) -> Self {
        QueueRow {
            vhost: q.vhost().to_string(),
            name: q.name().to_string(),
            kind,
            ready: count(q.messages_ready),
            unacked: count(q.messages_unacknowledged),
            consumers: count(q.consumers),
            publish_rate: q.publish_rate(),
            deliver_rate: q.deliver_rate(),
            message_ttl_ms: q.message_ttl_ms(),
            expires_ms: q.expires_ms(),
            state: q.state.as_deref().map(str::to_string),
            policy: q.policy.as_deref().map(str::to_string),
        }
    }
}

/// The line under a terminal's table that was cut at [`TERMINAL_LIMIT`]: how many are not
/// shown, and how to see them.
pub fn more_line(shown: usize, total: usize, sort: QueueSort) -> String {
    let by = match sort {
        QueueSort::Name => "by name",
        QueueSort::Ready => "most ready first",
        QueueSort::Unacked => "most unacked first",
        QueueSort::Consumers => "most consumers first",
        QueueSort::Publish => "busiest publish rate first",
        QueueSort::Deliver => "busiest deliver rate first",
    };
    let line = format!(
        "({shown} of {total} queues, {by}; {} more: --limit {total} shows them all, as do a pipe and --format json)",
        total - shown,
    );
    super::width::wrap(&line, super::width::width(true), "", "")
}

fn ms(v: Option<f64>) -> String {
    match v {
        Some(ms) if ms % 1000.0 == 0.0 => format!("{}s", ms / 1000.0),
        Some(ms) => format!("{ms}ms"),
        None => "-".into(),
    }
}

pub const HEADERS: [(&str, Align); 10] = [
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

pub fn cells(r: &QueueRow) -> Vec<String> {
    vec![
        r.vhost.clone(),
        r.name.clone(),
        r.kind.name().to_string(),
        known(r.ready),
        known(r.unacked),
        known(r.consumers),
        fmt_rate(r.publish_rate),
        fmt_rate(r.deliver_rate),
        ms(r.message_ttl_ms),
        ms(r.expires_ms),
    ]
}

/// A count, or `-` when unknown.
fn known(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), fmt_count)
}

pub fn table(style: &Style, rows: &[QueueRow]) -> String {
    let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
    // At 80 columns the rates and limits give way to the name and the counts.
    render_fit(
        style,
        &HEADERS,
        &cells,
        &["EXPIRES", "TTL", "PUBLISH/S", "DELIVER/S", "KIND"],
    )
}

pub fn prometheus(rows: &[QueueRow]) -> String {
    let mut e = Exposition::default();
    for r in rows {
        let labels = [
            ("vhost", r.vhost.as_str()),
            ("queue", r.name.as_str()),
            ("kind", r.kind.name()),
        ];
        // An unknown count is no sample (a gauge at 0 would be a lie).
        let counts = [
            (
                "celtool_queue_messages_ready",
                "Ready messages in the queue.",
                r.ready,
            ),
            (
                "celtool_queue_messages_unacked",
                "Unacknowledged messages in the queue.",
                r.unacked,
            ),
            (
                "celtool_queue_consumers",
                "Consumers of the queue.",
                r.consumers,
            ),
        ];
        for (name, help, value) in counts {
            if let Some(v) = value {
                e.gauge(name, help, &labels, v);
            }
        }
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

/// One row of `celtool queues` on Redis; JSON keys are a scripting contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RedisQueueRow {
    pub db: i64,
    pub name: String,
    pub kind: Kind,
    /// Every priority bucket summed.
    pub ready: u64,
    /// Messages per priority step (0, 3, 6, 9), when the queue has buckets.
    pub priorities: std::collections::BTreeMap<String, u64>,
    /// `null`: Redis cannot say which list a client waits on.
    pub consumers: Option<u64>,
    pub growth_per_second: Option<f64>,
    pub ttl_ms: Option<u64>,
}

/// The rows of the Celery model's queues of database `db`.
pub fn redis_queue_rows(fleet: &Fleet, db: i64) -> Vec<RedisQueueRow> {
    fleet
        .queues
        .iter()
        .map(|q| RedisQueueRow {
            db,
            name: q.name.to_string(),
            kind: q.kind,
            // LLEN always answers: a Redis depth is never unknown.
            ready: q.ready.unwrap_or(0),
            priorities: q
                .buckets
                .iter()
                .map(|b| (b.priority.to_string(), b.messages))
                .collect(),
            consumers: q.consumers,
            growth_per_second: q.growth(),
            ttl_ms: q.expires_ms,
        })
        .collect()
}

/// The Redis queue table: the priority buckets beside the depth; `?` for consumers, which
/// Redis cannot attribute to a list.
pub fn redis_table(style: &Style, rows: &[RedisQueueRow]) -> String {
    let headers = [
        ("DB", Align::Right),
        ("NAME", Align::Left),
        ("KIND", Align::Left),
        ("READY", Align::Right),
        ("PRIORITIES 0/3/6/9", Align::Right),
        ("CONSUMERS", Align::Right),
        ("GROWTH/S", Align::Right),
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let p = |k: &str| {
                r.priorities
                    .get(k)
                    .map_or("-".into(), |n| fmt_count(*n as f64))
            };
            vec![
                r.db.to_string(),
                r.name.clone(),
                r.kind.name().to_string(),
                fmt_count(r.ready as f64),
                if r.priorities.is_empty() {
                    "-".into()
                } else {
                    format!("{}/{}/{}/{}", p("0"), p("3"), p("6"), p("9"))
                },
                r.consumers.map_or("?".into(), |c| c.to_string()),
                fmt_rate(r.growth_per_second),
            ]
        })
        .collect();
    render(style, &headers, &cells)
}

pub fn redis_prometheus(rows: &[RedisQueueRow]) -> String {
    let mut e = Exposition::default();
    for r in rows {
        let db = r.db.to_string();
        for (prio, n) in &r.priorities {
            e.gauge(
                "celtool_redis_queue_messages",
                "Messages waiting in the queue's priority bucket.",
                &[
                    ("db", db.as_str()),
                    ("queue", r.name.as_str()),
                    ("kind", r.kind.name()),
                    ("priority", prio.as_str()),
                ],
                *n as f64,
            );
        }
    }
    e.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_columns_read_as_durations() {
        assert_eq!(ms(Some(5000.0)), "5s");
        assert_eq!(ms(Some(1500.0)), "1500ms");
        assert_eq!(ms(None), "-");
    }
}
