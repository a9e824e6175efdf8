//! Fixes: a plan of changes (each with its before-state), applied only on request, each applied
//! change journaled so `celtool undo` can restore what was there.
//!
//! Planners (`event_queues`, `stale_queues`, `host`) are pure functions of the run's snapshot;
//! `apply` is the engine (plan, consent, change, journal), `undo` plans the inverse of a run,
//! `verify` waits for the broker to show a change.

pub mod apply;
pub mod consumer_timeout;
pub mod delayed;
pub mod event_queues;
pub mod host;
pub mod journal;
pub mod redis;
pub mod stale_queues;
pub mod undo;
pub mod verify;

pub use apply::{Applier, Console, Status, lock_journal};

/// Why a fix, an undo or a verification could not do its job. The fix layer's own error:
/// wrapped into the run's error only at the top.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Gather(#[from] crate::gather::GatherError),
    /// What was asked cannot be done (nothing to undo, a run already undone): the message says
    /// what to do instead.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Failed(String),
}

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rabbitmq::client::{ApiError, Client};
use crate::rabbitmq::records::subject;

/// A RabbitMQ policy as the API takes it (`PUT /api/policies/{vhost}/{name}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySpec {
    pub pattern: String,
    #[serde(rename = "apply-to")]
    pub apply_to: String,
    pub priority: i64,
    pub definition: serde_json::Map<String, Value>,
}

impl From<&crate::rabbitmq::records::Policy> for PolicySpec {
    fn from(p: &crate::rabbitmq::records::Policy) -> Self {
        PolicySpec {
            pattern: p.pattern.clone().unwrap_or_default(),
            apply_to: p.apply_to.clone().unwrap_or_else(|| "all".into()),
            priority: p.priority.unwrap_or(0.0) as i64,
            definition: p
                .definition
                .as_ref()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect(),
        }
    }
}

/// A binding from exchange `source` to `destination` (`destination_type` `exchange` or
/// `queue`), without arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingSpec {
    pub vhost: String,
    pub source: String,
    pub destination: String,
    pub destination_type: String,
    pub routing_key: String,
}

impl BindingSpec {
    /// The API path of bindings between the two: `bindings/V/e/SRC/{e|q}/DEST`.
    fn path(&self) -> Vec<&str> {
        let kind = if self.destination_type == "exchange" {
            "e"
        } else {
            "q"
        };
        vec![
            "bindings",
            &self.vhost,
            "e",
            &self.source,
            kind,
            &self.destination,
        ]
    }

    /// The binding's `properties_key` without arguments: its routing key URL-encoded as the
    /// broker encodes it (`#.tq` is `%23.tq`); the client encodes it once more in the path.
    pub fn properties_key(&self) -> String {
        const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.');
        percent_encoding::utf8_percent_encode(&self.routing_key, KEEP).to_string()
    }

    pub fn text(&self) -> String {
        format!(
            "exchange {} -> {} {} with key {} in vhost {}",
            crate::text::sanitize(&self.source),
            self.destination_type,
            crate::text::sanitize(&self.destination),
            crate::text::sanitize(&self.routing_key),
            crate::text::sanitize(&self.vhost)
        )
    }
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
    /// Write a kernel tunable now (/proc/sys, /sys/module parameters).
    WriteKernel {
        path: String,
        before: String,
        after: String,
    },
    /// Create or replace a config file; `before` None: it did not exist (undo removes it).
    WriteFile {
        path: String,
        before: Option<String>,
        after: String,
    },
    /// Remove a file celtool created (the undo of a `WriteFile` without before-state).
    RemoveFile { path: String, before: String },
    /// SIGCHLD to a parent that leaves zombies; with `kill_parent`, end it if they stay past the
    /// grace period so that init reaps them. Irreversible.
    ReapZombies {
        proc_root: String,
        parent: i32,
        parent_start: u64,
        title: String,
        zombies: Vec<i32>,
        kill_parent: bool,
        grace_ms: u64,
    },
    /// A change on a Redis server (CONFIG SET, EXPIRE / PERSIST); see `fix::redis`.
    Redis(redis::RedisChange),
    /// Declare a binding (a delayed-delivery hop); undo deletes it.
    Bind(BindingSpec),
    /// Delete a binding (the undo of a `Bind`).
    Unbind(BindingSpec),
    /// SIGTERM, then SIGKILL after the grace period. Irreversible.
    Terminate {
        proc_root: String,
        pid: i32,
        start: u64,
        title: String,
        grace_ms: u64,
    },
}

impl Change {
    /// Whether `celtool undo` can restore the state before this change.
    pub fn reversible(&self) -> bool {
        self.inverse().is_some()
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
                crate::text::sanitize(&subject(vhost, name)),
                crate::text::fmt_count(*messages)
            ),
            Change::WriteKernel {
                path,
                before,
                after,
            } => {
                format!("write {path}: {} -> {}", before.trim(), after.trim())
            }
            Change::WriteFile {
                path,
                before,
                after,
            } => format!(
                "{} {path} with: {}",
                if before.is_some() {
                    "replace"
                } else {
                    "create"
                },
                after.trim_end().replace('\n', " | ")
            ),
            Change::RemoveFile { path, .. } => format!("remove {path}"),
            Change::ReapZombies {
                parent,
                title,
                zombies,
                kill_parent,
                grace_ms,
                ..
            } => describe_reap(*parent, title, zombies, *kill_parent, *grace_ms),
            Change::Redis(c) => c.describe(),
            Change::Bind(b) => format!("bind {}", b.text()),
            Change::Unbind(b) => format!("unbind {}", b.text()),
            Change::Terminate {
                pid,
                title,
                grace_ms,
                ..
            } => format!(
                "SIGTERM pid {pid} ({}), SIGKILL after {grace_ms} ms if still running (irreversible)",
                crate::text::sanitize(title)
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
            Change::WriteKernel {
                path,
                before,
                after,
            } => Some(Change::WriteKernel {
                path: path.clone(),
                before: after.clone(),
                after: before.clone(),
            }),
            Change::WriteFile {
                path,
                before: None,
                after,
            } => Some(Change::RemoveFile {
                path: path.clone(),
                before: after.clone(),
            }),
            Change::WriteFile {
                path,
                before: Some(b),
                after,
            } => Some(Change::WriteFile {
                path: path.clone(),
                before: Some(after.clone()),
                after: b.clone(),
            }),
            Change::RemoveFile { path, before } => Some(Change::WriteFile {
                path: path.clone(),
                before: None,
                after: before.clone(),
            }),
            Change::Redis(c) => Some(Change::Redis(c.inverse())),
            Change::Bind(b) => Some(Change::Unbind(b.clone())),
            Change::Unbind(b) => Some(Change::Bind(b.clone())),
            Change::DeleteQueue { .. } | Change::ReapZombies { .. } | Change::Terminate { .. } => {
                None
            }
        }
    }

    /// Whether the change is made on the broker (else on this host).
    pub fn is_broker(&self) -> bool {
        match self {
            Change::PutPolicy { .. }
            | Change::DeletePolicy { .. }
            | Change::DeleteQueue { .. }
            | Change::Bind(_)
            | Change::Unbind(_) => true,
            Change::WriteKernel { .. }
            | Change::WriteFile { .. }
            | Change::RemoveFile { .. }
            | Change::ReapZombies { .. }
            | Change::Terminate { .. } => false,
            // Made on a Redis server through its own connection (see fix::redis), not the API.
            Change::Redis(_) => false,
        }
    }

    /// Make the change: on the broker through `client`, or on this host. One exhaustive
    /// match, so a new kind of change cannot compile without saying how it is applied.
    pub async fn apply(&self, client: Option<&Client>) -> Result<(), ApplyError> {
        use std::time::Duration;
        let broker =
            || client.ok_or_else(|| ApplyError::Host("this change needs the broker".into()));
        let host = |r: Result<(), String>| r.map_err(ApplyError::Host);
        match self {
            Change::Redis(c) => redis::apply(c).await.map_err(ApplyError::Host),
            Change::PutPolicy {
                vhost, name, after, ..
            } => {
                let body = serde_json::to_value(after).unwrap_or(Value::Null);
                Ok(broker()?.put(&["policies", vhost, name], &body).await?)
            }
            Change::DeletePolicy { vhost, name, .. } => {
                Ok(broker()?.delete(&["policies", vhost, name], &[]).await?)
            }
            Change::Bind(b) => {
                let body = serde_json::json!({"routing_key": b.routing_key, "arguments": {}});
                Ok(broker()?.post(&b.path(), &body).await?)
            }
            Change::Unbind(b) => {
                let key = b.properties_key();
                let mut path = b.path();
                path.push(&key);
                Ok(broker()?.delete(&path, &[]).await?)
            }
            // Only if still unused: a consumer that came back since the plan keeps its queue.
            Change::DeleteQueue { vhost, name, .. } => Ok(broker()?
                .delete(&["queues", vhost, name], &[("if-unused", "true")])
                .await?),
            Change::WriteKernel { path, after, .. } => host(write(path, &format!("{after}\n"))),
            Change::WriteFile { path, after, .. } => {
                if let Some(dir) = std::path::Path::new(path).parent() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        ApplyError::Host(write_error(&dir.display().to_string(), &e))
                    })?;
                }
                host(write(path, after))
            }
            Change::RemoveFile { path, .. } => {
                host(std::fs::remove_file(path).map_err(|e| format!("cannot remove {path}: {e}")))
            }
            Change::ReapZombies {
                proc_root,
                parent,
                parent_start,
                zombies,
                kill_parent,
                grace_ms,
                ..
            } => host(host::reap(
                proc_root,
                *parent,
                *parent_start,
                zombies,
                *kill_parent,
                Duration::from_millis(*grace_ms),
            )),
            Change::Terminate {
                proc_root,
                pid,
                start,
                grace_ms,
                ..
            } => host(host::terminate(
                proc_root,
                *pid,
                *start,
                Duration::from_millis(*grace_ms),
            )),
        }
    }
}

fn write(path: &str, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| write_error(path, &e))
}

/// Why a change could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("{0}")]
    Host(String),
}

/// A failed write, explained where the cause is known: kernel tunables are read-only inside a
/// container or a non-initial network namespace.
fn write_error(path: &str, e: &std::io::Error) -> String {
    let read_only = matches!(
        e.raw_os_error(),
        Some(libc::EACCES | libc::EPERM | libc::EROFS)
    );
    if read_only && (path.contains("/sys/net/") || path.contains("/module/")) {
        format!(
            "cannot write {path}: {e}; it is read-only here, as inside a container or a non-initial network namespace: make the change on the host"
        )
    } else {
        format!("cannot write {path}: {e}")
    }
}

fn describe_reap(parent: i32, title: &str, zombies: &[i32], kill: bool, grace_ms: u64) -> String {
    let pids: Vec<String> = zombies.iter().map(i32::to_string).collect();
    let then = if kill {
        format!("; if they remain after {grace_ms} ms, SIGTERM it, then SIGKILL")
    } else {
        String::new()
    };
    format!(
        "send SIGCHLD to pid {parent} ({}) to reap its zombie(s) {}{then} (irreversible)",
        crate::text::sanitize(title),
        pids.join(", ")
    )
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
    /// The fix refused to plan some change it should make (a conflict, a read-only tunable);
    /// the notes say why.
    pub refused: bool,
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
