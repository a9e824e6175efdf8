//! The Celery checks, on the broker-neutral model (`crate::celery_model`): run once per
//! [`Fleet`], the same code for a RabbitMQ vhost and a Redis database. One file per concern:
//! task queues (`queues.rs`: backlog, no consumer, growth), event queues and worker mailboxes
//! (`event_queues.rs`), result floods (`results.rs`), event traffic (`events.rs`).
//!
//! Finding IDs, severities and thresholds are the same for both brokers. Where a broker has a
//! different command for the same remedy (rabbitmqctl against redis-cli) or counts something
//! differently (RabbitMQ's ready messages against the Redis lists' depth with their priority
//! buckets), the text says it the way that broker's users have always read it (a `match` on
//! `fleet.broker`, beside the shared logic).
//! What a check cannot know on a broker is `None` in the model and the check stays silent.

mod event_queues;
mod events;
pub mod fanout;
mod queues;
mod results;

use crate::celery_model::Fleet;
use crate::report::Finding;
use crate::settings::Thresholds;

/// Every Celery finding for one fleet; each carries the broker's host.
pub fn check(fleet: &Fleet, thresholds: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    check_into(fleet, thresholds, &mut out);
    out
}

/// [`check`], appending to `out`: a vhost with 10 000 event queues without a TTL has as many
/// findings, and a list of them made apart and then copied into the run's list held both at
/// once (4 MB at 100 000 queues).
pub fn check_into(fleet: &Fleet, thresholds: &Thresholds, out: &mut Vec<Finding>) {
    let start = out.len();
    queues::check(fleet, thresholds, out);
    event_queues::check(fleet, thresholds, out);
    results::check(fleet, thresholds, out);
    events::check(fleet, thresholds, out);
    for f in &mut out[start..] {
        f.host.get_or_insert_with(|| fleet.host.clone());
    }
}
