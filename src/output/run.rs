//! What a run's documents say about the run itself, whatever the command: the run metrics of
//! a Prometheus exposition (when the run ended, whether it did all it was asked), and the
//! document that stands in for the result when the run failed before it had one (a Nagios
//! UNKNOWN line, a JSON error object, an exposition with success 0), so that monitoring sees
//! "could not check" rather than nothing.

use serde::Serialize;

use super::Format;
use super::prometheus::{Exposition, metric_name};
use crate::error::{Error, Outcome};
use crate::report::Severity;
use crate::text::sanitize;

/// How a command's documents name it and which machine formats it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// As typed: `ping`, `fix event-queues`; the `command` of its JSON error document.
    pub command: &'static str,
    /// Its Nagios status line, if it has one.
    pub nagios: Option<Nagios>,
    pub metrics: Metrics,
}

/// The start of a Nagios status line: `CELTOOL PING` and `: ` make `CELTOOL PING OK: ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nagios {
    pub service: &'static str,
    pub separator: &'static str,
}

/// Where a command's run metrics come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metrics {
    /// No Prometheus output at all (explain).
    None,
    /// Its exposition carries the run metrics itself, under `prefix` (`celtool_doctor`), and
    /// `celtool_info` too when `info` (doctor's): a failed run writes the same.
    Own { prefix: &'static str, info: bool },
    /// The run metrics, named after the command (`celtool_fix_event_queues_success`), follow
    /// its exposition, or are all it writes (a fix).
    Appended,
}

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

/// `celtool_info{version}`: doctor's documents carry it. The other commands' do not, so that
/// their textfiles beside doctor's on one host never repeat a series (node_exporter drops a
/// series that a second file repeats, and logs an error on every scrape).
pub fn version_info(e: &mut Exposition) {
    e.info(
        "celtool_info",
        "celtool's version, value 1.",
        &[("version", env!("CARGO_PKG_VERSION"))],
    );
}

/// `<prefix>_last_run_timestamp_seconds` and `<prefix>_success`: the metrics every exposition
/// of `command` carries, also that of a run that failed, so the series are the same whether it
/// succeeds or fails.
pub fn run_metrics(e: &mut Exposition, prefix: &str, command: &str, run: RunState) {
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

/// An exposition of the run metrics alone, with `celtool_info` when `info`.
pub fn run_exposition(prefix: &str, command: &str, run: RunState, info: bool) -> String {
    let mut e = Exposition::default();
    if info {
        version_info(&mut e);
    }
    run_metrics(&mut e, prefix, command, run);
    e.render()
}

/// The JSON document of a run that could not produce its result, under the envelope of every
/// document; its keys are a scripting contract (`$defs/error` in every schema under schemas/).
#[derive(Serialize)]
struct JsonFailure<'a> {
    command: &'a str,
    status: Severity,
    exit_code: u8,
    error: JsonError,
}

#[derive(Serialize)]
struct JsonError {
    message: String,
    hint: Option<&'static str>,
}

/// The error as one line of plugin output: line breaks joined, `|` (which starts perfdata)
/// replaced, control characters made visible.
fn one_line(text: &str) -> String {
    let joined: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    sanitize(&joined.join(" ").replace('|', "/"))
}

impl Kind {
    /// Why `format` is refused for this command, said before anything is read.
    pub fn refuses(&self, format: Format) -> Option<String> {
        match format {
            Format::Prometheus | Format::Nagios if self.metrics == Metrics::None => Some(format!(
                "{} has no metrics: use --format table or json",
                self.command
            )),
            Format::Nagios if self.nagios.is_none() => Some(format!(
                "--format nagios is for doctor, ping and prune-tmp; use table, json or prometheus with {}",
                self.command
            )),
            Format::Sarif if self.command != "lint" => Some(format!(
                "--format sarif is for lint; use table or json with {}",
                self.command
            )),
            Format::Table | Format::Json | Format::Prometheus | Format::Nagios | Format::Sarif => {
                None
            }
        }
    }

    /// `celtool_<command>` for the run metrics, or None without Prometheus output.
    pub fn metric_prefix(&self) -> Option<String> {
        match self.metrics {
            Metrics::None => None,
            Metrics::Own { prefix, .. } => Some(prefix.to_string()),
            Metrics::Appended => Some(metric_name(&format!("celtool_{}", self.command))),
        }
    }

    /// What goes to stdout after the command itself: the run metrics after an exposition that
    /// lacks them, and, for a run that failed before it wrote anything, the document that
    /// stands in for its result. `wrote`: the command wrote to stdout; then no second document
    /// is added (it would corrupt the first), except the run metrics an exposition lacks.
    pub fn closing(&self, format: Format, outcome: &Outcome, wrote: bool) -> Option<String> {
        let failure = match outcome {
            Outcome::Failed(e) => Some(e),
            Outcome::Done | Outcome::Checked(_) => None,
        };
        let exit_code = crate::error::exit_code(outcome);
        match format {
            Format::Table => None,
            Format::Prometheus => {
                let prefix = self.metric_prefix()?;
                let appended = self.metrics == Metrics::Appended;
                let info = matches!(self.metrics, Metrics::Own { info: true, .. });
                let success = failure.is_none() && exit_code != 3;
                (appended || (failure.is_some() && !wrote))
                    .then(|| run_exposition(&prefix, self.command, RunState::now(success), info))
            }
            Format::Json => failure
                .filter(|_| !wrote)
                .map(|e| self.json_failure(e, exit_code)),
            Format::Sarif => failure
                .filter(|_| !wrote)
                .map(|e| super::lint::sarif_failure(&e.to_string())),
            Format::Nagios => {
                let n = self.nagios?;
                failure.filter(|_| !wrote).map(|e| {
                    format!(
                        "{} {}{}{}\n",
                        n.service,
                        Severity::Unknown.nagios_word(),
                        n.separator,
                        one_line(&e.to_string())
                    )
                })
            }
        }
    }

    fn json_failure(&self, e: &Error, exit_code: u8) -> String {
        let doc = super::json::Document::new(JsonFailure {
            command: self.command,
            status: Severity::Unknown,
            exit_code,
            error: JsonError {
                message: e.to_string(),
                hint: e.hint(),
            },
        });
        let mut text = super::printer::to_json(&doc).unwrap_or_else(|e| {
            serde_json::json!({ "error": { "message": e.to_string() } }).to_string()
        });
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING: Kind = Kind {
        command: "ping",
        nagios: Some(Nagios {
            service: "CELTOOL PING",
            separator: ": ",
        }),
        metrics: Metrics::Appended,
    };

    const QUEUES: Kind = Kind {
        command: "queues",
        nagios: None,
        metrics: Metrics::Appended,
    };

    const DOCTOR: Kind = Kind {
        command: "doctor",
        nagios: Some(Nagios {
            service: "CELTOOL",
            separator: ": ",
        }),
        metrics: Metrics::Own {
            prefix: "celtool_doctor",
            info: true,
        },
    };

    fn failed(message: &str) -> Outcome {
        Outcome::Failed(Error::Io(message.into()))
    }

    #[test]
    fn a_failed_run_still_answers_in_its_format() {
        let f = failed("GET http://h/api/queues: cannot connect|refused\nsecond line");
        assert_eq!(
            PING.closing(Format::Nagios, &f, false).unwrap(),
            "CELTOOL PING UNKNOWN: GET http://h/api/queues: cannot connect/refused second line\n"
        );
        assert_eq!(
            DOCTOR.closing(Format::Nagios, &f, false).unwrap(),
            "CELTOOL UNKNOWN: GET http://h/api/queues: cannot connect/refused second line\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&PING.closing(Format::Json, &f, false).unwrap()).unwrap();
        assert_eq!(json["command"], "ping");
        assert_eq!(json["status"], "unknown");
        assert_eq!(json["exit_code"], 3);
        assert_eq!(
            json["error"],
            serde_json::json!({"message": "GET http://h/api/queues: cannot connect|refused\nsecond line", "hint": null})
        );
        let prom = PING.closing(Format::Prometheus, &f, false).unwrap();
        assert!(prom.contains("\nceltool_ping_success 0\n"), "{prom}");
        assert!(
            prom.contains("\nceltool_ping_last_run_timestamp_seconds "),
            "{prom}"
        );
        assert!(!prom.contains("celtool_info"), "{prom}");
        let prom = DOCTOR.closing(Format::Prometheus, &f, false).unwrap();
        assert!(prom.contains("\nceltool_doctor_success 0\n"), "{prom}");
        assert!(prom.contains("celtool_info{version="), "{prom}");
        assert_eq!(PING.closing(Format::Table, &f, false), None);
    }

    #[test]
    fn nothing_is_added_to_a_document_already_written_but_missing_run_metrics() {
        let f = failed("x");
        for format in [Format::Json, Format::Nagios] {
            assert_eq!(PING.closing(format, &f, true), None, "{format:?}");
        }
        assert_eq!(DOCTOR.closing(Format::Prometheus, &f, true), None);
        assert!(
            QUEUES
                .closing(Format::Prometheus, &f, true)
                .unwrap()
                .contains("\nceltool_queues_success 0\n")
        );
    }

    #[test]
    fn a_run_that_succeeded_gets_its_run_metrics_only_where_its_exposition_lacks_them() {
        let done = Outcome::Done;
        let prom = QUEUES.closing(Format::Prometheus, &done, true).unwrap();
        assert!(prom.contains("\nceltool_queues_success 1\n"), "{prom}");
        let unknown = Outcome::Checked(Severity::Unknown);
        let prom = PING.closing(Format::Prometheus, &unknown, true).unwrap();
        assert!(prom.contains("\nceltool_ping_success 0\n"), "{prom}");
        let crit = Outcome::Checked(Severity::Crit);
        let prom = PING.closing(Format::Prometheus, &crit, true).unwrap();
        assert!(prom.contains("\nceltool_ping_success 1\n"), "{prom}");
        assert_eq!(DOCTOR.closing(Format::Prometheus, &done, true), None);
        for format in [Format::Json, Format::Nagios, Format::Table] {
            assert_eq!(PING.closing(format, &done, true), None, "{format:?}");
        }
    }

    #[test]
    fn formats_a_command_lacks_are_refused_up_front() {
        assert_eq!(PING.refuses(Format::Nagios), None);
        assert_eq!(
            QUEUES.refuses(Format::Nagios).unwrap(),
            "--format nagios is for doctor, ping and prune-tmp; use table, json or prometheus with queues"
        );
        let explain = Kind {
            command: "explain",
            nagios: None,
            metrics: Metrics::None,
        };
        assert_eq!(
            explain.refuses(Format::Prometheus).unwrap(),
            "explain has no metrics: use --format table or json"
        );
        assert_eq!(explain.refuses(Format::Json), None);
        assert_eq!(
            Kind {
                command: "fix event-queues",
                ..QUEUES
            }
            .metric_prefix()
            .unwrap(),
            "celtool_fix_event_queues"
        );
    }
}
