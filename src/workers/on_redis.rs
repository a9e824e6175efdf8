//! Asking the workers of a Redis broker: find kombu's key prefix and the workers' mailbox
//! bindings, probe them ([`super::redis_transport`]), then keep as silent only the nodes that
//! are still connected (a killed worker's binding outlives it by up to an hour), naming their
//! Redis connections where they can be told apart.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;

use super::Limits;
use super::redis_transport::{self, RedisMailbox};
use super::{FleetSnapshot, ProbeOptions, WorkerError};
use crate::redis::snapshot::{ClientEntry, parse_client_list};
use crate::redis::{RedisClient, RedisError};
use crate::settings::RedisSettings;

/// Stop the search for a prefixed mailbox binding after this many keys.
const PREFIX_SCAN_CAP: u64 = 100_000;

/// What asking the workers on Redis found.
#[derive(Debug, Clone)]
pub struct RedisAnswer {
    pub fleet: FleetSnapshot,
    /// kombu's `global_keyprefix` used, and where it came from.
    pub key_prefix: String,
    pub key_prefix_from: String,
    /// The database's clients (CLIENT LIST) after the probe.
    pub clients: Vec<ClientEntry>,
}

/// Ask the workers of the database `s` names. Every step is bounded by `--timeout` and the
/// run's deadline; `proc_root` is this host's /proc, to tie silent workers to connections.
pub async fn ask(
    s: &RedisSettings,
    opts: &ProbeOptions,
    proc_root: &Path,
) -> Result<RedisAnswer, WorkerError> {
    let opts = opts.clone().bounded(s.timeout, s.deadline);
    let limits = Limits::new(&opts);
    let server = s.target.to_string();
    let connect = RedisClient::connect(
        &s.target,
        s.password.as_ref(),
        s.timeout,
        s.ca_file.as_deref(),
    );
    let client = within(&limits, &server, "connect", connect).await?;
    let cluster = within(&limits, &server, "INFO cluster", async {
        client
            .query::<String>("INFO cluster", redis::cmd("INFO").arg("cluster"))
            .await
    })
    .await?;
    if crate::redis::snapshot::Info::parse(&cluster).get("cluster_enabled") == Some("1") {
        return Err(WorkerError::Redis {
            server,
            what: "ask the workers".into(),
            cause: "the server runs in cluster mode, which Celery cannot use as a broker (see `celtool explain redis.cluster`)".into(),
        });
    }
    let (key_prefix, key_prefix_from) = match &s.key_prefix {
        Some((p, from)) => (p.clone(), from.to_string()),
        None => {
            within(
                &limits,
                &server,
                "look for kombu's key prefix",
                find_prefix(&client),
            )
            .await?
        }
    };
    let mailbox = RedisMailbox {
        key_prefix: key_prefix.clone(),
    };
    let known = within(
        &limits,
        &server,
        "read the mailbox bindings",
        redis_transport::known_nodes(&client, &mailbox),
    )
    .await?;
    let mut fleet = redis_transport::probe(&client, &mailbox, &known, &opts).await?;
    let clients = within(&limits, &server, "CLIENT LIST", async {
        client
            .query::<String>("CLIENT LIST", redis::cmd("CLIENT").arg("LIST"))
            .await
    })
    .await?;
    let db = s.target.db;
    let clients: Vec<ClientEntry> = parse_client_list(&clients)
        .into_iter()
        .filter(|c| c.db == db)
        .collect();
    attach_connections(&mut fleet, &clients, proc_root);
    Ok(RedisAnswer {
        fleet,
        key_prefix,
        key_prefix_from,
        clients,
    })
}

/// Each vhost's waiting consumers (BRPOP clients), and its silent nodes confirmed as hung
/// where their connections are seen.
fn attach_connections(fleet: &mut FleetSnapshot, clients: &[ClientEntry], proc_root: &Path) {
    for v in &mut fleet.vhosts {
        let nodes: Vec<String> = v
            .workers
            .iter()
            .map(|w| w.node.clone())
            .chain(v.silent.iter().cloned())
            .collect();
        let here = connections_here(&nodes, clients, proc_root);
        v.waiting = clients
            .iter()
            .filter(|c| c.cmd == "brpop")
            .map(describe)
            .collect();
        confirm_silent(v, here);
    }
}

/// `work` within one step and the run's deadline.
async fn within<T>(
    limits: &Limits,
    server: &str,
    what: &str,
    work: impl Future<Output = Result<T, RedisError>>,
) -> Result<T, WorkerError> {
    let (at, why, _) = limits.until(limits.step);
    match tokio::time::timeout_at(at, work).await {
        Ok(r) => r.map_err(WorkerError::from),
        Err(_) => Err(WorkerError::Redis {
            server: server.to_string(),
            what: what.to_string(),
            cause: why,
        }),
    }
}

/// kombu's `global_keyprefix`: none when `_kombu.binding.celery.pidbox` exists, else the prefix
/// of the first `*_kombu.binding.celery.pidbox` a bounded SCAN finds, else none.
async fn find_prefix(client: &RedisClient) -> Result<(String, String), RedisError> {
    let plain = RedisMailbox::default().mailbox_bindings();
    let exists: u64 = client
        .query("EXISTS", redis::cmd("EXISTS").arg(&plain))
        .await?;
    if exists > 0 {
        return Ok((String::new(), format!("none ({plain} exists)")));
    }
    let pattern = format!("*{plain}");
    let (mut cursor, mut examined) = (0u64, 0u64);
    loop {
        let cmd = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .clone();
        let (next, keys): (u64, Vec<Vec<u8>>) = client.query("SCAN", &cmd).await?;
        examined += 1000;
        if let Some(prefix) = keys.iter().find_map(|k| {
            std::str::from_utf8(k)
                .ok()?
                .strip_suffix(plain.as_str())
                .map(str::to_string)
        }) {
            let from = format!("found: {prefix}{plain}");
            return Ok((prefix, from));
        }
        cursor = next;
        if cursor == 0 || examined >= PREFIX_SCAN_CAP {
            return Ok((
                String::new(),
                "none (no mailbox binding found; set CELTOOL_REDIS_KEY_PREFIX if the app sets global_keyprefix)".into(),
            ));
        }
    }
}

/// Keep as silent only the nodes shown to be connected: by their sockets on this host, else by
/// count (more pidbox subscribers received the request than workers answered). The others'
/// bindings are left over from workers that are gone (kill -9), which `workers.missing` covers.
fn confirm_silent(v: &mut super::VhostReport, here: BTreeMap<String, Vec<String>>) {
    let by_socket: BTreeMap<&String, &Vec<String>> =
        here.iter().filter(|(n, _)| v.silent.contains(n)).collect();
    let answered = v.workers.iter().filter(|w| w.answered_ping()).count() as u64;
    let unexplained = v
        .receivers
        .unwrap_or(0)
        .saturating_sub(answered)
        .saturating_sub(by_socket.len() as u64);
    let unattributed: Vec<String> = v
        .silent
        .iter()
        .filter(|n| !by_socket.contains_key(*n))
        .cloned()
        .collect();
    let keep_by_count = !unattributed.is_empty() && unattributed.len() as u64 <= unexplained;
    v.silent
        .retain(|n| by_socket.contains_key(n) || keep_by_count);
    v.connections = here;
    if keep_by_count {
        for n in unattributed {
            v.connections.insert(
                n,
                vec![format!(
                    "{unexplained} pidbox subscriber(s) received the request and did not answer (kombu names no connection; run celtool on the worker's host to name them)"
                )],
            );
        }
    }
}

/// A client as the findings name it.
fn describe(c: &ClientEntry) -> String {
    format!("{} (cmd {}, idle {}s)", c.addr, c.cmd, c.idle)
}

/// The Redis connections of each node's processes on this host, as `addr (cmd X, idle Ns)`.
pub fn connections_here(
    nodes: &[String],
    clients: &[ClientEntry],
    proc_root: &Path,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let crate::host::Reading::Present(procs) = crate::host::procs::read(proc_root) else {
        return out;
    };
    let hostname = std::fs::read_to_string(proc_root.join("sys/kernel/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    for tree in crate::host::celery::worker_trees(&procs) {
        let Some(main) = tree.main else { continue };
        let node = crate::host::celery::expand_node_name(tree.node.as_deref(), &hostname);
        if !nodes.contains(&node) {
            continue;
        }
        let mut pids = vec![main];
        pids.extend(&tree.children);
        let addrs = crate::host::sockets::local_addrs(proc_root, &pids);
        let conns: Vec<String> = clients
            .iter()
            .filter(|c| addrs.contains(&c.addr))
            .map(describe)
            .collect();
        if !conns.is_empty() {
            out.entry(node).or_insert_with(Vec::new).extend(conns);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::{VhostReport, WorkerReport};

    fn vhost(receivers: u64, answered: &[&str], silent: &[&str]) -> VhostReport {
        VhostReport {
            vhost: "db0".into(),
            receivers: Some(receivers),
            silent: silent.iter().map(|s| s.to_string()).collect(),
            workers: answered
                .iter()
                .map(|n| {
                    let replies = [("ping".to_string(), serde_json::json!({"ok": "pong"}))];
                    WorkerReport::from_replies(n, "db0", replies.into_iter().collect(), 0.0)
                })
                .collect(),
            ..VhostReport::default()
        }
    }

    #[test]
    fn a_silent_node_is_kept_only_when_something_connected_did_not_answer() {
        // Two subscribers received the request, one answered: the silent one is connected.
        let mut v = vhost(2, &["a@h"], &["b@h"]);
        confirm_silent(&mut v, BTreeMap::new());
        assert_eq!(v.silent, ["b@h"]);
        assert!(v.connections["b@h"][0].starts_with("1 pidbox subscriber(s)"));
        // One subscriber, and it answered: the silent node's binding is left from a gone worker.
        let mut v = vhost(1, &["a@h"], &["b@h"]);
        confirm_silent(&mut v, BTreeMap::new());
        assert!(v.silent.is_empty() && v.connections.is_empty());
        // Two silent, one unexplained subscriber: which one cannot be told, so neither is hung.
        let mut v = vhost(2, &["a@h"], &["b@h", "c@h"]);
        confirm_silent(&mut v, BTreeMap::new());
        assert!(v.silent.is_empty());
        // Tied by its sockets: kept, with its connections, whatever the count says.
        let here = BTreeMap::from([(
            "b@h".to_string(),
            vec!["127.0.0.1:5 (cmd brpop, idle 3s)".to_string()],
        )]);
        let mut v = vhost(1, &["a@h"], &["b@h"]);
        confirm_silent(&mut v, here.clone());
        assert_eq!(
            (v.silent.clone(), v.connections),
            (vec!["b@h".to_string()], here)
        );
    }
}
