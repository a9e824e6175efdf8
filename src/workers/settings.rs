//! Where the AMQP remote-control client connects, and to which vhosts: pure functions over the
//! management settings and the broker snapshot.

use std::fmt;

use percent_encoding::percent_decode_str;
use reqwest::Url;

use super::WorkerError;
use crate::broker::celery;
use crate::broker::gather::Snapshot;
use crate::settings::Secret;

/// Where and as whom the AMQP client connects. Debug and Display never show the password.
#[derive(Clone)]
pub struct AmqpEndpoint {
    pub host: String,
    pub port: u16,
    /// TLS with rustls and the platform's trust store, like the management client over https.
    pub tls: bool,
    pub user: String,
    pub password: Secret,
    /// The vhost named in an explicit AMQP URL's path, if any.
    pub vhost: Option<String>,
    /// PEM certificates to trust besides the platform's (`--ca-file`), for amqps.
    pub ca_file: Option<std::path::PathBuf>,
}

impl fmt::Display for AmqpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "amqps" } else { "amqp" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{scheme}://{}@{host}:{}", self.user, self.port)
    }
}

impl fmt::Debug for AmqpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmqpEndpoint")
            .field("url", &self.to_string())
            .field("password", &self.password)
            .field("vhost", &self.vhost)
            .finish()
    }
}

/// The AMQP endpoint: an explicit `amqp://` / `amqps://` URL when given (host, port, vhost from
/// it; never credentials), else the management URL's host on 5672 (5671 with TLS when the
/// management URL is https). The user and password are the management ones.
pub fn amqp_endpoint(
    mgmt_url: &Url,
    user: &str,
    password: &Secret,
    amqp_url: Option<&str>,
) -> Result<AmqpEndpoint, WorkerError> {
    let Some(text) = amqp_url else {
        let tls = mgmt_url.scheme() == "https";
        return Ok(AmqpEndpoint {
            host: host_of(mgmt_url).unwrap_or_else(|| "localhost".into()),
            port: if tls { 5671 } else { 5672 },
            tls,
            user: user.to_string(),
            password: password.clone(),
            vhost: None,
            ca_file: None,
        });
    };
    let bad =
        |why: &str| WorkerError::Settings(format!("invalid AMQP URL '{}': {why}", redact(text)));
    let url = Url::parse(text).map_err(|e| bad(&format!("{e}; expected like amqp://host:5672")))?;
    let tls = match url.scheme() {
        "amqp" => false,
        "amqps" => true,
        _ => return Err(bad("the scheme must be amqp or amqps")),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "do not put credentials in the URL; the management user and password (--user, CELTOOL_PASSWORD or password_file) are used",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("the URL must not have a query or fragment"));
    }
    let host = host_of(&url).ok_or_else(|| bad("no host"))?;
    let path = url.path().strip_prefix('/').unwrap_or(url.path());
    let vhost =
        (!path.is_empty()).then(|| percent_decode_str(path).decode_utf8_lossy().into_owned());
    Ok(AmqpEndpoint {
        host,
        port: url.port().unwrap_or(if tls { 5671 } else { 5672 }),
        tls,
        user: user.to_string(),
        password: password.clone(),
        vhost,
        ca_file: None,
    })
}

fn host_of(url: &Url) -> Option<String> {
    let h = url.host_str()?;
    Some(h.trim_start_matches('[').trim_end_matches(']').to_string())
}

fn redact(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &text[..s + 3], &text[at..]),
        _ => text.to_string(),
    }
}

/// One vhost to probe and the worker mailboxes the broker shows there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VhostPlan {
    pub vhost: String,
    /// Node names of the `NODE.celery.pidbox` mailboxes that have a consumer: the workers that
    /// should answer. Those that do not get a second ping.
    pub known_nodes: Vec<String>,
}

/// The vhosts where Celery is seen in the snapshot (a worker mailbox `*.celery.pidbox`, or the
/// `celery.pidbox` / `celeryev` exchange), or just `explicit` when given. Sorted by name.
pub fn discover_vhosts(snap: &Snapshot, explicit: Option<&str>) -> Vec<VhostPlan> {
    let mut vhosts: Vec<String> = match explicit {
        Some(v) => vec![v.to_string()],
        None => {
            let mut v: Vec<String> = snap
                .queues
                .iter()
                .filter(|q| celery::mailbox_node(q.name()).is_some())
                .map(|q| q.vhost().to_string())
                .chain(
                    snap.exchanges
                        .iter()
                        .filter(|e| matches!(e.name(), "celery.pidbox" | "celeryev"))
                        .map(|e| e.vhost.clone().unwrap_or_else(|| "/".into())),
                )
                .collect();
            v.sort();
            v.dedup();
            v
        }
    };
    vhosts.dedup();
    vhosts
        .into_iter()
        .map(|vhost| {
            // The queue's consumer count lags by a statistics interval; the consumer list does
            // not, so either one makes the mailbox's node known.
            let mut known_nodes: Vec<String> = snap
                .queues
                .iter()
                .filter(|q| q.vhost() == vhost && q.consumers() > 0.0)
                .map(|q| q.name().to_string())
                .chain(
                    snap.consumers
                        .iter()
                        .filter_map(|c| c.queue_key())
                        .filter(|(v, _)| *v == vhost)
                        .map(|(_, q)| q),
                )
                .filter_map(|q| celery::mailbox_node(&q).map(str::to_string))
                .collect();
            known_nodes.sort();
            known_nodes.dedup();
            VhostPlan { vhost, known_nodes }
        })
        .collect()
}

/// `expect_workers` in a profile: a count (`expect_workers = 4`) or node name globs that must
/// each match an answering worker (`expect_workers = ["web@*", "mail@*"]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum ExpectWorkers {
    Count(usize),
    Nodes(Vec<String>),
}

/// How many workers, or which, should answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    pub count: Option<usize>,
    /// Globs (`*`, `?`, `[..]`) on node names, as kombu's glob matcher.
    pub patterns: Vec<String>,
}

impl From<&ExpectWorkers> for Expect {
    fn from(e: &ExpectWorkers) -> Self {
        match e {
            ExpectWorkers::Count(n) => Expect {
                count: Some(*n),
                patterns: Vec::new(),
            },
            ExpectWorkers::Nodes(p) => Expect {
                count: None,
                patterns: p.clone(),
            },
        }
    }
}

/// A node-name glob as kombu's `glob` matcher (fnmatch): `*` also matches `@` and `.`. An invalid
/// glob matches only itself.
pub fn glob_matches(pattern: &str, node: &str) -> bool {
    match globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .build()
    {
        Ok(g) => g.compile_matcher().is_match(node),
        Err(_) => pattern == node,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::model::{Exchange, Queue};

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }
    fn pw() -> Secret {
        Secret::new("hunter2".into())
    }

    #[test]
    fn defaults_follow_the_management_url() {
        let e = amqp_endpoint(&url("http://rabbit.example:15672"), "mon", &pw(), None).unwrap();
        assert_eq!(e.to_string(), "amqp://mon@rabbit.example:5672");
        assert!(!e.tls);
        let e = amqp_endpoint(
            &url("https://rabbit.example:15671/prefix"),
            "mon",
            &pw(),
            None,
        )
        .unwrap();
        assert_eq!((e.port, e.tls), (5671, true));
        let e = amqp_endpoint(&url("http://[::1]:15672"), "mon", &pw(), None).unwrap();
        assert_eq!(e.to_string(), "amqp://mon@[::1]:5672");
    }

    #[test]
    fn an_explicit_url_overrides_host_port_tls_and_vhost() {
        let m = url("http://localhost:15672");
        let e = amqp_endpoint(&m, "u", &pw(), Some("amqps://mq.internal")).unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.tls),
            ("mq.internal", 5671, true)
        );
        assert_eq!(e.vhost, None);
        let e = amqp_endpoint(&m, "u", &pw(), Some("amqp://mq:5673/jobs%2Fa")).unwrap();
        assert_eq!((e.port, e.vhost.as_deref()), (5673, Some("jobs/a")));
        let e = amqp_endpoint(&m, "u", &pw(), Some("amqp://mq/%2F")).unwrap();
        assert_eq!(e.vhost.as_deref(), Some("/"));
        assert!(amqp_endpoint(&m, "u", &pw(), Some("http://mq")).is_err());
        assert!(amqp_endpoint(&m, "u", &pw(), Some("mq:5672")).is_err());
    }

    #[test]
    fn the_password_never_shows() {
        let m = url("http://localhost:15672");
        let e = amqp_endpoint(&m, "u", &pw(), None).unwrap();
        assert!(!format!("{e} {e:?}").contains("hunter2"));
        let err = amqp_endpoint(&m, "u", &pw(), Some("amqp://u:hunter2@mq"))
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("hunter2") && err.contains("credentials"),
            "{err}"
        );
    }

    fn queue(vhost: &str, name: &str, consumers: u32) -> Queue {
        serde_json::from_value(
            serde_json::json!({"name": name, "vhost": vhost, "consumers": consumers}),
        )
        .unwrap()
    }

    #[test]
    fn globs_match_like_fnmatch_and_expect_parses_both_forms() {
        assert!(glob_matches("w*@web-?", "w12@web-3"));
        assert!(glob_matches("*", "a@b.c"));
        assert!(!glob_matches("w1@*", "w2@h"));
        #[derive(serde::Deserialize)]
        struct P {
            expect_workers: ExpectWorkers,
        }
        let p: P = toml::from_str("expect_workers = 3").unwrap();
        assert_eq!(Expect::from(&p.expect_workers).count, Some(3));
        let p: P = toml::from_str("expect_workers = ['web@*']").unwrap();
        assert_eq!(
            Expect::from(&p.expect_workers).patterns,
            vec!["web@*".to_string()]
        );
    }

    #[test]
    fn vhosts_are_those_where_celery_is_seen() {
        let snap = Snapshot {
            queues: vec![
                queue("a", "w1@h.celery.pidbox", 1),
                queue("a", "w2@h.celery.pidbox", 0),
                queue("a", "0f7d.reply.celery.pidbox", 1),
                queue("b", "celery", 1),
                queue("c", "plain", 0),
            ],
            exchanges: vec![
                serde_json::from_value::<Exchange>(
                    serde_json::json!({"name": "celeryev", "vhost": "d"}),
                )
                .unwrap(),
                serde_json::from_value::<Exchange>(
                    serde_json::json!({"name": "amq.direct", "vhost": "c"}),
                )
                .unwrap(),
            ],
            ..Snapshot::default()
        };
        let plans = discover_vhosts(&snap, None);
        assert_eq!(
            plans,
            vec![
                VhostPlan {
                    vhost: "a".into(),
                    known_nodes: vec!["w1@h".into()]
                },
                VhostPlan {
                    vhost: "d".into(),
                    known_nodes: vec![]
                },
            ]
        );
        assert_eq!(
            discover_vhosts(&snap, Some("c")),
            vec![VhostPlan {
                vhost: "c".into(),
                known_nodes: vec![]
            }]
        );
    }
}
