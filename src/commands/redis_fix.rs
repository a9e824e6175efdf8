//! The Redis fixes through the one plan / apply / journal / undo flow: offered by
//! `doctor --fix --url redis://...`, undone by `celtool undo RUN --url redis://...`.

use crate::cli::ApplyArgs;
use crate::error::Error;
use crate::fix::Applier;
use crate::fix::journal::Entry;
use crate::fix::redis as fixes;
use crate::fix::{Change, Plan};
use crate::output::Printer;
use crate::redis::{RedisClient, RedisSnapshot};
use crate::report::{Report, Severity};
use crate::settings::{RedisSettings, Settings};

fn connect(s: &RedisSettings) -> Result<RedisClient, Error> {
    let client = crate::gather::runtime()?
        .block_on(RedisClient::connect(
            &s.target,
            s.password.as_ref(),
            s.timeout,
            s.ca_file.as_deref(),
        ))
        .map_err(|e| Error::Io(e.to_string()))?;
    fixes::use_connection(client.clone());
    Ok(client)
}

/// Result TTLs (result_expires from CELTOOL_REDIS_RESULT_EXPIRES or the profile's
/// redis_result_expires, default 1 day) and
/// noeviction, for the findings that call for them. CONFIG SET needs --yes: it is shown, then
/// applied only with it.
pub fn offer(
    p: &Printer,
    apply: &ApplyArgs,
    s: &RedisSettings,
    snap: &RedisSnapshot,
    report: &Report,
) -> Result<(), Error> {
    let bad = |id: &str| {
        report
            .findings
            .iter()
            .any(|f| f.id == id && matches!(f.severity, Severity::Warn | Severity::Crit))
    };
    let mut plans = Vec::new();
    if bad("redis.results.no-ttl") {
        plans.push(fixes::plan_result_ttl(
            snap,
            &s.target.server(),
            s.result_expires,
        ));
    }
    if bad("redis.maxmemory-policy") {
        let plan = fixes::plan_noeviction(snap, &s.target.server());
        if !apply.yes && !plan.changes.is_empty() {
            p.say(&plan.render())?;
            p.say(
                "not applied: CONFIG SET changes the whole server; run again with --yes to apply it\n",
            )?;
        } else {
            plans.push(plan);
        }
    }
    if plans.is_empty() {
        return Ok(());
    }
    connect(s)?;
    let applier = Applier {
        printer: p,
        args: apply,
        client: None,
    };
    for plan in &plans {
        applier.execute(plan)?;
    }
    Ok(())
}

/// Undo a run of Redis changes on the server named by --url (it must be the one they were made on).
pub fn undo(
    st: &Settings,
    p: &Printer,
    apply: &ApplyArgs,
    run: &str,
    of_run: &[&Entry],
) -> Result<crate::error::Outcome, Error> {
    let server = of_run
        .iter()
        .find_map(|e| match &e.change {
            Change::Redis(c) => Some(c.server().to_string()),
            _ => None,
        })
        .unwrap_or_default();
    let s = st.redis().map_err(|_| {
        Error::Usage(format!("run {run} changed the Redis server {server}; run undo with --url {server}/DB (and its password)"))
    })?;
    if s.sentinel.is_some() {
        return Err(Error::Usage(format!(
            "undo cannot go through Sentinel (the master may have moved since): run {run} changed the Redis server {server}; run undo with --url {server}/DB (and its password)"
        )));
    }
    connect(s)?;
    let mut plan = Plan {
        fix: "undo",
        ..Plan::default()
    };
    let rt = crate::gather::runtime()?;
    for e in of_run {
        let Change::Redis(c) = &e.change else {
            plan.notes.push(format!(
                "not a Redis change, left alone: {}",
                e.change.describe()
            ));
            continue;
        };
        if let Some(why) = rt.block_on(fixes::drifted(c)).map_err(Error::Io)? {
            return Err(Error::Usage(format!(
                "cannot undo run {run}: {why}; it was changed after celtool applied it, so restoring the old state would lose that change"
            )));
        }
        plan.changes.push(Change::Redis(c.inverse()));
    }
    plan.notes.insert(0, format!("undo run {run}"));
    let applier = Applier {
        printer: p,
        args: apply,
        client: None,
    };
    Ok(super::fix_outcome(applier.execute_undo(&plan, run)?))
}
