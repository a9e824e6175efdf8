//! Checks: pure functions from a snapshot to findings. One file per concern; no I/O here.

mod broker;
pub use broker::shell_word;
mod celery;
mod connections;
mod queues;
pub mod workers;

use crate::broker::celery::Classifier;
use crate::broker::gather::Snapshot;
use crate::catalog::{Direction, Limits};
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;

/// What every check reads besides the snapshot.
pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    pub thresholds: &'a Thresholds,
    pub kinds: Classifier,
}

/// Run every broker and Celery check on a snapshot.
pub fn broker_checks(snap: &Snapshot, thresholds: &Thresholds) -> Vec<Finding> {
    let ctx = Ctx {
        snap,
        thresholds,
        kinds: Classifier::new(&snap.connections, &snap.consumers),
    };
    let mut out = Vec::new();
    for gap in &snap.gaps {
        out.push(
            Finding::new("broker.api", Severity::Unknown, gap.what)
                .summary(gap.error.to_string())
                .remedy("retry with a larger --timeout; see `celtool explain broker.api`"),
        );
    }
    broker::check(&ctx, &mut out);
    connections::check(&ctx, &mut out);
    queues::check(&ctx, &mut out);
    celery::check(&ctx, &mut out);
    for f in &mut out {
        f.host.get_or_insert_with(|| snap.host.clone());
    }
    out
}

/// The severity of a measured value against limits: crit beats warn; `None` limits never fire.
pub fn level(limits: &Limits, value: f64) -> Severity {
    let hit = |t: Option<f64>| match (t, limits.direction) {
        (Some(t), Direction::Above) => value >= t,
        (Some(t), Direction::Below) => value <= t,
        (None, _) => false,
    };
    if hit(limits.crit) {
        Severity::Crit
    } else if hit(limits.warn) {
        Severity::Warn
    } else {
        Severity::Ok
    }
}

/// A ratio that is `None` instead of dividing by zero or by a missing field.
pub fn ratio(num: Option<f64>, den: Option<f64>) -> Option<f64> {
    match (num, den) {
        (Some(n), Some(d)) if d > 0.0 && n.is_finite() && d.is_finite() => Some(n / d),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-built snapshots for the checks' unit tests.
    use super::*;
    use crate::broker::model::*;

    pub fn snapshot() -> Snapshot {
        Snapshot {
            host: "broker.test".into(),
            ..Snapshot::default()
        }
    }

    pub fn queue(json: serde_json::Value) -> Queue {
        serde_json::from_value(json).expect("test queue")
    }

    pub fn run(snap: &Snapshot) -> Vec<Finding> {
        broker_checks(snap, &Thresholds::default())
    }

    /// (id, severity, subject) of the findings that are not ok, for exact assertions.
    pub fn problems(findings: &[Finding]) -> Vec<(&'static str, Severity, String)> {
        let mut v: Vec<_> = findings
            .iter()
            .filter(|f| f.severity != Severity::Ok)
            .map(|f| (f.id, f.severity, f.subject.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(b.0).then(a.2.cmp(&b.2)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_respects_direction_and_missing_limits() {
        let above = Limits {
            warn: Some(0.8),
            crit: Some(0.9),
            direction: Direction::Above,
            unit: "",
        };
        assert_eq!(level(&above, 0.5), Severity::Ok);
        assert_eq!(level(&above, 0.8), Severity::Warn);
        assert_eq!(level(&above, 0.95), Severity::Crit);
        let below = Limits {
            warn: Some(2.0),
            crit: None,
            direction: Direction::Below,
            unit: "",
        };
        assert_eq!(level(&below, 1.0), Severity::Warn);
        assert_eq!(level(&below, 3.0), Severity::Ok);
    }

    #[test]
    fn ratio_never_divides_by_zero() {
        assert_eq!(ratio(Some(1.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(2.0)), None);
        assert_eq!(ratio(Some(1.0), None), None);
        assert_eq!(ratio(Some(1.0), Some(2.0)), Some(0.5));
    }

    #[test]
    fn an_empty_snapshot_gives_no_problems() {
        let snap = testing::snapshot();
        assert_eq!(testing::problems(&testing::run(&snap)), vec![]);
    }
}
