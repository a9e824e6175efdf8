//! The Redis side of a probe: Celery's remote control as kombu's Redis transport carries it
//! (kombu/transport/redis.py, kombu/pidbox.py; checked against Celery 5.7 workers with MONITOR).
//!
//! - A request is a PUBLISH of kombu's JSON envelope (the body base64) on the fanout channel
//!   `{global_keyprefix}/{db}.celery.pidbox` (`fanout_prefix` `/{db}.`; workers PSUBSCRIBE it).
//!   PUBLISH answers how many subscribers received it: every connected worker's pidbox
//!   connection, a stopped one included, which is how a silent worker is told from a gone one.
//! - Replies come through kombu's direct-exchange emulation: celtool binds its reply queue in the
//!   set `_kombu.binding.reply.celery.pidbox` (member `OID\x06\x16\x06\x16OID.reply.celery.pidbox`,
//!   and the binding's deadline in `_kombu.binding_deadlines`, as kombu's REFRESH_BINDING does, so
//!   a worker's sweep keeps the table); a worker SMEMBERS that set and LPUSHes its reply onto the
//!   list `OID.reply.celery.pidbox` (or a priority variant), which celtool pops with BRPOP.
//! - Afterwards celtool removes its binding, its lists and, when it added it and the table is
//!   gone, the deadline it added: the keys of the database are the same before and after.
//!
//! Every step is bounded by `--timeout` and by the run's deadline, except the clean-up, which
//! gets one step of its own even after the deadline so that nothing is left behind.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::Limits;
use super::model::{FleetSnapshot, VhostReport};
use super::protocol::{self, Request};
use super::{ProbeOptions, WorkerError};
use crate::redis::{RedisClient, RedisError};

/// kombu's separator of the fields of a binding and of a queue's priority lists.
pub const SEP: &str = "\x06\x16";
/// kombu's priority steps: the lists `Q`, `Q\x06\x163`, `Q\x06\x166`, `Q\x06\x169`.
const PRIORITY_STEPS: [u8; 4] = [0, 3, 6, 9];
/// How long kombu keeps a binding table of an expiring queue alive (MIN_BINDING_TTL, 1 h).
const BINDING_TTL_MS: u64 = 3_600_000;

/// Where the workers listen on Redis: the database's connection and kombu's key prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedisMailbox {
    /// `broker_transport_options['global_keyprefix']` of the app ("" without one).
    pub key_prefix: String,
}

impl RedisMailbox {
    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.key_prefix)
    }

    /// The fanout channels a request is published on: kombu's default (`fanout_prefix` on,
    /// `/{db}.celery.pidbox`), then the kombu 3 form without the prefix, asked only when nobody
    /// received the first.
    pub fn channels(&self, db: i64) -> [String; 2] {
        [
            self.key(&format!("/{db}.{}", protocol::MAILBOX_EXCHANGE)),
            self.key(protocol::MAILBOX_EXCHANGE),
        ]
    }

    /// The set that binds the workers' mailboxes to `celery.pidbox`.
    pub fn mailbox_bindings(&self) -> String {
        self.key(&format!("_kombu.binding.{}", protocol::MAILBOX_EXCHANGE))
    }

    fn reply_bindings(&self) -> String {
        self.key(&format!("_kombu.binding.{}", protocol::REPLY_EXCHANGE))
    }

    fn permanent_reply_bindings(&self) -> String {
        self.key(&format!(
            "_kombu.binding_permanent.{}",
            protocol::REPLY_EXCHANGE
        ))
    }

    fn deadlines(&self) -> String {
        self.key("_kombu.binding_deadlines")
    }

    /// The lists of a reply queue, in kombu's priority order.
    fn reply_lists(&self, queue: &str) -> Vec<String> {
        PRIORITY_STEPS
            .iter()
            .map(|p| match p {
                0 => self.key(queue),
                p => self.key(&format!("{queue}{SEP}{p}")),
            })
            .collect()
    }
}

/// The node of a member of `_kombu.binding.celery.pidbox` (`\x06\x16\x06\x16NODE.celery.pidbox`).
pub fn mailbox_node(member: &str) -> Option<&str> {
    let queue = member.rsplit(SEP).next()?;
    queue
        .strip_suffix(".celery.pidbox")
        .filter(|n| !n.is_empty())
}

/// kombu's envelope of a request on Redis, as a worker's `loads(payload)` reads it.
pub fn envelope(req: &Request, delivery_tag: &str) -> Value {
    json!({
        "body": base64::engine::general_purpose::STANDARD.encode(req.body()),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {"clock": req.clock(), "expires": req.expires()},
        "properties": {
            "delivery_mode": 2,
            "delivery_info": {"exchange": protocol::MAILBOX_EXCHANGE, "routing_key": ""},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": delivery_tag,
        },
    })
}

/// A reply's ticket and decoded body from kombu's envelope; None for anything else.
pub fn open_envelope(payload: &[u8]) -> Option<(String, Vec<u8>)> {
    let v: Value = serde_json::from_slice(payload).ok()?;
    let ticket = v.get("headers")?.get("ticket")?.as_str()?.to_string();
    let body = v.get("body")?.as_str()?;
    let base64 = v
        .get("properties")
        .and_then(|p| p.get("body_encoding"))
        .and_then(Value::as_str)
        == Some("base64");
    let body = match base64 {
        true => base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?,
        false => body.as_bytes().to_vec(),
    };
    Some((ticket, body))
}

/// kombu's REFRESH_BINDING, returning the deadline's score before (false: none) and after, so
/// that the clean-up can put it back.
const BIND: &str = r"
redis.call('SADD', KEYS[1], ARGV[1])
local before = redis.call('ZSCORE', KEYS[2], ARGV[2])
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[2], 'GT', ms + tonumber(ARGV[3]), ARGV[2])
return {before, redis.call('ZSCORE', KEYS[2], ARGV[2])}
";

/// Remove the binding and the lists; when the table is gone with it and nobody moved the
/// deadline since, put the deadline back as it was (removed when celtool added it), so that
/// another client's table keeps its own.
const UNBIND: &str = r"
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[7])
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 0
  and redis.call('ZSCORE', KEYS[3], ARGV[2]) == ARGV[4] then
  if ARGV[3] == '' then
    redis.call('ZREM', KEYS[3], ARGV[2])
  else
    redis.call('ZADD', KEYS[3], 'XX', ARGV[3], ARGV[2])
  end
end
return 1
";

/// One probe on one Redis database.
struct Probe<'a> {
    client: &'a RedisClient,
    mailbox: &'a RedisMailbox,
    limits: Limits,
    oid: String,
    queue: String,
    /// The channel that reached workers (the first of [`RedisMailbox::channels`] by default).
    channel: Option<String>,
    /// The most subscribers one request reached.
    receivers: u64,
}

impl Probe<'_> {
    fn err(&self, what: &str, cause: impl std::fmt::Display) -> WorkerError {
        WorkerError::Redis {
            server: self.client.target.to_string(),
            what: what.to_string(),
            cause: cause.to_string(),
        }
    }

    /// One command within its step and the run's deadline.
    async fn step<T: redis::FromRedisValue>(
        &self,
        what: &str,
        cmd: &redis::Cmd,
    ) -> Result<T, WorkerError> {
        let (at, why, _) = self.limits.until(self.limits.step);
        match tokio::time::timeout_at(at, self.client.query::<T>(what, cmd)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(WorkerError::from(e)),
            Err(_) => Err(self.err(what, why)),
        }
    }

    async fn publish(&mut self, req: &Request) -> Result<(), WorkerError> {
        let payload = envelope(req, &protocol::new_id()).to_string();
        let db = self.client.target.db;
        let channels = match &self.channel {
            Some(c) => vec![c.clone()],
            None => self.mailbox.channels(db).to_vec(),
        };
        for channel in channels {
            let cmd = redis::cmd("PUBLISH").arg(&channel).arg(&payload).clone();
            let reached: u64 = self
                .step("PUBLISH a request to celery.pidbox", &cmd)
                .await?;
            if reached > 0 || self.channel.is_some() {
                self.receivers = self.receivers.max(reached);
                self.channel = Some(channel);
                break;
            }
        }
        Ok(())
    }
}

impl super::rounds::Transport for Probe<'_> {
    fn oid(&self) -> &str {
        &self.oid
    }

    fn limits(&self) -> &Limits {
        &self.limits
    }

    async fn send(&mut self, req: &Request) -> Result<(), WorkerError> {
        self.publish(req).await
    }

    /// Nobody subscribed received the requests: no reply can come.
    fn reached(&self) -> bool {
        self.receivers > 0
    }

    /// Pop a reply from the reply lists; anything but kombu's envelope is nothing.
    async fn receive(
        &mut self,
        deadline: Instant,
    ) -> Result<Option<(String, Vec<u8>)>, WorkerError> {
        // BRPOP waits in whole steps of at most 1 s, well inside the connection's own
        // response timeout; a shorter wait than 10 ms is a poll.
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_secs(1))
            .max(Duration::from_millis(10));
        let cmd = redis::cmd("BRPOP")
            .arg(self.mailbox.reply_lists(&self.queue))
            .arg(format!("{:.3}", wait.as_secs_f64()))
            .clone();
        let popped: Option<(Vec<u8>, Vec<u8>)> = self.step("BRPOP the reply list", &cmd).await?;
        Ok(popped.and_then(|(_, payload)| open_envelope(&payload)))
    }

    fn cut_short(&self, why: String) -> WorkerError {
        self.err("wait for the replies", why)
    }
}

/// Ask the workers of the database `client` is connected to. `known` are the nodes whose
/// mailbox binding exists (they get a second ping when silent). The report's `vhost` is `dbN`,
/// its `db` N.
pub async fn probe(
    client: &RedisClient,
    mailbox: &RedisMailbox,
    known: &[String],
    opts: &ProbeOptions,
) -> Result<FleetSnapshot, WorkerError> {
    let oid = protocol::new_id();
    let mut p = Probe {
        client,
        mailbox,
        limits: Limits::new(opts),
        queue: protocol::reply_queue(&oid),
        oid,
        channel: None,
        receivers: 0,
    };
    let member = format!("{}{SEP}{SEP}{}", p.oid, p.queue);
    let bind = redis::cmd("EVAL")
        .arg(BIND)
        .arg(2)
        .arg(mailbox.reply_bindings())
        .arg(mailbox.deadlines())
        .arg(&member)
        .arg(protocol::REPLY_EXCHANGE)
        .arg(BINDING_TTL_MS)
        .clone();
    let (before, after): (Option<String>, Option<String>) =
        p.step("bind the reply queue", &bind).await?;
    let vhost = format!("db{}", client.target.db);
    // Every live worker's mailbox binding is in the set (stale ones too): the known nodes are
    // all the request can reach.
    let asked = super::rounds::ask(&mut p, known, true, &vhost, opts).await;
    // The clean-up runs even when the probe failed or the deadline passed: one step of its own.
    let mut unbind = redis::cmd("EVAL");
    unbind.arg(UNBIND).arg(7);
    unbind
        .arg(mailbox.reply_bindings())
        .arg(mailbox.permanent_reply_bindings())
        .arg(mailbox.deadlines())
        .arg(mailbox.reply_lists(&p.queue));
    unbind
        .arg(&member)
        .arg(protocol::REPLY_EXCHANGE)
        .arg(before.unwrap_or_default())
        .arg(after.unwrap_or_default());
    let cleaned = tokio::time::timeout(
        opts.step_timeout,
        client.query::<u64>("remove the reply queue", &unbind),
    )
    .await;
    let (workers, silent) = asked?;
    if let Ok(Err(e)) = cleaned {
        return Err(WorkerError::from(e));
    }
    let report = VhostReport {
        vhost,
        mailbox_exchange: p.receivers > 0 || !known.is_empty(),
        silent,
        receivers: Some(p.receivers),
        workers,
        db: Some(client.target.db),
        ..VhostReport::default()
    };
    Ok(FleetSnapshot {
        vhosts: vec![report],
        timeout_ms: opts.timeout.as_millis() as u64,
    })
}

/// The nodes whose mailbox is bound to `celery.pidbox` (a killed worker's binding stays until
/// kombu's sweep removes it, up to an hour later: these are candidates, not proof of life).
pub async fn known_nodes(
    client: &RedisClient,
    mailbox: &RedisMailbox,
) -> Result<Vec<String>, RedisError> {
    let members: Vec<Vec<u8>> = client
        .query(
            "SMEMBERS _kombu.binding.celery.pidbox",
            redis::cmd("SMEMBERS").arg(mailbox.mailbox_bindings()),
        )
        .await?;
    let mut nodes: Vec<String> = members
        .iter()
        .filter_map(|m| std::str::from_utf8(m).ok())
        .filter_map(mailbox_node)
        .map(str::to_string)
        .collect();
    nodes.sort();
    nodes.dedup();
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::{Method, Target};

    #[test]
    fn channels_and_keys_follow_kombu() {
        let m = RedisMailbox::default();
        assert_eq!(m.channels(3), ["/3.celery.pidbox", "celery.pidbox"]);
        assert_eq!(m.mailbox_bindings(), "_kombu.binding.celery.pidbox");
        assert_eq!(
            m.reply_lists("o.reply.celery.pidbox"),
            [
                "o.reply.celery.pidbox",
                "o.reply.celery.pidbox\x06\x163",
                "o.reply.celery.pidbox\x06\x166",
                "o.reply.celery.pidbox\x06\x169"
            ]
        );
        let p = RedisMailbox {
            key_prefix: "app1:".into(),
        };
        assert_eq!(p.channels(0)[0], "app1:/0.celery.pidbox");
        assert_eq!(p.deadlines(), "app1:_kombu.binding_deadlines");
        assert_eq!(
            p.permanent_reply_bindings(),
            "app1:_kombu.binding_permanent.reply.celery.pidbox"
        );
    }

    #[test]
    fn a_mailbox_binding_names_its_node() {
        assert_eq!(
            mailbox_node("\x06\x16\x06\x16w1@h.celery.pidbox"),
            Some("w1@h")
        );
        assert_eq!(mailbox_node("\x06\x16\x06\x16celery"), None);
        assert_eq!(mailbox_node("\x06\x16\x06\x16.celery.pidbox"), None);
    }

    #[test]
    fn the_envelope_round_trips_as_kombu_writes_it() {
        let req = Request::new(Method::Ping, &Target::All, "oid", 100.0, 1.0);
        let env = envelope(&req, "tag");
        assert_eq!(env["properties"]["body_encoding"], "base64");
        assert_eq!(env["headers"]["expires"], 101.0);
        let body = base64::engine::general_purpose::STANDARD
            .decode(env["body"].as_str().unwrap())
            .unwrap();
        assert_eq!(body, req.body());
        // A worker's reply, as captured with MONITOR from Celery 5.7.
        let reply = br#"{"body": "eyJ3MUByYyI6IHsib2siOiAicG9uZyJ9fQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"ticket": "e2b5d3ce", "clock": 3}, "properties": {"delivery_mode": 1, "delivery_info": {"exchange": "reply.celery.pidbox", "routing_key": "3e13"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "1aa5"}}"#;
        let (ticket, body) = open_envelope(reply).unwrap();
        assert_eq!(ticket, "e2b5d3ce");
        assert_eq!(body, br#"{"w1@rc": {"ok": "pong"}}"#);
        assert_eq!(open_envelope(b"junk"), None);
    }
}
