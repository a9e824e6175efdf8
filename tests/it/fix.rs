//! Fixes against the live broker: plan, dry run, consent, apply, idempotence, undo.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

fn policies(v: &Vhost) -> Value {
    let mut list = api("GET", &["policies", &v.name], None);
    if let Some(a) = list.as_array_mut() {
        a.sort_by_key(|p| p["name"].as_str().unwrap_or("").to_string());
    }
    list
}

fn fix(v: &Vhost, journal: &Path, args: &[&str]) -> Run {
    run(celtool()
        .args(["fix"])
        .args(args)
        .args(["--vhost", &v.name, "--journal"])
        .arg(journal))
}

/// Messages in the queue right now, read without consuming them (not the lagging statistics).
fn peek(v: &Vhost, queue: &str) -> usize {
    api(
        "POST",
        &["queues", &v.name, queue, "get"],
        Some(json!({"count": 100, "ackmode": "reject_requeue_true", "encoding": "auto"})),
    )
    .as_array()
    .map(Vec::len)
    .unwrap_or(0)
}

#[test]
fn event_queue_policy_keeps_the_existing_policy_expires_messages_and_undoes_exactly() {
    let v = Vhost::new("fixev");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    v.policy("limits", ".*", json!({"max-length": 1000}), 0);
    let q = "celeryev.5b1f3c2a-0d4e-4f6a-9b8c-7d6e5f4a3b2c";
    v.declare(q, json!({}));
    wait_for(Duration::from_secs(60), || {
        (api("GET", &["queues", &v.name, q], None)["policy"] == "limits").then_some(())
    })
    .expect("the pre-existing policy never applied");
    let before = policies(&v);

    // Dry run and a run without consent change nothing.
    let r = fix(&v, &journal, &["event-queues", "--ttl", "1s", "--dry-run"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stdout.contains(&format!("1. create policy {}/celtool-celeryev: pattern ^celeryev\\. apply-to queues priority 1 definition {{\"expires\":60000,\"max-length\":1000,\"message-ttl\":1000}}", v.name)), "{}", r.stdout);
    assert!(
        r.stdout.contains("keeps the definition of policy 'limits'"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("dry run: nothing changed"),
        "{}",
        r.stdout
    );
    let r = fix(&v, &journal, &["event-queues", "--ttl", "1s"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(r.stdout.contains("not applied: pass --yes"), "{}", r.stdout);
    assert_eq!(policies(&v), before);
    assert!(!journal.exists());

    // Apply: the old behaviour stays, the TTL is added, the queue shows it when the fix returns.
    let r = fix(&v, &journal, &["event-queues", "--ttl", "1s", "--yes"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.contains("applied 1 change(s) as run "),
        "{}",
        r.stdout
    );
    let queue = api("GET", &["queues", &v.name, q], None);
    assert_eq!(queue["policy"], "celtool-celeryev");
    assert_eq!(
        queue["effective_policy_definition"],
        json!({"max-length": 1000, "message-ttl": 1000, "expires": 60000})
    );
    let after = policies(&v);

    // Messages in the event queue now expire.
    v.publish(q, 3);
    assert_eq!(peek(&v, q), 3);
    let gone = wait_for(Duration::from_secs(60), || (peek(&v, q) == 0).then_some(()));
    assert!(gone.is_some(), "messages did not expire");

    // A second run changes nothing.
    let r = fix(&v, &journal, &["event-queues", "--ttl", "1s", "--yes"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stdout.contains("nothing to change"), "{}", r.stdout);
    assert!(r.stdout.contains("already in place"), "{}", r.stdout);
    assert_eq!(policies(&v), after);
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap().lines().count(),
        1
    );

    // Undo restores the exact previous policies.
    let r = run(celtool().args(["undo", "--yes", "--journal"]).arg(&journal));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout
            .contains(&format!("delete policy {}/celtool-celeryev", v.name)),
        "{}",
        r.stdout
    );
    assert_eq!(policies(&v), before);
    let r = run(celtool().args(["undo", "--yes", "--journal"]).arg(&journal));
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("nothing to undo"), "{r:#?}");
}

#[test]
fn json_plan_and_undo_refuses_when_the_policy_changed_since() {
    let v = Vhost::new("fixjson");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    v.declare("celeryev.one", json!({}));
    let r = fix(&v, &journal, &["event-queues", "--yes", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let doc = r.json();
    assert_eq!(doc["status"], "applied");
    assert_eq!(doc["plan"]["changes"][0]["kind"], "put-policy");
    assert_eq!(
        doc["plan"]["changes"][0]["after"]["definition"],
        json!({"message-ttl": 5000, "expires": 60000})
    );
    let line: Value = serde_json::from_str(
        std::fs::read_to_string(&journal)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (line["run"].as_str(), line["change"]["before"].is_null()),
        (doc["run"].as_str(), true)
    );
    // Someone edits the policy afterwards: undo must not silently throw that away.
    v.policy(
        "celtool-celeryev",
        "^celeryev\\.",
        json!({"message-ttl": 9000}),
        1,
    );
    let r = run(celtool().args(["undo", "--yes", "--journal"]).arg(&journal));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains("has a different definition now"),
        "{r:#?}"
    );
}

#[test]
fn stale_event_queues_are_listed_then_deleted_only_with_yes() {
    let v = Vhost::new("fixstale");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    v.declare("celeryev.stale", json!({}));
    v.publish("celeryev.stale", 2);
    v.declare("celery", json!({}));
    v.wait_ready("celeryev.stale", 2);
    let r = fix(&v, &journal, &["stale-event-queues"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stdout.contains(&format!(
            "1. delete queue {}/celeryev.stale and its 2 message(s) (irreversible)",
            v.name
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("deletes data irreversibly; run again with --yes"),
        "{}",
        r.stdout
    );
    let r = fix(&v, &journal, &["stale-event-queues", "--yes"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let names: Vec<String> = api("GET", &["queues", &v.name], None)
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["celery".to_string()]);
    // Deletions cannot be undone, and undo says so.
    let r = run(celtool().args(["undo", "--yes", "--journal"]).arg(&journal));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.contains("cannot be undone: delete queue"),
        "{}",
        r.stdout
    );
}

#[test]
fn doctor_fix_applies_the_event_queue_policy() {
    let v = Vhost::new("doctorfix");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    v.declare("celeryev.x", json!({}));
    v.doctor_until(|r| r.problems().iter().any(|(id, _, _)| id == "events.no-ttl"));
    let r = run(celtool()
        .args([
            "doctor",
            "--only",
            "broker",
            "--vhost",
            &v.name,
            "--fix",
            "--yes",
            "--journal",
        ])
        .arg(&journal));
    assert!(
        r.stdout.contains("celtool fix event-queues: plan"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("applied 1 change(s)"), "{}", r.stdout);
    let r = v.doctor_until(|r| !r.problems().iter().any(|(id, _, _)| id == "events.no-ttl"));
    assert!(r.problems().iter().all(|(id, _, _)| id != "events.no-ttl"));
}

#[test]
fn two_fixes_at_once_apply_the_change_once() {
    let v = Vhost::new("fixrace");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    v.declare("celeryev.race", json!({}));
    // While another run holds the journal lock, a fix refuses at once and changes nothing.
    let held = celtool::fix::journal::Journal::new(journal.clone())
        .lock()
        .unwrap();
    let r = fix(&v, &journal, &["event-queues", "--yes"]);
    assert_eq!(r.code, 3, "{r:#?}");
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "celtool: error: another celtool fix or undo holds the journal lock {}.lock: run again when it has finished",
            journal.display()
        )
    );
    assert_eq!(policies(&v), json!([]));
    let r = run(celtool().args(["undo", "--yes", "--journal"]).arg(&journal));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("holds the journal lock"), "{r:#?}");
    drop(held);

    let start = || {
        spawn_watched(
            celtool()
                .args([
                    "fix",
                    "event-queues",
                    "--yes",
                    "--vhost",
                    &v.name,
                    "--journal",
                ])
                .arg(&journal),
        )
    };
    let (a, b) = (start(), start());
    let runs: Vec<Run> = [a, b].into_iter().map(Watched::wait).collect();
    let applied = runs
        .iter()
        .filter(|r| r.code == 0 && r.stdout.contains("applied 1 change(s)"))
        .count();
    assert_eq!(applied, 1, "{runs:#?}");
    for r in &runs {
        let ok = r.stdout.contains("applied 1 change(s)")
            || (r.code == 0 && r.stdout.contains("nothing to change"))
            || (r.code == 3
                && r.stderr
                    .contains("another celtool fix or undo holds the journal lock"));
        assert!(ok, "{runs:#?}");
    }
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap().lines().count(),
        1,
        "{runs:#?}"
    );
}
