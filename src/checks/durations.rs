//! `workers.mixed-durations`: one task name, in one queue, whose runs split into fast and slow
//! (its arguments decide), from the runtimes of doctor's event sample (`task-succeeded`) and the
//! active tasks' time so far (the probe). Pure functions; no I/O.

use std::collections::BTreeMap;

use super::level;
use crate::celery_events::EventSample;
use crate::rabbitmq::records::subject as queue_subject;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::workers::{TaskInfo, VhostReport, WorkerReport};

pub const ID: &str = "workers.mixed-durations";

/// What was seen of one task name in one queue, in seconds.
#[derive(Debug, Default)]
struct Seen {
    /// Runtimes of the runs that ended during the sample.
    ended: Vec<f64>,
    /// Time so far of the runs still active at the probe (lower bounds).
    running: Vec<f64>,
}

impl Seen {
    /// Every duration seen, sorted.
    fn all(&self) -> Vec<f64> {
        let mut all: Vec<f64> = self.ended.iter().chain(&self.running).copied().collect();
        all.sort_by(f64::total_cmp);
        all
    }

    /// The tenth percentile (nearest rank) of the ended runs.
    fn p10_ended(&self) -> Option<f64> {
        let mut e = self.ended.clone();
        e.sort_by(f64::total_cmp);
        let rank = (e.len() as f64 * 0.1).ceil().max(1.0) as usize;
        e.get(rank - 1).copied()
    }
}

/// The queue a task ran from on `w`: the only queue it consumes, else the task's routing key
/// when it names one of them, else all of its queues together (`a+b`); `?` when unknown.
fn queue_of(w: Option<&WorkerReport>, task: Option<&TaskInfo>) -> String {
    let Some(w) = w else { return "?".into() };
    let queues = w.queues();
    if let [only] = queues.as_slice() {
        return only.clone();
    }
    match task.and_then(|t| t.routing_key.as_ref()) {
        Some(rk) if queues.contains(rk) => rk.clone(),
        _ if queues.is_empty() => "?".into(),
        _ => queues.join("+"),
    }
}

/// Durations by (queue, task name): the sample's ended runs (named by their `task-received`, or
/// by the probe's active and reserved tasks), and the active tasks not seen ending.
fn gather(v: &VhostReport, sample: &EventSample) -> BTreeMap<(String, String), Seen> {
    let mut out: BTreeMap<(String, String), Seen> = BTreeMap::new();
    let held = |w: &WorkerReport| -> Vec<TaskInfo> {
        w.active().into_iter().chain(w.reserved()).collect()
    };
    for run in &sample.runs {
        let w = v.workers.iter().find(|w| w.node == run.node);
        let tasks = w.map(held).unwrap_or_default();
        let task = tasks.iter().find(|t| t.id == run.id);
        let Some(name) = run.name.clone().or_else(|| task.map(|t| t.name.clone())) else {
            continue;
        };
        out.entry((queue_of(w, task), name))
            .or_default()
            .ended
            .push(run.runtime);
    }
    for w in &v.workers {
        for t in w.active() {
            if sample.runs.iter().any(|r| r.id == t.id) {
                continue;
            }
            if let Some(secs) = w.runtime(&t) {
                out.entry((queue_of(Some(w), Some(&t)), t.name.clone()))
                    .or_default()
                    .running
                    .push(secs);
            }
        }
    }
    out
}

/// Seconds as a person reads a task's duration: `0.4ms`, `12ms`, `1.5s`, `2m`.
fn shown(secs: f64) -> String {
    if secs < 0.001 {
        format!("{:.1}ms", secs * 1000.0)
    } else if secs < 1.0 {
        format!("{:.0}ms", secs * 1000.0)
    } else if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        crate::text::fmt_duration_secs(secs)
    }
}

/// Microseconds' precision for evidence.
fn ms(secs: f64) -> f64 {
    (secs * 1e6).round() / 1e6
}

/// `workers.mixed-durations` for one vhost's probe and its event sample; nothing when no sample
/// was taken (not doctor, or --no-event-sample).
pub fn check(v: &VhostReport, t: &Thresholds, out: &mut Vec<Finding>) {
    let Some(sample) = &v.events else { return };
    let fast = t.timing(ID, "fast").as_secs_f64();
    let limits = t.get(ID);
    let seen = gather(v, sample);
    let before = out.len();
    for ((queue, name), s) in &seen {
        let Some(p10) = s.p10_ended().filter(|p| *p < fast) else {
            continue;
        };
        let all = s.all();
        let (min, max) = (all[0], all[all.len() - 1]);
        let median = all[all.len() / 2];
        let sev = level(&limits, max);
        if sev == Severity::Ok {
            continue;
        }
        out.push(split(
            v,
            queue,
            name,
            s,
            (min, median, max, p10),
            sample.seconds,
            sev,
        ));
    }
    if out.len() > before {
        return;
    }
    let summary = match &sample.not_sampled {
        Some(why) => format!("task durations not sampled: {why}"),
        None => format!(
            "{} task run(s) of {} name(s) seen ({} ended during the {} sample): no task name runs both under {} and over {}",
            seen.values()
                .map(|s| s.ended.len() + s.running.len())
                .sum::<usize>(),
            seen.keys()
                .map(|(_, n)| n)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            seen.values().map(|s| s.ended.len()).sum::<usize>(),
            shown(sample.seconds),
            shown(fast),
            shown(limits.warn.unwrap_or(0.0)),
        ),
    };
    out.push(
        Finding::new(ID, Severity::Ok, format!("vhost {}", v.vhost))
            .summary(summary)
            .evidence("ended_runs", sample.runs.len() as f64)
            .evidence("sample_seconds", ms(sample.seconds)),
    );
}

/// The finding for one task name whose durations split.
fn split(
    v: &VhostReport,
    queue: &str,
    name: &str,
    s: &Seen,
    (min, median, max, p10): (f64, f64, f64, f64),
    sample_secs: f64,
    sev: Severity,
) -> Finding {
    let runs = s.ended.len() + s.running.len();
    let (subject, in_queue, slow_queue) = match queue {
        "?" => (
            format!("vhost {}: {name}", v.vhost),
            "in a queue its worker did not name (no active_queues reply)".to_string(),
            "slow".to_string(),
        ),
        q => (
            format!("{}: {name}", queue_subject(&v.vhost, q)),
            format!("in queue {q}"),
            format!("{}_slow", q.split('+').next().unwrap_or(q)),
        ),
    };
    Finding::new(ID, sev, subject)
        .summary(format!(
            "task {name} {in_queue} runs both fast and slow: {runs} run(s) seen ({} ended during the {} event sample, {} running), min {}, median {}, max {} (the fastest tenth took at most {}): its fast calls wait behind its slow ones",
            s.ended.len(),
            shown(sample_secs),
            s.running.len(),
            shown(min),
            shown(median),
            shown(max),
            shown(p10.max(0.0001)),
        ))
        .evidence("runs", runs as f64)
        .evidence("ended_runs", s.ended.len() as f64)
        .evidence("min_seconds", ms(min))
        .evidence("median_seconds", ms(median))
        .evidence("max_seconds", ms(max))
        .remedy(format!(
            "split {name} by argument into two task names (a fast one and a slow one), or route it by argument with a router function: def route(name, args, kwargs, options, task=None, **kw): return {{'queue': '{slow_queue}'}} if name == '{name}' and <its slow arguments> else None; task_routes = (route,); start a worker for it (celery -A PROJ worker -Q {slow_queue}) and set worker_prefetch_multiplier = 1 so no worker holds fast calls behind a slow one; see `celtool explain {ID}`"
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::celery_events::TaskRun;
    use serde_json::json;

    fn run(id: &str, name: Option<&str>, node: &str, runtime: f64) -> TaskRun {
        TaskRun {
            id: id.into(),
            name: name.map(str::to_string),
            node: node.into(),
            runtime,
        }
    }

    /// A worker consuming `queues`, running one active task `slow-1` of `name` started at 100
    /// and answering at `100 + running`.
    fn worker(node: &str, queues: &[&str], active: Option<(&str, f64)>) -> WorkerReport {
        let queues: Vec<_> = queues.iter().map(|q| json!({"name": q})).collect();
        let active: Vec<_> = active
            .iter()
            .map(|(name, _)| {
                json!({"id": "slow-1", "name": name, "time_start": 100.0,
                       "delivery_info": {"routing_key": "jobs"}})
            })
            .collect();
        let at = 100.0 + active_secs(&active);
        WorkerReport::from_replies(
            node,
            "v",
            serde_json::from_value(
                json!({"ping": {"ok": "pong"}, "active_queues": queues, "active": active}),
            )
            .unwrap(),
            at,
        )
    }

    fn active_secs(active: &[serde_json::Value]) -> f64 {
        if active.is_empty() { 0.0 } else { 5.0 }
    }

    fn vhost(workers: Vec<WorkerReport>, sample: Option<EventSample>) -> VhostReport {
        VhostReport {
            vhost: "v".into(),
            workers,
            events: sample,
            ..VhostReport::default()
        }
    }

    fn sample(runs: Vec<TaskRun>) -> EventSample {
        EventSample {
            seconds: 3.0,
            task_events: runs.len() as u64 * 3,
            runs,
            ..EventSample::default()
        }
    }

    fn ids(out: &[Finding]) -> Vec<(&str, Severity, &str)> {
        out.iter()
            .map(|f| (f.id, f.severity, f.subject.as_str()))
            .collect()
    }

    #[test]
    fn one_name_fast_and_slow_in_one_queue_is_named_with_its_numbers() {
        let name = "app.export";
        let v = vhost(
            vec![worker("w1@h", &["jobs"], Some((name, 5.0)))],
            Some(sample(vec![
                run("a", Some(name), "w1@h", 0.002),
                run("b", Some(name), "w1@h", 0.003),
                run("c", None, "w1@h", 0.001),
                run("d", Some("app.other"), "w1@h", 0.01),
            ])),
        );
        let mut out = Vec::new();
        check(&v, &Thresholds::default(), &mut out);
        assert_eq!(ids(&out), vec![(ID, Severity::Warn, "v/jobs: app.export")]);
        let f = &out[0];
        assert_eq!(
            f.summary,
            "task app.export in queue jobs runs both fast and slow: 3 run(s) seen (2 ended during the 3.0s event sample, 1 running), min 2ms, median 3ms, max 5.0s (the fastest tenth took at most 2ms): its fast calls wait behind its slow ones"
        );
        assert_eq!(f.evidence["max_seconds"], 5.0);
        assert_eq!(f.evidence["min_seconds"], 0.002);
        assert!(f.remedy.contains("-Q jobs_slow"), "{}", f.remedy);
        assert!(f.remedy.contains("worker_prefetch_multiplier = 1"));
    }

    #[test]
    fn a_slow_run_that_ended_counts_and_the_threshold_is_the_configs() {
        let v = vhost(
            vec![worker("w1@h", &["a", "b"], None)],
            Some(sample(vec![
                run("x", Some("t"), "w1@h", 0.01),
                run("y", Some("t"), "w1@h", 2.5),
            ])),
        );
        let mut out = Vec::new();
        check(&v, &Thresholds::default(), &mut out);
        // Two queues and no routing key: the worker's queues together.
        assert_eq!(ids(&out), vec![(ID, Severity::Warn, "v/a+b: t")]);
        let mut t = Thresholds::default();
        t.set(ID, Some(3.0), None);
        let mut out = Vec::new();
        check(&v, &t, &mut out);
        assert_eq!(ids(&out), vec![(ID, Severity::Ok, "vhost v")]);
        assert!(
            out[0]
                .summary
                .starts_with("2 task run(s) of 1 name(s) seen"),
            "{}",
            out[0].summary
        );
    }

    #[test]
    fn only_fast_or_only_slow_or_unsampled_stays_ok() {
        let fast = vhost(
            vec![worker("w1@h", &["jobs"], None)],
            Some(sample(vec![
                run("a", Some("t"), "w1@h", 0.002),
                run("b", Some("u"), "w1@h", 0.004),
            ])),
        );
        // Slow runs only: the fastest tenth is not fast.
        let slow = vhost(
            vec![worker("w1@h", &["jobs"], Some(("t", 5.0)))],
            Some(sample(vec![run("a", Some("t"), "w1@h", 3.0)])),
        );
        // Events off: the active slow task alone judges nothing.
        let off = vhost(
            vec![worker("w1@h", &["jobs"], Some(("t", 5.0)))],
            Some(EventSample {
                seconds: 0.2,
                not_sampled: Some(crate::celery_events::NO_TASK_EVENTS.into()),
                ..EventSample::default()
            }),
        );
        for v in [&fast, &slow, &off] {
            let mut out = Vec::new();
            check(v, &Thresholds::default(), &mut out);
            assert_eq!(ids(&out), vec![(ID, Severity::Ok, "vhost v")]);
        }
        let mut out = Vec::new();
        check(&off, &Thresholds::default(), &mut out);
        assert_eq!(
            out[0].summary,
            "task durations not sampled: no task event came: the workers send none (worker_send_task_events / -E off) or ran no task meanwhile, so only the running tasks were seen"
        );
        // No sample taken at all: nothing said.
        let mut out = Vec::new();
        check(&vhost(vec![], None), &Thresholds::default(), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn durations_read_as_people_read_them() {
        assert_eq!(shown(0.0004), "0.4ms");
        assert_eq!(shown(0.0123), "12ms");
        assert_eq!(shown(1.53), "1.5s");
        assert_eq!(shown(125.0), "2m");
    }
}
