//! The settings of one run: flags, environment, config file and password resolved once, in
//! `main`, before dispatch (ripgrep's low-args -> high-args step). Commands read this value;
//! nothing after dispatch reads the environment or the config file again.

use std::path::PathBuf;
use std::time::Duration;

use super::amqp::{AmqpEndpoint, amqp_endpoint};
use super::target::is_redis_url;
use super::{
    Config, ConnectionFlags, Endpoint, Expect, Profile, RedisSettings, Roots, SettingsError, Style,
    Thresholds, resolve_endpoint,
};
use crate::cli::{GlobalArgs, default_config_path};

/// What a command reads, so that only that is resolved (and can fail): `celtool prune-tmp` in
/// cron never fails over a config file it does not use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs<'a> {
    /// The config file (thresholds, profiles); a `--profile` that is not there is an error.
    pub config: bool,
    /// The broker's endpoint: URL, user, password, timeout, vhost.
    pub broker: bool,
    /// The command's own default for `--deadline` (None: [`DEFAULT_DEADLINE`]): a Nagios
    /// check's is shorter than a cron gate's.
    ///
    /// [`DEFAULT_DEADLINE`]: super::DEFAULT_DEADLINE
    pub deadline: Option<Duration>,
    /// The command asks the workers over AMQP: Some, with its `--amqp-url` if given.
    pub amqp: Option<Option<&'a str>>,
}

/// Which broker the run reads, chosen once from the URL's scheme (`redis://`, `rediss://`:
/// Redis; anything else: RabbitMQ's management API). Every command that reads a broker
/// matches on it; none looks at the URL again.
#[derive(Debug, Clone)]
pub enum Broker {
    RabbitMq(RabbitMq),
    Redis(RedisSettings),
}

/// A RabbitMQ broker: where its management API is, which vhost to look at, and where the
/// workers are asked over AMQP (for the commands that ask them).
#[derive(Debug, Clone)]
pub struct RabbitMq {
    pub endpoint: Endpoint,
    pub vhost: Option<String>,
    pub amqp: Option<AmqpEndpoint>,
    /// A configured link speed (`CELTOOL_RABBITMQ_LINK_MBIT` / `rabbitmq_link_mbit`), bytes per
    /// second, and which of the two gave it.
    pub link: Option<(f64, &'static str)>,
}

/// The durations `doctor --fix` applies with: the same defaults as the flags of `celtool workers
/// reap --grace` and `celtool fix event-queues --ttl/--expires` (whose help shows them as
/// `cli::DEFAULT_GRACE` and friends; a unit test keeps the two in step). Typed once here, so
/// nothing parses them at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixDefaults {
    grace: Duration,
    event_ttl: Duration,
    event_expires: Duration,
}

impl Default for FixDefaults {
    fn default() -> Self {
        FixDefaults {
            grace: Duration::from_secs(10),
            event_ttl: Duration::from_secs(5),
            event_expires: Duration::from_secs(60),
        }
    }
}

impl FixDefaults {
    /// How long a process gets to act on a signal before the next step (zombie reaping).
    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// The message TTL the event-queue policy sets.
    pub fn event_ttl(&self) -> Duration {
        self.event_ttl
    }

    /// How long after its last consumer left an event queue is deleted (`x-expires`).
    pub fn event_expires(&self) -> Duration {
        self.event_expires
    }
}

/// The validated settings of a run. Fields are private: a command reads what it needs through
/// the accessors, and nothing after dispatch reads the profile or the environment.
#[derive(Debug)]
pub struct Settings {
    style: Style,
    roots: Roots,
    etc: PathBuf,
    thresholds: Thresholds,
    timeout: Duration,
    deadline: Option<Duration>,
    broker: Option<Broker>,
    expected_workers: Expect,
    fix_defaults: FixDefaults,
    warnings: Vec<String>,
}

impl Settings {
    /// Resolve what `needs` names. The password comes from `CELTOOL_PASSWORD` or the profile's
    /// password_file, read here and nowhere else.
    pub fn resolve(
        args: &GlobalArgs,
        style: Style,
        needs: Needs,
    ) -> Result<Settings, SettingsError> {
        let defaults = Roots::default();
        let roots = Roots {
            proc: args.proc_root.clone().unwrap_or(defaults.proc),
            sys: args.sys_root.clone().unwrap_or(defaults.sys),
        };
        let etc = std::env::var_os("CELTOOL_ETC_ROOT")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/etc"));
        let (config, profile) = if needs.config || needs.broker {
            let path = args.config.clone().unwrap_or_else(default_config_path);
            let config = Config::load(&path, args.config.is_some())?;
            let (_, profile) = super::select_profile(args.profile.as_deref(), &config)?;
            (config, profile)
        } else {
            (Config::default(), Profile::default())
        };
        let timeout = args
            .timeout
            .or_else(|| {
                profile
                    .timeout
                    .as_deref()
                    .and_then(|t| crate::text::parse_duration(t).ok())
            })
            .unwrap_or(super::DEFAULT_TIMEOUT);
        let deadline = super::run_deadline(args.deadline, needs.deadline);
        let mut warnings = Vec::new();
        let broker = if needs.broker {
            Some(resolve_broker(
                args,
                needs,
                &config,
                &profile,
                timeout,
                &mut warnings,
            )?)
        } else {
            None
        };
        Ok(Settings {
            style,
            roots,
            etc,
            thresholds: config.thresholds,
            timeout,
            deadline,
            broker,
            expected_workers: profile
                .expect_workers
                .as_ref()
                .map(Expect::from)
                .unwrap_or_default(),
            fix_defaults: FixDefaults::default(),
            warnings,
        })
    }

    /// Settings for unit tests: defaults, nothing resolved from the environment.
    pub fn for_tests(style: Style, broker: Option<Broker>) -> Settings {
        Settings {
            style,
            roots: Roots::default(),
            etc: PathBuf::from("/etc"),
            thresholds: Thresholds::default(),
            timeout: super::DEFAULT_TIMEOUT,
            deadline: Some(super::DEFAULT_DEADLINE),
            broker,
            expected_workers: Expect::default(),
            fix_defaults: FixDefaults::default(),
            warnings: Vec::new(),
        }
    }

    /// The broker the run reads; None for a command that reads none.
    pub fn broker(&self) -> Option<&Broker> {
        self.broker.as_ref()
    }

    /// The RabbitMQ settings, for a command that exists only there: on a Redis URL, the one
    /// line that says so (never an internal error).
    pub fn rabbitmq(&self) -> Result<&RabbitMq, SettingsError> {
        match &self.broker {
            Some(Broker::RabbitMq(r)) => Ok(r),
            Some(Broker::Redis(r)) => Err(SettingsError::NotForThisBroker(format!(
                "this command needs RabbitMQ, and {} is a Redis broker: on Redis, celtool does not end hung workers (workers reap --hung) or fix event queues (RabbitMQ policies); doctor, queues, connections, ping, fleet, probe readiness and doctor --fix work on Redis",
                match &r.sentinel {
                    Some(group) => group.to_string(),
                    None => r.target.to_string(),
                }
            ))),
            None => Err(SettingsError::NotForThisBroker(
                "internal error: this command did not resolve the broker settings".into(),
            )),
        }
    }

    /// The Redis settings, for a run whose URL is `redis://` or `rediss://`.
    pub fn redis(&self) -> Result<&RedisSettings, SettingsError> {
        match &self.broker {
            Some(Broker::Redis(r)) => Ok(r),
            _ => Err(SettingsError::NotForThisBroker(
                "internal error: this command did not resolve the Redis settings".into(),
            )),
        }
    }

    /// The AMQP endpoint the workers are asked on (RabbitMQ, for a command whose `Needs` asked
    /// for it).
    pub fn amqp(&self) -> Result<&AmqpEndpoint, SettingsError> {
        self.rabbitmq()?.amqp.as_ref().ok_or_else(|| {
            SettingsError::NotForThisBroker(
                "internal error: this command did not resolve the AMQP endpoint".into(),
            )
        })
    }

    /// The vhost the view is limited to, if any (RabbitMQ).
    pub fn vhost(&self) -> Option<&str> {
        match &self.broker {
            Some(Broker::RabbitMq(r)) => r.vhost.as_deref(),
            _ => None,
        }
    }

    pub fn style(&self) -> Style {
        self.style
    }

    /// Where /proc and /sys are read from.
    pub fn roots(&self) -> &Roots {
        &self.roots
    }

    /// Where /etc is for the files host fixes write (`CELTOOL_ETC_ROOT` in tests).
    pub fn etc(&self) -> &std::path::Path {
        &self.etc
    }

    /// The catalog's thresholds with the config file's overrides.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// The per-request timeout in force (flag > profile > default).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The run's `--deadline` (the command's default; None for `--deadline 0`): besides the
    /// broker's answers, it bounds the waits of the host reading (the zombies' settle
    /// interval).
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The workers that should answer, from the profile's `expect_workers` (a command's
    /// `--expect` replaces it).
    pub fn expected_workers(&self) -> &Expect {
        &self.expected_workers
    }

    /// The durations `doctor --fix` applies with.
    pub fn fix_defaults(&self) -> FixDefaults {
        self.fix_defaults
    }

    /// What resolving the settings found worth a warning (a password file others can read),
    /// each once, for `main` to print through the printer.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// The broker, chosen once from the URL's scheme (flag, environment or profile).
fn resolve_broker(
    args: &GlobalArgs,
    needs: Needs,
    config: &Config,
    profile: &Profile,
    timeout: Duration,
    warnings: &mut Vec<String>,
) -> Result<Broker, SettingsError> {
    let profile_name = args.profile.clone().unwrap_or_else(|| "default".into());
    // A password file read (no CELTOOL_PASSWORD) that others may read is said, not refused.
    let mut password_file_read = |env_given: bool| {
        if !env_given
            && let Some(file) = &profile.password_file
            && let Some(w) = super::password::mode_warning(file, &profile_name)
        {
            warnings.push(w);
        }
    };
    let url = args.url.clone().or(profile.url.clone());
    if let Some(url) = url.filter(|u| is_redis_url(u)) {
        let mut r = super::redis::resolve(
            &url,
            args.sentinel_master.as_deref(),
            profile,
            &profile_name,
            timeout,
            args.ca_file.clone(),
            &|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()),
        )?;
        let deadline = super::run_deadline(args.deadline, needs.deadline);
        r.deadline = deadline.map(|d| (std::time::Instant::now() + d, d));
        password_file_read(std::env::var("CELTOOL_PASSWORD").is_ok_and(|v| !v.trim().is_empty()));
        return Ok(Broker::Redis(r));
    }
    let flags = ConnectionFlags {
        profile: args.profile.clone(),
        url: args.url.clone(),
        user: args.user.clone(),
        vhost: args.vhost.clone(),
        timeout: args.timeout,
        deadline: args.deadline,
        default_deadline: needs.deadline,
        ca_file: args.ca_file.clone(),
    };
    let password = std::env::var("CELTOOL_PASSWORD").ok();
    password_file_read(password.is_some());
    let (endpoint, vhost) = resolve_endpoint(&flags, config, password)?;
    let amqp = match needs.amqp {
        Some(flag) => {
            let url = flag.map(str::to_string).or(profile.amqp_url.clone());
            let mut a = amqp_endpoint(
                &endpoint.url,
                &endpoint.user,
                &endpoint.password,
                url.as_deref(),
            )?;
            a.ca_file = endpoint.ca_file.clone();
            Some(a)
        }
        None => None,
    };
    // The vhost named in an AMQP URL's path scopes the run when no --vhost does.
    let vhost = vhost.or_else(|| amqp.as_ref().and_then(|a| a.vhost.clone()));
    let link = std::env::var("CELTOOL_RABBITMQ_LINK_MBIT")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| (v, "CELTOOL_RABBITMQ_LINK_MBIT"))
        .or_else(|| (profile.rabbitmq_link_mbit).map(|m| (m.to_string(), "rabbitmq_link_mbit")))
        .map(super::redis::link_mbit)
        .transpose()?;
    Ok(Broker::RabbitMq(RabbitMq {
        endpoint,
        vhost,
        amqp,
        link,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fix_defaults_are_the_flags_defaults() {
        use crate::cli::{DEFAULT_EVENT_EXPIRES, DEFAULT_EVENT_TTL, DEFAULT_GRACE};
        use crate::text::parse_duration;
        let d = FixDefaults::default();
        assert_eq!(parse_duration(DEFAULT_GRACE), Ok(d.grace()));
        assert_eq!(parse_duration(DEFAULT_EVENT_TTL), Ok(d.event_ttl()));
        assert_eq!(parse_duration(DEFAULT_EVENT_EXPIRES), Ok(d.event_expires()));
    }
    use clap::Parser;

    fn parse(args: &[&str]) -> GlobalArgs {
        let mut argv = vec!["celtool"];
        argv.extend_from_slice(args);
        argv.push("conntrack");
        crate::cli::Cli::try_parse_from(argv).unwrap().global
    }

    fn style() -> Style {
        Style {
            format: crate::output::Format::Json,
            tty: false,
            color: false,
            quiet: false,
        }
    }

    #[test]
    fn only_what_the_command_needs_is_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let args = parse(&["--config", missing.to_str().unwrap()]);
        // A command that reads no config does not fail over a missing one...
        assert!(Settings::resolve(&args, style(), Needs::default()).is_ok());
        // ...one that reads it does, naming the file.
        let needs = Needs {
            config: true,
            broker: false,
            ..Needs::default()
        };
        let e = Settings::resolve(&args, style(), needs).unwrap_err();
        assert!(e.to_string().contains("nope.toml"), "{e}");
    }

    #[test]
    fn an_unknown_profile_is_an_error_even_without_the_broker() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[profiles.prod]\nurl = \"http://h:15672\"\n").unwrap();
        let args = parse(&["--config", path.to_str().unwrap(), "--profile", "stage"]);
        let needs = Needs {
            config: true,
            broker: false,
            ..Needs::default()
        };
        let e = Settings::resolve(&args, style(), needs).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "profile 'stage' is not in {}; profiles there: prod",
                path.display()
            )
        );
    }

    #[test]
    fn the_broker_is_resolved_with_flags_over_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[profiles.default]\nurl = \"http://h:15672\"\nvhost = \"jobs\"\n",
        )
        .unwrap();
        let args = parse(&["--config", path.to_str().unwrap(), "--vhost", "other"]);
        let s = Settings::resolve(
            &args,
            style(),
            Needs {
                config: true,
                broker: true,
                ..Needs::default()
            },
        )
        .unwrap();
        assert_eq!(
            s.rabbitmq().unwrap().endpoint.url.as_str(),
            "http://h:15672/"
        );
        assert_eq!(s.vhost(), Some("other"));
        let none = Settings::resolve(&args, style(), Needs::default()).unwrap();
        assert!(none.rabbitmq().is_err());
    }
}
