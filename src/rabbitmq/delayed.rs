//! Celery's native delayed delivery as the broker holds it (Celery 5.5+ on quorum queues,
//! kombu/transport/native_delayed_delivery.py): the `celery_delayed_delivery` topic exchange,
//! the 28 levels `celery_delayed_0..27` (a topic exchange and a quorum queue each), and the
//! bindings from the delivery exchange to the task exchanges and on to their queues. Read only
//! in the vhosts that hold a delivery exchange, so a broker without Celery on quorum queues costs
//! no request.

use futures_util::future::join_all;
use serde::Deserialize;

use super::client::{ApiError, Client};
use super::records::{Exchange, Fields, Queue};

/// The delivery exchange's name without a prefix (kombu's `CELERY_DELAYED_DELIVERY_EXCHANGE`).
pub const DELIVERY_EXCHANGE: &str = "celery_delayed_delivery";
/// The number of levels kombu declares (`MAX_NUMBER_OF_BITS_TO_USE`).
pub const LEVELS: u32 = 28;

/// The level queue `level` of the topology named with `prefix` (kombu's `level_name`).
pub fn level_name(prefix: &str, level: u32) -> String {
    format!("{prefix}celery_delayed_{level}")
}

/// The prefix of a delivery exchange's name (`""`, or `"p_"` for kombu's prefix `p`), when
/// `name` is one.
pub fn delivery_prefix(name: &str) -> Option<&str> {
    let prefix = name.strip_suffix(DELIVERY_EXCHANGE)?;
    (prefix.is_empty() || prefix.ends_with('_')).then_some(prefix)
}

/// One binding as `/api/exchanges/V/E/bindings/source` lists it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Binding {
    pub source: Option<String>,
    pub destination: Option<String>,
    pub destination_type: Option<String>,
    pub routing_key: Option<String>,
}

impl Binding {
    pub fn is(&self, source: &str, destination: &str, kind: &str, key: &str) -> bool {
        self.source.as_deref() == Some(source)
            && self.destination.as_deref() == Some(destination)
            && self.destination_type.as_deref() == Some(kind)
            && self.routing_key.as_deref() == Some(key)
    }
}

/// One level queue, asked for by name (`messages_dlx` is in no listing celtool makes).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct LevelQueue {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub arguments: Option<Fields>,
    pub messages: Option<f64>,
    /// Messages whose TTL ran out and whose dead-lettering (at-least-once) is not yet
    /// confirmed by the level below: messages held past the level's TTL (RabbitMQ 3.10+).
    pub messages_dlx: Option<f64>,
}

impl LevelQueue {
    const COLUMNS: &'static str = "name,type,arguments,messages,messages_dlx";
}

/// What a level queue looks like: absent (404), or its record.
#[derive(Debug, Clone, PartialEq)]
pub enum Level {
    Missing,
    Present(LevelQueue),
    Unreadable(String),
}

/// The delayed-delivery topology of one vhost.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    pub vhost: String,
    /// `""`, or kombu's prefix with its `_`.
    pub prefix: String,
    /// Level `i` at index `i`.
    pub levels: Vec<Level>,
    /// The bindings whose source is the delivery exchange, then those whose source is an
    /// exchange the delivery exchange binds to. None: they could not be read (the reason).
    pub bindings: Result<Vec<Binding>, String>,
}

impl Topology {
    pub fn delivery_exchange(&self) -> String {
        format!("{}{DELIVERY_EXCHANGE}", self.prefix)
    }
}

/// The most quorum queues of one vhost whose bindings are read (the second hop of each path).
pub const QUEUE_BINDINGS_CAP: usize = 100;

/// The topologies of every vhost whose exchanges include a delivery exchange.
pub async fn gather(client: &Client, exchanges: &[Exchange], queues: &[Queue]) -> Vec<Topology> {
    let found = exchanges.iter().filter_map(|e| {
        let prefix = delivery_prefix(e.name.as_deref()?)?;
        Some((e.vhost.clone()?, prefix.to_string()))
    });
    join_all(found.map(|(vhost, prefix)| {
        // The quorum task queues of the vhost: their bindings carry the path's last hop, which
        // stays readable when the hop before it is gone.
        let quorum: Vec<String> = queues
            .iter()
            .filter(|q| q.vhost() == vhost && q.kind.as_deref() == Some("quorum"))
            .map(|q| q.name().to_string())
            .filter(|n| !n.starts_with(&format!("{prefix}celery_delayed_")))
            .take(QUEUE_BINDINGS_CAP)
            .collect();
        topology(client, vhost, prefix, quorum)
    }))
    .await
}

async fn topology(client: &Client, vhost: String, prefix: String, quorum: Vec<String>) -> Topology {
    let names: Vec<String> = (0..LEVELS).map(|l| level_name(&prefix, l)).collect();
    let levels = join_all(names.iter().map(|name| {
        let vhost = vhost.as_str();
        async move {
            match client
                .get::<LevelQueue>(&["queues", vhost, name], Some(LevelQueue::COLUMNS))
                .await
            {
                Ok(q) => Level::Present(q),
                Err(ApiError::NotFound { .. }) => Level::Missing,
                Err(e) => Level::Unreadable(e.to_string()),
            }
        }
    }));
    let delivery = format!("{prefix}{DELIVERY_EXCHANGE}");
    let bindings = bindings_from(client, &vhost, &delivery);
    let to_queues = join_all(quorum.iter().map(|q| {
        let vhost = vhost.as_str();
        async move {
            client
                .get::<Vec<Binding>>(&["queues", vhost, q, "bindings"], None)
                .await
                .map_err(|e| e.to_string())
        }
    }));
    let (levels, bindings, to_queues) = tokio::join!(levels, bindings, to_queues);
    let bindings = bindings.and_then(|mut all| {
        for answer in to_queues {
            all.extend(answer?);
        }
        Ok(all)
    });
    Topology {
        vhost,
        prefix,
        levels,
        bindings,
    }
}

/// The delivery exchange's bindings, and those of each exchange it binds to.
async fn bindings_from(
    client: &Client,
    vhost: &str,
    delivery: &str,
) -> Result<Vec<Binding>, String> {
    let source = |exchange: String| async move {
        client
            .get::<Vec<Binding>>(&["exchanges", vhost, &exchange, "bindings", "source"], None)
            .await
            .map_err(|e| e.to_string())
    };
    let mut all = source(delivery.to_string()).await?;
    let mut targets: Vec<String> = all
        .iter()
        .filter(|b| b.destination_type.as_deref() == Some("exchange"))
        .filter_map(|b| b.destination.clone())
        .collect();
    targets.sort();
    targets.dedup();
    for answer in join_all(targets.into_iter().map(source)).await {
        all.extend(answer?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kombu() {
        assert_eq!(level_name("", 27), "celery_delayed_27");
        assert_eq!(level_name("p_", 0), "p_celery_delayed_0");
        assert_eq!(delivery_prefix("celery_delayed_delivery"), Some(""));
        assert_eq!(delivery_prefix("app_celery_delayed_delivery"), Some("app_"));
        assert_eq!(delivery_prefix("xcelery_delayed_delivery"), None);
        assert_eq!(delivery_prefix("celery"), None);
    }
}
