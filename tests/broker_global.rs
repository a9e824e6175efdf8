//! Tests that change broker-wide settings (the memory watermark). They live in their own test
//! binary, which `cargo test` runs after the `it` binary, never alongside it, and they always
//! restore what they changed, even when an assertion fails.

use std::process::Command;
use std::time::Duration;

#[path = "common/run.rs"]
mod run;
use run::{celtool, run};
#[path = "common/wait.rs"]
mod wait;
use wait::wait_for;

fn rabbitmqctl(args: &[&str]) -> String {
    let out = Command::new("rabbitmqctl")
        .arg("-q")
        .args(args)
        .output()
        .expect("run rabbitmqctl");
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Restores the memory high watermark it found when dropped.
struct Watermark {
    previous: String,
}

impl Watermark {
    fn lower_to_trip_the_alarm() -> Watermark {
        let previous = rabbitmqctl(&["eval", "vm_memory_monitor:get_vm_memory_high_watermark()."]);
        let guard = Watermark { previous };
        // A watermark far below what the node uses trips the memory alarm at once.
        rabbitmqctl(&["set_vm_memory_high_watermark", "0.0001"]);
        guard
    }
}

impl Drop for Watermark {
    fn drop(&mut self) {
        // `{absolute,N}` when an absolute limit was configured, else a fraction.
        let p = self.previous.trim();
        let args: Vec<String> = match p
            .strip_prefix("{absolute,")
            .and_then(|r| r.strip_suffix('}'))
        {
            Some(n) => vec![
                "set_vm_memory_high_watermark".into(),
                "absolute".into(),
                n.into(),
            ],
            None => vec!["set_vm_memory_high_watermark".into(), p.into()],
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        rabbitmqctl(&args);
    }
}

fn doctor_json() -> (i32, serde_json::Value) {
    let r = run(celtool().args(["doctor", "--only", "broker", "--format", "json"]));
    (r.code, r.json())
}

fn has(json: &serde_json::Value, id: &str, severity: &str) -> Option<String> {
    json["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == id && f["severity"] == severity)
        .map(|f| f["subject"].as_str().unwrap_or("").to_string())
}

#[test]
fn memory_alarm_is_critical_and_clears_after_restore() {
    let node = rabbitmqctl(&["eval", "node()."])
        .trim_matches('\'')
        .to_string();
    {
        let _restore = Watermark::lower_to_trip_the_alarm();
        let seen = wait_for(Duration::from_secs(90), || {
            let (code, json) = doctor_json();
            has(&json, "broker.alarm.memory", "crit").map(|subject| (code, subject, json))
        });
        let (code, subject, json) = seen.expect("doctor never reported the memory alarm");
        assert_eq!((code, subject.as_str()), (2, node.as_str()), "{json:#}");
        let f = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "broker.alarm.memory")
            .unwrap();
        assert!(
            f["summary"]
                .as_str()
                .unwrap()
                .contains("publishers are blocked cluster-wide")
        );
        assert!(f["evidence"]["mem_used_bytes"].as_f64().unwrap() > 0.0);
        // The headroom says it as an alarm with both figures, critical (not "uses 263424%").
        let h = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "broker.memory.headroom")
            .unwrap();
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
    let cleared = wait_for(Duration::from_secs(90), || {
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
