//! Queue checks: ready messages nobody consumes, backlogs with their drain ETA, unacked piles,
//! redeliveries, queues that are not running. Event, mailbox and result queues are left to the
//! Celery checks.

use super::shell_word;
use super::{Ctx, level, ratio};
use crate::broker::celery::QueueKind;
use crate::broker::model::Queue;
use crate::output::{fmt_count, fmt_duration_secs};
use crate::report::{Finding, Severity};

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for q in &ctx.snap.queues {
        state(q, out);
        let kind = ctx.kinds.queue_kind(q);
        if !matches!(kind, QueueKind::Task | QueueKind::Other) {
            continue;
        }
        if !no_consumers(ctx, q, kind, out) {
            backlog(ctx, q, out);
        }
        unacked(ctx, q, out);
        redeliveries(ctx, q, out);
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

/// Returns true when it reported the queue (so the backlog check does not repeat it).
fn no_consumers(ctx: &Ctx, q: &Queue, kind: QueueKind, out: &mut Vec<Finding>) -> bool {
    let id = "queues.no-consumers";
    if q.consumers() > 0.0 || q.ready() <= 0.0 {
        return false;
    }
    let severity = level(&ctx.thresholds.get(id), q.ready());
    if severity == Severity::Ok {
        return false;
    }
    let start = if kind == QueueKind::Task {
        format!(
            "start a worker for it: celery -A PROJ worker -Q {}",
            shell_word(q.name())
        )
    } else {
        format!(
            "start its consumer (for Celery: celery -A PROJ worker -Q {})",
            shell_word(q.name())
        )
    };
    out.push(
        Finding::new(id, severity, q.subject())
            .summary(format!(
                "{} ready message(s) in {} and no consumer: nothing processes them",
                fmt_count(q.ready()),
                q.subject()
            ))
            .evidence("messages_ready", q.ready())
            .evidence("consumers", 0.0)
            .remedy(format!(
                "{start}; or fix task_routes (old name CELERY_ROUTES) if tasks go to the wrong queue; purge an obsolete queue with rabbitmqctl purge_queue -p {} {}",
                shell_word(q.vhost()),
                shell_word(q.name())
            )),
    );
    true
}

/// The drain outlook of a queue: growing (publish above deliver), or seconds until empty.
pub fn outlook(q: &Queue) -> (Option<f64>, Option<f64>) {
    let net = match (q.publish_rate(), q.deliver_rate()) {
        (Some(p), Some(d)) => Some(p - d),
        (Some(p), None) => Some(p),
        (None, Some(d)) => Some(-d),
        (None, None) => None,
    }
    // Rates of 1e308 or negative ones from a confused broker must not read as "inf msg/s".
    .filter(|n| n.is_finite());
    let eta = match net {
        Some(n) if n < 0.0 => ratio(Some(q.ready()), Some(-n)),
        _ => None,
    };
    (net, eta)
}

fn backlog(ctx: &Ctx, q: &Queue, out: &mut Vec<Finding>) {
    let id = "queues.backlog";
    let severity = level(&ctx.thresholds.get(id), q.ready());
    if severity == Severity::Ok {
        return;
    }
    let (net, eta) = outlook(q);
    let trend = match (net, eta) {
        (Some(n), _) if n > 0.0 => format!("growing by {n:.1} msg/s"),
        (_, Some(eta)) => format!("draining, empty in about {}", fmt_duration_secs(eta)),
        _ => "not moving".to_string(),
    };
    let mut f = Finding::new(id, severity, q.subject())
        .summary(format!(
            "{} ready messages in {} with {} consumer(s), {trend}",
            fmt_count(q.ready()),
            q.subject(),
            q.consumers()
        ))
        .evidence("messages_ready", q.ready())
        .evidence("consumers", q.consumers())
        .remedy(format!(
            "add workers or concurrency for this queue (celery -A PROJ worker -Q {} --concurrency N); route slow tasks to their own queue",
            shell_word(q.name())
        ));
    if let Some(rate) = q.publish_rate() {
        f = f.evidence("publish_per_second", rate);
    }
    if let Some(rate) = q.deliver_rate() {
        f = f.evidence("deliver_per_second", rate);
    }
    if let Some(eta) = eta {
        f = f.evidence("drain_eta_seconds", eta);
    }
    out.push(f);
}

fn unacked(ctx: &Ctx, q: &Queue, out: &mut Vec<Finding>) {
    let id = "queues.unacked";
    let severity = level(&ctx.thresholds.get(id), q.unacked());
    if severity == Severity::Ok {
        return;
    }
    let per_consumer = ratio(Some(q.unacked()), Some(q.consumers()));
    let mut f = Finding::new(id, severity, q.subject())
        .summary(format!(
            "{} unacknowledged messages in {} held by {} consumer(s)",
            fmt_count(q.unacked()),
            q.subject(),
            q.consumers()
        ))
        .evidence("messages_unacknowledged", q.unacked())
        .evidence("consumers", q.consumers())
        .remedy("lower worker_prefetch_multiplier (old name CELERYD_PREFETCH_MULTIPLIER) to 1 for long tasks; look for workers stuck on a task and restart them");
    if let Some(p) = per_consumer {
        f = f.evidence("unacked_per_consumer", p);
    }
    out.push(f);
}

/// Deliveries a queue's totals need before their redelivered share means anything.
const MIN_DELIVERIES: f64 = 20.0;

/// Redeliveries, judged on the last seconds' rates, and on the totals since the queue's
/// statistics began when the rates show none (workers killed half a minute ago leave no rate,
/// but their redeliveries stay in the totals).
fn redeliveries(ctx: &Ctx, q: &Queue, out: &mut Vec<Finding>) {
    let id = "queues.redeliveries";
    let limits = ctx.thresholds.get(id);
    let by_rate = q.redeliver_rate().filter(|r| *r > 0.0).and_then(|redeliver| {
        let share = ratio(Some(redeliver), q.deliver_rate())?;
        let severity = level(&limits, share);
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
        let severity = level(&limits, share);
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
    fn ready_without_consumers_is_critical_and_not_also_a_backlog() {
        let mut snap = snapshot();
        snap.queues = vec![
            queue(json!({"name": "celery", "vhost": "v", "messages_ready": 5000, "consumers": 0})),
            queue(json!({"name": "idle", "vhost": "v", "messages_ready": 0, "consumers": 0})),
        ];
        assert_eq!(
            problems(&run(&snap)),
            vec![("queues.no-consumers", Severity::Crit, "v/celery".into())]
        );
    }

    #[test]
    fn backlog_reports_growth_or_drain_eta() {
        let mut snap = snapshot();
        snap.queues = vec![
            queue(
                json!({"name": "grow", "vhost": "/", "messages_ready": 2000, "consumers": 2,
                "message_stats": {"publish_details": {"rate": 50.0}, "deliver_get_details": {"rate": 10.0}}}),
            ),
            queue(
                json!({"name": "drain", "vhost": "/", "messages_ready": 3000, "consumers": 2,
                "message_stats": {"publish_details": {"rate": 0.0}, "deliver_get_details": {"rate": 10.0}}}),
            ),
        ];
        let findings = run(&snap);
        let grow = findings.iter().find(|f| f.subject == "/grow").unwrap();
        assert_eq!(grow.severity, Severity::Warn);
        assert!(
            grow.summary.contains("growing by 40.0 msg/s"),
            "{}",
            grow.summary
        );
        let drain = findings.iter().find(|f| f.subject == "/drain").unwrap();
        assert_eq!(drain.evidence["drain_eta_seconds"], 300.0);
        assert!(
            drain.summary.contains("empty in about 5m"),
            "{}",
            drain.summary
        );
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

    #[test]
    fn thresholds_from_config_apply() {
        let mut snap = snapshot();
        snap.queues = vec![queue(
            json!({"name": "t", "vhost": "/", "messages_ready": 20, "consumers": 1}),
        )];
        let mut t = crate::settings::Thresholds::default();
        t.set("queues.backlog", Some(10.0), Some(15.0));
        let findings = crate::checks::broker_checks(&snap, &t);
        assert_eq!(
            problems(&findings),
            vec![("queues.backlog", Severity::Crit, "/t".into())]
        );
    }
}
