//! The parts of the management API's JSON that celtool reads. Every field is optional: fields
//! vanish with the metrics collector disabled, differ between 3.8 and 4.x, and a broker under
//! load may omit rates. Each list type has the `columns=` list that asks for exactly its fields.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::Deserialize;
use serde::de::{SeqAccess, Visitor};
use serde_json::Value;

use super::lenient::not_objects;
pub use super::lenient::{Obj, Shapes};

/// `{"rate": 1.5}` as found under `*_details`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
pub struct Rate {
    pub rate: Option<f64>,
}

fn rate(r: &Obj<Rate>) -> Option<f64> {
    r.as_ref()
        .and_then(|r| r.rate)
        .filter(|v| plausible_rate(*v))
}

/// The largest count (messages, consumers, descriptors...) a broker can really report; above it,
/// or below zero, or not a whole number, the value is impossible.
pub const MAX_COUNT: f64 = 1e15;
/// The largest byte figure (memory, disk) taken as real: an exabyte.
pub const MAX_BYTES: f64 = 1e18;
/// The largest rate (messages or bytes per second) taken as real.
pub const MAX_RATE: f64 = 1e12;

/// A count the broker could have sent: whole, from 0 to [`MAX_COUNT`].
pub fn plausible_count(v: f64) -> bool {
    // Whole when a cast drops nothing: `fract` calls a library `trunc` on x86_64 without
    // SSE4.1, and every count of every queue is asked.
    (0.0..=MAX_COUNT).contains(&v) && (v as u64) as f64 == v
}

/// A byte figure the broker could have sent: from 0 to [`MAX_BYTES`].
pub fn plausible_bytes(v: f64) -> bool {
    v.is_finite() && (0.0..=MAX_BYTES).contains(&v)
}

/// A rate the broker could have sent: from 0 to [`MAX_RATE`].
pub fn plausible_rate(v: f64) -> bool {
    v.is_finite() && (0.0..=MAX_RATE).contains(&v)
}

/// `v` when it is a plausible count, else `None`.
pub fn count(v: impl Into<Option<f64>>) -> Option<f64> {
    v.into().filter(|v| plausible_count(*v))
}

/// `v` when it is a plausible byte figure, else `None`.
pub fn bytes(v: Option<f64>) -> Option<f64> {
    v.filter(|v| plausible_bytes(*v))
}

/// A record that lacks what names its object (a queue, exchange or policy without a name; a
/// policy without pattern or definition) decodes, but no check can judge it and no fix can name
/// it (`rabbitmqctl purge_queue -p v ''`): the listing leaves it out and counts it, as a record
/// that did not decode (`broker.api.skipped`).
pub trait Whole {
    /// The first field the record lacks, if any.
    fn missing(&self) -> Option<&'static str>;
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Overview {
    pub rabbitmq_version: Option<String>,
    pub management_version: Option<String>,
    pub product_version: Option<String>,
    pub cluster_name: Option<String>,
    pub node: Option<String>,
    /// Listeners of every node (cluster reads: which AMQP port to ask port-listener about).
    pub listeners: Option<Vec<Listener>>,
    /// The management plugin's `rates_mode`: basic, detailed or none.
    pub rates_mode: Option<String>,
    /// Counts of the broker's objects: they size the wait for a listing to start.
    #[serde(default)]
    pub object_totals: Obj<ObjectTotals>,
    /// Node-wide message counters: the unroutable ones (issue 21).
    #[serde(default)]
    pub message_stats: Obj<Box<OverviewStats>>,
    /// Objects created and closed, with rates: connection churn.
    #[serde(default)]
    pub churn_rates: Obj<Box<ChurnRates>>,
}

/// The overview's message counters celtool reads: messages no queue took.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct OverviewStats {
    /// Unroutable messages published without `mandatory`: dropped.
    #[serde(default)]
    pub drop_unroutable_details: Obj<Rate>,
    /// Unroutable messages published with `mandatory`: returned to the publisher.
    #[serde(default)]
    pub return_unroutable_details: Obj<Rate>,
}

impl OverviewStats {
    /// Unroutable messages per second, dropped and returned.
    pub fn unroutable_rate(&self) -> Option<f64> {
        match (
            rate(&self.drop_unroutable_details),
            rate(&self.return_unroutable_details),
        ) {
            (None, None) => None,
            (d, r) => Some(d.unwrap_or(0.0) + r.unwrap_or(0.0)),
        }
    }
}

/// A vhost's own message counters (`/api/vhosts`): the unroutable ones, which bound what the
/// vhost's exchanges are said to lose (the node's count includes every other vhost's).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct VhostStats {
    pub name: Option<String>,
    #[serde(default)]
    pub message_stats: Obj<Box<OverviewStats>>,
}

impl VhostStats {
    pub const COLUMNS: &'static str = "name,message_stats.drop_unroutable_details.rate,\
message_stats.return_unroutable_details.rate";

    /// Unroutable messages per second in this vhost; a vhost without counters lost none.
    pub fn unroutable_rate(&self) -> f64 {
        self.message_stats
            .as_ref()
            .and_then(|m| m.unroutable_rate())
            .unwrap_or(0.0)
    }
}

/// The overview's `churn_rates`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ChurnRates {
    pub connection_created: Option<f64>,
    #[serde(default)]
    pub connection_created_details: Obj<Rate>,
    #[serde(default)]
    pub connection_closed_details: Obj<Rate>,
}

impl ChurnRates {
    pub fn created_rate(&self) -> Option<f64> {
        rate(&self.connection_created_details)
    }
    pub fn closed_rate(&self) -> Option<f64> {
        rate(&self.connection_closed_details)
    }
}

impl Shapes for Overview {
    fn not_objects(&self) -> Vec<&'static str> {
        not_objects(&[("object_totals", self.object_totals.is_not_an_object())])
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Listener {
    pub node: Option<String>,
    pub protocol: Option<String>,
    pub port: Option<f64>,
}

/// `object_totals` of the overview.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ObjectTotals {
    pub queues: Option<f64>,
    pub connections: Option<f64>,
    pub channels: Option<f64>,
    pub consumers: Option<f64>,
    pub exchanges: Option<f64>,
}

impl ObjectTotals {
    /// Every object a listing may have to gather, missing or nonsense counts as none.
    pub fn sum(&self) -> f64 {
        [
            self.queues,
            self.connections,
            self.channels,
            self.consumers,
            self.exchanges,
        ]
        .into_iter()
        .flatten()
        .filter(|n| n.is_finite() && *n > 0.0)
        .sum()
    }
}

impl Overview {
    pub const COLUMNS: &'static str = "rabbitmq_version,management_version,product_version,cluster_name,node,listeners,\
rates_mode,object_totals,message_stats.drop_unroutable_details.rate,\
message_stats.return_unroutable_details.rate,churn_rates.connection_created,\
churn_rates.connection_created_details.rate,churn_rates.connection_closed_details.rate";

    pub fn version(&self) -> Option<&str> {
        self.rabbitmq_version
            .as_deref()
            .or(self.product_version.as_deref())
            .or(self.management_version.as_deref())
    }

    /// (major, minor) of [`Self::version`]; `None` when it has none or it is no version
    /// (`"12"`): the sanity check says so, the version checks are skipped.
    pub fn major_minor(&self) -> Option<(u32, u32)> {
        let mut parts = self.version()?.split(['.', '-', '+']);
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Node {
    pub name: Option<String>,
    pub running: Option<bool>,
    pub mem_used: Option<f64>,
    pub mem_limit: Option<f64>,
    pub mem_alarm: Option<bool>,
    pub disk_free: Option<f64>,
    pub disk_free_limit: Option<f64>,
    pub disk_free_alarm: Option<bool>,
    pub fd_used: Option<f64>,
    pub fd_total: Option<f64>,
    pub proc_used: Option<f64>,
    pub proc_total: Option<f64>,
    /// Nodes this node cannot reach although they are cluster members (a network partition).
    pub partitions: Option<Vec<String>>,
    /// Bytes per second the memory use grows (the alarm forecast).
    #[serde(default)]
    pub mem_used_details: Obj<Slope>,
    /// Bytes per second the free disk space grows (negative: shrinks).
    #[serde(default)]
    pub disk_free_details: Obj<Slope>,
    /// The node's Erlang distribution links to the other cluster members.
    pub cluster_links: Option<Vec<ClusterLink>>,
}

/// One Erlang distribution link of a node (`cluster_links` in `/api/nodes`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ClusterLink {
    /// The peer node.
    pub name: Option<String>,
}

/// A node figure's slope: over the last statistics interval (`rate`, a few seconds) and, when
/// the node list is asked with [`Node::QUERY`], over the last five minutes (`avg_rate`, and
/// the `samples` themselves, 5 s apart, newest first).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Slope {
    pub rate: Option<f64>,
    pub avg_rate: Option<f64>,
    #[serde(default, deserialize_with = "lenient_samples")]
    pub samples: Vec<Sample>,
}

/// One sample of a node figure: the value, and when (ms since the epoch).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
pub struct Sample {
    pub sample: f64,
    pub timestamp: f64,
}

/// Samples that do not decode are none: the slope falls back to the rates.
fn lenient_samples<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Sample>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value::<Vec<Sample>>(v)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.sample.is_finite() && s.timestamp.is_finite())
        .collect())
}

impl Slope {
    fn finite(v: Option<f64>) -> Option<f64> {
        v.filter(|v| v.is_finite())
    }

    /// The slope of the figure's floor over the samples' window: the lowest value of the
    /// window's second half less the lowest of its first half, over half the window. A node
    /// that builds large answers and frees them (listings of 100 000 queues, every few
    /// seconds for a minute) rises and falls back to the same floor: about 0. Growth that
    /// lasts (a backlog in memory) lifts the floor: its own slope. `None` with fewer than six
    /// samples or a window under a minute (a node just started, a query without the window).
    pub fn floor_rate(&self) -> Option<f64> {
        let first = self
            .samples
            .iter()
            .map(|s| s.timestamp)
            .fold(f64::INFINITY, f64::min);
        let last = self
            .samples
            .iter()
            .map(|s| s.timestamp)
            .fold(f64::NEG_INFINITY, f64::max);
        let span_ms = last - first;
        if self.samples.len() < 6 || span_ms < 60_000.0 {
            return None;
        }
        let middle = first + span_ms / 2.0;
        let floor = |early: bool| {
            self.samples
                .iter()
                .filter(|s| (s.timestamp < middle) == early)
                .map(|s| s.sample)
                .fold(f64::INFINITY, f64::min)
        };
        Some((floor(false) - floor(true)) / (span_ms / 2000.0))
    }
}

impl Node {
    pub const COLUMNS: &'static str = "name,running,mem_used,mem_limit,mem_alarm,disk_free,\
disk_free_limit,disk_free_alarm,fd_used,fd_total,proc_used,proc_total,partitions,\
mem_used_details.rate,mem_used_details.avg_rate,mem_used_details.samples,\
disk_free_details.rate,disk_free_details.avg_rate,cluster_links";

    /// The slopes' window: five minutes of the node's statistics, 5 s apart (RabbitMQ keeps
    /// 5 s samples for ten minutes by default).
    pub const QUERY: [(&'static str, &'static str); 2] =
        [("node_stats_age", "300"), ("node_stats_incr", "5")];

    /// The memory's growth in bytes per second that both the last interval and the five
    /// minutes' floor show (the smaller of the two; without samples, the five minutes'
    /// average): a node building large answers (the listing of 100 000 queues) grows by tens
    /// of MiB a second for half a minute, then frees it all, and a minute of such answers
    /// one after another still averages a climb.
    pub fn mem_rate(&self) -> Option<f64> {
        let s = self.mem_used_details.as_ref()?;
        let now = Slope::finite(s.rate).filter(|v| plausible_rate(v.abs()))?;
        let window = s.floor_rate().or(Slope::finite(s.avg_rate));
        Some(window.map_or(now, |w| now.min(w)))
    }

    /// The free disk's slope (negative: shrinking), the gentler of the last interval's and the
    /// five minutes'.
    pub fn disk_free_rate(&self) -> Option<f64> {
        let s = self.disk_free_details.as_ref()?;
        let now = Slope::finite(s.rate)?;
        Some(Slope::finite(s.avg_rate).map_or(now, |minute| now.max(minute)))
    }

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("(unnamed node)")
    }
}

/// `/api/nodes/{node}/memory`, reduced to what the management-plugin check needs. A busy node
/// answers `{"memory": "not_available"}`: that reads as no breakdown, not as an error.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct NodeMemory {
    #[serde(default)]
    pub memory: Obj<MemoryBreakdown>,
}

impl Shapes for NodeMemory {
    fn not_objects(&self) -> Vec<&'static str> {
        let mut v = not_objects(&[("memory", self.memory.is_not_an_object())]);
        if let Some(m) = self.memory.as_ref() {
            v.extend(not_objects(&[("memory.total", m.total.is_not_an_object())]));
        }
        v
    }
}

/// A list answer that survives odd records: each element that does not decode as `T` is
/// skipped and counted instead of failing the whole listing. Each element is first taken as its
/// raw JSON text (a scan and one copy, no tree of values) and then decoded, so no more than one
/// record is held twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub skipped: usize,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing {
            items: Vec::new(),
            skipped: 0,
        }
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Listing<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::de::DeserializeOwned> Visitor<'de> for V<T> {
            type Value = Listing<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Listing::default();
                while let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
                    match serde_json::from_str::<T>(raw.get()) {
                        Ok(item) => out.items.push(item),
                        Err(_) => out.skipped += 1,
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct MemoryBreakdown {
    pub mgmt_db: Option<f64>,
    pub metrics: Option<f64>,
    #[serde(default)]
    pub total: Obj<MemoryTotal>,
    /// Every other category the node reports (queue_procs, binary, connection_readers, code,
    /// plugins, ...), as `rabbitmq-diagnostics memory_breakdown` lists them; non-numbers dropped.
    #[serde(flatten, deserialize_with = "numbers_only")]
    pub parts: BTreeMap<String, f64>,
}

fn numbers_only<'de, D>(d: D) -> Result<BTreeMap<String, f64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let all = BTreeMap::<String, Value>::deserialize(d)?;
    Ok(all
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_f64().filter(|n| n.is_finite() && *n >= 0.0)?)))
        .collect())
}

impl MemoryBreakdown {
    /// The total the shares are taken of: what the node counts against its watermark.
    pub fn total(&self) -> Option<f64> {
        self.total
            .as_ref()
            .and_then(|t| t.erlang.or(t.allocated).or(t.rss))
    }

    /// The biggest users of the node's memory, largest first: `connection_*` summed as
    /// "connections", `mgmt_db + metrics` as "management (mgmt_db+metrics)", the rest by the
    /// names the node gives them; unused allocator space is not a user.
    pub fn top_users(&self, n: usize) -> Vec<(String, f64)> {
        let mut groups: BTreeMap<String, f64> = BTreeMap::new();
        let mgmt = self.mgmt_db.unwrap_or(0.0) + self.metrics.unwrap_or(0.0);
        if mgmt > 0.0 {
            groups.insert("management (mgmt_db+metrics)".into(), mgmt);
        }
        for (k, v) in &self.parts {
            if matches!(
                k.as_str(),
                "allocated_unused" | "reserved_unallocated" | "strategy" | "total"
            ) {
                continue;
            }
            let key = if k.starts_with("connection_") {
                "connections"
            } else {
                k.as_str()
            };
            *groups.entry(key.to_string()).or_default() += v;
        }
        let mut v: Vec<(String, f64)> = groups.into_iter().filter(|(_, b)| *b > 0.0).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct MemoryTotal {
    pub rss: Option<f64>,
    pub allocated: Option<f64>,
    pub erlang: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct QueueStats {
    #[serde(default)]
    pub publish_details: Obj<Rate>,
    #[serde(default)]
    pub deliver_get_details: Obj<Rate>,
    #[serde(default)]
    pub redeliver_details: Obj<Rate>,
    #[serde(default)]
    pub ack_details: Obj<Rate>,
    /// Totals since the queue's statistics began (not rates).
    pub redeliver: Option<f64>,
    pub deliver_get: Option<f64>,
}

impl Shapes for QueueStats {
    fn not_objects(&self) -> Vec<&'static str> {
        not_objects(&[
            (
                "message_stats.publish_details",
                self.publish_details.is_not_an_object(),
            ),
            (
                "message_stats.deliver_get_details",
                self.deliver_get_details.is_not_an_object(),
            ),
            (
                "message_stats.redeliver_details",
                self.redeliver_details.is_not_an_object(),
            ),
            (
                "message_stats.ack_details",
                self.ack_details.is_not_an_object(),
            ),
        ])
    }
}

/// A queue of a listing. Held by the hundred thousand, so kept small: the replication fields,
/// present on mirrored classic and quorum queues only, are boxed together, and so are the
/// statistics; the strings that repeat across a listing are held once for the run; the counts
/// take 8 bytes each, not an `Option<f64>`'s 16 (472 bytes a queue inline at first, 136 now).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    pub name: Option<Box<str>>,
    /// Vhost, state, type, policy and node repeat across a listing: each distinct value is
    /// held once for the run (see [`intern`]).
    pub vhost: Option<Sym>,
    pub state: Option<Sym>,
    pub kind: Option<Sym>,
    pub messages_ready: Count,
    pub messages_unacknowledged: Count,
    pub consumers: Count,
    pub arguments: Option<Fields>,
    pub policy: Option<Sym>,
    pub effective_policy_definition: Option<Fields>,
    pub message_stats: Option<Box<QueueStats>>,
    /// The node of a classic queue's master (or a quorum queue's leader).
    pub node: Option<Sym>,
    /// Mirrors, quorum members, leader, delivery limit: see [`Replication`].
    pub replication: Option<Box<Replication>>,
    pub durable: Option<bool>,
    pub exclusive: Option<bool>,
    pub auto_delete: Option<bool>,
    /// Which of `arguments`, `effective_policy_definition` and `message_stats` arrived as no
    /// object (see [`Obj`]): one byte, in what was padding, where three [`Obj`]s would have
    /// grown every queue.
    pub not_objects: QueueNotObjects,
}

/// A count of a queue record (messages ready, unacknowledged, consumers) in the 8 bytes of an
/// `f64`, where an `Option<f64>` takes 16: a count the record did not carry is held as NaN,
/// which JSON cannot send. 24 bytes a queue, 2.4 MB at 100 000 queues.
#[derive(Clone, Copy)]
pub struct Count(f64);

impl Count {
    /// The count, or `None` where the record did not carry it.
    pub fn get(self) -> Option<f64> {
        (!self.0.is_nan()).then_some(self.0)
    }
}

impl From<Option<f64>> for Count {
    fn from(v: Option<f64>) -> Count {
        // A NaN cannot come from JSON; were one ever given, it is as unknown as an absent count.
        Count(v.unwrap_or(f64::NAN))
    }
}

impl From<Count> for Option<f64> {
    fn from(c: Count) -> Option<f64> {
        c.get()
    }
}

impl Default for Count {
    fn default() -> Count {
        Count(f64::NAN)
    }
}

impl PartialEq for Count {
    fn eq(&self, other: &Count) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// Decoded as [`QueueWire`] (by hand: serde's derive would tie the `&'static str` fields to
/// the input's lifetime).
impl<'de> Deserialize<'de> for Queue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        QueueWire::deserialize(d).map(Queue::from)
    }
}

/// The object fields of a queue record that arrived as no object, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueNotObjects(u8);

impl QueueNotObjects {
    const NAMES: [&'static str; 3] = ["arguments", "effective_policy_definition", "message_stats"];

    fn new(arguments: bool, policy_definition: bool, message_stats: bool) -> Self {
        QueueNotObjects(
            u8::from(arguments)
                | (u8::from(policy_definition) << 1)
                | (u8::from(message_stats) << 2),
        )
    }

    fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, name)| name)
    }
}

impl Shapes for Queue {
    fn not_objects(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.not_objects.names().collect();
        if let Some(stats) = &self.message_stats {
            v.extend(stats.not_objects());
        }
        v
    }
}

/// The replication and quorum fields of a queue (cluster checks; see broker::cluster and
/// checks::rabbitmq::cluster). Absent on most queues, so boxed in [`Queue`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replication {
    /// Classic mirrors (3.x only) and the subset that holds every message.
    pub slave_nodes: Option<Vec<String>>,
    pub synchronised_slave_nodes: Option<Vec<String>>,
    /// Quorum queue members, the members that answer, and the elected leader (null without one).
    pub members: Option<Vec<String>>,
    pub online: Option<Vec<String>>,
    pub leader: Option<String>,
    /// 4.x quorum queues: the delivery limit in force, a number or "unlimited".
    pub delivery_limit: Option<Value>,
}

impl Replication {
    /// No field set: what most queues have (compared field by field, without building and
    /// dropping a default for each queue of a listing).
    fn is_empty(&self) -> bool {
        self.slave_nodes.is_none()
            && self.synchronised_slave_nodes.is_none()
            && self.members.is_none()
            && self.online.is_none()
            && self.leader.is_none()
            && self.delivery_limit.is_none()
    }
}

impl From<QueueWire> for Queue {
    fn from(w: QueueWire) -> Queue {
        let r = Replication {
            slave_nodes: w.slave_nodes,
            synchronised_slave_nodes: w.synchronised_slave_nodes,
            members: w.members,
            online: w.online,
            leader: w.leader,
            delivery_limit: w.delivery_limit,
        };
        let not_objects = QueueNotObjects::new(
            w.arguments.is_not_an_object(),
            w.effective_policy_definition.is_not_an_object(),
            w.message_stats.is_not_an_object(),
        );
        Queue {
            name: w.name,
            vhost: w.vhost.0,
            state: w.state.0,
            kind: w.kind.0,
            messages_ready: w.messages_ready.into(),
            messages_unacknowledged: w.messages_unacknowledged.into(),
            consumers: w.consumers.into(),
            arguments: w.arguments.into_option(),
            policy: w.policy.0,
            effective_policy_definition: w.effective_policy_definition.into_option(),
            message_stats: w.message_stats.into_option(),
            node: w.node.0,
            replication: (!r.is_empty()).then(|| Box::new(r)),
            durable: w.durable,
            exclusive: w.exclusive,
            auto_delete: w.auto_delete,
            not_objects,
        }
    }
}

/// A queue as the API sends it; decoded one item at a time and turned into the compact
/// [`Queue`] at once.
#[derive(Deserialize)]
struct QueueWire {
    name: Option<Box<str>>,
    /// Vhost, state, type, policy and node repeat across a listing: each distinct value is
    /// held once.
    #[serde(default)]
    vhost: Shared,
    #[serde(default)]
    state: Shared,
    #[serde(rename = "type", default)]
    kind: Shared,
    messages_ready: Option<f64>,
    messages_unacknowledged: Option<f64>,
    consumers: Option<f64>,
    #[serde(default)]
    arguments: Obj<Fields>,
    #[serde(default)]
    policy: Shared,
    #[serde(default)]
    effective_policy_definition: Obj<Fields>,
    /// Boxed: most queues of a big vhost have no statistics (96 bytes inline).
    #[serde(default)]
    message_stats: Obj<Box<QueueStats>>,
    #[serde(default)]
    node: Shared,
    slave_nodes: Option<Vec<String>>,
    synchronised_slave_nodes: Option<Vec<String>>,
    members: Option<Vec<String>>,
    online: Option<Vec<String>>,
    leader: Option<String>,
    delivery_limit: Option<Value>,
    durable: Option<bool>,
    exclusive: Option<bool>,
    auto_delete: Option<bool>,
}

const NO_NAMES: &Option<Vec<String>> = &None;

impl Whole for Queue {
    /// Every queue has a name that is not empty (the server names anonymous ones amq.gen-...).
    fn missing(&self) -> Option<&'static str> {
        self.name
            .as_deref()
            .is_none_or(str::is_empty)
            .then_some("name")
    }
}

impl Whole for Exchange {
    /// The default exchange's name is "" (present); a record without one is no exchange.
    fn missing(&self) -> Option<&'static str> {
        self.name.is_none().then_some("name")
    }
}

impl Whole for Policy {
    fn missing(&self) -> Option<&'static str> {
        if self.name.as_deref().is_none_or(str::is_empty) {
            Some("name")
        } else if self.pattern.is_none() {
            Some("pattern")
        } else if self.definition.as_ref().is_none() {
            Some("definition")
        } else {
            None
        }
    }
}

impl Queue {
    pub fn slave_nodes(&self) -> &Option<Vec<String>> {
        self.replication
            .as_ref()
            .map_or(NO_NAMES, |r| &r.slave_nodes)
    }

    pub fn synchronised_slave_nodes(&self) -> &Option<Vec<String>> {
        self.replication
            .as_ref()
            .map_or(NO_NAMES, |r| &r.synchronised_slave_nodes)
    }

    pub fn members(&self) -> &Option<Vec<String>> {
        self.replication.as_ref().map_or(NO_NAMES, |r| &r.members)
    }

    pub fn online(&self) -> &Option<Vec<String>> {
        self.replication.as_ref().map_or(NO_NAMES, |r| &r.online)
    }

    pub fn leader(&self) -> Option<&str> {
        self.replication.as_ref().and_then(|r| r.leader.as_deref())
    }

    pub fn delivery_limit(&self) -> Option<&Value> {
        self.replication
            .as_ref()
            .and_then(|r| r.delivery_limit.as_ref())
    }

    /// The replication fields to change (tests), created empty when absent.
    pub fn replication_mut(&mut self) -> &mut Replication {
        self.replication.get_or_insert_with(Box::default)
    }

    pub const COLUMNS: &'static str = "name,vhost,state,type,messages_ready,\
messages_unacknowledged,consumers,arguments,policy,effective_policy_definition,\
message_stats.publish_details.rate,message_stats.deliver_get_details.rate,\
message_stats.redeliver_details.rate,message_stats.ack_details.rate,message_stats.redeliver,\
message_stats.deliver_get,node,slave_nodes,synchronised_slave_nodes,members,online,leader,\
delivery_limit,durable,exclusive,auto_delete";

    /// The light listing's columns (`disable_stats=true&enable_queue_totals=true`): what
    /// RabbitMQ 3.10 answers in that form from each queue's own counters, without the
    /// statistics database. It has no consumer count, no effective policy definition, no
    /// message_stats and no classic mirrors: see [`Queue::DETAIL_COLUMNS`].
    pub const LIGHT_COLUMNS: &'static str = "name,vhost,state,type,messages_ready,\
messages_unacknowledged,arguments,policy,node,members,online,leader,delivery_limit,durable,\
exclusive,auto_delete";

    /// What the light listing lacks, asked for only the queues that need it
    /// (`rabbitmq::details`).
    pub const DETAIL_COLUMNS: &'static str = "name,vhost,consumers,effective_policy_definition,\
message_stats.publish_details.rate,message_stats.deliver_get_details.rate,\
message_stats.redeliver_details.rate,message_stats.ack_details.rate,message_stats.redeliver,\
message_stats.deliver_get,slave_nodes,synchronised_slave_nodes";

    /// The detail read of a queue known only from the definitions (`rabbitmq::unlisted`):
    /// the details, and the counts, state, node and type the light listing would have given.
    pub const UNLISTED_COLUMNS: &'static str = "name,vhost,consumers,effective_policy_definition,\
message_stats.publish_details.rate,message_stats.deliver_get_details.rate,\
message_stats.redeliver_details.rate,message_stats.ack_details.rate,message_stats.redeliver,\
message_stats.deliver_get,slave_nodes,synchronised_slave_nodes,messages_ready,\
messages_unacknowledged,state,node,type";

    /// Take the counts, state, node and type of a detail record ([`Queue::UNLISTED_COLUMNS`]).
    pub fn take_counts(&mut self, d: &Queue) {
        self.messages_ready = d.messages_ready;
        self.messages_unacknowledged = d.messages_unacknowledged;
        self.state.clone_from(&d.state);
        self.node.clone_from(&d.node);
        if d.kind.is_some() {
            self.kind.clone_from(&d.kind);
        }
    }

    /// Forget what the light listing does not carry (a recorded full answer replayed for it
    /// does): the consumer count, the effective policy, the statistics and the classic mirrors
    /// come from the other reads, never from this one.
    pub fn keep_light(&mut self) {
        self.consumers = Count::default();
        self.effective_policy_definition = None;
        self.message_stats = None;
        self.not_objects = QueueNotObjects::new(self.not_objects.0 & 1 != 0, false, false);
        if let Some(r) = self.replication.as_mut() {
            r.slave_nodes = None;
            r.synchronised_slave_nodes = None;
        }
        if self
            .replication
            .as_deref()
            .is_some_and(Replication::is_empty)
        {
            self.replication = None;
        }
    }

    /// Take what a detail record (`DETAIL_COLUMNS`) says about this queue.
    pub fn take_details(&mut self, d: Queue) {
        let (slaves, synced) = (
            d.slave_nodes().clone(),
            d.synchronised_slave_nodes().clone(),
        );
        // The broker's own count; where its statistics have none yet (a queue declared since
        // they were last collected), the consumer listing's, if the queue has a state (one
        // without is one the broker has no statistics for at all: its count stays unknown).
        let listed = self.consumers.get().filter(|_| self.state.is_some());
        self.consumers = d.consumers.get().or(listed).into();
        if d.effective_policy_definition.is_some() {
            self.effective_policy_definition = d.effective_policy_definition;
        }
        self.message_stats = d.message_stats;
        self.not_objects = QueueNotObjects(self.not_objects.0 | (d.not_objects.0 & 0b110));
        if slaves.is_some() || synced.is_some() {
            let r = self.replication_mut();
            r.slave_nodes = slaves;
            r.synchronised_slave_nodes = synced;
        }
    }

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    pub fn vhost(&self) -> &str {
        self.vhost.as_deref().unwrap_or("/")
    }

    /// `vhost/name`, the subject used in findings (`/celery` in the default vhost).
    pub fn subject(&self) -> String {
        subject(self.vhost(), self.name())
    }

    /// Ready messages, `None` when missing or impossible (the sanity check names those): what a
    /// check that must not read an unknown count as 0 uses.
    pub fn ready_count(&self) -> Option<f64> {
        count(self.messages_ready)
    }

    /// Unacknowledged messages, `None` when missing or impossible.
    pub fn unacked_count(&self) -> Option<f64> {
        count(self.messages_unacknowledged)
    }

    /// Consumers, `None` when missing or impossible.
    pub fn consumers_count(&self) -> Option<f64> {
        count(self.consumers)
    }

    /// Ready messages; 0 when missing or impossible (the sanity check names those).
    pub fn ready(&self) -> f64 {
        count(self.messages_ready).unwrap_or(0.0)
    }

    pub fn unacked(&self) -> f64 {
        count(self.messages_unacknowledged).unwrap_or(0.0)
    }

    pub fn consumers(&self) -> f64 {
        count(self.consumers).unwrap_or(0.0)
    }

    /// (redelivered, delivered) totals since the queue's statistics began.
    pub fn redeliver_totals(&self) -> Option<(f64, f64)> {
        let s = self.message_stats.as_ref()?;
        Some((count(s.redeliver)?, count(s.deliver_get)?))
    }

    pub fn publish_rate(&self) -> Option<f64> {
        self.message_stats
            .as_ref()
            .and_then(|s| rate(&s.publish_details))
    }

    pub fn deliver_rate(&self) -> Option<f64> {
        self.message_stats
            .as_ref()
            .and_then(|s| rate(&s.deliver_get_details))
    }

    pub fn redeliver_rate(&self) -> Option<f64> {
        self.message_stats
            .as_ref()
            .and_then(|s| rate(&s.redeliver_details))
    }

    /// The message TTL in force (ms): the smaller of the queue argument and the effective policy,
    /// as RabbitMQ applies the lower of the two.
    pub fn message_ttl_ms(&self) -> Option<f64> {
        min_opt(
            self.argument("x-message-ttl"),
            self.policy_value("message-ttl"),
        )
    }

    /// The queue expiry in force (ms), argument or policy, the lower wins.
    pub fn expires_ms(&self) -> Option<f64> {
        min_opt(self.argument("x-expires"), self.policy_value("expires"))
    }

    fn argument(&self, key: &str) -> Option<f64> {
        self.arguments.as_ref()?.get(key)?.as_f64()
    }

    fn policy_value(&self, key: &str) -> Option<f64> {
        self.effective_policy_definition
            .as_ref()?
            .get(key)?
            .as_f64()
    }
}

/// A string that recurs across a listing (vhost, state, type, policy, node), held once for the
/// run: at 100 000 queues that is 10 MB of copies not made, and 8 bytes a field (see [`Sym`])
/// where an `Arc<str>` took 16.
#[derive(Default)]
struct Shared(Option<Sym>);

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Option<Sym>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_some<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                d.deserialize_str(self)
            }

            fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Some(intern(text)))
            }
        }
        d.deserialize_option(Visit).map(Shared)
    }
}

/// A string held once for the whole run (see [`intern`]), behind a thin pointer: 8 bytes in a
/// queue record, where a `&str` or an `Arc<str>` takes 16.
#[derive(Clone, Copy)]
pub struct Sym(&'static &'static str);

impl std::ops::Deref for Sym {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl PartialEq for Sym {
    fn eq(&self, other: &Sym) -> bool {
        *self.0 == *other.0
    }
}

impl std::fmt::Debug for Sym {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        std::fmt::Debug::fmt(*self.0, f)
    }
}

impl std::fmt::Display for Sym {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl From<&str> for Sym {
    fn from(text: &str) -> Sym {
        intern(text)
    }
}

/// `text`, held once for the whole run: each distinct value is leaked the first time it is
/// seen and found again in a set, so the memory is one copy of each distinct vhost, state,
/// type, policy and node name, never one per queue, however many listings a run reads (a
/// wait reads the listing again and again). In front of the set, the last few values seen
/// on this thread are compared byte by byte, cheaper than hashing for the handful a listing
/// has.
pub fn intern(text: &str) -> Sym {
    thread_local! {
        static RECENT: RefCell<Recent<Sym, 16>> = const { RefCell::new(Recent::new()) };
    }
    static ALL: Mutex<Option<HashMap<&'static str, &'static &'static str>>> = Mutex::new(None);
    RECENT.with_borrow_mut(|recent| {
        if let Some(known) = recent.find(|v| **v.0 == *text) {
            return known;
        }
        let mut all = ALL.lock().unwrap_or_else(|e| e.into_inner());
        let all = all.get_or_insert_with(HashMap::new);
        recent.hold(match all.get(text) {
            Some(known) => Sym(known),
            None => {
                let leaked: &'static str = Box::leak(Box::from(text));
                let thin: &'static &'static str = Box::leak(Box::new(leaked));
                all.insert(leaked, thin);
                Sym(thin)
            }
        })
    })
}

/// The last `N` distinct values made on one thread, in front of a costlier way to make or
/// find one ([`intern`]'s set, [`Fields::new`]'s allocation): a listing repeats a handful of
/// values, compared here one by one.
struct Recent<T, const N: usize> {
    held: Vec<T>,
    /// The oldest, replaced next once `N` are held.
    next: usize,
}

impl<T: Clone, const N: usize> Recent<T, N> {
    const fn new() -> Self {
        Recent {
            held: Vec::new(),
            next: 0,
        }
    }

    /// A held value that `same` accepts.
    fn find(&self, same: impl Fn(&T) -> bool) -> Option<T> {
        self.held.iter().find(|v| same(v)).cloned()
    }

    /// Holds `value` from now on, in place of the oldest once `N` are held; returns it.
    fn hold(&mut self, value: T) -> T {
        if self.held.len() < N {
            self.held.push(value.clone());
        } else {
            self.held[self.next] = value.clone();
            self.next = (self.next + 1) % N;
        }
        value
    }
}

/// A small JSON object kept as a list of its keys and values: a queue's arguments or policy
/// definition has a handful of keys, and a `BTreeMap`'s first node costs some 600 bytes, which
/// at 100 000 queues with arguments (every rpc:// result queue has `x-expires`) was 60 MB. A
/// shared slice (16 bytes, no spare room, and `Option<Fields>` no bigger) rather than a `Vec`
/// (24): a queue holds two. Shared, so that the queues of one policy hold its definition once
/// and queues of the same arguments hold them once ([`Fields::new`]); every empty object (most
/// queues' arguments) is one shared empty slice, no allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields(std::sync::Arc<[(Box<str>, Value)]>);

impl Default for Fields {
    fn default() -> Self {
        type Slice = std::sync::Arc<[(Box<str>, Value)]>;
        static EMPTY: std::sync::OnceLock<Slice> = std::sync::OnceLock::new();
        Fields(std::sync::Arc::clone(
            EMPTY.get_or_init(|| Vec::new().into()),
        ))
    }
}

impl Fields {
    /// The object of these fields; equal to one of the last few made on this thread, that
    /// one, shared: the same arguments repeat across a listing (every rpc:// result queue of
    /// an application has the same `x-expires`, every event queue of a Celery version the same
    /// `x-message-ttl` and `x-expires`), and each copy was some 200 bytes a queue.
    fn new(fields: Vec<(Box<str>, Value)>) -> Self {
        thread_local! {
            static RECENT: RefCell<Recent<Fields, 8>> = const { RefCell::new(Recent::new()) };
        }
        if fields.is_empty() {
            return Fields::default();
        }
        RECENT.with_borrow_mut(|recent| {
            recent
                .find(|f| *f.0 == *fields)
                .unwrap_or_else(|| recent.hold(Fields(fields.into())))
        })
    }

    /// The value of `key` (the first, should the broker repeat it).
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Fields::new(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// An object as [`Fields`], decoded straight from the stream, without building a `Value`
/// first; anything else is for [`Obj`] to judge.
impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Fields;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<Box<str>, Value>()? {
                    fields.push((k, v));
                }
                Ok(Fields::new(fields))
            }
        }
        d.deserialize_map(Visit)
    }
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The subject string of a vhost-scoped object: `vhost/name`, or `/name` in the default vhost.
pub fn subject(vhost: &str, name: &str) -> String {
    if vhost == "/" {
        format!("/{name}")
    } else {
        format!("{vhost}/{name}")
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ClientProperties {
    pub product: Option<String>,
    pub product_version: Option<String>,
    pub connection_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Connection {
    pub name: Option<String>,
    pub vhost: Option<String>,
    pub user: Option<String>,
    pub state: Option<String>,
    pub peer_host: Option<String>,
    #[serde(default, deserialize_with = "port_or_none")]
    pub peer_port: Option<f64>,
    pub timeout: Option<f64>,
    pub channels: Option<f64>,
    #[serde(default)]
    pub recv_oct_details: Obj<Rate>,
    #[serde(default)]
    pub send_oct_details: Obj<Rate>,
    #[serde(default)]
    pub client_properties: Obj<ClientProperties>,
    /// When the connection was opened, epoch milliseconds: its age for connection churn.
    pub connected_at: Option<f64>,
}

impl Shapes for Connection {
    fn not_objects(&self) -> Vec<&'static str> {
        not_objects(&[
            ("recv_oct_details", self.recv_oct_details.is_not_an_object()),
            ("send_oct_details", self.send_oct_details.is_not_an_object()),
            (
                "client_properties",
                self.client_properties.is_not_an_object(),
            ),
        ])
    }
}

impl Connection {
    pub const COLUMNS: &'static str = "name,vhost,user,state,peer_host,peer_port,timeout,channels,\
recv_oct_details.rate,send_oct_details.rate,client_properties.product,\
client_properties.product_version,client_properties.connection_name,connected_at";

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    pub fn peer(&self) -> String {
        match (&self.peer_host, self.peer_port) {
            (Some(h), Some(p)) if h.contains(':') => format!("[{h}]:{p}"),
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.clone(),
            _ => self.name().to_string(),
        }
    }

    pub fn recv_rate(&self) -> f64 {
        rate(&self.recv_oct_details).unwrap_or(0.0)
    }

    pub fn send_rate(&self) -> f64 {
        rate(&self.send_oct_details).unwrap_or(0.0)
    }

    pub fn product(&self) -> Option<&str> {
        self.client_properties.as_ref()?.product.as_deref()
    }
}

/// A connection's name and state alone: the light read that samples flow control again
/// (`columns=name,state`, a few dozen bytes a connection).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ConnectionState {
    pub name: Option<String>,
    pub state: Option<String>,
}

impl ConnectionState {
    pub const COLUMNS: &'static str = "name,state";
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ConsumerQueue {
    pub name: Option<String>,
    pub vhost: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ChannelDetails {
    pub connection_name: Option<String>,
}

/// One consumer: which queue it reads and on which connection. Links connections to queues.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Consumer {
    #[serde(default)]
    pub queue: Obj<ConsumerQueue>,
    #[serde(default)]
    pub channel_details: Obj<ChannelDetails>,
}

impl Shapes for Consumer {
    fn not_objects(&self) -> Vec<&'static str> {
        not_objects(&[
            ("queue", self.queue.is_not_an_object()),
            ("channel_details", self.channel_details.is_not_an_object()),
        ])
    }
}

impl Consumer {
    pub const COLUMNS: &'static str = "queue.name,queue.vhost,channel_details.connection_name";

    pub fn queue_name(&self) -> &str {
        self.queue
            .as_ref()
            .and_then(|q| q.name.as_deref())
            .unwrap_or("")
    }

    /// The vhost of the queue consumed (`/` when not said).
    pub fn queue_vhost(&self) -> &str {
        self.queue
            .as_ref()
            .and_then(|q| q.vhost.as_deref())
            .unwrap_or("/")
    }

    /// (vhost, queue name) of the queue consumed, to match against queues.
    pub fn queue_key(&self) -> Option<(String, String)> {
        let q = self.queue.as_ref()?;
        Some((
            q.vhost.clone().unwrap_or_else(|| "/".into()),
            q.name.clone()?,
        ))
    }

    pub fn connection_name(&self) -> &str {
        self.channel_details
            .as_ref()
            .and_then(|c| c.connection_name.as_deref())
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ExchangeStats {
    #[serde(default)]
    pub publish_in_details: Obj<Rate>,
    #[serde(default)]
    pub publish_out_details: Obj<Rate>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Exchange {
    pub name: Option<String>,
    pub vhost: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub message_stats: Obj<ExchangeStats>,
}

impl Shapes for Exchange {
    fn not_objects(&self) -> Vec<&'static str> {
        let mut v = not_objects(&[("message_stats", self.message_stats.is_not_an_object())]);
        if let Some(s) = self.message_stats.as_ref() {
            v.extend(not_objects(&[
                (
                    "message_stats.publish_in_details",
                    s.publish_in_details.is_not_an_object(),
                ),
                (
                    "message_stats.publish_out_details",
                    s.publish_out_details.is_not_an_object(),
                ),
            ]));
        }
        v
    }
}

impl Exchange {
    pub const COLUMNS: &'static str = "name,vhost,type,message_stats.publish_in_details.rate,\
message_stats.publish_out_details.rate";

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    pub fn publish_out_rate(&self) -> Option<f64> {
        self.message_stats
            .as_ref()
            .and_then(|s| rate(&s.publish_out_details))
    }

    pub fn publish_in_rate(&self) -> Option<f64> {
        self.message_stats
            .as_ref()
            .and_then(|s| rate(&s.publish_in_details))
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ChannelStats {
    #[serde(default)]
    pub confirm_details: Obj<Rate>,
    #[serde(default)]
    pub publish_details: Obj<Rate>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ConnectionDetails {
    pub name: Option<String>,
    pub peer_host: Option<String>,
    #[serde(default, deserialize_with = "port_or_none")]
    pub peer_port: Option<f64>,
}

/// A peer port, or none: the channels of a direct connection (the management plugin's own
/// HTTP publishes, shovels, federation) have no TCP peer, and RabbitMQ says so with a word
/// (`"unknown"`) where a number goes. Such a record is read, not thrown away with its channel.
fn port_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Value::deserialize(d)?.as_f64())
}

/// One channel of `/api/channels`: whether it is in publisher-confirm mode and how busy.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Channel {
    pub name: Option<String>,
    pub vhost: Option<String>,
    pub user: Option<String>,
    /// running, flow (credit flow throttles this channel's publishes), idle, ...
    pub state: Option<String>,
    pub confirm: Option<bool>,
    pub messages_unconfirmed: Option<f64>,
    /// QoS: a global prefetch (`global_prefetch_count > 0`) is deprecated in 4.x.
    pub prefetch_count: Option<f64>,
    pub global_prefetch_count: Option<f64>,
    #[serde(default)]
    pub connection_details: Obj<ConnectionDetails>,
    #[serde(default)]
    pub message_stats: Obj<ChannelStats>,
}

impl Shapes for Channel {
    fn not_objects(&self) -> Vec<&'static str> {
        let mut v = not_objects(&[
            (
                "connection_details",
                self.connection_details.is_not_an_object(),
            ),
            ("message_stats", self.message_stats.is_not_an_object()),
        ]);
        if let Some(s) = self.message_stats.as_ref() {
            v.extend(not_objects(&[
                (
                    "message_stats.confirm_details",
                    s.confirm_details.is_not_an_object(),
                ),
                (
                    "message_stats.publish_details",
                    s.publish_details.is_not_an_object(),
                ),
            ]));
        }
        v
    }
}

impl Channel {
    pub const COLUMNS: &'static str = "name,vhost,user,state,confirm,messages_unconfirmed,\
prefetch_count,global_prefetch_count,connection_details.name,connection_details.peer_host,connection_details.peer_port,\
message_stats.confirm_details.rate,message_stats.publish_details.rate";

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    pub fn connection_name(&self) -> &str {
        self.connection_details
            .as_ref()
            .and_then(|c| c.name.as_deref())
            .unwrap_or("")
    }

    pub fn confirm_rate(&self) -> Option<f64> {
        self.message_stats
            .as_ref()
            .and_then(|s| rate(&s.confirm_details))
    }

    pub fn publish_rate(&self) -> Option<f64> {
        self.message_stats
            .as_ref()
            .and_then(|s| rate(&s.publish_details))
    }

    pub fn unconfirmed(&self) -> f64 {
        count(self.messages_unconfirmed).unwrap_or(0.0)
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Policy {
    pub name: Option<String>,
    pub vhost: Option<String>,
    pub pattern: Option<String>,
    #[serde(rename = "apply-to")]
    pub apply_to: Option<String>,
    pub priority: Option<f64>,
    /// A definition that is no object is as good as none: the policy is left out and counted
    /// (see [`Whole`]), never judged or merged as empty.
    #[serde(default)]
    pub definition: Obj<BTreeMap<String, Value>>,
}

impl Policy {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    pub fn vhost(&self) -> &str {
        self.vhost.as_deref().unwrap_or("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_of_the_same_arguments_hold_them_once() {
        let qs: Vec<Queue> = serde_json::from_str(
            r#"[{"name":"a","arguments":{"x-expires":60000,"x-message-ttl":5000}},
                {"name":"b","arguments":{"x-expires":60000}},
                {"name":"c","arguments":{"x-expires":60000,"x-message-ttl":5000}},
                {"name":"d","arguments":{"x-message-ttl":5000,"x-expires":60000}}]"#,
        )
        .unwrap();
        let args = |i: usize| &qs[i].arguments.as_ref().unwrap().0;
        assert!(std::sync::Arc::ptr_eq(args(0), args(2)));
        assert!(!std::sync::Arc::ptr_eq(args(0), args(1)));
        assert_eq!(args(1).len(), 1);
        // Another order is another object as listed; the values are still each one's own.
        assert!(!std::sync::Arc::ptr_eq(args(0), args(3)));
        assert_eq!(
            qs[3].arguments.as_ref().unwrap().get("x-expires"),
            Some(&Value::from(60000))
        );
    }

    #[test]
    fn a_queue_stays_small_and_replication_is_boxed_only_when_present() {
        // 100 000 of them are held at once: see BENCHMARKS.md before letting this grow.
        assert!(
            std::mem::size_of::<Queue>() <= 136,
            "{}",
            std::mem::size_of::<Queue>()
        );
        let q: Queue = serde_json::from_str(r#"{"name":"a","node":"rabbit@a"}"#).unwrap();
        assert!(q.replication.is_none());
        assert_eq!(q.members(), &None);
        assert_eq!(q.node.as_deref(), Some("rabbit@a"));
        let q: Queue = serde_json::from_str(
            r#"{"name":"q","members":["a@h","b@h"],"online":["a@h"],"leader":"a@h","delivery_limit":20}"#,
        )
        .unwrap();
        assert_eq!(
            q.members(),
            &Some(vec!["a@h".to_string(), "b@h".to_string()])
        );
        assert_eq!(q.online(), &Some(vec!["a@h".to_string()]));
        assert_eq!(q.leader(), Some("a@h"));
        assert_eq!(q.delivery_limit().and_then(Value::as_u64), Some(20));
    }

    #[test]
    fn queue_decodes_with_every_field_missing() {
        let q: Queue = serde_json::from_str("{}").unwrap();
        assert_eq!(q.ready(), 0.0);
        assert_eq!(q.publish_rate(), None);
        assert_eq!(q.message_ttl_ms(), None);
        assert_eq!(q.subject(), "/");
    }

    #[test]
    fn ttl_takes_the_lower_of_argument_and_policy() {
        let q: Queue = serde_json::from_str(
            r#"{"name":"celeryev.1","vhost":"v","arguments":{"x-message-ttl":5000},
                "effective_policy_definition":{"message-ttl":1000,"expires":60000}}"#,
        )
        .unwrap();
        assert_eq!(q.message_ttl_ms(), Some(1000.0));
        assert_eq!(q.expires_ms(), Some(60000.0));
        assert_eq!(q.subject(), "v/celeryev.1");
    }

    #[test]
    fn memory_not_available_decodes_as_no_breakdown() {
        let m: NodeMemory = serde_json::from_str(r#"{"memory":"not_available"}"#).unwrap();
        assert_eq!(m.memory, Obj::Nothing);
        assert_eq!(m.not_objects(), Vec::<&str>::new());
        let m: NodeMemory = serde_json::from_str(r#"{"memory":{"mgmt_db":5}}"#).unwrap();
        assert_eq!(m.memory.into_option().unwrap().mgmt_db, Some(5.0));
        let m: NodeMemory = serde_json::from_str(r#"{"memory":{"total":7}}"#).unwrap();
        assert_eq!(m.not_objects(), ["memory.total"]);
        let m: NodeMemory = serde_json::from_str(r#"{"memory":12}"#).unwrap();
        assert_eq!(m.not_objects(), ["memory"]);
    }

    #[test]
    fn empty_list_arguments_decode_as_none() {
        let q: Queue =
            serde_json::from_str(r#"{"arguments":[],"effective_policy_definition":[]}"#).unwrap();
        assert_eq!(q.arguments, None);
    }

    #[test]
    fn huge_numbers_and_nulls_decode() {
        let q: Queue = serde_json::from_str(
            r#"{"messages_ready":1e300,"consumers":null,"message_stats":{"publish_details":{"rate":null}}}"#,
        )
        .unwrap();
        // Impossible counts read as none; the sanity check names them.
        assert_eq!(q.ready(), 0.0);
        assert_eq!(q.messages_ready.get(), Some(1e300));
        assert_eq!(q.consumers(), 0.0);
        assert_eq!(q.publish_rate(), None);
    }

    #[test]
    fn every_object_field_accepts_an_empty_proplist() {
        let c: Consumer = serde_json::from_str(r#"{"queue":[],"channel_details":[]}"#).unwrap();
        assert_eq!((c.queue_name(), c.connection_name()), ("", ""));
        let q: Queue = serde_json::from_str(
            r#"{"message_stats":{"publish_details":[],"redeliver":2,"deliver_get":9}}"#,
        )
        .unwrap();
        assert_eq!(q.publish_rate(), None);
        assert_eq!(q.redeliver_totals(), Some((2.0, 9.0)));
        let q: Queue = serde_json::from_str(r#"{"message_stats":[]}"#).unwrap();
        assert_eq!(q.message_stats, None);
        let c: Connection =
            serde_json::from_str(r#"{"client_properties":[],"recv_oct_details":[]}"#).unwrap();
        assert_eq!(c.product(), None);
        let ch: Channel =
            serde_json::from_str(r#"{"connection_details":[],"message_stats":[]}"#).unwrap();
        assert_eq!(ch.connection_name(), "");
    }

    #[test]
    fn one_odd_record_is_skipped_and_counted() {
        let l: Listing<Consumer> = serde_json::from_str(
            r#"[{"queue":{"name":"a"}},{"queue":{"name":5}},{"channel_details":[]}]"#,
        )
        .unwrap();
        assert_eq!((l.items.len(), l.skipped), (2, 1));
        assert!(serde_json::from_str::<Listing<Consumer>>("{}").is_err());
    }

    #[test]
    fn memory_breakdown_names_the_biggest_users() {
        let m: NodeMemory = serde_json::from_str(
            r#"{"memory":{"mgmt_db":10,"metrics":5,"binary":400,"queue_procs":300,
                "connection_readers":20,"connection_other":30,"code":35,"allocated_unused":900,
                "strategy":"rss","total":{"erlang":1000,"rss":1200,"allocated":1900}}}"#,
        )
        .unwrap();
        let b = m.memory.into_option().unwrap();
        assert_eq!(b.total(), Some(1000.0));
        assert_eq!(
            b.top_users(4),
            vec![
                ("binary".to_string(), 400.0),
                ("queue_procs".to_string(), 300.0),
                ("connections".to_string(), 50.0),
                ("code".to_string(), 35.0),
            ]
        );
    }

    #[test]
    fn connection_peer_formats_ipv6() {
        let c: Connection =
            serde_json::from_str(r#"{"peer_host":"::1","peer_port":5000}"#).unwrap();
        let direct: ConnectionDetails = serde_json::from_str(
            r#"{"name":"<rabbit@n.1.2.3>","peer_host":"unknown","peer_port":"unknown"}"#,
        )
        .unwrap();
        assert_eq!(direct.peer_port, None);
        let ch: Channel = serde_json::from_str(
            r#"{"name":"<rabbit@n.1.2.3> (1)","connection_details":{"name":"<rabbit@n.1.2.3>","peer_host":"unknown","peer_port":"unknown"}}"#,
        )
        .unwrap();
        assert_eq!(ch.connection_name(), "<rabbit@n.1.2.3>");
        assert_eq!(c.peer(), "[::1]:5000");
    }
}
