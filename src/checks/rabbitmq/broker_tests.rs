//! Broker checks on the snapshot recorded from the real broker (tests/fixtures/api), each test
//! changing the one thing a failure changes, so every check is tested without a live RabbitMQ.

use super::testing::{problems, recorded, run};
use super::*;
use crate::rabbitmq::records::{Obj, Rate};

/// The problems a changed recording gives, beside the five the recording always has.
fn new_problems(change: impl FnOnce(&mut Snapshot)) -> Vec<(&'static str, Severity, String)> {
    let base = problems(&run(&recorded("celery")));
    let mut snap = recorded("celery");
    change(&mut snap);
    let findings = run(&snap);
    problems(&findings)
        .into_iter()
        .filter(|p| !base.contains(p))
        .collect()
}

fn ids(v: &[(&'static str, Severity, String)]) -> Vec<(&'static str, Severity)> {
    v.iter().map(|(id, s, _)| (*id, *s)).collect()
}

#[test]
fn a_memory_alarm_is_critical() {
    let p = new_problems(|s| s.nodes[0].mem_alarm = Some(true));
    assert_eq!(
        ids(&p),
        vec![
            ("broker.alarm.memory", Severity::Crit),
            ("broker.memory.headroom", Severity::Crit)
        ]
    );
    assert_eq!(p[0].2, "rabbit@localhost");
}

/// The alarm the memory-alarm test trips (tests/broker_global.rs): a watermark of a few MiB
/// under a node using gigabytes. Said as an alarm with both figures, never "uses 263424%".
#[test]
fn a_tripped_watermark_is_said_as_an_alarm_with_its_biggest_users() {
    let mut snap = recorded("celery");
    snap.nodes[0].mem_alarm = Some(true);
    snap.nodes[0].mem_used = Some(6.2 * 1024.0 * 1024.0 * 1024.0);
    snap.nodes[0].mem_limit = Some(2.4 * 1024.0 * 1024.0);
    let findings = run(&snap);
    let f = findings
        .iter()
        .find(|f| f.id == "broker.memory.headroom")
        .unwrap();
    assert_eq!(f.severity, Severity::Crit);
    assert!(
        f.summary
            .starts_with("memory alarm: 6.2 GiB used, limit 2.4 MiB (vm_memory_high_watermark)"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("biggest: "), "{}", f.summary);
    assert!(
        !f.summary.contains('%') || f.summary.contains("biggest"),
        "{}",
        f.summary
    );
    assert!(
        f.remedy.contains("vm_memory_high_watermark"),
        "{}",
        f.remedy
    );
}

#[test]
fn the_version_is_named_by_the_node_like_the_node_findings() {
    let f = run(&recorded("celery"));
    let v = f.iter().find(|f| f.id == "broker.version").unwrap();
    assert_eq!(v.subject, "rabbit@localhost");
}

#[test]
fn basic_rates_mode_is_never_recommended_when_in_force() {
    let mut snap = recorded("celery");
    let m = snap.node_memory[0].1.memory.as_mut().unwrap();
    let total = m.total().unwrap();
    m.mgmt_db = Some(total * 0.3);
    m.metrics = Some(total * 0.1);
    snap.overview.as_mut().unwrap().rates_mode = Some("basic".into());
    let findings = run(&snap);
    let f = findings
        .iter()
        .find(|f| f.id == "broker.mgmt.memory")
        .unwrap();
    assert_ne!(f.severity, Severity::Ok);
    assert!(!f.remedy.contains("rates_mode = basic"), "{}", f.remedy);
    assert!(f.remedy.contains("already basic"), "{}", f.remedy);
    assert!(f.summary.contains("biggest: "), "{}", f.summary);
    assert!(
        f.summary.contains("management (mgmt_db+metrics)"),
        "{}",
        f.summary
    );
    snap.overview.as_mut().unwrap().rates_mode = Some("detailed".into());
    let f = run(&snap)
        .into_iter()
        .find(|f| f.id == "broker.mgmt.memory")
        .unwrap();
    assert!(f.remedy.contains("rates_mode = basic"), "{}", f.remedy);
}

#[test]
fn a_node_without_limits_is_unknown_but_statistics_off_is_not() {
    let p = new_problems(|s| {
        s.nodes[0].mem_limit = Some(0.0);
        s.nodes[0].fd_total = None;
    });
    assert_eq!(
        ids(&p),
        vec![("broker.api.value", Severity::Unknown)],
        "{p:?}"
    );
    let p = new_problems(|s| {
        let n = &mut s.nodes[0];
        (n.mem_used, n.mem_limit, n.fd_used, n.fd_total) = (None, None, None, None);
        (n.proc_used, n.proc_total, n.disk_free, n.disk_free_limit) = (None, None, None, None);
    });
    assert_eq!(ids(&p), vec![], "{p:?}");
}

#[test]
fn empty_proplists_in_the_recorded_consumers_fail_nothing() {
    // What a real worker shutting down produced: "channel_details": [].
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api/celery.json");
    let text = std::fs::read_to_string(path).unwrap();
    let bodies: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (_, consumers) = bodies
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("/api/consumers"))
        .unwrap();
    let mut consumers = consumers.clone();
    consumers[0]["channel_details"] = serde_json::json!([]);
    let l: crate::rabbitmq::records::Listing<crate::rabbitmq::records::Consumer> =
        serde_json::from_value(consumers.clone()).unwrap();
    assert_eq!(l.skipped, 0);
    assert_eq!(l.items.len(), consumers.as_array().unwrap().len());
    assert_eq!(l.items[0].connection_name(), "");
}

#[test]
fn a_disk_alarm_is_critical() {
    let p = new_problems(|s| s.nodes[0].disk_free_alarm = Some(true));
    assert!(
        ids(&p).contains(&("broker.alarm.disk", Severity::Crit)),
        "{p:?}"
    );
}

#[test]
fn a_stopped_node_is_critical() {
    let p = new_problems(|s| s.nodes[0].running = Some(false));
    assert!(
        ids(&p).contains(&("broker.node.down", Severity::Crit)),
        "{p:?}"
    );
}

#[test]
fn file_descriptors_near_the_limit() {
    let p = new_problems(|s| {
        let total = s.nodes[0].fd_total.unwrap();
        s.nodes[0].fd_used = Some((total * 0.97).floor());
    });
    assert!(
        ids(&p).contains(&("broker.fd.headroom", Severity::Crit)),
        "{p:?}"
    );
}

#[test]
fn memory_near_the_watermark_warns_before_the_alarm() {
    let p = new_problems(|s| {
        let limit = s.nodes[0].mem_limit.unwrap();
        s.nodes[0].mem_used = Some(limit * 0.85);
    });
    assert_eq!(
        ids(&p),
        vec![("broker.memory.headroom", Severity::Warn)],
        "{p:?}"
    );
}

#[test]
fn blocked_publishers_are_critical_and_named() {
    let p = new_problems(|s| s.connections[0].state = Some("blocked".into()));
    assert!(
        ids(&p).contains(&("broker.connections.blocked", Severity::Crit)),
        "{p:?}"
    );
}

#[test]
fn connections_without_heartbeat_warn() {
    let p = new_problems(|s| {
        for c in &mut s.connections {
            c.timeout = Some(0.0);
        }
    });
    assert!(
        ids(&p).contains(&("broker.connections.heartbeat", Severity::Warn)),
        "{p:?}"
    );
}

#[test]
fn a_queue_that_is_down_is_reported() {
    let p = new_problems(|s| {
        let q = s.queues.iter_mut().find(|q| q.name() == "celery").unwrap();
        q.state = Some("down".into());
    });
    assert!(
        p.iter()
            .any(|(id, _, subj)| *id == "broker.queue.state" && subj.ends_with("/celery")),
        "{p:?}"
    );
}

#[test]
fn unacked_piling_up_and_redeliveries() {
    let p = new_problems(|s| {
        let q = s.queues.iter_mut().find(|q| q.name() == "celery").unwrap();
        q.messages_unacknowledged = Some(50_000.0).into();
        let stats = q.message_stats.get_or_insert_with(Default::default);
        stats.redeliver_details = Obj::Object(Rate { rate: Some(40.0) });
        stats.deliver_get_details = Obj::Object(Rate { rate: Some(50.0) });
    });
    let found = ids(&p);
    assert!(found.iter().any(|(id, _)| *id == "queues.unacked"), "{p:?}");
    assert!(
        found.iter().any(|(id, _)| *id == "queues.redeliveries"),
        "{p:?}"
    );
}

#[test]
fn the_management_plugin_holding_much_memory_warns() {
    let p = new_problems(|s| {
        let m = s.node_memory[0].1.memory.as_mut().unwrap();
        let total = m
            .total
            .as_ref()
            .and_then(|t| t.allocated.or(t.rss))
            .unwrap();
        m.mgmt_db = Some(total * 0.3);
        m.metrics = Some(total * 0.1);
    });
    assert!(
        ids(&p)
            .iter()
            .any(|(id, s)| *id == "broker.mgmt.memory" && *s != Severity::Ok),
        "{p:?}"
    );
}

#[test]
fn thresholds_from_the_config_change_the_verdict() {
    let snap = recorded("celery");
    let mut t = Thresholds::default();
    t.set("results.flood", Some(1000.0), None);
    let findings = broker_checks(&snap, &t, None);
    assert!(
        problems(&findings)
            .iter()
            .all(|(id, _, _)| *id != "results.flood"),
        "{:?}",
        problems(&findings)
    );
}

#[test]
fn a_gap_is_an_unknown_finding_and_the_rest_still_runs() {
    let mut snap = recorded("celery");
    snap.gaps.push(crate::rabbitmq::read::Gap {
        what: "queues",
        error: crate::rabbitmq::client::ApiError::Timeout {
            url: "http://h/api/queues".into(),
            secs: 10,
        },
    });
    let found = problems(&run(&snap));
    assert!(
        found.contains(&("broker.api", Severity::Unknown, "queues".into())),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(id, _, _)| *id == "events.no-ttl"),
        "{found:?}"
    );
}

#[test]
fn unacked_messages_of_a_queue_without_a_consumer_count_say_so() {
    let mut snap = recorded("celery");
    let q = snap
        .queues
        .iter_mut()
        .find(|q| q.name() == "celery")
        .unwrap();
    q.messages_unacknowledged = Some(50_000.0).into();
    q.consumers = None.into();
    let findings = run(&snap);
    let f = findings.iter().find(|f| f.id == "queues.unacked").unwrap();
    assert!(
        f.summary
            .ends_with("held by an unknown number of consumers"),
        "{}",
        f.summary
    );
    assert!(!f.evidence.contains_key("consumers"), "{:?}", f.evidence);
    // Without the unacknowledged count there is nothing to judge: no finding, never a 0.
    let q = snap
        .queues
        .iter_mut()
        .find(|q| q.name() == "celery")
        .unwrap();
    q.messages_unacknowledged = None.into();
    let findings = run(&snap);
    assert!(!findings.iter().any(|f| f.id == "queues.unacked"));
}

#[test]
fn the_recorded_fleet_gets_a_fan_out_forecast_against_the_link_given() {
    let snap = recorded("celery");
    let fan = |link: Option<&(f64, String)>| {
        broker_checks(&snap, &Thresholds::default(), link)
            .into_iter()
            .find(|f| f.id == "rabbitmq.events.fanout" && f.subject == "celtool-fixture")
            .expect("a forecast for the vhost with workers")
    };
    let unknown = fan(None);
    assert_eq!(unknown.severity, Severity::Ok);
    assert!(
        unknown.summary.contains("set CELTOOL_RABBITMQ_LINK_MBIT"),
        "{unknown:?}"
    );
    assert_eq!(unknown.evidence["worker_nodes"], 2.0);
    let gigabit = fan(Some(&(125e6, "test".into())));
    assert_eq!(gigabit.severity, Severity::Ok);
    assert!(
        gigabit.evidence["saturating_worker_nodes"] > 100.0,
        "{gigabit:?}"
    );
    // The same vhost on a link its output fills.
    let output = gigabit.evidence["output_bytes_per_second"];
    assert!(output > 0.0, "{gigabit:?}");
    let tight = fan(Some(&(output, "test".into())));
    assert_eq!(tight.severity, Severity::Crit, "{tight:?}");
}
