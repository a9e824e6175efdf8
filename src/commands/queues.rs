//! `celtool queues`: every queue with its Celery kind, depth, consumers, rates and TTL in force.
//! The queue list is filtered, sorted and cut in place, and rows are made as they are written
//! (JSON and piped tables): 100 000 queues are held once, never as rows and a document too.

use std::cmp::Ordering;

use super::{complete_snapshot, emit_listing, flag_regex, warn_skipped};
use crate::cli::{QueueSort, QueuesArgs};
use crate::error::{Error, Outcome};
use crate::output::json::Named;
use crate::output::queues::{HEADERS, QueueRow, cells, more_line, prometheus, table};
use crate::output::stream::LazyRows;
use crate::output::{Format, Printer};
use crate::rabbitmq::classify::Classifier;
use crate::rabbitmq::read::Need;
use crate::rabbitmq::records::{Queue, count};
use crate::settings::Settings;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rabbitmq::classify::QueueKind;

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
