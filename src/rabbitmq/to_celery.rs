//! RabbitMQ onto the broker-neutral Celery model (`crate::celery_model`): one [`Fleet`] per
//! vhost. Queues keep their depth, consumers, TTL and expiry (argument or effective policy) and
//! rates, with the kind the [`Classifier`] gives them; connections become clients with a role;
//! the `celeryev` exchange and the event queues become the event traffic; result queues and
//! the `celeryresults` exchange become the results. Everything else (nodes, alarms, policies,
//! connection states, unacked and redelivery counts, cluster facts) stays in the snapshot for
//! the RabbitMQ-only checks.

use std::collections::BTreeMap;

use super::classify::{self, Classifier, ConnectionKind, QueueKind};
use super::read::Snapshot;
use super::records;
use crate::celery_model::{
    BrokerKind, Client, EventTransport, Events, Fleet, Kind, Queue, Results, Role,
};

/// The snapshot's fleets, one per vhost that has queues, connections or Celery's exchanges,
/// in vhost order.
pub fn fleets<'a>(snap: &'a Snapshot, kinds: &Classifier) -> Vec<Fleet<'a>> {
    fleets_to_check(snap, kinds, true)
}

/// The fleets as the checks judge them: with `idle_others` false, without the queues of kind
/// Other that hold no ready message, or whose ready count is unknown. The Celery checks judge
/// such a queue by its ready messages only (no consumer for them, a backlog), so it can say
/// nothing unless the backlog limit is at zero (the caller's `idle_others`), and nothing of an
/// unknown count; on a vhost with 100 000 queues they were some 30 000 model queues of 208
/// bytes (BENCHMARKS.md), as many when the definitions stood in for the listing and left the
/// counts unknown. The sanity check names unknown counts from the snapshot, not the model.
pub fn fleets_to_check<'a>(
    snap: &'a Snapshot,
    kinds: &Classifier,
    idle_others: bool,
) -> Vec<Fleet<'a>> {
    let mut by_vhost: BTreeMap<&'a str, Fleet<'a>> = BTreeMap::new();
    fn fleet<'m, 'a>(
        by_vhost: &'m mut BTreeMap<&'a str, Fleet<'a>>,
        host: &str,
        vhost: &'a str,
    ) -> &'m mut Fleet<'a> {
        by_vhost.entry(vhost).or_insert_with(|| Fleet {
            broker: BrokerKind::RabbitMq,
            host: host.to_string(),
            scope: vhost.to_string(),
            event_transport: EventTransport::Queues,
            queues: Vec::new(),
            clients: Vec::new(),
            events: None,
            results: None,
        })
    }
    let host = snap.host.as_str();
    // Result queues are counted, not listed (`Fleet.queues`). Each vhost's list is reserved at
    // its exact length first: grown by doubling it would hold up to twice the room (about
    // 5 MiB more at 100 000 queues, BENCHMARKS.md).
    let kinds_of: Vec<Kind> = snap.queues.iter().map(|q| kind(q, kinds)).collect();
    let left_out = |q: &records::Queue, k: Kind| {
        !idle_others
            && k == Kind::Other
            && records::count(q.messages_ready).is_none_or(|ready| ready == 0.0)
    };
    let mut listed: BTreeMap<&'a str, usize> = BTreeMap::new();
    for (q, k) in snap.queues.iter().zip(&kinds_of) {
        if *k != Kind::Result && !left_out(q, *k) {
            *listed.entry(q.vhost()).or_default() += 1;
        }
    }
    for (vhost, n) in listed {
        fleet(&mut by_vhost, host, vhost).queues.reserve_exact(n);
    }
    for (q, k) in snap.queues.iter().zip(kinds_of) {
        if left_out(q, k) {
            // The vhost still has its fleet (its clients and exchanges are judged).
            fleet(&mut by_vhost, host, q.vhost());
            continue;
        }
        let mapped = queue(q, k, kinds);
        let f = fleet(&mut by_vhost, host, q.vhost());
        if mapped.kind == Kind::Result {
            count_result(f, &mapped);
        } else {
            f.queues.push(mapped);
        }
    }
    for c in &snap.connections {
        let vhost = c.vhost.as_deref().unwrap_or("/");
        fleet(&mut by_vhost, host, vhost)
            .clients
            .push(client(c, kinds));
    }
    for e in &snap.exchanges {
        let vhost = e.vhost.as_deref().unwrap_or("/");
        match e.name() {
            "celeryev" => {
                fleet(&mut by_vhost, host, vhost).events = Some(Events {
                    publish_rate: e.publish_in_rate(),
                    routed_rate: e.publish_out_rate(),
                    ..Events::default()
                });
            }
            "celeryresults" => {
                fleet(&mut by_vhost, host, vhost)
                    .results
                    .get_or_insert_with(Results::default)
                    .legacy_exchange = true;
            }
            _ => {}
        }
    }
    let mut out: Vec<Fleet> = by_vhost.into_values().collect();
    for f in &mut out {
        if let Some(ev) = &mut f.events {
            count_receivers(ev, &f.queues);
            measure_output(ev, &f.clients);
        }
    }
    out
}

/// What Celery uses a queue for: the classifier's kind, its mailboxes split into a worker's own
/// mailbox and the reply queues of remote-control clients.
pub fn kind(q: &records::Queue, kinds: &Classifier) -> Kind {
    match kinds.queue_kind(q) {
        QueueKind::Task => Kind::Task,
        QueueKind::Event => Kind::Event,
        QueueKind::Mailbox if classify::is_reply_queue(q.name()) => Kind::Reply,
        QueueKind::Mailbox => Kind::Mailbox,
        QueueKind::Result => Kind::Result,
        QueueKind::Other => Kind::Other,
    }
}

fn queue<'a>(q: &'a records::Queue, kind: Kind, kinds: &Classifier) -> Queue<'a> {
    // A count the record lacks, or has as an impossible number, is unknown (`None`), never 0:
    // the sanity check names it and the Celery checks judge nothing on it.
    let ms = |v: Option<f64>| v.map(|v| v.max(0.0).round() as u64);
    let known = |v: records::Count| records::count(v).map(|v| v as u64);
    Queue {
        scope: q.vhost().into(),
        name: q.name().into(),
        kind,
        ready: known(q.messages_ready),
        buckets: Vec::new(),
        unacked: known(q.messages_unacknowledged),
        // The queue's own count lags a statistics interval behind the consumer listing: a worker
        // just started shows 0 there (a false events.no-consumer), so take the larger.
        consumers: match (known(q.consumers), kinds.listed_consumers(q)) {
            (n, 0) => n,
            (n, listed) => Some(n.unwrap_or(0).max(listed)),
        },
        message_ttl_ms: ms(q.message_ttl_ms()),
        expires_ms: ms(q.expires_ms()),
        publish_rate: q.publish_rate(),
        deliver_rate: q.deliver_rate(),
        net_rate: None,
        worker_consumed: kinds.is_worker_consumed(q),
    }
}

fn client(c: &records::Connection, kinds: &Classifier) -> Client {
    Client {
        id: c.name().to_string(),
        peer: c.peer(),
        role: match kinds.connection_kind(c) {
            ConnectionKind::CeleryWorker => Role::Worker,
            ConnectionKind::Monitor => Role::Monitor,
            ConnectionKind::Client => Role::Client,
            ConnectionKind::Publisher => Role::Publisher,
            ConnectionKind::Other => Role::Other,
        },
        send_rate: Some(c.send_rate()),
        pending_bytes: None,
        idle_seconds: None,
        state: c.state.clone(),
    }
}

/// N = worker mailboxes, M = event queues no worker consumes, every event queue a receiver.
fn count_receivers(ev: &mut Events, queues: &[Queue]) {
    let events = queues.iter().filter(|q| q.kind == Kind::Event);
    ev.subscribers = events.clone().count() as u64;
    ev.monitors = events.filter(|q| !q.worker_consumed).count() as u64;
    ev.worker_nodes = queues.iter().filter(|q| q.kind == Kind::Mailbox).count() as u64;
}

/// The event stream's bytes from what the broker sends: one monitor's connection receives every
/// event (its queue is bound to `#`) and nothing else, so the busiest monitor's send rate is one
/// receiver's share; the vhost's output is what it sends to all its connections. Without a
/// monitor, no connection carries the event stream alone and its bytes stay unknown.
fn measure_output(ev: &mut Events, clients: &[Client]) {
    let rates = || clients.iter().filter_map(|c| c.send_rate);
    ev.broker_output_bytes = rates().next().map(|_| rates().sum());
    ev.per_subscriber_bytes = clients
        .iter()
        .filter(|c| c.role == Role::Monitor)
        .filter_map(|c| c.send_rate)
        .reduce(f64::max);
    ev.event_output_bytes = ev.per_subscriber_bytes.map(|p| p * ev.subscribers as f64);
}

fn count_result(f: &mut Fleet, q: &Queue) {
    let r = f.results.get_or_insert_with(Results::default);
    r.queues += 1;
    r.seen = r.queues;
    r.sampled = r.queues;
    r.without_expiry += u64::from(q.expires_ms.is_none());
    r.per_task_queues += u64::from(classify::is_task_result_queue(&q.name));
    r.messages += q.ready.unwrap_or(0) + q.unacked.unwrap_or(0);
    r.messages_unknown += u64::from(q.ready.is_none() || q.unacked.is_none());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::recorded;

    fn of<'a, 'b>(fleets: &'a [Fleet<'b>], vhost: &str) -> &'a Fleet<'b> {
        fleets
            .iter()
            .find(|f| f.scope == vhost)
            .unwrap_or_else(|| panic!("no fleet {vhost}"))
    }

    #[test]
    fn the_checks_model_leaves_out_empty_or_uncounted_queues_of_no_celery_kind_only() {
        let mut snap = recorded("celery");
        let record = |name: &str, ready: serde_json::Value| -> records::Queue {
            serde_json::from_value(serde_json::json!({
                "name": name, "vhost": "celtool-fixture", "messages_ready": ready,
                "messages_unacknowledged": 0, "consumers": 0}))
            .unwrap()
        };
        snap.queues.push(record("idle.other", serde_json::json!(0)));
        snap.queues
            .push(record("unknown.other", serde_json::json!(-1)));
        snap.queues.push(record("busy.other", serde_json::json!(3)));
        let kinds = Classifier::new(&snap.connections, &snap.consumers);
        let all = fleets(&snap, &kinds);
        let kept = fleets_to_check(&snap, &kinds, false);
        let names = |f: &[Fleet]| -> Vec<String> {
            of(f, "celtool-fixture")
                .queues
                .iter()
                .map(|q| q.name.to_string())
                .collect()
        };
        let (all_names, kept_names) = (names(&all), names(&kept));
        assert!(
            all_names.contains(&"idle.other".to_string()),
            "{all_names:?}"
        );
        assert!(
            !kept_names.contains(&"idle.other".to_string()),
            "{kept_names:?}"
        );
        let mut expected = all_names.clone();
        expected.retain(|n| n != "idle.other" && n != "unknown.other");
        assert_eq!(kept_names, expected);
        assert_eq!(
            all.iter().map(|f| &f.scope).collect::<Vec<_>>(),
            kept.iter().map(|f| &f.scope).collect::<Vec<_>>()
        );
        // With a backlog limit that judges an empty queue, nothing is left out.
        assert_eq!(names(&fleets_to_check(&snap, &kinds, true)), all_names);
    }

    #[test]
    fn the_recorded_celery_vhost_maps_queues_clients_events_and_results() {
        let snap = recorded("celery");
        let kinds = Classifier::new(&snap.connections, &snap.consumers);
        let fleets = fleets(&snap, &kinds);
        let f = of(&fleets, "celtool-fixture");
        assert_eq!(
            (f.broker, f.event_transport),
            (BrokerKind::RabbitMq, EventTransport::Queues)
        );
        // 126 queues: 120 result queues counted in `results`, six listed.
        assert_eq!(f.queues.len(), 6);
        assert!(f.queues.iter().all(|q| q.kind != Kind::Result));
        let q = |name: &str| {
            f.queues
                .iter()
                .find(|q| q.name == name)
                .unwrap_or_else(|| panic!("no queue {name}"))
        };
        // The planted problems: a task queue nobody consumes, a gone worker's mailbox, an
        // event queue without TTL, 120 per-task result queues.
        let jobs = q("jobs");
        assert_eq!((jobs.kind, jobs.consumers), (Kind::Other, Some(0)));
        assert!(jobs.ready > Some(0), "{jobs:?}");
        assert_eq!(jobs.subject(), "celtool-fixture/jobs");
        let gone = q("w9@gone.celery.pidbox");
        assert_eq!((gone.kind, gone.consumers), (Kind::Mailbox, Some(0)));
        let ev = q("celeryev.5b1c7a0e-0000-4000-8000-00000000beef");
        assert_eq!(
            (ev.kind, ev.message_ttl_ms, ev.expires_ms),
            (Kind::Event, None, None)
        );
        // The real worker: its celery queue, its mailbox and its gossip queue (TTL 5 s,
        // expiry 60 s) are consumed by its connection.
        let celery = q("celery");
        assert_eq!((celery.kind, celery.worker_consumed), (Kind::Task, true));
        let gossip: Vec<&Queue> = f
            .queues
            .iter()
            .filter(|q| q.kind == Kind::Event && q.worker_consumed)
            .collect();
        assert_eq!(gossip.len(), 1, "{gossip:?}");
        assert_eq!(
            (gossip[0].message_ttl_ms, gossip[0].expires_ms),
            (Some(5000), Some(60000))
        );
        let workers = f.clients.iter().filter(|c| c.role == Role::Worker).count();
        assert_eq!((f.clients.len(), workers), (3, 1));
        let ev = f.events.as_ref().expect("the celeryev exchange");
        // Two mailboxes (w1 and the gone w9), the gossip queue and the planted one.
        assert_eq!((ev.worker_nodes, ev.subscribers, ev.monitors), (2, 2, 1));
        let r = f.results.as_ref().expect("result queues");
        assert_eq!((r.queues, r.per_task_queues, r.seen), (120, 120, 120));
        assert!(r.legacy_exchange);
    }

    #[test]
    fn the_event_stream_is_measured_from_the_busiest_monitor() {
        let c = |role, rate| Client {
            id: "c".into(),
            peer: "10.0.0.1".into(),
            role,
            send_rate: Some(rate),
            pending_bytes: None,
            idle_seconds: None,
            state: None,
        };
        let mut ev = Events {
            worker_nodes: 2,
            subscribers: 4,
            monitors: 2,
            ..Events::default()
        };
        let clients = [
            c(Role::Worker, 1000.0),
            c(Role::Monitor, 400.0),
            c(Role::Monitor, 300.0),
            c(Role::Publisher, 0.0),
        ];
        measure_output(&mut ev, &clients);
        assert_eq!(ev.broker_output_bytes, Some(1700.0));
        assert_eq!(ev.per_subscriber_bytes, Some(400.0));
        assert_eq!(ev.event_output_bytes, Some(1600.0));
        assert_eq!(ev.cost_per_pair(), Some(200.0));
        // Without a monitor no connection carries the stream alone: unknown, not 0.
        let mut ev = Events::default();
        measure_output(&mut ev, &clients[..1]);
        assert_eq!(
            (ev.broker_output_bytes, ev.per_subscriber_bytes),
            (Some(1000.0), None)
        );
        measure_output(&mut ev, &[]);
        assert_eq!(ev.broker_output_bytes, None);
    }

    #[test]
    fn the_recorded_clean_vhost_maps_without_problems_to_find() {
        let snap = recorded("clean");
        let kinds = Classifier::new(&snap.connections, &snap.consumers);
        let fleets = fleets(&snap, &kinds);
        for f in &fleets {
            assert!(
                f.queues
                    .iter()
                    .all(|q| q.consumers.is_some() && q.unacked.is_some()),
                "{f:?}"
            );
        }
        assert!(
            fleets
                .iter()
                .flat_map(|f| &f.results)
                .all(|r| r.queues == 0 || r.without_expiry == 0)
        );
    }

    #[test]
    fn reply_queues_are_not_mailboxes_and_the_default_vhost_keeps_its_subjects() {
        let mut snap = crate::checks::testing::snapshot();
        snap.queues = vec![
            crate::checks::testing::queue(
                serde_json::json!({"name": "w1@h.celery.pidbox", "vhost": "/"}),
            ),
            crate::checks::testing::queue(
                serde_json::json!({"name": "abc.reply.celery.pidbox", "vhost": "/"}),
            ),
        ];
        let fleets = fleets(&snap, &Classifier::default());
        let kinds: Vec<(Kind, String)> = fleets[0]
            .queues
            .iter()
            .map(|q| (q.kind, q.subject()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::Mailbox, "/w1@h.celery.pidbox".to_string()),
                (Kind::Reply, "/abc.reply.celery.pidbox".to_string())
            ]
        );
    }

    #[test]
    fn a_consumer_in_the_listing_counts_before_the_queue_stats_show_it() {
        let mut snap = crate::checks::testing::snapshot();
        snap.queues = vec![crate::checks::testing::queue(serde_json::json!(
            {"name": "celeryev.1", "vhost": "v", "consumers": 0,
             "arguments": {"x-message-ttl": 5000, "x-expires": 60000}}
        ))];
        snap.consumers = vec![
            serde_json::from_value(serde_json::json!({
                "queue": {"name": "celeryev.1", "vhost": "v"},
                "channel_details": {"connection_name": "c1"}
            }))
            .unwrap(),
        ];
        let kinds = Classifier::new(&snap.connections, &snap.consumers);
        let fleets = fleets(&snap, &kinds);
        // events.no-consumer reads this count: a worker just started is not reported.
        assert_eq!(fleets[0].queues[0].consumers, Some(1));
    }
}
