//! Settings: the config file (profiles and thresholds), environment and flags, resolved once
//! before dispatch with the precedence flag > env > file > default. [`Settings`] is the
//! resolved value a run works from.

pub mod amqp;
mod password;
mod redis;
mod resolve;
pub mod target;
pub use redis::{DEFAULT_RESULT_EXPIRES, ReadOptions, RedisSettings, Sentinel};
pub use resolve::{Broker, FixDefaults, Needs, RabbitMq, Settings};

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::catalog::{self, Direction, Limits};
use crate::cli::{ColorChoice, Format};
use crate::text::{parse_duration, parse_positive_duration};

pub const DEFAULT_URL: &str = "http://localhost:15672";
pub const DEFAULT_USER: &str = "guest";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A password. Its Debug and Display never show it; only `expose` does, for the auth header.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Secret(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("config file {path}: {message}")]
    File { path: String, message: String },
    #[error("cannot read config file {path}: {cause}")]
    Read { path: String, cause: String },
    #[error("profile '{name}' is not in {path}; profiles there: {known}")]
    NoSuchProfile {
        name: String,
        path: String,
        known: String,
    },
    #[error("profile '{name}' was asked for but there is no config file at {path}")]
    NoConfigForProfile { name: String, path: String },
    #[error("cannot read password_file {path} of profile '{profile}': {cause}")]
    PasswordFile {
        path: String,
        profile: String,
        cause: String,
    },
    #[error("invalid --url '{url}': {why}")]
    Url { url: String, why: String },
    /// An AMQP URL (`--amqp-url`, `CELTOOL_AMQP_URL`, a profile's amqp_url) that is not one.
    #[error("{0}")]
    Amqp(String),
    /// A value celtool cannot use (a Redis knob, a Redis URL): the message names it.
    #[error("{0}")]
    Value(String),
    /// A command that does not exist for the broker the URL names.
    #[error("{0}")]
    NotForThisBroker(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
    #[serde(default)]
    thresholds: toml::Table,
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: Option<String>,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub vhost: Option<String>,
    pub timeout: Option<String>,
    /// PEM file of the CA (or self-signed certificate) to trust for an https url (and amqps).
    pub ca_file: Option<PathBuf>,
    /// AMQP URL for asking the workers (`celtool fleet`, `ping`).
    pub amqp_url: Option<String>,
    /// How many workers (a number) or which (node globs) should answer ping.
    pub expect_workers: Option<ExpectWorkers>,
    /// Redis: Celery's broker_transport_options visibility_timeout (`CELTOOL_REDIS_VISIBILITY_TIMEOUT`).
    pub redis_visibility_timeout: Option<String>,
    /// Redis: the least length of the rate sample (`CELTOOL_REDIS_INTERVAL`).
    pub redis_interval: Option<String>,
    /// Redis: the broker's link speed in Mbit/s (`CELTOOL_REDIS_LINK_MBIT`).
    pub redis_link_mbit: Option<u64>,
    /// RabbitMQ: the broker's link speed in Mbit/s (`CELTOOL_RABBITMQ_LINK_MBIT`).
    pub rabbitmq_link_mbit: Option<u64>,
    /// Redis: the TTL doctor --fix gives result keys (`CELTOOL_REDIS_RESULT_EXPIRES`).
    pub redis_result_expires: Option<String>,
    /// Redis Sentinel: the master's name, for a `sentinel://` url (`CELTOOL_SENTINEL_MASTER`).
    pub sentinel_master: Option<String>,
    /// Redis: the app's broker_transport_options global_keyprefix (`CELTOOL_REDIS_KEY_PREFIX`);
    /// without it celtool looks for prefixed mailbox bindings.
    pub redis_key_prefix: Option<String>,
}

/// Per-ID thresholds: the catalog's defaults with the config file's overrides, for the warn and
/// crit limits and for the timings some checks take (`catalog::TIMINGS`).
#[derive(Debug, Clone, Default)]
pub struct Thresholds {
    overrides: BTreeMap<String, Limits>,
    timings: BTreeMap<(String, String), Duration>,
}

impl Thresholds {
    /// The limits in force for an ID. Panics in tests only if the ID has no limits in the catalog.
    pub fn get(&self, id: &str) -> Limits {
        self.overrides
            .get(id)
            .copied()
            .or_else(|| catalog::entry(id).and_then(|e| e.limits))
            .unwrap_or(Limits {
                warn: None,
                crit: None,
                direction: Direction::Above,
                unit: "",
            })
    }

    /// Override one ID's limits (tests and the config file).
    pub fn set(&mut self, id: &str, warn: Option<f64>, crit: Option<f64>) {
        let mut limits = self.get(id);
        limits.warn = warn;
        limits.crit = crit;
        self.overrides.insert(id.to_string(), limits);
    }

    /// The timing `key` of `id` in force: the config file's, else the catalog's default. A
    /// timing the catalog does not have is a bug in celtool: zero, and debug builds stop.
    pub fn timing(&self, id: &str, key: &str) -> Duration {
        if let Some(d) = self.timings.get(&(id.to_string(), key.to_string())) {
            return *d;
        }
        match catalog::timing(id, key) {
            Some(t) => t.default,
            None => {
                debug_assert!(false, "{id} takes no timing {key}");
                Duration::ZERO
            }
        }
    }

    /// Override one timing (tests and the config file).
    pub fn set_timing(&mut self, id: &str, key: &str, value: Duration) {
        self.timings
            .insert((id.to_string(), key.to_string()), value);
    }
}

/// The loaded config file: where it was and what it said.
#[derive(Debug, Default)]
pub struct Config {
    pub path: PathBuf,
    pub exists: bool,
    pub profiles: BTreeMap<String, Profile>,
    pub thresholds: Thresholds,
}

impl Config {
    /// Load the file. A missing file is an empty config unless it was named explicitly.
    pub fn load(path: &Path, explicit: bool) -> Result<Config, SettingsError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Config {
                    path: path.to_path_buf(),
                    ..Config::default()
                });
            }
            Err(e) => {
                return Err(SettingsError::Read {
                    path: shown,
                    cause: e.to_string(),
                });
            }
        };
        let file: ConfigFile = toml::from_str(&text).map_err(|e| SettingsError::File {
            path: shown.clone(),
            message: one_line(&e.to_string()),
        })?;
        for (name, profile) in &file.profiles {
            if let Some(t) = &profile.timeout {
                parse_positive_duration(t).map_err(|why| SettingsError::File {
                    path: shown.clone(),
                    // Names and values may hold newlines; the error stays one line.
                    message: crate::text::sanitize(&format!("profiles.{name}.timeout: {why}")),
                })?;
            }
        }
        let thresholds =
            parse_thresholds(&file.thresholds).map_err(|message| SettingsError::File {
                path: shown.clone(),
                message: crate::text::sanitize(&message),
            })?;
        Ok(Config {
            path: path.to_path_buf(),
            exists: true,
            profiles: file.profiles,
            thresholds,
        })
    }
}

/// toml's errors span several lines with a source excerpt; keep the first line and the key.
/// The excerpt (`3 | password = "..."`) is dropped: it may quote a password put in the file.
fn one_line(message: &str) -> String {
    let excerpt = |l: &str| {
        l.split_once('|')
            .is_some_and(|(n, _)| n.trim().chars().all(|c| c.is_ascii_digit()))
    };
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !excerpt(l) && !l.chars().all(|c| c == '^' || c == ' '))
        .collect();
    lines.join(": ")
}

/// `[thresholds]` accepts `"queues.backlog" = { warn = 10, crit = 100 }` and the nested form
/// `[thresholds.queues.backlog]`, and beside warn and crit the timings an ID takes
/// (`min_age = "30s"`); any other key or a value that is not a number is an error.
fn parse_thresholds(table: &toml::Table) -> Result<Thresholds, String> {
    let mut out = Thresholds::default();
    let mut stack: Vec<(String, &toml::Table)> = vec![(String::new(), table)];
    while let Some((prefix, t)) = stack.pop() {
        let is_leaf = t.contains_key("warn")
            || t.contains_key("crit")
            || t.keys().any(|k| catalog::timing(&prefix, k).is_some());
        if is_leaf {
            parse_limits(&mut out, &prefix, t)?;
            continue;
        }
        for (key, value) in t {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(inner) => stack.push((path, inner)),
                _ => {
                    return Err(format!(
                        "thresholds.{path}: expected a table like {{ warn = N, crit = N }}"
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// One finding ID's `[thresholds.ID]`: warn and crit (in the order its direction needs) and
/// its timings.
fn parse_limits(out: &mut Thresholds, id: &str, t: &toml::Table) -> Result<(), String> {
    let Some(defaults) = catalog::entry(id).and_then(|e| e.limits) else {
        return Err(format!(
            "thresholds.{id}: '{id}' is not a finding ID that takes thresholds (see `celtool explain`)"
        ));
    };
    let mut warn = defaults.warn;
    let mut crit = defaults.crit;
    for (key, value) in t {
        if let Some(timing) = catalog::timing(id, key) {
            let d = parse_timing(value, timing.max)
                .map_err(|why| format!("thresholds.{id}.{key}: {why}"))?;
            out.set_timing(id, key, d);
            continue;
        }
        if key != "warn" && key != "crit" {
            let timings: String = catalog::TIMINGS
                .iter()
                .filter(|t| t.id == id)
                .map(|t| format!(", {}", t.key))
                .collect();
            return Err(format!(
                "thresholds.{id}: unknown key '{key}' (expected warn, crit{timings})"
            ));
        }
        let n = match value {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) if f.is_finite() => *f,
            other => {
                return Err(format!(
                    "thresholds.{id}.{key}: expected a number, found {}",
                    other.type_str()
                ));
            }
        };
        if n < 0.0 {
            return Err(format!("thresholds.{id}.{key}: must not be negative"));
        }
        if key == "warn" {
            warn = Some(n);
        } else {
            crit = Some(n);
        }
    }
    if let (Some(w), Some(c)) = (warn, crit) {
        let ordered = match defaults.direction {
            Direction::Above => w <= c,
            Direction::Below => w >= c,
        };
        if !ordered {
            return Err(format!(
                "thresholds.{id}: warn {w} and crit {c} are the wrong way round for {}",
                defaults.unit
            ));
        }
    }
    out.set(id, warn, crit);
    Ok(())
}

/// A timing in `[thresholds.ID]`: a duration with its unit (`"30s"`), at most `max`. A bare
/// number is refused, as on the command line.
fn parse_timing(value: &toml::Value, max: Option<Duration>) -> Result<Duration, String> {
    let d = match value {
        toml::Value::String(text) => parse_duration(text)?,
        toml::Value::Integer(i) => {
            return Err(format!(
                "a number needs a unit: write it as a string, like \"{i}s\" or \"{i}m\""
            ));
        }
        other => {
            return Err(format!(
                "expected a duration with its unit, like \"30s\", found {}",
                other.type_str()
            ));
        }
    };
    match max {
        Some(m) if d > m => Err(format!(
            "{}s is longer than the {}s allowed",
            d.as_secs_f64(),
            m.as_secs()
        )),
        _ => Ok(d),
    }
}

/// Where output goes and how it looks, decided once at start-up.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    /// stdout is a terminal: tables get borders and may wrap to its width.
    pub tty: bool,
    pub color: bool,
    pub quiet: bool,
}

impl Style {
    pub fn detect(format: Format, color: ColorChoice, quiet: bool) -> Self {
        let tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Style {
            format,
            tty,
            color,
            quiet,
        }
    }
}

/// The run's deadline when `--deadline` is not given: long enough for a 100 000-queue broker
/// (about 130 s of scaled wait), short enough that a cron run never hangs for good.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

/// `celtool ping`'s deadline when `--deadline` is not given: a check that Nagios or a deploy
/// gate runs, under Nagios Core's 60 s service_check_timeout (NRPE's is 10 s: pass 9s there).
pub const PING_DEADLINE: Duration = Duration::from_secs(50);

/// `celtool probe readiness`'s deadline when `--deadline` is not given: well under the
/// timeoutSeconds a Kubernetes readinessProbe should be given for it (15 s in
/// contrib/kubernetes), so the probe answers "not ready" itself rather than being killed.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(10);

/// `celtool fleet`'s deadline when `--deadline` is not given: a listing read on a terminal.
pub const FLEET_DEADLINE: Duration = Duration::from_secs(120);

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: Url,
    pub user: String,
    pub password: Secret,
    pub timeout: Duration,
    /// The profile the settings came from, named in authentication errors.
    pub profile: Option<String>,
    /// How long the whole run may wait for the broker (`--deadline`); None: no limit.
    pub deadline: Option<Duration>,
    /// PEM certificates to trust besides the system's roots (a private CA, a self-signed cert).
    pub ca_file: Option<std::path::PathBuf>,
}

/// Where /proc and /sys are; tests point these at fixture trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots {
    pub proc: PathBuf,
    pub sys: PathBuf,
}

impl Default for Roots {
    fn default() -> Self {
        Roots {
            proc: PathBuf::from("/proc"),
            sys: PathBuf::from("/sys"),
        }
    }
}

/// `expect_workers` in a profile: a count (`expect_workers = 4`) or node name globs that must
/// each match an answering worker (`expect_workers = ["web@*", "mail@*"]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum ExpectWorkers {
    Count(usize),
    Nodes(Vec<String>),
}

/// How many workers, or which, should answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    pub count: Option<usize>,
    /// Globs (`*`, `?`, `[..]`) on node names, as kombu's glob matcher.
    pub patterns: Vec<String>,
}

impl From<&ExpectWorkers> for Expect {
    fn from(e: &ExpectWorkers) -> Self {
        match e {
            ExpectWorkers::Count(n) => Expect {
                count: Some(*n),
                patterns: Vec::new(),
            },
            ExpectWorkers::Nodes(p) => Expect {
                count: None,
                patterns: p.clone(),
            },
        }
    }
}

/// The connection flags and env values as clap parsed them (flag or env, indistinguishably).
#[derive(Debug, Default, Clone)]
pub struct ConnectionFlags {
    pub profile: Option<String>,
    pub url: Option<String>,
    pub user: Option<String>,
    pub vhost: Option<String>,
    pub timeout: Option<Duration>,
    /// `--deadline`: None for the default, zero for none.
    pub deadline: Option<Duration>,
    /// The command's default deadline (None: [`DEFAULT_DEADLINE`]).
    pub default_deadline: Option<Duration>,
    /// `--ca-file`.
    pub ca_file: Option<PathBuf>,
}

/// The profile the flags select: `--profile NAME` (which must exist), else `[profiles.default]`
/// if there is one. Returns its name and its table.
pub fn select_profile(
    name: Option<&str>,
    config: &Config,
) -> Result<(Option<String>, Profile), SettingsError> {
    let config_path = config.path.display().to_string();
    let Some(name) = name else {
        return Ok(match config.profiles.get("default") {
            Some(p) => (Some("default".to_string()), p.clone()),
            None => (None, Profile::default()),
        });
    };
    if !config.exists {
        return Err(SettingsError::NoConfigForProfile {
            name: name.to_string(),
            path: config_path,
        });
    }
    let p = config
        .profiles
        .get(name)
        .ok_or_else(|| SettingsError::NoSuchProfile {
            name: name.to_string(),
            path: config_path.clone(),
            known: if config.profiles.is_empty() {
                "(none)".into()
            } else {
                config
                    .profiles
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })?;
    Ok((Some(name.to_string()), p.clone()))
}

/// Resolve where and as whom to connect, and which vhost to look at.
pub fn resolve_endpoint(
    flags: &ConnectionFlags,
    config: &Config,
    password_env: Option<String>,
) -> Result<(Endpoint, Option<String>), SettingsError> {
    let (profile_name, profile) = select_profile(flags.profile.as_deref(), config)?;
    let url_text = flags
        .url
        .clone()
        .or(profile.url.clone())
        .unwrap_or_else(|| DEFAULT_URL.to_string());
    let url = parse_url(&url_text)?;
    let user = flags
        .user
        .clone()
        .or(profile.user.clone())
        .unwrap_or_else(|| DEFAULT_USER.to_string());
    let password = match (password_env, &profile.password_file) {
        (Some(p), _) => p,
        (None, Some(file)) => {
            read_password_file(file, profile_name.as_deref().unwrap_or("default"))?
        }
        (None, None) => "guest".to_string(),
    };
    let timeout = match flags.timeout {
        Some(t) => t,
        None => match &profile.timeout {
            Some(t) => parse_duration(t).unwrap_or(DEFAULT_TIMEOUT),
            None => DEFAULT_TIMEOUT,
        },
    };
    let vhost = flags.vhost.clone().or(profile.vhost.clone());
    Ok((
        Endpoint {
            url,
            user,
            password: Secret::new(password),
            timeout,
            profile: profile_name,
            ca_file: flags.ca_file.clone().or(profile.ca_file.clone()),
            deadline: run_deadline(flags.deadline, flags.default_deadline),
        },
        vhost,
    ))
}

/// The run's deadline from `--deadline`: the default when not given, none for 0.
pub fn run_deadline(flag: Option<Duration>, default: Option<Duration>) -> Option<Duration> {
    match flag {
        Some(d) if d.is_zero() => None,
        Some(d) => Some(d),
        None => Some(default.unwrap_or(DEFAULT_DEADLINE)),
    }
}

/// The first line of a password file (what follows may be a comment or a rotation note).
pub(crate) fn read_password_file(path: &Path, profile: &str) -> Result<String, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|e| SettingsError::PasswordFile {
        path: path.display().to_string(),
        profile: profile.to_string(),
        cause: e.to_string(),
    })?;
    // The first line is the password (README); what follows may be a comment or a rotation note.
    let first = text.split('\n').next().unwrap_or_default();
    let password = first.trim_end_matches('\r').to_string();
    if let Some(why) = password::empty_reason(&password) {
        return Err(SettingsError::PasswordFile {
            path: path.display().to_string(),
            profile: profile.to_string(),
            cause: why.to_string(),
        });
    }
    Ok(password)
}

/// A management API base URL: http or https, no credentials (they would end up in logs), no query.
pub fn parse_url(text: &str) -> Result<Url, SettingsError> {
    let bad = |why: &str| SettingsError::Url {
        url: redact_userinfo(text),
        why: why.to_string(),
    };
    let url =
        Url::parse(text).map_err(|e| bad(&format!("{e}; expected like http://localhost:15672")))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "do not put credentials in the URL; use --user and CELTOOL_PASSWORD or a profile's password_file",
        ));
    }
    if url.host_str().is_none() {
        return Err(bad("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("the URL must not have a query or fragment"));
    }
    Ok(url)
}

/// `http://user:pw@host` shown as `http://***@host`, so a mistyped URL never prints a password.
fn redact_userinfo(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &text[..s + 3], &text[at..]),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_deadline;

    fn config(text: &str) -> Result<Config, SettingsError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path, true)
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172800)));
        assert_eq!(
            parse_duration("2"),
            Err("invalid duration '2': a number needs a unit, like 2s, 2m, 2h or 2d (a bare number is refused, so that a forgotten unit cannot mean seconds)".into())
        );
        assert!(parse_duration("0").is_err());
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(
            parse_positive_duration("0s"),
            Err("invalid duration '0s': it must be more than zero, like 10s, 90m or 2d".into())
        );
        assert_eq!(parse_positive_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_deadline("0"), Ok(Duration::ZERO));
        assert_eq!(parse_deadline("9s"), Ok(Duration::from_secs(9)));
        assert!(parse_deadline("9").is_err());
        assert!(
            parse_duration("ten")
                .unwrap_err()
                .contains("invalid duration 'ten'")
        );
    }

    #[test]
    fn unknown_keys_name_the_key_and_the_file() {
        let e = config("[profiles.prod]\nurl = 'http://x:15672'\npasword_file = '/x'\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("config.toml"), "{e}");
        assert!(e.contains("pasword_file"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn thresholds_accept_both_forms_and_reject_bad_ones() {
        let c = config("[thresholds]\n\"queues.backlog\" = { warn = 5, crit = 50 }\n[thresholds.broker.fd.headroom]\nwarn = 0.5\n").unwrap();
        assert_eq!(c.thresholds.get("queues.backlog").warn, Some(5.0));
        assert_eq!(c.thresholds.get("queues.backlog").crit, Some(50.0));
        assert_eq!(c.thresholds.get("broker.fd.headroom").warn, Some(0.5));
        assert_eq!(c.thresholds.get("broker.fd.headroom").crit, Some(0.95));
        let e = config("[thresholds]\n\"queues.nope\" = { warn = 1 }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("queues.nope"), "{e}");
        let e = config("[thresholds]\n\"queues.backlog\" = { warn = 'x' }\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("thresholds.queues.backlog.warn: expected a number"),
            "{e}"
        );
        let e = config("[thresholds]\n\"queues.backlog\" = { warn = 10, crit = 5 }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("wrong way round"), "{e}");
        let e = config("[thresholds]\n\"queues.backlog\" = { warm = 10 }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("queues.backlog"), "{e}");
    }

    #[test]
    fn timings_sit_beside_warn_and_crit() {
        let id = "host.workers.zombie";
        let d = Thresholds::default();
        assert_eq!(
            (d.timing(id, "min_age"), d.timing(id, "settle")),
            (Duration::from_secs(30), Duration::from_secs(2))
        );
        let c = config("[thresholds.\"host.workers.zombie\"]\nmin_age = \"5s\"\nsettle = \"1s\"\n")
            .unwrap();
        let t = &c.thresholds;
        assert_eq!(
            (
                t.timing(id, "min_age"),
                t.timing(id, "settle"),
                t.get(id).warn
            ),
            (Duration::from_secs(5), Duration::from_secs(1), Some(1.0))
        );
        let c = config(
            "[thresholds.host.workers.zombie]\nwarn = 3\nmin_age = \"1m\"\nsettle = \"500ms\"\n",
        )
        .unwrap();
        let t = &c.thresholds;
        assert_eq!(
            (
                t.timing(id, "min_age"),
                t.timing(id, "settle"),
                t.get(id).warn
            ),
            (
                Duration::from_secs(60),
                Duration::from_millis(500),
                Some(3.0)
            )
        );
        for (text, says) in [
            (
                "settle = \"2h\"",
                "thresholds.host.workers.zombie.settle: 7200s is longer than the 60s allowed",
            ),
            (
                "min_age = true",
                "thresholds.host.workers.zombie.min_age: expected a duration with its unit, like \"30s\", found boolean",
            ),
            (
                "min_age = \"soon\"",
                "thresholds.host.workers.zombie.min_age: invalid duration 'soon'",
            ),
            (
                "min_age = 30",
                "thresholds.host.workers.zombie.min_age: a number needs a unit: write it as a string, like \"30s\" or \"30m\"",
            ),
            (
                "warm = 1\nmin_age = \"1s\"",
                "unknown key 'warm' (expected warn, crit, min_age, settle)",
            ),
        ] {
            let e = config(&format!("[thresholds.\"host.workers.zombie\"]\n{text}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
        // Another ID takes no timings.
        let e = config("[thresholds]\n\"queues.backlog\" = { warn = 1, min_age = \"1s\" }\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown key 'min_age' (expected warn, crit)"),
            "{e}"
        );
    }

    #[test]
    fn precedence_is_flag_then_file_then_default() {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "s3cret\n").unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            format!(
                "[profiles.prod]\nurl = 'https://prod:15671'\nuser = 'mon'\npassword_file = '{}'\nvhost = 'jobs'\ntimeout = '3s'\n",
                pw.display()
            ),
        )
        .unwrap();
        let c = Config::load(&path, true).unwrap();
        let flags = ConnectionFlags {
            profile: Some("prod".into()),
            user: Some("other".into()),
            ..Default::default()
        };
        let (ep, vhost) = resolve_endpoint(&flags, &c, None).unwrap();
        assert_eq!(ep.url.as_str(), "https://prod:15671/");
        assert_eq!(ep.user, "other");
        assert_eq!(ep.password.expose(), "s3cret");
        assert_eq!(ep.timeout, Duration::from_secs(3));
        assert_eq!(vhost.as_deref(), Some("jobs"));
        let (ep, _) = resolve_endpoint(&flags, &c, Some("fromenv".into())).unwrap();
        assert_eq!(ep.password.expose(), "fromenv");
        let (ep, vhost) = resolve_endpoint(&ConnectionFlags::default(), &c, None).unwrap();
        assert_eq!(ep.url.as_str(), "http://localhost:15672/");
        assert_eq!((ep.user.as_str(), ep.password.expose()), ("guest", "guest"));
        assert_eq!(vhost, None);
        let e = resolve_endpoint(
            &ConnectionFlags {
                profile: Some("nope".into()),
                ..Default::default()
            },
            &c,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("'nope'") && e.contains("prod"), "{e}");
    }

    #[test]
    fn urls_with_credentials_are_refused_without_echoing_them() {
        let e = parse_url("http://guest:hunter2@localhost:15672")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("credentials"), "{e}");
        assert!(parse_url("ftp://x").is_err());
        assert!(parse_url("localhost:15672").is_err());
    }

    #[test]
    fn secrets_do_not_debug_print() {
        assert_eq!(format!("{:?}", Secret::new("pw".into())), "Secret(***)");
    }
}

/// Property tests: the config file is hand-edited, so any content must give a config or one
/// line that names the file; never a panic.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = toml::Value> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(toml::Value::Integer),
            prop_oneof![
                any::<f64>(),
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(-0.5),
                Just(0.9)
            ]
            .prop_map(toml::Value::Float),
            any::<bool>().prop_map(toml::Value::Boolean),
            prop_oneof![
                any::<String>(),
                Just("10s".to_string()),
                Just("1h30m".to_string()),
                Just("18446744073709551615d".to_string()),
                Just("http://localhost:15672".to_string()),
                Just("1\nline two".to_string()),
                "[0-9]{1,25}[a-z]{0,3}",
            ]
            .prop_map(toml::Value::String),
        ];
        leaf.prop_recursive(2, 8, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(toml::Value::Array),
                prop::collection::btree_map(key(), inner, 0..3)
                    .prop_map(|m| toml::Value::Table(m.into_iter().collect())),
            ]
        })
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("warn".to_string()),
            Just("crit".to_string()),
            Just("min_age".to_string()),
            Just("settle".to_string()),
            Just("url".to_string()),
            Just("timeout".to_string()),
            Just("two\nlines".to_string()),
            any::<String>(),
        ]
    }

    fn profile() -> impl Strategy<Value = toml::Table> {
        let field = prop_oneof![
            Just("url"),
            Just("user"),
            Just("password_file"),
            Just("vhost"),
            Just("timeout"),
            Just("password"),
        ];
        prop::collection::btree_map(field, value(), 0..5)
            .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn id() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("queues.backlog".to_string()),
            Just("broker.fd.headroom".to_string()),
            Just("broker.disk.headroom".to_string()),
            Just("host.inodes.usage".to_string()),
            Just("host.workers.zombie".to_string()),
            Just("broker.version".to_string()),
            Just("queues.nope".to_string()),
            Just("queues.two\nlines".to_string()),
            any::<String>(),
        ]
    }

    fn limits() -> impl Strategy<Value = toml::Value> {
        let limit = prop_oneof![
            Just("warn"),
            Just("crit"),
            Just("warm"),
            Just("min_age"),
            Just("settle")
        ];
        prop_oneof![
            prop::collection::btree_map(limit, value(), 0..3).prop_map(|m| toml::Value::Table(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
            value(),
        ]
    }

    /// A config document from the keys the file takes, a few it does not, and values of every
    /// type; thresholds in the flat (`"a.b" = {...}`) and the nested (`[a.b]`) form.
    fn document() -> impl Strategy<Value = toml::Table> {
        let profiles = prop::collection::btree_map(
            prop_oneof![
                Just("default".to_string()),
                Just("two\nlines".to_string()),
                any::<String>()
            ],
            profile(),
            0..3,
        );
        let thresholds = prop::collection::btree_map((id(), any::<bool>()), limits(), 0..4);
        (profiles, thresholds, any::<bool>()).prop_map(|(profiles, thresholds, junk)| {
            let mut doc = toml::Table::new();
            let profiles: toml::Table = profiles
                .into_iter()
                .map(|(k, v)| (k, toml::Value::Table(v)))
                .collect();
            doc.insert("profiles".into(), toml::Value::Table(profiles));
            let mut t = toml::Table::new();
            for ((id, nested), limits) in thresholds {
                if !nested {
                    t.insert(id, limits);
                    continue;
                }
                // `a.b.c` as `{a = {b = {c = limits}}}`; a later ID with the same first part
                // replaces an earlier one, which is as good a document as any.
                let mut parts = id.rsplit('.');
                let last = parts.next().unwrap_or_default().to_string();
                let mut value = toml::Value::Table(toml::Table::from_iter([(last, limits)]));
                let mut first = None;
                for part in parts {
                    if let Some(v) = first.take() {
                        value = toml::Value::Table(toml::Table::from_iter([(v, value)]));
                    }
                    first = Some(part.to_string());
                }
                match (first, value) {
                    (Some(head), value) => {
                        t.insert(head, value);
                    }
                    (None, toml::Value::Table(inner)) => t.extend(inner),
                    (None, _) => {}
                }
            }
            doc.insert("thresholds".into(), toml::Value::Table(t));
            if junk {
                doc.insert("colour".into(), toml::Value::Boolean(true));
            }
            doc
        })
    }

    fn load_text(bytes: &[u8]) -> (PathBuf, Result<Config, SettingsError>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, bytes).unwrap();
        let result = Config::load(&path, true);
        (path, result, dir)
    }

    fn assert_ok_or_one_line(
        path: &Path,
        result: &Result<Config, SettingsError>,
    ) -> Result<(), TestCaseError> {
        if let Err(e) = result {
            let message = e.to_string();
            prop_assert!(
                !message.contains('\n') && !message.contains('\r'),
                "not one line: {message:?}"
            );
            prop_assert!(
                message.contains(&path.display().to_string()),
                "does not name the file: {message:?}"
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_durations_never_panic(text in any::<String>()) {
            let _ = parse_duration(&text);
        }

        #[test]
        fn duration_shaped_text_never_panics(text in "[ 0-9]{0,22}(ns|us|ms|s|m|h|d|w|y|months|[a-z]{0,3})([0-9]{0,22}[a-z]{0,2}){0,3}") {
            let _ = parse_duration(&text);
        }

        #[test]
        fn bare_numbers_are_refused_and_units_round_trip(secs in any::<u64>(), minutes in 0u64..1_000_000) {
            prop_assert!(parse_duration(&secs.to_string()).is_err());
            prop_assert_eq!(parse_duration(&format!("{secs}s")), Ok(Duration::from_secs(secs)));
            prop_assert_eq!(parse_duration(&format!(" {minutes}m ")), Ok(Duration::from_secs(minutes * 60)));
        }

        #[test]
        fn arbitrary_file_content_gives_a_config_or_one_line(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let (path, result, _dir) = load_text(&bytes);
            assert_ok_or_one_line(&path, &result)?;
        }

        #[test]
        fn arbitrary_text_gives_a_config_or_one_line(text in any::<String>()) {
            let (path, result, _dir) = load_text(text.as_bytes());
            assert_ok_or_one_line(&path, &result)?;
        }

        #[test]
        fn the_first_line_of_a_password_file_is_the_password(
            password in "[^\r\n]{0,40}",
            rest in prop::option::of("[^\r]{0,40}"),
            crlf in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("password");
            let end = if crlf { "\r\n" } else { "\n" };
            std::fs::write(&path, format!("{password}{end}{}", rest.unwrap_or_default())).unwrap();
            match read_password_file(&path, "p") {
                Ok(read) => prop_assert_eq!(read, password),
                // An empty first line is refused, naming the file.
                Err(e) => prop_assert!(password.is_empty() && e.to_string().contains("first line is empty"), "{}", e),
            }
        }

        #[test]
        fn generated_toml_gives_a_config_or_one_line(doc in document()) {
            let Ok(text) = toml::to_string(&doc) else {
                return Ok(());
            };
            let (path, result, _dir) = load_text(text.as_bytes());
            assert_ok_or_one_line(&path, &result)?;
        }
    }
}
