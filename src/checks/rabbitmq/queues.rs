//! RabbitMQ queue checks: unacked piles, redeliveries, queues that are not running. Backlogs
//! and queues nobody consumes are Celery checks on the broker-neutral model
//! (`checks::celery`); event, mailbox and result queues too.

use super::{Ctx, level, ratio};
use crate::catalog::Limits;
use crate::rabbitmq::classify::QueueKind;
use crate::rabbitmq::records::Queue;
use crate::report::{Finding, Severity};
use crate::text::fmt_count;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    // Looked up once, not for each of thousands of queues.
    let limits = (
        ctx.thresholds.get("queues.unacked"),
        ctx.thresholds.get("queues.redeliveries"),
    );
    for q in &ctx.snap.queues {
        state(q, out);
        let kind = ctx.kinds.queue_kind(q);
        if !matches!(kind, QueueKind::Task | QueueKind::Other) {
            continue;
        }
        unacked(&limits.0, q, out);
        redeliveries(&limits.1, q, out);
    }
}

fn state(q: &Queue, out: &mut Vec<Finding>) {
    let Some(state) = q.state.as_deref() else {
        return;
    };
    if matches!(
        state,
        "down" | "minority" | "crashed" | "stopped" | "terminated"
    ) {
        out.push(
            Finding::new("broker.queue.state", Severity::Crit, q.subject())
                .summary(format!("queue {} is {state}: it accepts and delivers nothing", q.subject()))
                .remedy("bring back the nodes that hold it; for quorum queues: rabbitmq-queues quorum_status -p VHOST QUEUE"),
        );
    }
}

fn unacked(limits: &Limits, q: &Queue, out: &mut Vec<Finding>) {
    let id = "queues.unacked";
    // A count the broker did not send is unknown (broker.api.value names it), never 0.
    let Some(unacked) = q.unacked_count() else {
        return;
    };
    let severity = level(limits, unacked);
    if severity == Severity::Ok {
        return;
    }
    let consumers = q.consumers_count();
    let held_by = match consumers {
        Some(c) => format!("{c} consumer(s)"),
        None => "an unknown number of consumers".to_string(),
    };
    let mut f = Finding::new(id, severity, q.subject())
        .summary(format!(
            "{} unacknowledged messages in {} held by {held_by}",
            fmt_count(unacked),
            q.subject(),
        ))
        .evidence("messages_unacknowledged", unacked)
        .remedy("lower worker_prefetch_multiplier (old name CELERYD_PREFETCH_MULTIPLIER) to 1 for long tasks; look for workers stuck on a task and restart them");
    if let Some(c) = consumers {
        f = f.evidence("consumers", c);
    }
    if let Some(p) = ratio(Some(unacked), consumers) {
        f = f.evidence("unacked_per_consumer", p);
    }
    out.push(f);
}

/// Deliveries a queue's totals need before their redelivered share means anything.
const MIN_DELIVERIES: f64 = 20.0;

/// Redeliveries, judged on the last seconds' rates, and on the totals since the queue's
/// statistics began when the rates show none (workers killed half a minute ago leave no rate,
/// but their redeliveries stay in the totals).
fn redeliveries(limits: &Limits, q: &Queue, out: &mut Vec<Finding>) {
    let id = "queues.redeliveries";
    let by_rate = q.redeliver_rate().filter(|r| *r > 0.0).and_then(|redeliver| {
        let share = ratio(Some(redeliver), q.deliver_rate())?;
        let severity = level(limits, share);
        (severity != Severity::Ok).then(|| {
            Finding::new(id, severity, q.subject())
                .summary(format!(
                    "{redeliver:.2} msg/s redelivered in {} ({:.0}% of deliveries, last seconds' rates): tasks run more than once",
                    q.subject(),
                    share * 100.0
                ))
                .evidence("redeliver_per_second", redeliver)
                .evidence("redeliver_share", share)
        })
    });
    let by_total = || {
        let (redelivered, delivered) = q.redeliver_totals()?;
        if redelivered <= 0.0 || delivered < MIN_DELIVERIES {
            return None;
        }
        let share = ratio(Some(redelivered), Some(delivered))?;
        let severity = level(limits, share);
        (severity != Severity::Ok).then(|| {
            Finding::new(id, severity, q.subject())
                .summary(format!(
                    "{} of {} deliveries in {} were redeliveries ({:.0}%, totals since the queue's statistics began; none in the last seconds' rates): tasks ran more than once",
                    fmt_count(redelivered),
                    fmt_count(delivered),
                    q.subject(),
                    share * 100.0
                ))
                .evidence("redelivered_total", redelivered)
                .evidence("delivered_total", delivered)
                .evidence("redeliver_share", share)
        })
    };
    let Some(f) = by_rate.or_else(by_total) else {
        return;
    };
    out.push(f.remedy("make these tasks idempotent; with task_acks_late (old name CELERY_ACKS_LATE) find why workers die mid-task (OOM kills, worker_max_memory_per_child); set task_reject_on_worker_lost deliberately"));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::report::Severity;
    use serde_json::json;

    #[test]
    fn redeliveries_in_the_totals_are_reported_when_the_rates_are_quiet() {
        let mut snap = snapshot();
        snap.queues = vec![queue(
            json!({"name": "celery", "vhost": "v", "consumers": 1,
            "message_stats": {"redeliver": 14, "deliver_get": 202,
                "redeliver_details": {"rate": 0.0}, "deliver_get_details": {"rate": 0.0}}}),
        )];
        let f = run(&snap);
        let r = f.iter().find(|f| f.id == "queues.redeliveries").unwrap();
        assert_eq!(r.severity, Severity::Warn);
        assert!(r.summary.contains("14 of 202"), "{}", r.summary);
        assert!(r.summary.contains("totals"), "{}", r.summary);
        // Too few deliveries to judge.
        snap.queues[0].message_stats.as_mut().unwrap().deliver_get = Some(10.0);
        assert!(run(&snap).iter().all(|f| f.id != "queues.redeliveries"));
    }

    #[test]
    fn unacked_redeliveries_and_down_queues() {
        let mut snap = snapshot();
        snap.queues = vec![
            queue(
                json!({"name": "q", "vhost": "/", "messages_unacknowledged": 5000, "consumers": 0,
                "message_stats": {"redeliver_details": {"rate": 2.0}, "deliver_get_details": {"rate": 10.0}}}),
            ),
            queue(json!({"name": "qq", "vhost": "/", "state": "minority"})),
            queue(
                json!({"name": "zero", "vhost": "/", "message_stats": {"redeliver_details": {"rate": 1.0},
                "deliver_get_details": {"rate": 0.0}}}),
            ),
        ];
        assert_eq!(
            problems(&run(&snap)),
            vec![
                ("broker.queue.state", Severity::Crit, "/qq".into()),
                ("queues.redeliveries", Severity::Warn, "/q".into()),
                ("queues.unacked", Severity::Warn, "/q".into()),
            ]
        );
    }
}
