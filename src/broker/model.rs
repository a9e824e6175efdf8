//! The parts of the management API's JSON that celtool reads. Every field is optional: fields
//! vanish with the metrics collector disabled, differ between 3.8 and 4.x, and a broker under
//! load may omit rates. Each list type has the `columns=` list that asks for exactly its fields.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

/// `{"rate": 1.5}` as found under `*_details`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
pub struct Rate {
    pub rate: Option<f64>,
}

fn rate(r: &Option<Rate>) -> Option<f64> {
    r.as_ref().and_then(|r| r.rate).filter(|v| v.is_finite())
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Overview {
    pub rabbitmq_version: Option<String>,
    pub management_version: Option<String>,
    pub product_version: Option<String>,
    pub cluster_name: Option<String>,
    pub node: Option<String>,
    /// Counts of the broker's objects: they size the wait for a listing to start.
    #[serde(default, deserialize_with = "struct_or_none")]
    pub object_totals: Option<ObjectTotals>,
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
    pub const COLUMNS: &'static str =
        "rabbitmq_version,management_version,product_version,cluster_name,node,object_totals";

    pub fn version(&self) -> Option<&str> {
        self.rabbitmq_version
            .as_deref()
            .or(self.product_version.as_deref())
            .or(self.management_version.as_deref())
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
}

impl Node {
    pub const COLUMNS: &'static str = "name,running,mem_used,mem_limit,mem_alarm,disk_free,\
disk_free_limit,disk_free_alarm,fd_used,fd_total,proc_used,proc_total";

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("(unnamed node)")
    }
}

/// `/api/nodes/{node}/memory`, reduced to what the management-plugin check needs. A busy node
/// answers `{"memory": "not_available"}`: that reads as no breakdown, not as an error.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct NodeMemory {
    #[serde(default, deserialize_with = "struct_or_none")]
    pub memory: Option<MemoryBreakdown>,
}

fn struct_or_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        v @ Value::Object(_) => serde_json::from_value(v).ok(),
        _ => None,
    })
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct MemoryBreakdown {
    pub mgmt_db: Option<f64>,
    pub metrics: Option<f64>,
    pub total: Option<MemoryTotal>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct MemoryTotal {
    pub rss: Option<f64>,
    pub allocated: Option<f64>,
    pub erlang: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct QueueStats {
    pub publish_details: Option<Rate>,
    pub deliver_get_details: Option<Rate>,
    pub redeliver_details: Option<Rate>,
    pub ack_details: Option<Rate>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Queue {
    pub name: Option<String>,
    /// Vhost, state and type repeat across a listing: each distinct value is held once.
    #[serde(default, deserialize_with = "shared")]
    pub vhost: Option<Arc<str>>,
    #[serde(default, deserialize_with = "shared")]
    pub state: Option<Arc<str>>,
    #[serde(rename = "type", default, deserialize_with = "shared")]
    pub kind: Option<Arc<str>>,
    pub messages_ready: Option<f64>,
    pub messages_unacknowledged: Option<f64>,
    pub consumers: Option<f64>,
    #[serde(default, deserialize_with = "fields_or_none")]
    pub arguments: Option<Fields>,
    pub policy: Option<String>,
    #[serde(default, deserialize_with = "fields_or_none")]
    pub effective_policy_definition: Option<Fields>,
    pub message_stats: Option<QueueStats>,
}

impl Queue {
    pub const COLUMNS: &'static str = "name,vhost,state,type,messages_ready,\
messages_unacknowledged,consumers,arguments,policy,effective_policy_definition,\
message_stats.publish_details.rate,message_stats.deliver_get_details.rate,\
message_stats.redeliver_details.rate,message_stats.ack_details.rate";

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

    pub fn ready(&self) -> f64 {
        self.messages_ready.unwrap_or(0.0)
    }

    pub fn unacked(&self) -> f64 {
        self.messages_unacknowledged.unwrap_or(0.0)
    }

    pub fn consumers(&self) -> f64 {
        self.consumers.unwrap_or(0.0)
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

/// Older brokers send an empty list instead of an empty object for arguments and definitions.
fn object_or_none<'de, D>(d: D) -> Result<Option<BTreeMap<String, Value>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => Some(map.into_iter().collect()),
        _ => None,
    })
}

/// A string that recurs across a listing (vhost, state, type), shared with its earlier
/// occurrences on this thread: at 100 000 queues that is 10 MB of copies not made.
fn shared<'de, D>(d: D) -> Result<Option<Arc<str>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = Option<Arc<str>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }

        fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(intern(text)))
        }
    }
    d.deserialize_option(Visit)
}

/// The last few distinct values seen on this thread, found by comparing bytes (cheaper than
/// hashing for the handful of vhosts, states and types a listing has); the oldest goes.
fn intern(text: &str) -> Arc<str> {
    const KEEP: usize = 16;
    thread_local! {
        static SEEN: RefCell<(Vec<Arc<str>>, usize)> = const { RefCell::new((Vec::new(), 0)) };
    }
    SEEN.with(|seen| {
        let (values, next) = &mut *seen.borrow_mut();
        if let Some(known) = values.iter().find(|v| v.as_ref() == text) {
            return Arc::clone(known);
        }
        let new: Arc<str> = Arc::from(text);
        if values.len() < KEEP {
            values.push(Arc::clone(&new));
        } else {
            values[*next] = Arc::clone(&new);
            *next = (*next + 1) % KEEP;
        }
        new
    })
}

/// A small JSON object kept as a list of its keys and values: a queue's arguments or policy
/// definition has a handful of keys, and a `BTreeMap`'s first node costs some 600 bytes, which
/// at 100 000 queues with arguments (every rpc:// result queue has `x-expires`) was 60 MB.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(Vec<(String, Value)>);

impl Fields {
    /// The value of `key` (the first, should the broker repeat it).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
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
        Fields(iter.into_iter().collect())
    }
}

/// An object as [`Fields`]; anything else (older brokers send `[]` for an empty object) as
/// none. Decoded straight from the stream, without building a `Value` first.
fn fields_or_none<'de, D>(d: D) -> Result<Option<Fields>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = Option<Fields>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut fields = Vec::new();
            while let Some(entry) = map.next_entry::<String, Value>()? {
                fields.push(entry);
            }
            fields.shrink_to_fit();
            Ok(Some(Fields(fields)))
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Visit)
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
    pub peer_port: Option<f64>,
    pub timeout: Option<f64>,
    pub channels: Option<f64>,
    pub recv_oct_details: Option<Rate>,
    pub send_oct_details: Option<Rate>,
    pub client_properties: Option<ClientProperties>,
}

impl Connection {
    pub const COLUMNS: &'static str = "name,vhost,user,state,peer_host,peer_port,timeout,channels,\
recv_oct_details.rate,send_oct_details.rate,client_properties.product,\
client_properties.product_version,client_properties.connection_name";

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
    pub queue: Option<ConsumerQueue>,
    pub channel_details: Option<ChannelDetails>,
}

impl Consumer {
    pub const COLUMNS: &'static str = "queue.name,queue.vhost,channel_details.connection_name";

    pub fn queue_name(&self) -> &str {
        self.queue
            .as_ref()
            .and_then(|q| q.name.as_deref())
            .unwrap_or("")
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
    pub publish_in_details: Option<Rate>,
    pub publish_out_details: Option<Rate>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Exchange {
    pub name: Option<String>,
    pub vhost: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub message_stats: Option<ExchangeStats>,
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
pub struct Policy {
    pub name: Option<String>,
    pub vhost: Option<String>,
    pub pattern: Option<String>,
    #[serde(rename = "apply-to")]
    pub apply_to: Option<String>,
    pub priority: Option<f64>,
    #[serde(default, deserialize_with = "object_or_none")]
    pub definition: Option<BTreeMap<String, Value>>,
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
        assert_eq!(m.memory, None);
        let m: NodeMemory = serde_json::from_str(r#"{"memory":{"mgmt_db":5}}"#).unwrap();
        assert_eq!(m.memory.unwrap().mgmt_db, Some(5.0));
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
        assert_eq!(q.ready(), 1e300);
        assert_eq!(q.consumers(), 0.0);
        assert_eq!(q.publish_rate(), None);
    }

    #[test]
    fn connection_peer_formats_ipv6() {
        let c: Connection =
            serde_json::from_str(r#"{"peer_host":"::1","peer_port":5000}"#).unwrap();
        assert_eq!(c.peer(), "[::1]:5000");
    }
}
