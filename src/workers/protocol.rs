//! Celery's remote-control (pidbox) messages, as kombu/pidbox.py and celery/app/control.py
//! build and read them: pure data, no I/O. The only requests that can be built are the
//! read-only methods of [`Method`].

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

/// Celery's default control exchange (`control_exchange = "celery"`), fanout, non-durable.
pub const MAILBOX_EXCHANGE: &str = "celery.pidbox";
/// Where workers publish their replies: a direct exchange, routed by the client's OID.
pub const REPLY_EXCHANGE: &str = "reply.celery.pidbox";
/// The reply queue's expiry (`control_queue_expires`, 10 s in Celery): if celtool dies before
/// deleting it, the broker drops it 10 s after the connection is gone.
pub const REPLY_QUEUE_EXPIRES_MS: i64 = 10_000;
/// Message TTL of the reply queue (`control_queue_ttl`, 300 s in Celery).
pub const REPLY_QUEUE_TTL_MS: i64 = 300_000;

/// The remote-control methods celtool may send. Every one is an inspect command of
/// celery/worker/control.py that only reads the worker's state. There is deliberately no variant
/// (and no constructor from a string) for revoke, shutdown, pool_restart, rate_limit, autoscale
/// or any other control command: the type makes them impossible to send.
///
/// ```compile_fail
/// let _ = celtool::workers::protocol::Method::Revoke;
/// ```
/// ```compile_fail
/// let _ = celtool::workers::protocol::Method::from("shutdown");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Ping,
    Stats,
    /// The worker's configuration, with Celery's defaults (`with_defaults=True`), so that a
    /// setting left at its default is seen with its effective value.
    Conf,
    ActiveQueues,
    Active,
    Reserved,
    Scheduled,
    /// The worker's bug report: software versions, platform and settings (censored by Celery).
    Report,
}

impl Method {
    /// Every method, for the allow-list test and for probes that ask for everything.
    pub const ALL: [Method; 8] = [
        Method::Ping,
        Method::Stats,
        Method::Conf,
        Method::ActiveQueues,
        Method::Active,
        Method::Reserved,
        Method::Scheduled,
        Method::Report,
    ];

    /// The method name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Method::Ping => "ping",
            Method::Stats => "stats",
            Method::Conf => "conf",
            Method::ActiveQueues => "active_queues",
            Method::Active => "active",
            Method::Reserved => "reserved",
            Method::Scheduled => "scheduled",
            Method::Report => "report",
        }
    }

    /// The keyword arguments, as `celery inspect` sends them.
    fn arguments(self) -> Value {
        match self {
            Method::Conf => json!({"with_defaults": true}),
            Method::Active => json!({"safe": null}),
            _ => json!({}),
        }
    }
}

/// How kombu matches a node name against a pattern (kombu/matcher.py).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matcher {
    /// fnmatch-style: `w*@host-?`
    Glob,
    /// A Perl-compatible regular expression, matched at the start of the name (`re.match`).
    Pcre,
}

impl Matcher {
    pub fn name(self) -> &'static str {
        match self {
            Matcher::Glob => "glob",
            Matcher::Pcre => "pcre",
        }
    }
}

/// Which workers a request is for: a worker checks `destination` first, then pattern+matcher,
/// and otherwise answers every request (kombu Node.handle_message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    All,
    Nodes(Vec<String>),
    Pattern { pattern: String, matcher: Matcher },
}

static CLOCK: AtomicU64 = AtomicU64::new(0);

/// The client's Lamport clock, forwarded for each message as kombu's LamportClock.forward().
pub fn forward_clock() -> u64 {
    CLOCK.fetch_add(1, Ordering::Relaxed) + 1
}

/// A new ticket or OID: a uuid4 string, as kombu makes them.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The name of the reply queue for an OID: `OID.reply.celery.pidbox`.
pub fn reply_queue(oid: &str) -> String {
    format!("{oid}.{REPLY_EXCHANGE}")
}

/// One request, ready to publish to [`MAILBOX_EXCHANGE`]. Built only by [`Request::new`], from a
/// [`Method`]; its fields are private so nothing else can be put on the wire.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    ticket: String,
    body: Vec<u8>,
    clock: u64,
    expires: f64,
}

impl Request {
    /// A request that asks `target` for `method` and has the replies sent to the queue bound
    /// with routing key `oid` on [`REPLY_EXCHANGE`]; `now` and `timeout` give the `expires` header
    /// (epoch seconds), as kombu's `_publish` does.
    pub fn new(method: Method, target: &Target, oid: &str, now_epoch: f64, timeout: f64) -> Self {
        let ticket = new_id();
        let (destination, pattern, matcher) = match target {
            Target::All => (Value::Null, Value::Null, Value::Null),
            Target::Nodes(nodes) => (json!(nodes), Value::Null, Value::Null),
            Target::Pattern { pattern, matcher } => {
                (Value::Null, json!(pattern), json!(matcher.name()))
            }
        };
        let body = json!({
            "method": method.name(),
            "arguments": method.arguments(),
            "destination": destination,
            "pattern": pattern,
            "matcher": matcher,
            "ticket": ticket,
            "reply_to": {"exchange": REPLY_EXCHANGE, "routing_key": oid},
        });
        Request {
            method,
            ticket,
            body: serde_json::to_vec(&body).unwrap_or_default(),
            clock: forward_clock(),
            expires: now_epoch + timeout,
        }
    }

    pub fn method(&self) -> Method {
        self.method
    }
    pub fn ticket(&self) -> &str {
        &self.ticket
    }
    /// The JSON body (content type application/json, utf-8).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// The `clock` header.
    pub fn clock(&self) -> u64 {
        self.clock
    }
    /// The `expires` header, in epoch seconds.
    pub fn expires(&self) -> f64 {
        self.expires
    }
}

/// Decode one reply body `{hostname: result}` (kombu's `_publish_reply` sends one node per
/// message). Python's json writes `Infinity` and `NaN` (conf has `result_backend_max_retries:
/// Infinity`); those become null. A body that is not a JSON object yields nothing.
pub fn decode_reply(body: &[u8]) -> Vec<(String, Value)> {
    let parsed = serde_json::from_slice::<Value>(body).or_else(|_| {
        let text = String::from_utf8_lossy(body);
        serde_json::from_str::<Value>(&python_constants_to_null(&text))
    });
    match parsed {
        Ok(Value::Object(map)) => map.into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Replace the bare tokens `NaN`, `Infinity` and `-Infinity` outside strings with `null`.
fn python_constants_to_null(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if let Some(token) = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t))
        {
            out.push_str("null");
            rest = &rest[token.len()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Request) -> Value {
        serde_json::from_slice(r.body()).unwrap()
    }

    /// The allow-list: every method celtool can express is a read-only inspect command, and none
    /// of Celery's control commands with side effects can be named. Adding a variant makes this
    /// `match` fail to compile until it is reviewed here.
    #[test]
    fn only_read_only_methods_can_be_expressed() {
        const READ_ONLY: &[&str] = &[
            "ping",
            "stats",
            "conf",
            "active_queues",
            "active",
            "reserved",
            "scheduled",
            "report",
        ];
        const FORBIDDEN: &[&str] = &[
            "revoke",
            "revoke_by_stamped_headers",
            "terminate",
            "shutdown",
            "pool_restart",
            "pool_grow",
            "pool_shrink",
            "rate_limit",
            "time_limit",
            "autoscale",
            "add_consumer",
            "cancel_consumer",
            "enable_events",
            "disable_events",
            "election",
            "heartbeat",
            "memdump",
            "objgraph",
        ];
        for m in Method::ALL {
            match m {
                Method::Ping
                | Method::Stats
                | Method::Conf
                | Method::ActiveQueues
                | Method::Active
                | Method::Reserved
                | Method::Scheduled
                | Method::Report => {}
            }
            assert!(
                READ_ONLY.contains(&m.name()),
                "{} is not read-only",
                m.name()
            );
            assert!(
                !FORBIDDEN.contains(&m.name()),
                "{} has side effects",
                m.name()
            );
            let r = Request::new(m, &Target::All, "oid", 0.0, 1.0);
            assert_eq!(body(&r)["method"], m.name());
        }
    }

    #[test]
    fn a_request_is_what_kombu_publishes() {
        let r = Request::new(
            Method::Conf,
            &Target::Nodes(vec!["w1@h".into()]),
            "the-oid",
            1000.0,
            1.5,
        );
        let b = body(&r);
        assert_eq!(b["method"], "conf");
        assert_eq!(b["arguments"], json!({"with_defaults": true}));
        assert_eq!(b["destination"], json!(["w1@h"]));
        assert_eq!(b["pattern"], Value::Null);
        assert_eq!(b["matcher"], Value::Null);
        assert_eq!(b["ticket"], r.ticket());
        assert_eq!(
            b["reply_to"],
            json!({"exchange": "reply.celery.pidbox", "routing_key": "the-oid"})
        );
        assert_eq!(r.expires(), 1001.5);
        assert!(r.clock() >= 1);
        let p = Request::new(
            Method::Ping,
            &Target::Pattern {
                pattern: "w*".into(),
                matcher: Matcher::Glob,
            },
            "o",
            0.0,
            1.0,
        );
        let b = body(&p);
        assert_eq!(
            (b["pattern"].clone(), b["matcher"].clone()),
            (json!("w*"), json!("glob"))
        );
        assert_eq!(b["destination"], Value::Null);
        assert_ne!(p.ticket(), r.ticket());
        assert!(p.clock() > r.clock());
    }

    #[test]
    fn replies_decode_by_node_and_junk_decodes_as_nothing() {
        assert_eq!(
            decode_reply(br#"{"w1@h": {"ok": "pong"}}"#),
            vec![("w1@h".to_string(), json!({"ok": "pong"}))]
        );
        assert!(decode_reply(b"[1]").is_empty());
        assert_eq!(
            decode_reply(
                br#"{"w": {"a": Infinity, "b": -Infinity, "c": NaN, "d": "NaN \" Infinity"}}"#
            ),
            vec![(
                "w".to_string(),
                json!({"a": null, "b": null, "c": null, "d": "NaN \" Infinity"})
            )]
        );
        assert!(decode_reply(b"\xff").is_empty());
        assert_eq!(reply_queue("x"), "x.reply.celery.pidbox");
    }
}
