//! The broker-neutral Celery model: what a Celery fleet looks like from any broker (queues with
//! their depth, consumers, TTL and kind; clients and what they are; event traffic; results).
//! Brokers map their own facts onto it (`redis::to_celery`, `rabbitmq::to_celery`) and the
//! Celery checks in `checks::celery` run on it once for every broker. What only one broker
//! knows stays in its own snapshot, beside the model, for its own checks.
//!
//! Conventions for a mapping:
//! - a number the broker cannot tell is `None`, never 0: checks skip what is unknown
//!   (Redis cannot say which list a client waits on, so per-queue consumers are `None` there
//!   unless no consumer at all is connected);
//! - `scope` is where names live: the vhost on RabbitMQ, `db5` on Redis; `subject()` joins it
//!   with the name the way findings show it. A RabbitMQ snapshot maps onto one [`Fleet`] per
//!   vhost (a Celery app lives in one), a Redis one onto the fleet of its database;
//! - rates are per second over the broker's own sampling window (RabbitMQ's message_stats) or
//!   celtool's two samples a moment apart (Redis).
//!
//! How each broker fills it:
//!
//! | field | Redis (`redis::to_celery`) | RabbitMQ (`rabbitmq::to_celery`, from `rabbitmq::read::Snapshot`) |
//! |---|---|---|
//! | `Queue.kind` | binding exchange / name: `celeryev` event, `celery.pidbox` mailbox, `*.reply.celery.pidbox` reply, else task | `rabbitmq::classify::Classifier::queue_kind` (its Mailbox covers mailbox and reply) |
//! | `Queue.ready` / `buckets` | LLEN of `NAME` + `NAME\x06\x16{3,6,9}`, one bucket each | messages_ready, no buckets |
//! | `Queue.unacked` | None (one `unacked` hash per database) | messages_unacknowledged |
//! | `Queue.consumers` | Some(0) only when no client is blocked in BRPOP, else None | consumers |
//! | `Queue.message_ttl_ms` / `expires_ms` | None / reply-list TTL | x-message-ttl / x-expires from arguments or effective policy |
//! | `Queue.publish_rate` / `deliver_rate` / `net_rate` | None / None / LLEN change over the sample | message_stats publish / deliver_get rates / None |
//! | `Queue.worker_consumed` | false (Redis cannot tell) | a Celery worker's connection consumes it (a gossip queue, for an event queue) |
//! | `Client.role` | BRPOP or mailbox subscriber: worker; pattern subscriber heard recently: event-subscriber | Classifier: celery-worker: worker, monitor, client, publisher, other |
//! | `Client.pending_bytes` / `send_rate` | omem / None | None / send_oct rate |
//! | `Fleet.event_transport` | pub/sub (PUBLISH on `/DB.celeryev/...`) | queues (`celeryev.*`, one per receiver) |
//! | `Events` | heartbeat hostnames (N), receivers in CLIENT LIST, a PSUBSCRIBE sample, INFO output delta | when the vhost has the celeryev exchange: worker mailboxes (N), non-worker event queues (M), the exchange's publish_in / publish_out rates |
//! | `Results` | sampled `celery-task-meta-*` TTLs; no result queues | result queues (rpc/amqp backends) with or without x-expires, per-task ones, the celeryresults exchange; counted here, not listed in `queues` |
//!
//! What stays beside the model, read only by one broker's own checks: RabbitMQ's node alarms,
//! policies, connection states (flow, blocked), heartbeats, unacked and redelivery counts per
//! queue, cluster and 4.x facts (`checks::broker`, `connections`, `queues`, `cluster`, ...);
//! Redis's INFO, CONFIG, output buffers, the unacked hash, result-key TTLs and reply lists
//! (`checks::redis`).

use std::borrow::Cow;

use serde::Serialize;

/// What a queue is to Celery, from its name and what consumes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum QueueKind {
    /// A queue Celery workers take tasks from.
    Task,
    /// `celeryev.<uuid>`: one per event consumer (Flower, `celery events`, gossip).
    Event,
    /// `<node>.celery.pidbox` (a worker's remote-control mailbox) and `<uuid>.reply.celery.pidbox`.
    Mailbox,
    /// A result queue: a task id without dashes (amqp backend) or a client's UUID (rpc backend).
    Result,
    Other,
}

impl QueueKind {
    pub fn name(self) -> &'static str {
        match self {
            QueueKind::Task => "task",
            QueueKind::Event => "event",
            QueueKind::Mailbox => "mailbox",
            QueueKind::Result => "result",
            QueueKind::Other => "other",
        }
    }
}

/// Which broker a model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BrokerKind {
    RabbitMq,
    Redis,
}

/// What Celery uses a queue for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Task messages for workers.
    Task,
    /// Celery events (`celeryev.*`): monitors and worker gossip.
    Event,
    /// A worker's remote-control mailbox (`NODE.celery.pidbox`).
    Mailbox,
    /// Task results kept as messages (rpc:// or amqp:// result queues).
    Result,
    /// Replies to remote-control commands (`UUID.reply.celery.pidbox`).
    Reply,
    Other,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Task => "task",
            Kind::Event => "event",
            Kind::Mailbox => "mailbox",
            Kind::Result => "result",
            Kind::Reply => "reply",
            Kind::Other => "other",
        }
    }
}

/// Messages waiting at one priority. On Redis, kombu keeps priorities in separate lists
/// (steps 0, 3, 6, 9; 0 is served first); on RabbitMQ a priority queue has one depth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bucket {
    pub priority: u8,
    pub messages: u64,
}

/// One queue. Its names borrow from the broker's snapshot where they can: a fleet of 100 000
/// queues must not hold every name twice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Queue<'a> {
    pub scope: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub kind: Kind,
    /// Messages waiting, every priority bucket summed; `None` when the broker's record has no
    /// (plausible) count: unknown, never read as empty (the sanity check names it).
    pub ready: Option<u64>,
    /// Per-priority depths; empty when the broker keeps one depth.
    pub buckets: Vec<Bucket>,
    /// Delivered, not yet acknowledged; `None` when the broker does not count it per queue
    /// (Redis keeps one `unacked` hash for the database).
    pub unacked: Option<u64>,
    /// `None`: the broker cannot tell.
    pub consumers: Option<u64>,
    pub message_ttl_ms: Option<u64>,
    pub expires_ms: Option<u64>,
    pub publish_rate: Option<f64>,
    pub deliver_rate: Option<f64>,
    /// Change of `ready` per second (positive: growing), when measured directly.
    pub net_rate: Option<f64>,
    /// A Celery worker's connection consumes it (for an event queue: the worker's own gossip
    /// queue, bound to `worker.#`); false when the broker cannot tell.
    pub worker_consumed: bool,
}

impl Queue<'_> {
    /// `scope/name`; `/name` in RabbitMQ's default vhost `/`.
    pub fn subject(&self) -> String {
        if self.scope == "/" {
            format!("/{}", self.name)
        } else {
            format!("{}/{}", self.scope, self.name)
        }
    }

    /// The growth per second: measured directly, or publish minus deliver (a missing side
    /// counts as 0: a queue only published to grows by its publish rate).
    pub fn growth(&self) -> Option<f64> {
        self.net_rate
            .or(match (self.publish_rate, self.deliver_rate) {
                (Some(p), Some(d)) => Some(p - d),
                (Some(p), None) => Some(p),
                (None, Some(d)) => Some(-d),
                (None, None) => None,
            })
            // Rates of 1e308 from a confused broker must not read as "inf msg/s".
            .filter(|n| n.is_finite())
    }
}

/// What a client connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A worker's task consumer or its mailbox.
    Worker,
    /// An event consumer that is not a worker (flower, celery events, an exporter).
    Monitor,
    /// Receives events, but the broker cannot tell a worker's gossip from a monitor (Redis).
    EventSubscriber,
    /// Publishes tasks or events and consumes nothing.
    Publisher,
    /// Consumes only replies or results: rpc:// result consumers, `celery inspect`/control.
    Client,
    Other,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Monitor => "monitor",
            Role::EventSubscriber => "event-subscriber",
            Role::Publisher => "publisher",
            Role::Client => "client",
            Role::Other => "other",
        }
    }
}

/// One client connection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Client {
    /// The broker's name for it (a connection name, a Redis client id).
    pub id: String,
    pub peer: String,
    pub role: Role,
    /// Bytes per second sent to it, when the broker measures that.
    pub send_rate: Option<f64>,
    /// Bytes the broker holds for it, not yet written (Redis omem).
    pub pending_bytes: Option<u64>,
    pub idle_seconds: Option<u64>,
    /// What it last did or is doing (`brpop`, `psubscribe`, a connection state).
    pub state: Option<String>,
}

/// How Celery events reach their receivers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventTransport {
    /// Routed into one queue per receiver (`celeryev.<uuid>`, RabbitMQ): the queues have a
    /// depth, consumers and TTL, and their publish rates split the traffic.
    Queues,
    /// Published on a channel and copied to every pattern subscriber (Redis): no queue holds
    /// them; the cost shows in the broker's output bytes.
    #[default]
    PubSub,
}

/// Celery's event traffic: heartbeats, task events and gossip.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Events {
    /// Worker nodes sending heartbeats (N).
    pub worker_nodes: u64,
    /// Event receivers that are not workers (M), estimated where the broker cannot tell.
    pub monitors: u64,
    /// Every receiver of the event stream (workers with gossip plus monitors).
    pub subscribers: u64,
    /// Bytes per second one receiver of every event gets.
    pub per_subscriber_bytes: Option<f64>,
    /// Event messages per second published.
    pub publish_rate: Option<f64>,
    /// Event copies per second delivered to receivers' queues (RabbitMQ's publish_out).
    pub routed_rate: Option<f64>,
    /// The broker's whole output, bytes per second.
    pub broker_output_bytes: Option<f64>,
    /// Estimated output for the event stream, bytes per second.
    pub event_output_bytes: Option<f64>,
}

impl Events {
    /// Share of the broker's output that is event traffic.
    pub fn share(&self) -> Option<f64> {
        match (self.event_output_bytes, self.broker_output_bytes) {
            (Some(e), Some(t)) if t > 0.0 => Some((e / t).min(1.0)),
            _ => None,
        }
    }

    /// Bytes per second per worker node per receiver: the c in output = N x (N + M) x c.
    pub fn cost_per_pair(&self) -> Option<f64> {
        let per = self.per_subscriber_bytes?;
        (self.worker_nodes > 0).then(|| per / self.worker_nodes as f64)
    }
}

/// Task results kept by the broker.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Results {
    /// Result keys or queues seen.
    pub seen: u64,
    /// How many had their expiry read.
    pub sampled: u64,
    /// Of the sampled, how many never expire.
    pub without_expiry: u64,
    /// Results kept as queues (rpc:// and the old amqp:// backend); 0 on Redis.
    pub queues: u64,
    /// Of those, one queue per task (amqp://: a task id without dashes).
    pub per_task_queues: u64,
    /// Messages held in result queues (those whose counts the broker sent).
    pub messages: u64,
    /// Result queues whose message counts the broker did not send: `messages` is then a
    /// lower bound.
    pub messages_unknown: u64,
    /// The `celeryresults` exchange of the old amqp:// backend exists.
    pub legacy_exchange: bool,
}

/// A whole fleet as one broker shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fleet<'a> {
    pub broker: BrokerKind,
    /// The broker's host, for findings.
    pub host: String,
    /// Where its names live: a vhost, `db5`.
    pub scope: String,
    pub event_transport: EventTransport,
    /// Every queue but result queues, which `results` counts (a result flood is the one case
    /// of 100 000 queues, and no check reads them one by one).
    pub queues: Vec<Queue<'a>>,
    pub clients: Vec<Client>,
    pub events: Option<Events>,
    pub results: Option<Results>,
}

/// The fleet size at which the event stream fills `link_bytes` per second, from
/// output = N x (N + M) x c (gossip on: every worker receives every worker's heartbeat).
pub fn saturating_nodes(link_bytes: f64, monitors: u64, cost: f64) -> Option<f64> {
    if !(link_bytes > 0.0 && cost > 0.0) {
        return None;
    }
    let m = monitors as f64;
    Some((-m + (m * m + 4.0 * link_bytes / cost).sqrt()) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_fan_out_model_saturates_a_gigabit_near_580_nodes() {
        let n = saturating_nodes(125_000_000.0, 0, 370.0).unwrap();
        assert!((n - 581.0).abs() < 1.0, "{n}");
        // 8 workers and 3 monitors: 8 x 11 x 370 = 32.6 kB/s; more monitors, fewer nodes.
        assert!(saturating_nodes(125e6, 100, 370.0).unwrap() < n);
        assert_eq!(saturating_nodes(0.0, 0, 370.0), None);
    }

    #[test]
    fn growth_prefers_the_direct_measure() {
        let q = Queue {
            scope: "db5".into(),
            name: "celery".into(),
            kind: Kind::Task,
            ready: Some(10),
            buckets: vec![],
            unacked: None,
            consumers: None,
            message_ttl_ms: None,
            expires_ms: None,
            publish_rate: Some(5.0),
            deliver_rate: Some(1.0),
            net_rate: None,
            worker_consumed: false,
        };
        assert_eq!(q.growth(), Some(4.0));
        let q = Queue {
            net_rate: Some(-2.0),
            ..q
        };
        assert_eq!(q.growth(), Some(-2.0));
        assert_eq!(q.subject(), "db5/celery");
        let q = Queue {
            net_rate: None,
            publish_rate: None,
            deliver_rate: Some(3.0),
            ..q
        };
        assert_eq!(q.growth(), Some(-3.0));
        let q = Queue {
            deliver_rate: Some(f64::INFINITY),
            ..q
        };
        assert_eq!(q.growth(), None);
    }
}
