//! What a run's documents say about the run itself, whatever the command: the run metrics of
//! a Prometheus exposition (when the run ended, whether it did all it was asked).

use super::prometheus::Exposition;

/// How the run went, for the last-run and success gauges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunState {
    /// Seconds since the epoch when the run ended.
    pub finished_at: f64,
    /// The run did all it was asked to: no error and nothing it could not check.
    pub success: bool,
}

impl RunState {
    pub fn now(success: bool) -> Self {
        let finished_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64().floor())
            .unwrap_or(0.0);
        RunState {
            finished_at,
            success,
        }
    }
}

/// `celtool_info`, `<prefix>_last_run_timestamp_seconds` and `<prefix>_success`: the metrics
/// every exposition of `command` carries, also that of a run that failed, so the series are
/// the same whether it succeeds or fails.
pub fn run_metrics(e: &mut Exposition, prefix: &str, command: &str, run: RunState) {
    e.info(
        "celtool_info",
        "celtool's version, value 1.",
        &[("version", env!("CARGO_PKG_VERSION"))],
    );
    e.gauge(
        &format!("{prefix}_last_run_timestamp_seconds"),
        &format!("When the last {command} run ended, in seconds since the epoch."),
        &[],
        run.finished_at,
    );
    e.gauge(
        &format!("{prefix}_success"),
        &format!(
            "1 when the last {command} run did all it was asked to, else 0 (an error, or a part that could not be checked)."
        ),
        &[],
        if run.success { 1.0 } else { 0.0 },
    );
}

/// An exposition of the run metrics alone.
pub fn run_exposition(prefix: &str, command: &str, run: RunState) -> String {
    let mut e = Exposition::default();
    run_metrics(&mut e, prefix, command, run);
    e.render()
}

