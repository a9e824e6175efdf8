//! Raise a queue's consumer timeout by policy (`consumer-timeout`, RabbitMQ >= 3.11.15) for the
//! queues of `consumer-timeout.forecast` findings. Only one policy applies to a queue, so the
//! definition of the policy that applies now is merged into the new one, whose priority is set
//! above it (as the event-queue fix does). On an older broker nothing is changed: the plan's note
//! gives the rabbitmq.conf line. A pure plan from the snapshot.

use super::{Change, Plan, PolicySpec};
use crate::checks::consumer_timeout::{Source, effective, policy_key_supported, regex_escape};
use crate::rabbitmq::read::Snapshot;
use crate::rabbitmq::records::Queue;

/// The key of a queue's consumer timeout in a policy definition.
pub const KEY: &str = "consumer-timeout";

/// The policy name for one queue's timeout.
pub fn policy_name(queue: &str) -> String {
    format!("celtool-consumer-timeout-{queue}")
}

/// Plan a timeout of `ms` for each `(queue subject, ms)`; `node_default` is the node's
/// consumer_timeout in seconds (celtool's setting).
pub fn plan(snap: &Snapshot, targets: &[(String, u64)], node_default: f64) -> Plan {
    let mut plan = Plan {
        fix: "consumer-timeout",
        changes: Vec::new(),
        notes: Vec::new(),
        refused: false,
    };
    if !policy_key_supported(snap) {
        if let Some(ms) = targets.iter().map(|t| t.1).max() {
            let version = snap
                .overview
                .as_ref()
                .and_then(|o| o.version())
                .unwrap_or("?");
            plan.notes.push(format!(
                "RabbitMQ {version} has no per-queue consumer timeout (3.11.15+): set consumer_timeout = {ms} in rabbitmq.conf on every node and restart them"
            ));
        }
        return plan;
    }
    for (subject, ms) in targets {
        let Some(q) = snap.queues.iter().find(|q| q.subject() == *subject) else {
            continue;
        };
        queue_change(snap, q, *ms, node_default, &mut plan);
    }
    plan
}

fn queue_change(snap: &Snapshot, q: &Queue, ms: u64, node_default: f64, plan: &mut Plan) {
    let (vhost, name) = (q.vhost(), q.name());
    let (timeout, source) = effective(snap, vhost, name, node_default);
    if timeout * 1000.0 >= ms as f64 {
        return;
    }
    if source == Source::Argument {
        plan.notes.push(format!(
            "queue {} sets x-consumer-timeout itself, which no policy overrides: redeclare it with {ms}",
            q.subject()
        ));
        return;
    }
    let policy = |pname: &str| {
        snap.policies
            .iter()
            .find(|p| p.vhost.as_deref() == Some(vhost) && p.name.as_deref() == Some(pname))
    };
    let own = policy_name(name);
    let current = q.policy.as_deref().map(|p| (p, policy(p)));
    let mut after = match current {
        Some((pname, None)) => {
            plan.notes.push(format!(
                "policy {pname} of {} was not read: nothing planned",
                q.subject()
            ));
            return;
        }
        Some((pname, Some(c))) if pname == own => PolicySpec::from(c),
        Some((pname, Some(c))) => {
            plan.notes.push(format!(
                "policy {pname} applies to {} now: its definition is merged into {own}, one priority above it",
                q.subject()
            ));
            let mut spec = PolicySpec::from(c);
            spec.pattern = format!("^{}$", regex_escape(name));
            spec.apply_to = "queues".into();
            spec.priority += 1;
            spec
        }
        None => PolicySpec {
            pattern: format!("^{}$", regex_escape(name)),
            apply_to: "queues".into(),
            priority: 0,
            definition: serde_json::Map::new(),
        },
    };
    after.definition.insert(KEY.into(), ms.into());
    plan.changes.push(Change::PutPolicy {
        vhost: vhost.into(),
        before: policy(&own).map(PolicySpec::from),
        name: own,
        after,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{queue, snapshot};
    use serde_json::json;

    fn broker(version: &str) -> Snapshot {
        let mut s = snapshot();
        s.overview = Some(serde_json::from_value(json!({"rabbitmq_version": version})).unwrap());
        s.queues = vec![
            queue(json!({"name": "celery", "vhost": "v", "policy": "ha",
                "effective_policy_definition": {"max-length": 10}})),
            queue(json!({"name": "plain", "vhost": "v"})),
        ];
        s.policies = vec![
            serde_json::from_value(json!({"name": "ha", "vhost": "v", "pattern": ".*",
            "apply-to": "all", "priority": 3, "definition": {"max-length": 10}}))
            .unwrap(),
        ];
        s
    }

    #[test]
    fn the_policy_merges_the_one_that_applies_now_and_stands_above_it() {
        let targets = [
            ("v/celery".to_string(), 10_800_000),
            ("v/plain".to_string(), 7_200_000),
        ];
        let plan = plan(&broker("3.12.1"), &targets, 1800.0);
        assert_eq!(plan.changes.len(), 2, "{plan:?}");
        let Change::PutPolicy {
            vhost,
            name,
            before,
            after,
        } = &plan.changes[0]
        else {
            panic!("{plan:?}")
        };
        assert_eq!(
            (vhost.as_str(), name.as_str(), before),
            ("v", "celtool-consumer-timeout-celery", &None)
        );
        assert_eq!(after.pattern, "^celery$");
        assert_eq!((after.apply_to.as_str(), after.priority), ("queues", 4));
        assert_eq!(
            serde_json::Value::Object(after.definition.clone()),
            json!({"max-length": 10, "consumer-timeout": 10_800_000})
        );
        let Change::PutPolicy { after, .. } = &plan.changes[1] else {
            panic!()
        };
        assert_eq!(
            serde_json::Value::Object(after.definition.clone()),
            json!({"consumer-timeout": 7_200_000})
        );
        assert_eq!(after.priority, 0);
        assert!(
            plan.notes[0].starts_with("policy ha applies to v/celery now"),
            "{:?}",
            plan.notes
        );
    }

    #[test]
    fn an_older_broker_gets_the_rabbitmq_conf_line_and_no_change() {
        let plan = plan(
            &broker("3.10.8"),
            &[("v/celery".to_string(), 10_800_000)],
            1800.0,
        );
        assert!(plan.changes.is_empty());
        assert_eq!(
            plan.notes,
            vec![
                "RabbitMQ 3.10.8 has no per-queue consumer timeout (3.11.15+): set consumer_timeout = 10800000 in rabbitmq.conf on every node and restart them"
            ]
        );
    }
}
