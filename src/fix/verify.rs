//! After a fix is applied: wait until the broker shows its effect.

use std::time::{Duration, Instant};

use super::{Change, Plan, event_queues};
use crate::broker::client::Client;
use crate::error::Error;

/// RabbitMQ applies policies asynchronously: wait (bounded) until every event queue of the
/// changed vhosts carries the TTL and expiry.
pub fn event_queues(
    client: &Client,
    plan: &Plan,
    opts: &event_queues::Options,
) -> Result<(), Error> {
    let rt = crate::commands::runtime()?;
    let started = Instant::now();
    for change in &plan.changes {
        let Change::PutPolicy { vhost, .. } = change else {
            continue;
        };
        loop {
            let queues: Vec<crate::broker::model::Queue> = rt.block_on(client.get(
                &["queues", vhost],
                Some("name,vhost,effective_policy_definition"),
            ))?;
            let left = event_queues::unsettled(vhost, &queues, opts);
            if left.is_empty() {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(Error::Io(format!(
                    "the policy was applied, but {} event queue(s) in vhost {vhost} (e.g. {}) still do not show it after 30 s; check `rabbitmqctl list_queues -p {vhost} name policy`",
                    left.len(),
                    crate::output::sanitize(left[0].name())
                )));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
    Ok(())
}
