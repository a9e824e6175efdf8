//! The queue listing in two steps, so that a big vhost costs the broker its queues' counters and
//! not its statistics database: every queue in the light form
//! (`disable_stats=true&enable_queue_totals=true`, [`Queue::LIGHT_COLUMNS`]), its consumer count
//! from the consumer listing and its policy's definition from the policy listing, then the
//! statistics ([`Queue::DETAIL_COLUMNS`]: rates, redelivery totals, the effective policy as the
//! broker merged it, classic mirrors) only for the queues a check judges by them: those with a
//! consumer, with messages (ready or unacknowledged, or counts unknown), or mirrored by a policy.
//!
//! The details come in name-filtered pages of the same listing
//! (`page=N&page_size=500&name=^(?:a|b|...)$&use_regex=true`): RabbitMQ filters and pages on the
//! queues' basic fields before it augments the page with statistics
//! (rabbit_mgmt_util:augment_resources, "pagination with extended columns and sorting on
//! basic"), so a page costs the statistics of its own queues only.
//!
//! An idle queue (no consumer, no message, not mirrored) keeps no rates: its publish rate can
//! only be that of messages that expire or are dead-lettered at once, and its redelivery totals
//! are those of deliveries long gone.

use std::collections::HashMap;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::client::{ApiError, Client};
use super::records::{Consumer, Policy, Queue};

/// The query of the light listing.
pub const LIGHT_QUERY: [(&str, &str); 2] =
    [("disable_stats", "true"), ("enable_queue_totals", "true")];

/// The longest name filter of one detail request, in bytes before URL encoding: the request
/// line stays well under Cowboy's 8 000-byte limit (max_request_line_length) and a proxy's.
const MAX_FILTER: usize = 2_400;
/// The API's largest page.
const PAGE_SIZE: usize = 500;
/// Detail requests in flight at once: each makes the broker list and sort the vhost's queues
/// (basic fields only) before it filters them.
const PARALLEL: usize = 2;
/// Pages read for one filter at most (a filter of exact names has far fewer matches).
const MAX_PAGES: u64 = 50;

/// Fill what the light listing lacks from the other listings: the consumer count of each queue
/// (from the consumers) and its effective policy definition (the definition of the policy the
/// broker names; operator policies are not merged here, the detail read has them).
pub fn from_listings(queues: &mut [Queue], consumers: &[Consumer], policies: &[Policy]) {
    let mut count: HashMap<(&str, &str), f64> = HashMap::new();
    for c in consumers {
        *count.entry((c.queue_vhost(), c.queue_name())).or_default() += 1.0;
    }
    let definitions: HashMap<(&str, &str), &Policy> = policies
        .iter()
        .map(|p| ((p.vhost(), p.name()), p))
        .collect();
    for q in queues.iter_mut() {
        q.keep_light();
        q.consumers = Some(count.get(&(q.vhost(), q.name())).copied().unwrap_or(0.0));
        let policy = q
            .policy
            .as_deref()
            .and_then(|name| definitions.get(&(q.vhost(), name)));
        if let Some(definition) = policy.and_then(|p| p.definition.as_ref()) {
            q.effective_policy_definition = Some(
                definition
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            );
        }
    }
}

/// Whether a check judges `q` by what only the detail read has.
pub fn wanted(q: &Queue) -> bool {
    let busy = |n: Option<f64>| n != Some(0.0);
    let mirrored = q
        .effective_policy_definition
        .as_ref()
        .is_some_and(|d| d.contains_key("ha-mode"));
    busy(q.consumers_count()) || busy(q.ready_count()) || busy(q.unacked_count()) || mirrored
}

/// Read the details of the [`wanted`] queues and merge them in. Returns the number of detail
/// requests made, or the first failure (the queues keep what the light read gave).
pub async fn read(client: &Client, queues: &mut [Queue]) -> Result<usize, ApiError> {
    let mut by_vhost: HashMap<&str, Vec<&str>> = HashMap::new();
    for q in queues.iter().filter(|q| wanted(q)) {
        by_vhost.entry(q.vhost()).or_default().push(q.name());
    }
    let mut filters: Vec<(String, String)> = Vec::new();
    for (vhost, names) in &by_vhost {
        for filter in name_filters(names) {
            filters.push((vhost.to_string(), filter));
        }
    }
    let requests = filters.len();
    let answers: Vec<Result<Vec<Queue>, ApiError>> = stream::iter(filters)
        .map(|(vhost, filter)| async move { filtered(client, &vhost, &filter).await })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let index: HashMap<(String, String), usize> = queues
        .iter()
        .enumerate()
        .map(|(i, q)| ((q.vhost().to_string(), q.name().to_string()), i))
        .collect();
    for answer in answers {
        for d in answer? {
            // Exact names only: the broker matches without case, and a replayed recording
            // answers with the whole listing.
            let key = (d.vhost().to_string(), d.name().to_string());
            if let Some(&i) = index.get(&key)
                && wanted(&queues[i])
            {
                queues[i].take_details(d);
            }
        }
    }
    Ok(requests)
}

/// All pages of the listing of `vhost` filtered by `filter`.
async fn filtered(client: &Client, vhost: &str, filter: &str) -> Result<Vec<Queue>, ApiError> {
    let mut out = Vec::new();
    let mut page = 1u64;
    loop {
        let number = page.to_string();
        let size = PAGE_SIZE.to_string();
        let query = [
            ("page", number.as_str()),
            ("page_size", size.as_str()),
            ("name", filter),
            ("use_regex", "true"),
        ];
        let answer: Value = client
            .get_query(&["queues", vhost], Some(Queue::DETAIL_COLUMNS), &query)
            .await?;
        let (items, pages) = page_items(answer);
        out.extend(
            items
                .into_iter()
                .filter_map(|v| serde_json::from_value::<Queue>(v).ok()),
        );
        if page >= pages.min(MAX_PAGES) {
            return Ok(out);
        }
        page += 1;
    }
}

/// A page's items and the page count; an answer without the envelope (a proxy or a recording
/// that ignores paging) is taken as the one page it is.
fn page_items(answer: Value) -> (Vec<Value>, u64) {
    match answer {
        Value::Array(items) => (items, 1),
        Value::Object(mut o) => {
            let pages = o.get("page_count").and_then(Value::as_u64).unwrap_or(1);
            match o.remove("items") {
                Some(Value::Array(items)) => (items, pages),
                _ => (Vec::new(), 1),
            }
        }
        _ => (Vec::new(), 1),
    }
}

/// Anchored alternations of the escaped names, each at most [`MAX_FILTER`] bytes (a name
/// longer than that gets a filter of its own).
fn name_filters(names: &[&str]) -> Vec<String> {
    let mut filters = Vec::new();
    let mut current = String::new();
    for name in names {
        let escaped = escape(name);
        if !current.is_empty() && current.len() + escaped.len() + 6 > MAX_FILTER {
            filters.push(format!("^(?:{current})$"));
            current.clear();
        }
        if !current.is_empty() {
            current.push('|');
        }
        current.push_str(&escaped);
    }
    if !current.is_empty() {
        filters.push(format!("^(?:{current})$"));
    }
    filters
}

/// A name as a PCRE literal (RabbitMQ matches with Erlang's `re`).
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\^$.|?*+()[]{}#-/ ".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(v: serde_json::Value) -> Queue {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn filters_are_anchored_escaped_and_bounded() {
        assert_eq!(name_filters(&["a.b", "c|d"]), vec![r"^(?:a\.b|c\|d)$"]);
        let long: Vec<String> = (0..400).map(|i| format!("{i:032x}")).collect();
        let names: Vec<&str> = long.iter().map(String::as_str).collect();
        let filters = name_filters(&names);
        assert!(filters.len() > 1, "{}", filters.len());
        assert!(filters.iter().all(|f| f.len() <= MAX_FILTER), "{filters:?}");
        let joined: usize = filters.iter().map(|f| f.matches('|').count() + 1).sum();
        assert_eq!(joined, 400);
    }

    #[test]
    fn a_queue_is_wanted_when_busy_consumed_or_mirrored() {
        let idle = queue(serde_json::json!({"name": "r", "messages_ready": 0,
            "messages_unacknowledged": 0, "consumers": 0}));
        assert!(!wanted(&idle));
        let mut ready = idle.clone();
        ready.messages_ready = Some(3.0);
        assert!(wanted(&ready));
        let mut unknown = idle.clone();
        unknown.messages_unacknowledged = None;
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
        assert_eq!(queues[0].consumers, Some(2.0));
        assert_eq!(queues[0].message_stats, None);
        assert_eq!(queues[0].message_ttl_ms(), Some(5000.0));
        assert_eq!(queues[1].consumers, Some(0.0));
        assert_eq!(queues[1].effective_policy_definition, None);
    }

    #[test]
    fn a_page_without_envelope_is_one_page() {
        let (items, pages) = page_items(serde_json::json!([{"name": "a"}]));
        assert_eq!((items.len(), pages), (1, 1));
        let (items, pages) =
            page_items(serde_json::json!({"items": [{"name": "a"}], "page_count": 3}));
        assert_eq!((items.len(), pages), (1, 3));
    }
}
