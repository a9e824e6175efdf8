//! Where the AMQP remote-control client connects, and to which vhosts: pure functions over the
//! management settings and the broker snapshot.

use crate::rabbitmq::classify;
use crate::rabbitmq::read::Snapshot;

pub use crate::settings::amqp::{AmqpEndpoint, amqp_endpoint};

/// One vhost to probe and the worker mailboxes the broker shows there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VhostPlan {
    pub vhost: String,
    /// Node names of the `NODE.celery.pidbox` mailboxes: the workers that should answer. Those
    /// that do not get a second ping.
    pub known_nodes: Vec<String>,
    /// Whether `known_nodes` are every mailbox the request reaches: the mailboxes bound to
    /// `celery.pidbox`, read from the broker's own tables just before asking ([`with_bindings`]).
    /// Only then may a round end as soon as they all answered. The consumer and queue listings
    /// lag the broker by a statistics interval (5 s by default): a worker that started since is
    /// missing from them, and a round that ended on them would drop its reply and call it
    /// missing. Without the bindings, each round waits its whole reply timeout.
    pub known_all: bool,
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
                known_all: false,
                task_event_traffic,
            }
        })
        .collect()
}

/// `plan` with its known nodes from the bindings of its `celery.pidbox` exchange (its
/// `/api/exchanges/V/celery.pidbox/bindings/source`), those matching `target`'s pattern. The
/// bindings come from the broker's metadata store, not from its statistics: a worker's mailbox is
/// bound before the worker consumes it, and an exclusive or auto-delete mailbox is unbound the
/// moment its worker's connection closes. `None` (they could not be read) leaves the plan as it
/// was, not known to be complete.
pub fn with_bindings(
    mut plan: VhostPlan,
    bindings: Option<&[crate::rabbitmq::delayed::Binding]>,
    target: &super::protocol::Target,
) -> VhostPlan {
    let Some(bindings) = bindings else {
        return plan;
    };
    let mut nodes: Vec<String> = bindings
        .iter()
        .filter(|b| b.source.as_deref() == Some(super::protocol::MAILBOX_EXCHANGE))
        .filter(|b| b.destination_type.as_deref() == Some("queue"))
        .filter_map(|b| classify::mailbox_node(b.destination.as_deref()?))
        .filter(|n| match target {
            super::protocol::Target::Pattern { pattern, .. } => glob_matches(pattern, n),
            _ => true,
        })
        .map(str::to_string)
        .collect();
    nodes.sort();
    nodes.dedup();
    plan.known_nodes = nodes;
    plan.known_all = true;
    plan
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
                    known_all: false,
                    task_event_traffic: false,
                },
                VhostPlan {
                    vhost: "d".into(),
                    known_nodes: vec![],
                    known_all: false,
                    task_event_traffic: false,
                },
            ]
        );
        assert_eq!(
            discover_vhosts(&snap, Some("c")),
            vec![VhostPlan {
                vhost: "c".into(),
                known_nodes: vec![],
                known_all: false,
                task_event_traffic: false,
            }]
        );
    }

    fn binding(source: &str, destination: &str, kind: &str) -> crate::rabbitmq::delayed::Binding {
        crate::rabbitmq::delayed::Binding {
            source: Some(source.into()),
            destination: Some(destination.into()),
            destination_type: Some(kind.into()),
            routing_key: Some(String::new()),
        }
    }

    /// The flake of the killed-worker test: w2 had started and answered, but the consumer
    /// listing (statistics, 5 s behind) showed only w1's mailbox; a round that ended once w1 had
    /// answered dropped w2's reply and ping --expect 2 said 2. The bindings name both, and say
    /// they are all; without them the round is not allowed to end early.
    #[test]
    fn the_known_nodes_are_the_bound_mailboxes_when_the_bindings_are_read() {
        let snap = Snapshot {
            consumers: serde_json::from_value(serde_json::json!([
                {"queue": {"name": "w1@h.celery.pidbox", "vhost": "v"}}
            ]))
            .unwrap(),
            ..Snapshot::default()
        };
        let plan = discover_vhosts(&snap, Some("v")).remove(0);
        assert_eq!(
            (plan.known_nodes.clone(), plan.known_all),
            (vec!["w1@h".to_string()], false)
        );
        let bindings = [
            binding("celery.pidbox", "w2@h.celery.pidbox", "queue"),
            binding("celery.pidbox", "w1@h.celery.pidbox", "queue"),
            binding("celery.pidbox", "web@h.celery.pidbox", "queue"),
            binding("celery.pidbox", "w1@h.celery.pidbox", "queue"),
            binding("celery.pidbox", "celery.pidbox.copy", "exchange"),
            binding("celery.pidbox", "0f7d.reply.celery.pidbox", "queue"),
        ];
        let all = with_bindings(plan.clone(), Some(&bindings), &crate::workers::Target::All);
        assert_eq!(
            (all.known_nodes, all.known_all),
            (
                vec!["w1@h".to_string(), "w2@h".to_string(), "web@h".to_string()],
                true
            )
        );
        let web = crate::workers::Target::Pattern {
            pattern: "web@*".into(),
            matcher: crate::workers::Matcher::Glob,
        };
        assert_eq!(
            with_bindings(plan.clone(), Some(&bindings), &web).known_nodes,
            vec!["web@h".to_string()]
        );
        // No celery.pidbox exchange (read as no binding): nobody can be reached, and that is all.
        let none = with_bindings(plan.clone(), Some(&[]), &crate::workers::Target::All);
        assert_eq!((none.known_nodes.len(), none.known_all), (0, true));
        assert_eq!(
            with_bindings(plan.clone(), None, &crate::workers::Target::All),
            plan
        );
        // Only an early end on bindings: a listing's nodes never end the first round.
        let known = std::collections::BTreeSet::from(["w1@h".to_string()]);
        let all = crate::workers::Target::All;
        assert_eq!(
            crate::workers::rounds::first_round_until(&known, false, &all),
            None
        );
        assert_eq!(
            crate::workers::rounds::first_round_until(&known, true, &all),
            Some(known.clone())
        );
        let named = crate::workers::Target::Nodes(vec!["w2@h".into()]);
        assert_eq!(
            crate::workers::rounds::first_round_until(&known, false, &named),
            Some(std::collections::BTreeSet::from(["w2@h".to_string()]))
        );
    }
}
