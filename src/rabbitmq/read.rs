//! Gathering: fetch what a command needs from the management API, concurrently, into a plain
//! snapshot that the checks read without I/O.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde::de::DeserializeOwned;

use super::client::{ApiError, Client};
use super::cluster::{ChannelQos, ClusterFacts, gather_cluster};
use super::lenient::{Merged, MergedList, merged_list};
use super::records::{
    Channel, Connection, ConnectionState, Consumer, Exchange, Listing, Node, NodeMemory, Overview,
    Policy, Queue, VhostStats, Whole,
};

/// Which parts of the API a command reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Need {
    pub overview: bool,
    pub nodes: bool,
    pub queues: bool,
    pub connections: bool,
    pub consumers: bool,
    pub exchanges: bool,
    pub policies: bool,
    /// `/api/channels`: publisher confirms.
    pub channels: bool,
    /// Read the connections' states again over the run (see [`FlowSamples`]): doctor's
    /// flow-control check; listings take one look.
    pub flow_samples: bool,
    /// Celery's native delayed-delivery topology (`super::delayed`), in the vhosts whose
    /// exchanges include its delivery exchange (needs `exchanges`).
    pub delayed: bool,
    /// The queue listing in its light form (`details`): counters from the queues, consumer
    /// counts from the consumer listing, and (with `policies`) the statistics of the busy
    /// queues only. Off for listings that show every queue's rates (`celtool queues`).
    pub light_queues: bool,
    /// With the light listing: from how many queues on the node (the overview's totals) the
    /// definitions are read before any listing, and stand in for it when they hold at least as
    /// many (`super::unlisted`); `None` always lists. Doctor's is
    /// `[thresholds."broker.queues.unlisted"] warn`.
    pub definitions_from: Option<f64>,
}

impl Need {
    pub const ALL: Need = Need {
        overview: true,
        nodes: true,
        queues: true,
        connections: true,
        consumers: true,
        exchanges: true,
        policies: true,
        channels: true,
        flow_samples: true,
        delayed: true,
        light_queues: true,
        definitions_from: None,
    };
}

/// How far apart the first and the last read of the connections' states are: just over
/// RabbitMQ's default collect_statistics_interval (5 s), the period at which the state the API
/// shows changes, so the two come from different samples of the broker's own.
pub const FLOW_SPREAD: Duration = Duration::from_millis(5_500);

/// The bytes per second a connection must receive before doctor waits [`FLOW_SPREAD`] for one
/// more look at its state: heartbeats and an idle Celery worker's events (a few hundred B/s)
/// never meet credit flow, and every doctor run would otherwise wait those 5.5 s.
pub const FLOW_RECHECK_MIN_RECV: f64 = 10_000.0;

/// Flow control read more than once: a publisher throttled in half of the broker's samples is
/// missed by one read half the time. The full connection listing is one read; a light one
/// (`name,state`) goes out with it at the start, and when a connection is publishing and not
/// yet seen in flow, one more [`FLOW_SPREAD`] after the start, if the run's deadline allows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowSamples {
    /// Reads of the connections' states that answered, the full listing included.
    pub reads: usize,
    /// Per connection name, how many of those reads found it in flow.
    pub in_flow: BTreeMap<String, usize>,
}

impl FlowSamples {
    pub fn add<'a>(&mut self, states: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) {
        self.reads += 1;
        for (name, state) in states {
            if state == Some("flow") {
                *self.in_flow.entry(name.to_string()).or_default() += 1;
            }
        }
    }

    /// In how many reads the connection `name` was in flow.
    pub fn in_flow(&self, name: &str) -> usize {
        self.in_flow.get(name).copied().unwrap_or(0)
    }
}

/// A part of the API that could not be read, and why.
#[derive(Debug)]
pub struct Gap {
    pub what: &'static str,
    pub error: ApiError,
}

/// What the broker said, as plain data. Lists that were not needed, or that failed (see `gaps`),
/// are empty.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The broker's host as given in the URL, named in findings.
    pub host: String,
    /// The vhost the view is limited to, if any.
    pub vhost: Option<String>,
    pub overview: Option<Overview>,
    pub nodes: Vec<Node>,
    /// Memory breakdown per node name.
    pub node_memory: Vec<(String, NodeMemory)>,
    pub queues: Vec<Queue>,
    pub connections: Vec<Connection>,
    pub consumers: Vec<Consumer>,
    pub exchanges: Vec<Exchange>,
    pub policies: Vec<Policy>,
    pub channels: Vec<Channel>,
    pub gaps: Vec<Gap>,
    /// Records of a listing that did not decode and were left out: (listing, how many).
    pub skipped: Vec<(&'static str, usize)>,
    /// Health checks, deprecated features in use, channel QoS (read with the nodes).
    pub cluster: ClusterFacts,
    /// The connections' states read more than once (doctor); empty when not asked for.
    pub flow: FlowSamples,
    /// Celery's delayed-delivery topology per vhost that has one; empty when not asked for.
    pub delayed: Vec<super::delayed::Topology>,
    /// The queue listing could not be read in time and the definitions stood in for it
    /// (`super::unlisted`): what that view lacks.
    pub unlisted: Option<super::unlisted::Unlisted>,
    /// The vhosts' own unroutable counters, read with the exchanges (doctor); empty when not
    /// read or when their read failed (the node's count bounds the losses then).
    pub vhost_stats: Vec<VhostStats>,
}

/// The API paths of the listings, limited to the vhost when one is named.
struct Paths<'a> {
    queues: Vec<&'a str>,
    connections: Vec<&'a str>,
    consumers: Vec<&'a str>,
    exchanges: Vec<&'a str>,
    policies: Vec<&'a str>,
    channels: Vec<&'a str>,
}

impl<'a> Paths<'a> {
    fn new(vhost: Option<&'a str>) -> Self {
        let scoped = |what: &'static str| -> Vec<&'a str> {
            match vhost {
                Some(v) if what == "connections" || what == "channels" => {
                    vec!["vhosts", v, what]
                }
                Some(v) => vec![what, v],
                None => vec![what],
            }
        };
        Paths {
            queues: scoped("queues"),
            connections: scoped("connections"),
            consumers: scoped("consumers"),
            exchanges: scoped("exchanges"),
            policies: scoped("policies"),
            channels: scoped("channels"),
        }
    }
}

/// The listings as they were answered, before their failures become gaps.
struct Lists {
    queues: Option<Result<Listing<Queue>, ApiError>>,
    /// What was read instead of a queue listing the broker did not answer in time.
    instead: Option<Result<super::unlisted::Instead, ApiError>>,
    connections: Option<Result<Listing<Connection>, ApiError>>,
    consumers: Option<Result<Listing<Consumer>, ApiError>>,
    exchanges: Option<Result<Listing<Exchange>, ApiError>>,
    policies: Option<Result<Listing<Policy>, ApiError>>,
    channels: Option<Result<Listing<Channel>, ApiError>>,
}

/// Every listing `need` names, at once.
async fn read_lists(
    client: &Client,
    need: Need,
    paths: &Paths<'_>,
    vhost: Option<&str>,
    nodes_first: Told<()>,
    node_size: Told<f64>,
) -> Lists {
    let ((queues, instead), connections, consumers, exchanges, policies, channels) = tokio::join!(
        async {
            nodes_first.wait().await;
            queue_listing(client, need, &paths.queues, vhost, node_size).await
        },
        list_if::<Connection>(
            client,
            need.connections,
            &paths.connections,
            Some(Connection::COLUMNS),
            plain,
        ),
        list_if::<Consumer>(
            client,
            need.consumers,
            &paths.consumers,
            Some(Consumer::COLUMNS),
            plain,
        ),
        list_if::<Exchange>(
            client,
            need.exchanges,
            &paths.exchanges,
            Some(Exchange::COLUMNS),
            whole,
        ),
        list_if::<Policy>(client, need.policies, &paths.policies, None, whole),
        list_if::<Channel>(
            client,
            need.channels,
            &paths.channels,
            Some(Channel::COLUMNS),
            plain,
        ),
    );
    Lists {
        queues,
        instead,
        connections,
        consumers,
        exchanges,
        policies,
        channels,
    }
}

/// A vhost that the API does not know is named as such: a bad argument, not a broken broker.
fn no_such_vhost(e: ApiError, vhost: Option<&str>, client: &Client) -> ApiError {
    match e {
        ApiError::NotFound { .. } => ApiError::NoSuchVhost {
            vhost: vhost.unwrap_or_default().to_string(),
            base: client.base().to_string(),
        },
        other => other,
    }
}

/// Fetch everything `need` names at once. The first failure of the overview (or, without it,
/// of any part) is returned as the error: a refused connection or bad credentials fail every
/// request alike and deserve one message, not seven. Later failures of single parts become gaps.
/// Each node's memory breakdown is asked for as soon as the node list has arrived, while the
/// other parts are still on their way.
pub async fn gather(
    client: &Client,
    vhost: Option<&str>,
    need: Need,
) -> Result<Snapshot, ApiError> {
    let paths = Paths::new(vhost);
    let vhost_path = ["vhosts", vhost.unwrap_or("")];
    let start = Instant::now();
    let sample = need.flow_samples && need.connections;
    let (nodes_read, nodes_first) = Told::new(need.nodes && need.queues);
    let (sized, node_size) = Told::new(light_queues(need) && need.definitions_from.is_some());
    let (first_states, vhost_check, (overview, cluster), nodes, lists) = tokio::join!(
        list_if::<ConnectionState>(
            client,
            sample,
            &paths.connections,
            Some(ConnectionState::COLUMNS),
            plain,
        ),
        vhosts_read(client, need, vhost, &vhost_path),
        overview_and_cluster(client, need, vhost, sized),
        nodes_and_memory(client, need.nodes, nodes_read),
        read_lists(client, need, &paths, vhost, nodes_first, node_size),
    );
    let vhost_stats = match vhost_check {
        Some(Err(e)) if vhost.is_some() => return Err(no_such_vhost(e, vhost, client)),
        Some(Ok(stats)) => stats,
        _ => Vec::new(),
    };
    let (nodes, node_memory, memory_gaps) = nodes;
    // An overview asked for only to size the waits is no part whose failure counts.
    let overview = overview.filter(|o| need.overview || o.is_ok());
    let mut gaps = Vec::new();
    let mut skipped = Vec::new();
    let (g, k) = (&mut gaps, &mut skipped);
    let (queue_answer, instead) = stand_in(lists.queues, lists.instead, need.definitions_from);
    let (queues, connections, consumers, exchanges, policies, channels) = (
        take_list(queue_answer, "queues", g, k),
        take_list(lists.connections, "connections", g, k),
        take_list(lists.consumers, "consumers", g, k),
        take_list(lists.exchanges, "exchanges", g, k),
        take_list(lists.policies, "policies", g, k),
        take_list(lists.channels, "channels", g, k),
    );
    let mut snap = Snapshot {
        host: client.base().host_str().unwrap_or("broker").to_string(),
        vhost: vhost.map(str::to_string),
        overview: take(overview, "overview", &mut gaps),
        nodes: take(nodes, "nodes", &mut gaps).unwrap_or_default(),
        node_memory,
        queues,
        connections,
        consumers,
        exchanges,
        policies,
        channels,
        gaps: Vec::new(),
        skipped,
        cluster,
        flow: FlowSamples::default(),
        delayed: Vec::new(),
        unlisted: None,
        vhost_stats,
    };
    if let Some(e) = failed_as_a_whole(&need, &mut gaps) {
        return Err(e);
    }
    let first = FirstStates {
        start,
        states: first_states,
        sample,
    };
    read_dependent(client, need, &paths, first, instead, &mut snap, &mut gaps).await;
    gaps.extend(memory_gaps);
    snap.gaps = gaps;
    Ok(snap)
}

/// The vhost named (it must exist: a failure is returned as it is), with its unroutable
/// counters when the exchanges are read with the overview (doctor); without a vhost, every
/// vhost's counters in that case, else nothing.
async fn vhosts_read(
    client: &Client,
    need: Need,
    vhost: Option<&str>,
    path: &[&str],
) -> Option<Result<Vec<VhostStats>, ApiError>> {
    let stats = need.exchanges && need.overview;
    let columns = if stats { VhostStats::COLUMNS } else { "name" };
    // Any answer says the vhost exists; counters that do not decode are none known.
    let lenient = |v: serde_json::Value| serde_json::from_value::<VhostStats>(v).ok();
    match vhost {
        Some(_) => Some(
            client
                .get::<serde_json::Value>(path, Some(columns))
                .await
                .map(|v| lenient(v).into_iter().collect()),
        ),
        None if stats => Some(
            client
                .get::<Vec<serde_json::Value>>(&["vhosts"], Some(columns))
                .await
                .map(|list| list.into_iter().filter_map(lenient).collect()),
        ),
        None => None,
    }
}

/// The first reading of the connections' states, taken with the listings, for the flow samples.
struct FirstStates {
    start: Instant,
    states: Option<Result<Listing<ConnectionState>, ApiError>>,
    sample: bool,
}

/// The reads that depend on the listings: the busy queues' statistics, the second sample of
/// the connections' states, the channels' QoS for the cluster part, the delayed-delivery path.
#[allow(clippy::too_many_arguments)]
async fn read_dependent(
    client: &Client,
    need: Need,
    paths: &Paths<'_>,
    first: FirstStates,
    instead: Option<Stood>,
    snap: &mut Snapshot,
    gaps: &mut Vec<Gap>,
) {
    if let Some(stood) = instead {
        unlisted_details(client, stood, snap, gaps).await;
    } else if light_queues(need) && !snap.queues.is_empty() {
        queue_details(client, &paths.queues, need, snap, gaps).await;
    }
    if first.sample && !gaps.iter().any(|g| g.what == "connections") {
        snap.flow = flow_samples(
            client,
            &paths.connections,
            first.start,
            first.states,
            &snap.connections,
            &snap.channels,
        )
        .await;
    }
    if need.nodes && need.channels && !gaps.iter().any(|g| g.what == "channels") {
        snap.cluster.channels = Some(snap.channels.iter().map(ChannelQos::from).collect());
    }
    if need.nodes && need.queues && quorum_cluster(snap) {
        snap.cluster.quorum = super::cluster::gather_quorum(client, &snap.queues).await;
    }
    if need.delayed && need.exchanges && !gaps.iter().any(|g| g.what == "exchanges") {
        snap.delayed = super::delayed::gather(client, &snap.exchanges, &snap.queues).await;
    }
}

/// Whether the quorum queues' member statuses are worth asking: a RabbitMQ 4.x cluster (only 4.x
/// has members that catch up before they vote) with more than one running node.
fn quorum_cluster(snap: &Snapshot) -> bool {
    let v4 = snap
        .overview
        .as_ref()
        .and_then(|o| o.version())
        .is_some_and(|v| super::cluster::major(v) >= 4);
    v4 && snap
        .nodes
        .iter()
        .filter(|n| n.running != Some(false))
        .count()
        > 1
}

/// Whether the queue listing is read in its light form (see `details`): when asked for, and
/// the consumer listing that completes it is read too.
fn light_queues(need: Need) -> bool {
    need.light_queues && need.queues && need.consumers
}

/// A queue listing's answer, and what was read instead of it.
type Answered = (
    Option<Result<Listing<Queue>, ApiError>>,
    Option<Result<super::unlisted::Instead, ApiError>>,
);

/// The queue listing: light (`details`) when [`light_queues`], else with every column. The
/// light one is hedged (`super::unlisted`): when it has not answered within
/// [`super::unlisted::HEDGE`], the definitions and the vhosts' totals are read beside it, and
/// they stand in for it if the broker does not answer it in time (also when it fails sooner).
/// On a node holding at least [`Need::definitions_from`] queues the definitions are read first,
/// and when they hold that many too, no listing is asked for (answered `None`): RabbitMQ 3.10
/// took from 20 s to past its 60 s idle_timeout to list 100 000 queues, the definitions 10-20 s.
async fn queue_listing(
    client: &Client,
    need: Need,
    path: &[&str],
    vhost: Option<&str>,
    node_size: Told<f64>,
) -> Answered {
    use super::unlisted::{self, worth_instead};
    if !need.queues {
        return (None, None);
    }
    if !light_queues(need) {
        let listing = client
            .get_listing::<Queue>(path, Some(Queue::COLUMNS), lenient_whole)
            .await;
        return (Some(listing), None);
    }
    let listing = client.get_listing_query::<Queue>(
        path,
        Some(Queue::LIGHT_COLUMNS),
        &super::details::LIGHT_QUERY,
        lenient_whole,
    );
    let mut got = None;
    if let Some(from) = need.definitions_from
        && let Some(node) = node_size.wait().await.filter(|&n| n >= from)
    {
        match unlisted::read(client, vhost).await {
            Ok(mut i) if i.queues.len() as f64 >= from => {
                i.node_queues = node;
                return (None, Some(Ok(i)));
            }
            // Fewer (a small vhost on a big node), or not readable: the listing, with these
            // definitions ready to stand in for it.
            other => got = Some(other),
        }
    }
    tokio::pin!(listing);
    let hedge = tokio::time::sleep(unlisted::HEDGE);
    tokio::pin!(hedge);
    let mut hedged = false;
    let instead = unlisted::read(client, vhost);
    tokio::pin!(instead);
    loop {
        tokio::select! {
            answer = &mut listing => {
                return match answer {
                    Err(e) if worth_instead(&e) => {
                        let stood = match got.take() {
                            Some(i) => i,
                            None => (&mut instead).await,
                        };
                        (Some(Err(e)), Some(stood))
                    }
                    other => (Some(other), None),
                };
            }
            () = &mut hedge, if !hedged => hedged = true,
            i = &mut instead, if hedged && got.is_none() => got = Some(i),
        }
    }
}

/// The definitions in place of a queue listing the broker did not answer in time, or that was
/// not asked for (no answer beside definitions: see [`queue_listing`]): a listing of their
/// queues, and what is left to say about them (`Stood`). Any other answer as it is.
fn stand_in(
    answer: Option<Result<Listing<Queue>, ApiError>>,
    instead: Option<Result<super::unlisted::Instead, ApiError>>,
    from: Option<f64>,
) -> (Option<Result<Listing<Queue>, ApiError>>, Option<Stood>) {
    use super::unlisted::{big_cause, cut_cause};
    let (cause, i) = match (answer, instead) {
        (None, Some(Ok(i))) => {
            let cause = big_cause(i.node_queues, i.queues.len(), from.unwrap_or_default());
            (cause, i)
        }
        // Definitions without a queue cannot be told from a wrong answer: the failure stands.
        (Some(Err(e)), Some(Ok(i))) if !i.queues.is_empty() => (cut_cause(&e), i),
        (answer, _) => return (answer, None),
    };
    let stood = Stood {
        cause,
        totals: i.totals,
    };
    let listing = Listing {
        items: i.queues,
        skipped: 0,
    };
    (Some(Ok(listing)), Some(stood))
}

/// Why the definitions stood in for the queue listing, and the vhosts' totals read with them.
struct Stood {
    cause: String,
    totals: Vec<super::unlisted::VhostTotals>,
}

/// The queues of the definitions completed: their policies matched, their consumer counts from
/// the consumer listing, the details (counts, state, rates) of those a check judges by them,
/// and the others' counts from the vhosts' totals where they tell (`super::unlisted`).
async fn unlisted_details(client: &Client, stood: Stood, snap: &mut Snapshot, gaps: &mut Vec<Gap>) {
    use super::unlisted;
    unlisted::name_policies(&mut snap.queues, &snap.policies);
    super::details::from_listings(&mut snap.queues, &snap.consumers, &snap.policies);
    let tasks = unlisted::task_exchanges(&snap.exchanges);
    let mut asked: Vec<usize> = (0..snap.queues.len())
        .filter(|&i| unlisted::wanted(&snap.queues[i], &tasks))
        .collect();
    asked.truncate(super::details::MAX_DETAILS);
    drop(tasks);
    let read = super::details::read_these(
        client,
        &mut snap.queues,
        &asked,
        super::details::Read::CountsAndDetails,
    );
    if let Err(error) = read.await {
        gaps.push(Gap {
            what: "queue details",
            error,
        });
    }
    let read: std::collections::HashSet<usize> = asked.into_iter().collect();
    snap.unlisted = Some(unlisted::settle(
        &mut snap.queues,
        &read,
        &stood.totals,
        stood.cause,
    ));
}

/// Complete the light queue listing: counts and policies from the other listings, then (when
/// the policies are read: doctor) the statistics of the queues that need them. Without the
/// listings that complete it, the queue listing is read again with every column.
async fn queue_details(
    client: &Client,
    path: &[&str],
    need: Need,
    snap: &mut Snapshot,
    gaps: &mut Vec<Gap>,
) {
    let incomplete = gaps
        .iter()
        .any(|g| g.what == "consumers" || (need.policies && g.what == "policies"));
    if incomplete {
        match client
            .get_listing::<Queue>(path, Some(Queue::COLUMNS), lenient_whole)
            .await
        {
            Ok(listing) => snap.queues = listing.items,
            Err(error) => gaps.push(Gap {
                what: "queue details",
                error,
            }),
        }
        return;
    }
    super::details::from_listings(&mut snap.queues, &snap.consumers, &snap.policies);
    if !need.policies {
        return;
    }
    if let Err(error) = super::details::read(client, &mut snap.queues).await {
        gaps.push(Gap {
            what: "queue details",
            error,
        });
    }
}

/// The reads of the connections' states: the one sent at `start`, the full listing, the
/// channels' states (a connection one of whose channels is in flow), and one
/// more [`FLOW_SPREAD`] after `start` when some connection publishes (bytes in) and is not yet
/// seen in flow, and the run's deadline leaves room for it. A light read that fails is no read
/// (the full listing stands); it is no gap.
async fn flow_samples(
    client: &Client,
    path: &[&str],
    start: Instant,
    first: Option<Result<Listing<ConnectionState>, ApiError>>,
    connections: &[Connection],
    channels: &[Channel],
) -> FlowSamples {
    let mut samples = FlowSamples::default();
    let light = |l: &Listing<ConnectionState>, s: &mut FlowSamples| {
        s.add(
            l.items
                .iter()
                .map(|c| (c.name.as_deref().unwrap_or(""), c.state.as_deref())),
        )
    };
    if let Some(Ok(l)) = &first {
        light(l, &mut samples);
    }
    samples.add(connections.iter().map(|c| (c.name(), c.state.as_deref())));
    // The channels' states are one more look, taken with the channel listing: credit flow
    // throttles a publishing channel as much as its connection.
    if let Some(states) = channel_states(connections, channels) {
        samples.add(states);
    }
    let publishing = connections.iter().any(|c| {
        c.recv_rate() >= FLOW_RECHECK_MIN_RECV
            && c.state.as_deref() == Some("running")
            && samples.in_flow(c.name()) == 0
    });
    let at = start + FLOW_SPREAD;
    let room = client
        .budget()
        .deadline()
        .is_none_or(|(end, _)| at + client.budget().start_wait() < end);
    if publishing && room {
        tokio::time::sleep_until(at.into()).await;
        let again = client
            .get_listing::<ConnectionState>(path, Some(ConnectionState::COLUMNS), plain)
            .await;
        if let Ok(l) = &again {
            light(l, &mut samples);
        }
    }
    samples
}

/// Each connection's state as its channels show it: `flow` when one of its channels is in flow.
/// None when the channel listing carries no state (not asked, or an older recording).
fn channel_states<'a>(
    connections: &'a [Connection],
    channels: &[Channel],
) -> Option<Vec<(&'a str, Option<&'a str>)>> {
    if !channels.iter().any(|c| c.state.is_some()) {
        return None;
    }
    let throttled: std::collections::BTreeSet<&str> = channels
        .iter()
        .filter(|c| c.state.as_deref() == Some("flow"))
        .map(Channel::connection_name)
        .collect();
    Some(
        connections
            .iter()
            .map(|c| {
                let state = if throttled.contains(c.name()) {
                    "flow"
                } else {
                    "running"
                };
                (c.name(), Some(state))
            })
            .collect(),
    )
}

/// A failing overview means nothing else is worth reporting; without an overview, the first
/// failure stands for all of them when every part failed or the credentials were refused.
fn failed_as_a_whole(need: &Need, gaps: &mut Vec<Gap>) -> Option<ApiError> {
    let fetched = [
        need.overview,
        need.nodes,
        need.queues,
        need.connections,
        need.consumers,
        need.exchanges,
        need.policies,
        need.channels,
    ]
    .iter()
    .filter(|n| **n)
    .count();
    if let Some(pos) = gaps.iter().position(|g| g.what == "overview") {
        return Some(gaps.swap_remove(pos).error);
    }
    if !gaps.is_empty() && (gaps.len() == fetched || gaps.iter().any(|g| g.error.is_auth())) {
        return Some(gaps.swap_remove(0).error);
    }
    None
}

/// The overview, which sizes the wait for the other answers to start as soon as it arrives
/// (they are already on their way; listings ask for it for that alone), then at once (when the
/// nodes are asked for) the cluster's health checks and deprecated features, which depend on
/// the version and node it names.
async fn overview_and_cluster(
    client: &Client,
    need: Need,
    vhost: Option<&str>,
    sized: Option<tokio::sync::oneshot::Sender<f64>>,
) -> (Option<Result<Overview, ApiError>>, ClusterFacts) {
    // The light listings of a probe (ping, fleet, readiness) size no wait: the overview's own
    // cost grows with every queue on the node (0.7 s at 111 000 queues), theirs does not.
    let lists = need.queues || need.connections || need.consumers || need.exchanges;
    let overview = fetch_if::<Overview>(
        client,
        need.overview || (lists && !need.light_queues),
        &["overview"],
        Some(Overview::COLUMNS),
    )
    .await;
    if let Some(Ok(o)) = &overview
        && let Some(totals) = o.object_totals.as_ref()
    {
        client.budget().scale_to(totals.sum());
        if let (Some(tx), Some(queues)) = (sized, totals.queues) {
            let _ = tx.send(queues);
        }
    }
    let cluster = if need.nodes {
        let known = overview.as_ref().and_then(|o| o.as_ref().ok());
        gather_cluster(client, known, vhost).await
    } else {
        ClusterFacts::default()
    };
    (overview, cluster)
}

type NodesAnswer = (
    Option<Result<Vec<Node>, ApiError>>,
    Vec<(String, NodeMemory)>,
    Vec<Gap>,
);

/// How long the queue listing waits for what other reads tell it first (`Told`): the node
/// list's answer, the overview's count of the node's queues. Both answer in under a second
/// even on a node of 100 000 queues.
const TOLD_WITHIN: Duration = Duration::from_secs(2);

/// What one read tells the queue listing before it goes out, waited for at most
/// [`TOLD_WITHIN`]; a read that fails or does not say (its sender dropped) ends the wait as
/// well as an answer does. Two are told:
/// - that the node list has been answered (`Told<()>`): the node's memory slope in that
///   answer (`mem_used_details.rate`, the alarm forecast) would otherwise include the node's
///   growth while it builds the listing for this very run. On a private node holding 100 000
///   queues the memory grew 64 MiB/s while it built doctor's listing, and the forecast called
///   an alarm 80 s away that doctor itself was causing (BENCHMARKS.md). The node list costs a
///   round trip on any broker (no queue is in it).
/// - the node's queue count from the overview (`Told<f64>`), for the light listing to choose
///   between listing and reading the definitions first ([`Need::definitions_from`]).
struct Told<T>(Option<tokio::sync::oneshot::Receiver<T>>);

impl<T> Told<T> {
    /// The telling read's side and the listing's side; when not `asked`, the listing waits
    /// for nothing.
    fn new(asked: bool) -> (Option<tokio::sync::oneshot::Sender<T>>, Self) {
        if !asked {
            return (None, Self(None));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        (Some(tx), Self(Some(rx)))
    }

    /// What was told in time, if anything.
    async fn wait(self) -> Option<T> {
        let rx = self.0?;
        tokio::time::timeout(TOLD_WITHIN, rx).await.ok()?.ok()
    }
}

/// The node list (repeated keys merged, see `lenient`), then at once each running node's
/// memory breakdown. `answered` is told when the node list is in (see `Told`).
async fn nodes_and_memory(
    client: &Client,
    wanted: bool,
    answered: Option<tokio::sync::oneshot::Sender<()>>,
) -> NodesAnswer {
    let nodes = match wanted {
        true => Some(
            client
                .get_query::<MergedList<Node>>(&["nodes"], Some(Node::COLUMNS), &Node::QUERY)
                .await
                .map(merged_list),
        ),
        false => None,
    };
    if let Some(tx) = answered {
        let _ = tx.send(());
    }
    let mut gaps = Vec::new();
    let memory = match &nodes {
        Some(Ok(list)) => node_memory(client, list, &mut gaps).await,
        _ => Vec::new(),
    };
    (nodes, memory, gaps)
}

async fn node_memory(
    client: &Client,
    nodes: &[Node],
    gaps: &mut Vec<Gap>,
) -> Vec<(String, NodeMemory)> {
    let running: Vec<&str> = nodes
        .iter()
        .filter(|n| n.running != Some(false))
        .filter_map(|n| n.name.as_deref())
        .collect();
    let answers = join_all(running.iter().map(|name| async move {
        client
            .get::<NodeMemory>(&["nodes", name, "memory"], None)
            .await
    }))
    .await;
    let mut out = Vec::new();
    for (name, answer) in running.into_iter().zip(answers) {
        match answer {
            Ok(mem) => out.push((name.to_string(), mem)),
            Err(error) => gaps.push(Gap {
                what: "node memory",
                error,
            }),
        }
    }
    out
}

async fn fetch_if<T>(
    client: &Client,
    wanted: bool,
    path: &[&str],
    columns: Option<&str>,
) -> Option<Result<T, ApiError>>
where
    T: DeserializeOwned + Send + 'static,
{
    if wanted {
        Some(client.get::<T>(path, columns).await)
    } else {
        None
    }
}

/// A listing's records, counting the odd ones left out.
fn take_list<T>(
    answer: Option<Result<Listing<T>, ApiError>>,
    what: &'static str,
    gaps: &mut Vec<Gap>,
    skipped: &mut Vec<(&'static str, usize)>,
) -> Vec<T> {
    let listing = take(answer, what, gaps).unwrap_or_default();
    if listing.skipped > 0 {
        skipped.push((what, listing.skipped));
    }
    listing.items
}

/// An item decoded as it is, else with repeated keys merged (RabbitMQ 3.10 repeats `online` or
/// `slave_nodes` in one queue object for a few seconds after a node stops or starts).
fn lenient<E: DeserializeOwned>(text: &str) -> Result<E, serde_json::Error> {
    serde_json::from_str(text)
        .or_else(|_| serde_json::from_str::<Merged<E>>(text).map(Merged::into_inner))
}

fn plain<E: DeserializeOwned>(text: &str) -> Result<E, serde_json::Error> {
    serde_json::from_str(text)
}

/// A record that names its object (see [`Whole`]); one that does not is left out and counted.
fn whole<E: DeserializeOwned + Whole>(text: &str) -> Result<E, serde_json::Error> {
    named(serde_json::from_str(text)?)
}

/// [`lenient`], then [`whole`].
fn lenient_whole<E: DeserializeOwned + Whole>(text: &str) -> Result<E, serde_json::Error> {
    named(lenient(text)?)
}

fn named<E: Whole>(record: E) -> Result<E, serde_json::Error> {
    match record.missing() {
        None => Ok(record),
        Some(field) => Err(serde::de::Error::custom(format!(
            "a record without {field}"
        ))),
    }
}

/// A listing, decoded item by item; odd items are counted, not fatal.
async fn list_if<E>(
    client: &Client,
    wanted: bool,
    path: &[&str],
    columns: Option<&str>,
    decode: crate::rabbitmq::list::ItemDecoder<E>,
) -> Option<Result<Listing<E>, ApiError>>
where
    E: DeserializeOwned + Send + 'static,
{
    if wanted {
        Some(client.get_listing::<E>(path, columns, decode).await)
    } else {
        None
    }
}

fn take<T>(
    answer: Option<Result<T, ApiError>>,
    what: &'static str,
    gaps: &mut Vec<Gap>,
) -> Option<T> {
    match answer? {
        Ok(v) => Some(v),
        Err(error) => {
            gaps.push(Gap { what, error });
            None
        }
    }
}

/// The bindings whose source is Celery's `celery.pidbox` exchange in `vhost`: the mailboxes a
/// remote-control request reaches. They come from the broker's metadata store, so unlike the
/// consumer and queue listings (statistics, a collection interval behind) they show a worker
/// that started a moment ago, and not one whose connection just closed. No such exchange: none.
pub async fn mailbox_bindings(
    client: &Client,
    vhost: &str,
) -> Result<Vec<super::delayed::Binding>, ApiError> {
    let path = ["exchanges", vhost, "celery.pidbox", "bindings", "source"];
    match client
        .get::<Vec<super::delayed::Binding>>(&path, None)
        .await
    {
        Err(ApiError::NotFound { .. }) => Ok(Vec::new()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_in_flow_puts_its_connection_in_flow_for_that_read() {
        let conn = |name: &str| -> Connection {
            serde_json::from_value(serde_json::json!({"name": name, "state": "running"})).unwrap()
        };
        let chan = |conn: &str, state: Option<&str>| -> Channel {
            serde_json::from_value(serde_json::json!({
                "name": format!("{conn} (1)"), "state": state,
                "connection_details": {"name": conn}
            }))
            .unwrap()
        };
        let conns = [conn("a"), conn("b")];
        // An older recording: no channel state, no read.
        assert_eq!(channel_states(&conns, &[chan("a", None)]), None);
        let states = channel_states(
            &conns,
            &[chan("a", Some("running")), chan("b", Some("flow"))],
        )
        .unwrap();
        assert_eq!(states, vec![("a", Some("running")), ("b", Some("flow"))]);
        let mut samples = FlowSamples::default();
        samples.add(states);
        assert_eq!((samples.reads, samples.in_flow("b")), (1, 1));
    }
}
