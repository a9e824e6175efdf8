//! Redis fixes: a TTL for result keys that have none (EXPIRE in bounded batches, undo PERSIST),
//! and `maxmemory-policy noeviction` (CONFIG SET, journaled with the old value, undo restores it).
//!
//! Changes are applied through the one engine (`commands::fix::execute`); the Redis connection
//! they need is registered with [`use_connection`] by the command that planned them.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::Plan;
use crate::redis::RedisClient;
use crate::redis::snapshot::RedisSnapshot;

/// Keys per EXPIRE batch: one journal line and one pipeline each.
pub const BATCH: usize = 500;
/// Celery's default result_expires, seconds.
pub const DEFAULT_RESULT_EXPIRES: u64 = crate::settings::DEFAULT_RESULT_EXPIRES.as_secs();

/// One change on a Redis server; `server` (no credentials) and `db` say where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum RedisChange {
    ConfigSet {
        server: String,
        parameter: String,
        before: String,
        after: String,
    },
    /// Set (Some) or remove (None) the TTL of keys; `before` is what they had.
    Ttl {
        server: String,
        db: i64,
        keys: Vec<String>,
        before: Option<u64>,
        after: Option<u64>,
    },
}

impl RedisChange {
    pub fn server(&self) -> &str {
        match self {
            RedisChange::ConfigSet { server, .. } | RedisChange::Ttl { server, .. } => server,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            RedisChange::ConfigSet {
                server,
                parameter,
                before,
                after,
            } => format!(
                "CONFIG SET {parameter} {after} on {server} (was {before}); persist it in redis.conf: {parameter} {after}"
            ),
            RedisChange::Ttl {
                server,
                db,
                keys,
                after,
                ..
            } => {
                let first = keys
                    .first()
                    .map(|k| crate::text::sanitize(k))
                    .unwrap_or_default();
                match after {
                    Some(s) => format!(
                        "EXPIRE {} result key(s) in {server}/{db} after {s} s (first {first})",
                        keys.len()
                    ),
                    None => format!(
                        "PERSIST {} key(s) in {server}/{db} (first {first})",
                        keys.len()
                    ),
                }
            }
        }
    }

    pub fn inverse(&self) -> RedisChange {
        match self.clone() {
            RedisChange::ConfigSet {
                server,
                parameter,
                before,
                after,
            } => RedisChange::ConfigSet {
                server,
                parameter,
                before: after,
                after: before,
            },
            RedisChange::Ttl {
                server,
                db,
                keys,
                before,
                after,
            } => RedisChange::Ttl {
                server,
                db,
                keys,
                before: after,
                after: before,
            },
        }
    }
}

static CONNECTION: Mutex<Option<RedisClient>> = Mutex::new(None);

/// The connection Redis changes are applied on, until the settings rework passes it explicitly.
pub fn use_connection(client: RedisClient) {
    *CONNECTION.lock().unwrap_or_else(|e| e.into_inner()) = Some(client);
}

fn connection(change: &RedisChange) -> Result<RedisClient, String> {
    let guard = CONNECTION.lock().unwrap_or_else(|e| e.into_inner());
    let client = guard.clone().ok_or_else(|| {
        format!(
            "this change needs the Redis server {}: pass --url",
            change.server()
        )
    })?;
    if client.target.server() != change.server() {
        return Err(format!(
            "this change was planned for {}, not {}; pass --url {}",
            change.server(),
            client.target.server(),
            change.server()
        ));
    }
    Ok(client)
}

/// Make one change.
pub async fn apply(change: &RedisChange) -> Result<(), String> {
    let client = connection(change)?;
    match change {
        RedisChange::ConfigSet {
            parameter, after, ..
        } => client
            .query::<()>(
                &format!("CONFIG SET {parameter}"),
                redis::cmd("CONFIG").arg("SET").arg(parameter).arg(after),
            )
            .await
            .map_err(|e| e.to_string()),
        RedisChange::Ttl {
            db, keys, after, ..
        } => {
            if *db != client.target.db {
                return Err(format!("this change is for db {db}; pass --url with /{db}"));
            }
            let mut p = redis::pipe();
            for k in keys {
                match after {
                    // NX: a key that got a TTL since the plan keeps it.
                    Some(s) => p.cmd("EXPIRE").arg(k).arg(*s).arg("NX").ignore(),
                    None => p.cmd("PERSIST").arg(k).ignore(),
                };
            }
            client
                .pipe::<()>("EXPIRE / PERSIST", &p)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

/// Why the server no longer shows what the change left (for undo), or None.
pub async fn drifted(change: &RedisChange) -> Result<Option<String>, String> {
    let RedisChange::ConfigSet {
        parameter, after, ..
    } = change
    else {
        return Ok(None);
    };
    let client = connection(change)?;
    let now: Vec<String> = client
        .query(
            &format!("CONFIG GET {parameter}"),
            redis::cmd("CONFIG").arg("GET").arg(parameter),
        )
        .await
        .map_err(|e| e.to_string())?;
    let value = now.get(1).cloned().unwrap_or_default();
    Ok((value != *after).then(|| format!("{parameter} is {value} now, not {after}")))
}

/// EXPIRE for the sampled result keys without TTL, in batches of [`BATCH`].
pub fn plan_result_ttl(snap: &RedisSnapshot, server: &str, expires: u64) -> Plan {
    let mut plan = Plan {
        fix: "redis-result-ttl",
        ..Plan::default()
    };
    let Some(r) = &snap.results else {
        plan.notes.push("no celery-task-meta-* keys found".into());
        return plan;
    };
    plan.notes.push(format!(
        "{} of {} sampled result key(s) have no TTL ({} seen by the bounded scan); run again after applying to reach the next sample",
        r.without_ttl, r.sampled, r.seen
    ));
    for keys in r.keys_without_ttl.chunks(BATCH) {
        plan.changes.push(super::Change::Redis(RedisChange::Ttl {
            server: server.to_string(),
            db: snap.db,
            keys: keys.to_vec(),
            before: None,
            after: Some(expires),
        }));
    }
    plan
}

/// CONFIG SET maxmemory-policy noeviction when another policy is in force.
pub fn plan_noeviction(snap: &RedisSnapshot, server: &str) -> Plan {
    let mut plan = Plan {
        fix: "redis-noeviction",
        ..Plan::default()
    };
    let Some(before) = snap.config.get("maxmemory-policy") else {
        plan.notes.push("CONFIG GET maxmemory-policy is not available (CONFIG renamed or refused): change it in redis.conf".into());
        plan.refused = snap.maxmemory_policy().is_some_and(|p| p != "noeviction");
        return plan;
    };
    if before == "noeviction" {
        return plan;
    }
    plan.notes.push("CONFIG SET lasts until Redis restarts: put maxmemory-policy noeviction in redis.conf too (or CONFIG REWRITE)".into());
    plan.changes
        .push(super::Change::Redis(RedisChange::ConfigSet {
            server: server.to_string(),
            parameter: "maxmemory-policy".into(),
            before: before.clone(),
            after: "noeviction".into(),
        }));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis::snapshot::ResultSample;

    #[test]
    fn result_ttl_is_planned_in_batches_and_undone_with_persist() {
        let snap = RedisSnapshot {
            db: 7,
            results: Some(ResultSample {
                seen: 1200,
                sampled: 1000,
                without_ttl: 1001,
                keys_without_ttl: (0..1001).map(|i| format!("celery-task-meta-{i}")).collect(),
            }),
            ..RedisSnapshot::default()
        };
        let plan = plan_result_ttl(&snap, "redis://h:6379", DEFAULT_RESULT_EXPIRES);
        assert_eq!(plan.changes.len(), 3);
        let super::super::Change::Redis(c) = &plan.changes[2] else {
            panic!()
        };
        let RedisChange::Ttl { keys, after, .. } = c.inverse() else {
            panic!()
        };
        assert_eq!((keys.len(), after), (1, None));
    }

    #[test]
    fn noeviction_is_planned_only_when_needed_and_keeps_the_old_value() {
        let mut snap = RedisSnapshot::default();
        snap.config
            .insert("maxmemory-policy".into(), "allkeys-lru".into());
        let plan = plan_noeviction(&snap, "redis://h:6379");
        assert_eq!(plan.changes.len(), 1);
        assert!(plan.changes[0].describe().contains("was allkeys-lru"));
        snap.config
            .insert("maxmemory-policy".into(), "noeviction".into());
        assert!(plan_noeviction(&snap, "redis://h:6379").changes.is_empty());
    }
}
