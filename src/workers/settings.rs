//! Where the AMQP remote-control client connects, and to which vhosts: pure functions over the
//! management settings and the broker snapshot.

use crate::rabbitmq::classify;
use crate::rabbitmq::read::Snapshot;

pub use crate::settings::amqp::{AmqpEndpoint, amqp_endpoint};

/// One vhost to probe and the worker mailboxes the broker shows there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VhostPlan {
    pub vhost: String,
    /// Node names of the `NODE.celery.pidbox` mailboxes that have a consumer: the workers that
    /// should answer. Those that do not get a second ping.
    pub known_nodes: Vec<String>,
    /// The vhost's `celeryev` exchange takes in more than the known workers' heartbeats
    /// (0.5 a second each): task events flow, so doctor's event sample runs its full window.
    pub task_event_traffic: bool,
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
                .filter(|q| classify::mailbox_node(q.name()).is_some())
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
                .filter_map(|q| classify::mailbox_node(&q).map(str::to_string))
                .collect();
            known_nodes.sort();
            known_nodes.dedup();
            // Every worker's mailbox, consumed or not yet counted as consumed: each heartbeats.
            let mailboxes = snap
                .queues
                .iter()
                .filter(|q| q.vhost() == vhost && classify::mailbox_node(q.name()).is_some())
                .count();
            let task_event_traffic =
                task_event_traffic(snap, &vhost, known_nodes.len().max(mailboxes));
            VhostPlan {
                vhost,
                known_nodes,
                task_event_traffic,
            }
        })
        .collect()
}

/// Whether the vhost's `celeryev` exchange takes in more than `workers` heartbeats would (0.5
/// a second each, with room for online/offline events and the rate's smoothing): then task
/// events flow. Unknown rates say no.
fn task_event_traffic(snap: &Snapshot, vhost: &str, workers: usize) -> bool {
    let heartbeats = 0.5 * workers.max(1) as f64;
    snap.exchanges
        .iter()
        .filter(|e| e.name() == "celeryev" && e.vhost.as_deref().unwrap_or("/") == vhost)
        .filter_map(|e| e.publish_in_rate())
        .any(|rate| rate > 1.5 * heartbeats + 0.5)
}

pub use crate::settings::{Expect, ExpectWorkers};

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
    use crate::rabbitmq::records::{Exchange, Queue};
    use crate::settings::Secret;
    use reqwest::Url;

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
    fn task_event_traffic_is_more_than_the_workers_heartbeats() {
        let exchange = |rate: f64| {
            serde_json::from_value::<Exchange>(serde_json::json!({"name": "celeryev", "vhost": "a",
                "message_stats": {"publish_in_details": {"rate": rate}}}))
            .unwrap()
        };
        let snap = |rate: f64| Snapshot {
            queues: vec![
                queue("a", "w1@h.celery.pidbox", 1),
                queue("a", "w2@h.celery.pidbox", 0),
            ],
            exchanges: vec![exchange(rate)],
            ..Snapshot::default()
        };
        // Two workers heartbeat 1 msg/s between them (w2's consumer not counted yet).
        let traffic = |rate| discover_vhosts(&snap(rate), None)[0].task_event_traffic;
        assert!(!traffic(1.0));
        assert!(!traffic(1.9));
        assert!(traffic(12.0));
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
                    known_nodes: vec!["w1@h".into()],
                    task_event_traffic: false,
                },
                VhostPlan {
                    vhost: "d".into(),
                    known_nodes: vec![],
                    task_event_traffic: false,
                },
            ]
        );
        assert_eq!(
            discover_vhosts(&snap, Some("c")),
            vec![VhostPlan {
                vhost: "c".into(),
                known_nodes: vec![],
                task_event_traffic: false,
            }]
        );
    }
}
