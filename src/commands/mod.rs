//! One file per subcommand. Each takes the run's resolved settings, the printer and its own
//! args, reads what it needs through `crate::gather`, and leaves rendering to `crate::output`.

pub mod connections;
pub mod conntrack;
pub mod doctor;
pub mod explain;
pub mod fix;
pub mod fleet;
pub mod generate;
pub mod inodes;
pub mod lint;
pub mod man;
pub mod probe;
pub mod prune_tmp;
pub mod queues;
pub mod reap;
pub mod redis;
pub mod redis_fix;
pub mod undo;
pub mod workers;

use crate::error::Error;
use crate::host::{GatherOptions, HostSnapshot};
use crate::output::{Format, Printer};
use crate::rabbitmq::client::Client;
use crate::rabbitmq::read::{Need, Snapshot};
use crate::settings::Settings;

/// Read what `need` names of the settings' RabbitMQ broker through the one door
/// (`crate::gather`); a part that could not be read is the command's error (listing and fix
/// commands need every part they ask for; doctor, which reports gaps instead, reads the
/// snapshot's parts itself).
pub fn complete_snapshot(
    s: &Settings,
    p: &Printer,
    need: Need,
) -> Result<(Client, Snapshot), Error> {
    let client = client(s)?;
    let waiting = waiting(p, &client);
    let got = crate::gather::gather(
        Some(&client),
        s.vhost(),
        s.roots(),
        s.thresholds(),
        &crate::gather::Need {
            broker: Some(crate::gather::BrokerNeed::RabbitMq(need)),
            ..crate::gather::Need::default()
        },
    )?;
    drop(waiting);
    let mut snap = match got.broker {
        Some(Ok(crate::gather::BrokerPart::RabbitMq(snap))) => snap,
        Some(Err(e)) => return Err(e.into()),
        Some(Ok(crate::gather::BrokerPart::Redis { .. })) | None => {
            return Err(Error::Io(format!(
                "{}: the management API was not read",
                client.base()
            )));
        }
    };
    if !snap.gaps.is_empty() {
        return Err(snap.gaps.swap_remove(0).error.into());
    }
    Ok((client, snap))
}

/// Say on stderr how many records of each listing were left out because they did not decode
/// (one odd record never fails a whole listing).
pub fn warn_skipped(p: &Printer, snap: &Snapshot) {
    for (what, n) in &snap.skipped {
        p.warn(&format!(
            "{n} record(s) of the {what} listing were not the JSON expected and are left out"
        ));
    }
}

/// The terminal's spinner for what `client` is waiting for.
pub fn waiting(p: &Printer, client: &Client) -> crate::output::printer::Waiting {
    let budget = std::sync::Arc::clone(client.budget());
    p.waiting(move || budget.status())
}

/// Read this host's parts that `opts` names, through the one door (`crate::gather`): with no
/// broker to wait on, on this thread and without the async runtime.
pub fn host_snapshot(s: &Settings, opts: GatherOptions) -> Result<HostSnapshot, Error> {
    let need = crate::gather::Need {
        host: Some(opts),
        ..crate::gather::Need::default()
    };
    crate::gather::gather(None, None, s.roots(), s.thresholds(), &need)?
        .host
        .ok_or_else(|| Error::Io("this host was not read".into()))
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

/// Print a listing in the chosen format: a table, a JSON document, or Prometheus gauges;
/// Nagios is for doctor. Nothing in table format with -q. `json` is the document's body under
/// the envelope: the rows under their name (`Named("queues", &rows)`), or an object whose keys
/// stand beside the envelope's.
pub fn emit_listing<T: serde::Serialize + ?Sized>(
    p: &Printer,
    json: &T,
    table: impl FnOnce() -> String,
    prometheus: impl FnOnce() -> String,
) -> Result<(), Error> {
    match p.style.format {
        Format::Table if p.style.quiet => Ok(()),
        Format::Table => p.out(&table()),
        Format::Json => p.json(json),
        Format::Prometheus => p.out(&prometheus()),
        Format::Nagios => Err(Error::Usage(
            "--format nagios is for `celtool doctor`; use table, json or prometheus here".into(),
        )),
        Format::Sarif => Err(Error::Usage(
            "--format sarif is for `celtool lint`; use table, json or prometheus here".into(),
        )),
    }
}

/// The value of a host reading, "not in use" as None, or the error that it could not be read.
pub fn present<T>(r: crate::host::Reading<T>) -> Result<Option<T>, Error> {
    match r {
        crate::host::Reading::Present(v) => Ok(Some(v)),
        crate::host::Reading::Absent(_) => Ok(None),
        crate::host::Reading::Unreadable(why) => Err(Error::Io(why)),
    }
}

/// A management API client for the run's RabbitMQ broker (no I/O yet).
pub fn client(s: &Settings) -> Result<crate::rabbitmq::client::Client, Error> {
    Ok(crate::rabbitmq::client::Client::new(
        s.rabbitmq()?.endpoint.clone(),
    )?)
}

/// The exit of a fix: 0 applied, nothing to do or dry run; 1 when the plan was only shown;
/// 3 when the fix refused (a conflict, a read-only tunable).
pub fn fix_outcome(status: crate::fix::Status) -> crate::error::Outcome {
    use crate::error::Outcome;
    use crate::fix::Status;
    match status {
        Status::NotApplied => Outcome::Checked(crate::report::Severity::Warn),
        Status::Refused => Outcome::Checked(crate::report::Severity::Unknown),
        Status::NothingToDo | Status::DryRun | Status::Applied => Outcome::Done,
    }
}
