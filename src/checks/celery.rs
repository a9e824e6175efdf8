//! Celery checks: event queues (TTL, consumers, backlog), worker mailboxes without a consumer,
//! result floods. Event traffic is judged in `events.rs`.

use std::collections::BTreeMap;

use super::shell_word;
use super::{Ctx, level};
use crate::broker::celery::{self, QueueKind};
use crate::broker::model::Queue;
use crate::output::fmt_count;
use crate::report::{Finding, Severity};

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for q in &ctx.snap.queues {
        if celery::is_event_queue(q.name()) {
            event_queue(ctx, q, out);
        } else if let Some(node) = celery::mailbox_node(q.name())
            && q.consumers() == 0.0
        {
            mailbox(q, node, out);
        }
    }
    results(ctx, out);
}

fn policy_command(vhost: &str) -> String {
    format!(
        "celtool fix event-queues --vhost {0} (a policy with message-ttl and expires, merged with the policy in force), or by hand: rabbitmqctl set_policy -p {0} --apply-to queues --priority 10 celeryev '^celeryev\\.' '{{\"message-ttl\":5000,\"expires\":60000}}' after merging in the keys of any policy already applying to these queues (rabbitmqctl list_policies -p {0}); Celery >= 4 consumers set event_queue_ttl / CELERY_EVENT_QUEUE_TTL and event_queue_expires / CELERY_EVENT_QUEUE_EXPIRES",
        shell_word(vhost)
    )
}

fn event_queue(ctx: &Ctx, q: &Queue, out: &mut Vec<Finding>) {
    let ttl = q.message_ttl_ms();
    let expires = q.expires_ms();
    let ready = q.ready();
    let consumers = q.consumers();
    let evidence = |f: Finding| {
        let mut f = f
            .evidence("messages_ready", ready)
            .evidence("consumers", consumers);
        if let Some(t) = ttl {
            f = f.evidence("message_ttl_ms", t);
        }
        if let Some(e) = expires {
            f = f.evidence("expires_ms", e);
        }
        f
    };
    if ttl.is_none() || expires.is_none() {
        let missing = match (ttl, expires) {
            (None, None) => "message TTL or expiry",
            (None, Some(_)) => "message TTL",
            _ => "expiry",
        };
        let severity = if consumers == 0.0 && ready > 0.0 {
            Severity::Crit
        } else {
            Severity::Warn
        };
        let state = if consumers == 0.0 {
            format!("{} message(s) and no consumer", fmt_count(ready))
        } else {
            format!("{} message(s), {consumers} consumer(s)", fmt_count(ready))
        };
        out.push(evidence(
            Finding::new("events.no-ttl", severity, q.subject())
                .summary(format!(
                    "event queue {} has no {missing} (arguments or policy): {state}",
                    q.subject()
                ))
                .remedy(policy_command(q.vhost())),
        ));
        return;
    }
    if consumers == 0.0 {
        out.push(evidence(
            Finding::new("events.no-consumer", Severity::Warn, q.subject())
                .summary(format!(
                    "event queue {} has no consumer and holds {} message(s); it expires {} s after its last use",
                    q.subject(),
                    fmt_count(ready),
                    expires.unwrap_or(0.0) / 1000.0
                ))
                .remedy(format!(
                    "delete it if its consumer is gone: celtool fix stale-event-queues --vhost {0} --yes, or rabbitmqctl delete_queue -p {0} {1}",
                    shell_word(q.vhost()),
                    shell_word(q.name())
                )),
        ));
        return;
    }
    let id = "events.backlog";
    let severity = level(&ctx.thresholds.get(id), ready);
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

fn mailbox(q: &Queue, node: &str, out: &mut Vec<Finding>) {
    out.push(
        Finding::new("celery.mailbox.no-consumer", Severity::Warn, q.subject())
            .summary(format!(
                "worker {node} has a mailbox but nothing consumes it: the worker is gone or hung"
            ))
            .evidence("messages_ready", q.ready())
            .remedy(format!(
                "check the worker {node} on its host and restart it; delete the mailbox of a retired worker: rabbitmqctl delete_queue -p {} {}",
                shell_word(q.vhost()),
                shell_word(q.name())
            )),
    );
}

fn results(ctx: &Ctx, out: &mut Vec<Finding>) {
    let id = "results.flood";
    #[derive(Default)]
    struct Counts {
        per_task: usize,
        per_client: usize,
        messages: f64,
        celeryresults: bool,
    }
    let mut by_vhost: BTreeMap<&str, Counts> = BTreeMap::new();
    for q in &ctx.snap.queues {
        if ctx.kinds.queue_kind(q) != QueueKind::Result {
            continue;
        }
        let c = by_vhost.entry(q.vhost()).or_default();
        if celery::is_task_result_queue(q.name()) {
            c.per_task += 1;
        } else {
            c.per_client += 1;
        }
        c.messages += q.ready() + q.unacked();
    }
    for e in &ctx.snap.exchanges {
        if e.name() == "celeryresults" {
            by_vhost
                .entry(e.vhost.as_deref().unwrap_or("/"))
                .or_default()
                .celeryresults = true;
        }
    }
    for (vhost, c) in by_vhost {
        let total = (c.per_task + c.per_client) as f64;
        let severity = level(&ctx.thresholds.get(id), total);
        if severity == Severity::Ok {
            continue;
        }
        out.push(
            Finding::new(id, severity, vhost)
                .summary(format!(
                    "vhost {vhost} has {} result queues ({} per task, {} per client) holding {} message(s){}",
                    total,
                    c.per_task,
                    c.per_client,
                    fmt_count(c.messages),
                    if c.celeryresults {
                        "; the celeryresults exchange shows the old amqp:// result backend"
                    } else {
                        ""
                    }
                ))
                .evidence("result_queues", total)
                .evidence("per_task_queues", c.per_task as f64)
                .evidence("messages", c.messages)
                .remedy("set task_ignore_result = True (old name CELERY_IGNORE_RESULT) for tasks whose result nobody reads; move results to Redis or a database (result_backend); shorten result_expires (old name CELERY_TASK_RESULT_EXPIRES)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
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
