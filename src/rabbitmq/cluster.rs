//! Cluster reads beyond the lists: the `/api/health/checks/*` endpoints, the deprecated
//! features in use (3.13+), and the channels' QoS mode, gathered into plain `ClusterFacts`.
//! Brokers without an endpoint (404, 400: 3.10 has no `is-in-service`, no deprecated features)
//! are passed over quietly; no read here ever fails the run.

use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::Value;

use super::client::{ApiError, Client};
use super::records::Overview;

/// How many days ahead a TLS certificate counts as expiring.
pub const CERT_WARN_DAYS: u32 = 30;
/// How long to wait before asking a failed virtual-hosts check again.
const VHOST_RECHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// One health check's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    /// 503: the check failed; `reason` is the broker's sentence, `body` the whole answer
    /// (queues, alarms or listeners named by the check).
    Fail {
        reason: String,
        body: Value,
    },
    /// 404 or 400: this broker version does not have the check.
    Unsupported,
    /// Anything else (timeout, 401, 5xx): not counted as a pass or a failure.
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    /// The check's stable name, e.g. `node-is-quorum-critical`.
    pub name: &'static str,
    /// The path asked, e.g. `health/checks/port-listener/5672`.
    pub path: String,
    pub outcome: Outcome,
}

/// One entry of `/api/deprecated-features/used`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct DeprecatedFeature {
    pub name: Option<String>,
    pub deprecation_phase: Option<String>,
    pub desc: Option<String>,
    pub doc_url: Option<String>,
}

/// What `/api/deprecated-features/used` said.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum DeprecatedUse {
    /// Not asked (no overview) or not there (before 3.13).
    #[default]
    Unsupported,
    /// The endpoint needs the administrator tag.
    Forbidden,
    Unreadable(String),
    Used(Vec<DeprecatedFeature>),
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ChannelConnection {
    pub name: Option<String>,
    pub peer_host: Option<String>,
}

/// A channel's prefetch settings: `global_prefetch_count > 0` is global QoS, deprecated and
/// ignored (turned per-consumer) from RabbitMQ 4.3 on. Celery workers use it on classic queues.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ChannelQos {
    pub name: Option<String>,
    pub vhost: Option<String>,
    pub prefetch_count: Option<f64>,
    pub global_prefetch_count: Option<f64>,
    pub connection_details: Option<ChannelConnection>,
}

impl From<&crate::rabbitmq::records::Channel> for ChannelQos {
    fn from(c: &crate::rabbitmq::records::Channel) -> Self {
        ChannelQos {
            name: c.name.clone(),
            vhost: c.vhost.clone(),
            prefetch_count: c.prefetch_count,
            global_prefetch_count: c.global_prefetch_count,
            connection_details: c.connection_details.as_ref().map(|d| ChannelConnection {
                name: d.name.clone(),
                peer_host: d.peer_host.clone(),
            }),
        }
    }
}

impl ChannelQos {
    pub const COLUMNS: &'static str = "name,vhost,prefetch_count,global_prefetch_count,\
connection_details.name,connection_details.peer_host";

    pub fn uses_global_qos(&self) -> bool {
        self.global_prefetch_count.is_some_and(|n| n > 0.0)
    }
}

/// One member of a quorum queue as `/api/queues/quorum/VHOST/NAME/status` lists it (RabbitMQ
/// 4.x: the rows of `rabbitmq-queues quorum_status`, keyed by its column titles).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RaftMember {
    pub node: String,
    /// `leader`, `follower`, ... (`noproc` and the like for a member that is not running).
    pub raft_state: Option<String>,
    /// `voter`, or (4.0+) `promotable`: a new member still catching up with the leader's log,
    /// made a voter once it has; `non_voter` stays one.
    pub membership: Option<String>,
    pub last_written: Option<f64>,
    pub commit_index: Option<f64>,
}

/// The members of one quorum queue, read from its status endpoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuorumStatus {
    pub vhost: String,
    pub name: String,
    pub members: Vec<RaftMember>,
}

impl QuorumStatus {
    /// The members of a status answer (a list of objects); `None` when it is not one.
    pub fn parse(vhost: &str, name: &str, body: &Value) -> Option<QuorumStatus> {
        let text = |m: &Value, k: &str| m.get(k).and_then(Value::as_str).map(crate::text::sanitize);
        let members = body
            .as_array()?
            .iter()
            .filter_map(|m| {
                Some(RaftMember {
                    node: text(m, "Node Name")?,
                    raft_state: text(m, "Raft State"),
                    membership: text(m, "Membership"),
                    last_written: m.get("Last Written").and_then(Value::as_f64),
                    commit_index: m.get("Commit Index").and_then(Value::as_f64),
                })
            })
            .collect();
        Some(QuorumStatus {
            vhost: vhost.to_string(),
            name: name.to_string(),
            members,
        })
    }
}

/// The quorum queues' member statuses (RabbitMQ 4.x, a cluster of more than one running node).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuorumReplicas {
    /// Whether they were asked at all.
    pub asked: bool,
    pub statuses: Vec<QuorumStatus>,
    /// Quorum queues left unasked past [`QUORUM_STATUS_MAX`].
    pub not_asked: usize,
    /// Status answers that could not be read (the queue gone meanwhile is not counted).
    pub unreadable: usize,
}

/// The most quorum queues whose member status one run asks for (one request each; those with
/// the most messages first, where a catching-up member has the most to copy).
pub const QUORUM_STATUS_MAX: usize = 50;

/// Ask each replicated quorum queue of `queues` for its members' Raft status, a few at a time.
/// Only RabbitMQ 4.x tells a member catching up (`promotable`) from a voter, and only through
/// this endpoint: `/api/queues` lists a new member as a member, online, from its first second.
pub async fn gather_quorum(client: &Client, queues: &[super::records::Queue]) -> QuorumReplicas {
    use futures_util::stream::{self, StreamExt};
    let mut replicated: Vec<&super::records::Queue> = queues
        .iter()
        .filter(|q| q.kind.as_deref() == Some("quorum"))
        .filter(|q| q.members().as_ref().is_none_or(|m| m.len() > 1))
        .collect();
    replicated.sort_by(|a, b| {
        let ready = |q: &super::records::Queue| q.ready_count().unwrap_or(0.0);
        ready(b).total_cmp(&ready(a)).then(a.name().cmp(b.name()))
    });
    let not_asked = replicated.len().saturating_sub(QUORUM_STATUS_MAX);
    replicated.truncate(QUORUM_STATUS_MAX);
    let answers: Vec<Option<Option<QuorumStatus>>> = stream::iter(replicated)
        .map(|q| async move {
            let path = ["queues", "quorum", q.vhost(), q.name(), "status"];
            match client.get::<Value>(&path, None).await {
                Ok(body) => Some(QuorumStatus::parse(q.vhost(), q.name(), &body)),
                Err(ApiError::NotFound { .. }) => None,
                Err(_) => Some(None),
            }
        })
        .buffered(4)
        .collect()
        .await;
    let unreadable = answers.iter().filter(|a| matches!(a, Some(None))).count();
    QuorumReplicas {
        asked: true,
        statuses: answers.into_iter().flatten().flatten().collect(),
        not_asked,
        unreadable,
    }
}

/// Everything the cluster checks read besides the snapshot's lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterFacts {
    /// The node that answered the health checks (they test the node serving the API).
    pub node: Option<String>,
    pub health: Vec<HealthCheck>,
    pub deprecated: DeprecatedUse,
    /// `None` when the channel list could not be read.
    pub channels: Option<Vec<ChannelQos>>,
    /// Unix time of the gathering, to tell an expired certificate from one that will expire.
    pub now_unix: i64,
    /// The state of the `khepri_db` feature flag (`enabled`, `disabled`, `state_changing`),
    /// asked of a 4.x broker only; `None` when not asked or not listed.
    pub khepri_db: Option<String>,
    /// The quorum queues' member statuses (4.x clusters; filled with the listings).
    pub quorum: QuorumReplicas,
}

impl ClusterFacts {
    pub fn check(&self, name: &str) -> Option<&HealthCheck> {
        self.health.iter().find(|h| h.name == name)
    }
}

/// The health checks asked, by stable name and path. The listener checks need the node's AMQP
/// port, found in the overview's listeners.
pub fn health_paths(overview: Option<&Overview>) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("alarms", "health/checks/alarms".to_string()),
        ("local-alarms", "health/checks/local-alarms".to_string()),
        (
            "certificate-expiration",
            format!("health/checks/certificate-expiration/{CERT_WARN_DAYS}/days"),
        ),
        (
            "protocol-listener",
            "health/checks/protocol-listener/amqp".to_string(),
        ),
        ("virtual-hosts", "health/checks/virtual-hosts".to_string()),
        (
            "node-is-quorum-critical",
            "health/checks/node-is-quorum-critical".to_string(),
        ),
        (
            "node-is-mirror-sync-critical",
            "health/checks/node-is-mirror-sync-critical".to_string(),
        ),
        (
            "quorum-queues-without-elected-leaders",
            "health/checks/quorum-queues-without-elected-leaders/all-vhosts/".to_string(),
        ),
        ("is-in-service", "health/checks/is-in-service".to_string()),
    ];
    // The metadata store's own checks (RabbitMQ 4.1+; Khepri is the store from 4.2 on): asked
    // only of a 4.x broker, so a 3.x broker costs no request that can only answer 404.
    if overview
        .and_then(|o| o.version())
        .is_some_and(|v| major(v) >= 4)
    {
        v.push((
            "metadata-store-initialized",
            "health/checks/metadata-store/initialized".to_string(),
        ));
        v.push((
            "metadata-store-initialized-with-data",
            "health/checks/metadata-store/initialized/with-data".to_string(),
        ));
    }
    if let Some(port) = amqp_port(overview) {
        v.push((
            "port-listener",
            format!("health/checks/port-listener/{port}"),
        ));
    }
    v
}

/// The major version of a version string (`4` of `4.1.0`); 0 when it has none.
pub fn major(version: &str) -> u32 {
    version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or(0)
}

/// The AMQP port of the node serving the API.
fn amqp_port(overview: Option<&Overview>) -> Option<u64> {
    let ov = overview?;
    let listeners = ov.listeners.as_ref()?;
    let local = |l: &&super::records::Listener| ov.node.is_none() || l.node == ov.node;
    listeners
        .iter()
        .filter(local)
        .find(|l| l.protocol.as_deref() == Some("amqp"))
        .and_then(|l| l.port)
        .filter(|p| *p > 0.0 && *p < 65536.0)
        .map(|p| p as u64)
}

/// The alarms in effect, in words (`memory alarm on rabbit@h`), from what a snapshot read: the
/// nodes' alarm flags and the `alarms` health check. None when neither shows one.
pub fn alarms_in(nodes: &[crate::rabbitmq::records::Node], facts: &ClusterFacts) -> Option<String> {
    let mut alarms: Vec<String> = nodes
        .iter()
        .flat_map(|n| {
            let name = n.name.clone().unwrap_or_else(|| "a node".into());
            [
                (n.mem_alarm == Some(true)).then(|| format!("memory alarm on {name}")),
                (n.disk_free_alarm == Some(true)).then(|| format!("disk alarm on {name}")),
            ]
        })
        .flatten()
        .collect();
    if let Some(Outcome::Fail { body, .. }) = facts.check("alarms").map(|h| &h.outcome) {
        alarms.extend(alarm_words(body));
    }
    alarms.sort();
    alarms.dedup();
    (!alarms.is_empty()).then(|| alarms.join(", "))
}

/// The alarms a failed `alarms` health check names: `{"alarms": [{"node", "resource"}]}`.
fn alarm_words(body: &Value) -> Vec<String> {
    let listed: Vec<String> = body
        .get("alarms")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| {
                    let resource = match x.get("resource").and_then(Value::as_str) {
                        Some("disk") => "disk",
                        Some("memory") => "memory",
                        _ => "resource",
                    };
                    let node = x
                        .get("node")
                        .and_then(Value::as_str)
                        .map(crate::text::sanitize)
                        .unwrap_or_else(|| "a node".into());
                    format!("{resource} alarm on {node}")
                })
                .collect()
        })
        .unwrap_or_default();
    if listed.is_empty() {
        vec!["an alarm (the alarms health check failed)".into()]
    } else {
        listed
    }
}

/// Ask the `alarms` health check now (cheap, and not behind the statistics interval as the
/// nodes' flags are). `Ok(None)`: no alarm, or a broker without the check.
pub async fn alarms_now(client: &Client) -> Result<Option<String>, ApiError> {
    match client.get_status(&["health", "checks", "alarms"]).await {
        Err(ApiError::NotFound { .. } | ApiError::Status { .. }) => Ok(None),
        Err(e) => Err(e),
        Ok(answer) => Ok(match outcome(Ok(answer)) {
            Outcome::Fail { body, .. } => Some(alarm_words(&body).join(", ")),
            _ => None,
        }),
    }
}

/// Gather the cluster facts: every health check, the deprecated features in use and the
/// channels' QoS, all at once. Never fails: what cannot be read is recorded as such.
pub async fn gather_cluster(
    client: &Client,
    overview: Option<&Overview>,
    vhost: Option<&str>,
) -> ClusterFacts {
    let paths = health_paths(overview);
    let checks = join_all(paths.iter().map(|(name, path)| async move {
        let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        // The leader check's route ends in a slash; an empty last segment keeps it.
        if path.ends_with('/') {
            segments.push("");
        }
        let mut result = outcome(client.get_status(&segments).await);
        // A vhost being created or deleted counts as "down" for a moment: ask once more.
        if *name == "virtual-hosts" && matches!(result, Outcome::Fail { .. }) {
            tokio::time::sleep(VHOST_RECHECK).await;
            result = outcome(client.get_status(&segments).await);
        }
        HealthCheck {
            name,
            path: path.clone(),
            outcome: result,
        }
    }));
    let _ = vhost;
    let (health, deprecated, khepri_db) = tokio::join!(
        checks,
        client.get::<Vec<DeprecatedFeature>>(&["deprecated-features", "used"], None),
        khepri_state(client, overview),
    );
    ClusterFacts {
        node: overview.and_then(|o| o.node.clone()),
        health,
        deprecated: match deprecated {
            Ok(list) => DeprecatedUse::Used(list),
            Err(ApiError::NotFound { .. } | ApiError::Status { .. }) => DeprecatedUse::Unsupported,
            Err(e) if e.is_auth() => DeprecatedUse::Forbidden,
            Err(e) => DeprecatedUse::Unreadable(e.to_string()),
        },
        // Filled from the snapshot's one channel listing (see rabbitmq::read).
        channels: None,
        now_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
        khepri_db,
        quorum: QuorumReplicas::default(),
    }
}

/// On a 4.x broker, the state of the `khepri_db` feature flag: which metadata store the cluster
/// runs (4.0 and 4.1 default to Mnesia; Khepri is the only store from 4.2 on). Not asked of 3.x.
async fn khepri_state(client: &Client, overview: Option<&Overview>) -> Option<String> {
    let v = overview?.version()?;
    if major(v) < 4 {
        return None;
    }
    let flags = client
        .get::<Vec<Value>>(&["feature-flags"], None)
        .await
        .ok()?;
    flags
        .iter()
        .find(|f| f.get("name").and_then(Value::as_str) == Some("khepri_db"))
        .and_then(|f| f.get("state").and_then(Value::as_str))
        .map(crate::text::sanitize)
}

/// Map a health check's HTTP answer to its outcome.
pub fn outcome(answer: Result<(u16, Value), ApiError>) -> Outcome {
    match answer {
        Ok((503, body)) => Outcome::Fail {
            reason: body
                .get("reason")
                .and_then(Value::as_str)
                .map(crate::text::sanitize)
                .unwrap_or_else(|| "the check failed".into()),
            body,
        },
        Ok((_, body)) if body.get("status").and_then(Value::as_str) == Some("failed") => {
            Outcome::Fail {
                reason: "the check failed".into(),
                body,
            }
        }
        Ok(_) => Outcome::Pass,
        Err(ApiError::NotFound { .. } | ApiError::Status { .. }) => Outcome::Unsupported,
        Err(e) => Outcome::Unreadable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarms_are_named_from_the_nodes_and_the_health_check() {
        let node = |name: &str, mem: bool, disk: bool| crate::rabbitmq::records::Node {
            name: Some(name.into()),
            mem_alarm: Some(mem),
            disk_free_alarm: Some(disk),
            ..Default::default()
        };
        let none = ClusterFacts::default();
        assert_eq!(alarms_in(&[node("a@h", false, false)], &none), None);
        assert_eq!(
            alarms_in(&[node("a@h", true, false), node("b@h", false, true)], &none).as_deref(),
            Some("disk alarm on b@h, memory alarm on a@h")
        );
        // The health check answers before the nodes' flags (a statistics interval later).
        let failed = ClusterFacts {
            health: vec![HealthCheck {
                name: "alarms",
                path: "health/checks/alarms".into(),
                outcome: outcome(Ok((
                    503,
                    serde_json::json!({"alarms": [{"node": "c@h", "resource": "memory"}],
                        "reason": "There are alarms in effect in the cluster", "status": "failed"}),
                ))),
            }],
            ..ClusterFacts::default()
        };
        assert_eq!(
            alarms_in(&[node("c@h", false, false)], &failed).as_deref(),
            Some("memory alarm on c@h")
        );
    }

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(
            outcome(Ok((200, serde_json::json!({"status": "ok"})))),
            Outcome::Pass
        );
        let failed = outcome(Ok((
            503,
            serde_json::json!({"status": "failed", "reason": "There are alarms"}),
        )));
        assert!(matches!(failed, Outcome::Fail { ref reason, .. } if reason == "There are alarms"));
        assert_eq!(
            outcome(Err(ApiError::NotFound { url: "u".into() })),
            Outcome::Unsupported
        );
        assert_eq!(
            outcome(Err(ApiError::Status {
                url: "u".into(),
                status: "400 Bad Request".into()
            })),
            Outcome::Unsupported
        );
    }

    #[test]
    fn the_amqp_port_is_the_serving_nodes() {
        let ov: Overview = serde_json::from_value(serde_json::json!({
            "node": "b@h",
            "listeners": [
                {"node": "a@h", "protocol": "amqp", "port": 5672},
                {"node": "b@h", "protocol": "clustering", "port": 25672},
                {"node": "b@h", "protocol": "amqp", "port": 5673}
            ]
        }))
        .unwrap();
        assert_eq!(amqp_port(Some(&ov)), Some(5673));
        let paths = health_paths(Some(&ov));
        assert!(paths.contains(&("port-listener", "health/checks/port-listener/5673".into())));
        assert_eq!(amqp_port(None), None);
    }
}
