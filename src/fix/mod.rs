//! Fixes: a plan of changes (each with its before-state), applied only on request, each applied
//! change journaled so `celtool undo` can restore what was there.

pub mod event_queues;
pub mod journal;
pub mod stale_queues;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::broker::client::{ApiError, Client};
use crate::broker::model::subject;

/// A RabbitMQ policy as the API takes it (`PUT /api/policies/{vhost}/{name}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySpec {
    pub pattern: String,
    #[serde(rename = "apply-to")]
    pub apply_to: String,
    pub priority: i64,
    pub definition: serde_json::Map<String, Value>,
}

/// One change a fix makes. The before-state is part of the change, so the journal can undo it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Change {
    /// Create or replace a policy; `before` is the policy of that name before (None: there was
    /// none, undo deletes it).
    PutPolicy {
        vhost: String,
        name: String,
        before: Option<PolicySpec>,
        after: PolicySpec,
    },
    /// Delete a policy (the undo of a `PutPolicy` that created one).
    DeletePolicy {
        vhost: String,
        name: String,
        before: PolicySpec,
    },
    /// Delete a queue if it still has no consumer. Irreversible: its messages are gone.
    DeleteQueue {
        vhost: String,
        name: String,
        messages: f64,
    },
}

impl Change {
    /// Whether `celtool undo` can restore the state before this change.
    pub fn reversible(&self) -> bool {
        !matches!(self, Change::DeleteQueue { .. })
    }

    /// One line for a plan: what changes, from what, to what.
    pub fn describe(&self) -> String {
        match self {
            Change::PutPolicy {
                vhost,
                name,
                before,
                after,
            } => {
                let to = policy_text(after);
                match before {
                    None => format!("create policy {}: {to}", subject(vhost, name)),
                    Some(b) => format!(
                        "replace policy {}: {} -> {to}",
                        subject(vhost, name),
                        policy_text(b)
                    ),
                }
            }
            Change::DeletePolicy {
                vhost,
                name,
                before,
            } => format!(
                "delete policy {} ({})",
                subject(vhost, name),
                policy_text(before)
            ),
            Change::DeleteQueue {
                vhost,
                name,
                messages,
            } => format!(
                "delete queue {} and its {} message(s) (irreversible)",
                crate::output::sanitize(&subject(vhost, name)),
                crate::output::fmt_count(*messages)
            ),
        }
    }

    /// The change that restores the before-state, if there is one.
    pub fn inverse(&self) -> Option<Change> {
        match self {
            Change::PutPolicy {
                vhost,
                name,
                before: None,
                after,
            } => Some(Change::DeletePolicy {
                vhost: vhost.clone(),
                name: name.clone(),
                before: after.clone(),
            }),
            Change::PutPolicy {
                vhost,
                name,
                before: Some(b),
                after,
            } => Some(Change::PutPolicy {
                vhost: vhost.clone(),
                name: name.clone(),
                before: Some(after.clone()),
                after: b.clone(),
            }),
            Change::DeletePolicy {
                vhost,
                name,
                before,
            } => Some(Change::PutPolicy {
                vhost: vhost.clone(),
                name: name.clone(),
                before: None,
                after: before.clone(),
            }),
            Change::DeleteQueue { .. } => None,
        }
    }

    /// Make the change on the broker.
    pub async fn apply(&self, client: &Client) -> Result<(), ApiError> {
        match self {
            Change::PutPolicy {
                vhost, name, after, ..
            } => {
                let body = serde_json::to_value(after).unwrap_or(Value::Null);
                client.put(&["policies", vhost, name], &body).await
            }
            Change::DeletePolicy { vhost, name, .. } => {
                client.delete(&["policies", vhost, name], &[]).await
            }
            Change::DeleteQueue { vhost, name, .. } => {
                // Only if still unused: a consumer that came back since the plan keeps its queue.
                client
                    .delete(&["queues", vhost, name], &[("if-unused", "true")])
                    .await
            }
        }
    }
}

fn policy_text(p: &PolicySpec) -> String {
    format!(
        "pattern {} apply-to {} priority {} definition {}",
        p.pattern,
        p.apply_to,
        p.priority,
        Value::Object(p.definition.clone())
    )
}

/// What a fix would do, and why; empty `changes` means there is nothing to do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub fix: &'static str,
    pub changes: Vec<Change>,
    /// Lines that explain the plan: what was found, what is kept, what is refused.
    pub notes: Vec<String>,
}

impl Plan {
    pub fn irreversible(&self) -> bool {
        self.changes.iter().any(|c| !c.reversible())
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for n in &self.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
        if self.changes.is_empty() {
            out.push_str(&format!("celtool fix {}: nothing to change\n", self.fix));
            return out;
        }
        out.push_str(&format!("celtool fix {}: plan\n", self.fix));
        for (i, c) in self.changes.iter().enumerate() {
            out.push_str(&format!("  {}. {}\n", i + 1, c.describe()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(def: Value) -> PolicySpec {
        PolicySpec {
            pattern: "^celeryev\\.".into(),
            apply_to: "queues".into(),
            priority: 1,
            definition: def.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn inverses_restore_the_before_state() {
        let created = Change::PutPolicy {
            vhost: "v".into(),
            name: "p".into(),
            before: None,
            after: spec(serde_json::json!({"message-ttl": 5000})),
        };
        assert!(matches!(
            created.inverse(),
            Some(Change::DeletePolicy { .. })
        ));
        let replaced = Change::PutPolicy {
            vhost: "v".into(),
            name: "p".into(),
            before: Some(spec(serde_json::json!({"max-length": 10}))),
            after: spec(serde_json::json!({"message-ttl": 5000})),
        };
        match replaced.inverse() {
            Some(Change::PutPolicy { after, .. }) => {
                assert_eq!(after.definition["max-length"], 10)
            }
            other => panic!("{other:?}"),
        }
        let deleted = Change::DeleteQueue {
            vhost: "v".into(),
            name: "q".into(),
            messages: 3.0,
        };
        assert_eq!(deleted.inverse(), None);
        assert!(deleted.describe().contains("irreversible"));
    }

    #[test]
    fn changes_round_trip_through_json() {
        let c = Change::PutPolicy {
            vhost: "/".into(),
            name: "celtool-celeryev".into(),
            before: None,
            after: spec(serde_json::json!({"expires": 60000})),
        };
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.starts_with("{\"kind\":\"put-policy\""), "{text}");
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), c);
    }
}
