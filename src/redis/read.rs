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

/// kombu's binding sets: `_kombu.binding.EXCHANGE` (under `global_keyprefix`).
const BINDING: &str = "_kombu.binding.";

/// Keys the scan found, by what Celery uses them for.
#[derive(Default)]
struct Found {
    /// Binding-set keys as stored (under the prefix).
    bindings: Vec<String>,
    /// Without a prefix set: binding-set keys under some prefix, by prefix.
    prefixed: BTreeMap<String, Vec<String>>,
    replies: Vec<String>,
    results: Vec<String>,
    results_seen: u64,
}

/// Read everything, the sample included (see [`gather_open`]).
pub async fn gather(client: &RedisClient, opts: &Options) -> RedisSnapshot {
    let (mut snap, sample) = gather_open(client, opts).await;
    if let Some(sample) = sample {
        sample.finish(&mut snap).await;
    }
    snap
}

/// Read everything but the second half of the sample: INFO and the event subscription start
/// first, the queue lengths are read once, and the returned [`Sample`] keeps listening while
/// the caller does more (the worker probe) until [`Sample::finish`] reads them again. Only a
/// failure to connect is an error; anything else is a gap.
pub async fn gather_open(client: &RedisClient, opts: &Options) -> (RedisSnapshot, Option<Sample>) {
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
        return (snap, None);
    }
    // The clients before the sample's own subscription, which would count as an event receiver.
    match client
        .query::<String>("CLIENT LIST", redis::cmd("CLIENT").arg("LIST"))
        .await
    {
        Ok(text) => snap.clients = parse_client_list(&text),
        Err(e) => gap(&mut snap, "clients", e),
    }
    let mut sample = Sample::begin(client, opts, &mut snap).await;
    read_config(client, &mut snap).await;
    let set = opts.key_prefix.as_ref().map(|(p, _)| p.as_str());
    let mut found = match scan(client, opts, set, &mut snap.scan).await {
        Ok(f) => f,
        Err(e) => {
            gap(&mut snap, "scan", e);
            Found::default()
        }
    };
    (snap.key_prefix, snap.key_prefix_from) = key_prefix(opts, &mut found);
    let prefix = snap.key_prefix.clone();
    let lengths_read = std::time::Instant::now();
    match queues(client, &prefix, &found.bindings).await {
        Ok(q) => snap.queues = q,
        Err(e) => gap(&mut snap, "queues", e),
    }
    if let Some(s) = &mut sample {
        s.depth_from = lengths_read;
    }
    match unacked(client, &prefix, opts.visibility_timeout).await {
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
    (snap, sample)
}

/// The `global_keyprefix` to read under, and where it came from: the setting; else, when the
/// scan found no plain binding set but found them under exactly one prefix, that prefix (its
/// binding sets become the ones read); else none ("" and "" keep the output as it was).
fn key_prefix(opts: &Options, found: &mut Found) -> (String, String) {
    if let Some((p, from)) = &opts.key_prefix {
        return (p.clone(), (*from).to_string());
    }
    if !found.bindings.is_empty() || found.prefixed.len() != 1 {
        return (String::new(), String::new());
    }
    let Some((prefix, keys)) = found.prefixed.pop_first() else {
        return (String::new(), String::new());
    };
    let from = format!("found on {}", keys[0]);
    found.bindings = keys;
    (prefix, from)
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
/// Under a prefix that was set, only binding sets under it are the app's; result keys count
/// with or without it (Celery's result backend has its own `global_keyprefix`).
async fn scan(
    client: &RedisClient,
    opts: &Options,
    prefix: Option<&str>,
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
                let own = prefix.map_or(Some(key.as_str()), |p| key.strip_prefix(p));
                let name = own.unwrap_or(&key);
                if own.is_some_and(|k| k.starts_with(BINDING)) {
                    found.bindings.push(key);
                } else if let Some(at) = key.find(BINDING).filter(|&at| at > 0) {
                    if prefix.is_none() {
                        let p = key[..at].to_string();
                        found.prefixed.entry(p).or_default().push(key);
                    }
                } else if key.ends_with(".reply.celery.pidbox") {
                    found.replies.push(key);
                } else if name.starts_with("celery-task-meta-") {
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
    found.prefixed.values_mut().for_each(|keys| keys.sort());
    found.replies.sort();
    Ok(found)
}

/// The queues named by the binding sets (member `routing_key\x06\x16pattern\x06\x16queue`) and the
/// lengths of their priority buckets.
/// Under a `global_keyprefix` the set keys and lists carry it; the members name queues without it.
async fn queues(
    client: &RedisClient,
    prefix: &str,
    bindings: &[String],
) -> Result<Vec<RedisQueue>, RedisError> {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in bindings.chunks(CHUNK) {
        let mut p = redis::pipe();
        for key in chunk {
            p.cmd("SMEMBERS").arg(key);
        }
        let sets: Vec<Vec<Vec<u8>>> = client.pipe("SMEMBERS _kombu.binding.*", &p).await?;
        for (key, members) in chunk.iter().zip(sets) {
            let own = key.strip_prefix(prefix).unwrap_or(key);
            let exchange = own.trim_start_matches(BINDING).to_string();
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
    let lens = bucket_lengths(client, prefix, &PRIORITY_STEPS, &out).await?;
    for (q, lens) in out.iter_mut().zip(lens) {
        q.buckets = PRIORITY_STEPS.iter().copied().zip(lens).collect();
    }
    Ok(out)
}

/// What the workers said of the app's queues: its `priority_steps` (and where from) and the
/// queues they consume (name, and which worker said so).
#[derive(Debug, Clone, Default)]
pub struct AppQueues {
    pub steps: Option<(Vec<u8>, String)>,
    pub consumed: Vec<(String, String)>,
}

/// Read the queue lists again with what the workers said: every queue's buckets at the app's
/// steps, and the consumed queues no binding set named (listed even when empty).
pub async fn with_app_queues(
    client: &RedisClient,
    snap: &mut RedisSnapshot,
    app: &AppQueues,
) -> Result<(), RedisError> {
    let mut queues = snap.queues.clone();
    for (name, by) in &app.consumed {
        if !queues.iter().any(|q| &q.name == name) {
            queues.push(RedisQueue {
                name: name.clone(),
                named_by: by.clone(),
                ..RedisQueue::default()
            });
        }
    }
    let steps = match &app.steps {
        Some((steps, _)) => steps.clone(),
        None => snap.steps(),
    };
    let lens = bucket_lengths(client, &snap.key_prefix, &steps, &queues).await?;
    for (q, lens) in queues.iter_mut().zip(lens) {
        q.buckets = steps.iter().copied().zip(lens).collect();
        // Measured once at these steps: the change between two reads is not known.
        q.depth_later = None;
    }
    queues.sort_by(|a, b| a.name.cmp(&b.name));
    snap.queues = queues;
    if let Some((steps, from)) = &app.steps {
        (snap.priority_steps, snap.priority_steps_from) = (steps.clone(), from.clone());
    }
    Ok(())
}

/// LLEN of every priority bucket of every queue (lists under `prefix`), in pipelines.
async fn bucket_lengths(
    client: &RedisClient,
    prefix: &str,
    steps: &[u8],
    queues: &[RedisQueue],
) -> Result<Vec<Vec<u64>>, RedisError> {
    let mut out = Vec::with_capacity(queues.len());
    let per = steps.len().max(1);
    for chunk in queues.chunks((CHUNK / per).max(1)) {
        let mut p = redis::pipe();
        for q in chunk {
            for &step in steps {
                p.cmd("LLEN")
                    .arg(format!("{prefix}{}", bucket_key(&q.name, step)));
            }
        }
        let lens: Vec<u64> = client.pipe("LLEN", &p).await?;
        out.extend(lens.chunks(per).map(<[u64]>::to_vec));
    }
    Ok(out)
}

/// The unacked hash and index (under kombu's `global_keyprefix`), judged against `visibility`
/// (seconds).
pub async fn unacked(
    client: &RedisClient,
    prefix: &str,
    visibility: f64,
) -> Result<Option<Unacked>, RedisError> {
    let (secs, _micros): (u64, u64) = client.query("TIME", &redis::cmd("TIME")).await?;
    let now = secs as f64;
    let mut p = redis::pipe();
    let (hash, index) = (format!("{prefix}unacked"), format!("{prefix}unacked_index"));
    p.cmd("HLEN").arg(&hash);
    p.cmd("ZRANGE").arg(&index).arg(0).arg(0).arg("WITHSCORES");
    p.cmd("ZCOUNT")
        .arg(&index)
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

/// Celery's worker heartbeat period (`worker.heartbeat` every 2 s by default): an event sample
/// that heard a heartbeat stays open this long, so that every worker is heard once.
const HEARTBEAT_PERIOD: Duration = Duration::from_secs(2);

/// The rate sample, running while the other reads (and the worker probe) run: INFO and the
/// event subscription from the start, the queue lengths from their first read; the second
/// readings come when the caller finishes it, with the real time between them as the
/// interval. It lasts at least `interval` (`redis_interval`), and one heartbeat period once a
/// worker's heartbeat was heard.
pub struct Sample {
    client: RedisClient,
    min: Duration,
    started: std::time::Instant,
    depth_from: std::time::Instant,
    /// The client's reply bytes before the first INFO: what it reads after is celtool's own.
    own_from: u64,
    listener: Option<Listener>,
}

/// The event subscription, counting in its own task until told to stop.
struct Listener {
    stop: tokio::sync::oneshot::Sender<()>,
    heard_heartbeat: std::sync::Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<EventSample>,
}

impl Sample {
    /// INFO and the subscription. A failed INFO is a gap and no sample (nothing to compare).
    async fn begin(
        client: &RedisClient,
        opts: &Options,
        snap: &mut RedisSnapshot,
    ) -> Option<Sample> {
        let own_from = client.received_bytes();
        let started = std::time::Instant::now();
        match client.query::<String>("INFO", &redis::cmd("INFO")).await {
            Ok(text) => snap.info = Info::parse(&text),
            Err(e) => {
                snap.gaps.push(Gap {
                    what: "info",
                    error: e.to_string(),
                });
                return None;
            }
        }
        let listener = match listen(client).await {
            Ok(l) => Some(l),
            Err(e) => {
                snap.gaps.push(Gap {
                    what: "events",
                    error: e.to_string(),
                });
                None
            }
        };
        Some(Sample {
            client: client.clone(),
            min: opts.interval,
            started,
            depth_from: started,
            own_from,
            listener,
        })
    }

    /// Wait for what is left of the least length, stop the subscription, then INFO stats and
    /// the queue lengths again.
    pub async fn finish(self, snap: &mut RedisSnapshot) {
        let heard = self
            .listener
            .as_ref()
            .is_some_and(|l| l.heard_heartbeat.load(std::sync::atomic::Ordering::Relaxed));
        let least = if heard {
            self.min.max(HEARTBEAT_PERIOD)
        } else {
            self.min
        };
        tokio::time::sleep(least.saturating_sub(self.started.elapsed())).await;
        if let Some(l) = self.listener {
            let _ = l.stop.send(());
            if let Ok(ev) = l.task.await {
                snap.own_output_bytes += ev.bytes + 60;
                snap.events = Some(ev);
            }
        }
        // Which subscribers heard the stream meanwhile; unread, the idle times alone say it.
        if let Ok(text) = self
            .client
            .query::<String>("CLIENT LIST", redis::cmd("CLIENT").arg("LIST"))
            .await
        {
            snap.clients_later = Some(parse_client_list(&text));
        }
        snap.own_output_bytes += self.client.received_bytes().saturating_sub(self.own_from);
        let later = self
            .client
            .query::<String>("INFO stats", redis::cmd("INFO").arg("stats"))
            .await;
        snap.interval_seconds = self.started.elapsed().as_secs_f64();
        match later {
            Ok(text) => snap.info_later = Some(Info::parse(&text)),
            Err(e) => snap.gaps.push(Gap {
                what: "info",
                error: e.to_string(),
            }),
        }
        let steps = snap.steps();
        if let Ok(lens) = bucket_lengths(&self.client, &snap.key_prefix, &steps, &snap.queues).await
        {
            for (q, l) in snap.queues.iter_mut().zip(lens) {
                q.depth_later = Some(l.iter().sum());
            }
            snap.depth_seconds = self.depth_from.elapsed().as_secs_f64();
        }
    }
}

/// Bytes of a RESP bulk string of `n` bytes: `$n\r\n` + data + `\r\n`.
pub(crate) fn resp_bulk_len(n: usize) -> u64 {
    (1 + n.to_string().len() + 2 + n + 2) as u64
}

/// Subscribe to `/DB.celeryev/*` and count, in a task of its own, what one pattern subscriber
/// receives until told to stop.
async fn listen(client: &RedisClient) -> Result<Listener, RedisError> {
    let pattern = format!("/{}.celeryev/*", client.target.db);
    let mut ps = client.pubsub().await?;
    ps.psubscribe(&pattern)
        .await
        .map_err(|e| RedisError::Command {
            server: client.target.to_string(),
            what: format!("PSUBSCRIBE {pattern}"),
            cause: e.to_string(),
        })?;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let heard_heartbeat = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let heard = heard_heartbeat.clone();
    let task = tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        let mut ev = EventSample::default();
        let mut seen = crate::celery_events::Collector::default();
        let mut stream = ps.on_message();
        loop {
            let msg = tokio::select! {
                _ = &mut stopped => break,
                msg = stream.next() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
            };
            count_event(&mut ev, &mut seen, &pattern, &msg);
            if !ev.heartbeat_hosts.is_empty() {
                heard.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        ev.seconds = started.elapsed().as_secs_f64();
        ev.stream = seen.finish(ev.seconds);
        ev
    });
    Ok(Listener {
        stop,
        heard_heartbeat,
        task,
    })
}

/// One message of the event stream into the sample.
fn count_event(
    ev: &mut EventSample,
    seen: &mut crate::celery_events::Collector,
    pattern: &str,
    msg: &redis::Msg,
) {
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
    if kind.starts_with("task.") || kind == "worker.heartbeat" {
        seen.feed_kombu_envelope(payload);
    }
    *ev.by_type.entry(kind).or_default() += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(plain: &[&str], prefixed: &[(&str, &str)]) -> Found {
        let mut f = Found {
            bindings: plain.iter().map(|k| k.to_string()).collect(),
            ..Found::default()
        };
        for (p, k) in prefixed {
            f.prefixed
                .entry(p.to_string())
                .or_default()
                .push(k.to_string());
        }
        f
    }

    #[test]
    fn the_key_prefix_is_the_setting_else_the_one_prefix_found() {
        let mut opts = Options::default();
        // Plain binding sets: no prefix, nothing said (the output stays as it was).
        let mut f = found(
            &["_kombu.binding.celery"],
            &[("a:", "a:_kombu.binding.celery")],
        );
        assert_eq!(key_prefix(&opts, &mut f), (String::new(), String::new()));
        // Only prefixed ones, under one prefix: that prefix, and its sets are the ones read.
        let mut f = found(&[], &[("a:", "a:_kombu.binding.celery")]);
        assert_eq!(
            key_prefix(&opts, &mut f),
            ("a:".into(), "found on a:_kombu.binding.celery".into())
        );
        assert_eq!(f.bindings, ["a:_kombu.binding.celery"]);
        // Two prefixes: which app is meant is not guessed.
        let mut f = found(
            &[],
            &[("a:", "a:_kombu.binding.x"), ("b:", "b:_kombu.binding.y")],
        );
        assert_eq!(key_prefix(&opts, &mut f).0, "");
        // The setting wins.
        opts.key_prefix = Some(("b:".into(), "CELTOOL_REDIS_KEY_PREFIX"));
        assert_eq!(
            key_prefix(&opts, &mut f),
            ("b:".into(), "CELTOOL_REDIS_KEY_PREFIX".into())
        );
    }
}
