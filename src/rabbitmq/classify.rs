//! Recognising what Celery created on the broker: event queues, worker mailboxes, result queues,
//! task queues, and which connections are workers or event consumers (FACTS.md, "What Celery
//! creates on RabbitMQ").

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::records::{Connection, Consumer, Queue};

pub use crate::celery_model::QueueKind;

/// What a connection is, from what it consumes (py-amqp sends no hostname or program name, and
/// a worker, Flower and a publisher on one host look alike otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionKind {
    /// Consumes a worker mailbox (`NODE.celery.pidbox`), or event and task queues together.
    CeleryWorker,
    /// Consumes event queues only: Flower, `celery events`, an exporter. Was `event-consumer`.
    Monitor,
    /// Consumes only reply or result queues: rpc:// result consumers, `celery inspect`/control.
    Client,
    /// Consumes nothing: a task publisher, or a worker's or monitor's publishing connection.
    Publisher,
    /// Consumes other queues: not recognisably Celery.
    Other,
}

impl ConnectionKind {
    pub fn name(self) -> &'static str {
        match self {
            ConnectionKind::CeleryWorker => "celery-worker",
            ConnectionKind::Monitor => "monitor",
            ConnectionKind::Client => "client",
            ConnectionKind::Publisher => "publisher",
            ConnectionKind::Other => "other",
        }
    }
}

/// What one connection consumes, by queue kind.
#[derive(Debug, Default, Clone, Copy)]
struct Consumes {
    mailbox: bool,
    events: bool,
    replies: bool,
    other: bool,
}

impl Consumes {
    fn kind(self) -> ConnectionKind {
        match self {
            Consumes { mailbox: true, .. } => ConnectionKind::CeleryWorker,
            // Gossip and tasks on one connection: a worker without remote control.
            Consumes {
                events: true,
                other: true,
                ..
            } => ConnectionKind::CeleryWorker,
            Consumes { events: true, .. } => ConnectionKind::Monitor,
            Consumes { other: true, .. } => ConnectionKind::Other,
            Consumes { replies: true, .. } => ConnectionKind::Client,
            _ => ConnectionKind::Publisher,
        }
    }
}

pub fn is_event_queue(name: &str) -> bool {
    name.starts_with("celeryev.")
}

pub fn is_reply_queue(name: &str) -> bool {
    name.ends_with(".reply.celery.pidbox")
}

/// A worker's own mailbox (`w1@host.celery.pidbox`), not a reply queue.
pub fn is_worker_mailbox(name: &str) -> bool {
    name.ends_with(".celery.pidbox") && !is_reply_queue(name)
}

/// The worker node name of a mailbox queue (`w1@host` of `w1@host.celery.pidbox`).
pub fn mailbox_node(name: &str) -> Option<&str> {
    if is_worker_mailbox(name) {
        name.strip_suffix(".celery.pidbox")
    } else {
        None
    }
}

/// A per-task result queue of the amqp backend: the task id without dashes, 32 lowercase hex.
pub fn is_task_result_queue(name: &str) -> bool {
    name.len() == 32 && lower_hex(name.as_bytes())
}

/// An rpc-backend reply queue: a bare UUID (8-4-4-4-12 lowercase hex).
pub fn is_uuid_queue(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && [&b[..8], &b[9..13], &b[14..18], &b[19..23], &b[24..]]
            .iter()
            .all(|part| lower_hex(part))
}

/// Whether every byte is `0-9` or `a-f`. Every queue of a listing is asked (twice, by the
/// queue checks and the Celery model), so eight bytes are judged at once: a byte-by-byte test
/// of the 32-byte result-queue names was 4 % of a doctor run at 10 000 queues.
fn lower_hex(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if !lower_hex8(u64::from_le_bytes(word)) {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// The eight bytes of `x` are each `0-9` or `a-f`. For a byte `b` below 0x80 and a bound `lo`
/// up to 0x80, `b + 0x80 - lo` carries into no other byte and has its high bit set exactly
/// when `b >= lo`.
fn lower_hex8(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if x & HIGH != 0 {
        return false;
    }
    let at_least = |lo: u64| x + ONES * (0x80 - lo);
    let digit = at_least(0x30) & !at_least(0x3a);
    let letter = at_least(0x61) & !at_least(0x67);
    (digit | letter) & HIGH == HIGH
}

/// Classifies queues and connections using the consumers list to link them.
#[derive(Debug, Default)]
pub struct Classifier {
    /// (vhost, queue) consumed by a Celery worker connection.
    worker_consumed: ByQueue<()>,
    connection_kinds: HashMap<String, ConnectionKind>,
    /// Names of connections with at least one consumer.
    consuming: HashSet<String>,
    /// Consumers per (vhost, queue) in the consumer listing, which is current, while a queue's
    /// own `consumers` count is refreshed only every statistics interval.
    listed: ByQueue<u64>,
}

/// A value per (vhost, queue), found from borrowed names: every queue of a listing is looked
/// up, and a `(String, String)` key would copy both names for each look-up. Almost every
/// look-up misses (a few queues of thousands have consumers): a 256-bit filter of the queue
/// names' length and ends answers most misses before any name is hashed (two SipHashes per
/// look-up, three look-ups per queue, were 7 % of a doctor run at 10 000 queues).
#[derive(Debug)]
pub(crate) struct ByQueue<T> {
    map: HashMap<String, HashMap<String, T>>,
    filter: [u64; 4],
}

impl<T> Default for ByQueue<T> {
    fn default() -> Self {
        ByQueue {
            map: HashMap::new(),
            filter: [0; 4],
        }
    }
}

/// The filter bit of a queue name: from its length and its first and last bytes.
fn filter_bit(queue: &str) -> usize {
    let b = queue.as_bytes();
    let (first, last) = (
        b.first().copied().unwrap_or(0) as usize,
        b.last().copied().unwrap_or(0) as usize,
    );
    (b.len().wrapping_mul(31) ^ first.wrapping_mul(7) ^ last.wrapping_mul(131)) & 255
}

impl<T: Default> ByQueue<T> {
    pub(crate) fn entry(&mut self, (vhost, queue): (String, String)) -> &mut T {
        let bit = filter_bit(&queue);
        self.filter[bit / 64] |= 1 << (bit % 64);
        self.map.entry(vhost).or_default().entry(queue).or_default()
    }

    pub(crate) fn get(&self, vhost: &str, queue: &str) -> Option<&T> {
        let bit = filter_bit(queue);
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return None;
        }
        self.map.get(vhost)?.get(queue)
    }
}

impl Classifier {
    pub fn new(connections: &[Connection], consumers: &[Consumer]) -> Self {
        let mut consumes: HashMap<&str, Consumes> = HashMap::new();
        for c in consumers {
            let q = c.queue_name();
            let e = consumes.entry(c.connection_name()).or_default();
            if is_worker_mailbox(q) {
                e.mailbox = true;
            } else if is_event_queue(q) {
                e.events = true;
            } else if is_reply_queue(q) || is_task_result_queue(q) || is_uuid_queue(q) {
                e.replies = true;
            } else {
                e.other = true;
            }
        }
        let connection_kinds: HashMap<String, ConnectionKind> = connections
            .iter()
            .map(|c| {
                let kind = consumes.get(c.name()).copied().unwrap_or_default().kind();
                (c.name().to_string(), kind)
            })
            .collect();
        let mut worker_consumed = ByQueue::default();
        for key in consumers
            .iter()
            .filter(|c| {
                consumes
                    .get(c.connection_name())
                    .is_some_and(|k| k.kind() == ConnectionKind::CeleryWorker)
            })
            .filter_map(Consumer::queue_key)
        {
            worker_consumed.entry(key);
        }
        let consuming = consumers
            .iter()
            .map(|c| c.connection_name().to_string())
            .collect();
        let mut listed = ByQueue::default();
        for key in consumers.iter().filter_map(Consumer::queue_key) {
            *listed.entry(key) += 1;
        }
        Classifier {
            worker_consumed,
            connection_kinds,
            consuming,
            listed,
        }
    }

    /// How many consumers the consumer listing shows on the queue.
    pub fn listed_consumers(&self, q: &Queue) -> u64 {
        self.listed.get(q.vhost(), q.name()).copied().unwrap_or(0)
    }

    /// True when a Celery worker's connection consumes the queue (for an event queue: the
    /// worker's gossip queue, bound to `worker.#` only).
    pub fn is_worker_consumed(&self, q: &Queue) -> bool {
        self.worker_consumed.get(q.vhost(), q.name()).is_some()
    }

    /// True when the connection consumes from at least one queue.
    pub fn is_consuming(&self, c: &Connection) -> bool {
        self.consuming.contains(c.name())
    }

    pub fn queue_kind(&self, q: &Queue) -> QueueKind {
        let name = q.name();
        if is_event_queue(name) {
            QueueKind::Event
        } else if name.ends_with(".celery.pidbox") {
            QueueKind::Mailbox
        } else if is_task_result_queue(name) || is_uuid_queue(name) {
            QueueKind::Result
        } else if name == "celery" || self.worker_consumed.get(q.vhost(), name).is_some() {
            QueueKind::Task
        } else {
            QueueKind::Other
        }
    }

    pub fn connection_kind(&self, c: &Connection) -> ConnectionKind {
        self.connection_kinds
            .get(c.name())
            .copied()
            .unwrap_or(ConnectionKind::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_hex_agrees_with_a_byte_by_byte_test_on_every_byte() {
        let slow = |b: &[u8]| {
            b.iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        };
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut word = *b"0123abcd";
                word[at] = b;
                assert_eq!(lower_hex(&word), slow(&word), "byte {b:#x} at {at}");
                let mut long = *b"0123456789abcdef0123456789abcde0f";
                long[at * 4] = b;
                assert_eq!(lower_hex(&long), slow(&long), "byte {b:#x} at {}", at * 4);
            }
        }
        assert!(is_task_result_queue("0123456789abcdef0123456789abcdef"));
        assert!(!is_task_result_queue("0123456789ABCDEF0123456789abcdef"));
        assert!(is_uuid_queue("01234567-89ab-cdef-0123-456789abcdef"));
        assert!(!is_uuid_queue("01234567-89ab-cdef-0123-456789abcdeg"));
        assert!(!is_uuid_queue("0123456789ab-cdef-0123-456789abcdef-"));
    }

    fn queue(vhost: &str, name: &str) -> Queue {
        Queue {
            name: Some(name.into()),
            vhost: Some(vhost.into()),
            ..Queue::default()
        }
    }

    fn consumer(queue: &str, conn: &str) -> Consumer {
        serde_json::from_value(serde_json::json!({
            "queue": {"name": queue, "vhost": "v"},
            "channel_details": {"connection_name": conn}
        }))
        .unwrap()
    }

    fn connection(name: &str, host: &str, product: &str) -> Connection {
        serde_json::from_value(serde_json::json!({
            "name": name, "peer_host": host, "client_properties": {"product": product}
        }))
        .unwrap()
    }

    #[test]
    fn names_are_recognised() {
        assert!(is_event_queue("celeryev.1b2c"));
        assert!(is_worker_mailbox("w1@host.celery.pidbox"));
        assert!(!is_worker_mailbox("6f1e.reply.celery.pidbox"));
        assert_eq!(mailbox_node("w1@host.celery.pidbox"), Some("w1@host"));
        assert!(is_task_result_queue("0123456789abcdef0123456789abcdef"));
        assert!(!is_task_result_queue("0123456789abcdef0123456789abcdeg"));
        assert!(is_uuid_queue("0d5c4a9e-3b0c-4f7e-9a1d-2b3c4d5e6f70"));
        assert!(!is_uuid_queue("0d5c4a9e-3b0c-4f7e-9a1d"));
    }

    #[test]
    fn queues_consumed_by_workers_are_task_queues() {
        let conns = vec![
            connection("c1", "10.0.0.5", "py-amqp"),
            connection("c2", "10.0.0.5", "py-amqp"),
            connection("c3", "10.0.0.9", "py-amqp"),
            connection("c4", "10.0.0.7", "rabbitmq-java"),
        ];
        let consumers = vec![
            consumer("w1@a.celery.pidbox", "c1"),
            consumer("emails", "c1"),
            consumer("celeryev.x", "c3"),
            consumer("billing", "c4"),
        ];
        let k = Classifier::new(&conns, &consumers);
        assert_eq!(k.queue_kind(&queue("v", "emails")), QueueKind::Task);
        assert_eq!(k.queue_kind(&queue("v", "billing")), QueueKind::Other);
        assert_eq!(k.queue_kind(&queue("x", "celery")), QueueKind::Task);
        assert_eq!(k.queue_kind(&queue("v", "celeryev.x")), QueueKind::Event);
        assert_eq!(
            k.queue_kind(&queue("v", "a.reply.celery.pidbox")),
            QueueKind::Mailbox
        );
        assert_eq!(
            k.queue_kind(&queue("v", "0123456789abcdef0123456789abcdef")),
            QueueKind::Result
        );
        let kinds: Vec<_> = conns.iter().map(|c| k.connection_kind(c)).collect();
        // c2 shares the worker's host and library but consumes nothing: it may as well be a
        // task publisher on that host, so it is called what it is seen doing.
        assert_eq!(
            kinds,
            vec![
                ConnectionKind::CeleryWorker,
                ConnectionKind::Publisher,
                ConnectionKind::Monitor,
                ConnectionKind::Other
            ]
        );
    }

    #[test]
    fn monitors_clients_and_publishers_are_not_workers() {
        let conns: Vec<Connection> = ["w", "flower", "rpc", "inspect", "pub", "gossip"]
            .iter()
            .map(|n| connection(n, "10.0.0.5", "py-amqp"))
            .collect();
        let consumers = vec![
            consumer("w1@a.celery.pidbox", "w"),
            consumer("celeryev.1", "w"),
            consumer("celeryev.2", "flower"),
            consumer("0d5c4a9e-3b0c-4f7e-9a1d-2b3c4d5e6f70", "rpc"),
            consumer("6f1e.reply.celery.pidbox", "inspect"),
            consumer("celeryev.3", "gossip"),
            consumer("celery", "gossip"),
        ];
        let k = Classifier::new(&conns, &consumers);
        let kinds: Vec<_> = conns.iter().map(|c| k.connection_kind(c).name()).collect();
        assert_eq!(
            kinds,
            vec![
                "celery-worker",
                "monitor",
                "client",
                "client",
                "publisher",
                "celery-worker"
            ]
        );
        assert!(k.is_worker_consumed(&queue("v", "celeryev.1")));
        assert!(!k.is_worker_consumed(&queue("v", "celeryev.2")));
    }
}
