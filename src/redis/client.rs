//! The Redis connection: connect with a timeout, run one command or a pipeline, and turn the
//! redis crate's errors into one-line errors that name the server (never a password).

use std::time::Duration;

use redis::aio::MultiplexedConnection;

use super::Target;
use crate::settings::Secret;

/// Why talking to Redis failed. The server is shown without credentials.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RedisError {
    #[error("{server}: cannot connect: {cause}; check that Redis runs there and --url is right")]
    Unreachable { server: String, cause: String },
    #[error(
        "{server}: authentication failed ({cause}); give the password in CELTOOL_PASSWORD or a profile's password_file, and the user in the URL (redis://USER@host)"
    )]
    Auth { server: String, cause: String },
    #[error("{server}: {what}: {cause}")]
    Command {
        server: String,
        what: String,
        cause: String,
    },
    #[error("{server}: {what}: no answer within {secs} s; raise --timeout")]
    Timeout {
        server: String,
        what: String,
        secs: u64,
    },
    #[error(
        "no Sentinel knows a master named '{name}' (asked {sentinels}); give the name they monitor (SENTINEL MASTERS lists them) with --sentinel-master, CELTOOL_SENTINEL_MASTER or the profile's sentinel_master"
    )]
    NoMaster { name: String, sentinels: String },
    #[error(
        "{server}: the run's deadline of {secs} s passed before the reads were done; raise --deadline"
    )]
    Deadline { server: String, secs: u64 },
    #[error(
        "cannot use the CA file {path}: {why}; give a PEM file of the CA that signed the Redis server's certificate (--ca-file, CELTOOL_CA_FILE or the profile's ca_file)"
    )]
    CaFile { path: String, why: String },
    /// A certificate rustls refused, in words (untrusted CA, self-signed, wrong name, expired).
    #[error("{server}: {what}")]
    Tls { server: String, what: String },
    /// The master the Sentinels named could not be read; what they said is kept, so that a
    /// failover in progress is still reported.
    #[error("{error}")]
    Master {
        error: Box<RedisError>,
        sentinel: Box<super::sentinel::SentinelSnapshot>,
    },
}

impl RedisError {
    pub fn is_auth(&self) -> bool {
        match self {
            RedisError::Master { error, .. } => error.is_auth(),
            e => matches!(e, RedisError::Auth { .. }),
        }
    }

    /// What the Sentinels said, when the master they named could not be read.
    pub fn sentinel(&self) -> Option<&super::sentinel::SentinelSnapshot> {
        match self {
            RedisError::Master { sentinel, .. } => Some(sentinel),
            _ => None,
        }
    }
}

fn is_auth_error(e: &redis::RedisError) -> bool {
    let text = e.to_string();
    e.kind() == redis::ErrorKind::AuthenticationFailed
        || ["WRONGPASS", "NOAUTH", "NOPERM"]
            .iter()
            .any(|c| e.code() == Some(c) || text.contains(c))
}

/// One connection to one database, with the timeout applied to every command.
/// The client for `target` (no I/O yet): for rediss:// with `ca_file`, trusting the
/// certificates of that PEM file instead of the system's roots.
fn open(
    target: &Target,
    password: Option<&Secret>,
    ca_file: Option<&std::path::Path>,
) -> Result<redis::Client, RedisError> {
    let info = target.connection_info(password);
    let opened = match ca_file.filter(|_| target.tls) {
        Some(path) => {
            let shown = crate::text::sanitize(&path.display().to_string());
            let pem = std::fs::read(path).map_err(|e| RedisError::CaFile {
                path: shown.clone(),
                why: e.to_string(),
            })?;
            if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(RedisError::CaFile {
                    path: shown,
                    why: "no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)".into(),
                });
            }
            redis::Client::build_with_tls(
                info,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                },
            )
        }
        None => redis::Client::open(info),
    };
    opened.map_err(|e| RedisError::Unreachable {
        server: target.to_string(),
        cause: one_line(&e),
    })
}

#[derive(Clone)]
pub struct RedisClient {
    pub target: Target,
    client: redis::Client,
    con: MultiplexedConnection,
    pub timeout: Duration,
    /// Bytes of the replies read so far (RESP framing included), shared by the clones: what the
    /// rate sample takes off the server's output as celtool's own.
    received: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RedisClient {
    /// Connect and authenticate. `password` None or empty: no AUTH. `ca_file`: for rediss://,
    /// trust the certificates of this PEM file instead of the system's roots (as `redis-cli
    /// --cacert` does).
    pub async fn connect(
        target: &Target,
        password: Option<&Secret>,
        timeout: Duration,
        ca_file: Option<&std::path::Path>,
    ) -> Result<RedisClient, RedisError> {
        // rustls needs a process-wide crypto provider; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let server = target.to_string();
        let client = open(target, password, ca_file)?;
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let con = match tokio::time::timeout(
            timeout + Duration::from_secs(1),
            client.get_multiplexed_async_connection_with_config(&config),
        )
        .await
        {
            Ok(Ok(con)) => con,
            Ok(Err(e)) if is_auth_error(&e) => {
                return Err(RedisError::Auth {
                    server,
                    cause: one_line(&e),
                });
            }
            Ok(Err(e)) => {
                let cause = one_line(&e);
                return Err(match crate::rabbitmq::tls::certificate_problem(&cause) {
                    Some(what) => RedisError::Tls { server, what },
                    None => RedisError::Unreachable { server, cause },
                });
            }
            Err(_) => {
                return Err(RedisError::Timeout {
                    server,
                    what: "connect".into(),
                    secs: timeout.as_secs(),
                });
            }
        };
        let client = RedisClient {
            target: target.clone(),
            client,
            con,
            timeout,
            received: Default::default(),
        };
        // Without a password the handshake succeeds and every command fails NOAUTH: ask once.
        // MISCONF (a failed RDB save) refuses even PING, yet the server answers reads: go on,
        // and let the persistence check report it.
        match client.query::<String>("PING", &redis::cmd("PING")).await {
            Err(RedisError::Command { cause, .. }) if cause.contains("MISCONF") => Ok(client),
            Err(e) => Err(e),
            Ok(_) => Ok(client),
        }
    }

    fn err(&self, what: &str, e: redis::RedisError) -> RedisError {
        let server = self.target.to_string();
        if e.is_timeout() {
            RedisError::Timeout {
                server,
                what: what.to_string(),
                secs: self.timeout.as_secs(),
            }
        } else if is_auth_error(&e) {
            RedisError::Auth {
                server,
                cause: one_line(&e),
            }
        } else {
            RedisError::Command {
                server,
                what: what.to_string(),
                cause: one_line(&e),
            }
        }
    }

    /// Run one command; `what` names it in errors (`INFO`, `CONFIG GET maxmemory`).
    pub async fn query<T: redis::FromRedisValue>(
        &self,
        what: &str,
        cmd: &redis::Cmd,
    ) -> Result<T, RedisError> {
        let mut con = self.con.clone();
        let value: redis::Value = cmd
            .query_async(&mut con)
            .await
            .map_err(|e| self.err(what, e))?;
        self.convert(what, value)
    }

    /// Run a pipeline; one reply per command.
    pub async fn pipe<T: redis::FromRedisValue>(
        &self,
        what: &str,
        pipe: &redis::Pipeline,
    ) -> Result<T, RedisError> {
        let mut con = self.con.clone();
        let value: redis::Value = pipe
            .query_async(&mut con)
            .await
            .map_err(|e| self.err(what, e))?;
        self.convert(what, value)
    }

    /// Count a reply's bytes, then turn it into `T`.
    fn convert<T: redis::FromRedisValue>(
        &self,
        what: &str,
        value: redis::Value,
    ) -> Result<T, RedisError> {
        self.received
            .fetch_add(resp_len(&value), std::sync::atomic::Ordering::Relaxed);
        redis::from_redis_value(value).map_err(|e| self.err(what, e.into()))
    }

    /// Bytes of the replies this client (and its clones) read so far.
    pub fn received_bytes(&self) -> u64 {
        self.received.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A separate connection for a pattern subscription.
    pub async fn pubsub(&self) -> Result<redis::aio::PubSub, RedisError> {
        match tokio::time::timeout(self.timeout, self.client.get_async_pubsub()).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(e)) => Err(self.err("PSUBSCRIBE connection", e)),
            Err(_) => Err(RedisError::Timeout {
                server: self.target.to_string(),
                what: "PSUBSCRIBE connection".into(),
                secs: self.timeout.as_secs(),
            }),
        }
    }
}

/// The bytes of a reply on the wire in RESP2 (what the server counts in
/// total_net_output_bytes); RESP3-only types are counted as their RESP2 form.
fn resp_len(v: &redis::Value) -> u64 {
    use redis::Value as V;
    let head = |n: usize| 3 + n.to_string().len() as u64;
    match v {
        V::Nil => 5,
        V::Int(n) => 3 + n.to_string().len() as u64,
        V::BulkString(b) => head(b.len()) + b.len() as u64 + 2,
        V::Array(items) | V::Set(items) => {
            head(items.len()) + items.iter().map(resp_len).sum::<u64>()
        }
        V::Map(pairs) => {
            head(pairs.len() * 2)
                + pairs
                    .iter()
                    .map(|(k, v)| resp_len(k) + resp_len(v))
                    .sum::<u64>()
        }
        V::SimpleString(s) => 3 + s.len() as u64,
        V::Okay => 5,
        V::VerbatimString { text, .. } => head(text.len()) + text.len() as u64 + 2,
        other => 3 + format!("{other:?}").len() as u64,
    }
}

/// The redis crate's message, on one line.
fn one_line(e: &redis::RedisError) -> String {
    let text = e.to_string();
    crate::text::sanitize(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}
