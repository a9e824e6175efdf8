//! The Redis fixes through the one plan / apply / journal / undo flow: offered by
//! `doctor --fix --url redis://...`, undone by `celtool undo RUN --url redis://...`.

use super::redis::{RedisSettings, redis_url, resolve};
use super::{Globals, runtime};
use crate::cli::ApplyArgs;
use crate::error::Error;
use crate::fix::journal::Entry;
use crate::fix::redis as fixes;
use crate::fix::{Change, Plan};
use crate::redis_broker::{RedisClient, RedisSnapshot};
use crate::report::{Report, Severity};

fn connect(s: &RedisSettings) -> Result<RedisClient, Error> {
    let client = runtime()?
        .block_on(RedisClient::connect(
            &s.target,
            s.password.as_ref(),
            s.timeout,
        ))
        .map_err(|e| Error::Io(e.to_string()))?;
    fixes::use_connection(client.clone());
    Ok(client)
}

/// Result TTLs (result_expires from CELTOOL_REDIS_RESULT_EXPIRES, default 1 day) and
/// noeviction, for the findings that call for them. CONFIG SET needs --yes: it is shown, then
/// applied only with it.
pub fn offer(
    g: &Globals,
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
        let expires = match std::env::var("CELTOOL_REDIS_RESULT_EXPIRES") {
            Ok(v) if !v.trim().is_empty() => crate::settings::parse_duration(&v)
                .map_err(|why| Error::Usage(format!("CELTOOL_REDIS_RESULT_EXPIRES: {why}")))?
                .as_secs()
                .max(1),
            _ => fixes::DEFAULT_RESULT_EXPIRES,
        };
        plans.push(fixes::plan_result_ttl(snap, &s.target.server(), expires));
    }
    if bad("redis.maxmemory-policy") {
        let plan = fixes::plan_noeviction(snap, &s.target.server());
        if !apply.yes && !plan.changes.is_empty() {
            super::emit(&plan.render())?;
            super::emit(
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
    for plan in &plans {
        super::fix::execute(g, apply, plan, None)?;
    }
    Ok(())
}

/// Undo a run of Redis changes on the server named by --url (it must be the one they were made on).
pub fn undo(
    g: &Globals,
    apply: &ApplyArgs,
    run: &str,
    of_run: &[&Entry],
) -> Result<crate::error::Outcome, Error> {
    let config = g.config()?;
    let server = of_run
        .iter()
        .find_map(|e| match &e.change {
            Change::Redis(c) => Some(c.server().to_string()),
            _ => None,
        })
        .unwrap_or_default();
    let url = redis_url(g, &config).ok_or_else(|| {
        Error::Usage(format!("run {run} changed the Redis server {server}; run undo with --url {server}/DB (and its password)"))
    })?;
    let s = resolve(g, &config, &url)?;
    connect(&s)?;
    let mut plan = Plan {
        fix: "undo",
        ..Plan::default()
    };
    let rt = runtime()?;
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
    let status = super::fix::execute_as(g, apply, &plan, None, Some(run))?;
    Ok(match status {
        super::fix::Status::NotApplied => crate::error::Outcome::Checked(Severity::Warn),
        super::fix::Status::Refused => crate::error::Outcome::Checked(Severity::Unknown),
        _ => crate::error::Outcome::Done,
    })
}
