//! The AMQP side of a probe (lapin): per vhost, one connection and one channel; declare the
//! reply queue `OID.reply.celery.pidbox` (exclusive, auto-delete, x-expires 10 s), publish every
//! request at once, gather replies concurrently until the timeout or until every known node has
//! answered, ping silent nodes once more, then delete the reply queue and close.
//!
//! Every step on the wire is bounded: by `--timeout` for one step (login, declare, bind,
//! consume, publish, delete, close) and by the run's deadline for all of them. A step that runs
//! out ends the vhost's probe with what was being waited for, and the connection is abandoned,
//! not closed politely: a broker that blocked it (a memory or disk alarm) would not read the
//! close either.
//!
//! The client advertises `connection.blocked` (lapin does), so a broker that blocks the
//! connection mid-probe says so at once: the step or the reply wait in progress ends then with
//! the broker's reason, not at its limit, and the connection is abandoned. lapin never
//! reconnects here (auto-recover is off and its connect backoff makes no retry). Its I/O runs on
//! a thread of its own that a dropped connection does not wait for, and the process does not
//! wait for that thread when it exits.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::join_all;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::tcp::{AMQPUriTcpExt, RustlsConnector};
use lapin::types::{AMQPValue, FieldTable};
use lapin::uri::{AMQPAuthority, AMQPQueryString, AMQPScheme, AMQPUri, AMQPUserInfo};
use lapin::{
    BasicProperties, Channel, Connection, ConnectionProperties, Consumer, Event, ExchangeKind,
};
use tokio::sync::watch;
use tokio::time::Instant;

use super::event_sample;
use super::model::{FleetSnapshot, VhostReport, WorkerReport};
use super::protocol::{self, Request};
use super::settings::{AmqpEndpoint, VhostPlan};
use super::{Limits, ProbeOptions, WorkerError};

/// Ask the workers of each vhost, all vhosts at once. A vhost that cannot be probed gets its
/// `error` and the others go on; the error of the first vhost is also returned when every vhost
/// failed, so a command can exit 3 with one message.
/// `api`, when given, is read for the mailboxes bound to `celery.pidbox` just before the
/// requests go out (see [`VhostPlan::known_all`]).
pub async fn probe(
    endpoint: &AmqpEndpoint,
    plans: &[VhostPlan],
    opts: &ProbeOptions,
    api: Option<&crate::rabbitmq::client::Client>,
) -> Result<FleetSnapshot, WorkerError> {
    let results = join_all(plans.iter().map(|p| probe_vhost(endpoint, p, opts, api))).await;
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

pub(super) struct Ctx<'a> {
    endpoint: &'a AmqpEndpoint,
    pub(super) vhost: &'a str,
    pub(super) limits: Limits,
    /// A request was published: from then on a broker in alarm may have blocked the
    /// connection, which a step that runs out says.
    published: AtomicBool,
    /// A step ran out, or the broker blocked the connection: it is abandoned, not closed.
    pub(super) abandoned: AtomicBool,
    /// The reply queue, named when it may be left behind.
    reply_queue: std::sync::Mutex<Option<String>>,
    /// The reason of the broker's `connection.blocked`, once it came.
    blocked: watch::Receiver<Option<String>>,
}

impl Ctx<'_> {
    pub(super) fn err(&self, what: &'static str, e: impl std::fmt::Display) -> WorkerError {
        WorkerError::Amqp {
            endpoint: self.endpoint.to_string(),
            vhost: self.vhost.to_string(),
            what,
            cause: scrub(&e.to_string(), self.endpoint),
        }
    }

    /// Declare a queue of this connection's own (the reply queue, the event sample's):
    /// exclusive and auto-deleted, so the broker removes it with the connection.
    pub(super) async fn declare_own_queue(
        &self,
        what: &'static str,
        chan: &Channel,
        queue: &str,
        arguments: FieldTable,
    ) -> Result<(), WorkerError> {
        let declare = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        self.step(what, chan.queue_declare(queue.into(), declare, arguments))
            .await
            .map(drop)
    }

    /// Consume a queue of [`Ctx::declare_own_queue`]: exclusively, without acks (a reply or
    /// an event read is never redelivered).
    pub(super) async fn consume_own_queue(
        &self,
        what: &'static str,
        chan: &Channel,
        queue: &str,
    ) -> Result<Consumer, WorkerError> {
        let consume = BasicConsumeOptions {
            no_ack: true,
            exclusive: true,
            ..BasicConsumeOptions::default()
        };
        self.step(
            what,
            chan.basic_consume(queue.into(), "".into(), consume, FieldTable::default()),
        )
        .await
    }

    /// Run one step on the wire within its limit, unless the broker blocks the connection.
    pub(super) async fn step<T, E: std::fmt::Display>(
        &self,
        what: &'static str,
        fut: impl Future<Output = Result<T, E>>,
    ) -> Result<T, WorkerError> {
        let (at, why, _) = self.limits.until(self.limits.step);
        match self
            .unless_blocked(what, tokio::time::timeout_at(at, fut))
            .await?
        {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.err(what, e)),
            Err(_) => Err(self.ran_out(what, why)),
        }
    }

    /// Wait for `fut`, or for the broker's `connection.blocked`, whichever comes first: a
    /// blocked connection would not move on before the alarm clears, so waiting longer for it
    /// says nothing. A notification that came between two waits ends the next one at once.
    async fn unless_blocked<T>(
        &self,
        what: &'static str,
        fut: impl Future<Output = T>,
    ) -> Result<T, WorkerError> {
        let mut blocked = self.blocked.clone();
        tokio::select! {
            biased;
            // Err: the listener ended with the connection; nothing more can block it.
            Ok(reason) = blocked.wait_for(Option::is_some) => {
                let reason = reason.clone().unwrap_or_default();
                Err(self.was_blocked(what, &reason))
            }
            v = fut => Ok(v),
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
            if let Some(q) = self.reply_queue() {
                cause.push_str(&format!(
                    "; its exclusive reply queue {q} stays on the broker until the broker reads the connection's end (when the alarm clears)"
                ));
            }
        }
        self.err(what, cause)
    }

    /// The error of a step the broker's `connection.blocked` ended; the connection is
    /// abandoned from here on.
    fn was_blocked(&self, what: &'static str, reason: &str) -> WorkerError {
        self.abandoned.store(true, Ordering::Relaxed);
        self.err(what, blocked_cause(reason, self.reply_queue().as_deref()))
    }

    fn reply_queue(&self) -> Option<String> {
        self.reply_queue.lock().ok().and_then(|q| q.clone())
    }
}

/// What a blocked connection leaves: the broker stops reading it until the alarm clears, so it
/// reads neither a close nor the socket's end before then, and keeps the exclusive reply queue.
fn blocked_cause(reason: &str, reply_queue: Option<&str>) -> String {
    let reason = if reason.trim().is_empty() {
        "no reason given"
    } else {
        reason
    };
    let topic = if reason.contains("disk") {
        "broker.alarm.disk"
    } else {
        "broker.alarm.memory"
    };
    let left = match reply_queue {
        Some(q) => format!("its exclusive reply queue {q} stays on the broker"),
        None => "the connection stays open on the broker".to_string(),
    };
    format!(
        "the broker blocked this connection ({reason}): celtool abandoned it; {left} until the alarm clears (see `celtool explain {topic}`)"
    )
}

/// Listen for the broker's `connection.blocked` on `conn`, from now on. The task ends when
/// the returned guard is dropped.
fn watch_blocked(conn: &Connection) -> (AbortOnDrop, watch::Receiver<Option<String>>) {
    // lapin only queues events once a listener exists: take it before reading the status, so
    // a notification is seen by one or the other.
    let mut events = Box::pin(conn.events_listener());
    let already = conn
        .status()
        .blocked()
        .then(|| "no reason given".to_string());
    let (tx, rx) = watch::channel(already);
    let task = tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if let Event::ConnectionBlocked(reason) = event {
                let _ = tx.send(Some(reason));
            }
        }
    });
    (AbortOnDrop(task), rx)
}

/// Ends a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// lapin errors do not quote the password; scrub it anyway so no future message can.
fn scrub(text: &str, endpoint: &AmqpEndpoint) -> String {
    let pw = endpoint.password.expose();
    let text = crate::text::sanitize(text);
    if pw.len() >= 4 && pw != endpoint.user {
        text.replace(pw, "***")
    } else {
        text
    }
}

/// The connection name shown in the management UI.
const CONNECTION_NAME: &str = concat!("celtool ", env!("CARGO_PKG_VERSION"), " workers probe");

/// The largest AMQP frame celtool offers (the broker takes the smaller of its own and this).
/// lapin keeps room for 32 frames in each direction, zeroed: at RabbitMQ's 128 KiB that was
/// 8 MiB of resident memory for a ping or a doctor run, whose messages (pings, replies, events)
/// are a few KiB; a bigger message is sent and received in several frames.
const FRAME_MAX: u32 = 8192;

async fn connect(
    endpoint: &AmqpEndpoint,
    vhost: &str,
    opts: &ProbeOptions,
) -> Result<Connection, WorkerError> {
    let connect_err = |cause: String| WorkerError::Connect {
        endpoint: endpoint.to_string(),
        vhost: vhost.to_string(),
        cause: scrub(&cause, endpoint),
    };
    let tls = match endpoint.tls {
        true => Some(tls_connector(endpoint)?),
        false => None,
    };
    let uri = AMQPUri {
        scheme: match endpoint.tls {
            true => AMQPScheme::AMQPS,
            false => AMQPScheme::AMQP,
        },
        authority: AMQPAuthority {
            userinfo: AMQPUserInfo {
                username: endpoint.user.clone(),
                password: endpoint.password.expose().to_string(),
            },
            host: endpoint.host.clone(),
            port: endpoint.port,
        },
        vhost: vhost.to_string(),
        query: AMQPQueryString {
            frame_max: Some(FRAME_MAX),
            ..AMQPQueryString::default()
        },
    };
    // No auto-recover: a connection that fails stays failed, and the probe says so.
    let props = ConnectionProperties::default().with_connection_name(CONNECTION_NAME.into());
    let runtime = lapin::runtime::default_runtime().map_err(|e| connect_err(e.to_string()))?;
    // The socket, with celtool's own rustls configuration for amqps (lapin's would use only
    // the platform's roots, without --ca-file).
    let open_socket = async move |uri: AMQPUri, runtime| {
        let plain = AMQPUri {
            scheme: AMQPScheme::AMQP,
            ..uri.clone()
        };
        let stream = plain.connect_async(&runtime).await?;
        match &tls {
            None => Ok(stream),
            Some(tls) => Ok(stream.into_rustls(tls, &uri.authority.host).await?),
        }
    };
    let (at, why, _) = Limits::new(opts).until(opts.connect_timeout);
    let open = Connection::connector(uri, runtime, open_socket, props);
    match tokio::time::timeout_at(at, open).await {
        Err(_) => Err(connect_err(why)),
        Ok(Err(e)) => {
            let text = e.to_string();
            // RabbitMQ closes the connection with ACCESS_REFUSED after a refused login (lapin
            // asks for authentication_failure_close), NOT_ALLOWED for a vhost it may not use;
            // older brokers just reset the socket during the handshake.
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

/// TLS with rustls and the platform's trust store (and --ca-file), as the management client
/// uses over https: the same `rustls::ClientConfig`.
fn tls_connector(endpoint: &AmqpEndpoint) -> Result<RustlsConnector, WorkerError> {
    let config = crate::rabbitmq::tls::rustls_config(endpoint.ca_file.as_deref())
        .map_err(|e| WorkerError::Settings(format!("{endpoint}: cannot set up TLS: {e}")))?;
    Ok(RustlsConnector::from(config))
}

async fn probe_vhost(
    endpoint: &AmqpEndpoint,
    plan: &VhostPlan,
    opts: &ProbeOptions,
    api: Option<&crate::rabbitmq::client::Client>,
) -> Result<VhostReport, WorkerError> {
    let conn = connect(endpoint, &plan.vhost, opts).await?;
    let (_listening, blocked) = watch_blocked(&conn);
    let ctx = Ctx {
        endpoint,
        vhost: &plan.vhost,
        limits: Limits::new(opts),
        published: AtomicBool::new(false),
        abandoned: AtomicBool::new(false),
        reply_queue: std::sync::Mutex::new(None),
        blocked,
    };
    let result = match opts.events {
        None => probe_on(&ctx, &conn, plan, opts, api).await,
        Some(window) => probe_with_events(&ctx, &conn, plan, opts, api, window).await,
    };
    if !ctx.abandoned.load(Ordering::Relaxed) {
        // A close that does not finish in time changes nothing: the socket closes when the
        // process ends, and the broker drops the exclusive reply queue with it.
        let _ = ctx
            .step("close the connection", conn.close(200, "OK".into()))
            .await;
    }
    // An abandoned connection is only dropped: lapin queues a close that it does not write
    // while the broker blocks it, and the socket ends with the process.
    result
}

/// The probe and, at the same time on a channel of its own, the event sample, which hears when
/// the probe has ended and what it found (see `event_sample`).
async fn probe_with_events(
    ctx: &Ctx<'_>,
    conn: &Connection,
    plan: &VhostPlan,
    opts: &ProbeOptions,
    api: Option<&crate::rabbitmq::client::Client>,
    window: Duration,
) -> Result<VhostReport, WorkerError> {
    let (done, heard) = watch::channel(None);
    let probe = async {
        let report = probe_on(ctx, conn, plan, opts, api).await;
        let verdict = event_sample::ProbeDone::from(&report, plan.task_event_traffic);
        let _ = done.send(Some(verdict));
        report
    };
    let sample = event_sample::sample(ctx, conn, window, heard);
    let (report, sample) = tokio::join!(probe, sample);
    report.map(|mut r| {
        r.events = Some(sample);
        r
    })
}

/// Whether the vhost has Celery's mailbox exchange, by a passive declare: a vhost without it
/// has no worker to ask, and celtool must not create it there. A failed passive declare closes
/// the channel.
async fn has_mailbox_exchange(ctx: &Ctx<'_>, conn: &Connection) -> Result<bool, WorkerError> {
    let probe_chan = ctx.step("open a channel", conn.create_channel()).await?;
    let passive = ExchangeDeclareOptions {
        passive: true,
        ..ExchangeDeclareOptions::default()
    };
    match ctx
        .step(
            "look for the celery.pidbox exchange",
            probe_chan.exchange_declare(
                protocol::MAILBOX_EXCHANGE.into(),
                ExchangeKind::Fanout,
                passive,
                FieldTable::default(),
            ),
        )
        .await
    {
        Ok(()) => {}
        Err(e) if ctx.abandoned.load(Ordering::Relaxed) => return Err(e),
        Err(_) => return Ok(false),
    }
    // A close that fails loses nothing; only an abandoned connection ends the probe here.
    if let Err(e) = ctx
        .step("close a channel", probe_chan.close(200, "OK".into()))
        .await
        && ctx.abandoned.load(Ordering::Relaxed)
    {
        return Err(e);
    }
    Ok(true)
}

async fn probe_on(
    ctx: &Ctx<'_>,
    conn: &Connection,
    plan: &VhostPlan,
    opts: &ProbeOptions,
    api: Option<&crate::rabbitmq::client::Client>,
) -> Result<VhostReport, WorkerError> {
    let mut report = VhostReport {
        vhost: plan.vhost.clone(),
        ..VhostReport::default()
    };
    if !has_mailbox_exchange(ctx, conn).await? {
        return Ok(report);
    }
    report.mailbox_exchange = true;

    let chan = ctx.step("open a channel", conn.create_channel()).await?;
    let oid = protocol::new_id();
    let queue = protocol::reply_queue(&oid);
    // Named before it is declared: from then on it may be left behind.
    if let Ok(mut q) = ctx.reply_queue.lock() {
        *q = Some(queue.clone());
    }
    let mut rx = open_reply_queue(ctx, &chan, &oid, &queue).await?;
    let plan = bound_now(api, plan, opts).await;

    let gathered = gather(ctx, &chan, &mut rx, &oid, &plan, opts).await;
    // Delete the reply queue now rather than rely on exclusive/auto-delete: nothing stays.
    // After a step ran out the connection is abandoned: another wait would run out too.
    if !ctx.abandoned.load(Ordering::Relaxed) {
        let deleted = ctx
            .step(
                "delete the reply queue",
                chan.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()),
            )
            .await;
        let cleaned = match deleted {
            Ok(_) => {
                ctx.step("close the channel", chan.close(200, "OK".into()))
                    .await
            }
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

/// `plan` with its known nodes read again from the mailboxes bound to `celery.pidbox`, just
/// before the requests go out: the listings the plan came from lag the broker, and a round that
/// waits only for the nodes they name drops the replies of a worker that started since. Bounded
/// by the API client's own limits; unreadable, the plan stays as it was.
async fn bound_now(
    api: Option<&crate::rabbitmq::client::Client>,
    plan: &VhostPlan,
    opts: &ProbeOptions,
) -> VhostPlan {
    let Some(api) = api else {
        return plan.clone();
    };
    let bindings = crate::rabbitmq::read::mailbox_bindings(api, &plan.vhost).await;
    super::settings::with_bindings(plan.clone(), bindings.ok().as_deref(), &opts.target)
}

async fn open_reply_queue(
    ctx: &Ctx<'_>,
    chan: &Channel,
    oid: &str,
    queue: &str,
) -> Result<Consumer, WorkerError> {
    // What kombu declares before its first call: the direct reply exchange (non-durable), and
    // the reply queue, exclusive + auto-delete with Celery's control_queue_expires/ttl.
    ctx.step(
        "declare exchange reply.celery.pidbox",
        chan.exchange_declare(
            protocol::REPLY_EXCHANGE.into(),
            ExchangeKind::Direct,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        ),
    )
    .await?;
    ctx.declare_own_queue(
        "declare the reply queue",
        chan,
        queue,
        reply_queue_arguments(),
    )
    .await?;
    ctx.step(
        "bind the reply queue",
        chan.queue_bind(
            queue.into(),
            protocol::REPLY_EXCHANGE.into(),
            oid.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        ),
    )
    .await?;
    ctx.consume_own_queue("consume the reply queue", chan, queue)
        .await
}

/// Celery's `control_queue_expires` and `control_queue_ttl`, as kombu sends them (64-bit).
fn reply_queue_arguments() -> FieldTable {
    expiring_queue_arguments(
        protocol::REPLY_QUEUE_TTL_MS,
        protocol::REPLY_QUEUE_EXPIRES_MS,
    )
}

/// `x-message-ttl` and `x-expires` as kombu sends them (64-bit integers).
pub(super) fn expiring_queue_arguments(ttl_ms: i64, expires_ms: i64) -> FieldTable {
    let mut table = FieldTable::default();
    table.insert("x-expires".into(), AMQPValue::LongLongInt(expires_ms));
    table.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl_ms));
    table
}

/// A request's properties as kombu sets them: JSON in UTF-8, transient (delivery mode 1), and
/// the `clock` and `expires` headers.
fn request_properties(req: &Request) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert("clock".into(), AMQPValue::LongLongInt(req.clock() as i64));
    headers.insert("expires".into(), AMQPValue::Double(req.expires()));
    BasicProperties::default()
        .with_content_type("application/json".into())
        .with_content_encoding("utf-8".into())
        .with_delivery_mode(1)
        .with_headers(headers)
}

/// The `ticket` header of a reply (a string, as kombu sends it).
fn reply_ticket(props: &BasicProperties) -> Option<String> {
    match props.headers().as_ref()?.inner().get("ticket")? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        _ => None,
    }
}

async fn publish(ctx: &Ctx<'_>, chan: &Channel, req: &Request) -> Result<(), WorkerError> {
    ctx.published.store(true, Ordering::Relaxed);
    ctx.step("publish a request to celery.pidbox", async {
        // Without publisher confirms the confirmation is there as soon as the frames are sent.
        chan.basic_publish(
            protocol::MAILBOX_EXCHANGE.into(),
            "".into(),
            BasicPublishOptions::default(),
            req.body(),
            request_properties(req),
        )
        .await?
        .await
        .map(|_| ())
    })
    .await
}

/// AMQP's way of asking: publish to `celery.pidbox` on the probe's channel, read the replies its
/// reply queue's consumer delivers.
struct Amqp<'a> {
    ctx: &'a Ctx<'a>,
    chan: &'a Channel,
    rx: &'a mut Consumer,
    oid: &'a str,
}

async fn gather(
    ctx: &Ctx<'_>,
    chan: &Channel,
    rx: &mut Consumer,
    oid: &str,
    plan: &VhostPlan,
    opts: &ProbeOptions,
) -> Result<(Vec<WorkerReport>, Vec<String>), WorkerError> {
    let mut amqp = Amqp { ctx, chan, rx, oid };
    super::rounds::ask(
        &mut amqp,
        &plan.known_nodes,
        plan.known_all,
        ctx.vhost,
        opts,
    )
    .await
}

impl super::rounds::Transport for Amqp<'_> {
    fn oid(&self) -> &str {
        self.oid
    }

    fn limits(&self) -> &Limits {
        &self.ctx.limits
    }

    async fn send(&mut self, req: &Request) -> Result<(), WorkerError> {
        publish(self.ctx, self.chan, req).await
    }

    /// The next delivery, unless the broker blocks the connection first; a reply without a
    /// ticket is nothing.
    async fn receive(
        &mut self,
        deadline: Instant,
    ) -> Result<Option<(String, Vec<u8>)>, WorkerError> {
        let next = tokio::time::timeout_at(deadline, self.rx.next());
        match self
            .ctx
            .unless_blocked("wait for the replies", next)
            .await?
        {
            Err(_) => Ok(None),
            Ok(None) => Err(self.ctx.err("read replies", "the channel closed")),
            Ok(Some(Err(e))) => Err(self.ctx.err("read replies", e)),
            Ok(Some(Ok(msg))) => Ok(reply_ticket(&msg.properties).map(|t| (t, msg.data))),
        }
    }

    fn cut_short(&self, why: String) -> WorkerError {
        self.ctx.ran_out("wait for the replies", why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::{Method, Target};
    use std::time::Duration;

    fn endpoint() -> AmqpEndpoint {
        AmqpEndpoint {
            host: "rabbit".into(),
            port: 5672,
            tls: false,
            user: "celtool".into(),
            password: crate::settings::Secret::new("s3cret-pw".into()),
            vhost: None,
            ca_file: None,
            from_url: true,
        }
    }

    fn ctx_with(
        endpoint: &AmqpEndpoint,
        step: Duration,
        blocked: watch::Receiver<Option<String>>,
    ) -> Ctx<'_> {
        Ctx {
            endpoint,
            vhost: "prod",
            limits: Limits {
                step,
                deadline: None,
            },
            published: AtomicBool::new(true),
            abandoned: AtomicBool::new(false),
            reply_queue: std::sync::Mutex::new(Some("oid.reply.celery.pidbox".into())),
            blocked,
        }
    }

    #[test]
    fn a_blocked_connection_names_the_reason_and_what_stays() {
        assert_eq!(
            blocked_cause("low on memory", Some("oid.reply.celery.pidbox")),
            "the broker blocked this connection (low on memory): celtool abandoned it; its exclusive reply queue oid.reply.celery.pidbox stays on the broker until the alarm clears (see `celtool explain broker.alarm.memory`)"
        );
        assert_eq!(
            blocked_cause("low on disk", None),
            "the broker blocked this connection (low on disk): celtool abandoned it; the connection stays open on the broker until the alarm clears (see `celtool explain broker.alarm.disk`)"
        );
        assert_eq!(
            blocked_cause(" ", None),
            "the broker blocked this connection (no reason given): celtool abandoned it; the connection stays open on the broker until the alarm clears (see `celtool explain broker.alarm.memory`)"
        );
    }

    #[tokio::test]
    async fn connection_blocked_ends_a_step_at_once_and_abandons_the_connection() {
        let endpoint = endpoint();
        let (tx, rx) = watch::channel(None);
        let ctx = ctx_with(&endpoint, Duration::from_secs(30), rx);
        let started = Instant::now();
        let never = std::future::pending::<Result<(), String>>();
        let step = ctx.step("wait for the replies", never);
        let block = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            tx.send(Some("low on memory".into())).unwrap();
        };
        let (result, ()) = tokio::join!(step, block);
        assert!(started.elapsed() < Duration::from_secs(10), "not at once");
        assert_eq!(
            result.unwrap_err().to_string(),
            "amqp://celtool@rabbit:5672 vhost 'prod': wait for the replies: the broker blocked this connection (low on memory): celtool abandoned it; its exclusive reply queue oid.reply.celery.pidbox stays on the broker until the alarm clears (see `celtool explain broker.alarm.memory`)"
        );
        assert!(ctx.abandoned.load(Ordering::Relaxed));
        // A notification that came before a step ends the next one before it starts.
        let next = ctx.step("delete the reply queue", async { Ok::<(), String>(()) });
        assert!(next.await.is_err());
    }

    #[tokio::test]
    async fn without_a_notification_a_step_ends_at_its_limit() {
        let endpoint = endpoint();
        let (_tx, rx) = watch::channel(None);
        let ctx = ctx_with(&endpoint, Duration::from_millis(100), rx);
        let never = std::future::pending::<Result<(), String>>();
        let err = ctx.step("bind the reply queue", never).await.unwrap_err();
        assert!(
            err.to_string().starts_with(
                "amqp://celtool@rabbit:5672 vhost 'prod': bind the reply queue: no answer within "
            ),
            "{err}"
        );
        assert!(ctx.abandoned.load(Ordering::Relaxed));
        let (tx, rx) = watch::channel(None);
        drop(tx);
        let ctx = ctx_with(&endpoint, Duration::from_millis(100), rx);
        let ok = ctx.step("close the channel", async { Ok::<_, String>(7) });
        assert_eq!(ok.await.unwrap(), 7, "a listener that ended blocks nothing");
    }

    #[test]
    fn requests_carry_kombus_properties() {
        let req = Request::new(Method::Ping, &Target::All, "oid", 1_000.0, 1.0);
        let props = request_properties(&req);
        assert_eq!(
            props.content_type().as_ref().map(|s| s.as_str()),
            Some("application/json")
        );
        assert_eq!(
            props.content_encoding().as_ref().map(|s| s.as_str()),
            Some("utf-8")
        );
        assert_eq!(*props.delivery_mode(), Some(1));
        let headers = props.headers().clone().unwrap();
        assert_eq!(
            headers.inner().get("clock"),
            Some(&AMQPValue::LongLongInt(req.clock() as i64))
        );
        assert_eq!(
            headers.inner().get("expires"),
            Some(&AMQPValue::Double(1_001.0))
        );
        assert_eq!(headers.inner().len(), 2);
    }

    #[test]
    fn the_reply_queue_expires_like_celerys() {
        let args = reply_queue_arguments();
        assert_eq!(
            args.inner().get("x-expires"),
            Some(&AMQPValue::LongLongInt(10_000))
        );
        assert_eq!(
            args.inner().get("x-message-ttl"),
            Some(&AMQPValue::LongLongInt(300_000))
        );
        assert_eq!(args.inner().len(), 2);
    }

    #[test]
    fn the_ticket_of_a_reply_is_its_string_header() {
        let with = |v: AMQPValue| {
            let mut h = FieldTable::default();
            h.insert("ticket".into(), v);
            BasicProperties::default().with_headers(h)
        };
        assert_eq!(
            reply_ticket(&with(AMQPValue::LongString("t-1".into()))),
            Some("t-1".to_string())
        );
        assert_eq!(reply_ticket(&with(AMQPValue::LongLongInt(1))), None);
        assert_eq!(reply_ticket(&BasicProperties::default()), None);
    }
}
