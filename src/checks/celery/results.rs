//! Result floods on the broker-neutral model: results kept as queues (rpc:// one per client,
//! the old amqp:// one per task, with its `celeryresults` exchange). Redis keeps results as
//! keys, not queues: their missing TTLs are a Redis check (`redis.results.no-ttl`).

use crate::celery_model::Fleet;
use crate::checks::level;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::fmt_count;

pub fn check(fleet: &Fleet, thresholds: &Thresholds, out: &mut Vec<Finding>) {
    let id = "results.flood";
    // Results as keys only (Redis) are no result queues.
    let Some(r) = fleet
        .results
        .as_ref()
        .filter(|r| r.queues > 0 || r.legacy_exchange)
    else {
        return;
    };
    let total = r.queues as f64;
    let severity = level(&thresholds.get(id), total);
    if severity == Severity::Ok {
        return;
    }
    let vhost = fleet.scope.as_str();
    out.push(
        Finding::new(id, severity, vhost)
            .summary(format!(
                "vhost {vhost} has {} result queues ({} per task, {} per client) holding {}{} message(s){}{}",
                total,
                r.per_task_queues,
                r.queues - r.per_task_queues,
                if r.messages_unknown > 0 { "at least " } else { "" },
                fmt_count(r.messages as f64),
                if r.messages_unknown > 0 {
                    format!(" ({} of them without a count from the broker)", r.messages_unknown)
                } else {
                    String::new()
                },
                if r.legacy_exchange {
                    "; the celeryresults exchange shows the old amqp:// result backend"
                } else {
                    ""
                }
            ))
            .evidence("result_queues", total)
            .evidence("per_task_queues", r.per_task_queues as f64)
            .evidence("messages", r.messages as f64)
            .remedy("set task_ignore_result = True (old name CELERY_IGNORE_RESULT) for tasks whose result nobody reads; move results to Redis or a database (result_backend); shorten result_expires (old name CELERY_TASK_RESULT_EXPIRES)"),
    );
}
