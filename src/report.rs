//! Findings, severities and the report that checks produce and renderers consume.

use std::collections::BTreeMap;

use serde::Serialize;

/// How bad a finding is. The same meaning everywhere:
/// - `Crit`: work is blocked or lost now (an alarm, blocked publishers, ready messages nobody consumes);
/// - `Warn`: it will be soon (headroom running out, a growing backlog);
/// - `Unknown`: the check could not run;
/// - `Ok`: checked, nothing wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Warn,
    Crit,
    Unknown,
}

impl Severity {
    /// Rank used to sort findings worst first and to pick the report's status:
    /// a critical finding outranks "could not check", which outranks a warning.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Ok => 0,
            Severity::Warn => 1,
            Severity::Unknown => 2,
            Severity::Crit => 3,
        }
    }

    /// The monitoring-plugin exit code of this severity (0 ok, 1 warning, 2 critical, 3 unknown).
    pub fn exit_code(self) -> u8 {
        match self {
            Severity::Ok => 0,
            Severity::Warn => 1,
            Severity::Crit => 2,
            Severity::Unknown => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Ok => "OK",
            Severity::Warn => "WARN",
            Severity::Crit => "CRIT",
            Severity::Unknown => "UNKNOWN",
        }
    }

    /// The word Nagios uses in its status line.
    pub fn nagios_word(self) -> &'static str {
        match self {
            Severity::Ok => "OK",
            Severity::Warn => "WARNING",
            Severity::Crit => "CRITICAL",
            Severity::Unknown => "UNKNOWN",
        }
    }
}

/// Which half of the fleet a finding is about; doctor groups its output by area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    Broker,
    Celery,
    Host,
}

impl Area {
    pub fn name(self) -> &'static str {
        match self {
            Area::Broker => "broker",
            Area::Celery => "celery",
            Area::Host => "host",
        }
    }
}

/// One thing a check found. The JSON form of this struct is a scripting contract: keys are stable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    pub area: Area,
    /// What the finding is about: a node, `vhost/queue`, a connection, a mount, a pid.
    pub subject: String,
    pub summary: String,
    /// The numbers behind the finding, by stable snake_case name.
    pub evidence: BTreeMap<&'static str, f64>,
    /// What to do: the setting to change or the exact command to run.
    pub remedy: String,
    /// The host the finding came from (the broker's URL host for broker findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl Finding {
    pub fn new(id: &'static str, severity: Severity, subject: impl Into<String>) -> Self {
        let area = crate::catalog::area_of(id);
        Finding {
            id,
            severity,
            area,
            subject: subject.into(),
            summary: String::new(),
            evidence: BTreeMap::new(),
            remedy: String::new(),
            host: None,
        }
    }

    pub fn summary(mut self, text: impl Into<String>) -> Self {
        self.summary = text.into();
        self
    }

    pub fn remedy(mut self, text: impl Into<String>) -> Self {
        self.remedy = text.into();
        self
    }

    pub fn evidence(mut self, name: &'static str, value: f64) -> Self {
        if value.is_finite() {
            self.evidence.insert(name, value);
        }
        self
    }
}

/// The outcome of a diagnosis: every finding, sorted worst first within each area.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
}

/// Counts of findings by severity, for the one-line summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub crit: usize,
    pub unknown: usize,
    pub warn: usize,
    pub ok: usize,
}

impl Report {
    pub fn new(mut findings: Vec<Finding>) -> Self {
        findings.sort_by(|a, b| {
            a.area
                .cmp(&b.area)
                .then(b.severity.rank().cmp(&a.severity.rank()))
                .then(a.id.cmp(b.id))
                .then(a.subject.cmp(&b.subject))
        });
        Report { findings }
    }

    /// The worst severity in the report; `Ok` when it is empty.
    pub fn status(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max_by_key(|s| s.rank())
            .unwrap_or(Severity::Ok)
    }

    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for f in &self.findings {
            match f.severity {
                Severity::Crit => t.crit += 1,
                Severity::Unknown => t.unknown += 1,
                Severity::Warn => t.warn += 1,
                Severity::Ok => t.ok += 1,
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_prefers_crit_over_unknown_over_warn() {
        let f = |s| Finding::new("queues.backlog", s, "x");
        assert_eq!(Report::new(vec![]).status(), Severity::Ok);
        assert_eq!(
            Report::new(vec![f(Severity::Ok), f(Severity::Warn)]).status(),
            Severity::Warn
        );
        assert_eq!(
            Report::new(vec![f(Severity::Warn), f(Severity::Unknown)]).status(),
            Severity::Unknown
        );
        assert_eq!(
            Report::new(vec![f(Severity::Unknown), f(Severity::Crit)]).status(),
            Severity::Crit
        );
    }

    #[test]
    fn report_sorts_by_area_then_worst_first() {
        let r = Report::new(vec![
            Finding::new("events.no-ttl", Severity::Warn, "a"),
            Finding::new("queues.backlog", Severity::Warn, "b"),
            Finding::new("broker.alarm.memory", Severity::Crit, "n"),
            Finding::new("events.no-ttl", Severity::Crit, "c"),
        ]);
        let order: Vec<_> = r
            .findings
            .iter()
            .map(|f| (f.id, f.subject.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![
                ("broker.alarm.memory", "n"),
                ("queues.backlog", "b"),
                ("events.no-ttl", "c"),
                ("events.no-ttl", "a"),
            ]
        );
    }

    #[test]
    fn non_finite_evidence_is_dropped() {
        let f = Finding::new("queues.backlog", Severity::Ok, "x")
            .evidence("a", f64::NAN)
            .evidence("b", 1.0);
        assert_eq!(f.evidence.len(), 1);
    }
}
