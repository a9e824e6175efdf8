//! The apply flow every fix, `undo` and `doctor --fix` share: show the plan, get consent (or
//! --yes), make each change, journal it. Prompts and messages go through a [`Console`], which
//! the rendering layer's printer is.

use serde::Serialize;

use super::journal::{self, Entry, Journal};
use super::{Change, FixError, Plan};
use crate::cli::ApplyArgs;
use crate::rabbitmq::client::Client;

/// What happened to a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    NothingToDo,
    DryRun,
    /// Shown but not applied: no --yes off a terminal, declined, or irreversible without --yes.
    NotApplied,
    /// The fix refused part of the job; the notes say why.
    Refused,
    Applied,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    plan: &'a Plan,
    status: Status,
    run: Option<&'a str>,
}

/// Where a fix talks to the operator: the plan and its progress as text, the one question, and
/// the result as a JSON document when JSON was asked for. The printer is one.
pub trait Console {
    fn say(&self, text: &str) -> Result<(), FixError>;
    /// A question can be asked (stdin and stderr are a terminal).
    fn interactive(&self) -> bool;
    fn confirm(&self, question: &str) -> Result<bool, FixError>;
    /// JSON was asked for: the result goes out as one document, through [`Console::document`].
    fn wants_json(&self) -> bool;
    fn document(&self, doc: &serde_json::Value) -> Result<(), FixError>;
}

/// Fixes and undo never overlap, and never start on a journal they could not append to: lock
/// and check the journal before reading the state a plan is made from (not for a dry run,
/// which writes nothing). The lock is re-entrant within the process, so the apply step's own
/// lock is harmless.
pub fn lock_journal(args: &ApplyArgs) -> Result<Option<journal::JournalLock>, FixError> {
    if args.dry_run {
        return Ok(None);
    }
    let journal = Journal::new(args.journal.clone().unwrap_or_else(journal::default_path));
    let lock = journal.lock()?;
    journal.check()?;
    Ok(Some(lock))
}

/// How a plan is applied: where to print, the consent flags, the broker for broker changes.
pub struct Applier<'a> {
    pub printer: &'a dyn Console,
    pub args: &'a ApplyArgs,
    pub client: Option<&'a Client>,
}

impl Applier<'_> {
    /// Show the plan, get consent, apply and journal each change.
    pub fn execute(&self, plan: &Plan) -> Result<Status, FixError> {
        self.execute_as(plan, None)
    }

    /// The same for an undo run, journaled as the undo of `run`.
    pub fn execute_undo(&self, plan: &Plan, run: &str) -> Result<Status, FixError> {
        self.execute_as(plan, Some(run))
    }

    fn finish(&self, plan: &Plan, status: Status, run: Option<&str>) -> Result<Status, FixError> {
        if self.printer.wants_json() {
            let doc = serde_json::to_value(JsonResult { plan, status, run })
                .map_err(|e| FixError::Failed(format!("cannot serialise the result: {e}")))?;
            self.printer.document(&doc)?;
        }
        Ok(status)
    }

    fn execute_as(&self, plan: &Plan, undo_of: Option<&str>) -> Result<Status, FixError> {
        let say = |text: &str| self.printer.say(text);
        say(&plan.render())?;
        if plan.changes.is_empty() {
            let status = if plan.refused {
                Status::Refused
            } else {
                Status::NothingToDo
            };
            return self.finish(plan, status, None);
        }
        if self.args.dry_run {
            say("dry run: nothing changed\n")?;
            return self.finish(plan, Status::DryRun, None);
        }
        // Never ask for consent to a change that could not be journaled.
        let journal = Journal::new(
            self.args
                .journal
                .clone()
                .unwrap_or_else(journal::default_path),
        );
        let _lock = journal.lock()?;
        journal.check()?;
        if let Some(refusal) = self.consent(plan)? {
            say(refusal)?;
            return self.finish(plan, Status::NotApplied, None);
        }
        let run = journal::new_run_id();
        self.apply_all(plan, &journal, &run, undo_of)?;
        let undo_hint = if undo_of.is_none() && plan.changes.iter().any(Change::reversible) {
            format!("; undo with: celtool undo {run}")
        } else {
            String::new()
        };
        say(&format!(
            "applied {} change(s) as run {run} (journal {}){undo_hint}\n",
            plan.changes.len(),
            journal.path().display()
        ))?;
        self.finish(plan, Status::Applied, Some(&run))
    }

    /// None when the plan may be applied; else the line that says why it is not.
    fn consent(&self, plan: &Plan) -> Result<Option<&'static str>, FixError> {
        if self.args.yes {
            return Ok(None);
        }
        if plan.irreversible() {
            return Ok(Some(
                "not applied: this plan deletes data irreversibly; run again with --yes to apply it\n",
            ));
        }
        if !self.printer.interactive() {
            return Ok(Some(
                "not applied: pass --yes to apply (or run on a terminal to confirm)\n",
            ));
        }
        let question = format!("Apply these {} change(s)?", plan.changes.len());
        Ok((!self.printer.confirm(&question)?).then_some("not applied\n"))
    }

    fn apply_all(
        &self,
        plan: &Plan,
        journal: &Journal,
        run: &str,
        undo_of: Option<&str>,
    ) -> Result<(), FixError> {
        let rt = crate::gather::runtime()?;
        for (seq, change) in plan.changes.iter().enumerate() {
            if let Err(e) = rt.block_on(change.apply(self.client)) {
                let undo = if seq > 0 {
                    format!("; undo them with: celtool undo {run}")
                } else {
                    String::new()
                };
                return Err(FixError::Failed(format!(
                    "{e}; {seq} of {} change(s) were applied before this one (run {run}{undo})",
                    plan.changes.len(),
                )));
            }
            journal.append(&Entry {
                run: run.to_string(),
                seq,
                time: journal::now(),
                fix: plan.fix.to_string(),
                broker: self
                    .client
                    .filter(|_| change.is_broker())
                    .map(|c| c.base().to_string()),
                undo_of: undo_of.map(str::to_string),
                change: change.clone(),
                line: 0,
            })
            .map_err(|e| {
                FixError::Failed(format!(
                    "{e}; change {} ({}) WAS applied but is not journaled, so undo cannot restore it; no further change was made",
                    seq + 1,
                    crate::text::sanitize(&change.describe())
                ))
            })?;
        }
        Ok(())
    }
}
