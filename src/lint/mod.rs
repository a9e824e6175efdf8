//! `celtool lint`: Celery configuration checked before it ships. Pure: it takes the texts of
//! the files (read by `commands::lint`) and returns findings located on their lines. It reads
//! Python configuration (`python`), worker command lines (`cmdline`) and where workers are
//! deployed (`deploy`), assembles the configuration each worker runs with (`project`), and
//! judges it with the rules doctor's worker checks share (`checks::worker_conf`) and the ones
//! only a static look can make (`rules`).

pub mod cmdline;
pub mod deploy;
pub mod project;
pub mod python;
pub mod rules;
pub mod table;
pub mod value;

use serde::Serialize;

use crate::report::{Finding, Severity, Tally};

/// One file to lint: its path as the user gave it (or as found under a directory), and its
/// text or why it could not be read.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: String,
    pub text: Result<String, String>,
    /// Named on the command line (not found under a directory): every such file is judged,
    /// even one that does not mention Celery.
    pub explicit: bool,
}

/// A finding on a line of a file, with the lines to write there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LintFinding {
    #[serde(flatten)]
    pub finding: Finding,
    pub file: String,
    pub line: usize,
    /// The lines to write (or change) there, in that file's own form.
    pub write: Vec<String>,
}

/// What lint made of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSummary {
    pub path: String,
    /// `python`, `procfile`, `systemd`, `env`, `compose`, `kubernetes`, `yaml`, `template`.
    pub kind: &'static str,
    /// Read and understood (false: a lint.unreadable finding says why).
    pub read: bool,
}

/// The outcome of one lint run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LintReport {
    pub findings: Vec<LintFinding>,
    pub files: Vec<FileSummary>,
    /// What the run assumed (a Django namespace), said after the summary.
    pub notes: Vec<String>,
}

impl LintReport {
    pub fn status(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.finding.severity)
            .max_by_key(|s| s.rank())
            .unwrap_or(Severity::Ok)
    }

    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for f in &self.findings {
            match f.finding.severity {
                Severity::Crit => t.crit += 1,
                Severity::Unknown => t.unknown += 1,
                Severity::Warn => t.warn += 1,
                Severity::Ok => t.ok += 1,
            }
        }
        t
    }

    /// Drop the findings whose ID matches one of `skip` (an ID or a dotted prefix).
    pub fn skip(&mut self, skip: &[String]) {
        self.findings.retain(|f| {
            !skip
                .iter()
                .any(|s| crate::catalog::matches(s, f.finding.id))
        });
    }
}

/// Lint the files as one project: the Python configuration they hold is one application's,
/// and every worker command line runs it.
pub fn lint(inputs: &[Input]) -> LintReport {
    project::Project::read(inputs).judge()
}

/// A located finding; `subject` is `file:line`.
pub(crate) fn located(
    id: &'static str,
    severity: Severity,
    file: &str,
    line: usize,
    summary: String,
    remedy: String,
    write: Vec<String>,
) -> LintFinding {
    LintFinding {
        finding: Finding::new(id, severity, format!("{file}:{line}"))
            .summary(summary)
            .remedy(remedy),
        file: file.to_string(),
        line,
        write,
    }
}

#[cfg(test)]
#[path = "lint_tests.rs"]
mod tests;
