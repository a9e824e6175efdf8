//! The broker under load: a publisher floods a queue nobody consumes while doctor runs over and
//! over; every run must finish, and report the backlog once the statistics show it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

/// How long the publisher floods, and the most messages it sends in that time.
const FLOOD: Duration = Duration::from_secs(15);
const MAX_MESSAGES: u64 = 200_000;
const PUBLISHERS: usize = 4;

/// The ready count doctor reported for `subject`, if it reported the queue.
fn reported_ready(doc: &Value, subject: &str) -> Option<f64> {
    doc["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == "queues.no-consumers" && f["subject"] == subject)?["evidence"]
        ["messages_ready"]
        .as_f64()
}

#[test]
fn doctor_completes_and_reports_the_backlog_while_a_publisher_floods_a_queue() {
    let v = Vhost::new("load");
    let queue = "tasks";
    v.declare(queue, json!({}));
    let subject = v.subject(queue);

    let stop = Arc::new(AtomicBool::new(false));
    let published = Arc::new(AtomicU64::new(0));
    // Several publishers: each waits for one HTTP publish at a time, which alone is slow.
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|_| {
            let (stop, published, vhost) =
                (Arc::clone(&stop), Arc::clone(&published), v.name.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let payload = "x".repeat(1024);
                while !stop.load(Ordering::SeqCst)
                    && started.elapsed() < FLOOD
                    && published.load(Ordering::SeqCst) < MAX_MESSAGES
                {
                    let r = api(
                        "POST",
                        &["exchanges", &vhost, "amq.default", "publish"],
                        Some(
                            json!({"properties": {}, "routing_key": queue, "payload": payload,
                            "payload_encoding": "string"}),
                        ),
                    );
                    assert_eq!(r["routed"], true, "message not routed");
                    published.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();

    let started = Instant::now();
    let mut runs = 0;
    let mut last_ready = 0.0;
    let mut crit_during_load = false;
    while started.elapsed() < FLOOD && !publishers.iter().all(|p| p.is_finished()) {
        // The node-wide IDs skipped: the exit code speaks for this vhost's queue, not for what
        // other users of the shared broker do to the node (see NODE_WIDE).
        let r = run(celtool()
            .args([
                "doctor",
                "--only",
                "broker",
                "--vhost",
                &v.name,
                "--format",
                "json",
                "--timeout",
                "30s",
            ])
            .args(skip_node_wide()));
        runs += 1;
        assert!(!r.stderr.contains("panicked"), "{r:#?}");
        let doc = r.json();
        assert_eq!(doc["exit_code"], r.code, "{r:#?}");
        // This vhost's problems, and any failure to read it.
        let ours = r.vhost_problems(&v.name);
        match reported_ready(&doc, &subject) {
            // Before the statistics show a message (they lag by up to 5 s), nothing to report.
            None => assert_eq!((r.code, ours), (0, vec![]), "{r:#?}"),
            Some(ready) => {
                assert_eq!(
                    (r.code, ours),
                    (2, vec![p("queues.no-consumers", "crit", &subject)]),
                    "{r:#?}"
                );
                // Nothing consumes, so the backlog only grows, and never past what was sent.
                assert!(
                    ready >= last_ready,
                    "ready fell from {last_ready} to {ready}"
                );
                assert!(
                    ready <= published.load(Ordering::SeqCst) as f64,
                    "{ready} ready of {} published",
                    published.load(Ordering::SeqCst)
                );
                last_ready = ready;
                crit_during_load = true;
            }
        }
    }
    stop.store(true, Ordering::SeqCst);
    for publisher in publishers {
        publisher.join().expect("a publisher failed");
    }
    let sent = published.load(Ordering::SeqCst);
    eprintln!("{runs} doctor runs during the flood; {sent} messages published");
    assert!(runs >= 3, "only {runs} doctor runs in {FLOOD:?}");
    assert!(sent > 100, "only {sent} messages published");
    assert!(
        crit_during_load,
        "{runs} doctor runs during the flood never reported {subject} (last ready {last_ready}, {sent} sent)"
    );
    // Once the statistics catch up, the report shows every message sent.
    let r = v.doctor_until(|r| reported_ready(&r.json(), &subject) == Some(sent as f64));
    assert_eq!(r.code, 2, "{r:#?}");
}
