//! When the broker cannot list a vhost's queues in time: the queues from the definitions
//! instead, and the vhost's message totals.
//!
//! RabbitMQ 3.10 builds a queue listing whole before it sends a byte, and its management
//! listener (Cowboy) closes a request it has not answered within `management.tcp.idle_timeout`,
//! 60 s by default. On this project's 2-core VM the light listing of a vhost of 100 000 queues
//! took 76 s, the same listing without the counters 106 s, a page of 500 sorted by messages 45-57 s
//! (the broker gathers every queue for every page), and the vhost's definitions 31 s (no
//! per-queue augmentation): so every form of the listing can be cut at 60 s, and the definitions
//! are the one read of every queue that fits.
//!
//! So doctor does not wait for a listing it will rarely get: on a node whose overview counts
//! at least `[thresholds."broker.queues.unlisted"] warn` queues (50 000 by default), the
//! definitions are read first, and when they hold as many queues (the vhost is that big, not
//! only the node) no listing is asked for at all. A smaller vhost on a big node is listed as
//! usual, with its definitions ready in case the listing is cut.
//!
//! The definitions (`GET /api/definitions/VHOST`, an administrator's read) give each queue's
//! name, durability, auto-delete and arguments; its type comes from `x-queue-type`, its policy
//! from the policy listing matched here as the broker matches it (pattern, `apply-to`, highest
//! priority). They carry no counts, state or node: those come from the detail reads of the queues
//! a check judges by them (consumed ones, mailboxes, Celery's task queues: [`wanted`]), and the
//! vhost's totals (`GET /api/vhosts`) say how many messages sit elsewhere. When the queues read
//! one by one hold all of the vhost's messages, every other queue holds none (within the
//! statistics' few seconds of lag) and is counted as 0; otherwise the others stay unknown and
//! the finding says how many messages they hold between them. Exclusive queues are not in the
//! definitions (they belong to a connection), nor in this view.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::client::{ApiError, Client};
use super::records::{Exchange, Policy, Queue, Sym};

/// How long the light listing may take before the definitions are asked for beside it: a
/// listing that takes this long belongs to a vhost big enough for its answer to be cut at the
/// broker's 60 s idle_timeout, and reading the definitions meanwhile saves their 30 s after a cut.
pub const HEDGE: std::time::Duration = std::time::Duration::from_secs(20);

/// What was read instead of the queue listing, before it is turned into queues.
#[derive(Debug, Default)]
pub struct Instead {
    pub queues: Vec<Queue>,
    /// Each vhost's message totals, from the vhost listing (the statistics database).
    pub totals: Vec<VhostTotals>,
    /// The node's queues (the overview's totals) when they were read first because of it.
    pub node_queues: f64,
}

/// A vhost's message totals as the vhost listing gives them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VhostTotals {
    pub name: Option<String>,
    pub messages: Option<f64>,
}

/// The queue listing could not be read and the definitions stood in for it: what doctor says
/// about that (`broker.queues.unlisted`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unlisted {
    /// Why the listing was not read, the clause after "the queue listing of vhost V": not
    /// answered in time ([`cut_cause`]) or not asked for ([`big_cause`]).
    pub cause: String,
    pub vhosts: Vec<UnlistedVhost>,
}

/// One vhost of an [`Unlisted`] view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnlistedVhost {
    pub vhost: String,
    /// Queues in the definitions.
    pub queues: usize,
    /// Of those, read one by one (counts, consumers, rates).
    pub read: usize,
    /// The vhost's messages in all (the vhost listing), if it said.
    pub messages: Option<u64>,
    /// Messages in the queues read one by one.
    pub in_read: u64,
    /// Whether the other queues were counted as empty (the read ones hold every message).
    pub others_empty: bool,
}

/// The definitions' queues; the other parts are skipped as they stream by. An answer without
/// `queues` is no definitions.
#[derive(Deserialize)]
struct Definitions {
    queues: Vec<Queue>,
}

/// Whether a failed listing is one the definitions can stand in for: the broker was reached
/// but did not answer it in time (closed at its idle_timeout, no start, a stall). Refusals and
/// bad addresses are not: the definitions would fail the same way.
pub fn worth_instead(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Closed { .. } | ApiError::Timeout { .. } | ApiError::Stalled { .. }
    )
}

/// Why the listing failed, short, for the finding (the client's message names the URL and the
/// remedy at length; the finding has its own): the clause that follows "the queue listing of
/// vhost V".
pub fn cut_cause(e: &ApiError) -> String {
    let why = match e {
        ApiError::Closed { secs, .. } => format!(
            "the broker closed it unanswered after {secs}s, its management.tcp.idle_timeout"
        ),
        ApiError::Timeout { secs, .. } => format!("it did not start within {secs}s"),
        ApiError::Stalled { secs, bytes, .. } => {
            format!("it stalled for {secs}s after {bytes} bytes")
        }
        other => other.to_string(),
    };
    format!("was not answered in time ({why})")
}

/// Why the listing was not asked for: the node holds `node` queues, the definitions `held`, at
/// least the `from` of `[thresholds."broker.queues.unlisted"] warn`.
pub fn big_cause(node: f64, held: usize, from: f64) -> String {
    format!(
        "was not asked for (the node holds {node:.0} queues and the definitions {held}, at least the {from:.0} of [thresholds.\"broker.queues.unlisted\"] warn: a listing that size can take RabbitMQ 3.10 past its 60 s management.tcp.idle_timeout)"
    )
}

/// Read the definitions of the vhost (or of the node without one) and the vhosts' totals.
pub async fn read(client: &Client, vhost: Option<&str>) -> Result<Instead, ApiError> {
    let defs_path: Vec<&str> = match vhost {
        Some(v) => vec!["definitions", v],
        None => vec!["definitions"],
    };
    let totals_path: Vec<&str> = match vhost {
        Some(v) => vec!["vhosts", v],
        None => vec!["vhosts"],
    };
    let columns = Some("name,messages");
    let (defs, totals) = tokio::join!(client.get::<Definitions>(&defs_path, None), async {
        match vhost {
            Some(_) => client
                .get::<VhostTotals>(&totals_path, columns)
                .await
                .map(|t| vec![t]),
            None => client.get::<Vec<VhostTotals>>(&totals_path, columns).await,
        }
    });
    let mut queues = defs?.queues;
    let vhost: Option<Sym> = vhost.map(Sym::from);
    for q in &mut queues {
        as_listed(q, vhost.as_ref());
    }
    Ok(Instead {
        queues,
        // Totals that fail leave the other queues unknown, not the view.
        totals: totals.unwrap_or_default(),
        node_queues: 0.0,
    })
}

/// A queue of the definitions in the shape of the light listing: its vhost (a vhost's
/// definitions leave it out), its type from `x-queue-type`, not exclusive (the definitions
/// hold no exclusive queue). State, node and counts stay unknown.
fn as_listed(q: &mut Queue, vhost: Option<&Sym>) {
    if q.vhost.is_none() {
        q.vhost = vhost.cloned();
    }
    let kind = q
        .arguments
        .as_ref()
        .and_then(|a| a.get("x-queue-type"))
        .and_then(|v| v.as_str())
        .unwrap_or("classic");
    q.kind = Some(Sym::from(kind));
    q.exclusive = Some(false);
}

/// Whether `policy` applies to queues (`apply-to` all, queues, or a queue type's).
fn applies_to_queues(p: &Policy) -> bool {
    !matches!(p.apply_to.as_deref(), Some("exchanges"))
}

/// Name each queue's policy as the broker would: of the vhost's policies that apply to queues
/// and whose pattern matches the name, the one of the highest priority. A pattern the regex
/// engine here cannot read matches nothing.
pub fn name_policies(queues: &mut [Queue], policies: &[Policy]) {
    let mut by_vhost: HashMap<&str, Vec<(f64, &str, regex::Regex)>> = HashMap::new();
    for p in policies.iter().filter(|p| applies_to_queues(p)) {
        let Some(pattern) = p.pattern.as_deref() else {
            continue;
        };
        if let Ok(re) = regex::Regex::new(pattern) {
            by_vhost
                .entry(p.vhost())
                .or_default()
                .push((p.priority.unwrap_or(0.0), p.name(), re));
        }
    }
    for list in by_vhost.values_mut() {
        list.sort_by(|a, b| b.0.total_cmp(&a.0));
    }
    for q in queues.iter_mut() {
        let Some(list) = by_vhost.get(q.vhost()) else {
            continue;
        };
        q.policy = list
            .iter()
            .find(|(_, _, re)| re.is_match(q.name()))
            .map(|(_, name, _)| Sym::from(*name));
    }
}

/// Whether a queue of the definitions is read one by one: a check judges it by its counts,
/// consumers or rates. Consumed queues (the consumer listing), worker mailboxes, mirrored ones,
/// and Celery's task queues: a queue named as an exchange of its vhost (Celery declares a
/// direct exchange of each task queue's name) or `celery`.
pub fn wanted(q: &Queue, task_exchanges: &HashSet<(&str, &str)>) -> bool {
    let consumed = q.consumers_count().is_some_and(|c| c > 0.0);
    let task = q.name() == "celery" || task_exchanges.contains(&(q.vhost(), q.name()));
    consumed || task || super::details::mirrored_or_mailbox(q)
}

/// The exchanges a task queue may be named after (`(vhost, name)`): every exchange but the
/// default, `amq.*` and Celery's event, mailbox and result exchanges.
pub fn task_exchanges(exchanges: &[Exchange]) -> HashSet<(&str, &str)> {
    exchanges
        .iter()
        .filter(|e| {
            let n = e.name();
            !n.is_empty()
                && !n.starts_with("amq.")
                && !matches!(n, "celeryev" | "celery.pidbox" | "reply.celery.pidbox")
                && n != "celeryresults"
        })
        .map(|e| (e.vhost.as_deref().unwrap_or("/"), e.name()))
        .collect()
}

/// After the detail reads: per vhost, what the queues read one by one hold against the vhost's
/// totals; where they hold every message, the others are counted as empty.
pub fn settle(
    queues: &mut [Queue],
    read: &HashSet<usize>,
    totals: &[VhostTotals],
    cause: String,
) -> Unlisted {
    let mut per: BTreeMap<String, UnlistedVhost> = BTreeMap::new();
    for (i, q) in queues.iter().enumerate() {
        let v = per
            .entry(q.vhost().to_string())
            .or_insert_with(|| UnlistedVhost {
                vhost: q.vhost().to_string(),
                ..UnlistedVhost::default()
            });
        v.queues += 1;
        if read.contains(&i) {
            v.read += 1;
            let held = q.ready_count().unwrap_or(0.0) + q.unacked_count().unwrap_or(0.0);
            v.in_read += held as u64;
        }
    }
    for t in totals {
        let name = t.name.as_deref().unwrap_or("/");
        if let Some(v) = per.get_mut(name) {
            v.messages = super::records::count(t.messages).map(|m| m as u64);
        }
    }
    for v in per.values_mut() {
        v.others_empty = v.messages.is_some_and(|m| m <= v.in_read);
    }
    for (i, q) in queues.iter_mut().enumerate() {
        if read.contains(&i) {
            continue;
        }
        if per.get(q.vhost()).is_some_and(|v| v.others_empty) {
            q.messages_ready = Some(0.0).into();
            q.messages_unacknowledged = Some(0.0).into();
        }
    }
    Unlisted {
        cause,
        vhosts: per.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(v: serde_json::Value) -> Queue {
        serde_json::from_value(v).unwrap()
    }

    fn policy(v: serde_json::Value) -> Policy {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn definitions_become_queues_of_the_vhost_with_their_type() {
        let defs: Definitions = serde_json::from_value(serde_json::json!({
            "rabbit_version": "3.10.8", "policies": [], "exchanges": [], "bindings": [],
            "queues": [
                {"name": "celery", "durable": true, "auto_delete": false, "arguments": {}},
                {"name": "q", "durable": true, "auto_delete": false,
                 "arguments": {"x-queue-type": "quorum"}}
            ]
        }))
        .unwrap();
        let mut qs = defs.queues;
        let v = Sym::from("v");
        for q in &mut qs {
            as_listed(q, Some(&v));
        }
        assert_eq!(qs[0].vhost(), "v");
        assert_eq!(qs[0].kind.as_deref(), Some("classic"));
        assert_eq!(qs[1].kind.as_deref(), Some("quorum"));
        assert_eq!(qs[0].messages_ready.get(), None);
        assert_eq!(qs[0].state, None);
    }

    #[test]
    fn the_policy_of_highest_priority_that_matches_applies() {
        let mut qs = vec![
            queue(serde_json::json!({"name": "celeryev.1", "vhost": "v"})),
            queue(serde_json::json!({"name": "jobs", "vhost": "v"})),
            queue(serde_json::json!({"name": "celeryev.2", "vhost": "w"})),
        ];
        let policies = [
            policy(
                serde_json::json!({"name": "low", "vhost": "v", "pattern": ".*",
                "apply-to": "all", "priority": 0, "definition": {"max-length": 1}}),
            ),
            policy(
                serde_json::json!({"name": "ev", "vhost": "v", "pattern": "^celeryev\\.",
                "apply-to": "queues", "priority": 5, "definition": {"message-ttl": 1}}),
            ),
            policy(
                serde_json::json!({"name": "x", "vhost": "v", "pattern": ".*",
                "apply-to": "exchanges", "priority": 9, "definition": {"alternate-exchange": "a"}}),
            ),
            policy(
                serde_json::json!({"name": "bad", "vhost": "v", "pattern": "(",
                "priority": 99, "definition": {"message-ttl": 1}}),
            ),
        ];
        name_policies(&mut qs, &policies);
        assert_eq!(qs[0].policy.as_deref(), Some("ev"));
        assert_eq!(qs[1].policy.as_deref(), Some("low"));
        assert_eq!(qs[2].policy, None);
    }

    #[test]
    fn other_queues_are_empty_only_when_the_read_ones_hold_every_message() {
        let mut qs = vec![
            queue(serde_json::json!({"name": "celery", "vhost": "v",
                "messages_ready": 4, "messages_unacknowledged": 1})),
            queue(serde_json::json!({"name": "r1", "vhost": "v"})),
            queue(serde_json::json!({"name": "r2", "vhost": "w"})),
        ];
        let read: HashSet<usize> = [0].into();
        let totals = [
            VhostTotals {
                name: Some("v".into()),
                messages: Some(5.0),
            },
            VhostTotals {
                name: Some("w".into()),
                messages: Some(3.0),
            },
        ];
        let u = settle(&mut qs, &read, &totals, "cut".into());
        assert_eq!(qs[1].messages_ready.get(), Some(0.0));
        assert_eq!(qs[2].messages_ready.get(), None);
        assert_eq!(
            u.vhosts,
            vec![
                UnlistedVhost {
                    vhost: "v".into(),
                    queues: 2,
                    read: 1,
                    messages: Some(5),
                    in_read: 5,
                    others_empty: true,
                },
                UnlistedVhost {
                    vhost: "w".into(),
                    queues: 1,
                    read: 0,
                    messages: Some(3),
                    in_read: 0,
                    others_empty: false,
                },
            ]
        );
    }
}
