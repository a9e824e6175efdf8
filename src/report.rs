//! Findings, severities and the report that checks produce and renderers consume.

use std::collections::BTreeMap;
use std::sync::Arc;

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

pub use crate::catalog::Area;

/// A finding's numbers by name, in name order (as a `BTreeMap` would keep them), held as a
/// short sorted list: a finding has one to a few, and a `BTreeMap`'s first node costs some 280
/// bytes, which a doctor run on a big vhost pays for each of its thousands of findings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence(Vec<(&'static str, f64)>);

impl Evidence {
    /// Set `name` to `value` (replacing an earlier value of that name).
    pub fn insert(&mut self, name: &'static str, value: f64) {
        match self.0.binary_search_by(|(k, _)| (*k).cmp(name)) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&f64> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Names and values in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&&'static str, &f64)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &f64> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `f.evidence["name"]` in tests, as with the map this replaced.
#[cfg(test)]
impl std::ops::Index<&str> for Evidence {
    type Output = f64;

    fn index(&self, name: &str) -> &f64 {
        self.get(name)
            .unwrap_or_else(|| panic!("no evidence named {name}"))
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// A remedy as a JSON string. A text many findings share (a vhost's policy command on each of
/// thousands of `events.no-ttl`) is escaped once, then written as it is (serde_json's raw
/// value; `serde_json::to_value` reads it back as the string): escaping it again for every
/// finding was 1.5 % of a doctor run at 10 000 queues. The last such text is kept, and
/// findings of one check come out together.
fn as_str<S: serde::Serializer>(text: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error as _;
    use serde_json::value::RawValue;
    use std::cell::RefCell;
    type Escaped = Option<(Arc<str>, Box<RawValue>)>;
    thread_local! {
        static LAST: RefCell<Escaped> = const { RefCell::new(None) };
    }
    // Two holders: this finding and at least one other (the cache's own clone is a third).
    if Arc::strong_count(text) < 2 || text.len() < 64 {
        return s.serialize_str(text);
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        let cached = matches!(&*last, Some((t, _)) if Arc::ptr_eq(t, text));
        if !cached {
            let json = serde_json::to_string(&**text).map_err(S::Error::custom)?;
            let raw = RawValue::from_string(json).map_err(S::Error::custom)?;
            *last = Some((Arc::clone(text), raw));
        }
        match &*last {
            Some((_, raw)) => raw.serialize(s),
            None => s.serialize_str(text),
        }
    })
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
    pub evidence: Evidence,
    /// What to do: the setting to change or the exact command to run. Shared: the findings of
    /// one check on one vhost often carry the same long command (an `events.no-ttl` per event
    /// queue, each with the vhost's policy command), made once and not once a queue.
    #[serde(serialize_with = "as_str")]
    pub remedy: Arc<str>,
    /// The host the finding came from (the broker's URL host for broker findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// On the one finding that stands for those of its ID left out of a long report
    /// ([`Report::cap_per_id`]): how many it stands for. Absent on every other finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<usize>,
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
            evidence: Evidence::default(),
            remedy: Arc::from(""),
            host: None,
            more: None,
        }
    }

    /// The largest evidence value: within one ID and severity, the bigger number is the worse
    /// finding (more messages, more queues, a higher rate).
    fn weight(&self) -> f64 {
        self.evidence
            .values()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }

    pub fn summary(mut self, text: impl Into<String>) -> Self {
        self.summary = text.into();
        self
    }

    /// The remedy; pass an `Arc<str>` (cloned) to share one text between many findings.
    pub fn remedy(mut self, text: impl Into<Arc<str>>) -> Self {
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

/// How many findings of one ID a report lists by default before it says "and K more like
/// this" (`doctor --max-per-id`): a broker with 50 000 queues can have thousands of findings
/// of one kind, megabytes no one reads.
pub const DEFAULT_MAX_PER_ID: usize = 20;

/// The outcome of a diagnosis: every finding, sorted worst first within each area.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The findings left out by [`Report::cap_per_id`], by severity: still counted in the
    /// tally and the status.
    #[serde(skip)]
    pub hidden: Tally,
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
                // The finding that stands for those left out comes after the ones listed.
                .then(a.more.is_some().cmp(&b.more.is_some()))
                .then(a.subject.cmp(&b.subject))
        });
        Report {
            findings,
            hidden: Tally::default(),
        }
    }

    /// List at most `max` findings of each ID (0: no limit): the worst (highest severity, then
    /// the biggest evidence value), and in place of the rest one finding of the same ID whose
    /// severity is the worst of those left out, saying how many they are. The status, the exit
    /// code and the tally still count every finding.
    pub fn cap_per_id(mut self, max: usize) -> Report {
        if max == 0 {
            return self;
        }
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for f in &self.findings {
            *counts.entry(f.id).or_default() += 1;
        }
        if counts.values().all(|&n| n <= max) {
            return self;
        }
        // Rank each over-full ID's findings worst first and keep the first `max`.
        let mut keep = vec![true; self.findings.len()];
        for (&id, _) in counts.iter().filter(|(_, n)| **n > max) {
            let mut idx: Vec<usize> = (0..self.findings.len())
                .filter(|&i| self.findings[i].id == id)
                .collect();
            idx.sort_by(|&a, &b| {
                let (fa, fb) = (&self.findings[a], &self.findings[b]);
                fb.severity
                    .rank()
                    .cmp(&fa.severity.rank())
                    .then(fb.weight().total_cmp(&fa.weight()))
                    .then(fa.subject.cmp(&fb.subject))
            });
            for &i in &idx[max..] {
                keep[i] = false;
            }
        }
        let mut left_out: BTreeMap<&'static str, (Tally, Severity, Option<String>)> =
            BTreeMap::new();
        let mut findings = Vec::with_capacity(self.findings.len());
        for (f, keep) in self.findings.into_iter().zip(keep) {
            if keep {
                findings.push(f);
                continue;
            }
            let e =
                left_out
                    .entry(f.id)
                    .or_insert((Tally::default(), Severity::Ok, f.host.clone()));
            e.0.add(f.severity);
            self.hidden.add(f.severity);
            if f.severity.rank() > e.1.rank() {
                e.1 = f.severity;
            }
        }
        for (id, (t, worst, host)) in left_out {
            let n = t.total();
            let mut parts = Vec::new();
            for (k, label) in [
                (t.crit, "critical"),
                (t.unknown, "unknown"),
                (t.warn, "warning"),
                (t.ok, "ok"),
            ] {
                if k > 0 {
                    parts.push(format!("{k} {label}"));
                }
            }
            let mut f = Finding::new(id, worst, format!("(+{n} more)"))
                .summary(format!(
                    "and {n} more like this ({}), not listed: the worst {max} {id} findings are shown",
                    parts.join(", ")
                ))
                .remedy(
                    "the same as above; list every one with doctor --max-per-id 0 (or CELTOOL_MAX_PER_ID=0)",
                );
            f.host = host;
            f.more = Some(n);
            findings.push(f);
        }
        Report {
            hidden: self.hidden,
            ..Report::new(findings)
        }
    }

    /// The worst severity in the report; `Ok` when it is empty.
    pub fn status(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max_by_key(|s| s.rank())
            .unwrap_or(Severity::Ok)
    }

    /// Counts by severity of every finding, those left out of a capped report included (the
    /// findings that stand for them are not counted themselves).
    pub fn tally(&self) -> Tally {
        let mut t = self.hidden;
        for f in self.findings.iter().filter(|f| f.more.is_none()) {
            t.add(f.severity);
        }
        t
    }
}

impl Tally {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Crit => self.crit += 1,
            Severity::Unknown => self.unknown += 1,
            Severity::Warn => self.warn += 1,
            Severity::Ok => self.ok += 1,
        }
    }

    fn total(&self) -> usize {
        self.crit + self.unknown + self.warn + self.ok
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
    fn a_shared_remedy_is_written_as_the_same_json_as_a_text_of_its_own() {
        let text = "rabbitmqctl set_policy -p 'v 1' celeryev '^celeryev\\.' '{\"message-ttl\":5000}' \u{e9}\n\ttab";
        let shared: Arc<str> = Arc::from(text);
        let findings: Vec<Finding> = (0..3)
            .map(|i| {
                Finding::new("events.no-ttl", Severity::Warn, format!("v/q{i}"))
                    .remedy(Arc::clone(&shared))
            })
            .chain([Finding::new("events.no-ttl", Severity::Warn, "v/own").remedy(text)])
            .collect();
        let mut out = Vec::new();
        crate::output::json::write(&mut out, &findings).unwrap();
        let written: serde_json::Value = serde_json::from_slice(&out).unwrap();
        for f in written.as_array().unwrap() {
            assert_eq!(f["remedy"], text, "{f}");
        }
        let own = String::from_utf8(out).unwrap();
        let escaped = serde_json::to_string(text).unwrap();
        assert_eq!(own.matches(&escaped).count(), 4, "{own}");
        let value = serde_json::to_value(&findings[0]).unwrap();
        assert_eq!(value["remedy"], text);
    }

    #[test]
    fn cap_per_id_keeps_the_worst_and_counts_every_finding() {
        let mut fs: Vec<Finding> = (0..30)
            .map(|i| {
                Finding::new("queues.backlog", Severity::Warn, format!("/q{i:02}"))
                    .evidence("messages_ready", i as f64)
            })
            .collect();
        fs.push(Finding::new("queues.backlog", Severity::Crit, "/big"));
        fs.push(Finding::new("broker.alarm.memory", Severity::Crit, "n"));
        let full = Report::new(fs);
        assert_eq!(full.tally().warn, 30);
        let r = full.clone().cap_per_id(5);
        let backlog: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.id == "queues.backlog")
            .collect();
        // The critical one, then the four biggest backlogs, then one for the other 26.
        let subjects: Vec<&str> = backlog.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(
            subjects,
            vec!["/big", "/q26", "/q27", "/q28", "/q29", "(+26 more)"]
        );
        let more = backlog[5];
        assert_eq!(more.severity, Severity::Warn);
        assert_eq!(more.more, Some(26));
        assert_eq!(
            more.summary,
            "and 26 more like this (26 warning), not listed: the worst 5 queues.backlog findings are shown"
        );
        // Status and tally count every finding, left out or not.
        assert_eq!(r.status(), Severity::Crit);
        assert_eq!(r.tally(), full.tally());
        // JSON: `more` only on the finding that stands for the others.
        let v = serde_json::to_value(&r).unwrap();
        let with_more: Vec<_> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f.get("more").is_some())
            .collect();
        assert_eq!(with_more.len(), 1);
        assert_eq!(with_more[0]["more"], 26);
        // 0 and a roomy limit change nothing.
        assert_eq!(full.clone().cap_per_id(0).findings, full.findings);
        assert_eq!(full.clone().cap_per_id(31).findings, full.findings);
    }

    #[test]
    fn the_left_out_finding_has_the_worst_severity_of_those_it_stands_for() {
        let mut fs = vec![Finding::new("queues.no-consumers", Severity::Warn, "/a")];
        fs.push(Finding::new("queues.no-consumers", Severity::Warn, "/b"));
        fs.push(Finding::new("queues.no-consumers", Severity::Crit, "/c"));
        fs.push(Finding::new("queues.no-consumers", Severity::Crit, "/d"));
        let r = Report::new(fs).cap_per_id(1);
        let more = r.findings.iter().find(|f| f.more.is_some()).unwrap();
        assert_eq!(more.severity, Severity::Crit);
        assert_eq!(more.more, Some(3));
        assert!(
            more.summary.contains("(1 critical, 2 warning)"),
            "{}",
            more.summary
        );
        assert_eq!(r.tally().crit, 2);
        assert_eq!(r.tally().warn, 2);
    }

    #[test]
    fn non_finite_evidence_is_dropped() {
        let f = Finding::new("queues.backlog", Severity::Ok, "x")
            .evidence("a", f64::NAN)
            .evidence("b", 1.0);
        assert_eq!(f.evidence.len(), 1);
    }
}
