//! The RabbitMQ side: the management API client, its models, gathering a snapshot, and
//! recognising what Celery created, and its mapping onto the broker-neutral Celery model.

pub mod celery;
pub mod client;
pub mod cluster;
pub mod fleet;
pub mod gather;
pub mod lenient;
pub mod list;
pub mod model;
pub mod tls;
pub mod wait;
