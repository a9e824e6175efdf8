//! Undo: the plan that restores what a journaled run changed, refused when the broker or the
//! host was changed again since (restoring would lose that change).

use std::path::Path;

use super::FixError;
use super::journal::Entry;
use super::{Change, Plan, PolicySpec};
use crate::rabbitmq::client::{ApiError, Client};
use crate::rabbitmq::records::Policy;

/// The run to undo: the one named, or the last one not undone yet.
pub fn choose_run(
    entries: &[Entry],
    asked: Option<&str>,
    journal: &str,
) -> Result<String, FixError> {
    let run = match asked {
        Some(r) => r.to_string(),
        None => super::journal::undoable_runs(entries)
            .pop()
            .ok_or_else(|| {
                FixError::Refused(format!("nothing to undo in the journal {journal}"))
            })?,
    };
    if entries
        .iter()
        .any(|e| e.undo_of.as_deref() == Some(run.as_str()))
    {
        return Err(FixError::Refused(format!("run {run} was already undone")));
    }
    if !entries.iter().any(|e| e.run == run) {
        return Err(FixError::Refused(format!(
            "run {run} is not in the journal {journal}"
        )));
    }
    Ok(run)
}

/// The files a journal entry of fix `fix` may name: the conntrack fix's own (and an undo's,
/// which restores them), under this run's roots. Other fixes write no file.
fn allowed_paths(fix: &str, roots: &crate::host::Roots, etc: &Path) -> Vec<String> {
    match fix {
        "conntrack" | "undo" => crate::host::conntrack::fix_paths(roots, etc)
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Refuse a run whose entries name a file their fix never writes: undo acts on what the journal
/// says, and a hand-added `write-file` line must not replace an arbitrary file as root.
pub fn refuse_unknown_paths(
    of_run: &[&Entry],
    roots: &crate::host::Roots,
    etc: &Path,
    journal: &str,
) -> Result<(), FixError> {
    for e in of_run {
        let path = match &e.change {
            Change::WriteKernel { path, .. }
            | Change::WriteFile { path, .. }
            | Change::RemoveFile { path, .. } => path,
            _ => continue,
        };
        let allowed = allowed_paths(&e.fix, roots, etc);
        if !allowed.iter().any(|a| a == path) {
            let known = if allowed.is_empty() {
                format!("fix '{}' writes no file", e.fix)
            } else {
                format!("fix '{}' writes only {}", e.fix, allowed.join(", "))
            };
            return Err(FixError::Refused(format!(
                "journal {journal}, line {}: refusing to undo: the entry names {}, but {known}; nothing was changed",
                e.line,
                crate::text::sanitize(path)
            )));
        }
    }
    Ok(())
}

/// The inverse of each change of `run`, last first, after checking that each still shows the
/// state celtool left.
pub fn plan(entries: &[Entry], run: &str, client: &Client) -> Result<Plan, FixError> {
    let mut of_run: Vec<&Entry> = entries.iter().filter(|e| e.run == run).collect();
    of_run.sort_by_key(|e| std::cmp::Reverse(e.seq));
    let mut plan = Plan {
        fix: "undo",
        ..Plan::default()
    };
    let rt = crate::gather::runtime()?;
    for e in of_run {
        if let Some(broker) = &e.broker
            && broker != client.base().as_str()
        {
            return Err(FixError::Refused(format!(
                "run {run} changed the broker at {broker}; run undo with --url {broker} (and its credentials)"
            )));
        }
        let Some(inverse) = e.change.inverse() else {
            plan.notes
                .push(format!("cannot be undone: {}", e.change.describe()));
            continue;
        };
        if let Some(why) = rt.block_on(drifted(client, &e.change))? {
            return Err(FixError::Refused(format!(
                "cannot undo run {run}: {why}; it was changed after celtool applied it, so restoring the old state would lose that change"
            )));
        }
        plan.changes.push(inverse);
    }
    plan.notes.insert(0, format!("undo run {run}"));
    Ok(plan)
}

/// Why the broker or this host no longer shows the state a change left, or None when it does.
async fn drifted(client: &Client, change: &Change) -> Result<Option<String>, FixError> {
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
        Change::Bind(b) | Change::Unbind(b) => {
            let key = b.properties_key();
            let mut path: Vec<&str> = vec!["bindings", &b.vhost, "e", &b.source];
            path.push(if b.destination_type == "exchange" {
                "e"
            } else {
                "q"
            });
            path.extend([b.destination.as_str(), key.as_str()]);
            let exists = match client.get::<serde_json::Value>(&path, None).await {
                Ok(_) => true,
                Err(ApiError::NotFound { .. }) => false,
                Err(e) => return Err(e.into()),
            };
            let bound = matches!(change, Change::Bind(_));
            return Ok((exists != bound).then(|| {
                format!(
                    "the binding {} {} since",
                    b.text(),
                    if bound { "was removed" } else { "exists again" }
                )
            }));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fix: &str, path: &str, line: usize) -> Entry {
        Entry {
            run: "r".into(),
            seq: 0,
            time: "t".into(),
            fix: fix.into(),
            broker: None,
            undo_of: None,
            change: Change::WriteFile {
                path: path.into(),
                before: None,
                after: "x".into(),
            },
            line,
        }
    }

    #[test]
    fn undo_touches_only_the_files_of_the_fix_that_made_the_entry() {
        let roots = crate::host::Roots {
            proc: "/p".into(),
            sys: "/s".into(),
        };
        let etc = Path::new("/e");
        let ok = entry("conntrack", "/e/sysctl.d/90-celtool-conntrack.conf", 3);
        assert!(refuse_unknown_paths(&[&ok], &roots, etc, "j").is_ok());
        let kernel = entry("conntrack", "/p/sys/net/netfilter/nf_conntrack_max", 4);
        assert!(refuse_unknown_paths(&[&kernel], &roots, etc, "j").is_ok());
        let bad = entry("conntrack", "/etc/shadow", 7);
        let e = refuse_unknown_paths(&[&ok, &bad], &roots, etc, "j")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("journal j, line 7: refusing to undo: the entry names /etc/shadow, but fix 'conntrack' writes only /p/sys/net/netfilter/nf_conntrack_max, "),
            "{e}"
        );
        let other = entry("event-queues", "/e/sysctl.d/90-celtool-conntrack.conf", 9);
        let e = refuse_unknown_paths(&[&other], &roots, etc, "j")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 9") && e.contains("fix 'event-queues' writes no file"),
            "{e}"
        );
    }
}
