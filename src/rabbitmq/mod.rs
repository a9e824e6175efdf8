//! The RabbitMQ side, its files named as the Redis side's for the same jobs: the management
//! API `client`, its `records`, `read` (one snapshot of what a command needs), `classify`
//! (what Celery created) and `to_celery` (the mapping onto the broker-neutral Celery model);
//! beside them the cluster health reads, the lenient and streaming decoders, TLS and waits.

pub mod classify;
pub mod client;
pub mod cluster;
pub mod delayed;
pub mod details;
pub mod lenient;
pub mod list;
pub mod read;
pub mod records;
pub mod tls;
pub mod to_celery;
pub mod unlisted;
pub mod wait;
