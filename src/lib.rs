//! celtool: diagnose and fix the failures of Celery fleets on RabbitMQ.
//!
//! The flow is one-way: settings (resolved once, `settings`) -> gather (all I/O, once,
//! `gather`) -> snapshot (plain data) -> checks (pure functions, `checks`) -> report ->
//! render (`output`, the only place that prints). Fixes plan from the same snapshot (`fix`).

pub mod catalog;
pub mod celery_events;
pub mod celery_model;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod error;
pub mod fix;
pub mod gather;
pub mod host;
pub mod lint;
pub mod output;
pub mod prune;
pub mod rabbitmq;
pub mod redis;
pub mod report;
pub mod settings;
pub mod text;
pub mod usage;
pub mod workers;

use std::process::ExitCode;

use clap::FromArgMatches;

use crate::cli::{Cli, Command, FixCommand, Part, ProbeCommand, WorkersAction};
use crate::error::{Outcome, exit_code};
use crate::output::{Printer, Style, run};
use crate::settings::{Needs, Settings};

/// Parse the command line, resolve the settings once, run the command, print any error once,
/// and return the exit code.
pub fn main() -> ExitCode {
    clap_complete::CompleteEnv::with_factory(cli::help::command)
        .completer("celtool")
        .complete();
    let cli = match cli::help::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(usage::report(e)),
    };
    let g = &cli.global;
    let printer = Printer::new(Style::detect(g.format, g.color, g.quiet));
    let textfile = match &cli.command {
        Command::Doctor(a) => a.textfile.as_deref(),
        _ => None,
    };
    if let Some(warning) = textfile.and_then(output::textfile::name_warning) {
        printer.warn(&warning);
    }
    let kind = kind(&cli.command);
    let refused = kind.as_ref().and_then(|k| k.refuses(g.format));
    let mut outcome = match refused {
        Some(why) => Outcome::Failed(error::Error::Usage(why)),
        None => match Settings::resolve(g, printer.style, needs(&cli.command)) {
            Ok(settings) => {
                for warning in settings.warnings() {
                    printer.warn(warning);
                }
                dispatch(&settings, &printer, &cli.command).unwrap_or_else(Outcome::Failed)
            }
            Err(e) => Outcome::Failed(e.into()),
        },
    };
    if let (Outcome::Failed(_), Some(file)) = (&outcome, textfile)
        && let Err(e) = output::textfile::record_failure(file)
    {
        printer.warn(&e.to_string());
    }
    // Whatever happened, stdout answers in the format asked for.
    if let Some(k) = &kind
        && let Err(e) = printer.close(k, &outcome)
        && !matches!(outcome, Outcome::Failed(_))
    {
        outcome = Outcome::Failed(e);
    }
    if let Outcome::Failed(e) = &outcome {
        printer.error(&e.to_string(), e.hint());
    }
    ExitCode::from(exit_code(&outcome))
}

/// What each command reads, so that only that is resolved before dispatch.
fn needs(command: &Command) -> Needs<'_> {
    let (config, broker) = match command {
        Command::Doctor(a) => (true, a.only.is_empty() || a.only.contains(&Part::Broker)),
        Command::Queues(_) | Command::Connections(_) | Command::Undo(_) => (true, true),
        Command::Fix(a) => match a.command {
            FixCommand::EventQueues(_) | FixCommand::StaleEventQueues(_) => (true, true),
            FixCommand::Conntrack(_) => (false, false),
        },
        Command::Fleet(_) | Command::Ping(_) => (true, true),
        // Liveness reads /proc only: no config, no broker, no async runtime.
        Command::Probe(a) => match a.command {
            ProbeCommand::Liveness(_) => (false, false),
            ProbeCommand::Readiness(_) => (true, true),
        },
        Command::Workers(a) => match &a.action {
            None => (true, false),
            Some(WorkersAction::Reap(r)) => (r.hung, r.hung),
        },
        Command::Explain(_)
        | Command::Lint(_)
        | Command::Conntrack
        | Command::Inodes(_)
        | Command::PruneTmp(_)
        | Command::Completions(_)
        | Command::Generate(_) => (false, false),
    };
    let deadline = match command {
        Command::Ping(_) => Some(rabbitmq::wait::PING_DEADLINE),
        Command::Fleet(_) => Some(rabbitmq::wait::FLEET_DEADLINE),
        Command::Probe(a) if matches!(a.command, ProbeCommand::Readiness(_)) => {
            Some(settings::PROBE_DEADLINE)
        }
        _ => None,
    };
    // The commands that ask the workers over AMQP, with their --amqp-url.
    let amqp = match command {
        Command::Doctor(a) if broker && !a.no_workers => Some(a.amqp.amqp_url.as_deref()),
        Command::Fleet(a) => Some(a.amqp.amqp_url.as_deref()),
        Command::Ping(a) => Some(a.amqp.amqp_url.as_deref()),
        Command::Probe(a) => match &a.command {
            ProbeCommand::Readiness(r) => Some(r.amqp.amqp_url.as_deref()),
            ProbeCommand::Liveness(_) => None,
        },
        Command::Workers(a) => match &a.action {
            Some(WorkersAction::Reap(r)) if r.hung => Some(r.amqp.amqp_url.as_deref()),
            _ => None,
        },
        _ => None,
    };
    Needs {
        config,
        broker,
        deadline,
        amqp,
    }
}

/// How each command's documents name it and which machine formats it has; None for the
/// commands that write no document (completion scripts, generated files).
fn kind(command: &Command) -> Option<run::Kind> {
    use run::Metrics::{Appended, None as NoMetrics, Own};
    let (command, nagios, metrics) = match command {
        Command::Doctor(_) => (
            "doctor",
            Some(output::report_nagios::STATUS),
            Own {
                prefix: output::report_prom::RUN_PREFIX,
                info: true,
            },
        ),
        Command::Ping(_) => ("ping", Some(output::fleet::PING_STATUS), Appended),
        Command::PruneTmp(_) => (
            "prune-tmp",
            Some(commands::prune_tmp::NAGIOS_STATUS),
            Own {
                prefix: commands::prune_tmp::RUN_PREFIX,
                info: false,
            },
        ),
        Command::Queues(_) => ("queues", None, Appended),
        Command::Connections(_) => ("connections", None, Appended),
        Command::Fleet(_) => ("fleet", None, Appended),
        Command::Conntrack => ("conntrack", None, Appended),
        Command::Inodes(_) => ("inodes", None, Appended),
        Command::Workers(a) => match &a.action {
            None => ("workers", None, Appended),
            Some(WorkersAction::Reap(_)) => ("workers reap", None, Appended),
        },
        Command::Fix(a) => match a.command {
            FixCommand::EventQueues(_) => ("fix event-queues", None, Appended),
            FixCommand::StaleEventQueues(_) => ("fix stale-event-queues", None, Appended),
            FixCommand::Conntrack(_) => ("fix conntrack", None, Appended),
        },
        Command::Undo(_) => ("undo", None, Appended),
        Command::Explain(_) => ("explain", None, NoMetrics),
        Command::Lint(_) => ("lint", None, NoMetrics),
        // A probe's answer is its exit code and one line: table or json, for kubelet and scripts.
        Command::Probe(a) => match a.command {
            ProbeCommand::Liveness(_) => ("probe liveness", None, NoMetrics),
            ProbeCommand::Readiness(_) => ("probe readiness", None, NoMetrics),
        },
        Command::Completions(_) | Command::Generate(_) => return None,
    };
    Some(run::Kind {
        command,
        nagios,
        metrics,
    })
}

fn dispatch(s: &Settings, p: &Printer, command: &Command) -> Result<Outcome, error::Error> {
    match command {
        Command::Doctor(args) => commands::doctor::run(s, p, args),
        Command::Queues(args) => commands::queues::run(s, p, args),
        Command::Connections(args) => commands::connections::run(s, p, args),
        Command::Explain(args) => commands::explain::run(p, args),
        Command::Lint(args) => commands::lint::run(p, args),
        Command::Conntrack => commands::conntrack::run(s, p),
        Command::Inodes(args) => commands::inodes::run(s, p, args),
        Command::Workers(args) => match &args.action {
            None => commands::workers::run(s, p),
            Some(WorkersAction::Reap(reap)) => commands::reap::run(s, p, reap),
        },
        Command::PruneTmp(args) => commands::prune_tmp::run(p, args),
        Command::Fleet(args) => commands::fleet::fleet(s, p, args),
        Command::Ping(args) => commands::fleet::ping(s, p, args),
        Command::Probe(args) => match &args.command {
            ProbeCommand::Liveness(a) => commands::probe::liveness(s, p, a),
            ProbeCommand::Readiness(a) => commands::probe::readiness(s, p, a),
        },
        Command::Fix(args) => commands::fix::run(s, p, args),
        Command::Undo(args) => commands::undo::run(s, p, args),
        Command::Completions(args) => commands::generate::completions(p, args),
        Command::Generate(args) => commands::generate::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn needs_of(args: &[&str]) -> (bool, bool, Option<std::time::Duration>, bool) {
        let cli = Cli::try_parse_from(args).unwrap();
        let n = needs(&cli.command);
        (n.config, n.broker, n.deadline, n.amqp.is_some())
    }

    /// Liveness must answer during a broker outage and with a broken config file: it resolves
    /// nothing but the proc root. Readiness reads both, with a deadline under kubelet's timeout.
    #[test]
    fn probes_need_what_they_read() {
        assert_eq!(
            needs_of(&["celtool", "probe", "liveness", "--node", "w1@%h"]),
            (false, false, None, false)
        );
        assert_eq!(
            needs_of(&["celtool", "probe", "readiness", "--node", "w1@%h"]),
            (true, true, Some(settings::PROBE_DEADLINE), true)
        );
        let k = kind(
            &Cli::try_parse_from(["celtool", "probe", "liveness"])
                .unwrap()
                .command,
        );
        assert!(k.unwrap().refuses(output::Format::Prometheus).is_some());
    }
}
