//! Celery event traffic routed into queues (`EventTransport::Queues`: RabbitMQ), on the
//! broker-neutral model, split in its two sources: worker events (worker.heartbeat every 2 s
//! from every worker, with or without -E) and task events (task.* with -E or
//! worker_send_task_events, or turned on by Flower). Each is judged on its absolute cost
//! (deliveries per second) as well as its share of the vhost's messages, and the remedy names
//! only the switches that would change what was measured.
//!
//! What RabbitMQ shows: the `celeryev` exchange's publish_in (events published) and publish_out
//! (copies routed), and each `celeryev.*` queue's publish rate. A worker's gossip queue (consumed
//! by the worker's connection) is bound to `worker.#` and so receives worker events only; a
//! monitor's queue (Flower, `celery events`) is bound to `#` and receives everything. Worker
//! events published = a gossip queue's rate (or 0.5/s per worker mailbox without gossip); task
//! events published = what the exchange took in beyond that; the queues that take them are those
//! whose own rate exceeds the worker events. In the model: the fleet's `Events` (present when
//! the vhost has the `celeryev` exchange) carry the exchange's rates, each event queue its
//! publish rate and whether a worker consumes it, each mailbox one worker.
//!
//! Events on pub/sub (Redis) reach no queue: their cost is the broker's output, judged with the
//! link speed by `redis.events.fanout` from the same `Events`.

use crate::celery_model::{EventTransport, Fleet, Kind};
use crate::checks::{level, ratio};
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::fmt_pct;

/// Worker events one worker publishes per second by default (worker.heartbeat every 2 s).
const HEARTBEATS_PER_WORKER: f64 = 0.5;
/// Task-event deliveries per second below which their share is not worth acting on.
const TASK_EVENTS_FLOOR: f64 = 10.0;
/// The share of messages worker events must reach, besides their absolute threshold.
const HEARTBEAT_SHARE: f64 = 0.5;

#[derive(Default)]
struct Traffic {
    has_celeryev: bool,
    published: Option<f64>,
    routed: Option<f64>,
    gossip_rates: Vec<f64>,
    other_event_queues: usize,
    other_event_rates: Vec<f64>,
    /// Event queues (not a worker's gossip queue) without a measured publish rate.
    other_event_unrated: usize,
    /// Event queues (not a worker's gossip queue) holding messages: name and depth.
    holding: Vec<(String, u64)>,
    task_rate: f64,
    workers: usize,
}

/// Where task events go, and what says so.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Routing {
    /// Event queues' own publish rates show which take them (or none are sent).
    Measured,
    /// No queue's rate shows them, but the exchange routes copies beyond the worker events.
    ByExchange,
    /// No queue's rate shows them and the exchange does not say: a queue without a rate, or
    /// one holding messages, may take them.
    Unknown,
    /// No queue's rate shows them and the exchange routes nothing beyond the worker events
    /// (or, when it does not report, every event queue has a rate and none holds messages).
    Nowhere,
}

/// The measured split of one vhost's event traffic.
struct Split {
    /// Worker events published per second.
    worker_events: f64,
    /// Task events published per second.
    task_events: f64,
    worker_deliveries: f64,
    task_deliveries: f64,
    /// Event queues that receive task events (monitors bound to # or task.#).
    task_event_queues: usize,
    /// How the queues that take task events were found.
    routing: Routing,
    /// Every message of the vhost: task publishes and routed events.
    total: f64,
}

fn split(t: &Traffic) -> Split {
    let gossip = t.gossip_rates.len() as f64;
    let monitors = t.other_event_queues as f64;
    let max_other = t.other_event_rates.iter().copied().fold(0.0, f64::max);
    let published = t.published.filter(|p| *p > 0.0).unwrap_or(max_other);
    let worker_events = if gossip > 0.0 {
        t.gossip_rates.iter().sum::<f64>() / gossip
    } else {
        (t.workers as f64 * HEARTBEATS_PER_WORKER).min(published.max(max_other))
    };
    // Rates are 5-second averages of events sent every 2 s: a small excess is noise.
    let noise = (0.2 * worker_events).max(0.5);
    let excess = (published - worker_events).max(0.0);
    let task_events = if excess >= noise { excess } else { 0.0 };
    let worker_deliveries = worker_events * (gossip + monitors);
    // Which event queues take task events shows in their own rates: beyond the worker events,
    // what a queue receives is task events (a queue bound to worker.# only receives none).
    let (task_deliveries, task_event_queues) =
        if task_events > 0.0 && t.other_event_rates.iter().any(|r| *r > 0.0) {
            let excesses: Vec<f64> = t
                .other_event_rates
                .iter()
                .map(|r| (r - worker_events).max(0.0))
                .filter(|x| *x >= noise)
                .collect();
            (excesses.iter().sum(), excesses.len())
        } else {
            (task_events * monitors, t.other_event_queues)
        };
    let (task_deliveries, task_event_queues, routing) = routing(
        t,
        task_events,
        worker_deliveries,
        noise,
        task_deliveries,
        task_event_queues,
    );
    let routed = t
        .routed
        .filter(|r| *r > 0.0)
        .unwrap_or(worker_deliveries + task_deliveries);
    Split {
        worker_events,
        task_events,
        worker_deliveries,
        task_deliveries,
        task_event_queues,
        routing,
        total: routed + t.task_rate,
    }
}

/// When no queue's own rate shows task events, what else can say where they go: the
/// exchange's copies beyond the worker events (a monitor bound to `#` whose queue reports no
/// rate still receives them), or nothing, when a queue has no rate or holds messages.
fn routing(
    t: &Traffic,
    task_events: f64,
    worker_deliveries: f64,
    noise: f64,
    task_deliveries: f64,
    queues: usize,
) -> (f64, usize, Routing) {
    if task_events <= 0.0 || queues > 0 {
        return (task_deliveries, queues, Routing::Measured);
    }
    let extra = t.routed.map(|r| r - worker_deliveries);
    match extra {
        Some(x) if x >= noise.max(0.5 * task_events) => {
            let copies = ((x / task_events).round() as usize).max(1);
            (x, copies, Routing::ByExchange)
        }
        Some(_) => (0.0, 0, Routing::Nowhere),
        None if t.other_event_unrated == 0 && t.holding.is_empty() => (0.0, 0, Routing::Nowhere),
        _ => (0.0, 0, Routing::Unknown),
    }
}

/// The traffic of one fleet, when its events are routed into queues and it has the exchange.
fn traffic(fleet: &Fleet) -> Option<Traffic> {
    if fleet.event_transport != EventTransport::Queues {
        return None;
    }
    let ev = fleet.events.as_ref()?;
    let mut t = Traffic {
        has_celeryev: true,
        published: ev.publish_rate,
        routed: ev.routed_rate,
        ..Traffic::default()
    };
    for q in &fleet.queues {
        match q.kind {
            Kind::Event if q.worker_consumed => {
                t.gossip_rates.push(q.publish_rate.unwrap_or(0.0));
            }
            Kind::Event => {
                t.other_event_queues += 1;
                t.other_event_rates.push(q.publish_rate.unwrap_or(0.0));
                if q.publish_rate.is_none() {
                    t.other_event_unrated += 1;
                }
                if let Some(ready) = q.ready.filter(|r| *r > 0) {
                    t.holding.push((q.name.to_string(), ready));
                }
            }
            Kind::Task => t.task_rate += q.publish_rate.unwrap_or(0.0),
            Kind::Mailbox => t.workers += 1,
            _ => {}
        }
    }
    Some(t)
}

pub fn check(fleet: &Fleet, thresholds: &Thresholds, out: &mut Vec<Finding>) {
    let Some(t) = traffic(fleet) else {
        return;
    };
    if !t.has_celeryev {
        return;
    }
    let vhost = fleet.scope.as_str();
    let s = split(&t);
    heartbeats(thresholds, vhost, &t, &s, out);
    task_events(thresholds, vhost, &t, &s, out);
}

fn heartbeats(
    thresholds: &Thresholds,
    vhost: &str,
    t: &Traffic,
    s: &Split,
    out: &mut Vec<Finding>,
) {
    let id = "events.heartbeats";
    let share = ratio(Some(s.worker_deliveries), Some(s.total)).unwrap_or(0.0);
    let severity = if share >= HEARTBEAT_SHARE {
        level(&thresholds.get(id), s.worker_deliveries)
    } else {
        Severity::Ok
    };
    let gossip = t.gossip_rates.len();
    let mut f = Finding::new(id, severity, vhost)
        .summary(format!(
            "in vhost {vhost}, worker events (heartbeats every 2 s, sent with or without -E) are {:.1} msg/s from {} worker(s), routed to {gossip} gossip and {} other event queue(s): {:.1} deliveries/s, {} of messages",
            s.worker_events,
            t.workers,
            t.other_event_queues,
            s.worker_deliveries,
            fmt_pct(share)
        ))
        .evidence("worker_events_per_second", s.worker_events)
        .evidence("worker_event_deliveries_per_second", s.worker_deliveries)
        .evidence("share", share)
        .evidence("workers", t.workers as f64)
        .evidence("gossip_queues", gossip as f64);
    if severity != Severity::Ok {
        let mut steps = Vec::new();
        if gossip > 0 {
            steps.push(format!(
                "run workers with --without-gossip (each stops receiving every other worker's events: {:.1} of the deliveries/s) and --without-mingle (the start-up sync with the same peers)",
                s.worker_events * gossip as f64
            ));
        }
        if s.worker_events > 0.0 {
            steps.push(if t.other_event_queues > 0 {
                "--without-heartbeat only if no monitor needs worker heartbeats (Flower shows workers without them as offline)".to_string()
            } else {
                "--without-heartbeat: no monitor consumes these events".to_string()
            });
        }
        f = f.remedy(steps.join("; "));
    }
    out.push(f);
}

/// The event queues that may take task events unseen: those without a rate, those holding
/// messages.
fn unmeasured(t: &Traffic) -> String {
    let mut parts = Vec::new();
    if t.other_event_unrated > 0 {
        parts.push(format!(
            "{} event queue(s) without a publish rate",
            t.other_event_unrated
        ));
    }
    if !t.holding.is_empty() {
        parts.push(format!("those holding messages: {}", holding(t)));
    }
    parts.join(", ")
}

/// `name (N ready), ...` for the first few event queues holding messages; empty if none.
fn holding(t: &Traffic) -> String {
    let mut held: Vec<&(String, u64)> = t.holding.iter().collect();
    held.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut names: Vec<String> = held
        .iter()
        .take(3)
        .map(|(n, r)| format!("{n} ({r} ready)"))
        .collect();
    if held.len() > 3 {
        names.push(format!("{} more", held.len() - 3));
    }
    names.join(", ")
}

fn task_events(
    thresholds: &Thresholds,
    vhost: &str,
    t: &Traffic,
    s: &Split,
    out: &mut Vec<Finding>,
) {
    let id = "events.traffic-share";
    let monitors = s.task_event_queues;
    let cost = if monitors > 0 {
        s.task_deliveries
    } else {
        s.task_events
    };
    let share = ratio(Some(cost), Some(s.total.max(cost))).unwrap_or(0.0);
    let severity = if s.task_events <= 0.0 || cost < TASK_EVENTS_FLOOR {
        Severity::Ok
    } else if monitors == 0 {
        // Published and routed nowhere: pure cost.
        Severity::Warn
    } else {
        level(&thresholds.get(id), share)
    };
    let summary = if s.task_events <= 0.0 {
        format!(
            "in vhost {vhost}, no task events are being sent (beyond worker heartbeats); task messages {:.1}/s",
            t.task_rate
        )
    } else if s.routing == Routing::Unknown {
        format!(
            "in vhost {vhost}, workers send about {:.1} task events/s (-E or worker_send_task_events) and no event queue's measured rate shows them; {} may take them",
            s.task_events,
            unmeasured(t)
        )
    } else if monitors == 0 {
        format!(
            "in vhost {vhost}, workers send about {:.1} task events/s (-E or worker_send_task_events) and no event queue takes them ({} event queue(s), all bound to worker events only): they are routed nowhere",
            s.task_events,
            t.gossip_rates.len() + t.other_event_queues
        )
    } else if s.routing == Routing::ByExchange {
        format!(
            "in vhost {vhost}, task events are {} of messages: {:.1} task events/s, which the celeryev exchange copies about {monitors} time(s) ({:.1} deliveries/s vs {:.1} task msg/s) into event queues whose own rates do not show which{}",
            fmt_pct(share),
            s.task_events,
            s.task_deliveries,
            t.task_rate,
            if t.holding.is_empty() {
                String::new()
            } else {
                format!("; event queues holding messages: {}", holding(t))
            }
        )
    } else {
        format!(
            "in vhost {vhost}, task events are {} of messages: {:.1} task events/s copied to {monitors} monitor queue(s), {:.1} deliveries/s vs {:.1} task msg/s",
            fmt_pct(share),
            s.task_events,
            s.task_deliveries,
            t.task_rate
        )
    };
    let mut f = Finding::new(id, severity, vhost)
        .summary(summary)
        .evidence("task_events_per_second", s.task_events)
        .evidence("event_messages_per_second", cost)
        .evidence("task_messages_per_second", t.task_rate)
        .evidence("share", share);
    if severity != Severity::Ok {
        f = f.remedy(if s.routing == Routing::Nowhere {
            "turn task events off: run workers without -E and set worker_send_task_events = False (old name CELERY_SEND_EVENTS)"
        } else {
            "turn task events off unless a monitor needs them: workers without -E, worker_send_task_events = False (old name CELERY_SEND_EVENTS); Flower turns them back on every 5 s unless started with --enable_events=False"
        });
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::*;
    use crate::report::Severity;
    use serde_json::json;

    fn exchange(publish_in: f64, publish_out: f64) -> crate::rabbitmq::records::Exchange {
        serde_json::from_value(json!({"name": "celeryev", "vhost": "/", "message_stats": {
            "publish_in_details": {"rate": publish_in},
            "publish_out_details": {"rate": publish_out}}}))
        .unwrap()
    }

    /// `n` workers with gossip (each consuming its mailbox and its celeryev queue) and `m`
    /// monitor queues, the worker events at 0.5/s each, `task_events` task events/s on top.
    fn fleet(n: usize, m: usize, task_events: f64) -> crate::rabbitmq::read::Snapshot {
        let mut snap = snapshot();
        let hb = n as f64 * 0.5;
        let published = hb + task_events;
        snap.exchanges = vec![exchange(
            published,
            hb * (n + m) as f64 + task_events * m as f64,
        )];
        for i in 0..n {
            snap.queues
                .push(queue(json!({"name": format!("w{i}@h.celery.pidbox"),
                "vhost": "/", "consumers": 1})));
            snap.queues.push(queue(
                json!({"name": format!("celeryev.g{i}"), "vhost": "/",
                "consumers": 1, "arguments": {"x-message-ttl": 5000, "x-expires": 60000},
                "message_stats": {"publish_details": {"rate": hb}}}),
            ));
            let c = |q: String| {
                serde_json::from_value(json!({"queue": {"name": q, "vhost": "/"},
                    "channel_details": {"connection_name": format!("w{i}")}}))
                .unwrap()
            };
            snap.consumers.push(c(format!("w{i}@h.celery.pidbox")));
            snap.consumers.push(c(format!("celeryev.g{i}")));
        }
        for j in 0..m {
            snap.queues.push(queue(
                json!({"name": format!("celeryev.m{j}"), "vhost": "/",
                "consumers": 1, "arguments": {"x-message-ttl": 5000, "x-expires": 60000},
                "message_stats": {"publish_details": {"rate": published}}}),
            ));
        }
        snap
    }

    fn finding<'a>(f: &'a [crate::report::Finding], id: &str) -> &'a crate::report::Finding {
        f.iter().find(|f| f.id == id).unwrap()
    }

    #[test]
    fn two_idle_default_workers_are_fine() {
        let f = run(&fleet(2, 0, 0.0));
        assert_eq!(problems(&f), vec![]);
        let hb = finding(&f, "events.heartbeats");
        assert_eq!(hb.evidence["worker_event_deliveries_per_second"], 2.0);
        let te = finding(&f, "events.traffic-share");
        assert!(te.summary.contains("no task events"), "{}", te.summary);
    }

    #[test]
    fn many_gossiping_workers_warn_on_heartbeats_with_the_switches_that_apply() {
        let f = run(&fleet(30, 0, 0.0));
        let hb = finding(&f, "events.heartbeats");
        assert_eq!(hb.severity, Severity::Warn);
        assert!(hb.remedy.contains("--without-gossip"), "{}", hb.remedy);
        assert!(
            hb.remedy.contains("--without-heartbeat: no monitor"),
            "{}",
            hb.remedy
        );
        assert!(!hb.remedy.contains("-E"), "{}", hb.remedy);
        assert_eq!(finding(&f, "events.traffic-share").severity, Severity::Ok);
    }

    #[test]
    fn task_events_to_a_monitor_warn_on_their_share() {
        let f = run(&fleet(2, 1, 60.0));
        let te = finding(&f, "events.traffic-share");
        assert_eq!(te.severity, Severity::Warn, "{}", te.summary);
        assert_eq!(te.evidence["task_events_per_second"], 60.0);
        assert!(te.remedy.contains("--enable_events=False"), "{}", te.remedy);
        assert_eq!(finding(&f, "events.heartbeats").severity, Severity::Ok);
    }

    #[test]
    fn task_events_routed_nowhere_warn() {
        let f = run(&fleet(2, 0, 40.0));
        let te = finding(&f, "events.traffic-share");
        assert_eq!(te.severity, Severity::Warn);
        assert!(te.summary.contains("routed nowhere"), "{}", te.summary);
    }

    #[test]
    fn a_consumer_of_worker_events_only_takes_no_task_events() {
        // A heartbeat exporter bound to worker.#: its queue gets the worker events only.
        let mut snap = fleet(2, 1, 40.0);
        let q = snap
            .queues
            .iter_mut()
            .find(|q| q.name() == "celeryev.m0")
            .unwrap();
        q.message_stats = serde_json::from_value(json!({"publish_details": {"rate": 1.0}})).ok();
        // The exchange agrees: it copies the worker events only.
        snap.exchanges = vec![exchange(41.0, 3.0)];
        let f = run(&snap);
        let te = finding(&f, "events.traffic-share");
        assert_eq!(te.severity, Severity::Warn);
        assert!(te.summary.contains("routed nowhere"), "{}", te.summary);
    }

    /// A monitor bound to `#` whose queue reports no publish rate but holds 731 messages: the
    /// task events are not "routed nowhere".
    fn unrated_monitor(routed: Option<f64>) -> crate::rabbitmq::read::Snapshot {
        // Beside it a heartbeat exporter bound to worker.#, whose rate shows worker events only.
        let mut snap = fleet(2, 1, 40.0);
        let q = snap
            .queues
            .iter_mut()
            .find(|q| q.name() == "celeryev.m0")
            .unwrap();
        q.message_stats = serde_json::from_value(json!({"publish_details": {"rate": 1.0}})).ok();
        snap.exchanges = vec![match routed {
            Some(r) => exchange(41.0, r),
            None => serde_json::from_value(json!({"name": "celeryev", "vhost": "/",
                "message_stats": {"publish_in_details": {"rate": 41.0}}}))
            .unwrap(),
        }];
        snap.queues
            .push(queue(json!({"name": "celeryev.da-monitor", "vhost": "/",
            "consumers": 0, "messages_ready": 731})));
        snap
    }

    #[test]
    fn task_events_the_exchange_routes_to_a_queue_without_a_rate_are_counted() {
        // Gossip 2 x 1.0 and the exporter 1.0 worker events, the monitor 1.0 + 40 task events.
        let f = run(&unrated_monitor(Some(44.0)));
        let te = finding(&f, "events.traffic-share");
        assert_eq!(te.severity, Severity::Warn, "{}", te.summary);
        assert!(!te.summary.contains("routed nowhere"), "{}", te.summary);
        assert_eq!(
            te.summary,
            "in vhost /, task events are 91% of messages: 40.0 task events/s, which the celeryev exchange copies about 1 time(s) (40.0 deliveries/s vs 0.0 task msg/s) into event queues whose own rates do not show which; event queues holding messages: celeryev.da-monitor (731 ready)"
        );
        assert_eq!(te.evidence["event_messages_per_second"], 40.0);
        assert!(
            te.remedy.contains("unless a monitor needs them"),
            "{}",
            te.remedy
        );
    }

    #[test]
    fn task_events_with_a_queue_nobody_measured_are_not_said_to_go_nowhere() {
        let f = run(&unrated_monitor(None));
        let te = finding(&f, "events.traffic-share");
        assert_eq!(te.severity, Severity::Warn, "{}", te.summary);
        assert_eq!(
            te.summary,
            "in vhost /, workers send about 40.0 task events/s (-E or worker_send_task_events) and no event queue's measured rate shows them; 1 event queue(s) without a publish rate, those holding messages: celeryev.da-monitor (731 ready) may take them"
        );
    }

    #[test]
    fn without_rates_nothing_is_claimed() {
        let mut snap = snapshot();
        snap.exchanges =
            vec![serde_json::from_value(json!({"name": "celeryev", "vhost": "/"})).unwrap()];
        assert_eq!(problems(&run(&snap)), vec![]);
    }
}
