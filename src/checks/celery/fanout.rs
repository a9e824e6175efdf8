//! The event fan-out forecast, on the broker-neutral model: every worker node's events reach
//! every receiver (the other workers' gossip and each monitor), so the event stream's output is
//! N x (N + M) x c bytes per second, and against the broker's link speed it names the fleet size
//! at which the link fills. Redis (`redis.events.fanout`) measures c from a subscriber it opens
//! and the output from INFO; RabbitMQ (`rabbitmq.events.fanout`) from the busiest monitor's
//! connection and the vhost's connections' send rates. Pure: fleet in, finding out.

use crate::celery_model::{Fleet, saturating_nodes};
use crate::checks::level;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::{fmt_bytes, fmt_pct};

/// Bytes per second per worker node per receiver when no heartbeat was heard to measure it:
/// an idle worker's heartbeat (675 B every 2 s) with framing, as measured on Redis 7.0.
pub const ASSUMED_COST: f64 = 370.0;

/// The link the forecast is judged against, and what to say when its speed is unknown.
pub struct Link<'a> {
    /// Bytes per second, and where the figure came from.
    pub speed: Option<&'a (f64, String)>,
    /// Appended to the summary when `speed` is None: how to give one.
    pub unknown: &'a str,
}

/// The forecast finding `id` for `fleet`, named `subject`; None when the fleet has no event
/// stream or the broker did not measure its output.
pub fn forecast(
    fleet: &Fleet,
    id: &'static str,
    subject: &str,
    t: &Thresholds,
    link: &Link,
) -> Option<Finding> {
    let ev = fleet.events.as_ref()?;
    let total = ev.broker_output_bytes?;
    let event = ev.event_output_bytes.unwrap_or(0.0);
    let measured = ev.cost_per_pair();
    let cost = measured.unwrap_or(ASSUMED_COST);
    let mut summary = format!(
        "output {}/s, about {} of it the event stream ({} worker node(s) heartbeating, {} receiver(s), ~{} monitor(s); {:.0} B/s per node per receiver{})",
        fmt_bytes(total),
        ev.share().map_or("?".into(), fmt_pct),
        ev.worker_nodes,
        ev.subscribers,
        ev.monitors,
        cost,
        if measured.is_some() {
            ""
        } else {
            ", assumed: no heartbeat heard"
        }
    );
    let mut f = Finding::new(id, Severity::Ok, subject)
        .evidence("output_bytes_per_second", total)
        .evidence("event_bytes_per_second", event)
        .evidence("worker_nodes", ev.worker_nodes as f64)
        .evidence("event_receivers", ev.subscribers as f64)
        .evidence("bytes_per_node_per_receiver", cost);
    if let Some(s) = ev.share() {
        f = f.evidence("event_share", s);
    }
    match link.speed {
        Some((speed, source)) => {
            let used = total / speed;
            f.severity = level(&t.get(id), used);
            summary.push_str(&format!(
                "; {} of the {:.0} Mbit/s link ({source})",
                fmt_pct(used),
                speed * 8.0 / 1e6
            ));
            if let Some(n) = saturating_nodes(*speed, ev.monitors, cost) {
                summary.push_str(&format!(
                    "; at this rate the link saturates near {n:.0} worker nodes"
                ));
                f = f.evidence("saturating_worker_nodes", n.floor());
            }
            f = f
                .evidence("link_ratio", used)
                .evidence("link_bytes_per_second", *speed);
        }
        None => summary.push_str(link.unknown),
    }
    Some(f.summary(summary).remedy(
        "cut the event stream: start workers with --without-gossip --without-mingle --without-heartbeat where nothing needs them, turn task events off (worker_send_task_events=False, no -E) unless a monitor needs them; output grows as N x (N + M)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::celery_model::{BrokerKind, EventTransport, Events};

    fn fleet(events: Events) -> Fleet<'static> {
        Fleet {
            broker: BrokerKind::RabbitMq,
            host: "broker.test".into(),
            scope: "prod".into(),
            event_transport: EventTransport::Queues,
            queues: vec![],
            clients: vec![],
            events: Some(events),
            results: None,
        }
    }

    /// 8 gossiping workers and 3 monitors, each receiver getting 8 x 370 B/s.
    fn eight_workers(output: f64) -> Events {
        Events {
            worker_nodes: 8,
            monitors: 3,
            subscribers: 11,
            per_subscriber_bytes: Some(8.0 * 370.0),
            broker_output_bytes: Some(output),
            event_output_bytes: Some(11.0 * 8.0 * 370.0),
            ..Events::default()
        }
    }

    const UNKNOWN: Link = Link {
        speed: None,
        unknown: "; link speed unknown",
    };

    fn run(events: Events, link_bytes: Option<f64>) -> Finding {
        let speed = link_bytes.map(|b| (b, "test".to_string()));
        let link = Link {
            speed: speed.as_ref(),
            unknown: UNKNOWN.unknown,
        };
        forecast(
            &fleet(events),
            "rabbitmq.events.fanout",
            "prod",
            &Thresholds::default(),
            &link,
        )
        .expect("a forecast")
    }

    #[test]
    fn a_small_fleet_on_a_gigabit_is_ok_and_saturates_near_the_model() {
        let f = run(eight_workers(40_000.0), Some(125e6));
        assert_eq!(f.severity, Severity::Ok);
        assert_eq!(f.evidence["bytes_per_node_per_receiver"], 370.0);
        let n = f.evidence["saturating_worker_nodes"];
        assert_eq!(n, saturating_nodes(125e6, 3, 370.0).unwrap().floor());
        assert!((570.0..590.0).contains(&n), "{n}");
        assert!(f.summary.contains("saturates near"), "{}", f.summary);
        let share = f.evidence["event_share"];
        assert!((share - 32_560.0 / 40_000.0).abs() < 1e-9, "{share}");
    }

    #[test]
    fn output_near_the_link_warns_then_goes_critical() {
        // A 1 Mbit link: 125 000 B/s.
        assert_eq!(
            run(eight_workers(70_000.0), Some(125e3)).severity,
            Severity::Warn
        );
        assert_eq!(
            run(eight_workers(110_000.0), Some(125e3)).severity,
            Severity::Crit
        );
    }

    #[test]
    fn without_a_monitor_the_cost_is_assumed_and_said() {
        let mut ev = eight_workers(40_000.0);
        ev.per_subscriber_bytes = None;
        let f = run(ev, Some(125e6));
        assert_eq!(f.evidence["bytes_per_node_per_receiver"], ASSUMED_COST);
        assert!(f.summary.contains("assumed"), "{}", f.summary);
    }

    #[test]
    fn without_a_link_speed_it_says_how_to_give_one_and_stays_ok() {
        let f = run(eight_workers(40_000.0), None);
        assert_eq!(f.severity, Severity::Ok);
        assert!(f.summary.ends_with("; link speed unknown"), "{}", f.summary);
        assert!(!f.evidence.contains_key("saturating_worker_nodes"));
    }

    #[test]
    fn nothing_is_forecast_without_a_measured_output() {
        let mut ev = eight_workers(0.0);
        ev.broker_output_bytes = None;
        let link = UNKNOWN;
        let fleet = fleet(ev);
        assert!(
            forecast(
                &fleet,
                "rabbitmq.events.fanout",
                "prod",
                &Thresholds::default(),
                &link
            )
            .is_none()
        );
    }
}
