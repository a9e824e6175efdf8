//! The queue listing in two steps, so that a big vhost costs the broker its queues' counters and
//! not its statistics database: every queue in the light form
//! (`disable_stats=true&enable_queue_totals=true`, [`Queue::LIGHT_COLUMNS`]), its consumer count
//! from the consumer listing and its policy's definition from the policy listing, then the
//! statistics ([`Queue::DETAIL_COLUMNS`]: rates, redelivery totals, the effective policy as the
//! broker merged it, classic mirrors) only for the queues a check judges by them: those with a
//! consumer, with messages (ready or unacknowledged, or counts unknown), mirrored by a policy,
//! or a worker's mailbox.
//!
//! The details come one queue at a time (`/api/queues/VHOST/NAME?columns=...`, a few requests
//! in flight): the broker looks the queue up and augments it alone. A name-filtered page of the
//! listing (`page=1&name=^(?:a|b|...)$&use_regex=true`) was measured first and dropped: RabbitMQ
//! 3.10 compiles the regex again for every queue of the vhost it matches against
//! (rabbit_mgmt_util:match_value), so its cost grew with the vhost's queues times the names
//! asked for (12.0 s for the floor of those requests at 10 000 queues, against 5.1 s for the
//! whole listing with statistics).
//!
//! At most [`MAX_DETAILS`] queues are asked about: the consumed ones first, then the fullest.
//!
//! An idle queue (no consumer, no message, not mirrored) keeps no rates: its publish rate can
//! only be that of messages that expire or are dead-lettered at once, and its redelivery totals
//! are those of deliveries long gone.

use std::collections::HashMap;

use futures_util::stream::{self, StreamExt};

use super::classify::ByQueue;
use super::client::{ApiError, Client};
use super::records::{Consumer, Fields, Policy, Queue};

/// The query of the light listing.
pub const LIGHT_QUERY: [(&str, &str); 2] =
    [("disable_stats", "true"), ("enable_queue_totals", "true")];

/// Detail requests in flight at once.
const PARALLEL: usize = 4;
/// Queues asked about at most: the consumed ones first, then the fullest.
pub const MAX_DETAILS: usize = 5_000;

/// Fill what the light listing lacks from the other listings: the consumer count of each queue
/// (from the consumers) and its effective policy definition (the definition of the policy the
/// broker names; operator policies are not merged here, the detail read has them).
pub fn from_listings(queues: &mut [Queue], consumers: &[Consumer], policies: &[Policy]) {
    let mut count: ByQueue<f64> = ByQueue::default();
    for c in consumers {
        *count.entry((c.queue_vhost().to_string(), c.queue_name().to_string())) += 1.0;
    }
    // Each policy's definition once, shared by the queues it applies to.
    let definitions: HashMap<(&str, &str), Fields> = policies
        .iter()
        .filter_map(|p| {
            let definition = p.definition.as_ref()?;
            let fields = definition
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some(((p.vhost(), p.name()), fields))
        })
        .collect();
    for q in queues.iter_mut() {
        q.keep_light();
        q.consumers = Some(count.get(q.vhost(), q.name()).copied().unwrap_or(0.0)).into();
        let definition = q
            .policy
            .as_deref()
            .and_then(|name| definitions.get(&(q.vhost(), name)));
        if let Some(definition) = definition {
            q.effective_policy_definition = Some(definition.clone());
        }
    }
}

/// Whether a check judges `q` by what only the detail read has.
pub fn wanted(q: &Queue) -> bool {
    let busy = |n: Option<f64>| n != Some(0.0);
    busy(q.consumers_count())
        || busy(q.ready_count())
        || busy(q.unacked_count())
        || mirrored_or_mailbox(q)
}

/// Whether `q` is read in detail whatever its counts: mirrored by a policy (its mirrors are in
/// the detail read only), or a worker's mailbox (its consumer count says whether the worker is
/// there, so it is the broker's, not the consumer listing's; a handful of queues, one per worker).
pub fn mirrored_or_mailbox(q: &Queue) -> bool {
    let mirrored = q
        .effective_policy_definition
        .as_ref()
        .is_some_and(|d| d.contains_key("ha-mode"));
    mirrored || super::classify::mailbox_node(q.name()).is_some()
}

/// Read the details of the [`wanted`] queues and merge them in. Returns the number of detail
/// requests made, or the first failure other than a queue gone meanwhile (404); the queues
/// keep what the light read gave, and those answered are merged all the same.
pub async fn read(client: &Client, queues: &mut [Queue]) -> Result<usize, ApiError> {
    let mut asked: Vec<usize> = (0..queues.len()).filter(|&i| wanted(&queues[i])).collect();
    // Consumed queues first (a backlog that can drain: its rates say whether it does), then
    // the fullest.
    let rank = |q: &Queue| {
        let consumed = q.consumers_count().is_none_or(|c| c > 0.0);
        let held = q.ready_count().unwrap_or(f64::MAX) + q.unacked_count().unwrap_or(0.0);
        (consumed, held)
    };
    asked.sort_by(|&a, &b| {
        let (ca, ha) = rank(&queues[a]);
        let (cb, hb) = rank(&queues[b]);
        cb.cmp(&ca).then(hb.total_cmp(&ha))
    });
    asked.truncate(MAX_DETAILS);
    read_these(client, queues, &asked, Read::Details).await
}

/// What a single-queue read takes into a queue record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// The statistics a listed queue lacks ([`Queue::DETAIL_COLUMNS`]).
    Details,
    /// The statistics and the counts, state and node of a queue known only from the
    /// definitions ([`Queue::UNLISTED_COLUMNS`]).
    CountsAndDetails,
}

impl Read {
    fn columns(self) -> &'static str {
        match self {
            Read::Details => Queue::DETAIL_COLUMNS,
            Read::CountsAndDetails => Queue::UNLISTED_COLUMNS,
        }
    }
}

/// Read `queues[i]` for each `i` of `asked` and merge in what `read` names
/// ([`Queue::take_details`], [`Queue::take_counts`]). Returns the number of requests made, or
/// the first failure other than a queue gone meanwhile (404).
pub async fn read_these(
    client: &Client,
    queues: &mut [Queue],
    asked: &[usize],
    read: Read,
) -> Result<usize, ApiError> {
    let columns = read.columns();
    let keys: Vec<(usize, String, String)> = asked
        .iter()
        .map(|&i| {
            (
                i,
                queues[i].vhost().to_string(),
                queues[i].name().to_string(),
            )
        })
        .collect();
    let answers: Vec<(usize, Result<Queue, ApiError>)> = stream::iter(keys)
        .map(|(i, vhost, name)| async move {
            let path = ["queues", vhost.as_str(), name.as_str()];
            (i, client.get(&path, Some(columns)).await)
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let requests = answers.len();
    let mut failure = None;
    for (i, answer) in answers {
        match answer {
            Ok(d) => {
                if read == Read::CountsAndDetails {
                    queues[i].take_counts(&d);
                }
                queues[i].take_details(d)
            }
            Err(ApiError::NotFound { .. }) => {}
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(requests),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(v: serde_json::Value) -> Queue {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_queue_is_wanted_when_busy_consumed_or_mirrored() {
        let idle = queue(serde_json::json!({"name": "r", "messages_ready": 0,
            "messages_unacknowledged": 0, "consumers": 0}));
        assert!(!wanted(&idle));
        let mut ready = idle.clone();
        ready.messages_ready = Some(3.0).into();
        assert!(wanted(&ready));
        let mut unknown = idle.clone();
        unknown.messages_unacknowledged = None.into();
        assert!(wanted(&unknown));
        let mirrored = queue(serde_json::json!({"name": "m", "messages_ready": 0,
            "messages_unacknowledged": 0, "consumers": 0,
            "effective_policy_definition": {"ha-mode": "all"}}));
        assert!(wanted(&mirrored));
    }

    #[test]
    fn listings_give_consumer_counts_and_policy_definitions() {
        let mut queues = vec![
            queue(
                serde_json::json!({"name": "celery", "vhost": "v", "policy": "p",
                "consumers": 9, "message_stats": {"publish_details": {"rate": 1.0}}}),
            ),
            queue(serde_json::json!({"name": "idle", "vhost": "v"})),
        ];
        let consumer: Consumer =
            serde_json::from_value(serde_json::json!({"queue": {"name": "celery", "vhost": "v"}}))
                .unwrap();
        let policy: Policy = serde_json::from_value(serde_json::json!({"name": "p", "vhost": "v",
            "pattern": ".*", "definition": {"message-ttl": 5000}}))
        .unwrap();
        from_listings(&mut queues, &[consumer.clone(), consumer], &[policy]);
        assert_eq!(queues[0].consumers.get(), Some(2.0));
        assert_eq!(queues[0].message_stats, None);
        assert_eq!(queues[0].message_ttl_ms(), Some(5000.0));
        assert_eq!(queues[1].consumers.get(), Some(0.0));
        assert_eq!(queues[1].effective_policy_definition, None);
    }
}
