//! `celtool queues`: every queue with its Celery kind, depth, consumers, rates and TTL in force.
//! The queue list is filtered, sorted and cut in place, and rows are made as they are written
//! (JSON and piped tables): 100 000 queues are held once, never as rows and a document too.

use std::cmp::Ordering;

use serde::Serialize;

use super::{complete_snapshot, emit_listing, flag_regex, warn_skipped};
use crate::cli::{QueueSort, QueuesArgs};
use crate::error::{Error, Outcome};
use crate::output::json::Named;
use crate::output::prometheus::Exposition;
use crate::output::stream::LazyRows;
use crate::output::table::{Align, render_fit};
use crate::output::{Format, Printer, Style};
use crate::rabbitmq::classify::{Classifier, QueueKind};
use crate::rabbitmq::read::Need;
use crate::rabbitmq::records::{Queue, count};
use crate::settings::Settings;
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
    fn new(q: &Queue, kind: QueueKind) -> Self {
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
            policy: q.policy.clone(),
        }
    }
}

pub fn run(s: &Settings, p: &Printer, args: &QueuesArgs) -> Result<Outcome, Error> {
    if matches!(s.broker(), Some(crate::settings::Broker::Redis(_))) {
        return super::redis::queues(s, p, args);
    }
    let name_filter = flag_regex("--name", args.name.as_deref())?;
    let need = Need {
        queues: true,
        consumers: true,
        ..Need::default()
    };
    let (_, mut snap) = complete_snapshot(s, p, need)?;
    warn_skipped(p, &snap);
    let kinds = Classifier::new(&[], &snap.consumers);
    let mut queues = std::mem::take(&mut snap.queues);
    queues.retain(|q| {
        (args.kind.is_empty() || args.kind.contains(&kinds.queue_kind(q)))
            // An unknown depth may be over the bar: it is kept, shown as `-`.
            && count(q.messages_ready).is_none_or(|r| r >= args.min_ready as f64)
            && name_filter.as_ref().is_none_or(|re| re.is_match(q.name()))
    });
    // A person at a terminal gets the first screens, worst first; a pipe and JSON get all.
    let on_terminal = p.style.format == Format::Table && p.style.tty && !p.style.quiet;
    let limit = args.limit.or(on_terminal.then_some(TERMINAL_LIMIT));
    let total = queues.len();
    top(&mut queues, args.sort, limit);
    let more = (args.limit.is_none() && queues.len() < total)
        .then(|| more_line(queues.len(), total, args.sort));
    let rows = || queues.iter().map(|q| QueueRow::new(q, kinds.queue_kind(q)));
    match p.style.format {
        // Streamed: the rows are made as they are written.
        Format::Json => p.json_stream(&Named("queues", LazyRows(rows)))?,
        Format::Table if !p.style.quiet && !p.style.tty => {
            p.plain_table(&HEADERS, || rows().map(|r| cells(&r)))?;
        }
        _ => {
            let rows: Vec<QueueRow> = rows().collect();
            let text = || table(&p.style, &rows) + more.as_deref().unwrap_or_default();
            emit_listing(p, &Named("queues", &rows), text, || prometheus(&rows))?;
        }
    }
    Ok(Outcome::Done)
}

/// How many queues `celtool queues` shows on a terminal without `--limit`.
pub const TERMINAL_LIMIT: usize = 50;

/// The line under a terminal's table that was cut at [`TERMINAL_LIMIT`]: how many are not
/// shown, and how to see them.
fn more_line(shown: usize, total: usize, sort: QueueSort) -> String {
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
    crate::output::width::wrap(&line, crate::output::width::width(true), "", "")
}

/// Sort the queues in place, largest first by `by`, then by vhost and name (which together
/// are unique, so an unstable sort gives one order), and keep the first `limit`: with a limit
/// only those are sorted. Unknown counts come after every known one, not among the empty
/// queues; a missing rate still sorts as 0 (a queue that did not move has none).
fn top(queues: &mut Vec<Queue>, by: QueueSort, limit: Option<usize>) {
    let key = |q: &Queue| -> Option<f64> {
        match by {
            QueueSort::Name => Some(0.0),
            QueueSort::Ready => count(q.messages_ready),
            QueueSort::Unacked => count(q.messages_unacknowledged),
            QueueSort::Consumers => count(q.consumers),
            QueueSort::Publish => Some(q.publish_rate().unwrap_or(0.0)),
            QueueSort::Deliver => Some(q.deliver_rate().unwrap_or(0.0)),
        }
    };
    let known_first = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => b.total_cmp(&a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let order = |a: &Queue, b: &Queue| -> Ordering {
        known_first(key(a), key(b))
            .then_with(|| a.vhost().cmp(b.vhost()))
            .then_with(|| a.name().cmp(b.name()))
    };
    if let Some(limit) = limit
        && limit < queues.len()
    {
        if limit == 0 {
            queues.clear();
            return;
        }
        queues.select_nth_unstable_by(limit - 1, order);
        queues.truncate(limit);
    }
    queues.sort_unstable_by(order);
}

fn ms(v: Option<f64>) -> String {
    match v {
        Some(ms) if ms % 1000.0 == 0.0 => format!("{}s", ms / 1000.0),
        Some(ms) => format!("{ms}ms"),
        None => "-".into(),
    }
}

const HEADERS: [(&str, Align); 10] = [
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

fn cells(r: &QueueRow) -> Vec<String> {
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

fn table(style: &Style, rows: &[QueueRow]) -> String {
    let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
    // At 80 columns the rates and limits give way to the name and the counts.
    render_fit(
        style,
        &HEADERS,
        &cells,
        &["EXPIRES", "TTL", "PUBLISH/S", "DELIVER/S", "KIND"],
    )
}

fn prometheus(rows: &[QueueRow]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(name: &str, ready: f64) -> Queue {
        serde_json::from_value(
            serde_json::json!({"name": name, "vhost": "/", "messages_ready": ready}),
        )
        .unwrap()
    }

    fn names(queues: &[Queue]) -> Vec<&str> {
        queues.iter().map(|q| q.name()).collect()
    }

    #[test]
    fn sorts_numbers_largest_first_then_by_name() {
        let mut queues = vec![queue("b", 1.0), queue("a", 1.0), queue("c", 9.0)];
        top(&mut queues, QueueSort::Ready, None);
        assert_eq!(names(&queues), vec!["c", "a", "b"]);
        top(&mut queues, QueueSort::Name, None);
        assert_eq!(names(&queues), vec!["a", "b", "c"]);
    }

    #[test]
    fn a_limit_keeps_the_top_in_order() {
        let make = || -> Vec<Queue> {
            (0..50)
                .map(|i| queue(&format!("q{i:02}"), ((i * 37) % 11) as f64))
                .collect()
        };
        let mut all = make();
        top(&mut all, QueueSort::Ready, None);
        for limit in [0, 1, 7, 49, 50, 80] {
            let mut some = make();
            top(&mut some, QueueSort::Ready, Some(limit));
            assert_eq!(names(&some), names(&all[..limit.min(50)]), "limit {limit}");
        }
    }

    #[test]
    fn ttl_columns_read_as_durations() {
        assert_eq!(ms(Some(5000.0)), "5s");
        assert_eq!(ms(Some(1500.0)), "1500ms");
        assert_eq!(ms(None), "-");
    }

    #[test]
    fn unknown_counts_sort_after_the_known_ones_and_show_as_dashes() {
        let unknown: Queue =
            serde_json::from_value(serde_json::json!({"name": "u", "vhost": "/"})).unwrap();
        let mut queues = vec![queue("z", 0.0), unknown, queue("a", 0.0), queue("m", 3.0)];
        top(&mut queues, QueueSort::Ready, None);
        assert_eq!(names(&queues), vec!["m", "a", "z", "u"]);
        top(&mut queues, QueueSort::Ready, Some(3));
        assert_eq!(names(&queues), vec!["m", "a", "z"]);
        let row = QueueRow::new(&queues[0], QueueKind::Other);
        assert_eq!((row.ready, row.unacked), (Some(3.0), None));
        assert_eq!(&cells(&row)[3..6], ["3", "-", "-"]);
        assert_eq!(
            serde_json::to_value(&row).unwrap()["unacked"],
            serde_json::Value::Null
        );
    }
}
