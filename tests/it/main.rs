//! Integration tests: the built binary against the live RabbitMQ, a real Celery worker, and an
//! in-process HTTP server for faults. One binary, one module per subject.

mod cli;
mod doctor;
mod events;
mod fanout;
mod faults;
mod fix;
mod fix_host;
mod formats;
mod host;
mod listing;
mod load;
mod probe;
mod prune_tmp;
mod quorum;
mod record;
mod redis;
mod redis_workers;
mod secrets;
mod slow;
mod support;
mod truthful;
mod worker;
mod workers;
