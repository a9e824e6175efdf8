//! Reading a Redis broker once: cheap commands only (INFO, CONFIG GET, CLIENT LIST, LLEN, HLEN,
//! ZRANGE, TTL), one bounded SCAN pass (COUNT and a cap, never KEYS), and a short pattern
//! subscription to measure the event stream. A part that fails becomes a gap.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;

use super::client::{RedisClient, RedisError};
use super::snapshot::*;

pub use crate::settings::ReadOptions as Options;

/// Pipelines are sent in chunks of this many commands.
const CHUNK: usize = 2000;

/// Keys the scan found, by what Celery uses them for.
#[derive(Default)]
struct Found {
    bindings: Vec<String>,
    replies: Vec<String>,
    results: Vec<String>,
    results_seen: u64,
}

/// Read everything. Only a failure to connect is an error; anything else is a gap.
pub async fn gather(client: &RedisClient, opts: &Options) -> RedisSnapshot {
    let t = &client.target;
    let mut snap = RedisSnapshot {
        target: t.to_string(),
        host: t.host.clone(),
        db: t.db,
        visibility_timeout: opts.visibility_timeout,
        visibility_timeout_from: opts.visibility_timeout_from.clone(),
        ..RedisSnapshot::default()
    };
    let gap = |snap: &mut RedisSnapshot, what: &'static str, e: RedisError| {
        snap.gaps.push(Gap {
            what,
            error: e.to_string(),
        })
    };
    if cluster_enabled(client).await {
        // kombu cannot use it: its queues, bindings and events would be meaningless here.
        snap.cluster_enabled = true;
        match client.query::<String>("INFO", &redis::cmd("INFO")).await {
            Ok(text) => snap.info = Info::parse(&text),
            Err(e) => gap(&mut snap, "info", e),
        }
        return snap;
    }
    match client
        .query::<String>("CLIENT LIST", redis::cmd("CLIENT").arg("LIST"))
        .await
    {
        Ok(text) => snap.clients = parse_client_list(&text),
        Err(e) => gap(&mut snap, "clients", e),
    }
    read_config(client, &mut snap).await;
    let found = match scan(client, opts, &mut snap.scan).await {
        Ok(f) => f,
        Err(e) => {
            gap(&mut snap, "scan", e);
            Found::default()
        }
    };
    let lengths_read = std::time::Instant::now();
    match queues(client, &found.bindings).await {
        Ok(q) => snap.queues = q,
        Err(e) => gap(&mut snap, "queues", e),
    }
    match unacked(client, opts.visibility_timeout).await {
        Ok(u) => snap.unacked = u,
        Err(e) => gap(&mut snap, "unacked", e),
    }
    match reply_lists(client, &found.replies, opts.reply_cap).await {
        Ok(r) => snap.reply_lists = r,
        Err(e) => gap(&mut snap, "reply lists", e),
    }
    match results(client, &found).await {
        Ok(r) => snap.results = r,
        Err(e) => gap(&mut snap, "results", e),
    }
    sample(client, opts, &mut snap).await;
    snap.depth_seconds = lengths_read.elapsed().as_secs_f64();
    snap
}

/// INFO cluster says `cluster_enabled:1`. A failed INFO is not a cluster: the INFO read later
/// reports the gap.
async fn cluster_enabled(client: &RedisClient) -> bool {
    client
        .query::<String>("INFO cluster", redis::cmd("INFO").arg("cluster"))
        .await
        .is_ok_and(|text| Info::parse(&text).get("cluster_enabled") == Some("1"))
}

/// The server's other databases that hold Celery keys: INFO keyspace names the databases with
/// keys, then one SCAN pass in each (SELECT on this connection, put back after), stopped at the
/// first Celery key of a database and after `scan_cap` keys over all of them. Never KEYS.
pub async fn elsewhere(client: &RedisClient, opts: &Options) -> Result<Elsewhere, RedisError> {
    let own = client.target.db;
    let info: String = client
        .query("INFO keyspace", redis::cmd("INFO").arg("keyspace"))
        .await?;
    let mut out = Elsewhere {
        complete: true,
        ..Elsewhere::default()
    };
    for (db, keys) in keyspace_dbs(&Info::parse(&info)) {
        if db == own {
            continue;
        }
        if out.keys_examined >= opts.scan_cap {
            out.complete = false;
            break;
        }
        select(client, db).await?;
        let found = first_celery_key(client, opts, &mut out).await;
        select(client, own).await?;
        match found? {
            Some(example) => out.dbs.push(CeleryDb { db, keys, example }),
            None if out.keys_examined >= opts.scan_cap => out.complete = false,
            None => {}
        }
    }
    Ok(out)
}

async fn select(client: &RedisClient, db: i64) -> Result<(), RedisError> {
    client
        .query::<()>(&format!("SELECT {db}"), redis::cmd("SELECT").arg(db))
        .await
}

/// How a SCAN walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// The cursor came back to 0: every key was examined.
    Complete,
    /// The visitor found what it looked for.
    Stopped,
    /// `cap` keys were examined before the end.
    Capped,
}

/// The one SCAN loop: walk the selected database (COUNT `count`), counting the keys into
/// `examined` and handing each batch to `visit`, until the end, `visit` breaks, or `examined`
/// reaches `cap`. Never KEYS.
async fn scan_keys(
    client: &RedisClient,
    count: u64,
    cap: u64,
    examined: &mut u64,
    mut visit: impl FnMut(Vec<Vec<u8>>) -> std::ops::ControlFlow<()>,
) -> Result<Walk, RedisError> {
    let mut cursor: u64 = 0;
    loop {
        let cmd = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(count)
            .clone();
        let (next, keys): (u64, Vec<Vec<u8>>) = client.query("SCAN", &cmd).await?;
        *examined += keys.len() as u64;
        if visit(keys).is_break() {
            return Ok(Walk::Stopped);
        }
        cursor = next;
        if cursor == 0 {
            return Ok(Walk::Complete);
        }
        if *examined >= cap {
            return Ok(Walk::Capped);
        }
    }
}

/// SCAN the selected database until a Celery key or the end, within what is left of the cap.
async fn first_celery_key(
    client: &RedisClient,
    opts: &Options,
    bound: &mut Elsewhere,
) -> Result<Option<String>, RedisError> {
    let mut found = None;
    scan_keys(
        client,
        opts.scan_count,
        opts.scan_cap,
        &mut bound.keys_examined,
        |keys| {
            found = keys
                .iter()
                .filter_map(|k| std::str::from_utf8(k).ok())
                .filter(|k| is_celery_key(k))
                .min()
                .map(str::to_string);
            if found.is_some() {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        },
    )
    .await?;
    Ok(found)
}

/// CONFIG GET, one parameter at a time (older servers take one). A renamed or refused CONFIG
/// is a gap; maxmemory and its policy then come from INFO memory.
async fn read_config(client: &RedisClient, snap: &mut RedisSnapshot) {
    for name in [
        "maxmemory",
        "maxmemory-policy",
        "client-output-buffer-limit",
        "maxclients",
    ] {
        let cmd = redis::cmd("CONFIG").arg("GET").arg(name).clone();
        match client
            .query::<Vec<String>>(&format!("CONFIG GET {name}"), &cmd)
            .await
        {
            Ok(pairs) => {
                for kv in pairs.chunks(2) {
                    if let [k, v] = kv {
                        snap.config.insert(k.clone(), v.clone());
                    }
                }
            }
            Err(e) => {
                snap.gaps.push(Gap {
                    what: "config",
                    error: format!(
                        "{e} (CONFIG may be renamed or disabled; maxmemory and its policy come from INFO, the pub/sub buffer limit is unknown)"
                    ),
                });
                return;
            }
        }
    }
}

/// One SCAN pass, bounded by `scan_cap` keys, sorting the keys Celery uses into their kinds.
async fn scan(
    client: &RedisClient,
    opts: &Options,
    bound: &mut ScanBound,
) -> Result<Found, RedisError> {
    bound.count = opts.scan_count;
    bound.cap = opts.scan_cap;
    bound.db_keys = client
        .query::<u64>("DBSIZE", &redis::cmd("DBSIZE"))
        .await
        .ok();
    let mut found = Found::default();
    let walk = scan_keys(
        client,
        opts.scan_count,
        opts.scan_cap,
        &mut bound.keys_examined,
        |keys| {
            for key in keys {
                let Ok(key) = String::from_utf8(key) else {
                    continue;
                };
                if key.starts_with("_kombu.binding.") {
                    found.bindings.push(key);
                } else if key.ends_with(".reply.celery.pidbox") {
                    found.replies.push(key);
                } else if key.starts_with("celery-task-meta-") {
                    found.results_seen += 1;
                    if found.results.len() < opts.result_sample {
                        found.results.push(key);
                    }
                }
            }
            std::ops::ControlFlow::Continue(())
        },
    )
    .await?;
    bound.complete = walk == Walk::Complete;
    found.bindings.sort();
    found.replies.sort();
    Ok(found)
}

/// The queues named by the binding sets (member `routing_key\x06\x16pattern\x06\x16queue`) and the
/// lengths of their priority buckets.
async fn queues(client: &RedisClient, bindings: &[String]) -> Result<Vec<RedisQueue>, RedisError> {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in bindings.chunks(CHUNK) {
        let mut p = redis::pipe();
        for key in chunk {
            p.cmd("SMEMBERS").arg(key);
        }
        let sets: Vec<Vec<Vec<u8>>> = client.pipe("SMEMBERS _kombu.binding.*", &p).await?;
        for (key, members) in chunk.iter().zip(sets) {
            let exchange = key.trim_start_matches("_kombu.binding.").to_string();
            for m in members {
                let m = String::from_utf8_lossy(&m);
                let Some(queue) = m.split(PRIORITY_SEP).nth(2).filter(|q| !q.is_empty()) else {
                    continue;
                };
                let ex = by_name.entry(queue.to_string()).or_default();
                if !ex.contains(&exchange) {
                    ex.push(exchange.clone());
                }
            }
        }
    }
    let mut out: Vec<RedisQueue> = by_name
        .into_iter()
        .map(|(name, exchanges)| RedisQueue {
            name,
            exchanges,
            ..RedisQueue::default()
        })
        .collect();
    let lens = bucket_lengths(client, &out).await?;
    for (q, lens) in out.iter_mut().zip(lens) {
        q.buckets = PRIORITY_STEPS.iter().copied().zip(lens).collect();
    }
    Ok(out)
}

/// LLEN of every priority bucket of every queue, in pipelines.
async fn bucket_lengths(
    client: &RedisClient,
    queues: &[RedisQueue],
) -> Result<Vec<Vec<u64>>, RedisError> {
    let mut out = Vec::with_capacity(queues.len());
    let per = PRIORITY_STEPS.len();
    for chunk in queues.chunks(CHUNK / per) {
        let mut p = redis::pipe();
        for q in chunk {
            for step in PRIORITY_STEPS {
                p.cmd("LLEN").arg(bucket_key(&q.name, step));
            }
        }
        let lens: Vec<u64> = client.pipe("LLEN", &p).await?;
        out.extend(lens.chunks(per).map(<[u64]>::to_vec));
    }
    Ok(out)
}

/// The unacked hash and index, judged against `visibility` (seconds).
pub async fn unacked(client: &RedisClient, visibility: f64) -> Result<Option<Unacked>, RedisError> {
    let (secs, _micros): (u64, u64) = client.query("TIME", &redis::cmd("TIME")).await?;
    let now = secs as f64;
    let mut p = redis::pipe();
    p.cmd("HLEN").arg("unacked");
    p.cmd("ZRANGE")
        .arg("unacked_index")
        .arg(0)
        .arg(0)
        .arg("WITHSCORES");
    p.cmd("ZCOUNT")
        .arg("unacked_index")
        .arg("-inf")
        .arg(format!("({}", now - visibility));
    let (count, oldest, past): (u64, Vec<(String, f64)>, u64) = client
        .pipe("HLEN unacked / ZRANGE unacked_index", &p)
        .await?;
    Ok(Some(Unacked {
        count,
        oldest_delivered: oldest.first().map(|(_, s)| *s),
        past_visibility: past,
        now,
    }))
}

async fn reply_lists(
    client: &RedisClient,
    keys: &[String],
    cap: usize,
) -> Result<Vec<ReplyList>, RedisError> {
    let keys = &keys[..keys.len().min(cap)];
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK / 3) {
        let mut p = redis::pipe();
        for k in chunk {
            p.cmd("LLEN").arg(k);
            p.cmd("OBJECT").arg("IDLETIME").arg(k);
            p.cmd("TTL").arg(k);
        }
        let replies: Vec<redis::Value> = client.pipe("LLEN / OBJECT IDLETIME / TTL", &p).await?;
        for (k, r) in chunk.iter().zip(replies.chunks(3)) {
            let int = |v: &redis::Value| match v {
                redis::Value::Int(n) => Some(*n),
                _ => None,
            };
            out.push(ReplyList {
                key: k.clone(),
                len: int(&r[0]).unwrap_or(0).max(0) as u64,
                idle_seconds: int(&r[1]).map(|n| n.max(0) as u64),
                ttl: int(&r[2]).unwrap_or(-2),
            });
        }
    }
    Ok(out)
}

async fn results(client: &RedisClient, found: &Found) -> Result<Option<ResultSample>, RedisError> {
    if found.results_seen == 0 {
        return Ok(None);
    }
    let mut sample = ResultSample {
        seen: found.results_seen,
        ..ResultSample::default()
    };
    for chunk in found.results.chunks(CHUNK) {
        let mut p = redis::pipe();
        for k in chunk {
            p.cmd("TTL").arg(k);
        }
        let ttls: Vec<i64> = client.pipe("TTL celery-task-meta-*", &p).await?;
        for (k, ttl) in chunk.iter().zip(ttls) {
            if ttl == -2 {
                continue; // gone since the scan
            }
            sample.sampled += 1;
            if ttl == -1 {
                sample.without_ttl += 1;
                sample.keys_without_ttl.push(k.clone());
            }
        }
    }
    Ok(Some(sample))
}

/// INFO, a pattern subscription to the event stream for `interval`, INFO again, then the queue
/// lengths again (for growth).
async fn sample(client: &RedisClient, opts: &Options, snap: &mut RedisSnapshot) {
    let info = match client.query::<String>("INFO", &redis::cmd("INFO")).await {
        Ok(text) => text,
        Err(e) => {
            snap.gaps.push(Gap {
                what: "info",
                error: e.to_string(),
            });
            return;
        }
    };
    snap.own_output_bytes = resp_bulk_len(info.len());
    snap.info = Info::parse(&info);
    let started = std::time::Instant::now();
    match events(client, opts.interval).await {
        Ok(ev) => {
            snap.own_output_bytes += ev.bytes + 60;
            snap.events = Some(ev);
        }
        Err(e) => {
            snap.gaps.push(Gap {
                what: "events",
                error: e.to_string(),
            });
            tokio::time::sleep(opts.interval.saturating_sub(started.elapsed())).await;
        }
    }
    let later = client
        .query::<String>("INFO stats", redis::cmd("INFO").arg("stats"))
        .await;
    snap.interval_seconds = started.elapsed().as_secs_f64();
    match later {
        Ok(text) => snap.info_later = Some(Info::parse(&text)),
        Err(e) => snap.gaps.push(Gap {
            what: "info",
            error: e.to_string(),
        }),
    }
    if let Ok(lens) = bucket_lengths(client, &snap.queues).await {
        for (q, l) in snap.queues.iter_mut().zip(lens) {
            q.depth_later = Some(l.iter().sum());
        }
    }
}

/// Bytes of a RESP bulk string of `n` bytes: `$n\r\n` + data + `\r\n`.
pub(crate) fn resp_bulk_len(n: usize) -> u64 {
    (1 + n.to_string().len() + 2 + n + 2) as u64
}

/// Subscribe to `/DB.celeryev/*` for `interval` and count what one pattern subscriber receives.
async fn events(client: &RedisClient, interval: Duration) -> Result<EventSample, RedisError> {
    let pattern = format!("/{}.celeryev/*", client.target.db);
    let mut ps = client.pubsub().await?;
    ps.psubscribe(&pattern)
        .await
        .map_err(|e| RedisError::Command {
            server: client.target.to_string(),
            what: format!("PSUBSCRIBE {pattern}"),
            cause: e.to_string(),
        })?;
    let started = tokio::time::Instant::now();
    let deadline = started + interval;
    let mut ev = EventSample::default();
    let mut stream = ps.on_message();
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, stream.next()).await {
        let channel = msg.get_channel_name().to_string();
        let payload = msg.get_payload_bytes();
        ev.messages += 1;
        ev.bytes += 4
            + 14
            + resp_bulk_len(pattern.len())
            + resp_bulk_len(channel.len())
            + resp_bulk_len(payload.len());
        let kind = channel.rsplit_once('/').map_or("", |(_, k)| k).to_string();
        if kind == "worker.heartbeat"
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(payload)
            && let Some(h) = v["headers"]["hostname"].as_str()
        {
            ev.heartbeat_hosts.insert(h.to_string());
        }
        *ev.by_type.entry(kind).or_default() += 1;
    }
    ev.seconds = started.elapsed().as_secs_f64();
    Ok(ev)
}
