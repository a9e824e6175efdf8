//! Event queues (TTL and expiry, consumers, backlog) and worker mailboxes without a consumer,
//! on the broker-neutral model. Event queues exist where events are routed into queues
//! (RabbitMQ); on pub/sub (Redis) no list holds events, and the fan-out is judged by the Redis
//! checks from the broker's output. A mailbox is judged only where the broker counts its
//! consumers.

use std::fmt::Write;
use std::sync::Arc;

use crate::celery_model::{EventTransport, Fleet, Kind, Queue};
use crate::checks::{level, shell_word};
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::fmt_count;

pub fn check(fleet: &Fleet, thresholds: &Thresholds, out: &mut Vec<Finding>) {
    let mut command = PolicyCommand::default();
    for q in &fleet.queues {
        match q.kind {
            Kind::Event if fleet.event_transport == EventTransport::Queues => {
                event_queue(q, thresholds, &mut command, out)
            }
            Kind::Mailbox if q.consumers == Some(0) => mailbox(q, out),
            _ => {}
        }
    }
}

/// The policy command of the last vhost asked for, made once and shared by its findings: a
/// vhost with 10 000 event queues without a TTL would otherwise hold 10 000 copies (5 MB).
#[derive(Default)]
struct PolicyCommand(Option<(String, Arc<str>)>);

impl PolicyCommand {
    fn of(&mut self, vhost: &str) -> Arc<str> {
        match &self.0 {
            Some((v, text)) if v == vhost => Arc::clone(text),
            _ => {
                let text: Arc<str> = policy_command(vhost).into();
                self.0 = Some((vhost.to_string(), Arc::clone(&text)));
                text
            }
        }
    }
}

fn policy_command(vhost: &str) -> String {
    format!(
        "celtool fix event-queues --vhost {0} (a policy with message-ttl and expires, merged with the policy in force), or by hand: rabbitmqctl set_policy -p {0} --apply-to queues --priority 10 celeryev '^celeryev\\.' '{{\"message-ttl\":5000,\"expires\":60000}}' after merging in the keys of any policy already applying to these queues (rabbitmqctl list_policies -p {0}); Celery >= 4 consumers set event_queue_ttl / CELERY_EVENT_QUEUE_TTL and event_queue_expires / CELERY_EVENT_QUEUE_EXPIRES",
        shell_word(vhost)
    )
}

/// An event queue without a message TTL or an expiry: critical when it holds messages nobody
/// consumes.
fn no_ttl(
    q: &Queue,
    ttl: Option<f64>,
    ready: Option<f64>,
    consumers: Option<f64>,
    command: &mut PolicyCommand,
) -> Finding {
    let missing = match (ttl, q.expires_ms) {
        (None, None) => "message TTL or expiry",
        (None, Some(_)) => "message TTL",
        _ => "expiry",
    };
    let severity = if consumers == Some(0.0) && ready.is_some_and(|r| r > 0.0) {
        Severity::Crit
    } else {
        Severity::Warn
    };
    // One text, written in place: thousands of event queues can each have this finding.
    let subject = q.subject();
    let mut summary = String::with_capacity(subject.len() + 96);
    let _ = write!(
        summary,
        "event queue {subject} has no {missing} (arguments or policy): "
    );
    match ready {
        Some(r) => {
            let _ = write!(summary, "{} message(s)", fmt_count(r));
        }
        None => summary.push_str("message count unknown"),
    }
    match consumers {
        Some(0.0) if ready.is_some() => summary.push_str(" and no consumer"),
        Some(0.0) => summary.push_str(", no consumer"),
        Some(c) => {
            let _ = write!(summary, ", {c} consumer(s)");
        }
        None => summary.push_str(", consumers unknown"),
    }
    Finding::new("events.no-ttl", severity, subject)
        .summary(summary)
        .remedy(command.of(&q.scope))
}

fn event_queue(
    q: &Queue,
    thresholds: &Thresholds,
    command: &mut PolicyCommand,
    out: &mut Vec<Finding>,
) {
    let ttl = q.message_ttl_ms.map(|t| t as f64);
    let expires = q.expires_ms.map(|e| e as f64);
    // Event queues live where consumers are counted per queue (EventTransport::Queues); a
    // record without a count leaves it unknown (the sanity check names it), never 0.
    let ready = q.ready.map(|r| r as f64);
    let consumers = q.consumers.map(|c| c as f64);
    let evidence = |f: Finding| {
        let mut f = f;
        if let Some(r) = ready {
            f = f.evidence("messages_ready", r);
        }
        if let Some(c) = consumers {
            f = f.evidence("consumers", c);
        }
        if let Some(t) = ttl {
            f = f.evidence("message_ttl_ms", t);
        }
        if let Some(e) = expires {
            f = f.evidence("expires_ms", e);
        }
        f
    };
    if ttl.is_none() || expires.is_none() {
        out.push(evidence(no_ttl(q, ttl, ready, consumers, command)));
        return;
    }
    let Some(consumers) = consumers else { return };
    if consumers == 0.0 {
        let holds = match ready {
            Some(r) => format!("{} message(s)", fmt_count(r)),
            None => "an unknown number of message(s)".to_string(),
        };
        let subject = q.subject();
        let summary = format!(
            "event queue {subject} has no consumer and holds {holds}; it expires {} s after its last use",
            expires.unwrap_or(0.0) / 1000.0
        );
        out.push(evidence(
            Finding::new("events.no-consumer", Severity::Warn, subject)
                .summary(summary)
                .remedy(format!(
                    "delete it if its consumer is gone: celtool fix stale-event-queues --vhost {0} --yes, or rabbitmqctl delete_queue -p {0} {1}",
                    shell_word(&q.scope),
                    shell_word(&q.name)
                )),
        ));
        return;
    }
    let id = "events.backlog";
    let Some(ready) = ready else { return };
    let severity = level(&thresholds.get(id), ready);
    if severity != Severity::Ok {
        out.push(evidence(
            Finding::new(id, severity, q.subject())
                .summary(format!(
                    "event queue {} holds {} messages: its consumer cannot keep up",
                    q.subject(),
                    fmt_count(ready)
                ))
                .remedy("turn off task events where nothing needs them (worker_send_task_events = False, old name CELERY_SEND_EVENTS; no -E)"),
        ));
    }
}

/// A worker's mailbox nobody consumes. Only RabbitMQ counts a mailbox's consumers (a Redis
/// mailbox is a pub/sub channel: its `consumers` is `None`), so the remedy speaks rabbitmqctl.
fn mailbox(q: &Queue, out: &mut Vec<Finding>) {
    let node = q.name.strip_suffix(".celery.pidbox").unwrap_or(&q.name);
    let mut f = Finding::new("celery.mailbox.no-consumer", Severity::Warn, q.subject()).summary(
        format!("worker {node} has a mailbox but nothing consumes it: the worker is gone or hung"),
    );
    if let Some(r) = q.ready {
        f = f.evidence("messages_ready", r as f64);
    }
    out.push(
        f.remedy(format!(
                "check the worker {node} on its host and restart it; delete the mailbox of a retired worker: rabbitmqctl delete_queue -p {} {}",
                shell_word(&q.scope),
                shell_word(&q.name)
            )),
    );
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::*;
    use crate::report::Severity;
    use serde_json::json;

    #[test]
    fn event_queues_without_ttl_by_arguments_or_policy() {
        let mut snap = snapshot();
        snap.queues = vec![
            // no TTL, messages, no consumer: critical
            queue(
                json!({"name": "celeryev.a", "vhost": "v", "messages_ready": 10, "consumers": 0}),
            ),
            // no TTL, empty: warning
            queue(json!({"name": "celeryev.b", "vhost": "v", "messages_ready": 0, "consumers": 0})),
            // TTL and expiry from the effective policy: fine
            queue(json!({"name": "celeryev.c", "vhost": "v", "consumers": 1,
                "effective_policy_definition": {"message-ttl": 5000, "expires": 60000}})),
            // arguments as Celery >= 4 sets them, but no consumer
            queue(
                json!({"name": "celeryev.d", "vhost": "v", "consumers": 0, "messages_ready": 3,
                "arguments": {"x-message-ttl": 5000, "x-expires": 60000}}),
            ),
            // TTL only: still missing an expiry
            queue(json!({"name": "celeryev.e", "vhost": "v", "consumers": 1,
                "arguments": {"x-message-ttl": 5000}})),
            // consumed but behind
            queue(
                json!({"name": "celeryev.f", "vhost": "v", "consumers": 1, "messages_ready": 5000,
                "arguments": {"x-message-ttl": 5000, "x-expires": 60000}}),
            ),
        ];
        assert_eq!(
            problems(&run(&snap)),
            vec![
                ("events.backlog", Severity::Warn, "v/celeryev.f".into()),
                ("events.no-consumer", Severity::Warn, "v/celeryev.d".into()),
                ("events.no-ttl", Severity::Crit, "v/celeryev.a".into()),
                ("events.no-ttl", Severity::Warn, "v/celeryev.b".into()),
                ("events.no-ttl", Severity::Warn, "v/celeryev.e".into()),
            ]
        );
        let f = run(&snap)
            .into_iter()
            .find(|f| f.subject == "v/celeryev.a")
            .unwrap();
        assert!(
            f.remedy.contains("rabbitmqctl set_policy -p v"),
            "{}",
            f.remedy
        );
        assert!(!f.remedy.contains("pickle"));
    }

    #[test]
    fn mailboxes_without_consumer_and_result_floods() {
        let mut snap = snapshot();
        snap.queues = vec![
            queue(json!({"name": "w1@host.celery.pidbox", "vhost": "v", "consumers": 0})),
            queue(json!({"name": "w2@host.celery.pidbox", "vhost": "v", "consumers": 1})),
            queue(json!({"name": "abc.reply.celery.pidbox", "vhost": "v", "consumers": 0})),
        ];
        for i in 0..150 {
            snap.queues.push(queue(
                json!({"name": format!("{i:032x}"), "vhost": "r", "messages_ready": 1}),
            ));
        }
        snap.exchanges =
            vec![serde_json::from_value(json!({"name": "celeryresults", "vhost": "r"})).unwrap()];
        let findings = run(&snap);
        assert_eq!(
            problems(&findings),
            vec![
                (
                    "celery.mailbox.no-consumer",
                    Severity::Warn,
                    "v/w1@host.celery.pidbox".into()
                ),
                ("results.flood", Severity::Warn, "r".into()),
            ]
        );
        let flood = findings.iter().find(|f| f.id == "results.flood").unwrap();
        assert_eq!(flood.evidence["per_task_queues"], 150.0);
        assert!(flood.summary.contains("celeryresults"));
    }
}
