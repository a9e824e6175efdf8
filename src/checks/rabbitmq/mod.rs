//! RabbitMQ-only checks, on its snapshot (what the broker-neutral Celery model leaves out):
//! nodes, alarms and headroom, policies (`broker.rs`); blocked, flow-controlled and
//! heartbeat-less connections, top talkers (`connections.rs`); queue state, unacked piles and
//! redeliveries (`queues.rs`); publisher confirms (`confirms.rs`); missing and impossible
//! values (`sanity.rs`); the cluster (`cluster.rs`), quorum members not yet in step
//! (`quorum_sync.rs`) and what RabbitMQ 4.x changes
//! (`rabbitmq4.rs`). The Celery checks on a vhost's fleet are in `checks::celery`.

pub(super) mod broker;
pub(super) mod cluster;
pub(super) mod confirms;
pub(super) mod connections;
pub(super) mod forecast;
pub(super) mod queues;
pub(super) mod quorum_sync;
pub(super) mod rabbitmq4;
pub(super) mod sanity;
pub(super) mod signals;

use super::{Ctx, level, ratio, shell_word};

#[cfg(test)]
use super::testing;
