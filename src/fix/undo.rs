//! Undo: the plan that restores what a journaled run changed, refused when the broker or the
//! host was changed again since (restoring would lose that change).

use super::journal::Entry;
use super::{Change, Plan, PolicySpec};
use crate::broker::client::{ApiError, Client};
use crate::broker::model::Policy;
use crate::error::Error;

/// The run to undo: the one named, or the last one not undone yet.
pub fn choose_run(entries: &[Entry], asked: Option<&str>, journal: &str) -> Result<String, Error> {
    let run = match asked {
        Some(r) => r.to_string(),
        None => super::journal::undoable_runs(entries)
            .pop()
            .ok_or_else(|| Error::Usage(format!("nothing to undo in the journal {journal}")))?,
    };
    if entries
        .iter()
        .any(|e| e.undo_of.as_deref() == Some(run.as_str()))
    {
        return Err(Error::Usage(format!("run {run} was already undone")));
    }
    if !entries.iter().any(|e| e.run == run) {
        return Err(Error::Usage(format!(
            "run {run} is not in the journal {journal}"
        )));
    }
    Ok(run)
}

/// The inverse of each change of `run`, last first, after checking that each still shows the
/// state celtool left.
pub fn plan(entries: &[Entry], run: &str, client: &Client) -> Result<Plan, Error> {
    let mut of_run: Vec<&Entry> = entries.iter().filter(|e| e.run == run).collect();
    of_run.sort_by_key(|e| std::cmp::Reverse(e.seq));
    let mut plan = Plan {
        fix: "undo",
        ..Plan::default()
    };
    let rt = crate::commands::runtime()?;
    for e in of_run {
        if let Some(broker) = &e.broker
            && broker != client.base().as_str()
        {
            return Err(Error::Usage(format!(
                "run {run} changed the broker at {broker}; run undo with --url {broker} (and its credentials)"
            )));
        }
        let Some(inverse) = e.change.inverse() else {
            plan.notes
                .push(format!("cannot be undone: {}", e.change.describe()));
            continue;
        };
        if let Some(why) = rt.block_on(drifted(client, &e.change))? {
            return Err(Error::Usage(format!(
                "cannot undo run {run}: {why}; it was changed after celtool applied it, so restoring the old state would lose that change"
            )));
        }
        plan.changes.push(inverse);
    }
    plan.notes.insert(0, format!("undo run {run}"));
    Ok(plan)
}

/// Why the broker or this host no longer shows the state a change left, or None when it does.
async fn drifted(client: &Client, change: &Change) -> Result<Option<String>, Error> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let (vhost, name, expected) = match change {
        Change::PutPolicy {
            vhost, name, after, ..
        } => (vhost, name, Some(after)),
        Change::DeletePolicy { vhost, name, .. } => (vhost, name, None),
        Change::WriteKernel { path, after, .. } => {
            let now = read(path).unwrap_or_default();
            return Ok((now.trim() != after.trim())
                .then(|| format!("{path} is {} now, not {}", now.trim(), after.trim())));
        }
        Change::WriteFile { path, after, .. } => {
            return Ok((read(path).as_deref() != Some(after.as_str()))
                .then(|| format!("{path} was edited or removed since")));
        }
        Change::RemoveFile { path, .. } => {
            return Ok(std::path::Path::new(path)
                .exists()
                .then(|| format!("{path} exists again")));
        }
        Change::DeleteQueue { .. }
        | Change::ReapZombies { .. }
        | Change::Terminate { .. }
        | Change::Redis(_) => {
            return Ok(None);
        }
    };
    let current = match client.get::<Policy>(&["policies", vhost, name], None).await {
        Ok(p) => Some(PolicySpec::from(&p)),
        Err(ApiError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(match (current.as_ref(), expected) {
        (a, b) if a == b => None,
        (None, _) => Some(format!("policy {name} in vhost {vhost} no longer exists")),
        (Some(_), None) => Some(format!("policy {name} in vhost {vhost} exists again")),
        (Some(_), Some(_)) => Some(format!(
            "policy {name} in vhost {vhost} has a different definition now"
        )),
    })
}
