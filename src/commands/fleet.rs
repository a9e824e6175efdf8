//! `celtool fleet` and `celtool ping`: ask the Celery workers themselves over AMQP or Redis
//! (read-only remote control) and list what they say, or check that they all answer.
//!
//! The work is done by [`observe`] from plain inputs, so a caller with its own settings (doctor)
//! can reuse it; `fleet` and `ping` only resolve those inputs from the globals.

use super::emit_listing;
use crate::cli::{FleetArgs, PingArgs};
use crate::error::{Error, Outcome};
use crate::gather::{self, BrokerPart};
use crate::output::Printer;
use crate::output::fleet::{self, NotAsked, PingResult, PingRow};
use crate::output::json::Named;
use crate::rabbitmq::client::Client;
use crate::rabbitmq::read::{Need, Snapshot};
use crate::report::Severity;
use crate::settings::Settings;
use crate::workers::settings::{Expect, glob_matches};
use crate::workers::{AmqpEndpoint, FleetSnapshot, Matcher, ProbeOptions, Target};

/// What a probe needs, resolved from settings.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub client: Client,
    /// The vhost to probe (flag, profile or AMQP URL path); without it, every vhost where
    /// Celery is seen.
    pub vhost: Option<String>,
    pub amqp: AmqpEndpoint,
    pub expect: Expect,
}

/// What a probe reads (ping, fleet, probe readiness, reap --hung): the Celery vhosts from the
/// exchanges (`celery.pidbox`, `celeryev`) and each worker's mailbox, and the connection of each
/// consumer, from the consumers. No queue listing and no connection listing: nothing of a
/// probe's reads them, and on RabbitMQ 3.10 even one vhost's queue listing costs as much as
/// every queue on the node (1.6 s for an empty vhost on a node holding 100 000 queues).
pub const NEED: Need = Need {
    overview: false,
    nodes: false,
    queues: false,
    connections: false,
    consumers: true,
    exchanges: true,
    policies: false,
    channels: false,
    flow_samples: false,
    delayed: false,
    // A probe's light reads size no wait on the overview (see `overview_and_cluster`).
    light_queues: true,
    definitions_from: None,
};

/// Read the broker snapshot, plan the vhosts and ask their workers, through the one door
/// (`crate::gather`). When a part of the API cannot be read, or none of it but a vhost is
/// named, the probe goes on (without the known mailboxes: no second ping, no hung detection)
/// and the API error is returned beside the result.
pub fn observe(
    s: &Settings,
    inputs: &Inputs,
    opts: &ProbeOptions,
) -> Result<(Snapshot, FleetSnapshot, Option<Error>), Error> {
    let need = gather::Need {
        broker: Some(gather::BrokerNeed::RabbitMq(NEED)),
        workers: Some(gather::WorkersNeed {
            transport: gather::Transport::Amqp(inputs.amqp.clone()),
            opts: opts.clone(),
            ask: gather::Ask::Always,
        }),
        ..gather::Need::default()
    };
    let vhost = match &inputs.vhost {
        Some(v) => Some(v.clone()),
        None => sole_celery_vhost(&inputs.client),
    };
    let got = gather::gather(
        Some(&inputs.client),
        vhost.as_deref(),
        s.roots(),
        s.thresholds(),
        &need,
    )?;
    let (snap, api_error) = match got.broker {
        // Refused credentials would be refused over AMQP too: say so once, from the API.
        Some(Ok(BrokerPart::RabbitMq(mut s))) if s.gaps.iter().any(|g| g.error.is_auth()) => {
            return Err(s.gaps.swap_remove(0).error.into());
        }
        // One part missing (consumers, connections) costs the checks some detail, not the probe.
        Some(Ok(BrokerPart::RabbitMq(mut s))) => {
            let e = (!s.gaps.is_empty()).then(|| s.gaps.swap_remove(0).error.into());
            (s, e)
        }
        Some(Err(e)) if got.workers.is_some() => (Snapshot::default(), Some(e.into())),
        Some(Err(e)) => return Err(e.into()),
        Some(Ok(BrokerPart::Redis { .. })) | None => {
            return Err(Error::Io(format!(
                "{}: the management API was not read",
                inputs.client.base()
            )));
        }
    };
    match got.workers {
        Some(fleet) => Ok((snap, fleet?, api_error)),
        None => Err(Error::Io(format!(
            "{}: the workers were not asked",
            inputs.client.base()
        ))),
    }
}

/// Without a vhost named: the one vhost where Celery is seen (its `celery.pidbox` or `celeryev`
/// exchange), from the exchange listing, so that the probe reads that vhost's listings only
/// and nothing whose cost grows with the other vhosts' queues. None when there is no such
/// vhost or several (every vhost is read then, as before), or when the exchanges could not be
/// read (the probe's own read says why).
fn sole_celery_vhost(client: &Client) -> Option<String> {
    let rt = gather::runtime().ok()?;
    let listed = rt.block_on(
        client.get::<Vec<crate::rabbitmq::records::Exchange>>(&["exchanges"], Some("name,vhost")),
    );
    let mut vhosts: Vec<String> = listed
        .ok()?
        .into_iter()
        .filter(|e| matches!(e.name.as_deref(), Some("celery.pidbox" | "celeryev")))
        .map(|e| e.vhost.unwrap_or_else(|| "/".into()))
        .collect();
    vhosts.sort();
    vhosts.dedup();
    match vhosts.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Resolve the inputs: the management endpoint as every command does, the AMQP endpoint from
/// --amqp-url / CELTOOL_AMQP_URL / the profile's amqp_url, else from the management URL.
pub fn inputs(s: &Settings) -> Result<Inputs, Error> {
    Ok(Inputs {
        client: super::client(s)?,
        vhost: s.vhost().map(str::to_string),
        amqp: s.amqp()?.clone(),
        expect: s.expected_workers().clone(),
    })
}

fn warn_errors(p: &Printer, fleet: &FleetSnapshot, api_error: &Option<Error>) -> bool {
    if let Some(e) = api_error {
        p.warn(&format!(
            "{e} (probed the named vhost without the broker's mailbox list)"
        ));
    }
    let mut any = false;
    for v in &fleet.vhosts {
        if let Some(e) = &v.error {
            p.warn(&format!("{} could not be probed: {e}", v.place()));
            any = true;
        }
        if let Some(why) = &v.not_asked {
            p.warn(&format!(
                "{}: the workers were not asked: {why}; see `celtool explain workers.not-asked`",
                v.place()
            ));
            any = true;
        }
    }
    any
}

/// Ask the workers over Redis through the one door: no broker read beside them (ping, fleet and
/// readiness need only the workers' answers and the database's clients).
pub fn observe_redis(
    s: &Settings,
    r: &crate::settings::RedisSettings,
    opts: &ProbeOptions,
) -> Result<FleetSnapshot, Error> {
    let need = gather::Need {
        workers: Some(gather::WorkersNeed {
            transport: gather::Transport::Redis(Box::new(r.clone())),
            opts: opts.clone(),
            ask: gather::Ask::Always,
        }),
        ..gather::Need::default()
    };
    let got = gather::gather(None, None, s.roots(), s.thresholds(), &need)?;
    match got.workers {
        Some(fleet) => Ok(fleet?),
        None => Err(Error::Io(format!(
            "{}: the workers were not asked",
            r.target
        ))),
    }
}

/// Ask the workers of whichever broker the settings name: over AMQP beside the management API
/// on RabbitMQ, over Redis on a Redis URL. Returns what they said, an API error to warn about,
/// and the profile's expected workers.
fn ask(s: &Settings, opts: &ProbeOptions) -> Result<(FleetSnapshot, Option<Error>, Expect), Error> {
    if let Some(crate::settings::Broker::Redis(r)) = s.broker() {
        let fleet = observe_redis(s, r, opts)?;
        return Ok((fleet, None, s.expected_workers().clone()));
    }
    let inputs = inputs(s)?;
    let (_, fleet, api_error) = observe(s, &inputs, opts)?;
    Ok((fleet, api_error, inputs.expect))
}

pub fn fleet(s: &Settings, p: &Printer, args: &FleetArgs) -> Result<Outcome, Error> {
    let opts = ProbeOptions::full(args.amqp.reply_timeout);
    let (fleet, api_error, _) = ask(s, &opts)?;
    let failed = warn_errors(p, &fleet, &api_error);
    let rows = fleet::rows(&fleet);
    emit_listing(
        p,
        &Named("workers", &rows),
        || fleet::table(&p.style, &rows),
        || fleet::prometheus(&rows),
    )?;
    Ok(if failed {
        Outcome::Checked(Severity::Unknown)
    } else {
        Outcome::Done
    })
}

pub fn ping(s: &Settings, p: &Printer, args: &PingArgs) -> Result<Outcome, Error> {
    let target = match &args.matcher {
        Some(p) => Target::Pattern {
            pattern: p.clone(),
            matcher: Matcher::Glob,
        },
        None => Target::All,
    };
    let opts = ProbeOptions::ping(args.amqp.reply_timeout, target);
    let (fleet, api_error, expected) = ask(s, &opts)?;
    let failed = warn_errors(p, &fleet, &api_error);
    let expect = args.expect.or(expected.count);
    let result = ping_result(&fleet, expect, args.matcher.as_deref());
    let severity = ping_severity(&result, failed);
    if p.style.format == crate::output::Format::Nagios {
        p.out(&fleet::ping_nagios(&result, severity))?;
    } else {
        emit_listing(
            p,
            &result,
            || fleet::ping_table(&p.style, &result),
            || fleet::ping_prometheus(&result),
        )?;
    }
    Ok(Outcome::Checked(severity))
}

/// Answered and silent nodes, and how many were expected: the larger of `expect` and the
/// answered + silent nodes (every mailbox with a consumer should answer).
pub fn ping_result(
    fleet: &FleetSnapshot,
    expect: Option<usize>,
    matcher: Option<&str>,
) -> PingResult {
    let keep = |n: &str| matcher.is_none_or(|p| glob_matches(p, n));
    let mut nodes: Vec<PingRow> = fleet
        .workers()
        .filter(|w| keep(&w.node))
        .map(|w| PingRow {
            node: w.node.clone(),
            vhost: w.vhost.clone(),
            answered: w.answered_ping(),
            ping_ms: w.ping_ms.map(|ms| (ms * 10.0).round() / 10.0),
            ping_retried: w.ping_retried,
        })
        .collect();
    let silent: Vec<String> = fleet
        .vhosts
        .iter()
        .flat_map(|v| v.silent.iter().map(move |n| (v, n)))
        .filter(|(_, n)| keep(n))
        .map(|(v, n)| {
            nodes.push(PingRow {
                node: n.clone(),
                vhost: v.vhost.clone(),
                answered: false,
                ping_ms: None,
                ping_retried: true,
            });
            n.clone()
        })
        .collect();
    nodes.sort_by(|a, b| (&a.vhost, &a.node).cmp(&(&b.vhost, &b.node)));
    let answered = nodes.iter().filter(|n| n.answered).count();
    PingResult {
        answered,
        expected: expect.unwrap_or(0).max(answered + silent.len()),
        silent,
        nodes,
        not_asked: fleet
            .vhosts
            .iter()
            .filter_map(|v| {
                v.not_asked.as_ref().map(|why| NotAsked {
                    vhost: v.vhost.clone(),
                    reason: why.clone(),
                })
            })
            .collect(),
        places: fleet.vhosts.iter().map(|v| v.place()).collect(),
    }
}

/// Exit 2 when a worker whose mailbox is consumed did not answer; else 3 when a vhost could not
/// be asked (unreachable, a step ran out, or not asked during an alarm: the workers missing from
/// the count may be there); else 2 when fewer answered than expected (or nobody at all: a probe
/// of no worker is not a pass); else 0.
pub fn ping_severity(r: &PingResult, failed: bool) -> Severity {
    if !r.silent.is_empty() {
        Severity::Crit
    } else if failed {
        Severity::Unknown
    } else if r.answered < r.expected || r.answered == 0 {
        Severity::Crit
    } else {
        Severity::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::{self, VhostReport, WorkerReport};

    fn fleet(answered: &[&str], silent: &[&str]) -> FleetSnapshot {
        let workers = answered
            .iter()
            .map(|n| {
                let mut w = WorkerReport::from_replies(
                    n,
                    "v",
                    [("ping".to_string(), serde_json::json!({"ok": "pong"}))].into(),
                    0.0,
                );
                w.ping_ms = Some(3.0);
                w
            })
            .collect();
        FleetSnapshot {
            vhosts: vec![VhostReport {
                vhost: "v".into(),
                mailbox_exchange: true,
                error: None,
                not_asked: None,
                silent: silent.iter().map(|s| s.to_string()).collect(),
                workers,
                ..VhostReport::default()
            }],
            timeout_ms: 1000,
        }
    }

    #[test]
    fn ping_exits_by_who_answered() {
        let r = ping_result(&fleet(&["a@h", "b@h"], &[]), None, None);
        assert_eq!((r.answered, r.expected), (2, 2));
        assert_eq!(ping_severity(&r, false), Severity::Ok);
        assert_eq!(ping_severity(&r, true), Severity::Unknown);
        let r = ping_result(&fleet(&["a@h"], &["b@h"]), None, None);
        assert_eq!(
            (r.answered, r.expected, r.silent.clone()),
            (1, 2, vec!["b@h".to_string()])
        );
        assert_eq!(ping_severity(&r, false), Severity::Crit);
        let r = ping_result(&fleet(&["a@h", "b@h"], &[]), Some(3), None);
        assert_eq!(ping_severity(&r, false), Severity::Crit);
        let r = ping_result(&fleet(&["a@h", "web@h"], &[]), Some(1), Some("web@*"));
        assert_eq!((r.answered, r.expected), (1, 1));
        assert_eq!(r.nodes[0].node, "web@h");
        let r = ping_result(&fleet(&[], &[]), None, None);
        assert_eq!(ping_severity(&r, false), Severity::Crit);
        assert_eq!(ping_severity(&r, true), Severity::Unknown);
        // Nobody there and nobody expected: said so, not "0 of 0".
        assert_eq!(
            fleet::ping_nagios(&r, Severity::Crit),
            "CELTOOL PING CRITICAL: no worker answered: no worker mailbox in vhost v and none expected (--expect COUNT or expect_workers) | 'answered'=0;;1:;0 'expected'=0;;;0\n"
        );
        let r = ping_result(&fleet(&[], &[]), Some(2), None);
        assert!(
            fleet::ping_table(
                &crate::output::Style {
                    format: crate::output::Format::Table,
                    tty: false,
                    color: false,
                    quiet: false,
                },
                &r
            )
            .ends_with("0 of 2 expected worker(s) answered\n")
        );
    }

    #[test]
    fn on_redis_the_messages_name_the_database_not_a_vhost() {
        let mut f = fleet(&[], &[]);
        f.vhosts[0].vhost = "db13".into();
        f.vhosts[0].db = Some(13);
        f.vhosts[0].receivers = Some(0);
        let r = ping_result(&f, None, None);
        assert_eq!(
            r.answered_line(),
            "no worker answered: no worker mailbox in db 13 and none expected (--expect COUNT or expect_workers)"
        );
        assert_eq!(f.vhosts[0].place(), "db 13");
        // RabbitMQ's vhosts keep their word, one or many.
        let mut two = fleet(&[], &[]);
        two.vhosts.push(VhostReport {
            vhost: "jobs".into(),
            ..VhostReport::default()
        });
        assert!(
            ping_result(&two, None, None)
                .answered_line()
                .contains("no worker mailbox in vhost v, vhost jobs and none expected"),
        );
    }

    #[test]
    fn workers_not_asked_during_an_alarm_are_unknown_not_missing() {
        let plans = [workers::VhostPlan {
            vhost: "v".into(),
            known_nodes: vec!["a@h".into()],
            known_all: false,
            task_event_traffic: false,
        }];
        let f = workers::not_asked(
            &plans,
            "the broker blocks publishers (memory alarm on rabbit@h)",
            std::time::Duration::from_secs(1),
        );
        let r = ping_result(&f, Some(3), None);
        assert_eq!((r.answered, r.expected), (0, 3));
        assert_eq!(
            r.not_asked,
            vec![NotAsked {
                vhost: "v".into(),
                reason: "the broker blocks publishers (memory alarm on rabbit@h)".into()
            }]
        );
        // `failed`, as ping sets it for a vhost not asked: unknown, even below --expect.
        assert_eq!(ping_severity(&r, true), Severity::Unknown);
        let line = fleet::ping_nagios(&r, Severity::Unknown);
        assert!(
            line.starts_with("CELTOOL PING UNKNOWN: 0 of 3 expected worker(s) answered; not asked in vhost v: the broker blocks publishers (memory alarm on rabbit@h) | "),
            "{line}"
        );
    }
}
