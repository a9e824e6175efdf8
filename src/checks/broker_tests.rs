//! Broker checks on the snapshot recorded from the real broker (tests/fixtures/api), each test
//! changing the one thing a failure changes, so every check is tested without a live RabbitMQ.

use super::testing::{problems, recorded, run};
use super::*;
use crate::broker::model::Rate;

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
    assert_eq!(ids(&p), vec![("broker.alarm.memory", Severity::Crit)]);
    assert_eq!(p[0].2, "rabbit@localhost");
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
        s.nodes[0].fd_used = Some(total * 0.97);
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
        q.messages_unacknowledged = Some(50_000.0);
        let stats = q.message_stats.get_or_insert_with(Default::default);
        stats.redeliver_details = Some(Rate { rate: Some(40.0) });
        stats.deliver_get_details = Some(Rate { rate: Some(50.0) });
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
    let findings = broker_checks(&snap, &t);
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
    snap.gaps.push(crate::broker::gather::Gap {
        what: "queues",
        error: crate::broker::client::ApiError::Timeout {
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
