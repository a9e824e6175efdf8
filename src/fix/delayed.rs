//! Restore Celery's native delayed-delivery bindings (`delayed.binding`): the hops missing from
//! `celery_delayed_delivery` to the quorum queues the workers consume, declared as the worker
//! declares them at start-up (kombu's `bind_queue_to_native_delayed_delivery_exchange`). A pure
//! plan from the broker snapshot and the workers' answers; undo deletes what it bound.

use super::{BindingSpec, Change, Plan};
use crate::rabbitmq::read::Snapshot;
use crate::workers::FleetSnapshot;

pub fn plan(fleet: &FleetSnapshot, snap: &Snapshot) -> Plan {
    let mut plan = Plan {
        fix: "delayed-bindings",
        changes: Vec::new(),
        notes: Vec::new(),
        refused: false,
    };
    for v in &fleet.vhosts {
        for hop in crate::checks::delayed::missing_hops(v, snap) {
            plan.changes.push(Change::Bind(BindingSpec {
                vhost: hop.vhost,
                source: hop.source,
                destination: hop.destination,
                destination_type: hop.destination_type.to_string(),
                routing_key: hop.routing_key,
            }));
        }
    }
    if !plan.changes.is_empty() {
        plan.notes.push(
            "the delayed-delivery path Celery's workers bind at start-up (exchange-to-exchange, then exchange-to-queue, key #.QUEUE); ETA tasks already dropped are not recovered".into(),
        );
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::super::BindingSpec;

    #[test]
    fn the_properties_key_is_the_routing_key_as_the_broker_encodes_it() {
        let b = |key: &str| BindingSpec {
            vhost: "v".into(),
            source: "celery_delayed_delivery".into(),
            destination: "tq".into(),
            destination_type: "exchange".into(),
            routing_key: key.into(),
        };
        assert_eq!(b("#.tq").properties_key(), "%23.tq");
        assert_eq!(b("#.a-b_c").properties_key(), "%23.a-b_c");
        assert_eq!(b("#.w@h").properties_key(), "%23.w%40h");
    }
}
