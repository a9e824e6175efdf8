//! Rendering a probe's result: one line for humans (and kubelet's event log), or a small JSON
//! document under the envelope.

use serde::Serialize;

use super::{Format, Printer};
use crate::error::Error;

/// Whether the probe passed, failed, or could not tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Unknown,
}

/// One probe's answer: the verdict, the line that says why, and what it was judged from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeResult {
    /// `liveness` or `readiness`.
    pub probe: &'static str,
    /// The node name, expanded; None when no --node was given and none was found.
    pub node: Option<String>,
    pub verdict: Verdict,
    pub reason: String,
    #[serde(flatten)]
    pub detail: Detail,
}

/// What each probe judged from; every key present (null when unknown), as the schema says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Detail {
    /// The main process, its pool and how many of its pool children are alive.
    Liveness {
        pid: Option<i32>,
        pool: Option<String>,
        pool_children: Option<usize>,
    },
    /// The vhost the worker answered in and the queues it says it consumes.
    Readiness {
        vhost: Option<String>,
        queues: Vec<String>,
    },
}

impl ProbeResult {
    pub fn new(probe: &'static str, node: Option<String>) -> Self {
        ProbeResult {
            probe,
            node,
            verdict: Verdict::Unknown,
            reason: String::new(),
            detail: match probe {
                "liveness" => Detail::Liveness {
                    pid: None,
                    pool: None,
                    pool_children: None,
                },
                _ => Detail::Readiness {
                    vhost: None,
                    queues: Vec::new(),
                },
            },
        }
    }

    fn with(mut self, verdict: Verdict, reason: String) -> Self {
        self.verdict = verdict;
        self.reason = reason;
        self
    }

    pub fn pass(self, reason: String) -> Self {
        self.with(Verdict::Pass, reason)
    }

    pub fn fail(self, reason: String) -> Self {
        self.with(Verdict::Fail, reason)
    }

    pub fn unknown(self, reason: String) -> Self {
        self.with(Verdict::Unknown, reason)
    }
}

/// The line: `ok: ...`, `not alive: ...` / `not ready: ...`, `unknown: ...`.
pub fn line(r: &ProbeResult) -> String {
    let word = match (r.verdict, r.probe) {
        (Verdict::Pass, _) => "ok",
        (Verdict::Fail, "liveness") => "not alive",
        (Verdict::Fail, _) => "not ready",
        (Verdict::Unknown, _) => "unknown",
    };
    format!("{word}: {}\n", crate::text::sanitize(&r.reason))
}

/// Print in the chosen format (the command's kind refuses the others before it runs).
pub fn emit(p: &Printer, r: &ProbeResult) -> Result<(), Error> {
    match p.style.format {
        Format::Json => p.json(r),
        _ if p.style.quiet => Ok(()),
        _ => p.out(&line(r)),
    }
}
