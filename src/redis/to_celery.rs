//! Redis onto the broker-neutral Celery model: binding sets and lists become queues (priority
//! buckets kept), CLIENT LIST lines become clients with a role, the event sample becomes the
//! event traffic, the result-key sample becomes results.

use super::snapshot::{ClientEntry, RedisSnapshot};
use crate::celery_model::{
    BrokerKind, Bucket, Client, EventTransport, Events, Fleet, Kind, Queue, Results, Role,
};

/// A pattern subscriber that heard something this recently is on the event stream; mailbox
/// subscribers stay silent until someone sends a control command.
const EVENT_IDLE_SECONDS: u64 = 10;

pub fn fleet(snap: &RedisSnapshot) -> Fleet<'_> {
    let clients: Vec<Client> = snap.db_clients().map(|c| client(snap, c)).collect();
    let consumers = snap.db_clients().filter(|c| is_consumer(c)).count();
    let scope = format!("db{}", snap.db);
    let mut queues: Vec<Queue> = snap
        .queues
        .iter()
        .map(|q| {
            let kind = kind_of(&q.name, &q.exchanges);
            let ready = q.depth();
            Queue {
                scope: scope.clone().into(),
                name: q.name.as_str().into(),
                kind,
                ready: Some(ready),
                buckets: q
                    .buckets
                    .iter()
                    .map(|&(priority, messages)| Bucket { priority, messages })
                    .collect(),
                unacked: None,
                // Redis does not say which list a blocked client waits on: only "nobody at all".
                consumers: (kind == Kind::Task && consumers == 0).then_some(0),
                message_ttl_ms: None,
                expires_ms: None,
                publish_rate: None,
                deliver_rate: None,
                net_rate: q.depth_later.and_then(|later| {
                    (snap.depth_seconds > 0.0)
                        .then(|| (later as f64 - ready as f64) / snap.depth_seconds)
                }),
                worker_consumed: false,
            }
        })
        .collect();
    for r in &snap.reply_lists {
        if !queues.iter().any(|q| q.name == r.key) {
            queues.push(Queue {
                scope: scope.clone().into(),
                name: r.key.as_str().into(),
                kind: Kind::Reply,
                ready: Some(r.len),
                buckets: vec![],
                unacked: None,
                consumers: None,
                message_ttl_ms: None,
                expires_ms: (r.ttl > 0).then(|| r.ttl as u64 * 1000),
                publish_rate: None,
                deliver_rate: None,
                net_rate: None,
                worker_consumed: false,
            });
        }
    }
    Fleet {
        broker: BrokerKind::Redis,
        host: snap.host.clone(),
        scope,
        event_transport: EventTransport::PubSub,
        events: events(snap, &clients),
        results: snap.results.as_ref().map(|r| Results {
            seen: r.seen,
            sampled: r.sampled,
            without_expiry: r.without_ttl,
            ..Results::default()
        }),
        queues,
        clients,
    }
}

/// What Celery uses a queue for, from its name and the exchanges that bind it.
pub fn kind_of(name: &str, exchanges: &[String]) -> Kind {
    let ex = |n: &str| exchanges.iter().any(|e| e == n);
    if name.ends_with(".reply.celery.pidbox") || ex("reply.celery.pidbox") {
        Kind::Reply
    } else if name.ends_with(".celery.pidbox") || ex("celery.pidbox") {
        Kind::Mailbox
    } else if name.starts_with("celeryev.") || ex("celeryev") {
        Kind::Event
    } else {
        Kind::Task
    }
}

fn is_consumer(c: &ClientEntry) -> bool {
    c.cmd == "brpop" || c.flags.contains('b')
}

/// A pattern subscriber on the event stream: one that heard something during the event sample,
/// when CLIENT LIST was read again at its end (its last interaction, `age - idle` counted from
/// its connection's start, moved), else one that heard something lately. A worker's pidbox
/// subscription wakes only for a control command: one woken by a ping just before the read
/// (`celery inspect`, `celtool ping`, Flower) stays put during the sample and is no event
/// receiver; celtool's own sample subscription is not in the first list.
fn is_event_subscriber(snap: &RedisSnapshot, c: &ClientEntry) -> bool {
    if c.psub == 0 {
        return false;
    }
    match &snap.clients_later {
        Some(later) => later
            .iter()
            .find(|l| l.id == c.id)
            .is_some_and(|l| l.age.saturating_sub(l.idle) > c.age.saturating_sub(c.idle)),
        None => c.idle <= EVENT_IDLE_SECONDS.max(2 * snap.interval_seconds as u64),
    }
}

fn client(snap: &RedisSnapshot, c: &ClientEntry) -> Client {
    let worker_ip = |ip: &str| snap.db_clients().any(|o| is_consumer(o) && o.ip() == ip);
    let role = if is_consumer(c) {
        Role::Worker
    } else if is_event_subscriber(snap, c) {
        Role::EventSubscriber
    } else if c.psub > 0 && worker_ip(c.ip()) {
        Role::Worker
    } else if c.psub > 0 || c.sub > 0 {
        Role::Monitor
    } else if matches!(
        c.cmd.as_str(),
        "publish" | "evalsha" | "eval" | "lpush" | "rpush" | "setex" | "set" | "multi" | "exec"
    ) {
        Role::Publisher
    } else {
        Role::Other
    };
    Client {
        id: c.id.to_string(),
        peer: c.addr.clone(),
        role,
        send_rate: None,
        pending_bytes: Some(c.omem),
        idle_seconds: Some(c.idle),
        state: Some(c.cmd.clone()),
    }
}

/// N worker nodes from the heartbeats heard; S receivers from CLIENT LIST; M = S - N when the
/// workers gossip (S >= N), else S.
fn events(snap: &RedisSnapshot, clients: &[Client]) -> Option<Events> {
    let ev = snap.events.as_ref()?;
    let n = ev.heartbeat_hosts.len() as u64;
    let s = clients
        .iter()
        .filter(|c| c.role == Role::EventSubscriber)
        .count() as u64;
    let m = if s >= n { s - n } else { s };
    let per = (ev.seconds > 0.0).then(|| ev.bytes as f64 / ev.seconds);
    Some(Events {
        worker_nodes: n,
        monitors: m,
        subscribers: s,
        per_subscriber_bytes: per,
        publish_rate: (ev.seconds > 0.0).then(|| ev.messages as f64 / ev.seconds),
        routed_rate: None,
        broker_output_bytes: snap.output_rate(),
        event_output_bytes: per.map(|p| p * s as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_celery_names() {
        let none: Vec<String> = vec![];
        assert_eq!(kind_of("celery", &none), Kind::Task);
        assert_eq!(
            kind_of("w1@h.celery.pidbox", &["celery.pidbox".into()]),
            Kind::Mailbox
        );
        assert_eq!(kind_of("abc.reply.celery.pidbox", &none), Kind::Reply);
        assert_eq!(kind_of("celeryev.1234", &["celeryev".into()]), Kind::Event);
    }

    #[test]
    fn the_recorded_idle_fleet_maps_onto_the_model() {
        let snap = crate::redis::snapshot::fixtures::fleet();
        let f = fleet(&snap);
        assert_eq!(
            (f.broker, f.event_transport, f.scope.as_str()),
            (BrokerKind::Redis, EventTransport::PubSub, "db13")
        );
        // One task queue, its four priority lists empty, measured twice: not moving. Three
        // workers block in BRPOP, so "no consumer" cannot be claimed, nor a count given.
        assert_eq!(f.queues.len(), 1);
        let q = &f.queues[0];
        assert_eq!(
            (q.kind, q.ready, q.buckets.len(), q.consumers, q.unacked),
            (Kind::Task, Some(0), 4, None, None)
        );
        assert_eq!(q.subject(), "db13/celery");
        assert_eq!(q.growth(), Some(0.0));
        // Three heartbeating workers, each with a gossip subscription, and one monitor.
        let ev = f.events.as_ref().expect("the event sample");
        assert_eq!((ev.worker_nodes, ev.subscribers, ev.monitors), (3, 4, 1));
        assert!(ev.per_subscriber_bytes.is_some_and(|b| b > 0.0), "{ev:?}");
        let role = |r: Role| f.clients.iter().filter(|c| c.role == r).count();
        assert_eq!(role(Role::EventSubscriber), 4);
        assert!(role(Role::Worker) >= 3, "{:?}", f.clients);
        assert!(f.clients.iter().all(|c| c.pending_bytes.is_some()));
        assert_eq!(f.results, None);
    }

    /// A worker's pidbox subscription that a ping woke just before the read (idle 0) heard
    /// nothing during the event sample: not an event receiver, nor is celtool's own sample
    /// subscription; the gossip subscription that heard heartbeats is.
    #[test]
    fn a_pidbox_subscription_woken_by_a_ping_is_no_event_receiver() {
        let first = "id=1 addr=10.0.0.5:4001 name= age=100 idle=1 flags=P db=0 sub=0 psub=1 omem=0 cmd=psubscribe\n\
                     id=2 addr=10.0.0.5:4002 name= age=100 idle=0 flags=P db=0 sub=0 psub=1 omem=0 cmd=psubscribe\n\
                     id=4 addr=10.0.0.5:4004 name= age=100 idle=9 flags=b db=0 sub=0 psub=0 omem=0 cmd=brpop\n";
        let later = "id=1 addr=10.0.0.5:4001 name= age=103 idle=0 flags=P db=0 sub=0 psub=1 omem=0 cmd=psubscribe\n\
                     id=2 addr=10.0.0.5:4002 name= age=103 idle=3 flags=P db=0 sub=0 psub=1 omem=0 cmd=psubscribe\n\
                     id=3 addr=127.0.0.1:5000 name= age=3 idle=0 flags=P db=0 sub=0 psub=1 omem=0 cmd=psubscribe\n\
                     id=4 addr=10.0.0.5:4004 name= age=103 idle=12 flags=b db=0 sub=0 psub=0 omem=0 cmd=brpop\n";
        let mut snap = RedisSnapshot {
            clients: crate::redis::snapshot::parse_client_list(first),
            clients_later: Some(crate::redis::snapshot::parse_client_list(later)),
            interval_seconds: 3.0,
            ..RedisSnapshot::default()
        };
        let subscribers = |snap: &RedisSnapshot| {
            snap.clients
                .iter()
                .filter(|c| is_event_subscriber(snap, c))
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(subscribers(&snap), vec![1]);
        // The pidbox subscription is the worker's (its host has a BRPOP client).
        let f = fleet(&snap);
        let roles: Vec<Role> = f.clients.iter().map(|c| c.role).collect();
        assert_eq!(
            roles,
            vec![Role::EventSubscriber, Role::Worker, Role::Worker]
        );
        // Without the second list, idle time alone decides, as before.
        snap.clients_later = None;
        assert_eq!(subscribers(&snap), vec![1, 2]);
    }
}
