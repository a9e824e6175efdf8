//! The AMQP side of a probe (amqprs): per vhost, one connection and one channel; declare the
//! reply queue `OID.reply.celery.pidbox` (exclusive, auto-delete, x-expires 10 s), publish every
//! request at once, gather replies concurrently until the timeout or until every known node has
//! answered, ping silent nodes once more, then delete the reply queue and close.
//!
//! Every step on the wire is bounded: by `--timeout` for one step (login, declare, bind,
//! consume, publish, delete, close) and by the run's deadline for all of them. A step that runs
//! out ends the vhost's probe with what was being waited for, and the connection is abandoned,
//! not closed politely: a broker that blocked it (a memory or disk alarm) would not read the
//! close either.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amqprs::channel::{
    BasicConsumeArguments, BasicPublishArguments, Channel, ExchangeDeclareArguments,
    QueueBindArguments, QueueDeclareArguments, QueueDeleteArguments,
};
use amqprs::connection::{Connection, OpenConnectionArguments};
use amqprs::{BasicProperties, FieldTable, FieldValue};
use futures_util::future::join_all;
use serde_json::Value;
use tokio::time::Instant;

use super::model::{FleetSnapshot, VhostReport, WorkerReport};
use super::protocol::{self, Method, Request, Target};
use super::settings::{AmqpEndpoint, VhostPlan};
use super::{ProbeOptions, WorkerError};

/// Ask the workers of each vhost, all vhosts at once. A vhost that cannot be probed gets its
/// `error` and the others go on; the error of the first vhost is also returned when every vhost
/// failed, so a command can exit 3 with one message.
pub async fn probe(
    endpoint: &AmqpEndpoint,
    plans: &[VhostPlan],
    opts: &ProbeOptions,
) -> Result<FleetSnapshot, WorkerError> {
    let results = join_all(plans.iter().map(|p| probe_vhost(endpoint, p, opts))).await;
    let mut fleet = FleetSnapshot {
        vhosts: Vec::new(),
        timeout_ms: opts.timeout.as_millis() as u64,
    };
    let mut first_error = None;
    let total = results.len();
    for (plan, result) in plans.iter().zip(results) {
        match result {
            Ok(v) => fleet.vhosts.push(v),
            Err(e) => {
                fleet.vhosts.push(VhostReport {
                    vhost: plan.vhost.clone(),
                    error: Some(e.to_string()),
                    ..VhostReport::default()
                });
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if fleet.vhosts.iter().filter(|v| v.error.is_some()).count() == total => Err(e),
        _ => Ok(fleet),
    }
}

fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// How long the steps of one probe may wait: each step `step`, all of them until the run's
/// deadline (when it ends, and its length for messages).
#[derive(Debug, Clone, Copy)]
struct Limits {
    step: Duration,
    deadline: Option<(Instant, Duration)>,
}

impl Limits {
    fn new(opts: &ProbeOptions) -> Limits {
        Limits {
            step: opts.step_timeout,
            deadline: opts
                .deadline
                .map(|(end, len)| (Instant::from_std(end), len)),
        }
    }

    /// When a wait of `wait` that starts now must end, and what to say when it does.
    fn until(&self, wait: Duration) -> (Instant, String, bool) {
        let own = Instant::now() + wait;
        match self.deadline {
            Some((end, len)) if end <= own => (
                end,
                format!("the run's deadline of {} passed", secs(len)),
                true,
            ),
            _ => (own, format!("no answer within {}", secs(wait)), false),
        }
    }
}

fn secs(d: Duration) -> String {
    crate::output::fmt_duration_secs(d.as_secs_f64())
}

struct Ctx<'a> {
    endpoint: &'a AmqpEndpoint,
    vhost: &'a str,
    limits: Limits,
    /// A request was published: from then on a broker in alarm may have blocked the
    /// connection, which a step that runs out says.
    published: AtomicBool,
    /// A step ran out: the connection is abandoned, not closed.
    abandoned: AtomicBool,
    /// The reply queue, named when it may be left behind.
    reply_queue: std::sync::Mutex<Option<String>>,
}

impl Ctx<'_> {
    fn err(&self, what: &'static str, e: impl std::fmt::Display) -> WorkerError {
        WorkerError::Amqp {
            endpoint: self.endpoint.to_string(),
            vhost: self.vhost.to_string(),
            what,
            cause: scrub(&e.to_string(), self.endpoint),
        }
    }

    /// Run one step on the wire within its limit.
    async fn step<T, E: std::fmt::Display>(
        &self,
        what: &'static str,
        fut: impl Future<Output = Result<T, E>>,
    ) -> Result<T, WorkerError> {
        let (at, why, _) = self.limits.until(self.limits.step);
        match tokio::time::timeout_at(at, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.err(what, e)),
            Err(_) => Err(self.ran_out(what, why)),
        }
    }

    /// The error of a step that ran out; the connection is abandoned from here on.
    fn ran_out(&self, what: &'static str, why: String) -> WorkerError {
        self.abandoned.store(true, Ordering::Relaxed);
        let mut cause = why;
        if self.published.load(Ordering::Relaxed) {
            cause.push_str(
                "; the broker may be blocking this connection (a memory or disk alarm: see `celtool explain broker.alarm.memory`), so celtool abandoned it",
            );
            if let Some(q) = self.reply_queue.lock().ok().and_then(|q| q.clone()) {
                cause.push_str(&format!(
                    "; its exclusive reply queue {q} stays on the broker until the broker reads the connection's end (when the alarm clears)"
                ));
            }
        }
        self.err(what, cause)
    }
}

/// amqprs errors do not quote the password; scrub it anyway so no future message can.
fn scrub(text: &str, endpoint: &AmqpEndpoint) -> String {
    let pw = endpoint.password.expose();
    let text = crate::output::sanitize(text);
    if pw.len() >= 4 && pw != endpoint.user {
        text.replace(pw, "***")
    } else {
        text
    }
}

async fn connect(
    endpoint: &AmqpEndpoint,
    vhost: &str,
    opts: &ProbeOptions,
) -> Result<Connection, WorkerError> {
    let mut args = OpenConnectionArguments::new(
        &endpoint.host,
        endpoint.port,
        &endpoint.user,
        endpoint.password.expose(),
    );
    args.virtual_host(vhost).connection_name(concat!(
        "celtool ",
        env!("CARGO_PKG_VERSION"),
        " workers probe"
    ));
    if endpoint.tls {
        args.tls_adaptor(tls_adaptor(endpoint)?);
    }
    let connect_err = |cause: String| WorkerError::Connect {
        endpoint: endpoint.to_string(),
        vhost: vhost.to_string(),
        cause: scrub(&cause, endpoint),
    };
    let (at, why, _) = Limits::new(opts).until(opts.connect_timeout);
    match tokio::time::timeout_at(at, Connection::open(&args.finish())).await {
        Err(_) => Err(connect_err(why)),
        Ok(Err(e)) => {
            let text = e.to_string();
            // RabbitMQ closes the socket after a refused login unless the client asks for
            // authentication_failure_close: a reset during the handshake is a refusal.
            let refused = ["ACCESS_REFUSED", "NOT_ALLOWED", "403", "reset by peer"];
            if refused.iter().any(|r| text.contains(r)) {
                Err(WorkerError::Refused {
                    endpoint: endpoint.to_string(),
                    vhost: vhost.to_string(),
                    user: endpoint.user.clone(),
                })
            } else {
                Err(connect_err(text))
            }
        }
        Ok(Ok(c)) => Ok(c),
    }
}

/// TLS with rustls and the platform's trust store, as the management client uses over https.
fn tls_adaptor(endpoint: &AmqpEndpoint) -> Result<amqprs::tls::TlsAdaptor, WorkerError> {
    let config = crate::broker::tls::rustls_config(endpoint.ca_file.as_deref())
        .map_err(|e| WorkerError::Settings(format!("{endpoint}: cannot set up TLS: {e}")))?;
    Ok(amqprs::tls::TlsAdaptor::new(
        tokio_rustls::TlsConnector::from(Arc::new(config)),
        endpoint.host.clone(),
    ))
}

async fn probe_vhost(
    endpoint: &AmqpEndpoint,
    plan: &VhostPlan,
    opts: &ProbeOptions,
) -> Result<VhostReport, WorkerError> {
    let ctx = Ctx {
        endpoint,
        vhost: &plan.vhost,
        limits: Limits::new(opts),
        published: AtomicBool::new(false),
        abandoned: AtomicBool::new(false),
        reply_queue: std::sync::Mutex::new(None),
    };
    let conn = connect(endpoint, &plan.vhost, opts).await?;
    let result = probe_on(&ctx, &conn, plan, opts).await;
    if !ctx.abandoned.load(Ordering::Relaxed) {
        // A close that does not finish in time changes nothing: the socket closes when the
        // process ends, and the broker drops the exclusive reply queue with it.
        let _ = ctx.step("close the connection", conn.close()).await;
    }
    result
}

async fn probe_on(
    ctx: &Ctx<'_>,
    conn: &Connection,
    plan: &VhostPlan,
    opts: &ProbeOptions,
) -> Result<VhostReport, WorkerError> {
    let mut report = VhostReport {
        vhost: plan.vhost.clone(),
        ..VhostReport::default()
    };
    // A passive declare: a vhost without the mailbox exchange has no worker to ask, and celtool
    // must not create it there. A failed passive declare closes the channel.
    let probe_chan = ctx.step("open a channel", conn.open_channel(None)).await?;
    let mut passive = ExchangeDeclareArguments::new(protocol::MAILBOX_EXCHANGE, "fanout");
    passive.passive(true);
    match ctx
        .step(
            "look for the celery.pidbox exchange",
            probe_chan.exchange_declare(passive),
        )
        .await
    {
        Ok(()) => {}
        Err(e) if ctx.abandoned.load(Ordering::Relaxed) => return Err(e),
        Err(_) => return Ok(report),
    }
    ctx.step("close a channel", probe_chan.close()).await?;
    report.mailbox_exchange = true;

    let chan = ctx.step("open a channel", conn.open_channel(None)).await?;
    let oid = protocol::new_id();
    let queue = protocol::reply_queue(&oid);
    let mut rx = open_reply_queue(ctx, &chan, &oid, &queue).await?;
    if let Ok(mut q) = ctx.reply_queue.lock() {
        *q = Some(queue.clone());
    }

    let gathered = gather(ctx, &chan, &mut rx, &oid, plan, opts).await;
    // Delete the reply queue now rather than rely on exclusive/auto-delete: nothing stays.
    // After a step ran out the connection is abandoned: another wait would run out too.
    if !ctx.abandoned.load(Ordering::Relaxed) {
        let deleted = ctx
            .step(
                "delete the reply queue",
                chan.queue_delete(QueueDeleteArguments::new(&queue)),
            )
            .await;
        let cleaned = match deleted {
            Ok(_) => ctx.step("close the channel", chan.close()).await,
            Err(e) => Err(e),
        };
        // The answers stand if the clean-up runs out (the queue is exclusive, so it goes with
        // the connection), unless a worker was silent: a broker that blocks this connection
        // would block the workers' replies too, so that silence proves nothing.
        if let (Err(e), Ok((_, silent))) = (cleaned, &gathered)
            && ctx.abandoned.load(Ordering::Relaxed)
            && !silent.is_empty()
        {
            return Err(e);
        }
    }
    let (workers, silent) = gathered?;
    report.workers = workers;
    report.silent = silent;
    Ok(report)
}

async fn open_reply_queue(
    ctx: &Ctx<'_>,
    chan: &Channel,
    oid: &str,
    queue: &str,
) -> Result<tokio::sync::mpsc::UnboundedReceiver<amqprs::channel::ConsumerMessage>, WorkerError> {
    // What kombu declares before its first call: the direct reply exchange (non-durable), and
    // the reply queue, exclusive + auto-delete with Celery's control_queue_expires/ttl.
    let mut exchange = ExchangeDeclareArguments::new(protocol::REPLY_EXCHANGE, "direct");
    exchange.durable(false);
    ctx.step(
        "declare exchange reply.celery.pidbox",
        chan.exchange_declare(exchange),
    )
    .await?;
    let mut table = FieldTable::new();
    table.insert(
        "x-expires".try_into().expect("short name"),
        FieldValue::l(protocol::REPLY_QUEUE_EXPIRES_MS),
    );
    table.insert(
        "x-message-ttl".try_into().expect("short name"),
        FieldValue::l(protocol::REPLY_QUEUE_TTL_MS),
    );
    let mut declare = QueueDeclareArguments::new(queue);
    declare.exclusive(true).auto_delete(true).arguments(table);
    ctx.step("declare the reply queue", chan.queue_declare(declare))
        .await?;
    ctx.step(
        "bind the reply queue",
        chan.queue_bind(QueueBindArguments::new(
            queue,
            protocol::REPLY_EXCHANGE,
            oid,
        )),
    )
    .await?;
    let mut consume = BasicConsumeArguments::new(queue, "");
    consume.manual_ack(false).exclusive(true);
    let (_tag, rx) = ctx
        .step("consume the reply queue", chan.basic_consume_rx(consume))
        .await?;
    Ok(rx)
}

async fn publish(ctx: &Ctx<'_>, chan: &Channel, req: &Request) -> Result<(), WorkerError> {
    let mut headers = FieldTable::new();
    headers.insert(
        "clock".try_into().expect("short name"),
        FieldValue::l(req.clock() as i64),
    );
    headers.insert(
        "expires".try_into().expect("short name"),
        FieldValue::d(req.expires()),
    );
    let mut props = BasicProperties::default();
    props
        .with_content_type("application/json")
        .with_content_encoding("utf-8")
        .with_delivery_mode(1)
        .with_headers(headers);
    ctx.published.store(true, Ordering::Relaxed);
    ctx.step(
        "publish a request to celery.pidbox",
        chan.basic_publish(
            props.finish(),
            req.body().to_vec(),
            BasicPublishArguments::new(protocol::MAILBOX_EXCHANGE, ""),
        ),
    )
    .await
}

/// Replies gathered so far, by node then method: the reply and, for ping, its round trip in ms,
/// for the others the epoch second it arrived (to age active tasks).
type Replies = BTreeMap<String, BTreeMap<Method, (Value, f64)>>;

type Rx = tokio::sync::mpsc::UnboundedReceiver<amqprs::channel::ConsumerMessage>;

/// One probe's state on one channel: the tickets sent (kept across rounds, so a late answer to
/// the first ping still counts) and the replies.
struct Gatherer<'a> {
    ctx: &'a Ctx<'a>,
    chan: &'a Channel,
    rx: &'a mut Rx,
    oid: &'a str,
    tickets: BTreeMap<String, (Method, Instant)>,
    replies: Replies,
}

async fn gather(
    ctx: &Ctx<'_>,
    chan: &Channel,
    rx: &mut Rx,
    oid: &str,
    plan: &VhostPlan,
    opts: &ProbeOptions,
) -> Result<(Vec<WorkerReport>, Vec<String>), WorkerError> {
    let known: BTreeSet<String> = plan
        .known_nodes
        .iter()
        .filter(|n| match &opts.target {
            Target::Nodes(nodes) => nodes.contains(n),
            _ => true,
        })
        .cloned()
        .collect();
    let mut g = Gatherer {
        ctx,
        chan,
        rx,
        oid,
        tickets: BTreeMap::new(),
        replies: BTreeMap::new(),
    };
    let started = g
        .round(&opts.methods, &opts.target, &known, opts.timeout)
        .await?;
    let mut retried = BTreeSet::new();
    let mut silent: Vec<String> = Vec::new();
    if opts.methods.contains(&Method::Ping) {
        let missing: BTreeSet<String> = known
            .iter()
            .filter(|n| !g.answered(n, Method::Ping))
            .cloned()
            .collect();
        if !missing.is_empty() {
            let target = Target::Nodes(missing.iter().cloned().collect());
            g.round(&[Method::Ping], &target, &missing, opts.timeout)
                .await?;
            silent = missing
                .iter()
                .filter(|n| !g.answered(n, Method::Ping))
                .cloned()
                .collect();
            retried = missing;
        }
    }
    let workers = g
        .replies
        .into_iter()
        .map(|(node, by_method)| {
            let ping_ms = by_method.get(&Method::Ping).map(|(_, ms)| *ms);
            let received_at = by_method
                .get(&Method::Active)
                .map(|(_, at)| *at)
                .unwrap_or(started);
            WorkerReport {
                ping_retried: retried.contains(&node) && ping_ms.is_some(),
                vhost: ctx.vhost.to_string(),
                ping_ms,
                replies: by_method
                    .into_iter()
                    .map(|(m, (v, _))| (m.name().to_string(), v))
                    .collect(),
                received_at: received_at.max(0.0),
                node,
            }
        })
        .collect();
    Ok((workers, silent))
}

impl Gatherer<'_> {
    fn answered(&self, node: &str, m: Method) -> bool {
        self.replies.get(node).is_some_and(|r| r.contains_key(&m))
    }

    /// One round: publish one request per method, then read replies until `timeout` has passed
    /// or every node of `expect` has answered every method. Returns the epoch second it started.
    async fn round(
        &mut self,
        methods: &[Method],
        target: &Target,
        expect: &BTreeSet<String>,
        timeout: Duration,
    ) -> Result<f64, WorkerError> {
        let start_epoch = epoch_now();
        let start = Instant::now();
        for m in methods {
            let req = Request::new(*m, target, self.oid, start_epoch, timeout.as_secs_f64());
            self.tickets
                .insert(req.ticket().to_string(), (*m, Instant::now()));
            publish(self.ctx, self.chan, &req).await?;
        }
        // The run's deadline may cut the wait short: then silence proves nothing, and the round
        // is an error rather than a list of silent (hung-looking) workers.
        let (deadline, why, cut) = self
            .ctx
            .limits
            .until(timeout.saturating_sub(start.elapsed()));
        let complete = |g: &Self| {
            !expect.is_empty()
                && expect
                    .iter()
                    .all(|n| methods.iter().all(|m| g.answered(n, *m)))
        };
        while !complete(self) {
            let msg = match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Err(_) if cut => return Err(self.ctx.ran_out("wait for the replies", why)),
                Err(_) => break,
                Ok(None) => return Err(self.ctx.err("read replies", "the channel closed")),
                Ok(Some(msg)) => msg,
            };
            let ticket = msg
                .basic_properties
                .as_ref()
                .and_then(|p| p.headers())
                .and_then(|h| h.get(&"ticket".try_into().expect("short name")))
                .and_then(|v| match v {
                    FieldValue::S(s) => Some(s.to_string()),
                    _ => None,
                });
            // Replies to a ticket celtool did not send (another client reusing the OID) are
            // dropped, as kombu does.
            let Some((method, sent)) = ticket.and_then(|t| self.tickets.get(&t).copied()) else {
                continue;
            };
            let at = if method == Method::Ping {
                sent.elapsed().as_secs_f64() * 1000.0
            } else {
                epoch_now()
            };
            for (node, value) in protocol::decode_reply(msg.content.as_deref().unwrap_or_default())
            {
                self.replies
                    .entry(node)
                    .or_default()
                    .entry(method)
                    .or_insert((value, at));
            }
        }
        Ok(start_epoch)
    }
}
