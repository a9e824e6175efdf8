//! Forecasts and links of the nodes: the time until a memory or disk alarm at the current
//! slope, the Erlang distribution links between cluster members, and whether the RabbitMQ 4.x
//! metadata-store checks apply. Pure functions; no I/O.

use super::{Ctx, level};
use crate::report::{Finding, Severity};
use crate::text::{fmt_bytes, fmt_duration_secs};

/// Memory use past which the slope is forecast: below it the headroom is too large for a
/// statistics interval's swing (garbage collection) to mean anything.
pub const MEM_FORECAST_FROM: f64 = 0.5;
/// Free disk, as a multiple of the disk limit, under which the slope is forecast.
pub const DISK_FORECAST_UNDER: f64 = 4.0;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    alarm_forecast(ctx, out);
    links(ctx, out);
    metadata_store(ctx, out);
}

fn alarm_forecast(ctx: &Ctx, out: &mut Vec<Finding>) {
    let id = "broker.alarm.forecast";
    let limits = ctx.thresholds.get(id);
    for n in ctx.snap.nodes.iter().filter(|n| n.running != Some(false)) {
        let mut push = |what: &str, secs: f64, detail: String| {
            let severity = level(&limits, secs);
            if severity == Severity::Ok {
                return;
            }
            out.push(
                Finding::new(id, severity, n.name())
                    .summary(format!(
                        "at the current slope {} reaches its {what} alarm in {}: {detail}; at the alarm every publisher of the cluster is blocked",
                        n.name(),
                        fmt_duration_secs(secs)
                    ))
                    .evidence("seconds_to_alarm", secs.round())
                    .remedy(format!("find what grows (celtool doctor's queues.* and broker.mgmt.memory findings, rabbitmq-diagnostics -n {} memory_breakdown), drain or purge it, or raise the watermark; see `celtool explain {id}`", n.name())),
            );
        };
        if let (Some(used), Some(limit), Some(rate)) = (n.mem_used, n.mem_limit, n.mem_rate())
            && n.mem_alarm != Some(true)
            && limit > 0.0
            && used < limit
            && used / limit >= MEM_FORECAST_FROM
            && rate > 0.0
        {
            let detail = format!(
                "{} used of {} and growing {}/s",
                fmt_bytes(used),
                fmt_bytes(limit),
                fmt_bytes(rate)
            );
            push("memory", (limit - used) / rate, detail);
        }
        if let (Some(free), Some(limit), Some(rate)) =
            (n.disk_free, n.disk_free_limit, n.disk_free_rate())
            && n.disk_free_alarm != Some(true)
            && free > limit
            && free <= limit * DISK_FORECAST_UNDER
            && rate < 0.0
        {
            let detail = format!(
                "{} free, limit {}, shrinking {}/s",
                fmt_bytes(free),
                fmt_bytes(limit),
                fmt_bytes(-rate)
            );
            push("disk", (free - limit) / -rate, detail);
        }
    }
}

/// Every running member should hold a distribution link to every other running member.
fn links(ctx: &Ctx, out: &mut Vec<Finding>) {
    let running: Vec<&str> = ctx
        .snap
        .nodes
        .iter()
        .filter(|n| n.running != Some(false))
        .map(|n| n.name())
        .collect();
    if running.len() < 2 {
        return;
    }
    for n in ctx.snap.nodes.iter().filter(|n| n.running != Some(false)) {
        let Some(links) = &n.cluster_links else {
            continue;
        };
        let missing: Vec<&str> = running
            .iter()
            .copied()
            .filter(|peer| *peer != n.name())
            .filter(|peer| !links.iter().any(|l| l.name.as_deref() == Some(*peer)))
            .collect();
        let (severity, summary) = if missing.is_empty() {
            (
                Severity::Ok,
                format!(
                    "{} holds a distribution link to each of the {} other running member(s)",
                    n.name(),
                    running.len() - 1
                ),
            )
        } else {
            (
                Severity::Warn,
                format!(
                    "{} has no Erlang distribution link to {} although the nodes list shows it running: the nodes do not talk (a partition forming, a firewall on the distribution port, an Erlang cookie mismatch)",
                    n.name(),
                    missing.join(", ")
                ),
            )
        };
        out.push(
            Finding::new("cluster.links", severity, n.name())
                .summary(summary)
                .evidence("missing_links", missing.len() as f64)
                .remedy(format!("rabbitmq-diagnostics -n {} cluster_status and check_port_connectivity; the distribution port (25672 by default) must be open between members; see `celtool explain cluster.links`", n.name())),
        );
    }
}

/// On 3.x, once: the 4.x metadata-store checks do not apply. On 4.x, the store the cluster
/// runs (the khepri_db feature flag) and, where the broker has them, the metadata-store health
/// checks: their failures are `cluster.health` findings; here the pass, the store in use, and a
/// migration under way.
fn metadata_store(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(version) = ctx.snap.overview.as_ref().and_then(|o| o.version()) else {
        return;
    };
    let cluster = &ctx.snap.cluster;
    let node = cluster.node.clone().unwrap_or_else(|| "broker".into());
    let id = "cluster.metadata-store";
    if crate::rabbitmq::cluster::major(version) < 4 {
        out.push(Finding::new(id, Severity::Ok, node).summary(format!(
            "not applicable: RabbitMQ {version} keeps its metadata in Mnesia; the metadata-store (Khepri) health checks exist from 4.1 on"
        )));
        return;
    }
    use crate::rabbitmq::cluster::Outcome;
    let checks: Vec<_> = cluster
        .health
        .iter()
        .filter(|h| h.name.starts_with("metadata-store"))
        .collect();
    let passed = !checks.is_empty() && checks.iter().all(|h| h.outcome == Outcome::Pass);
    let absent = checks.iter().all(|h| h.outcome == Outcome::Unsupported);
    let serving = cluster
        .node
        .as_deref()
        .unwrap_or("the node serving the API");
    let summary = match (cluster.khepri_db.as_deref(), passed, absent) {
        (Some("state_changing"), _, _) => {
            out.push(
                Finding::new(id, Severity::Warn, node)
                    .summary(format!("the cluster is migrating its metadata from Mnesia to Khepri (feature flag khepri_db state_changing, RabbitMQ {version})"))
                    .remedy(format!("let the migration finish before adding, removing or restarting nodes: rabbitmq-diagnostics -n {serving} metadata_store_status; see `celtool explain {id}`")),
            );
            return;
        }
        (_, true, _) => {
            format!("the metadata store is initialized with data on {serving} (RabbitMQ {version})")
        }
        (Some("disabled"), _, true) => format!(
            "not applicable: RabbitMQ {version} keeps its metadata in Mnesia (feature flag khepri_db disabled); the metadata-store health checks apply to Khepri"
        ),
        (Some("enabled"), _, true) => format!(
            "the cluster keeps its metadata in Khepri (feature flag khepri_db enabled); RabbitMQ {version} has no metadata-store health checks (404): rabbitmq-diagnostics metadata_store_status shows the store"
        ),
        _ => return,
    };
    out.push(Finding::new(id, Severity::Ok, node).summary(summary));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, snapshot};
    use crate::rabbitmq::cluster::{HealthCheck, Outcome};
    use crate::report::Severity;
    use serde_json::json;

    fn node(v: serde_json::Value) -> crate::rabbitmq::records::Node {
        serde_json::from_value(v).unwrap()
    }

    fn of(s: &crate::rabbitmq::read::Snapshot, id: &str) -> Vec<(Severity, String, String)> {
        run(s)
            .into_iter()
            .filter(|f| f.id == id)
            .map(|f| (f.severity, f.subject, f.summary))
            .collect()
    }

    #[test]
    fn memory_and_disk_slopes_forecast_the_alarm() {
        let mut s = snapshot();
        s.nodes = vec![
            node(
                json!({"name": "a", "running": true, "mem_used": 800.0e6, "mem_limit": 1000.0e6,
                "mem_used_details": {"rate": 1.0e6}, "disk_free": 100.0e9, "disk_free_limit": 1.0e9,
                "disk_free_details": {"rate": -1.0e9}}),
            ),
            // Far from its limit: a large swing means nothing.
            node(
                json!({"name": "b", "running": true, "mem_used": 100.0e6, "mem_limit": 1000.0e6,
                "mem_used_details": {"rate": 50.0e6}, "disk_free": 3.0e9, "disk_free_limit": 1.0e9,
                "disk_free_details": {"rate": -1.0e6}}),
            ),
        ];
        let found = of(&s, "broker.alarm.forecast");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1.as_str()), (Severity::Crit, "a"));
        assert!(
            found[0].2.contains("reaches its memory alarm in 3m: 762.9 MiB used of 953.7 MiB and growing 976.6 KiB/s"),
            "{}",
            found[0].2
        );
        assert_eq!((found[1].0, found[1].1.as_str()), (Severity::Warn, "b"));
        assert!(found[1].2.contains("disk alarm in 33m"), "{}", found[1].2);
    }

    #[test]
    fn a_slope_the_five_minutes_do_not_show_forecasts_nothing() {
        // 50 MB/s in the last interval while the node built one large answer; over the five
        // minutes (no samples here: their average) its memory fell, or grew a little.
        let mut s = snapshot();
        let node_with = |name: &str, rate: f64, avg: f64| {
            node(
                json!({"name": name, "running": true, "mem_used": 7.6e9, "mem_limit": 12.0e9,
                "mem_used_details": {"rate": rate, "avg_rate": avg},
                "disk_free": 100.0e9, "disk_free_limit": 1.0e9,
                "disk_free_details": {"rate": -1.0e9, "avg_rate": 1.0e6}}),
            )
        };
        s.nodes = vec![
            node_with("fell", 50.0e6, -2.0e6),
            node_with("crept", 50.0e6, 1.0e6),
            node_with("grows", 50.0e6, 40.0e6),
        ];
        let found = of(&s, "broker.alarm.forecast");
        let subjects: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        // "crept": 4.4 GB of headroom at 1 MB/s is over an hour away; the disk's shrink over
        // the interval is not the minute's either.
        assert_eq!(subjects, ["grows"], "{found:?}");
        assert!(found[0].2.contains("growing 38.1 MiB/s"), "{}", found[0].2);
    }

    #[test]
    fn memory_that_returns_to_its_floor_forecasts_nothing_and_a_rising_floor_does() {
        // Five minutes of samples, newest first. "sawtooth": a node building listings one
        // after another, 7.0 GB live and up to 600 MB of garbage at a time; its last interval
        // and five-minute average both climb. "backlog": 20 MB/s for five minutes.
        let samples = |f: &dyn Fn(f64) -> f64| -> Vec<serde_json::Value> {
            (0..=60)
                .map(|i| {
                    let t = 300.0 - 5.0 * f64::from(i);
                    json!({"sample": f(t), "timestamp": 1.0e12 + t * 1000.0})
                })
                .collect()
        };
        let node_with = |name: &str, used: f64, samples: Vec<serde_json::Value>| {
            node(
                json!({"name": name, "running": true, "mem_used": used, "mem_limit": 12.0e9,
                "mem_used_details": {"rate": 50.0e6, "avg_rate": 2.0e6, "samples": samples}}),
            )
        };
        let sawtooth = |t: f64| 7.0e9 + (t % 40.0) * 15.0e6;
        let backlog = |t: f64| 4.0e9 + t * 20.0e6;
        let mut s = snapshot();
        s.nodes = vec![
            node_with("sawtooth", 7.3e9, samples(&sawtooth)),
            node_with("backlog", 10.0e9, samples(&backlog)),
        ];
        let found = of(&s, "broker.alarm.forecast");
        let subjects: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(subjects, ["backlog"], "{found:?}");
        assert!(found[0].2.contains("growing 19.1 MiB/s"), "{}", found[0].2);
        // A node of a minute's samples or fewer (just started): the five minutes' average.
        let few: Vec<serde_json::Value> = samples(&sawtooth).into_iter().take(5).collect();
        s.nodes = vec![node_with("young", 11.0e9, few)];
        let found = of(&s, "broker.alarm.forecast");
        assert!(found[0].2.contains("growing 1.9 MiB/s"), "{}", found[0].2);
    }

    #[test]
    fn a_member_without_a_link_to_a_running_peer_warns() {
        let mut s = snapshot();
        s.nodes = vec![
            node(json!({"name": "a", "running": true, "cluster_links": [{"name": "b"}]})),
            node(json!({"name": "b", "running": true, "cluster_links": []})),
            node(json!({"name": "c", "running": false})),
        ];
        let found = of(&s, "cluster.links");
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1.as_str()), (Severity::Ok, "a"));
        assert_eq!((found[1].0, found[1].1.as_str()), (Severity::Warn, "b"));
        assert!(
            found[1]
                .2
                .starts_with("b has no Erlang distribution link to a "),
            "{}",
            found[1].2
        );
    }

    #[test]
    fn the_metadata_store_is_not_applicable_on_3x_and_judged_on_4x() {
        let mut s = snapshot();
        s.overview = Some(serde_json::from_value(json!({"rabbitmq_version": "3.10.8"})).unwrap());
        let found = of(&s, "cluster.metadata-store");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].2.starts_with("not applicable: RabbitMQ 3.10.8"),
            "{}",
            found[0].2
        );
        s.overview = Some(serde_json::from_value(json!({"rabbitmq_version": "4.1.0"})).unwrap());
        let paths = crate::rabbitmq::cluster::health_paths(s.overview.as_ref());
        assert!(
            paths
                .iter()
                .any(|(n, p)| *n == "metadata-store-initialized-with-data"
                    && p == "health/checks/metadata-store/initialized/with-data")
        );
        s.cluster.health = vec![
            HealthCheck {
                name: "metadata-store-initialized",
                path: String::new(),
                outcome: Outcome::Pass,
            },
            HealthCheck {
                name: "metadata-store-initialized-with-data",
                path: String::new(),
                outcome: Outcome::Pass,
            },
        ];
        assert_eq!(of(&s, "cluster.metadata-store")[0].0, Severity::Ok);
        s.cluster.health[1].outcome = Outcome::Fail {
            reason: "not initialized".into(),
            body: json!({}),
        };
        assert!(of(&s, "cluster.metadata-store").is_empty());
        let health: Vec<_> = run(&s)
            .into_iter()
            .filter(|f| f.id == "cluster.health" && f.severity != Severity::Ok)
            .collect();
        assert_eq!(health.len(), 1, "{health:?}");
        assert!(
            health[0].remedy.contains("metadata_store_status"),
            "{}",
            health[0].remedy
        );
        // A 3.x broker is not asked.
        let old: crate::rabbitmq::records::Overview =
            serde_json::from_value(json!({"rabbitmq_version": "3.13.7"})).unwrap();
        assert!(
            !crate::rabbitmq::cluster::health_paths(Some(&old))
                .iter()
                .any(|(n, _)| n.starts_with("metadata-store"))
        );
    }

    /// RabbitMQ 4.0.5 answers 404 for the metadata-store checks (seen on a real node): the
    /// store in use comes from the khepri_db feature flag, and a migration under way warns.
    #[test]
    fn on_4_0_the_khepri_flag_names_the_store() {
        let mut s = snapshot();
        s.overview = Some(serde_json::from_value(json!({"rabbitmq_version": "4.0.5"})).unwrap());
        s.cluster.health = [
            "metadata-store-initialized",
            "metadata-store-initialized-with-data",
        ]
        .into_iter()
        .map(|name| HealthCheck {
            name,
            path: String::new(),
            outcome: Outcome::Unsupported,
        })
        .collect();
        let said = |s: &crate::rabbitmq::read::Snapshot| of(s, "cluster.metadata-store");
        assert!(said(&s).is_empty(), "no flag read: nothing to say");
        s.cluster.khepri_db = Some("disabled".into());
        assert!(
            said(&s)[0]
                .2
                .contains("in Mnesia (feature flag khepri_db disabled)")
        );
        s.cluster.khepri_db = Some("enabled".into());
        assert!(
            said(&s)[0]
                .2
                .contains("in Khepri (feature flag khepri_db enabled)")
        );
        s.cluster.khepri_db = Some("state_changing".into());
        let found = said(&s);
        assert_eq!(found[0].0, Severity::Warn);
        assert!(
            found[0]
                .2
                .contains("migrating its metadata from Mnesia to Khepri")
        );
    }
}
