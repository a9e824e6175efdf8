//! `celtool fix event-queues`: a policy giving Celery event queues a message TTL and an expiry,
//! merged with whatever policy applies to them now, because only one policy applies to a queue.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Change, Plan, PolicySpec};
use crate::rabbitmq::classify::is_event_queue;
use crate::rabbitmq::records::{Exchange, Policy, Queue};

pub const POLICY_NAME: &str = "celtool-celeryev";
pub const PATTERN: &str = "^celeryev\\.";
/// A name every Celery event queue could have, to test which policy patterns match them.
const SAMPLE: &str = "celeryev.0f1e2d3c-4b5a-4968-8776-655443322110";

#[derive(Debug, Clone)]
pub struct Options {
    pub ttl_ms: u64,
    pub expires_ms: u64,
    /// Only these vhosts; `None`: every vhost with event queues or a `celeryev` exchange.
    pub vhost: Option<String>,
}

/// Which vhosts the fix looks at.
fn vhosts(opts: &Options, queues: &[Queue], exchanges: &[Exchange]) -> BTreeSet<String> {
    if let Some(v) = &opts.vhost {
        return BTreeSet::from([v.clone()]);
    }
    let mut out: BTreeSet<String> = queues
        .iter()
        .filter(|q| is_event_queue(q.name()))
        .map(|q| q.vhost().to_string())
        .collect();
    out.extend(
        exchanges
            .iter()
            .filter(|e| e.name() == "celeryev")
            .map(|e| e.vhost.clone().unwrap_or_else(|| "/".into())),
    );
    out
}

fn applies_to_queues(p: &Policy) -> bool {
    !matches!(p.apply_to.as_deref(), Some("exchanges"))
}

/// Does a policy pattern match event queue names? Patterns are Erlang regular expressions; the
/// common ones compile as Rust regexes. One that does not is treated as matching, so it is
/// merged (or refused) rather than silently overridden.
fn matches_events(pattern: &str) -> (bool, Option<String>) {
    match regex::Regex::new(pattern) {
        Ok(re) => (re.is_match(SAMPLE), None),
        Err(_) => (
            true,
            Some(format!(
                "cannot evaluate pattern {pattern}; treating it as matching event queues"
            )),
        ),
    }
}

/// Plan the policy for every vhost in scope.
pub fn plan(opts: &Options, queues: &[Queue], policies: &[Policy], exchanges: &[Exchange]) -> Plan {
    let mut plan = Plan {
        fix: "event-queues",
        ..Plan::default()
    };
    for vhost in vhosts(opts, queues, exchanges) {
        plan_vhost(opts, &vhost, queues, policies, &mut plan);
    }
    if plan.changes.is_empty() && plan.notes.is_empty() {
        plan.notes
            .push("no vhost has Celery event queues or a celeryev exchange".into());
    }
    plan
}

/// A merged definition and, per key, the policy it came from.
type Merged<'a> = (serde_json::Map<String, Value>, BTreeMap<String, &'a str>);

/// The merged definitions of the policies that apply to event queues, with the policy each
/// key came from; None (and a refusal in the plan) when two set one key differently: only one
/// policy can apply to a queue, so they cannot be merged honestly.
fn merge<'a>(
    vhost: &str,
    relevant: &BTreeMap<&'a str, &'a Policy>,
    plan: &mut Plan,
) -> Option<Merged<'a>> {
    let mut merged = serde_json::Map::new();
    let mut origin: BTreeMap<String, &str> = BTreeMap::new();
    for p in relevant.values() {
        for (k, v) in p.definition.as_ref().cloned().unwrap_or_default() {
            if let Some(existing) = merged.get(&k)
                && existing != &v
            {
                plan.notes.push(format!(
                    "vhost {vhost}: refused: policies '{}' and '{}' both apply to event queues and set {k} differently ({existing} vs {v}); only one policy can apply to a queue, so decide which value the event queues should keep and align the policies, then run this fix again",
                    origin[&k],
                    p.name()
                ));
                plan.refused = true;
                return None;
            }
            origin.insert(k.clone(), p.name());
            merged.insert(k, v);
        }
    }
    Some((merged, origin))
}

fn plan_vhost(opts: &Options, vhost: &str, queues: &[Queue], policies: &[Policy], plan: &mut Plan) {
    let in_vhost: Vec<&Policy> = policies
        .iter()
        .filter(|p| p.vhost() == vhost && applies_to_queues(p))
        .collect();
    let ours = in_vhost.iter().find(|p| p.name() == POLICY_NAME).copied();
    let others: Vec<&Policy> = in_vhost
        .iter()
        .filter(|p| p.name() != POLICY_NAME)
        .copied()
        .collect();

    // The policies that apply to event queues now, or would to a new one: each queue's own
    // policy, and every other policy whose pattern matches event queue names.
    let mut relevant: BTreeMap<&str, &Policy> = BTreeMap::new();
    for p in &others {
        let (hit, note) = matches_events(p.pattern.as_deref().unwrap_or(""));
        if let Some(n) = note {
            plan.notes.push(format!("vhost {vhost}: {n}"));
        }
        if hit {
            relevant.insert(p.name(), p);
        }
    }
    let event_queues: Vec<&Queue> = queues
        .iter()
        .filter(|q| q.vhost() == vhost && is_event_queue(q.name()))
        .collect();
    for q in &event_queues {
        if let Some(name) = q.policy.as_deref().filter(|n| *n != POLICY_NAME)
            && let Some(p) = others.iter().find(|p| p.name() == name)
        {
            relevant.insert(p.name(), p);
        }
    }

    let Some((mut merged, origin)) = merge(vhost, &relevant, plan) else {
        return;
    };
    for (key, value) in [("message-ttl", opts.ttl_ms), ("expires", opts.expires_ms)] {
        if let Some(old) = merged.get(key).filter(|old| old.as_u64() != Some(value)) {
            plan.notes.push(format!(
                "vhost {vhost}: {key} {old} of policy '{}' becomes {value} for event queues",
                origin[key]
            ));
        }
        merged.insert(key.into(), Value::from(value));
    }
    for name in relevant.keys() {
        plan.notes.push(format!(
            "vhost {vhost}: keeps the definition of policy '{name}', which applies to event queues now"
        ));
    }
    // Above every policy that matches event queues, or ours would not be the one applied.
    let priority = relevant
        .values()
        .map(|p| p.priority.unwrap_or(0.0) as i64 + 1)
        .max()
        .unwrap_or(1)
        .max(1);
    let after = PolicySpec {
        pattern: PATTERN.into(),
        apply_to: "queues".into(),
        priority,
        definition: merged,
    };
    let before = ours.map(PolicySpec::from);
    if before.as_ref() == Some(&after) {
        plan.notes.push(format!(
            "vhost {vhost}: policy {POLICY_NAME} is already in place"
        ));
        return;
    }
    plan.changes.push(Change::PutPolicy {
        vhost: vhost.to_string(),
        name: POLICY_NAME.into(),
        before,
        after,
    });
}

/// The event queues of `vhost` that do not show the TTL and expiry yet (RabbitMQ applies
/// policies asynchronously).
pub fn unsettled<'a>(vhost: &str, queues: &'a [Queue], opts: &Options) -> Vec<&'a Queue> {
    queues
        .iter()
        .filter(|q| q.vhost() == vhost && is_event_queue(q.name()))
        .filter(|q| {
            let def = q.effective_policy_definition.clone().unwrap_or_default();
            def.get("message-ttl").and_then(Value::as_u64) != Some(opts.ttl_ms)
                || def.get("expires").and_then(Value::as_u64) != Some(opts.expires_ms)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(v: Value) -> Policy {
        serde_json::from_value(v).unwrap()
    }

    fn queue(v: Value) -> Queue {
        serde_json::from_value(v).unwrap()
    }

    fn opts() -> Options {
        Options {
            ttl_ms: 5000,
            expires_ms: 60000,
            vhost: None,
        }
    }

    #[test]
    fn merges_the_policy_that_applies_now_and_outranks_it() {
        let policies = vec![policy(
            json!({"name": "limits", "vhost": "v", "pattern": ".*",
            "apply-to": "queues", "priority": 3, "definition": {"max-length": 1000}}),
        )];
        let queues = vec![queue(
            json!({"name": "celeryev.a", "vhost": "v", "policy": "limits"}),
        )];
        let plan = plan(&opts(), &queues, &policies, &[]);
        assert_eq!(plan.changes.len(), 1, "{plan:?}");
        match &plan.changes[0] {
            Change::PutPolicy {
                vhost,
                name,
                before,
                after,
            } => {
                assert_eq!(
                    (vhost.as_str(), name.as_str(), before),
                    ("v", POLICY_NAME, &None)
                );
                assert_eq!(after.priority, 4);
                assert_eq!(after.pattern, "^celeryev\\.");
                assert_eq!(
                    Value::Object(after.definition.clone()),
                    json!({"max-length": 1000, "message-ttl": 5000, "expires": 60000})
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_second_run_changes_nothing() {
        let policies = vec![
            policy(
                json!({"name": "limits", "vhost": "v", "pattern": ".*", "apply-to": "all",
                "priority": 0, "definition": {"max-length": 10}}),
            ),
            policy(
                json!({"name": POLICY_NAME, "vhost": "v", "pattern": "^celeryev\\.",
                "apply-to": "queues", "priority": 1,
                "definition": {"max-length": 10, "message-ttl": 5000, "expires": 60000}}),
            ),
        ];
        let queues = vec![queue(
            json!({"name": "celeryev.a", "vhost": "v", "policy": POLICY_NAME}),
        )];
        let plan = plan(&opts(), &queues, &policies, &[]);
        assert!(plan.changes.is_empty(), "{plan:?}");
        assert!(
            plan.notes.iter().any(|n| n.contains("already in place")),
            "{plan:?}"
        );
    }

    #[test]
    fn conflicting_policies_are_refused_with_the_reason() {
        let policies = vec![
            policy(
                json!({"name": "a", "vhost": "v", "pattern": "^celeryev\\.x", "priority": 1,
                "definition": {"max-length": 10}}),
            ),
            policy(
                json!({"name": "b", "vhost": "v", "pattern": ".*", "priority": 0,
                "definition": {"max-length": 20}}),
            ),
        ];
        let queues = vec![
            queue(json!({"name": "celeryev.x1", "vhost": "v", "policy": "a"})),
            queue(json!({"name": "celeryev.y1", "vhost": "v", "policy": "b"})),
        ];
        let plan = plan(&opts(), &queues, &policies, &[]);
        assert!(plan.changes.is_empty());
        assert!(
            plan.notes
                .iter()
                .any(|n| n.contains("refused") && n.contains("max-length")),
            "{plan:?}"
        );
    }

    #[test]
    fn policies_for_exchanges_or_other_names_are_left_alone() {
        let policies = vec![
            policy(
                json!({"name": "ex", "vhost": "v", "pattern": ".*", "apply-to": "exchanges",
                "definition": {"alternate-exchange": "ae"}}),
            ),
            policy(json!({"name": "tasks", "vhost": "v", "pattern": "^tasks$",
                "definition": {"max-length": 5}})),
        ];
        let exchanges: Vec<Exchange> =
            vec![serde_json::from_value(json!({"name": "celeryev", "vhost": "v"})).unwrap()];
        let plan = plan(&opts(), &[], &policies, &exchanges);
        match &plan.changes[..] {
            [Change::PutPolicy { after, .. }] => {
                assert_eq!(
                    Value::Object(after.definition.clone()),
                    json!({"message-ttl": 5000, "expires": 60000})
                );
                assert_eq!(after.priority, 1);
            }
            other => panic!("{other:?}"),
        }
    }
}
