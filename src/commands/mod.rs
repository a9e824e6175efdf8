//! One file per subcommand. Each takes the validated globals and its own args, returns an
//! outcome, and leaves rendering to `output`.

pub mod connections;
pub mod doctor;
pub mod explain;
pub mod fix;
pub mod fleet;
pub mod generate;
pub mod host;
pub mod prune_tmp;
pub mod queues;

use std::path::PathBuf;

use crate::broker::client::{Client, Endpoint};
use crate::cli::GlobalArgs;
use crate::error::Error;
use crate::output::Style;
use crate::settings::{self, Config, ConnectionFlags};

/// The global options, validated once before dispatch.
#[derive(Debug)]
pub struct Globals {
    pub style: Style,
    pub flags: ConnectionFlags,
    pub config_path: PathBuf,
    /// The config file was named (--config / CELTOOL_CONFIG), so it must exist.
    pub config_explicit: bool,
    /// Where /proc and /sys are read from.
    pub roots: crate::host::Roots,
}

impl Globals {
    pub fn from_args(args: &GlobalArgs) -> Self {
        Globals {
            style: Style::detect(args.format, args.color, args.quiet),
            flags: ConnectionFlags {
                profile: args.profile.clone(),
                url: args.url.clone(),
                user: args.user.clone(),
                vhost: args.vhost.clone(),
                timeout: args.timeout,
            },
            config_explicit: args.config.is_some(),
            roots: {
                let d = crate::host::Roots::default();
                crate::host::Roots {
                    proc: args.proc_root.clone().unwrap_or(d.proc),
                    sys: args.sys_root.clone().unwrap_or(d.sys),
                }
            },
            config_path: args
                .config
                .clone()
                .unwrap_or_else(settings::default_config_path),
        }
    }

    pub fn config(&self) -> Result<Config, Error> {
        Ok(Config::load(&self.config_path, self.config_explicit)?)
    }

    /// The endpoint and vhost to use, with the password from CELTOOL_PASSWORD or the profile.
    pub fn endpoint(&self, config: &Config) -> Result<(Endpoint, Option<String>), Error> {
        let password = std::env::var("CELTOOL_PASSWORD").ok();
        Ok(settings::resolve_endpoint(&self.flags, config, password)?)
    }

    pub fn client(&self, config: &Config) -> Result<(Client, Option<String>), Error> {
        let (endpoint, vhost) = self.endpoint(config)?;
        Ok((Client::new(endpoint)?, vhost))
    }
}

/// Fetch what `need` names from the broker of the settings; a part that could not be read is
/// the command's error (listing and fix commands need every part they ask for; doctor, which
/// reports gaps instead, calls `gather` itself).
pub fn complete_snapshot(
    g: &Globals,
    need: crate::broker::gather::Need,
) -> Result<(Client, crate::broker::gather::Snapshot), Error> {
    let config = g.config()?;
    let (client, vhost) = g.client(&config)?;
    let mut snap = runtime()?.block_on(crate::broker::gather::gather(
        &client,
        vhost.as_deref(),
        need,
    ))?;
    if !snap.gaps.is_empty() {
        return Err(snap.gaps.swap_remove(0).error.into());
    }
    Ok((client, snap))
}

/// A regular expression from a flag, or a one-line usage error naming the flag.
pub fn flag_regex(flag: &str, pattern: Option<&str>) -> Result<Option<regex::Regex>, Error> {
    pattern
        .map(|re| {
            regex::Regex::new(re).map_err(|e| {
                Error::Usage(format!(
                    "{flag} '{re}' is not a valid regular expression: {}",
                    e.to_string().lines().last().unwrap_or("")
                ))
            })
        })
        .transpose()
}

/// The process's one async runtime, single-threaded: the work is waiting on the broker, and
/// decoding runs on the blocking pool, so both cores are still used. One runtime for the whole
/// process matters: pooled HTTP connections belong to the runtime that opened them.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime, Error> {
    static RT: std::sync::OnceLock<Result<tokio::runtime::Runtime, String>> =
        std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| Error::Io(format!("cannot start the async runtime: {e}")))
}

/// Print a listing in the chosen format: a table, the rows as JSON, or Prometheus gauges;
/// Nagios is for doctor. Nothing in table format with -q.
pub fn emit_listing<T: serde::Serialize + ?Sized>(
    g: &Globals,
    rows: &T,
    table: impl FnOnce() -> String,
    prometheus: impl FnOnce() -> String,
) -> Result<(), Error> {
    use crate::output::Format;
    let text = match g.style.format {
        Format::Table if g.style.quiet => return Ok(()),
        Format::Table => table(),
        Format::Json => serde_json::to_string_pretty(rows).unwrap_or_default() + "\n",
        Format::Prometheus => prometheus(),
        Format::Nagios => {
            return Err(Error::Usage(
                "--format nagios is for `celtool doctor`; use table, json or prometheus here"
                    .into(),
            ));
        }
    };
    emit(&text)
}

/// Write rendered output, mapping a write failure to an error.
pub fn emit(text: &str) -> Result<(), Error> {
    crate::output::emit(text).map_err(|e| Error::Io(format!("cannot write to stdout: {e}")))
}
