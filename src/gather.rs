//! Gather: the one I/O step of a run, and the one door every command that reads a broker goes
//! through (doctor, the listings, the fixes, fleet, ping, reap --hung, readiness): the command
//! builds a [`Need`] and gets one [`Snapshot`]. Each source fills its part once; the checks,
//! the listings and the fix planners read that snapshot and nothing else, so one
//! `celtool doctor --fix` asks the broker for each endpoint exactly once.
//!
//! Sources and their seams:
//! - the broker ([`BrokerPart`]): RabbitMQ's management API (`crate::rabbitmq::read`) or a
//!   Redis server (`crate::redis`); the URL scheme in the settings picks it
//!   ([`BrokerNeed`]), and the Celery-level checks read either through the broker-neutral
//!   model (`crate::celery_model`).
//! - this host (`crate::host::gather`), plus the reads that depend on what it found: the inode
//!   hot-spot walk for the filesystems the inode check will name, and the files and limits the
//!   host fix planners compare against.
//! - the Celery workers themselves (remote control: ping, stats, ...), over the [`Transport`]
//!   the [`WorkersNeed`] names (AMQP or Redis): another optional part of [`Snapshot`], asked
//!   once the broker's part is read: on RabbitMQ the broker says which vhosts hold Celery
//!   workers (their mailboxes, which tell a hung worker from a gone one) and whether an alarm
//!   forbids publishing the question; on Redis the workers are asked after the database is read
//!   (a request makes their pidbox subscriptions look like busy event subscribers), and their
//!   `conf` then gives the app's own visibility_timeout to judge the unacked messages by.
//!
//! Broker and host are read at the same time: the broker's requests (or Redis commands and its
//! two-sample interval) are awaited on the async runtime while the host is read on the
//! blocking pool. The runtime is gather's: every other layer that waits on the network (the
//! listings, the fixes and their verification) runs on the same one, through [`runtime`].

use crate::host::{self, HostSnapshot};
use crate::rabbitmq::client::{ApiError, Client};
use crate::rabbitmq::read as rabbit;
use crate::redis::{RedisError, RedisSnapshot};
use crate::settings::{RedisSettings, Thresholds};

/// What keeps gather from reading at all; a source that fails is a gap in the snapshot, never
/// this.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
    #[error("reading this host failed unexpectedly: {0}")]
    Host(String),
}

/// The process's one async runtime, single-threaded: the work is waiting on the broker, and
/// decoding runs on the blocking pool, so both cores are still used. One runtime for the whole
/// process matters: pooled HTTP connections belong to the runtime that opened them.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime, GatherError> {
    static RT: std::sync::OnceLock<Result<tokio::runtime::Runtime, String>> =
        std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| GatherError::Runtime(e.clone()))
}

/// How the workers are reached for Celery's remote control. One variant per transport: the
/// workers' part of the [`Need`] names the transport, never an AMQP-only struct.
#[derive(Debug, Clone)]
pub enum Transport {
    /// Over AMQP, through the broker's `celery.pidbox` exchange, in the vhosts where the
    /// RabbitMQ snapshot shows Celery.
    Amqp(crate::workers::AmqpEndpoint),
    /// Over Redis, on the database these settings name (kombu's PUBLISH/SUBSCRIBE fanout and
    /// its reply lists), with or without a broker read beside it.
    Redis(Box<RedisSettings>),
}

/// When the workers are asked, given what the broker's read gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Only where the broker's snapshot shows Celery (doctor: no Celery seen, nobody asked).
    WhereCeleryIs,
    /// Every vhost the broker's snapshot names (an empty answer when it names none), and the
    /// settings' vhost even when the broker's API is down (not when it refused the
    /// credentials or the vhost): fleet, ping, reap --hung, readiness.
    Always,
}

/// Asking the Celery workers themselves (remote control: ping, stats, ...).
#[derive(Debug, Clone)]
pub struct WorkersNeed {
    pub transport: Transport,
    pub opts: crate::workers::ProbeOptions,
    pub ask: Ask,
}

/// Which broker to read, and what of it.
#[derive(Debug, Clone)]
pub enum BrokerNeed {
    /// These parts of the management API (through the client passed to [`gather`]).
    RabbitMq(rabbit::Need),
    /// The Redis server these settings name: one snapshot of its database (boxed: the
    /// settings are much bigger than the RabbitMQ parts).
    Redis(Box<RedisSettings>),
}

/// What a run reads.
#[derive(Debug, Clone, Default)]
pub struct Need {
    /// The broker to read, if any.
    pub broker: Option<BrokerNeed>,
    /// The workers' own answers (needs the broker: it names the vhosts and mailboxes, and
    /// whether an alarm forbids publishing the question).
    pub workers: Option<WorkersNeed>,
    /// This host's parts to read, if any.
    pub host: Option<host::GatherOptions>,
    /// Count the entries on the filesystems the inode check finds short of inodes.
    pub inode_hot_spots: bool,
}

/// The broker's part of a snapshot.
#[derive(Debug)]
pub enum BrokerPart {
    /// RabbitMQ through the management API.
    RabbitMq(rabbit::Snapshot),
    /// One Redis database and its server, with the broker's link speed in bytes per second
    /// and where it came from, when known (for the event fan-out forecast).
    Redis {
        snap: RedisSnapshot,
        link: Option<(f64, String)>,
    },
}

/// Why the broker could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error(transparent)]
    RabbitMq(#[from] ApiError),
    #[error(transparent)]
    Redis(#[from] RedisError),
}

/// Everything one run read.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// None: not asked for. `Err`: the broker could not be read at all (unreachable, refused
    /// credentials); a part that failed alone is a gap inside the broker's snapshot.
    pub broker: Option<Result<BrokerPart, BrokerError>>,
    /// None: not asked for (or no broker snapshot to plan from). `Err`: no vhost could be asked.
    pub workers: Option<Result<crate::workers::FleetSnapshot, crate::workers::WorkerError>>,
    pub host: Option<HostSnapshot>,
}

impl Snapshot {
    /// The RabbitMQ snapshot, when it was read.
    pub fn rabbitmq(&self) -> Option<&rabbit::Snapshot> {
        match &self.broker {
            Some(Ok(BrokerPart::RabbitMq(s))) => Some(s),
            _ => None,
        }
    }

    /// The Redis snapshot, when it was read.
    pub fn redis(&self) -> Option<&RedisSnapshot> {
        match &self.broker {
            Some(Ok(BrokerPart::Redis { snap, .. })) => Some(snap),
            _ => None,
        }
    }
}

/// The broker parts with what the config file sets about reading them: from how many queues
/// on the node the definitions are read before the light queue listing
/// (`[thresholds."broker.queues.unlisted"] warn`).
fn with_limits(mut parts: rabbit::Need, thresholds: &Thresholds) -> rabbit::Need {
    if parts.light_queues && parts.queues {
        parts.definitions_from = thresholds.get("broker.queues.unlisted").warn;
    }
    parts
}

/// Read what `need` names, every source at once: the host on the blocking pool while the
/// broker is awaited, then the workers the broker's snapshot names. Never fails as a whole:
/// each part carries its own outcome. `client` is the management API client a RabbitMQ need
/// reads through; the run's deadline (in its budget) bounds this step and is lifted when it
/// ends, so that fixes applied afterwards are bounded by their own timeouts only.
pub fn gather(
    client: Option<&Client>,
    vhost: Option<&str>,
    roots: &host::Roots,
    thresholds: &Thresholds,
    need: &Need,
) -> Result<Snapshot, GatherError> {
    if need.broker.is_none() && need.workers.is_none() {
        // Nothing to wait on: the host is read on this thread, and no runtime is started
        // (liveness must answer without one).
        return Ok(Snapshot {
            host: need
                .host
                .as_ref()
                .map(|opts| read_host(roots, opts, thresholds, need.inode_hot_spots)),
            ..Snapshot::default()
        });
    }
    let rt = runtime()?;
    let host_job = need.host.clone().map(|opts| {
        let roots = roots.clone();
        let thresholds = thresholds.clone();
        let hot_spots = need.inode_hot_spots;
        rt.spawn_blocking(move || read_host(&roots, &opts, &thresholds, hot_spots))
    });
    // On Redis the rate sample runs on while the workers are asked; finished after them.
    let mut sample = None;
    let mut broker = match (&need.broker, client) {
        (Some(BrokerNeed::RabbitMq(parts)), Some(client)) => Some(
            rt.block_on(rabbit::gather(
                client,
                vhost,
                with_limits(*parts, thresholds),
            ))
            .map(BrokerPart::RabbitMq)
            .map_err(BrokerError::from),
        ),
        (Some(BrokerNeed::Redis(s)), _) => Some(
            rt.block_on(crate::redis::read_broker_open(s, &s.gather))
                .map(|(snap, running)| {
                    sample = running;
                    BrokerPart::Redis {
                        link: redis_link(s, &snap.host, roots),
                        snap,
                    }
                })
                .map_err(BrokerError::from),
        ),
        _ => None,
    };
    let workers = match (&need.workers, &mut broker) {
        (
            Some(
                w @ WorkersNeed {
                    transport: Transport::Redis(r),
                    ..
                },
            ),
            b,
        ) => rt.block_on(read_redis_workers(r, b.as_mut(), roots, w, &mut sample)),
        (Some(w), Some(b)) => read_workers(rt, client, vhost, b, w),
        _ => None,
    };
    if let (Some(BrokerNeed::Redis(s)), Some(Ok(BrokerPart::Redis { snap, .. }))) =
        (&need.broker, &mut broker)
    {
        rt.block_on(crate::redis::finish_sample(s, snap, sample.take()));
    }
    let host = match host_job {
        Some(job) => Some(
            rt.block_on(job)
                .map_err(|e| GatherError::Host(e.to_string()))?,
        ),
        None => None,
    };
    if let Some(c) = client {
        c.budget().lift_deadline();
    }
    Ok(Snapshot {
        broker,
        workers,
        host,
    })
}

/// Ask the workers the broker's read names, as `need.ask` says; None when there is nobody to
/// ask (or nothing to plan from).
fn read_workers(
    rt: &tokio::runtime::Runtime,
    client: Option<&Client>,
    vhost: Option<&str>,
    broker: &Result<BrokerPart, BrokerError>,
    need: &WorkersNeed,
) -> Option<Result<crate::workers::FleetSnapshot, crate::workers::WorkerError>> {
    let Transport::Amqp(endpoint) = &need.transport else {
        return None;
    };
    let client = client?;
    let unread = rabbit::Snapshot::default();
    let (snap, plans) = plan_workers(broker, vhost, need, &unread)?;
    Some(rt.block_on(ask_workers(client, snap, &plans, endpoint, &need.opts)))
}

/// Which vhosts' workers to ask, from which snapshot (`unread` when the broker's API is down
/// and the settings name the vhost); None when nobody is asked.
fn plan_workers<'s>(
    broker: &'s Result<BrokerPart, BrokerError>,
    vhost: Option<&str>,
    need: &WorkersNeed,
    unread: &'s rabbit::Snapshot,
) -> Option<(&'s rabbit::Snapshot, Vec<crate::workers::VhostPlan>)> {
    let always = need.ask == Ask::Always;
    let snap = match broker {
        // Refused credentials would be refused over AMQP too: the broker's error says it once.
        Ok(BrokerPart::RabbitMq(s)) if always && s.gaps.iter().any(|g| g.error.is_auth()) => {
            return None;
        }
        Ok(BrokerPart::RabbitMq(s)) => s,
        // The API down or slow, not the credentials or the vhost wrong: the named vhost is
        // asked without the broker's mailbox list (no second ping, no hung detection).
        Err(BrokerError::RabbitMq(e))
            if always
                && vhost.is_some()
                && !e.is_auth()
                && !matches!(e, ApiError::NoSuchVhost { .. }) =>
        {
            unread
        }
        Ok(BrokerPart::Redis { .. }) | Err(_) => return None,
    };
    let mut plans = crate::workers::discover_vhosts(snap, vhost);
    if let crate::workers::Target::Pattern { pattern, .. } = &need.opts.target {
        for p in &mut plans {
            p.known_nodes
                .retain(|n| crate::workers::settings::glob_matches(pattern, n));
        }
    }
    if plans.is_empty() && !always {
        return None;
    }
    Some((snap, plans))
}

/// Ask the workers over Redis: after the database was read (not when it could not be, nor on a
/// cluster-mode node), or alone for the commands that read no broker (ping, fleet, readiness).
/// With a database read, the unacked messages are judged again by the workers'
/// visibility_timeout when it differs from the one the read used.
async fn read_redis_workers(
    s: &RedisSettings,
    broker: Option<&mut Result<BrokerPart, BrokerError>>,
    roots: &host::Roots,
    need: &WorkersNeed,
    sample: &mut Option<crate::redis::read::Sample>,
) -> Option<Result<crate::workers::FleetSnapshot, crate::workers::WorkerError>> {
    let snap = match broker {
        None => None,
        Some(Ok(BrokerPart::Redis { snap, .. })) if !snap.cluster_enabled => Some(snap),
        Some(_) => return None,
    };
    // Through Sentinel the workers are asked on the master: the one the read found, else the
    // one the Sentinels name now.
    let master = match &snap {
        _ if s.sentinel.is_none() => None,
        Some(snap) => crate::redis::sentinel::master_settings(s, snap),
        None => match crate::redis::sentinel::master_only(s).await {
            Ok(m) => Some(m),
            Err(e) => return Some(Err(e.into())),
        },
    };
    let s = match &master {
        Some(m) => m,
        None if s.sentinel.is_some() => return None,
        None => s,
    };
    let asked = crate::workers::on_redis::ask(s, &need.opts, &roots.proc).await;
    let mut stream = None;
    if let Some(snap) = snap {
        // The sample's second readings come after the probe, before the re-read below
        // replaces queues with ones read once.
        crate::redis::finish_sample(s, snap, sample.take()).await;
        // The event stream the sample heard, for doctor's event sample.
        stream = need.opts.events.and(Some(event_stream(snap)));
        if let Ok(a) = &asked {
            reread_with_workers(s, snap, &a.fleet).await;
        }
    }
    Some(asked.map(|a| with_events(a.fleet, stream)))
}

/// What the database's rate sample heard of the event stream, or why it heard nothing.
fn event_stream(snap: &RedisSnapshot) -> crate::celery_events::EventSample {
    match &snap.events {
        Some(ev) => ev.stream.clone(),
        None => crate::celery_events::EventSample {
            not_sampled: Some(
                "the event stream was not read (its subscription failed: see the redis findings)"
                    .into(),
            ),
            ..Default::default()
        },
    }
}

/// Each database's report with the event sample read beside it, when one was asked for.
fn with_events(
    mut fleet: crate::workers::FleetSnapshot,
    stream: Option<crate::celery_events::EventSample>,
) -> crate::workers::FleetSnapshot {
    let Some(stream) = stream else { return fleet };
    for v in &mut fleet.vhosts {
        let on = v
            .workers
            .iter()
            .any(|w| w.conf_true("worker_send_task_events"));
        let mut sample = stream.clone();
        sample.mark_quiet(on);
        v.events = Some(sample);
    }
    fleet
}

/// Read again with what the workers report, when it differs from what the read used: judge the
/// unacked messages with their visibility_timeout, read the queue lists at the app's
/// priority_steps and list the queues they consume that no binding set names. A failure leaves
/// the first read and says so in a gap.
async fn reread_with_workers(
    s: &RedisSettings,
    snap: &mut RedisSnapshot,
    fleet: &crate::workers::FleetSnapshot,
) {
    let mut opts = s.gather.clone();
    with_workers_settings(&mut opts, fleet);
    let app = app_queues(fleet);
    let same_vt = opts.visibility_timeout == snap.visibility_timeout;
    if same_vt {
        snap.visibility_timeout_from = opts.visibility_timeout_from.clone();
    }
    let same_queues = app.steps.as_ref().is_none_or(|(st, _)| *st == snap.steps())
        && app
            .consumed
            .iter()
            .all(|(n, _)| snap.queues.iter().any(|q| &q.name == n));
    if same_vt && same_queues {
        return;
    }
    let what = if same_queues { "unacked" } else { "queues" };
    let again = async {
        let client = crate::redis::RedisClient::connect(
            &s.target,
            s.password.as_ref(),
            s.timeout,
            s.ca_file.as_deref(),
        )
        .await?;
        if !same_queues {
            crate::redis::read::with_app_queues(&client, snap, &app).await?;
        }
        if !same_vt {
            let u = crate::redis::read::unacked(&client, &snap.key_prefix, opts.visibility_timeout)
                .await?;
            snap.unacked = u;
            snap.visibility_timeout = opts.visibility_timeout;
            snap.visibility_timeout_from = opts.visibility_timeout_from.clone();
        }
        Ok::<(), RedisError>(())
    };
    let bounded = match s.deadline {
        Some((end, _)) => tokio::time::timeout_at(end.into(), again).await.ok(),
        None => Some(again.await),
    };
    let why = match bounded {
        Some(Ok(())) => return,
        Some(Err(e)) => e.to_string(),
        None => "the run's deadline passed".to_string(),
    };
    snap.gaps.push(crate::redis::snapshot::Gap {
        what,
        error: format!("read again with the workers' settings: {why}"),
    });
}

/// The app's priority_steps (`broker_transport_options` of the first worker that sets them) and
/// the queues the workers consume (`active_queues`, else `conf` `task_default_queue`).
pub fn app_queues(fleet: &crate::workers::FleetSnapshot) -> crate::redis::read::AppQueues {
    let mut app = crate::redis::read::AppQueues::default();
    for w in fleet.workers() {
        let steps = w
            .conf("broker_transport_options")
            .and_then(|o| o.get("priority_steps")?.as_array().cloned());
        if app.steps.is_none()
            && let Some(steps) = steps
        {
            let mut steps: Vec<u8> = steps
                .iter()
                .filter_map(|v| u8::try_from(v.as_u64()?).ok())
                .collect();
            steps.sort_unstable();
            steps.dedup();
            if !steps.is_empty() {
                let from = format!("broker_transport_options of worker {} (its conf)", w.node);
                app.steps = Some((steps, from));
            }
        }
        let active = w
            .reply(crate::workers::Method::ActiveQueues)
            .and_then(|v| v.as_array().cloned());
        let named: Vec<(String, &str)> = match active {
            Some(qs) => qs
                .iter()
                .filter_map(|q| Some((q.get("name")?.as_str()?.to_string(), "active_queues")))
                .collect(),
            None => w
                .conf("task_default_queue")
                .and_then(|v| v.as_str())
                .map(|n| vec![(n.to_string(), "conf task_default_queue")])
                .unwrap_or_default(),
        };
        for (name, how) in named {
            if !app.consumed.iter().any(|(n, _)| *n == name) {
                app.consumed
                    .push((name, format!("worker {} ({how})", w.node)));
            }
        }
    }
    app
}

/// The app's own visibility_timeout from the workers' `conf` (`broker_transport_options`), unless
/// the user set one: the smallest the workers report, since that worker redelivers first.
pub fn with_workers_settings(
    read: &mut crate::redis::Options,
    fleet: &crate::workers::FleetSnapshot,
) {
    if read.visibility_timeout_set {
        return;
    }
    let reported = fleet.workers().filter_map(|w| {
        let vt = w
            .conf("broker_transport_options")?
            .get("visibility_timeout")?
            .as_f64()
            .filter(|v| v.is_finite() && *v > 0.0)?;
        Some((vt, w.node.clone()))
    });
    if let Some((vt, node)) = reported.min_by(|a, b| a.0.total_cmp(&b.0)) {
        read.visibility_timeout = vt;
        read.visibility_timeout_from =
            format!("broker_transport_options of worker {node} (its conf)");
    }
}

/// Ask the workers of `plans`, unless an alarm is in effect: RabbitMQ blocks a connection that
/// publishes during a memory or disk alarm and stops reading it, so the probe's request would
/// hold the probe (and leave its reply queue) until the alarm clears. The alarm is looked for in
/// the snapshot (the nodes' flags and the alarms health check), else asked now.
/// Every step is bounded by `--timeout` and the run's deadline.
async fn ask_workers(
    client: &Client,
    snap: &rabbit::Snapshot,
    plans: &[crate::workers::VhostPlan],
    endpoint: &crate::workers::AmqpEndpoint,
    opts: &crate::workers::ProbeOptions,
) -> Result<crate::workers::FleetSnapshot, crate::workers::WorkerError> {
    let budget = client.budget();
    let opts = opts.clone().bounded(budget.idle(), budget.deadline());
    // The alarms health check read with the snapshot is moments old; the nodes' flags lag a
    // statistics interval, so without that check it is asked now. Unreadable: the probe's own
    // limits still bound it.
    let checked = matches!(
        snap.cluster.check("alarms").map(|h| &h.outcome),
        Some(
            crate::rabbitmq::cluster::Outcome::Pass
                | crate::rabbitmq::cluster::Outcome::Fail { .. }
        )
    );
    let alarm = match crate::rabbitmq::cluster::alarms_in(&snap.nodes, &snap.cluster) {
        Some(a) => Some(a),
        None if checked => None,
        None => crate::rabbitmq::cluster::alarms_now(client)
            .await
            .unwrap_or(None),
    };
    match alarm {
        Some(reason) => Ok(crate::workers::not_asked(
            plans,
            &format!("the broker blocks publishers ({reason})"),
            opts.timeout,
        )),
        None => {
            let endpoint = amqp_listener(client, snap, endpoint.clone()).await;
            crate::workers::probe(&endpoint, plans, &opts, Some(client)).await
        }
    }
}

/// The AMQP endpoint with the port the node's listener reports, when it was derived from a
/// management URL on a port other than the management plugin's default (15672, 15671 over
/// https): there 5672 of the same host is as likely another broker. The overview the
/// snapshot read is used, else read now (bounded by the budget); unreadable, the derived
/// port stays.
async fn amqp_listener(
    client: &Client,
    snap: &rabbit::Snapshot,
    endpoint: crate::workers::AmqpEndpoint,
) -> crate::workers::AmqpEndpoint {
    let default_port = if endpoint.tls { 15671 } else { 15672 };
    if endpoint.from_url || client.base().port_or_known_default() == Some(default_port) {
        return endpoint;
    }
    let read;
    let overview = match &snap.overview {
        Some(o) => o,
        None => match client
            .get::<crate::rabbitmq::records::Overview>(&["overview"], Some("node,listeners"))
            .await
        {
            Ok(o) => {
                read = o;
                &read
            }
            Err(_) => return endpoint,
        },
    };
    let listeners = overview.listeners.iter().flatten().filter_map(|l| {
        let port = l
            .port
            .filter(|p| *p >= 1.0 && *p <= 65535.0 && p.fract() == 0.0)? as u16;
        Some((l.node.as_deref(), l.protocol.as_deref()?, port))
    });
    endpoint.on_listener(overview.node.as_deref(), listeners)
}

/// The Redis broker's link speed: configured, else this host's fastest interface when the
/// broker (`name`: the server read, through Sentinel the master) runs here.
fn redis_link(s: &RedisSettings, name: &str, roots: &host::Roots) -> Option<(f64, String)> {
    broker_link(s.link, name, roots)
}

/// A broker's link speed in bytes per second and where it came from: `configured` (bytes per
/// second, and the setting that gave it), else this host's fastest interface when the broker
/// `name`d runs here (a loopback address or this host's name).
pub fn broker_link(
    configured: Option<(f64, &str)>,
    name: &str,
    roots: &host::Roots,
) -> Option<(f64, String)> {
    if let Some((b, from)) = configured {
        return Some((b, from.into()));
    }
    let local = name == "localhost"
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || std::fs::read_to_string(roots.proc.join("sys/kernel/hostname"))
            .is_ok_and(|h| h.trim().eq_ignore_ascii_case(name));
    if !local {
        return None;
    }
    host::nic::fastest_link(roots)
        .map(|(iface, b)| (b, format!("/sys/class/net/{iface}/speed on this host")))
}

/// This host, and the hot spots of the filesystems its inode check will name.
fn read_host(
    roots: &host::Roots,
    opts: &host::GatherOptions,
    thresholds: &Thresholds,
    hot_spots: bool,
) -> HostSnapshot {
    let mut snap = host::gather(roots, opts);
    if hot_spots && let host::Reading::Present(fs) = &snap.filesystems {
        let targets = crate::checks::host::inode_hot_spot_targets(fs, thresholds);
        snap.inode_hot_spots = host::hot_spots(&targets);
    }
    snap
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::{FleetSnapshot, Matcher, ProbeOptions, Target, VhostReport, WorkerReport};

    fn worker(node: &str, vt: serde_json::Value) -> WorkerReport {
        let conf = serde_json::json!({"broker_transport_options": {"visibility_timeout": vt}});
        let replies = [("conf".to_string(), conf)];
        WorkerReport::from_replies(node, "db0", replies.into_iter().collect(), 0.0)
    }

    #[test]
    fn the_visibility_timeout_is_the_smallest_the_workers_report_unless_set() {
        let fleet = FleetSnapshot {
            vhosts: vec![VhostReport {
                workers: vec![
                    worker("a@h", serde_json::json!(20)),
                    worker("b@h", serde_json::json!(10.5)),
                    worker("c@h", serde_json::json!("x")),
                ],
                ..VhostReport::default()
            }],
            timeout_ms: 1000,
        };
        let mut read = crate::redis::Options::default();
        with_workers_settings(&mut read, &fleet);
        assert_eq!(read.visibility_timeout, 10.5);
        assert_eq!(
            read.visibility_timeout_from,
            "broker_transport_options of worker b@h (its conf)"
        );
        let mut set = crate::redis::Options {
            visibility_timeout: 60.0,
            visibility_timeout_from: "CELTOOL_REDIS_VISIBILITY_TIMEOUT".into(),
            visibility_timeout_set: true,
            ..crate::redis::Options::default()
        };
        with_workers_settings(&mut set, &fleet);
        assert_eq!(set.visibility_timeout, 60.0);
        let mut none = crate::redis::Options::default();
        with_workers_settings(&mut none, &FleetSnapshot::default());
        assert_eq!(
            (
                none.visibility_timeout,
                none.visibility_timeout_from.as_str()
            ),
            (3600.0, "kombu's default")
        );
    }

    fn need(ask: Ask, target: Target) -> WorkersNeed {
        let url = "http://localhost:15672".parse().unwrap();
        let password = crate::settings::Secret::new("guest".into());
        WorkersNeed {
            transport: Transport::Amqp(
                crate::workers::amqp_endpoint(&url, "guest", &password, None).unwrap(),
            ),
            opts: ProbeOptions::ping(std::time::Duration::from_secs(1), target),
            ask,
        }
    }

    /// A snapshot of vhost `v` whose mailboxes `nodes` have a consumer.
    fn celery_in_v(nodes: &[&str]) -> Result<BrokerPart, BrokerError> {
        let queues: Vec<serde_json::Value> = nodes
            .iter()
            .map(|n| serde_json::json!({"name": format!("{n}.celery.pidbox"), "vhost": "v", "consumers": 1}))
            .collect();
        Ok(BrokerPart::RabbitMq(rabbit::Snapshot {
            queues: serde_json::from_value(serde_json::Value::Array(queues)).unwrap(),
            ..rabbit::Snapshot::default()
        }))
    }

    fn down() -> Result<BrokerPart, BrokerError> {
        Err(BrokerError::RabbitMq(ApiError::Connect {
            url: "http://h:15672".into(),
            cause: "refused".into(),
        }))
    }

    fn planned(
        broker: &Result<BrokerPart, BrokerError>,
        vhost: Option<&str>,
        need: &WorkersNeed,
    ) -> Option<Vec<(String, Vec<String>)>> {
        let unread = rabbit::Snapshot::default();
        plan_workers(broker, vhost, need, &unread).map(|(_, plans)| {
            plans
                .into_iter()
                .map(|p| (p.vhost, p.known_nodes))
                .collect()
        })
    }

    #[test]
    fn doctor_asks_only_where_the_broker_shows_celery() {
        let doctor = need(Ask::WhereCeleryIs, Target::All);
        let none = Ok(BrokerPart::RabbitMq(rabbit::Snapshot::default()));
        assert_eq!(planned(&none, None, &doctor), None);
        assert_eq!(planned(&down(), Some("v"), &doctor), None);
        assert_eq!(
            planned(&celery_in_v(&["a@h"]), None, &doctor),
            Some(vec![("v".to_string(), vec!["a@h".to_string()])])
        );
    }

    #[test]
    fn a_probe_asks_the_named_vhost_when_the_api_is_down_but_not_when_it_refused() {
        let ping = need(Ask::Always, Target::All);
        assert_eq!(
            planned(&down(), Some("v"), &ping),
            Some(vec![("v".to_string(), Vec::new())])
        );
        assert_eq!(planned(&down(), None, &ping), None);
        let refused = Err(BrokerError::RabbitMq(ApiError::Forbidden {
            url: "http://h:15672".into(),
            user: "u".into(),
        }));
        assert_eq!(planned(&refused, Some("v"), &ping), None);
        let no_vhost = Err(BrokerError::RabbitMq(ApiError::NoSuchVhost {
            vhost: "v".into(),
            base: "http://h:15672".into(),
        }));
        assert_eq!(planned(&no_vhost, Some("v"), &ping), None);
    }

    #[test]
    fn a_pattern_keeps_only_the_known_nodes_it_matches() {
        let web = need(
            Ask::Always,
            Target::Pattern {
                pattern: "web@*".into(),
                matcher: Matcher::Glob,
            },
        );
        assert_eq!(
            planned(&celery_in_v(&["web@h", "batch@h"]), None, &web),
            Some(vec![("v".to_string(), vec!["web@h".to_string()])])
        );
    }
}
