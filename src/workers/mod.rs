//! Asking the workers themselves: Celery's remote control (pidbox) over AMQP 0-9-1, read-only
//! methods only. `settings` says where to connect, `protocol` builds and reads the messages,
//! `client` does the I/O, `model` is what the workers told us.

pub mod client;
pub mod model;
pub mod protocol;
pub mod settings;

use std::time::Duration;

pub use client::probe;
pub use model::{FleetSnapshot, TaskInfo, VhostReport, WorkerReport};
pub use protocol::{Matcher, Method, Target};
pub use settings::{AmqpEndpoint, VhostPlan, amqp_endpoint, discover_vhosts};

/// Default reply timeout, as `celery inspect` (1 s).
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(1);

/// What can go wrong asking the workers. No message contains the password.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("{0}")]
    Settings(String),
    #[error(
        "{endpoint} vhost '{vhost}': cannot connect: {cause}; is the AMQP port open to this host (set --amqp-url or CELTOOL_AMQP_URL when it is not the management host on 5672/5671)?"
    )]
    Connect {
        endpoint: String,
        vhost: String,
        cause: String,
    },
    #[error(
        "{endpoint} vhost '{vhost}': the broker refused user '{user}' (or closed the connection at login): check the user, the password (CELTOOL_PASSWORD or the profile's password_file) and its permissions on the vhost: rabbitmqctl set_permissions -p VHOST USER '.*pidbox$' '.*pidbox$' '.*pidbox$'"
    )]
    Refused {
        endpoint: String,
        vhost: String,
        user: String,
    },
    #[error("{endpoint} vhost '{vhost}': {what}: {cause}")]
    Amqp {
        endpoint: String,
        vhost: String,
        what: &'static str,
        cause: String,
    },
}

/// How a probe is made.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// How long to wait for replies (each round; ping gets a second round for silent nodes).
    pub timeout: Duration,
    /// How long to wait for the connection to open.
    pub connect_timeout: Duration,
    pub methods: Vec<Method>,
    pub target: Target,
}

impl ProbeOptions {
    /// Everything the fleet listing and the checks read.
    pub fn full(timeout: Duration) -> Self {
        ProbeOptions {
            timeout,
            connect_timeout: Duration::from_secs(10).max(timeout),
            methods: vec![
                Method::Ping,
                Method::Stats,
                Method::Conf,
                Method::ActiveQueues,
                Method::Active,
                Method::Reserved,
            ],
            target: Target::All,
        }
    }

    /// Ping only, for the deploy-gate probe.
    pub fn ping(timeout: Duration, target: Target) -> Self {
        ProbeOptions {
            methods: vec![Method::Ping],
            target,
            ..ProbeOptions::full(timeout)
        }
    }
}
