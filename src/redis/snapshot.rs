//! What one run read from a Redis broker, as plain data, and the parsers of Redis's text replies
//! (INFO, CLIENT LIST). Parts that could not be read are gaps, never a failed run.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// kombu's priority separator and default steps: `NAME`, `NAME\x06\x163`, `\x166`, `\x169`.
pub const PRIORITY_SEP: &str = "\x06\x16";
pub const PRIORITY_STEPS: [u8; 4] = [0, 3, 6, 9];

/// The list key of a queue's priority bucket (step 0 is the queue's own name).
pub fn bucket_key(queue: &str, step: u8) -> String {
    if step == 0 {
        queue.to_string()
    } else {
        format!("{queue}{PRIORITY_SEP}{step}")
    }
}

/// How far the keyspace scan went; the scan is bounded and the report says so.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanBound {
    /// The COUNT hint of each SCAN call.
    pub count: u64,
    /// At most this many keys are examined per run.
    pub cap: u64,
    pub keys_examined: u64,
    /// The cursor came back to 0: every key was examined.
    pub complete: bool,
    /// DBSIZE at the start, for "examined N of M keys".
    pub db_keys: Option<u64>,
}

/// One section-less view of INFO: `field -> value`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Info(pub BTreeMap<String, String>);

impl Info {
    /// Parse INFO's `# Section` / `field:value` lines.
    pub fn parse(text: &str) -> Info {
        let map = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Info(map)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn num(&self, field: &str) -> Option<f64> {
        self.get(field)?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    }

    /// `keys=..,expires=..` of `db5` in the keyspace section.
    pub fn keyspace(&self, db: i64) -> Option<(u64, u64)> {
        let v = self.get(&format!("db{db}"))?;
        let field = |name: &str| -> Option<u64> {
            v.split(',')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == name)
                .and_then(|(_, n)| n.parse().ok())
        };
        Some((field("keys")?, field("expires").unwrap_or(0)))
    }
}

/// One line of CLIENT LIST.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientEntry {
    pub id: i64,
    pub addr: String,
    pub name: String,
    pub age: u64,
    pub idle: u64,
    pub flags: String,
    pub db: i64,
    pub sub: u64,
    pub psub: u64,
    /// Output buffer memory in bytes: what Redis holds for a client that reads too slowly.
    pub omem: u64,
    pub cmd: String,
}

impl ClientEntry {
    /// The peer's IP without the port.
    pub fn ip(&self) -> &str {
        self.addr
            .rsplit_once(':')
            .map_or(self.addr.as_str(), |(ip, _)| ip)
    }
}

/// Parse CLIENT LIST: one client per line, `field=value` separated by spaces.
pub fn parse_client_list(text: &str) -> Vec<ClientEntry> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut c = ClientEntry::default();
            for (k, v) in line.split(' ').filter_map(|kv| kv.split_once('=')) {
                let n = || v.parse::<u64>().unwrap_or(0);
                match k {
                    "id" => c.id = v.parse().unwrap_or(0),
                    "addr" => c.addr = v.to_string(),
                    "name" => c.name = v.to_string(),
                    "age" => c.age = n(),
                    "idle" => c.idle = n(),
                    "flags" => c.flags = v.to_string(),
                    "db" => c.db = v.parse().unwrap_or(0),
                    "sub" => c.sub = n(),
                    "psub" => c.psub = n(),
                    "omem" => c.omem = n(),
                    "cmd" => c.cmd = v.to_string(),
                    _ => {}
                }
            }
            c
        })
        .collect()
}

/// `client-output-buffer-limit` for the pubsub class: hard limit, soft limit, soft seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BufferLimit {
    pub hard_bytes: u64,
    pub soft_bytes: u64,
    pub soft_seconds: u64,
}

/// Parse `normal 0 0 0 replica 268435456 67108864 60 pubsub 33554432 8388608 60`.
pub fn parse_pubsub_limit(text: &str) -> Option<BufferLimit> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "pubsub")?;
    let n = |i: usize| words.get(at + i).and_then(|w| parse_size(w));
    Some(BufferLimit {
        hard_bytes: n(1)?,
        soft_bytes: n(2)?,
        soft_seconds: n(3)?,
    })
}

/// Redis sizes: `33554432`, `32mb`, `8m`, `1gb`.
fn parse_size(w: &str) -> Option<u64> {
    let lower = w.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(digits_end);
    let n: u64 = num.parse().ok()?;
    let mult = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1_000_000,
        "mb" => 1024 * 1024,
        "g" => 1_000_000_000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// A queue named by a `_kombu.binding.EXCHANGE` set, with the length of each priority bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RedisQueue {
    pub name: String,
    /// The exchanges whose binding sets name it.
    pub exchanges: Vec<String>,
    /// (step, length) for steps 0, 3, 6, 9.
    pub buckets: Vec<(u8, u64)>,
    /// The total length again after the sampling interval.
    pub depth_later: Option<u64>,
    /// Named by a worker (its `active_queues` or `conf`) rather than by a binding set: which.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub named_by: String,
}

impl RedisQueue {
    pub fn depth(&self) -> u64 {
        self.buckets.iter().map(|(_, n)| n).sum()
    }
}

/// The `unacked` hash and `unacked_index` sorted set of kombu's Redis transport.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Unacked {
    pub count: u64,
    /// Delivery time (epoch seconds) of the oldest unacked message.
    pub oldest_delivered: Option<f64>,
    /// How many were delivered longer ago than the visibility timeout.
    pub past_visibility: u64,
    /// The server's clock (TIME) when read.
    pub now: f64,
}

/// A `*.reply.celery.pidbox` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyList {
    pub key: String,
    pub len: u64,
    /// OBJECT IDLETIME: seconds since anything touched it.
    pub idle_seconds: Option<u64>,
    /// TTL in seconds; -1 none.
    pub ttl: i64,
}

/// A bounded sample of `celery-task-meta-*` keys and their TTLs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResultSample {
    /// Result keys the scan saw (all of them when the scan was complete).
    pub seen: u64,
    /// How many of those had their TTL read.
    pub sampled: u64,
    pub without_ttl: u64,
    /// The sampled keys without TTL (what the fix plans from).
    pub keys_without_ttl: Vec<String>,
}

/// What one pattern subscriber of `/DB.celeryev/*` received during the interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EventSample {
    pub seconds: f64,
    pub messages: u64,
    /// Bytes on the wire (RESP framing included) one pattern subscriber receives.
    pub bytes: u64,
    /// Hostnames that sent worker-heartbeat.
    pub heartbeat_hosts: BTreeSet<String>,
    /// Messages by routing key (`worker.heartbeat`, `task.succeeded`, ...).
    pub by_type: BTreeMap<String, u64>,
    /// What the events said: task runtimes and the heartbeats' software (doctor's
    /// workers.mixed-durations and delayed.celery-version).
    #[serde(skip)]
    pub stream: crate::celery_events::EventSample,
}

/// A part of the snapshot that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub what: &'static str,
    pub error: String,
}

/// Everything one run read from the broker.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RedisSnapshot {
    /// The server and database, without credentials.
    pub target: String,
    pub host: String,
    pub db: i64,
    pub info: Info,
    /// INFO stats again after `interval_seconds`, for rates.
    pub info_later: Option<Info>,
    pub interval_seconds: f64,
    /// Seconds between the two passes of queue lengths (`RedisQueue::depth_later`).
    pub depth_seconds: f64,
    /// Bytes of our own replies and subscription inside the interval, taken off the output rate.
    pub own_output_bytes: u64,
    /// CONFIG GET results; empty when CONFIG is renamed or refused (a gap says so).
    pub config: BTreeMap<String, String>,
    pub clients: Vec<ClientEntry>,
    /// CLIENT LIST again when the event sample ended: a pattern subscriber whose last
    /// interaction moved in between heard the event stream (see `to_celery`). None: not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients_later: Option<Vec<ClientEntry>>,
    pub queues: Vec<RedisQueue>,
    pub unacked: Option<Unacked>,
    pub visibility_timeout: f64,
    /// Where the visibility timeout came from (kombu's default, a setting, the workers' conf).
    pub visibility_timeout_from: String,
    /// kombu's `global_keyprefix` the keys were read under ("" without one), and where it came
    /// from (a setting, or the prefix found on the `_kombu.binding.*` keys).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key_prefix: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key_prefix_from: String,
    /// The app's `priority_steps` and where they came from (a worker's conf); empty: kombu's
    /// default [`PRIORITY_STEPS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub priority_steps: Vec<u8>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub priority_steps_from: String,
    pub reply_lists: Vec<ReplyList>,
    pub results: Option<ResultSample>,
    pub events: Option<EventSample>,
    pub scan: ScanBound,
    pub gaps: Vec<Gap>,
    /// INFO cluster said `cluster_enabled:1`: kombu cannot run on it, so nothing Celery-shaped
    /// was read (only INFO).
    pub cluster_enabled: bool,
    /// Read only when this database holds no Celery key: the server's other databases that do.
    pub elsewhere: Option<Elsewhere>,
    /// Through a `sentinel://` URL: what the Sentinels said and who is on the group's other
    /// servers (the server read is the master they agree on).
    pub sentinel: Option<super::sentinel::SentinelSnapshot>,
}

/// The search of the server's other databases for Celery keys (INFO keyspace, then a bounded
/// SCAN in each database that has keys, stopped at its first Celery key).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Elsewhere {
    pub dbs: Vec<CeleryDb>,
    /// Keys examined in all the other databases together (bounded by the scan cap).
    pub keys_examined: u64,
    /// Every database with keys was searched to its end or to a Celery key.
    pub complete: bool,
}

/// Another database of the server that holds Celery keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CeleryDb {
    pub db: i64,
    /// Its key count from INFO keyspace.
    pub keys: u64,
    /// The first Celery key found there.
    pub example: String,
}

/// A key Celery (kombu's Redis transport or Celery's Redis result backend) makes.
/// Keys under a `global_keyprefix` count too when their binding sets do.
pub fn is_celery_key(key: &str) -> bool {
    key.contains("_kombu.binding.")
        || key.starts_with("celery-task-meta-")
        || key.starts_with("unacked")
        || key.ends_with(".reply.celery.pidbox")
}

/// The databases INFO keyspace lists (`db3:keys=5,expires=0,...`), with their key counts.
pub fn keyspace_dbs(info: &Info) -> Vec<(i64, u64)> {
    let mut out: Vec<(i64, u64)> = info
        .0
        .keys()
        .filter_map(|k| k.strip_prefix("db")?.parse::<i64>().ok())
        .filter_map(|db| Some((db, info.keyspace(db)?.0)))
        .filter(|&(_, keys)| keys > 0)
        .collect();
    out.sort();
    out
}

impl RedisSnapshot {
    /// The priority steps the lists were read with: the app's when a worker said, else kombu's.
    pub fn steps(&self) -> Vec<u8> {
        if self.priority_steps.is_empty() {
            PRIORITY_STEPS.to_vec()
        } else {
            self.priority_steps.clone()
        }
    }

    /// Whether this database shows any sign of Celery: a queue, a result, an unacked message, a
    /// reply list, a worker blocked on a queue or a heartbeat heard. `None` when a read it rests
    /// on failed, so nothing can be said.
    pub fn holds_celery(&self) -> Option<bool> {
        let rests_on = [
            "scan",
            "queues",
            "unacked",
            "reply lists",
            "results",
            "clients",
        ];
        if self.gaps.iter().any(|g| rests_on.contains(&g.what)) {
            return None;
        }
        Some(
            !self.queues.is_empty()
                || self.results.as_ref().is_some_and(|r| r.seen > 0)
                || self.unacked.as_ref().is_some_and(|u| u.count > 0)
                || !self.reply_lists.is_empty()
                || self
                    .db_clients()
                    .any(|c| c.cmd == "brpop" || c.flags.contains('b'))
                || self
                    .events
                    .as_ref()
                    .is_some_and(|e| !e.heartbeat_hosts.is_empty()),
        )
    }

    /// maxmemory in bytes (0: no limit), from CONFIG or INFO memory.
    pub fn maxmemory(&self) -> Option<f64> {
        self.config
            .get("maxmemory")
            .and_then(|v| parse_size(v))
            .map(|v| v as f64)
            .or_else(|| self.info.num("maxmemory"))
    }

    pub fn maxmemory_policy(&self) -> Option<&str> {
        self.config
            .get("maxmemory-policy")
            .map(String::as_str)
            .or_else(|| self.info.get("maxmemory_policy"))
    }

    pub fn pubsub_limit(&self) -> Option<BufferLimit> {
        parse_pubsub_limit(self.config.get("client-output-buffer-limit")?)
    }

    /// Output bytes per second between the two INFO samples, without celtool's own share.
    pub fn output_rate(&self) -> Option<f64> {
        let later = self.info_later.as_ref()?;
        let a = self.info.num("total_net_output_bytes")?;
        let b = later.num("total_net_output_bytes")?;
        if self.interval_seconds <= 0.0 || b < a {
            return None;
        }
        Some(((b - a) - self.own_output_bytes as f64).max(0.0) / self.interval_seconds)
    }

    /// Clients of this database.
    pub fn db_clients(&self) -> impl Iterator<Item = &ClientEntry> {
        self.clients.iter().filter(move |c| c.db == self.db)
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Snapshots built from the recorded replies under tests/fixtures/redis/.
    use super::*;

    pub fn read(name: &str) -> String {
        let path = format!("{}/tests/fixtures/redis/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// `redis-cli CONFIG GET` output: name and value on alternate lines.
    pub fn config(text: &str) -> BTreeMap<String, String> {
        let lines: Vec<&str> = text.lines().collect();
        lines
            .chunks(2)
            .filter_map(|kv| match kv {
                [k, v] => Some((k.to_string(), v.to_string())),
                _ => None,
            })
            .collect()
    }

    /// `redis-cli psubscribe` output: `pmessage`, pattern, channel, payload, four lines each.
    pub fn events(text: &str, seconds: f64) -> EventSample {
        let lines: Vec<&str> = text.lines().collect();
        let mut ev = EventSample {
            seconds,
            ..EventSample::default()
        };
        let mut i = 0;
        while i + 3 < lines.len() {
            if lines[i] != "pmessage" {
                i += 1;
                continue;
            }
            let (pattern, channel, payload) = (lines[i + 1], lines[i + 2], lines[i + 3]);
            ev.messages += 1;
            ev.bytes += 18
                + super::super::read::resp_bulk_len(pattern.len())
                + super::super::read::resp_bulk_len(channel.len())
                + super::super::read::resp_bulk_len(payload.len());
            let kind = channel.rsplit_once('/').map_or("", |(_, k)| k).to_string();
            if kind == "worker.heartbeat"
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(payload)
                && let Some(h) = v["headers"]["hostname"].as_str()
            {
                ev.heartbeat_hosts.insert(h.to_string());
            }
            *ev.by_type.entry(kind).or_default() += 1;
            i += 4;
        }
        ev
    }

    /// The idle fleet: three workers and a monitor on database 13.
    pub fn fleet() -> RedisSnapshot {
        RedisSnapshot {
            target: "redis://127.0.0.1:6379/13".into(),
            host: "127.0.0.1".into(),
            db: 13,
            info: Info::parse(&read("fleet-info.txt")),
            info_later: Some(Info::parse(&read("fleet-info-later.txt"))),
            interval_seconds: 6.0,
            depth_seconds: 6.5,
            config: config(&read("fleet-config.txt")),
            clients: parse_client_list(&read("fleet-client-list.txt")),
            events: Some(events(&read("fleet-events.txt"), 6.0)),
            visibility_timeout: 3600.0,
            queues: vec![RedisQueue {
                name: "celery".into(),
                exchanges: vec!["celery".into()],
                buckets: PRIORITY_STEPS.iter().map(|&s| (s, 0)).collect(),
                depth_later: Some(0),
                ..RedisQueue::default()
            }],
            ..RedisSnapshot::default()
        }
    }

    /// The troubled private server: allkeys-lru at maxmemory, a stalled subscriber, refusals.
    pub fn trouble() -> RedisSnapshot {
        RedisSnapshot {
            target: "redis://127.0.0.1:6391/0".into(),
            host: "127.0.0.1".into(),
            db: 0,
            info: Info::parse(&read("trouble-info.txt")),
            config: config(&read("trouble-config.txt")),
            clients: parse_client_list(&read("trouble-client-list.txt")),
            visibility_timeout: 3600.0,
            queues: vec![RedisQueue {
                name: "celery".into(),
                exchanges: vec!["celery".into()],
                buckets: vec![(0, 3), (3, 0), (6, 0), (9, 0)],
                depth_later: None,
                ..RedisQueue::default()
            }],
            ..RedisSnapshot::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn info_parses_sections_and_keyspace() {
        let info = Info::parse(&read("fleet-info.txt"));
        assert_eq!(info.get("redis_version"), Some("7.0.15"));
        assert!(info.num("used_memory").unwrap() > 0.0);
        assert_eq!(info.get("maxmemory_policy"), Some("noeviction"));
        assert_eq!(info.keyspace(99), None);
        assert_eq!(
            Info::parse("# Keyspace\ndb5:keys=10,expires=2,avg_ttl=0\n").keyspace(5),
            Some((10, 2))
        );
    }

    #[test]
    fn client_list_parses_recorded_reply() {
        let clients = parse_client_list(&read("fleet-client-list.txt"));
        let brpop = clients.iter().filter(|c| c.cmd == "brpop").count();
        let psub = clients.iter().filter(|c| c.psub > 0).count();
        // Three workers: one BRPOP consumer, one gossip and one mailbox subscriber each; one monitor.
        assert_eq!((brpop, psub), (3, 7));
        assert!(clients.iter().all(|c| c.ip() == "127.0.0.1" && c.db == 13));
        let stalled = parse_client_list(&read("trouble-client-list.txt"));
        assert_eq!(stalled.iter().map(|c| c.omem).max(), Some(3007568));
    }

    #[test]
    fn pubsub_limits_parse_in_bytes_and_units() {
        let snap = trouble();
        let l = snap.pubsub_limit().unwrap();
        assert_eq!(
            (l.hard_bytes, l.soft_bytes, l.soft_seconds),
            (4194304, 0, 0)
        );
        let l = parse_pubsub_limit("pubsub 32mb 8mb 60").unwrap();
        assert_eq!(l.hard_bytes, 32 * 1024 * 1024);
        assert_eq!(parse_pubsub_limit("normal 0 0 0"), None);
        assert_eq!(snap.maxmemory(), Some(8388608.0));
        assert_eq!(snap.maxmemory_policy(), Some("allkeys-lru"));
    }

    #[test]
    fn the_recorded_event_stream_names_three_heartbeating_workers() {
        let ev = fleet().events.unwrap();
        assert_eq!(ev.heartbeat_hosts.len(), 3, "{:?}", ev.heartbeat_hosts);
        assert_eq!(ev.messages, 9);
        assert_eq!(ev.by_type.get("worker.heartbeat"), Some(&9));
    }

    #[test]
    fn bucket_keys_follow_kombu() {
        assert_eq!(bucket_key("celery", 0), "celery");
        assert_eq!(bucket_key("celery", 3), "celery\x06\x163");
    }
}
