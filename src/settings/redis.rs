//! The Redis side of a run's settings, resolved once with the others when the URL's scheme is
//! `redis://` or `rediss://`: the target, the password (`CELTOOL_PASSWORD`, else the profile's
//! password_file), the timeout, and the Redis knobs, each `CELTOOL_REDIS_*` > the profile's
//! `redis_*` key > default.

use std::time::Duration;

use super::SettingsError;
use super::target::Target;
use super::{Profile, Secret, read_password_file};
use crate::text::parse_duration;

/// How long doctor --fix gives result keys without a TTL (Celery's result_expires default).
pub const DEFAULT_RESULT_EXPIRES: Duration = Duration::from_secs(86_400);

/// How much one run reads.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The least length of the rate sample (two INFO readings, the event subscription, two
    /// readings of the queue lengths), which runs while the other reads and the worker probe
    /// run: it waits only for what is left of this once they are done.
    pub interval: Duration,
    /// COUNT hint of each SCAN call.
    pub scan_count: u64,
    /// Stop the scan after examining this many keys.
    pub scan_cap: u64,
    /// TTLs read from at most this many result keys.
    pub result_sample: usize,
    /// At most this many reply lists are looked at.
    pub reply_cap: usize,
    /// Celery's broker_transport_options visibility_timeout, seconds (kombu default 3600).
    pub visibility_timeout: f64,
    /// Where `visibility_timeout` came from: kombu's default, a setting, or the workers' conf.
    pub visibility_timeout_from: String,
    /// The visibility timeout was set by the user (environment or profile): it overrides what
    /// the workers say.
    pub visibility_timeout_set: bool,
    /// kombu's `global_keyprefix` when the user set one, and the setting's name; without it the
    /// read takes the prefix its scan finds on the `_kombu.binding.*` keys.
    pub key_prefix: Option<(String, &'static str)>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            interval: Duration::from_secs(1),
            scan_count: 1000,
            scan_cap: 1_000_000,
            result_sample: 1000,
            reply_cap: 1000,
            visibility_timeout: 3600.0,
            visibility_timeout_from: "kombu's default".into(),
            visibility_timeout_set: false,
            key_prefix: None,
        }
    }
}

/// A Redis broker found through Sentinel: the Sentinels to ask and the master's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentinel {
    /// The Sentinels of the URL, each with the database the master is read in.
    pub sentinels: Vec<Target>,
    /// The name the Sentinels monitor the master under (`--sentinel-master`).
    pub master: String,
}

impl std::fmt::Display for Sentinel {
    /// `sentinel://a:26379;sentinel://b:26379/0 (master NAME)`: safe to print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.sentinels.first().is_some_and(|t| t.tls) {
            "sentinels"
        } else {
            "sentinel"
        };
        let parts: Vec<String> = self
            .sentinels
            .iter()
            .map(|t| format!("{scheme}://{}", t.addr()))
            .collect();
        let db = self.sentinels.first().map_or(0, |t| t.db);
        write!(f, "{}/{db} (master {})", parts.join(";"), self.master)
    }
}

/// Everything a Redis run needs.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// The server read; through Sentinel, the first Sentinel until the master is found (the
    /// read names the master it found).
    pub target: Target,
    /// Set when the URL was `sentinel://`: the master is asked of these Sentinels at read time.
    pub sentinel: Option<Sentinel>,
    pub password: Option<Secret>,
    pub timeout: Duration,
    /// What one read takes and how long it samples (visibility_timeout, interval).
    pub gather: ReadOptions,
    /// A configured link speed (`CELTOOL_REDIS_LINK_MBIT` / `redis_link_mbit`), bytes per
    /// second, and which of the two said it.
    pub link: Option<(f64, &'static str)>,
    /// The TTL doctor --fix gives result keys that have none, seconds.
    pub result_expires: u64,
    /// For rediss://: the PEM file of the CA to trust instead of the system's roots
    /// (`--ca-file`, `CELTOOL_CA_FILE`, the profile's `ca_file`).
    pub ca_file: Option<std::path::PathBuf>,
    /// The run's deadline for reading Redis (when it ends, and its length), as for RabbitMQ;
    /// None: `--deadline 0`.
    pub deadline: Option<(std::time::Instant, Duration)>,
    /// kombu's `global_keyprefix` (`CELTOOL_REDIS_KEY_PREFIX` / `redis_key_prefix`) and which of
    /// the two said it; None: looked for on the server.
    pub key_prefix: Option<(String, &'static str)>,
}

/// A link speed given in Mbit/s (`from` names the variable or profile key), in bytes per second.
pub(super) fn link_mbit(
    (v, from): (String, &'static str),
) -> Result<(f64, &'static str), SettingsError> {
    let mbit = v
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|m| *m > 0.0 && m.is_finite())
        .ok_or_else(|| SettingsError::Value(format!("{from} '{v}': expected Mbit/s, like 1000")))?;
    Ok((mbit * 1e6 / 8.0, from))
}

/// Resolve the Redis settings from the URL, the profile and the environment (`env` reads one
/// variable; empty counts as unset).
/// `sentinel_master` is the `--sentinel-master` flag, over CELTOOL_SENTINEL_MASTER and the
/// profile's `sentinel_master`.
pub(super) fn resolve(
    url: &str,
    sentinel_master: Option<&str>,
    profile: &Profile,
    profile_name: &str,
    timeout: Duration,
    ca_file: Option<std::path::PathBuf>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RedisSettings, SettingsError> {
    let (target, sentinel) = where_it_is(url, sentinel_master, profile, env)?;
    let password = match (env("CELTOOL_PASSWORD"), profile.password_file.as_ref()) {
        (Some(p), _) => Some(Secret::new(p)),
        (None, Some(file)) => Some(Secret::new(read_password_file(file, profile_name)?)),
        (None, None) => None,
    };
    // One knob: the environment's value, else the profile's, named for the error message.
    let knob = |var: &'static str, key: &'static str, file: Option<String>| {
        env(var)
            .map(|v| (v, var))
            .or_else(|| file.map(|v| (v, key)))
    };
    let duration = |(v, from): (String, &str)| {
        parse_duration(&v).map_err(|why| SettingsError::Value(format!("{from}: {why}")))
    };
    let mut gather = ReadOptions::default();
    if let Some(v) = knob(
        "CELTOOL_REDIS_VISIBILITY_TIMEOUT",
        "redis_visibility_timeout",
        profile.redis_visibility_timeout.clone(),
    ) {
        let from = v.1;
        gather.visibility_timeout = duration(v)?.as_secs_f64().max(1.0);
        gather.visibility_timeout_from = from.to_string();
        gather.visibility_timeout_set = true;
    }
    if let Some(v) = knob(
        "CELTOOL_REDIS_INTERVAL",
        "redis_interval",
        profile.redis_interval.clone(),
    ) {
        gather.interval = duration(v)?;
    }
    let link = knob(
        "CELTOOL_REDIS_LINK_MBIT",
        "redis_link_mbit",
        profile.redis_link_mbit.map(|m| m.to_string()),
    )
    .map(link_mbit)
    .transpose()?;
    let result_expires = match knob(
        "CELTOOL_REDIS_RESULT_EXPIRES",
        "redis_result_expires",
        profile.redis_result_expires.clone(),
    ) {
        Some(v) => duration(v)?.as_secs().max(1),
        None => DEFAULT_RESULT_EXPIRES.as_secs(),
    };
    let key_prefix = knob(
        "CELTOOL_REDIS_KEY_PREFIX",
        "redis_key_prefix",
        profile.redis_key_prefix.clone(),
    );
    gather.key_prefix = key_prefix.clone();
    Ok(RedisSettings {
        target,
        sentinel,
        password,
        timeout,
        gather,
        link,
        result_expires,
        ca_file: ca_file.or_else(|| profile.ca_file.clone()),
        deadline: None,
        key_prefix,
    })
}

/// The server of a redis:// URL; for a sentinel:// URL, the Sentinels with the master's name
/// (`--sentinel-master` > CELTOOL_SENTINEL_MASTER > the profile's `sentinel_master`) and the
/// first Sentinel as the target until the master is found.
fn where_it_is(
    url: &str,
    sentinel_master: Option<&str>,
    profile: &Profile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Target, Option<Sentinel>), SettingsError> {
    if super::target::is_sentinel_url(url) {
        let sentinels =
            super::target::parse_sentinels(url).map_err(|e| SettingsError::Value(e.to_string()))?;
        let master = sentinel_master
            .map(str::to_string)
            .or_else(|| env("CELTOOL_SENTINEL_MASTER"))
            .or_else(|| profile.sentinel_master.clone())
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
            .ok_or_else(|| {
                SettingsError::Value(format!(
                    "--url {} names Sentinels but not the master: give its name with --sentinel-master NAME (CELTOOL_SENTINEL_MASTER, or the profile's sentinel_master), as Celery's broker_transport_options master_name",
                    super::target::redact_all(url)
                ))
            })?;
        let first = sentinels[0].clone();
        Ok((first, Some(Sentinel { sentinels, master })))
    } else {
        let target = Target::parse(url).map_err(|e| SettingsError::Value(e.to_string()))?;
        Ok((target, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    const URL: &str = "redis://cache.internal:6380/2";

    #[test]
    fn defaults_without_env_or_profile() {
        let s = resolve(
            URL,
            None,
            &Profile::default(),
            "default",
            Duration::from_secs(3),
            None,
            &env(&[]),
        )
        .unwrap();
        assert_eq!((s.target.host.as_str(), s.target.db), ("cache.internal", 2));
        assert!(s.password.is_none());
        assert_eq!(s.gather.visibility_timeout, 3600.0);
        assert_eq!(s.gather.interval, Duration::from_secs(1));
        assert_eq!(s.link, None);
        assert_eq!(s.result_expires, 86_400);
        assert_eq!(s.timeout, Duration::from_secs(3));
    }

    #[test]
    fn the_environment_beats_the_profile_which_beats_the_default() {
        let profile = Profile {
            redis_visibility_timeout: Some("2h".into()),
            redis_interval: Some("500ms".into()),
            redis_link_mbit: Some(1000),
            redis_result_expires: Some("1h".into()),
            ..Profile::default()
        };
        let s = resolve(
            URL,
            None,
            &profile,
            "p",
            Duration::from_secs(1),
            None,
            &env(&[]),
        )
        .unwrap();
        assert_eq!(s.gather.visibility_timeout, 7200.0);
        assert_eq!(s.gather.interval, Duration::from_millis(500));
        assert_eq!(s.link, Some((125e6, "redis_link_mbit")));
        assert_eq!(s.result_expires, 3600);
        let vars = env(&[
            ("CELTOOL_REDIS_VISIBILITY_TIMEOUT", "120s"),
            ("CELTOOL_REDIS_INTERVAL", "0s"),
            ("CELTOOL_REDIS_LINK_MBIT", "100"),
            ("CELTOOL_REDIS_RESULT_EXPIRES", "10m"),
            ("CELTOOL_PASSWORD", "s3cret"),
        ]);
        let s = resolve(
            URL,
            None,
            &profile,
            "p",
            Duration::from_secs(1),
            None,
            &vars,
        )
        .unwrap();
        assert_eq!(s.gather.visibility_timeout, 120.0);
        assert_eq!(s.gather.interval, Duration::ZERO);
        assert_eq!(s.link, Some((12.5e6, "CELTOOL_REDIS_LINK_MBIT")));
        assert_eq!(s.result_expires, 600);
        assert_eq!(s.password.as_ref().map(Secret::expose), Some("s3cret"));
    }

    #[test]
    fn a_sentinel_url_takes_the_master_name_from_flag_env_or_profile() {
        const S: &str = "sentinel://s1:26379;sentinel://s2:26380/3";
        let profile = Profile {
            sentinel_master: Some("from-profile".into()),
            ..Profile::default()
        };
        let master = |flag: Option<&str>, vars: &'static [(&'static str, &'static str)]| {
            resolve(
                S,
                flag,
                &profile,
                "p",
                Duration::from_secs(1),
                None,
                &env(vars),
            )
            .unwrap()
            .sentinel
            .unwrap()
            .master
        };
        assert_eq!(master(None, &[]), "from-profile");
        let vars = &[("CELTOOL_SENTINEL_MASTER", "from-env")];
        assert_eq!(master(None, vars), "from-env");
        assert_eq!(master(Some("from-flag"), vars), "from-flag");
        let s = resolve(
            S,
            Some("m"),
            &profile,
            "p",
            Duration::from_secs(1),
            None,
            &env(&[]),
        )
        .unwrap();
        assert_eq!(s.target.addr(), "s1:26379");
        let shown = s.sentinel.unwrap().to_string();
        assert_eq!(
            shown,
            "sentinel://s1:26379;sentinel://s2:26380/3 (master m)"
        );
        let e = resolve(
            S,
            None,
            &Profile::default(),
            "p",
            Duration::from_secs(1),
            None,
            &env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--sentinel-master NAME"), "{e}");
        // A plain redis:// URL has no Sentinel part.
        let s = resolve(
            URL,
            Some("m"),
            &profile,
            "p",
            Duration::from_secs(1),
            None,
            &env(&[]),
        );
        assert!(s.unwrap().sentinel.is_none());
    }

    #[test]
    fn bad_values_name_where_they_came_from() {
        let err = |vars: &'static [(&'static str, &'static str)], profile: Profile| {
            resolve(
                URL,
                None,
                &profile,
                "p",
                Duration::from_secs(1),
                None,
                &env(vars),
            )
            .unwrap_err()
            .to_string()
        };
        let e = err(&[("CELTOOL_REDIS_LINK_MBIT", "fast")], Profile::default());
        assert!(e.contains("CELTOOL_REDIS_LINK_MBIT 'fast'"), "{e}");
        let e = err(
            &[],
            Profile {
                redis_interval: Some("soon".into()),
                ..Profile::default()
            },
        );
        assert!(e.starts_with("redis_interval: "), "{e}");
        let e = err(
            &[("CELTOOL_REDIS_VISIBILITY_TIMEOUT", "-1")],
            Profile::default(),
        );
        assert!(e.starts_with("CELTOOL_REDIS_VISIBILITY_TIMEOUT: "), "{e}");
    }
}
