//! The event sample beside an AMQP probe (doctor's `workers.mixed-durations` and a second
//! source of `delayed.celery-version`): on the probe's connection, its own channel declares an
//! exclusive, auto-delete queue `celeryev.celtool-<uuid>` (with Celery's event-queue TTL and
//! expiry, so even an abandoned one goes), binds it to the `celeryev` topic exchange for
//! `task.#` and `worker.heartbeat`, consumes while the probe runs and, when the workers send task
//! events, until the window ends; then deletes the queue. It never publishes and never sends
//! `hello` or `enable_events`: what the workers do is left as it was.
//!
//! The sample goes on past the probe only when task events flow (a worker's `conf` says
//! worker_send_task_events, the exchange's traffic in the broker's snapshot is more than the
//! heartbeats, or a task event came) or a worker that answered did not say its Celery version
//! in `report` and its heartbeat has not come yet; otherwise it ends with the probe, so a fleet
//! without task events waits for nothing.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, Consumer, ExchangeKind};
use tokio::sync::watch;
use tokio::time::Instant;

use super::WorkerError;
use super::client::{Ctx, expiring_queue_arguments};
use super::model::VhostReport;
use crate::celery_events::{Collector, EventSample};

/// Celery's event exchange (topic).
const EXCHANGE: &str = "celeryev";
/// The routing keys sampled: every task event (`task.multi` in Celery 5.7) and heartbeats.
const KEYS: [&str; 2] = ["task.#", "worker.heartbeat"];
/// Celery's own `event_queue_ttl` and `event_queue_expires`, in ms.
const QUEUE_TTL_MS: i64 = 5_000;
const QUEUE_EXPIRES_MS: i64 = 60_000;

/// What the probe learnt that decides whether the sample goes on past it.
#[derive(Debug, Clone, Default)]
pub(super) struct ProbeDone {
    /// A worker's `conf` says worker_send_task_events, or the broker saw task-event traffic.
    task_events_on: bool,
    /// Workers that answered without a Celery version in `report`: their heartbeat names it.
    versions_wanted: BTreeSet<String>,
}

impl ProbeDone {
    /// From the probe's outcome and the broker's traffic; a failed probe stops the sample.
    pub(super) fn from(report: &Result<VhostReport, WorkerError>, traffic: bool) -> ProbeDone {
        let Ok(r) = report else {
            return ProbeDone::default();
        };
        ProbeDone {
            task_events_on: traffic
                || r.workers
                    .iter()
                    .any(|w| w.conf_true("worker_send_task_events")),
            versions_wanted: r
                .workers
                .iter()
                .filter(|w| w.answered_ping() && w.celery_version().is_none())
                .map(|w| w.node.clone())
                .collect(),
        }
    }

    fn goes_on(&self, seen: &Collector) -> bool {
        self.task_events_on
            || seen.saw_task_events()
            || self
                .versions_wanted
                .iter()
                .any(|n| !seen.knows_software_of(n))
    }
}

/// How a sample ended.
enum Ended {
    /// The vhost has no `celeryev` exchange: no worker sends events there.
    NoExchange,
    /// It listened; the probe said whether task events were on.
    Listened(Option<ProbeDone>),
}

/// Sample the vhost's event stream for at most `window` (and never past the run's deadline),
/// ending early as the module says once `done` carries the probe's outcome. Never fails: what
/// went wrong is the sample's `not_sampled`.
pub(super) async fn sample(
    ctx: &Ctx<'_>,
    conn: &Connection,
    window: Duration,
    mut done: watch::Receiver<Option<ProbeDone>>,
) -> EventSample {
    let started = Instant::now();
    let mut seen = Collector::default();
    let ended = listen(ctx, conn, window, &mut done, &mut seen).await;
    let seconds = started.elapsed().as_secs_f64();
    let mut s = seen.finish(seconds);
    match ended {
        Err(e) => s.not_sampled = Some(format!("the event sample failed: {e}")),
        Ok(Ended::NoExchange) => {
            s.not_sampled = Some(format!(
                "vhost {} has no {EXCHANGE} exchange: no worker sends events",
                ctx.vhost
            ));
        }
        Ok(Ended::Listened(d)) => s.mark_quiet(d.is_some_and(|d| d.task_events_on)),
    }
    s
}

/// When the sample must end: after `window`, and a second before the run's deadline so that
/// deleting its queue still fits.
fn sample_end(ctx: &Ctx<'_>, window: Duration) -> Instant {
    let (end, _, cut) = ctx.limits.until(window);
    if !cut {
        return end;
    }
    end.checked_sub(Duration::from_secs(1))
        .unwrap_or(end)
        .max(Instant::now())
}

async fn listen(
    ctx: &Ctx<'_>,
    conn: &Connection,
    window: Duration,
    done: &mut watch::Receiver<Option<ProbeDone>>,
    seen: &mut Collector,
) -> Result<Ended, WorkerError> {
    let end = sample_end(ctx, window);
    let chan = ctx
        .step("open a channel for the event sample", conn.create_channel())
        .await?;
    if !has_event_exchange(ctx, &chan).await? {
        return Ok(Ended::NoExchange);
    }
    let queue = format!("celeryev.celtool-{}", uuid::Uuid::new_v4());
    let mut rx = open_queue(ctx, &chan, &queue).await?;
    let mut verdict: Option<ProbeDone> = None;
    let heard = loop {
        if verdict.as_ref().is_some_and(|d| !d.goes_on(seen)) {
            break Ok(());
        }
        let next = tokio::time::timeout_at(end, rx.next());
        let msg = match &verdict {
            Some(_) => next.await,
            None => tokio::select! {
                m = next => m,
                changed = done.changed() => {
                    // A sender gone without a word is a probe that ended: stop.
                    verdict = Some(match changed {
                        Ok(()) => done.borrow().clone().unwrap_or_default(),
                        Err(_) => ProbeDone::default(),
                    });
                    continue;
                }
            },
        };
        match msg {
            Err(_) => break Ok(()),
            Ok(None) => break Err(ctx.err("read the event sample", "the channel closed")),
            Ok(Some(Err(e))) => break Err(ctx.err("read the event sample", e)),
            Ok(Some(Ok(delivery))) => seen.feed_bytes(&delivery.data),
        }
    };
    // Delete the queue now rather than rely on exclusive/auto-delete: nothing stays. After a
    // step ran out the connection is abandoned: another wait would run out too.
    if !ctx.abandoned.load(Ordering::Relaxed) {
        ctx.step(
            "delete the event sample's queue",
            chan.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()),
        )
        .await?;
        let _ = ctx
            .step(
                "close the event sample's channel",
                chan.close(200, "OK".into()),
            )
            .await;
    }
    heard.map(|()| Ended::Listened(verdict))
}

/// Whether the vhost has the event exchange, by a passive declare (celtool must not create
/// it). A failed passive declare closes the channel, which is then left alone.
async fn has_event_exchange(ctx: &Ctx<'_>, chan: &Channel) -> Result<bool, WorkerError> {
    let passive = ExchangeDeclareOptions {
        passive: true,
        ..ExchangeDeclareOptions::default()
    };
    let found = ctx
        .step(
            "look for the celeryev exchange",
            chan.exchange_declare(
                EXCHANGE.into(),
                ExchangeKind::Topic,
                passive,
                FieldTable::default(),
            ),
        )
        .await;
    match found {
        Ok(()) => Ok(true),
        Err(e) if ctx.abandoned.load(Ordering::Relaxed) => Err(e),
        Err(_) => Ok(false),
    }
}

async fn open_queue(ctx: &Ctx<'_>, chan: &Channel, queue: &str) -> Result<Consumer, WorkerError> {
    ctx.declare_own_queue(
        "declare the event sample's queue",
        chan,
        queue,
        expiring_queue_arguments(QUEUE_TTL_MS, QUEUE_EXPIRES_MS),
    )
    .await?;
    for key in KEYS {
        ctx.step(
            "bind the event sample's queue",
            chan.queue_bind(
                queue.into(),
                EXCHANGE.into(),
                key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            ),
        )
        .await?;
    }
    ctx.consume_own_queue("consume the event sample's queue", chan, queue)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::WorkerReport;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn worker(node: &str, replies: serde_json::Value) -> WorkerReport {
        let replies: BTreeMap<String, serde_json::Value> = serde_json::from_value(replies).unwrap();
        WorkerReport::from_replies(node, "v", replies, 0.0)
    }

    fn report(workers: Vec<WorkerReport>) -> Result<VhostReport, WorkerError> {
        Ok(VhostReport {
            vhost: "v".into(),
            workers,
            ..VhostReport::default()
        })
    }

    #[test]
    fn the_sample_outlives_the_probe_only_when_task_events_flow_or_a_version_is_wanted() {
        let pong = json!({"ok": "pong"});
        let report_57 = json!({"ok": "software -> celery:5.7.0 (recovery)"});
        let quiet = report(vec![worker(
            "w1@h",
            json!({"ping": pong, "report": report_57, "conf": {"worker_send_task_events": false}}),
        )]);
        let mut seen = Collector::default();
        assert!(!ProbeDone::from(&quiet, false).goes_on(&seen));
        assert!(ProbeDone::from(&quiet, true).goes_on(&seen), "traffic");
        let on = report(vec![worker(
            "w1@h",
            json!({"ping": pong, "report": report_57, "conf": {"worker_send_task_events": true}}),
        )]);
        assert!(ProbeDone::from(&on, false).goes_on(&seen), "conf");
        let unversioned = report(vec![worker("w2@h", json!({"ping": pong}))]);
        let d = ProbeDone::from(&unversioned, false);
        assert!(d.goes_on(&seen), "w2's heartbeat is wanted");
        seen.feed_bytes(
            br#"{"type": "worker-heartbeat", "hostname": "w2@h", "sw_ident": "py-celery", "sw_ver": "5.5.2"}"#,
        );
        assert!(!d.goes_on(&seen), "and came");
        seen.feed_bytes(br#"[{"type": "task-started", "uuid": "t", "hostname": "w2@h"}]"#);
        assert!(d.goes_on(&seen), "a task event came");
        let failed: Result<VhostReport, WorkerError> = Err(WorkerError::Settings("x".into()));
        assert!(!ProbeDone::from(&failed, true).goes_on(&Collector::default()));
    }
}
