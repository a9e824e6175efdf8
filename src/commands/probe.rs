//! `celtool probe liveness|readiness`: one worker's health as a Kubernetes exec probe wants it,
//! an exit code and one line. Liveness judges the worker's processes from /proc alone (a broker
//! outage must never restart workers); readiness asks the worker and the broker.

use super::{host_snapshot, present};
use crate::cli::{LivenessArgs, ReadinessArgs};
use crate::error::{Error, Outcome};
use crate::host::{self, GatherOptions, Process, WorkerTree};
use crate::output::Printer;
use crate::output::probe::{Detail, ProbeResult, Verdict};
use crate::rabbitmq::read::Snapshot;
use crate::report::Severity;
use crate::settings::Settings;
use crate::workers::{FleetSnapshot, Method, ProbeOptions, Target};

/// The pools whose work runs in the main process (solo) or its threads and greenlets: no pool
/// children to look for.
const CHILDLESS_POOLS: [&str; 6] = ["solo", "threads", "eventlet", "gevent", "custom", "thread"];

pub fn liveness(s: &Settings, p: &Printer, args: &LivenessArgs) -> Result<Outcome, Error> {
    let snap = host_snapshot(s, GatherOptions::only(false, false, true))?;
    let procs = present(snap.processes)?.unwrap_or_default();
    let result = judge_liveness(
        &procs,
        &snap.hostname,
        args.node.as_deref(),
        args.pool.as_deref(),
    );
    finish(p, &result)
}

/// Print the result and turn its verdict into the outcome.
fn finish(p: &Printer, result: &ProbeResult) -> Result<Outcome, Error> {
    crate::output::probe::emit(p, result)?;
    Ok(Outcome::Checked(match result.verdict {
        Verdict::Pass => Severity::Ok,
        Verdict::Fail => Severity::Crit,
        Verdict::Unknown => Severity::Unknown,
    }))
}

/// Judge one worker's processes: the tree whose main process has the node name (expanded as
/// Celery expands it on this host), or the only one when `node` is None.
pub fn judge_liveness(
    procs: &[Process],
    hostname: &str,
    node: Option<&str>,
    pool: Option<&str>,
) -> ProbeResult {
    let trees: Vec<(String, WorkerTree)> = host::worker_trees(procs)
        .into_iter()
        .filter(|t| t.main.is_some())
        .map(|t| {
            (
                host::celery::expand_node_name(t.node.as_deref(), hostname),
                t,
            )
        })
        .collect();
    let wanted = node.map(|n| host::celery::expand_node_name(Some(n), hostname));
    let mut result = ProbeResult::new("liveness", wanted.clone());
    let (name, tree) = match the_tree(&trees, wanted) {
        Ok(t) => t,
        Err(why) => return result.unknown(why),
    };
    result.node = Some(name.clone());
    let Some(main) = tree
        .main
        .and_then(|pid| procs.iter().find(|p| p.pid == pid))
    else {
        return result.unknown(format!("{name}: its main process vanished while read"));
    };
    let pool = pool
        .map(str::to_string)
        .or_else(|| pool_option(main))
        .unwrap_or_else(|| "prefork".to_string());
    let live = tree
        .children
        .iter()
        .filter_map(|pid| procs.iter().find(|p| p.pid == *pid))
        .filter(|c| !matches!(c.state, 'Z' | 'X' | 'x' | 'T' | 't'))
        .count();
    result.detail = Detail::Liveness {
        pid: Some(main.pid),
        pool: Some(pool.clone()),
        pool_children: Some(live),
    };
    match main.state {
        'T' | 't' => {
            return result.fail(format!(
                "{name}: main process {} is stopped (state {})",
                main.pid, main.state
            ));
        }
        'Z' | 'X' | 'x' => {
            return result.fail(format!(
                "{name}: main process {} is a zombie (state {})",
                main.pid, main.state
            ));
        }
        _ => {}
    }
    if live == 0 && !CHILDLESS_POOLS.contains(&pool.as_str()) {
        return result.fail(format!(
            "{name}: main process {} has no live {pool} pool children",
            main.pid
        ));
    }
    result.pass(format!(
        "{name} is alive: main process {}, {pool} pool, {live} live pool children",
        main.pid
    ))
}

/// The one worker tree `wanted` names (or the only one, without a name); else why not.
fn the_tree(
    trees: &[(String, WorkerTree)],
    wanted: Option<String>,
) -> Result<&(String, WorkerTree), String> {
    let names = || {
        let n: Vec<&str> = trees.iter().map(|(n, _)| n.as_str()).collect();
        if n.is_empty() {
            "none".to_string()
        } else {
            n.join(", ")
        }
    };
    let found: Vec<&(String, WorkerTree)> = trees
        .iter()
        .filter(|(n, _)| wanted.as_ref().is_none_or(|w| w == n))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => {
            let what = wanted.map_or("no Celery worker".to_string(), |w| {
                format!("no Celery worker {w}")
            });
            Err(format!("{what} on this host (workers here: {})", names()))
        }
        _ => Err(format!(
            "{} Celery workers on this host ({}): name one with --node",
            found.len(),
            names()
        )),
    }
}

/// The pool named on the worker's command line (`-P solo`, `-Psolo`, `--pool solo`,
/// `--pool=solo`); with setproctitle, from the arguments its title repeats in parentheses.
fn pool_option(main: &Process) -> Option<String> {
    let words: Vec<&str> = main
        .cmdline
        .iter()
        .flat_map(|a| a.split_whitespace())
        .map(|w| w.trim_matches(|c| c == '(' || c == ')'))
        .collect();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if *w == "-P" || *w == "--pool" {
            return it.next().map(|v| v.to_string());
        }
        if let Some(v) = w.strip_prefix("--pool=") {
            return Some(v.to_string());
        }
        if let Some(v) = w.strip_prefix("-P").filter(|v| !v.is_empty()) {
            return Some(v.to_string());
        }
    }
    None
}

pub fn readiness(s: &Settings, p: &Printer, args: &ReadinessArgs) -> Result<Outcome, Error> {
    let hostname = host_snapshot(s, GatherOptions::only(false, false, false))?.hostname;
    let node = host::celery::expand_node_name(Some(&args.node), &hostname);
    let opts = ProbeOptions {
        methods: vec![Method::Ping, Method::ActiveQueues],
        target: Target::Nodes(vec![node.clone()]),
        ..ProbeOptions::full(args.amqp.reply_timeout)
    };
    if let Some(crate::settings::Broker::Redis(r)) = s.broker() {
        // Cannot check (unreachable, refused): the one error line, exit 3, as on RabbitMQ.
        let fleet = super::fleet::observe_redis(s, r, &opts)?;
        return finish(p, &judge_readiness_redis(&node, &fleet));
    }
    let inputs = super::fleet::inputs(s)?;
    let (snap, fleet, api_error) = super::fleet::observe(s, &inputs, &opts)?;
    let result = judge_readiness(&node, &fleet, &snap, api_error.as_ref());
    finish(p, &result)
}

/// Ready on Redis: the node answered ping, and a connection of its own waits on its queues with
/// BRPOP (kombu pops every queue of a worker on one connection; CLIENT LIST shows a client's
/// last command, not its keys). Its own: by its sockets on this host, else any BRPOP client of
/// the database, said as such.
pub fn judge_readiness_redis(node: &str, fleet: &FleetSnapshot) -> ProbeResult {
    let mut result = ProbeResult::new("readiness", Some(node.to_string()));
    let Some(v) = fleet.vhosts.first() else {
        return result.unknown(format!("{node} could not be asked"));
    };
    let Some(w) = v
        .workers
        .iter()
        .find(|w| w.node == node && w.answered_ping())
    else {
        if v.silent.iter().any(|n| n == node) {
            return result.fail(format!(
                "{node} did not answer ping in {} (it is connected to Redis: hung?)",
                v.place()
            ));
        }
        return result.fail(format!("{node} did not answer ping"));
    };
    let queues = w.queues();
    result.detail = Detail::Readiness {
        vhost: Some(w.vhost.clone()),
        queues: queues.clone(),
    };
    let consumer = match v.connections.get(node) {
        Some(conns) => conns.iter().find(|c| c.contains("(cmd brpop,")).cloned(),
        None => v.waiting.first().map(|c| {
            format!(
                "{c}, a BRPOP client of {} (whose cannot be told from this host)",
                v.place()
            )
        }),
    };
    match consumer {
        None if !queues.is_empty() => result.fail(format!(
            "{node} answered ping but no connection of it waits on its queues ({}) with BRPOP in {}",
            queues.join(", "),
            v.place()
        )),
        _ => result.pass(format!(
            "{node} is ready: answered ping, consuming {} queue(s) ({}) through {}",
            queues.len(),
            queues.join(", "),
            consumer.unwrap_or_else(|| "no queue".into())
        )),
    }
}

/// Ready: the node answered ping, and each queue it says it consumes has a consumer on the
/// broker, from the connection that consumes the node's mailbox when that one is seen.
pub fn judge_readiness(
    node: &str,
    fleet: &FleetSnapshot,
    snap: &Snapshot,
    api_error: Option<&Error>,
) -> ProbeResult {
    let mut result = ProbeResult::new("readiness", Some(node.to_string()));
    let Some(w) = fleet
        .workers()
        .find(|w| w.node == node && w.answered_ping())
    else {
        if let Some(v) = fleet
            .vhosts
            .iter()
            .find(|v| v.silent.iter().any(|n| n == node))
        {
            return result.fail(format!(
                "{node} did not answer ping in {} (its mailbox has a consumer: hung?)",
                v.place()
            ));
        }
        let trouble: Vec<String> = fleet
            .vhosts
            .iter()
            .filter_map(|v| {
                let why = v.error.as_ref().or(v.not_asked.as_ref())?;
                Some(format!("{}: {why}", v.place()))
            })
            .collect();
        if !trouble.is_empty() {
            return result.unknown(format!("{node} could not be asked: {}", trouble.join("; ")));
        }
        return result.fail(format!("{node} did not answer ping"));
    };
    let queues = w.queues();
    result.detail = Detail::Readiness {
        vhost: Some(w.vhost.clone()),
        queues: queues.clone(),
    };
    if let Some(e) = api_error {
        return result.unknown(format!(
            "{node} answered ping; its queues' consumers cannot be read: {e}"
        ));
    }
    let consumers_of = |queue: &str| {
        let key = Some((w.vhost.clone(), queue.to_string()));
        snap.consumers.iter().filter(move |c| c.queue_key() == key)
    };
    let mailbox = format!("{node}.celery.pidbox");
    let connection = consumers_of(&mailbox)
        .map(|c| c.connection_name().to_string())
        .find(|c| !c.is_empty());
    let missing: Vec<&str> = queues
        .iter()
        .map(String::as_str)
        .filter(|q| {
            !consumers_of(q).any(|c| connection.as_ref().is_none_or(|n| c.connection_name() == n))
        })
        .collect();
    if !missing.is_empty() {
        return result.fail(format!(
            "{node} answered ping but the broker shows no consumer of it on {}",
            missing.join(", ")
        ));
    }
    result.pass(format!(
        "{node} is ready: answered ping, consuming {} queue(s) ({})",
        queues.len(),
        queues.join(", ")
    ))
}

#[cfg(test)]
#[path = "probe_tests.rs"]
mod tests;
