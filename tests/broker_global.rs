//! Tests that change node-wide settings (the memory high watermark, so the memory alarm) and
//! what celtool says then. Each test starts a PRIVATE one-node RabbitMQ of its own
//! (tests/cluster/harness.rs: its own node name, ports, data directory and Erlang cookie) and the
//! node dies with its process group when the test ends, also when it fails; the watermark is
//! restored by a guard before that. The machine's own node (5672/15672) is never changed: a
//! memory alarm there blocks every publisher on the machine.
//!
//! Run alone: `cargo test --test broker_global` (one test: add its name).

#[path = "cluster/harness.rs"]
mod harness;

use std::time::Duration;

use harness::{Cluster, celtool, run, wait_for};
use serde_json::Value;

/// How long a node takes to show (or drop) an alarm on a busy 2-core machine; waits return as
/// soon as the condition holds.
const SLOW: Duration = Duration::from_secs(300);

/// Lowers node 1's memory high watermark so far below what it uses that the memory alarm trips
/// at once; restores the watermark it found when dropped, also when the test fails.
struct MemoryAlarm<'a> {
    cluster: &'a Cluster,
    previous: String,
}

impl<'a> MemoryAlarm<'a> {
    fn raise(cluster: &'a Cluster) -> MemoryAlarm<'a> {
        let previous = cluster
            .ctl(
                0,
                &[
                    "-q",
                    "eval",
                    "vm_memory_monitor:get_vm_memory_high_watermark().",
                ],
            )
            .trim()
            .to_string();
        let guard = MemoryAlarm { cluster, previous };
        cluster.ctl(0, &["set_vm_memory_high_watermark", "0.0001"]);
        guard
    }
}

impl Drop for MemoryAlarm<'_> {
    fn drop(&mut self) {
        // `{absolute,N}` when an absolute limit was configured, else a fraction.
        let p = self.previous.as_str();
        let args: Vec<&str> = match p
            .strip_prefix("{absolute,")
            .and_then(|r| r.strip_suffix('}'))
        {
            Some(n) => vec!["set_vm_memory_high_watermark", "absolute", n],
            None => vec!["set_vm_memory_high_watermark", p],
        };
        // No panic in a drop (it may run while a failed assertion unwinds); the node is killed
        // right after anyway.
        if let Err(e) = self.cluster.try_ctl(0, &args) {
            eprintln!("could not restore the private node's watermark: {e}");
        }
    }
}

fn finding<'a>(json: &'a Value, id: &str) -> Option<&'a Value> {
    json["findings"].as_array()?.iter().find(|f| f["id"] == id)
}

fn has(json: &Value, id: &str, severity: &str) -> Option<String> {
    finding(json, id)
        .filter(|f| f["severity"] == severity)
        .map(|f| f["subject"].as_str().unwrap_or("").to_string())
}

#[test]
fn memory_alarm_is_critical_and_clears_after_restore() {
    let c = Cluster::start(1);
    let node = c.nodes[0].name.clone();
    let doctor_json = || {
        let r = run(celtool().args([
            "doctor",
            "--only",
            "broker",
            "--no-workers",
            "--format",
            "json",
            "--url",
            &c.nodes[0].url(),
        ]));
        let json = r.json();
        (r.code, json)
    };
    {
        let _alarm = MemoryAlarm::raise(&c);
        let seen = wait_for(SLOW, || {
            let (code, json) = doctor_json();
            has(&json, "broker.alarm.memory", "crit").map(|subject| (code, subject, json))
        });
        let (code, subject, json) = seen.expect("doctor never reported the memory alarm");
        assert_eq!((code, subject.as_str()), (2, node.as_str()), "{json:#}");
        let f = finding(&json, "broker.alarm.memory").unwrap();
        assert!(
            f["summary"]
                .as_str()
                .unwrap()
                .contains("publishers are blocked cluster-wide"),
            "{f:#}"
        );
        assert!(f["evidence"]["mem_used_bytes"].as_f64().unwrap() > 0.0);
        // The headroom says it as an alarm with both figures, critical (not "uses 263424%").
        let h = finding(&json, "broker.memory.headroom").unwrap();
        assert_eq!(h["severity"], "crit", "{h:#}");
        let summary = h["summary"].as_str().unwrap();
        assert!(summary.starts_with("memory alarm: "), "{h:#}");
        assert!(summary.contains("(vm_memory_high_watermark)"), "{h:#}");
        // One naming: the version finding names the node as the node findings do.
        assert_eq!(
            has(&json, "broker.version", "ok"),
            Some(node.clone()),
            "{json:#}"
        );
    }
    let cleared = wait_for(SLOW, || {
        let (_, json) = doctor_json();
        has(&json, "broker.alarm.memory", "crit")
            .is_none()
            .then_some(())
    });
    assert!(
        cleared.is_some(),
        "the memory alarm did not clear after the watermark was restored"
    );
}
