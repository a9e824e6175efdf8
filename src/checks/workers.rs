//! Checks over what the workers told us (remote control) beside the broker snapshot: hung and
//! missing workers, queues nobody answering serves, settings that fail in the field, and slow
//! tasks sharing a queue with fast ones. Pure functions; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use super::level;
use super::worker_conf::{self as rules, ConfView};
use crate::host::Process;
use crate::rabbitmq::classify::Classifier;
use crate::rabbitmq::read::Snapshot;
use crate::rabbitmq::records::subject as queue_subject;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::fmt_duration_secs;
use crate::workers::settings::{Expect, glob_matches};
use crate::workers::{FleetSnapshot, VhostReport, WorkerReport};

/// A worker's configuration as the shared rules read it: its `conf` reply, with what its
/// `stats` reply says of the pool (max-tasks-per-child, time limits) and of the heartbeat it
/// negotiated.
impl ConfView for WorkerReport {
    fn value(&self, key: &str) -> Option<&serde_json::Value> {
        self.conf(key)
    }
    fn max_tasks_per_child(&self) -> Option<u64> {
        WorkerReport::max_tasks_per_child(self)
    }
    fn max_memory_per_child_kib(&self) -> Option<u64> {
        WorkerReport::max_memory_per_child_kib(self)
    }
    fn broker_heartbeat(&self) -> Option<f64> {
        WorkerReport::broker_heartbeat(self)
    }
    fn time_limited(&self) -> bool {
        self.conf_true("task_time_limit")
            || self.conf_true("task_soft_time_limit")
            || self.pool_time_limits() != (None, None)
    }
}

/// Every workers.* finding for one probe and the broker snapshot it was planned from.
pub fn check(
    fleet: &FleetSnapshot,
    broker: &Snapshot,
    thresholds: &Thresholds,
    expect: &Expect,
) -> Vec<Finding> {
    check_seen_from(fleet, broker, thresholds, expect, None)
}

/// [`check`], with this host's process table when it was read: the pool processes of the
/// workers that run here are then judged by their own memory.
pub fn check_seen_from(
    fleet: &FleetSnapshot,
    broker: &Snapshot,
    thresholds: &Thresholds,
    expect: &Expect,
    procs: Option<&[Process]>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in &fleet.vhosts {
        if let Some(why) = &v.not_asked {
            out.push(
                Finding::new("workers.not-asked", Severity::Unknown, vhost_label(&v.vhost))
                    .summary(format!("the workers were not asked: {why}"))
                    .remedy("clear the alarm first (see the broker.alarm.* finding and `celtool explain workers.not-asked`), then run again"),
            );
            continue;
        }
        if let Some(e) = &v.error {
            out.push(
                Finding::new("workers.unreachable", Severity::Unknown, vhost_label(&v.vhost))
                    .summary(e.clone())
                    .remedy("see `celtool explain workers.unreachable`; --amqp-url sets where celtool connects"),
            );
            continue;
        }
        hung(v, broker, fleet.timeout_ms, &mut out);
        unserved(v, broker, &mut out);
        settings(v, broker, thresholds, procs, &mut out);
        long_tasks(v, thresholds, &mut out);
        mixed_queues(v, thresholds, &mut out);
        super::durations::check(v, thresholds, &mut out);
        super::delayed::paths(v, broker, &mut out);
        super::consumer_timeout::check(v, broker, thresholds, &mut out);
    }
    missing(fleet, expect, &mut out);
    let answered = fleet.workers().filter(|w| w.answered_ping()).count();
    if !out.iter().any(|f| f.severity != Severity::Ok) {
        out.push(
            Finding::new("workers.hung", Severity::Ok, "workers")
                .summary(format!("{answered} worker(s) answered ping"))
                .evidence("workers", answered as f64),
        );
    }
    for f in &mut out {
        f.host.get_or_insert_with(|| broker.host.clone());
    }
    out
}

/// Drops `celery.mailbox.no-consumer` for the workers that answered: a reply proves their
/// mailbox is consumed, while the queue's consumer count in the management API lags (it is
/// refreshed every statistics interval, 5 s by default) and says 0 for a worker just started.
pub fn drop_answered_mailboxes(fleet: &FleetSnapshot, findings: &mut Vec<Finding>) {
    let answered: BTreeSet<String> = fleet
        .workers()
        .filter(|w| w.answered_ping())
        .map(|w| queue_subject(&w.vhost, &format!("{}.celery.pidbox", w.node)))
        .collect();
    findings.retain(|f| f.id != "celery.mailbox.no-consumer" || !answered.contains(&f.subject));
}

fn vhost_label(vhost: &str) -> String {
    format!("vhost {vhost}")
}

/// Node names, at most five, then "and N more".
fn names<'a>(nodes: impl IntoIterator<Item = &'a str>) -> String {
    let all: Vec<&str> = nodes.into_iter().collect();
    let mut s = all.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if all.len() > 5 {
        s.push_str(&format!(" and {} more", all.len() - 5));
    }
    s
}

/// The subject of a finding about several workers of a vhost: the node when there is one.
fn group_subject(vhost: &str, nodes: &[&WorkerReport]) -> String {
    match nodes {
        [one] => one.node.clone(),
        _ => format!("{} ({} workers)", vhost_label(vhost), nodes.len()),
    }
}

/// The connections that consume a queue, by name, with their peer host and state.
fn consumers_of<'a>(broker: &'a Snapshot, vhost: &str, queue: &str) -> Vec<&'a str> {
    broker
        .consumers
        .iter()
        .filter(|c| c.queue_key().is_some_and(|(v, q)| v == vhost && q == queue))
        .map(|c| c.connection_name())
        .collect()
}

/// A silent worker on Redis: connected (its pidbox subscription received the request), named by
/// its connections where they could be told apart.
fn hung_on_redis(v: &VhostReport, node: &str, timeout_ms: u64) -> Finding {
    let conns = v.connections.get(node).cloned().unwrap_or_default();
    let named = conns
        .iter()
        .filter(|c| !c.contains("subscriber(s)"))
        .count();
    Finding::new("workers.hung", Severity::Crit, node.to_string())
        .summary(format!(
            "worker {node} does not answer ping (asked twice, {} each) although it is connected to Redis ({}): {}",
            fmt_duration_secs(timeout_ms as f64 / 1000.0),
            v.place(),
            if conns.is_empty() { "?".to_string() } else { conns.join(", ") },
        ))
        .evidence("timeout_ms", timeout_ms as f64)
        .evidence("connections", named as f64)
        .remedy("usually a task blocked without a time limit (a socket read, a lock) or a stopped process: see where it is stuck with `py-spy dump --pid PID` (the worker's main process, listed by `celtool workers` on its host), then restart the worker (end its main process so its supervisor starts a fresh one); set task_time_limit / task_soft_time_limit so one task cannot hang it again")
}

fn hung(v: &VhostReport, broker: &Snapshot, timeout_ms: u64, out: &mut Vec<Finding>) {
    for node in &v.silent {
        if v.receivers.is_some() {
            out.push(hung_on_redis(v, node, timeout_ms));
            continue;
        }
        let mailbox = format!("{node}.celery.pidbox");
        let conns = consumers_of(broker, &v.vhost, &mailbox);
        let conn = conns
            .first()
            .and_then(|name| broker.connections.iter().find(|c| c.name() == *name));
        let (conn_name, host, state) = match conn {
            Some(c) => (
                c.name().to_string(),
                c.peer_host.clone().unwrap_or_else(|| "?".into()),
                c.state.clone().unwrap_or_else(|| "?".into()),
            ),
            None => (
                conns
                    .first()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "?".into()),
                "?".into(),
                "?".into(),
            ),
        };
        out.push(
            Finding::new("workers.hung", Severity::Crit, node.clone())
                .summary(format!(
                    "worker {node} does not answer ping (asked twice, {} each) although its mailbox {} has a consumer on connection {conn_name} from host {host} (state {state})",
                    fmt_duration_secs(timeout_ms as f64 / 1000.0),
                    queue_subject(&v.vhost, &mailbox),
                ))
                .evidence("timeout_ms", timeout_ms as f64)
                .evidence("mailbox_consumers", conns.len().max(1) as f64)
                .remedy(format!(
                    "usually a task blocked without a time limit (a socket read, a lock) or a stopped process: on {host} see where it is stuck with `py-spy dump --pid PID` (the worker's main process, listed by `celtool workers`), then restart the worker (on that host `celtool workers reap --hung --yes` ends it so its supervisor starts a fresh one); set task_time_limit / task_soft_time_limit so one task cannot hang it again"
                )),
        );
    }
}

fn missing(fleet: &FleetSnapshot, expect: &Expect, out: &mut Vec<Finding>) {
    let answering: Vec<&str> = fleet
        .workers()
        .filter(|w| w.answered_ping())
        .map(|w| w.node.as_str())
        .collect();
    let silent: Vec<&str> = fleet
        .vhosts
        .iter()
        .flat_map(|v| v.silent.iter().map(String::as_str))
        .collect();
    // Workers of a vhost that could not be asked are not missing, only unknown.
    let unasked: Vec<&str> = fleet
        .vhosts
        .iter()
        .filter(|v| v.error.is_some() || v.not_asked.is_some())
        .map(|v| v.vhost.as_str())
        .collect();
    let (severity, unasked_note) = if unasked.is_empty() {
        (Severity::Crit, String::new())
    } else {
        (
            Severity::Unknown,
            format!(
                "; vhost(s) {} could not be asked, so the others may be there",
                names(unasked.iter().copied())
            ),
        )
    };
    if let Some(n) = expect.count
        && answering.len() < n
    {
        let also = if silent.is_empty() {
            String::new()
        } else {
            format!("; silent: {}", names(silent.iter().copied()))
        };
        out.push(
            Finding::new("workers.missing", severity, "workers")
                .summary(format!(
                    "{} of {n} expected worker(s) answered ping{also}{unasked_note}",
                    answering.len()
                ))
                .evidence("answered", answering.len() as f64)
                .evidence("expected", n as f64)
                .remedy("start the missing workers (check their supervisor: systemctl status, kubectl get pods); a worker killed with -9 leaves no trace on the broker, so only this count shows it"),
        );
    }
    for p in &expect.patterns {
        if !answering.iter().any(|n| glob_matches(p, n)) {
            out.push(
                Finding::new("workers.missing", severity, p.clone())
                    .summary(format!("no answering worker matches {p}{unasked_note}"))
                    .evidence("answered", 0.0)
                    .remedy("start a worker with a node name matching it (celery worker -n NAME@%h), or correct expect_workers in the profile"),
            );
        }
    }
}

/// Task queues with ready messages whose consumers are none of the workers that answered.
fn unserved(v: &VhostReport, broker: &Snapshot, out: &mut Vec<Finding>) {
    if broker.consumers.is_empty() && v.workers.iter().all(|w| w.queues().is_empty()) {
        return;
    }
    let kinds = Classifier::new(&broker.connections, &broker.consumers);
    let answering: Vec<&WorkerReport> = v.workers.iter().filter(|w| w.answered_ping()).collect();
    let answering_conns: BTreeSet<&str> = answering
        .iter()
        .flat_map(|w| consumers_of(broker, &v.vhost, &format!("{}.celery.pidbox", w.node)))
        .collect();
    for q in broker.queues.iter().filter(|q| q.vhost() == v.vhost) {
        if kinds.queue_kind(q) != crate::rabbitmq::classify::QueueKind::Task
            || q.ready() <= 0.0
            || q.consumers() <= 0.0
        {
            continue;
        }
        let by_listing = answering
            .iter()
            .any(|w| w.queues().iter().any(|n| n == q.name()));
        let by_conn = consumers_of(broker, &v.vhost, q.name())
            .iter()
            .any(|c| answering_conns.contains(c));
        if by_listing || by_conn {
            continue;
        }
        out.push(
            Finding::new("workers.queue-unserved", Severity::Crit, q.subject())
                .summary(format!(
                    "task queue {} holds {} ready message(s) and has {} consumer(s), but none of them is a worker that answers ping",
                    q.subject(),
                    q.ready(),
                    q.consumers()
                ))
                .evidence("messages_ready", q.ready())
                .evidence("consumers", q.consumers())
                .remedy("its consumers are hung or are not Celery workers: see the workers.hung findings, restart those workers, and check `celtool connections` for who consumes it"),
        );
    }
}

/// ` (4)` when the workers share one value, ` (w1@h: 4, w2@h: 8)` otherwise; empty when the
/// detail is empty.
fn detail_of(nodes: &[&WorkerReport], detail: &dyn Fn(&WorkerReport) -> String) -> String {
    let values: Vec<String> = nodes.iter().map(|w| detail(w)).collect();
    if values.iter().all(String::is_empty) {
        String::new()
    } else if values.iter().all(|v| *v == values[0]) {
        format!(" ({})", values[0])
    } else {
        let each: Vec<String> = nodes
            .iter()
            .zip(&values)
            .map(|(w, v)| format!("{}: {v}", w.node))
            .collect();
        format!(" ({})", names(each.iter().map(String::as_str)))
    }
}

fn fmt_multiplier(m: f64) -> String {
    if m.fract() == 0.0 {
        format!("{m:.0}")
    } else {
        format!("{m}")
    }
}

fn push_group(
    out: &mut Vec<Finding>,
    id: &'static str,
    vhost: &str,
    nodes: &[&WorkerReport],
    summary: &str,
    remedy: &str,
) {
    if nodes.is_empty() {
        return;
    }
    out.push(
        Finding::new(id, Severity::Warn, group_subject(vhost, nodes))
            .summary(format!(
                "{summary}: {}",
                names(nodes.iter().map(|w| w.node.as_str()))
            ))
            .evidence("workers", nodes.len() as f64)
            .remedy(remedy),
    );
}

/// Settings read from `conf`: one finding per rule and vhost, naming the workers.
fn settings(
    v: &VhostReport,
    broker: &Snapshot,
    t: &Thresholds,
    procs: Option<&[Process]>,
    out: &mut Vec<Finding>,
) {
    let conf: Vec<&WorkerReport> = v
        .workers
        .iter()
        .filter(|w| w.reply(crate::workers::Method::Conf).is_some())
        .collect();
    acks_late(v, &conf, out);
    recycling(v, &conf, t, procs, out);
    traffic(v, &conf, broker, t, out);
}

fn acks_late(v: &VhostReport, conf: &[&WorkerReport], out: &mut Vec<Finding>) {
    let found: Vec<(&WorkerReport, rules::AcksLate)> = conf
        .iter()
        .filter_map(|w| Some((*w, rules::acks_late(*w)?)))
        .collect();
    let acks_late: Vec<&WorkerReport> = found.iter().map(|(w, _)| *w).collect();
    let prefetching: Vec<&WorkerReport> = found
        .iter()
        .filter(|(_, a)| a.multiplier.is_some())
        .map(|(w, _)| *w)
        .collect();
    let unrejecting: Vec<&WorkerReport> = found
        .iter()
        .filter(|(_, a)| a.unrejecting)
        .map(|(w, _)| *w)
        .collect();
    // Name only the settings that are wrong, and on which workers when not on all of them.
    let on = |some: &[&WorkerReport], detail: &dyn Fn(&WorkerReport) -> String| {
        let whom = if some.len() == acks_late.len() {
            String::new()
        } else {
            format!(" on {}", names(some.iter().map(|w| w.node.as_str())))
        };
        whom + &detail_of(some, detail)
    };
    let mut wrong = Vec::new();
    if !prefetching.is_empty() {
        wrong.push(format!(
            "worker_prefetch_multiplier > 1{}",
            on(&prefetching, &|w| fmt_multiplier(
                rules::prefetch_multiplier(w)
            ))
        ));
    }
    if !unrejecting.is_empty() {
        wrong.push(format!(
            "task_reject_on_worker_lost not True{}",
            on(&unrejecting, &|_| String::new())
        ));
    }
    // What is wrong on any of them.
    let all = rules::AcksLate {
        multiplier: prefetching.first().map(|w| rules::prefetch_multiplier(*w)),
        unrejecting: !unrejecting.is_empty(),
    };
    push_group(
        out,
        "workers.acks-late",
        &v.vhost,
        &acks_late,
        &format!("task_acks_late is on with {}", wrong.join(" and ")),
        &rules::acks_late_remedy(&all),
    );
}

/// The pool processes of a worker as this host sees them: its main pid (stats) is a Celery
/// process here, and the pool pids it reports are its children. None when it runs elsewhere
/// (another host, another pid namespace) or the process table was not read.
fn local_pool<'a>(w: &WorkerReport, procs: Option<&'a [Process]>) -> Option<Vec<&'a Process>> {
    let procs = procs?;
    let main = i32::try_from(w.pid()?).ok()?;
    let m = procs.iter().find(|p| p.pid == main)?;
    crate::host::celery::recognise(m)?;
    let pool = w.processes();
    let children: Vec<&Process> = procs
        .iter()
        .filter(|p| p.ppid == main && pool.contains(&(p.pid as u64)))
        .collect();
    (!children.is_empty()).then_some(children)
}

/// Workers that replace no pool process (neither max-tasks nor max-memory per child): judged by
/// their pool processes' resident memory where this host sees them; elsewhere only the main
/// process's peak (stats rusage maxrss) is known, which a leaking pool process does not raise,
/// and the finding says that only the worker's own host can see the pool.
fn recycling(
    v: &VhostReport,
    conf: &[&WorkerReport],
    t: &Thresholds,
    procs: Option<&[Process]>,
    out: &mut Vec<Finding>,
) {
    let id = "workers.no-recycle";
    let limits = t.get(id);
    let high = |bytes: f64| level(&limits, bytes / 1_048_576.0) != Severity::Ok;
    let unrecycled = conf.iter().copied().filter(|w| !rules::recycles(*w));
    let mut leaking: Vec<(&WorkerReport, &Process)> = Vec::new();
    let mut main_high: Vec<&WorkerReport> = Vec::new();
    let mut unseen: Vec<&WorkerReport> = Vec::new();
    for w in unrecycled {
        match local_pool(w, procs) {
            Some(pool) => {
                let biggest = pool.iter().max_by_key(|p| p.rss_bytes).copied();
                if let Some(p) = biggest.filter(|p| high(p.rss_bytes as f64)) {
                    leaking.push((w, p));
                }
            }
            None => {
                if w.max_rss_bytes().is_some_and(high) {
                    main_high.push(w);
                }
                unseen.push(w);
            }
        }
    }
    let remedy = rules::NO_RECYCLE_REMEDY;
    if !leaking.is_empty() {
        let nodes: Vec<&WorkerReport> = leaking.iter().map(|(w, _)| *w).collect();
        let each: Vec<String> = leaking
            .iter()
            .map(|(w, p)| {
                format!(
                    "{} pool process {} uses {}",
                    w.node,
                    p.pid,
                    crate::text::fmt_bytes(p.rss_bytes as f64)
                )
            })
            .collect();
        let biggest = leaking.iter().map(|(_, p)| p.rss_bytes).max().unwrap_or(0);
        out.push(
            Finding::new(id, Severity::Warn, group_subject(&v.vhost, &nodes))
                .summary(format!(
                    "a pool process is big and neither worker_max_tasks_per_child nor worker_max_memory_per_child is set: {}",
                    names(each.iter().map(String::as_str))
                ))
                .evidence("workers", nodes.len() as f64)
                .evidence("pool_rss_bytes", biggest as f64)
                .remedy(remedy),
        );
    }
    push_group(
        out,
        id,
        &v.vhost,
        &main_high,
        "the main process's peak RSS is high and neither worker_max_tasks_per_child nor worker_max_memory_per_child is set (the pool processes' memory is seen only on the worker's own host: `celtool doctor --only host` there)",
        remedy,
    );
    let quiet: Vec<&WorkerReport> = unseen
        .iter()
        .copied()
        .filter(|w| !main_high.iter().any(|m| m.node == w.node))
        .collect();
    if !quiet.is_empty() {
        out.push(
            Finding::new(id, Severity::Ok, group_subject(&v.vhost, &quiet))
                .summary(format!(
                    "no pool process is replaced (neither worker_max_tasks_per_child nor worker_max_memory_per_child) and their pool processes' memory is not seen from here: the workers report only their main process's peak RSS; `celtool doctor --only host` on the worker's own host judges each pool process (host.workers.rss): {}",
                    names(quiet.iter().map(|w| w.node.as_str()))
                ))
                .evidence("workers", quiet.len() as f64),
        );
    }
}

fn traffic(
    v: &VhostReport,
    conf: &[&WorkerReport],
    broker: &Snapshot,
    t: &Thresholds,
    out: &mut Vec<Finding>,
) {
    let events: Vec<&WorkerReport> = conf
        .iter()
        .copied()
        .filter(|w| rules::task_events(*w))
        .collect();
    if level(&t.get("workers.task-events"), events.len() as f64) != Severity::Ok {
        push_group(
            out,
            "workers.task-events",
            &v.vhost,
            &events,
            "task events are on (worker_send_task_events / -E) on many workers",
            rules::TASK_EVENTS_REMEDY,
        );
    }

    let result_queues_unread = broker.queues.iter().any(|q| {
        q.vhost() == v.vhost
            && crate::rabbitmq::classify::is_uuid_queue(q.name())
            && q.ready() > 0.0
            // "No consumer" only when the broker said so, not from a count it left out.
            && crate::rabbitmq::records::count(q.consumers) == Some(0.0)
    });
    let results: Vec<&WorkerReport> = conf
        .iter()
        .copied()
        .filter(|w| !w.conf_true("task_ignore_result") && w.conf_true("result_backend"))
        .filter(|_| result_queues_unread)
        .collect();
    push_group(
        out,
        "workers.results-unread",
        &v.vhost,
        &results,
        "results are stored (a result_backend, task_ignore_result False) and result queues fill up with nobody reading them",
        "set task_ignore_result = True (or @app.task(ignore_result=True) on tasks whose result nobody reads), and result_expires to bound what is kept",
    );

    let no_ttl: Vec<&WorkerReport> = conf
        .iter()
        .copied()
        .filter(|w| rules::event_queue_ttl(*w).is_some())
        .collect();
    push_group(
        out,
        "workers.event-queue-ttl",
        &v.vhost,
        &no_ttl,
        "event_queue_ttl or event_queue_expires is unset, so event queues these workers declare keep messages, or stay, forever",
        rules::EVENT_QUEUE_TTL_REMEDY,
    );

    let hb_off: Vec<&WorkerReport> = v
        .workers
        .iter()
        .filter(|w| rules::heartbeat_off(*w))
        .collect();
    push_group(
        out,
        "workers.heartbeat-off",
        &v.vhost,
        &hb_off,
        "broker_heartbeat is 0: a dead connection is noticed only by TCP, minutes or hours later",
        rules::HEARTBEAT_OFF_REMEDY,
    );
}

fn oldest(w: &WorkerReport) -> Option<(f64, String)> {
    w.active()
        .iter()
        .filter_map(|t| Some((w.runtime(t)?, t.name.clone())))
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

fn long_tasks(v: &VhostReport, t: &Thresholds, out: &mut Vec<Finding>) {
    for w in &v.workers {
        let Some((secs, task)) = oldest(w) else {
            continue;
        };
        let sev = level(&t.get("workers.no-time-limit"), secs);
        if rules::no_time_limit(w)
            && sev != Severity::Ok
            && w.reply(crate::workers::Method::Conf).is_some()
        {
            out.push(
                Finding::new("workers.no-time-limit", sev, w.node.clone())
                    .summary(format!("{task} has run for {} on {} and no time limit is set", fmt_duration_secs(secs), w.node))
                    .evidence("oldest_active_seconds", secs.round())
                    .remedy(format!("set task_time_limit and task_soft_time_limit (or time_limit= on {task}) so a task that hangs is ended instead of holding a pool process forever")),
            );
        }
        let mult = w.conf_num("worker_prefetch_multiplier");
        let sev = level(&t.get("workers.prefetch-long-tasks"), secs);
        if mult.is_some_and(|m| m > 1.0) && sev != Severity::Ok {
            out.push(
                Finding::new("workers.prefetch-long-tasks", sev, w.node.clone())
                    .summary(format!(
                        "{} prefetches {} message(s) (multiplier {}) while {task} runs for {}: prefetched tasks wait behind it",
                        w.node,
                        w.prefetch_count().unwrap_or(0),
                        mult.unwrap_or(0.0),
                        fmt_duration_secs(secs)
                    ))
                    .evidence("oldest_active_seconds", secs.round())
                    .evidence("prefetch_count", w.prefetch_count().unwrap_or(0) as f64)
                    .remedy("set worker_prefetch_multiplier = 1 for workers of long tasks (and start them with -O fair on Celery < 4)"),
            );
        }
        let unacked =
            w.active().iter().any(|t| t.acknowledged == Some(false)) || !w.reserved().is_empty();
        let sev = level(&t.get("workers.consumer-timeout"), secs);
        if unacked && sev != Severity::Ok {
            out.push(
                Finding::new("workers.consumer-timeout", sev, w.node.clone())
                    .summary(format!(
                        "{task} has run for {} on {} while the worker holds unacknowledged deliveries; RabbitMQ closes the channel of a delivery unacked past consumer_timeout (30 min by default) and redelivers",
                        fmt_duration_secs(secs),
                        w.node
                    ))
                    .evidence("oldest_active_seconds", secs.round())
                    .remedy("give long tasks their own queue and workers with worker_prefetch_multiplier = 1, keep them under consumer_timeout with task_time_limit, or raise consumer_timeout on the broker (rabbitmq.conf consumer_timeout, or the x-consumer-timeout queue argument / policy key)"),
            );
        }
    }
}

/// Slow tasks (running now past the threshold) in a queue whose workers also run other tasks.
fn mixed_queues(v: &VhostReport, t: &Thresholds, out: &mut Vec<Finding>) {
    let limits = t.get("workers.mixed-queue");
    let mut by_queue: BTreeMap<String, (BTreeMap<String, f64>, BTreeSet<String>)> = BTreeMap::new();
    for w in &v.workers {
        let queues = w.queues();
        let queue_of = |rk: &Option<String>| match (rk, queues.as_slice()) {
            (Some(rk), _) if queues.contains(rk) => Some(rk.clone()),
            (_, [only]) => Some(only.clone()),
            _ => None,
        };
        for task in w.active() {
            let (Some(q), Some(secs)) = (queue_of(&task.routing_key), w.runtime(&task)) else {
                continue;
            };
            let entry = by_queue.entry(q).or_default();
            if level(&limits, secs) != Severity::Ok {
                let slowest = entry.0.entry(task.name.clone()).or_insert(0.0);
                *slowest = slowest.max(secs);
            } else {
                entry.1.insert(task.name.clone());
            }
        }
        for task in w.reserved() {
            if let Some(q) = queue_of(&task.routing_key) {
                by_queue.entry(q).or_default().1.insert(task.name.clone());
            }
        }
        if let [only] = queues.as_slice() {
            by_queue
                .entry(only.clone())
                .or_default()
                .1
                .extend(w.totals().into_keys());
        }
    }
    for (queue, (slow, others)) in by_queue {
        let fast: Vec<&String> = others.iter().filter(|n| !slow.contains_key(*n)).collect();
        if slow.is_empty() || fast.is_empty() {
            continue;
        }
        let slow_names: Vec<&str> = slow.keys().map(String::as_str).collect();
        let longest = slow.values().copied().fold(0.0, f64::max);
        let routes = slow_names
            .iter()
            .map(|n| format!("'{n}': {{'queue': '{queue}_slow'}}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(
            Finding::new("workers.mixed-queue", Severity::Warn, queue_subject(&v.vhost, &queue))
                .summary(format!(
                    "queue {queue} mixes slow tasks ({}, running up to {}) with fast ones ({}): fast tasks wait behind slow ones",
                    slow_names.join(", "),
                    fmt_duration_secs(longest),
                    names(fast.iter().map(|s| s.as_str()))
                ))
                .evidence("slowest_active_seconds", longest.round())
                .evidence("slow_task_names", slow.len() as f64)
                .evidence("fast_task_names", fast.len() as f64)
                .remedy(format!(
                    "route the slow tasks to a queue of their own: task_routes = {{{routes}}}, start a worker for it (celery -A PROJ worker -Q {queue}_slow), and set worker_prefetch_multiplier = 1 so no worker holds fast tasks behind a slow one"
                )),
        );
    }
}

#[cfg(test)]
#[path = "workers_tests.rs"]
mod tests;
