//! Asking the workers themselves: Celery's remote control (pidbox) over AMQP 0-9-1 or Redis,
//! read-only methods only. `settings` says where to connect, `protocol` builds and reads the
//! messages, `rounds` asks and keeps the replies over either transport, `client` (AMQP) and
//! `redis_transport` / `on_redis` (Redis) do the I/O, `model` is what the workers told us.

pub mod client;
mod event_sample;
pub mod model;
pub mod on_redis;
pub mod protocol;
pub mod redis_transport;
mod rounds;
pub mod settings;

use std::time::Duration;

pub use client::probe;
pub use model::{FleetSnapshot, TaskInfo, VhostReport, WorkerReport};
pub use protocol::{Matcher, Method, Target};
pub use settings::{AmqpEndpoint, VhostPlan, amqp_endpoint, discover_vhosts};

/// The vhosts of `plans`, each reported as not asked, for `reason` (a node's alarm): asking
/// would publish to `celery.pidbox`, and the broker blocks a connection that publishes during a
/// memory or disk alarm, and stops reading it, until the alarm clears.
pub fn not_asked(plans: &[VhostPlan], reason: &str, timeout: Duration) -> FleetSnapshot {
    FleetSnapshot {
        vhosts: plans
            .iter()
            .map(|p| VhostReport {
                vhost: p.vhost.clone(),
                not_asked: Some(reason.to_string()),
                ..VhostReport::default()
            })
            .collect(),
        timeout_ms: timeout.as_millis() as u64,
    }
}

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
    /// A step of the probe over Redis that failed or ran out.
    #[error("{server}: {what}: {cause}")]
    Redis {
        server: String,
        what: String,
        cause: String,
    },
    /// The Redis connection itself (connect, authenticate, a command).
    #[error(transparent)]
    RedisClient(#[from] crate::redis::RedisError),
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
    /// The longest wait for any other step on the wire: login, declare, bind, consume,
    /// publish, delete, close (`--timeout`).
    pub step_timeout: Duration,
    /// The run's deadline (when it ends, and its length for messages): no step waits past it.
    pub deadline: Option<(std::time::Instant, Duration)>,
    pub methods: Vec<Method>,
    pub target: Target,
    /// Sample the event stream beside the probe for at most this long (doctor's
    /// `workers.mixed-durations` sample); None: no sample. The sample ends with the probe when
    /// no worker sends task events.
    pub events: Option<Duration>,
}

impl ProbeOptions {
    /// Everything the fleet listing and the checks read.
    pub fn full(timeout: Duration) -> Self {
        ProbeOptions {
            timeout,
            connect_timeout: Duration::from_secs(10).max(timeout),
            step_timeout: Duration::from_secs(10),
            deadline: None,
            methods: vec![
                Method::Ping,
                Method::Stats,
                Method::Conf,
                Method::ActiveQueues,
                Method::Active,
                Method::Reserved,
                Method::Scheduled,
                Method::Report,
            ],
            target: Target::All,
            events: None,
        }
    }

    /// Bound every step by `step` (`--timeout`) and the whole probe by the run's deadline.
    pub fn bounded(
        mut self,
        step: Duration,
        deadline: Option<(std::time::Instant, Duration)>,
    ) -> Self {
        self.step_timeout = step;
        self.connect_timeout = step.max(self.timeout);
        self.deadline = deadline;
        self
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

/// How long the steps of one probe may wait: each step `step`, all of them until the run's
/// deadline (when it ends, and its length for messages).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) step: Duration,
    deadline: Option<(tokio::time::Instant, Duration)>,
}

impl Limits {
    pub(crate) fn new(opts: &ProbeOptions) -> Limits {
        Limits {
            step: opts.step_timeout,
            deadline: opts
                .deadline
                .map(|(end, len)| (tokio::time::Instant::from_std(end), len)),
        }
    }

    /// When a wait of `wait` that starts now must end, and what to say when it does.
    pub(crate) fn until(&self, wait: Duration) -> (tokio::time::Instant, String, bool) {
        let own = tokio::time::Instant::now() + wait;
        match self.deadline {
            Some((end, len)) if end <= own => (
                end,
                format!("the run's deadline of {} passed", secs(len)),
                true,
            ),
            _ => (own, format!("no answer within {}", secs(wait)), false),
        }
    }
}

fn secs(d: Duration) -> String {
    crate::text::fmt_duration_secs(d.as_secs_f64())
}
