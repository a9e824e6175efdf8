//! The broker signals RabbitMQ's own alerting rules watch (rabbitmq/cluster-operator's
//! `unroutable-messages` and `high-connection-churn`): messages no queue took, with the
//! exchanges that took more than they routed and the Celery cause where there is one; and
//! connections opened and closed at a high rate, with the peers whose connections are young.

use std::collections::BTreeMap;

use super::{Ctx, level};
use crate::rabbitmq::records::{Exchange, subject};
use crate::report::{Finding, Severity};

/// Celery's own exchanges whose messages routinely reach no queue: broadcasts to the workers'
/// mailboxes while none is bound (a worker starting), replies to a client that has left, and
/// worker events while no monitor or gossiping worker listens.
const CELERY_OWN: [&str; 3] = ["celery.pidbox", "reply.celery.pidbox", "celeryev"];

/// How young a connection is to count as churn when the peers are named, in seconds.
pub const YOUNG_SECS: f64 = 60.0;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    unroutable(ctx, out);
    churn(ctx, out);
}

/// The share of an exchange's inflow it must fail to route before it is named: its in and out
/// rates are sampled apart, so an exchange that routes everything in a flood shows a deficit of
/// a few per cent of its inflow, while one whose routing key matches no binding loses all of it.
const LOST_SHARE: f64 = 0.5;

/// The messages per second an exchange took in and did not route on, when that is most of its
/// inflow (see [`LOST_SHARE`]); else 0.
fn deficit(e: &Exchange) -> f64 {
    let inflow = e.publish_in_rate().unwrap_or(0.0);
    let lost = (inflow - e.publish_out_rate().unwrap_or(0.0)).max(0.0);
    if lost > 0.0 && lost >= LOST_SHARE * inflow {
        lost
    } else {
        0.0
    }
}

fn cause(e: &Exchange) -> &'static str {
    let name = e.name();
    if name == "celery_delayed_delivery" || name.ends_with("_celery_delayed_delivery") {
        "delayed-delivery tasks reach no task exchange: a delayed-delivery binding is missing (see delayed.binding)"
    } else if name.contains("celery_delayed_") {
        "a delayed-delivery level routes nowhere: its queue or the binding to it is missing (see delayed.level)"
    } else if name == "celery" || name.is_empty() {
        "Celery tasks sent to a queue that does not exist: a task_routes entry or queue= naming a queue no worker declared (a producer declares no queue unless it is in task_queues)"
    } else {
        "messages published with a routing key no binding matches (a queue not declared, or bound with another key)"
    }
}

fn unroutable(ctx: &Ctx, out: &mut Vec<Finding>) {
    let id = "broker.unroutable";
    let limits = ctx.thresholds.get(id);
    let node_rate = ctx
        .snap
        .overview
        .as_ref()
        .and_then(|o| o.message_stats.as_ref())
        .and_then(|m| m.unroutable_rate());
    // Without the broker's own count, a deficit could be anything (statistics lag).
    let Some(node_rate) = node_rate.filter(|r| *r > 0.0) else {
        return;
    };
    let mut by_vhost: BTreeMap<&str, Vec<(&Exchange, f64)>> = BTreeMap::new();
    for e in &ctx.snap.exchanges {
        if CELERY_OWN.contains(&e.name()) {
            continue;
        }
        // The node's own count bounds what an exchange can have lost: an exchange's in and out
        // rates, sampled apart, differ by more than that in a flood that routes every message.
        let lost = deficit(e).min(node_rate);
        if lost > 0.0 {
            by_vhost
                .entry(e.vhost.as_deref().unwrap_or("/"))
                .or_default()
                .push((e, lost));
        }
    }
    for (vhost, mut list) in by_vhost {
        // The vhost's own count, when read, bounds its losses closer than the node's: a flood
        // that routes everything here while another vhost drops messages loses nothing here.
        let bound = ctx
            .snap
            .vhost_stats
            .iter()
            .find(|v| v.name.as_deref() == Some(vhost))
            .map_or(node_rate, |v| v.unroutable_rate().min(node_rate));
        list.sort_by(|a, b| b.1.total_cmp(&a.1));
        let total: f64 = list.iter().map(|(_, r)| r).sum::<f64>().min(bound);
        let severity = level(&limits, total);
        if severity == Severity::Ok {
            continue;
        }
        let (worst, _) = list[0];
        let named: Vec<String> = list
            .iter()
            .take(5)
            .map(|(e, r)| format!("{} ({r:.1}/s)", shown(e)))
            .collect();
        out.push(
            Finding::new(id, severity, subject(vhost, worst.name()))
                .summary(format!(
                    "{total:.1} message(s)/s reach no queue in vhost {vhost} (dropped, or returned to publishers that set mandatory): exchange {}; {}",
                    named.join(", "),
                    cause(worst)
                ))
                .evidence("unroutable_per_second", total)
                .evidence("node_unroutable_per_second", node_rate)
                .remedy(format!(
                    "bind a queue for the routing keys published to {} (rabbitmqadmin --vhost={} list bindings source destination routing_key shows what is bound), or fix the producer's routing; an alternate-exchange policy keeps such messages for inspection; see `celtool explain {id}`",
                    shown(worst),
                    super::shell_word(vhost)
                )),
        );
    }
}

fn shown(e: &Exchange) -> String {
    match e.name() {
        "" => "(AMQP default)".to_string(),
        n => n.to_string(),
    }
}

fn churn(ctx: &Ctx, out: &mut Vec<Finding>) {
    let id = "broker.churn";
    let Some(rates) = ctx
        .snap
        .overview
        .as_ref()
        .and_then(|o| o.churn_rates.as_ref())
    else {
        return;
    };
    let Some(created) = rates.created_rate() else {
        return;
    };
    let severity = level(&ctx.thresholds.get(id), created);
    if severity == Severity::Ok {
        return;
    }
    let now_ms = ctx.snap.cluster.now_unix as f64 * 1000.0;
    let mut young: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    for c in &ctx.snap.connections {
        let (Some(at), Some(peer)) = (c.connected_at, c.peer_host.as_ref()) else {
            continue;
        };
        let age = ((now_ms - at) / 1000.0).max(0.0);
        if age < YOUNG_SECS {
            let e = young.entry(peer.clone()).or_insert((0, f64::MAX));
            e.0 += 1;
            e.1 = e.1.min(age);
        }
    }
    let mut peers: Vec<(String, (usize, f64))> = young.into_iter().collect();
    peers.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let named: Vec<String> = peers
        .iter()
        .take(5)
        .map(|(p, (n, age))| {
            format!(
                "peer {p} ({n} connection(s) younger than {YOUNG_SECS:.0}s, the youngest {age:.0}s)"
            )
        })
        .collect();
    let who = if named.is_empty() {
        "no open connection is young enough to name its peer: they close within a statistics interval".to_string()
    } else {
        named.join(", ")
    };
    let node = ctx
        .snap
        .overview
        .as_ref()
        .and_then(|o| o.node.clone())
        .unwrap_or_else(|| "broker".into());
    out.push(
        Finding::new(id, severity, node)
            .summary(format!(
                "{created:.1} connection(s) opened per second ({:.1}/s closed): {who}",
                rates.closed_rate().unwrap_or(0.0)
            ))
            .evidence("connections_created_per_second", created)
            .evidence("young_peers", peers.len() as f64)
            .remedy(format!(
                "make the publishers named reuse their connection: in Celery keep the producer pool (broker_pool_limit, default 10; 0 or None opens a connection per message), publish from a long-lived app rather than a process per task; each AMQP connection costs the broker a handshake, memory and Erlang processes; see `celtool explain {id}`"
            )),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, snapshot};
    use crate::report::Severity;
    use serde_json::json;

    fn exchange(
        vhost: &str,
        name: &str,
        inflow: f64,
        outflow: f64,
    ) -> crate::rabbitmq::records::Exchange {
        serde_json::from_value(json!({"name": name, "vhost": vhost, "type": "direct",
            "message_stats": {"publish_in_details": {"rate": inflow},
                "publish_out_details": {"rate": outflow}}}))
        .unwrap()
    }

    #[test]
    fn unroutable_names_the_exchange_and_leaves_celerys_broadcasts_out() {
        let mut s = snapshot();
        s.overview = Some(
            serde_json::from_value(json!({"rabbitmq_version": "3.10.8",
            "message_stats": {"drop_unroutable_details": {"rate": 7.0}}}))
            .unwrap(),
        );
        s.exchanges = vec![
            exchange("v", "celery", 5.0, 0.0),
            exchange("v", "celery.pidbox", 2.0, 0.0),
            exchange("w", "celeryev", 9.0, 0.0),
            exchange("w", "fanout", 1.0, 3.0),
        ];
        let found: Vec<_> = run(&s)
            .into_iter()
            .filter(|f| f.id == "broker.unroutable")
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].severity, found[0].subject.as_str()),
            (Severity::Warn, "v/celery")
        );
        assert!(
            found[0].summary.contains("task_routes"),
            "{}",
            found[0].summary
        );
        // The broker counted nothing: silent, whatever the exchanges' rates say.
        s.overview = Some(
            serde_json::from_value(json!({"rabbitmq_version": "3.10.8",
            "message_stats": {"drop_unroutable_details": {"rate": 0.0}}}))
            .unwrap(),
        );
        assert!(run(&s).iter().all(|f| f.id != "broker.unroutable"));
    }

    #[test]
    fn a_flood_that_routes_is_not_blamed_for_another_vhosts_unroutable_messages() {
        // 0.8/s dropped somewhere on the node; this vhost's default exchange routes every
        // message but its in and out rates were sampled apart (14.6/s apart in a flood).
        let mut s = snapshot();
        s.overview = Some(
            serde_json::from_value(json!({"rabbitmq_version": "3.10.8",
            "message_stats": {"drop_unroutable_details": {"rate": 0.8}}}))
            .unwrap(),
        );
        s.exchanges = vec![exchange("v", "", 214.6, 200.0)];
        assert!(run(&s).iter().all(|f| f.id != "broker.unroutable"));
        // The same skew while another vhost drops 20/s: still not this exchange's loss.
        s.overview = Some(
            serde_json::from_value(json!({"rabbitmq_version": "3.10.8",
            "message_stats": {"drop_unroutable_details": {"rate": 20.0}}}))
            .unwrap(),
        );
        assert!(run(&s).iter().all(|f| f.id != "broker.unroutable"));
        // A slow flood (HTTP publishes) whose out rate was sampled at half its in rate, as a
        // CI run saw: the node's 20/s would let it through; this vhost's own count (none
        // dropped, none returned) does not.
        s.exchanges = vec![exchange("v", "", 5.6, 2.8)];
        let vhost = |rate: Option<f64>| -> crate::rabbitmq::records::VhostStats {
            let stats = rate.map(|r| json!({"drop_unroutable_details": {"rate": r}}));
            serde_json::from_value(json!({"name": "v", "message_stats": stats})).unwrap()
        };
        s.vhost_stats = vec![vhost(Some(0.0))];
        assert!(run(&s).iter().all(|f| f.id != "broker.unroutable"));
        s.vhost_stats = vec![vhost(None)];
        assert!(run(&s).iter().all(|f| f.id != "broker.unroutable"));
        // When the vhost itself drops 3/s, the exchange is named, with what it lost.
        s.vhost_stats = vec![vhost(Some(3.0))];
        let found: Vec<_> = run(&s)
            .into_iter()
            .filter(|f| f.id == "broker.unroutable")
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].evidence.get("unroutable_per_second"), Some(&2.8));
    }

    #[test]
    fn churn_names_the_peers_of_young_connections() {
        let mut s = snapshot();
        s.cluster.now_unix = 1_000_000;
        s.overview = Some(
            serde_json::from_value(json!({"node": "rabbit@a",
            "churn_rates": {"connection_created_details": {"rate": 30.0},
                "connection_closed_details": {"rate": 29.0}}}))
            .unwrap(),
        );
        let conn = |peer: &str, age: f64| -> crate::rabbitmq::records::Connection {
            serde_json::from_value(
                json!({"name": format!("{peer}:1 -> b:5672"), "peer_host": peer,
                "connected_at": 1_000_000_000.0 - age * 1000.0}),
            )
            .unwrap()
        };
        s.connections = vec![
            conn("10.0.0.9", 2.0),
            conn("10.0.0.9", 5.0),
            conn("10.0.0.3", 3600.0),
        ];
        let found: Vec<_> = run(&s)
            .into_iter()
            .filter(|f| f.id == "broker.churn")
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].severity, found[0].subject.as_str()),
            (Severity::Warn, "rabbit@a")
        );
        assert!(
            found[0].summary.starts_with("30.0 connection(s) opened per second (29.0/s closed): peer 10.0.0.9 (2 connection(s) younger than 60s, the youngest 2s)"),
            "{}",
            found[0].summary
        );
        assert!(!found[0].summary.contains("10.0.0.3"));
    }
}
