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

/// The longest name filter of one detail request, in bytes once URL-encoded: with the columns
/// and the path, the request line stays under Cowboy's 8 000-byte max_request_line_length.
const MAX_FILTER: usize = 6_000;
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
        let answer: Page = client
            .get_query(&["queues", vhost], Some(Queue::DETAIL_COLUMNS), &query)
            .await?;
        let pages = answer.pages;
        out.extend(answer.items);
        if page >= pages.min(MAX_PAGES) {
            return Ok(out);
        }
        page += 1;
    }
}

/// A page of the listing: its queues, decoded one at a time into compact records as they
/// stream in, and the page count. An answer without the envelope (a proxy or a recording that
/// ignores paging) is taken as the one page it is.
struct Page {
    items: Vec<Queue>,
    pages: u64,
}

impl<'de> serde::Deserialize<'de> for Page {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Page;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a page of queues or a list of queues")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Page, A::Error> {
                Ok(Page {
                    items: Items::visit(seq)?,
                    pages: 1,
                })
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
                let mut page = Page {
                    items: Vec::new(),
                    pages: 1,
                };
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "items" => page.items = map.next_value::<Items>()?.0,
                        "page_count" => {
                            page.pages = map.next_value::<Option<u64>>()?.unwrap_or(1);
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(page)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Queues of a page; one that does not decode is left out.
struct Items(Vec<Queue>);

impl Items {
    fn visit<'de, A: serde::de::SeqAccess<'de>>(mut seq: A) -> Result<Vec<Queue>, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<Option<Lenient>>()? {
            if let Some(Lenient(Some(q))) = v {
                items.push(q);
            }
        }
        Ok(items)
    }
}

impl<'de> serde::Deserialize<'de> for Items {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Items;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of queues")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Items, A::Error> {
                Ok(Items(Items::visit(seq)?))
            }
        }
        d.deserialize_seq(Visit)
    }
}

/// A queue, or nothing when the record does not decode as one.
struct Lenient(Option<Queue>);

impl<'de> serde::Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(Lenient(serde_json::from_value(value).ok()))
    }
}

/// Anchored alternations of the escaped names, each at most [`MAX_FILTER`] bytes once
/// URL-encoded (a name longer than that gets a filter of its own).
fn name_filters(names: &[&str]) -> Vec<String> {
    let mut filters = Vec::new();
    let mut current = String::new();
    let mut encoded = 0;
    // `^(?:` and `)$`, encoded.
    const FRAME: usize = 3 + 1 + 3 + 3 + 3 + 1;
    for name in names {
        let escaped = escape(name);
        let cost = encoded_len(&escaped) + 3;
        if !current.is_empty() && encoded + cost + FRAME > MAX_FILTER {
            filters.push(format!("^(?:{current})$"));
            current.clear();
            encoded = 0;
        }
        encoded += cost;
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

/// Bytes of `text` in a form-urlencoded query (what `Url::query_pairs_mut` writes).
fn encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' | b' ' => 1,
            _ => 3,
        })
        .sum()
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
        // 400 names of 35 encoded bytes: three filters.
        let names: Vec<&str> = long.iter().map(String::as_str).collect();
        let filters = name_filters(&names);
        assert!(filters.len() > 1, "{}", filters.len());
        assert!(
            filters.iter().all(|f| encoded_len(f) <= MAX_FILTER),
            "{filters:?}"
        );
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
    fn a_page_without_envelope_is_one_page_and_odd_records_are_left_out() {
        let page: Page = serde_json::from_str(r#"[{"name": "a"}, 7]"#).unwrap();
        assert_eq!((page.items.len(), page.pages), (1, 1));
        let page: Page = serde_json::from_str(
            r#"{"total_count": 9, "items": [{"name": "a"}, {"name": "b"}], "page_count": 3}"#,
        )
        .unwrap();
        assert_eq!((page.items.len(), page.pages), (2, 3));
    }
}
