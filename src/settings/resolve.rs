//! The settings of one run: flags, environment, config file and password resolved once, in
//! `main`, before dispatch (ripgrep's low-args -> high-args step). Commands read this value;
//! nothing after dispatch reads the environment or the config file again.

use std::path::PathBuf;

use super::{Config, ConnectionFlags, Profile, resolve_endpoint};
use crate::broker::client::{Client, Endpoint};
use crate::cli::GlobalArgs;
use crate::cli::default_config_path;
use crate::error::Error;
use crate::host::Roots;
use crate::output::Style;

/// What a command reads, so that only that is resolved (and can fail): `celtool prune-tmp` in
/// cron never fails over a config file it does not use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// The config file (thresholds, profiles); a `--profile` that is not there is an error.
    pub config: bool,
    /// The broker's endpoint: URL, user, password, timeout, vhost.
    pub broker: bool,
    /// The command's own default for `--deadline` (None: [`DEFAULT_DEADLINE`]): a Nagios
    /// check's is shorter than a cron gate's.
    ///
    /// [`DEFAULT_DEADLINE`]: crate::broker::wait::DEFAULT_DEADLINE
    pub deadline: Option<std::time::Duration>,
}

/// Where the broker is and which vhost to look at.
#[derive(Debug, Clone)]
pub struct BrokerSettings {
    pub endpoint: Endpoint,
    pub vhost: Option<String>,
}

/// The validated settings of a run.
#[derive(Debug)]
pub struct Settings {
    pub style: Style,
    /// Where /proc and /sys are read from.
    pub roots: Roots,
    /// Where /etc is for the files host fixes write (`CELTOOL_ETC_ROOT` in tests).
    pub etc: PathBuf,
    /// The config file as loaded; empty when the command does not read it.
    pub config: Config,
    /// The profile in force (`--profile`, else `[profiles.default]`, else empty).
    pub profile: Profile,
    /// A `redis://` or `rediss://` broker URL (flag, env or profile): the scheme picks the
    /// broker, and the management API settings are then not resolved.
    pub redis_url: Option<String>,
    /// The Redis settings resolved from that URL, the profile and `CELTOOL_REDIS_*`.
    pub redis: Option<super::RedisSettings>,
    /// The profile's name, for messages (`default` when none was named).
    pub profile_name: String,
    /// The per-request timeout in force (flag > profile > default).
    pub timeout: std::time::Duration,
    /// The run's `--deadline` (default 5 min, None for `--deadline 0`): besides the broker's
    /// answers, it bounds the waits of the host reading (the zombies' settle interval).
    pub deadline: Option<std::time::Duration>,
    broker: Option<BrokerSettings>,
}

impl Settings {
    /// Resolve what `needs` names. The password comes from `CELTOOL_PASSWORD` or the profile's
    /// password_file, read here and nowhere else.
    pub fn resolve(args: &GlobalArgs, style: Style, needs: Needs) -> Result<Settings, Error> {
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
        let profile_name = args.profile.clone().unwrap_or_else(|| "default".into());
        let url = args.url.clone().or(profile.url.clone());
        let redis_url = url
            .filter(|u| crate::redis_broker::is_redis_url(u))
            .filter(|_| needs.broker);
        let redis = match &redis_url {
            Some(url) => {
                let mut r = super::redis::resolve(
                    url,
                    &profile,
                    &profile_name,
                    timeout,
                    args.ca_file.clone(),
                    &|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()),
                )?;
                let deadline = super::run_deadline(args.deadline, needs.deadline);
                r.deadline = deadline.map(|d| (std::time::Instant::now() + d, d));
                Some(r)
            }
            None => None,
        };
        let broker = if needs.broker && redis_url.is_none() {
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
            let (endpoint, vhost) = resolve_endpoint(&flags, &config, password)?;
            Some(BrokerSettings { endpoint, vhost })
        } else {
            None
        };
        Ok(Settings {
            style,
            roots,
            etc,
            config,
            profile,
            redis_url,
            redis,
            profile_name,
            timeout,
            deadline: super::run_deadline(args.deadline, needs.deadline),
            broker,
        })
    }

    /// Settings for unit tests: defaults, nothing resolved from the environment.
    pub fn for_tests(style: Style, broker: Option<BrokerSettings>) -> Settings {
        Settings {
            style,
            roots: Roots::default(),
            etc: PathBuf::from("/etc"),
            config: Config::default(),
            profile: Profile::default(),
            redis_url: None,
            redis: None,
            profile_name: "default".into(),
            timeout: super::DEFAULT_TIMEOUT,
            deadline: Some(crate::broker::wait::DEFAULT_DEADLINE),
            broker,
        }
    }

    /// The broker settings. Only a command whose `Needs` left the broker out can miss them,
    /// which is a bug in celtool, reported as such rather than as a panic.
    pub fn broker(&self) -> Result<&BrokerSettings, Error> {
        self.broker.as_ref().ok_or_else(|| match &self.redis {
            // The one line for a capability that does not exist on Redis (yet), never an
            // internal error.
            Some(r) => Error::Usage(format!(
                "this command needs RabbitMQ, and {} is a Redis broker: on Redis, celtool does not yet ask the workers (ping, fleet, workers reap --hung) or fix event queues (RabbitMQ policies); doctor, queues, connections and doctor --fix read Redis",
                r.target
            )),
            None => Error::Io("internal error: this command did not resolve the broker settings".into()),
        })
    }

    /// The Redis settings, for a run whose URL is `redis://` or `rediss://`.
    pub fn redis(&self) -> Result<&super::RedisSettings, Error> {
        self.redis.as_ref().ok_or_else(|| {
            Error::Io("internal error: this command did not resolve the Redis settings".into())
        })
    }

    /// The vhost the view is limited to, if any.
    pub fn vhost(&self) -> Option<&str> {
        self.broker.as_ref().and_then(|b| b.vhost.as_deref())
    }

    /// A management API client for the resolved broker (no I/O yet).
    pub fn client(&self) -> Result<Client, Error> {
        Ok(Client::new(self.broker()?.endpoint.clone())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(s.broker().unwrap().endpoint.url.as_str(), "http://h:15672/");
        assert_eq!(s.vhost(), Some("other"));
        let none = Settings::resolve(&args, style(), Needs::default()).unwrap();
        assert!(none.broker().is_err());
    }
}
