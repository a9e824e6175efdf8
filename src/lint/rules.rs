//! The rules: each worker deployment's configuration (Celery's defaults, the application's
//! settings, its command line's options) judged by the rules doctor shares
//! (`checks::worker_conf`, same IDs) and by those only a look at the files can make: what a
//! Redis visibility timeout or RabbitMQ's consumer_timeout does to long ETAs and time limits,
//! a soft shutdown longer than the stop grace period, remote control turned off, task events
//! and gossip on a big fleet.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::project::{Origin, Project, Style, Worker};
use super::value::Py;
use super::{LintFinding, LintReport, located};
use crate::catalog::{self, Direction, Limits};
use crate::checks::worker_conf as shared;
use crate::report::Severity;
use crate::text::fmt_duration_secs;

/// Settings the rules read: a value of these that lint cannot know is said (unknown).
pub(crate) const RULE_KEYS: &[&str] = &[
    "task_acks_late",
    "worker_prefetch_multiplier",
    "task_reject_on_worker_lost",
    "worker_max_tasks_per_child",
    "worker_max_memory_per_child",
    "worker_send_task_events",
    "event_queue_ttl",
    "event_queue_expires",
    "broker_heartbeat",
    "task_time_limit",
    "task_soft_time_limit",
    "worker_soft_shutdown_timeout",
    "worker_enable_remote_control",
    "broker_transport_options",
];

/// Celery's defaults (data/celery-settings.tsv), evaluated once.
fn defaults() -> &'static HashMap<String, Py> {
    static D: OnceLock<HashMap<String, Py>> = OnceLock::new();
    D.get_or_init(|| {
        let mut src = String::from("inf = float('inf')\n");
        for s in super::table::all() {
            src.push_str(&format!("{} = {}\n", s.new, s.default));
        }
        super::python::parse(&src)
            .map(|f| super::python::module_values(&f))
            .unwrap_or_default()
    })
}

/// One worker's configuration: what it runs with and where each value comes from.
struct Eff<'p> {
    conf: Map<String, Value>,
    values: HashMap<&'static str, Py>,
    from: HashMap<&'static str, Origin>,
    worker: Option<&'p Worker>,
}

/// Every one of `keys` has a value lint knows.
fn known(e: &Eff, keys: &[&str]) -> bool {
    keys.iter().all(|k| e.known(k))
}

impl Eff<'_> {
    fn origin(&self, key: &str) -> Option<&Origin> {
        self.from.get(key)
    }
    fn known(&self, key: &str) -> bool {
        self.values
            .get(key)
            .is_none_or(|v| !matches!(v, Py::Unknown(_) | Py::Opaque(_)) && v.unknown().is_none())
    }
}

fn limits(id: &str) -> Limits {
    catalog::entry(id).and_then(|e| e.limits).unwrap_or(Limits {
        warn: None,
        crit: None,
        direction: Direction::Above,
        unit: "",
    })
}

fn level(id: &str, v: f64) -> Severity {
    crate::checks::level(&limits(id), v)
}

struct Judge<'p> {
    p: &'p Project,
    out: Vec<LintFinding>,
}

pub fn judge(mut p: Project) -> LintReport {
    let findings = std::mem::take(&mut p.findings);
    let mut j = Judge {
        p: &p,
        out: findings,
    };
    if p.settings.is_empty() && p.workers.is_empty() && p.anchor.is_none() {
        let first = p
            .files
            .first()
            .map(|f| f.path.clone())
            .unwrap_or_else(|| ".".into());
        if j.out.is_empty() {
            j.out.push(located(
                "lint.no-config",
                Severity::Unknown,
                &first,
                1,
                "no Celery configuration and no worker command line were found in the files read".into(),
                "name the files that configure Celery (celeryconfig.py, Django settings, the module that creates Celery(...)) and that start the workers (Procfile, systemd units, compose files, Kubernetes manifests)".into(),
                Vec::new(),
            ));
        }
    } else if !p.incomplete {
        let effs = j.effective();
        for e in &effs {
            j.unresolved(e);
            // A worker whose options are not all known is judged on none of them.
            if e.worker.is_some_and(|w| !w.deploy.worker.unset.is_empty()) {
                continue;
            }
            j.shared_rules(e);
            j.broker_rules(e);
            j.deploy_rules(e);
        }
        j.fleet_rules(&effs);
    }
    let mut out = j.out;
    // One finding per ID, place and text: the application's settings are judged once per
    // worker that runs them.
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| {
        seen.insert((
            f.finding.id,
            f.file.clone(),
            f.line,
            f.finding.summary.clone(),
        ))
    });
    out.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then(a.line.cmp(&b.line))
            .then(b.finding.severity.rank().cmp(&a.finding.severity.rank()))
            .then(a.finding.id.cmp(b.finding.id))
    });
    let mut files = p.files.clone();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    LintReport {
        findings: out,
        files,
        notes: p.notes.clone(),
    }
}

impl<'p> Judge<'p> {
    fn effective(&self) -> Vec<Eff<'p>> {
        let base = |worker: Option<&'p Worker>| {
            let mut values: HashMap<&'static str, Py> = HashMap::new();
            let mut from: HashMap<&'static str, Origin> = HashMap::new();
            for s in &self.p.settings {
                values.insert(s.key, s.value.clone());
                from.insert(s.key, s.origin.clone());
            }
            if let Some(w) = worker {
                for (k, v, _) in &w.deploy.worker.settings {
                    let key = super::table::by_new(k).map(|s| s.new.as_str()).unwrap_or(k);
                    values.insert(key, v.clone());
                    from.insert(
                        key,
                        Origin {
                            file: w.file.clone(),
                            line: w.deploy.line,
                            style: Style::Cli,
                        },
                    );
                }
            }
            let mut conf = Map::new();
            for (k, v) in defaults() {
                if let Some(j) = v.to_json() {
                    conf.insert(k.clone(), j);
                }
            }
            for (k, v) in &values {
                match v.to_json() {
                    Some(j) => {
                        conf.insert((*k).to_string(), j);
                    }
                    None => {
                        conf.remove(*k);
                    }
                }
            }
            Eff {
                conf,
                values,
                from,
                worker,
            }
        };
        if self.p.workers.is_empty() {
            vec![base(None)]
        } else {
            self.p.workers.iter().map(|w| base(Some(w))).collect()
        }
    }

    /// Where a setting that is not set is best written: the configuration when there is one,
    /// else the worker's command line.
    fn anchor(&self, e: &Eff) -> Option<Origin> {
        self.p.anchor.clone().or_else(|| {
            e.worker.map(|w| Origin {
                file: w.file.clone(),
                line: w.deploy.line,
                style: Style::Cli,
            })
        })
    }

    /// Where `key` is set, else the anchor.
    fn at(&self, e: &Eff, key: &str) -> Option<Origin> {
        e.origin(key).cloned().or_else(|| self.anchor(e))
    }

    /// The line that sets `key`, in the style of where it is set (or would be).
    fn write(&self, e: &Eff, key: &str, value: &str) -> String {
        let style = self.at(e, key).map(|o| o.style).unwrap_or(Style::Module);
        style.spell(key, value)
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        id: &'static str,
        sev: Severity,
        at: Option<Origin>,
        summary: String,
        remedy: impl Into<String>,
        write: Vec<String>,
    ) {
        let Some(at) = at else { return };
        self.out.push(located(
            id,
            sev,
            &at.file,
            at.line,
            summary,
            remedy.into(),
            write,
        ));
    }

    fn unresolved(&mut self, e: &Eff) {
        for key in RULE_KEYS {
            let Some(v) = e.values.get(key) else { continue };
            if e.known(key) {
                continue;
            }
            let why = match v {
                Py::Opaque(what) => format!("{what} is no value lint can read"),
                other => other.unknown().unwrap_or("").to_string(),
            };
            let at = e.origin(key).cloned();
            self.emit(
                "lint.unresolved",
                Severity::Unknown,
                at,
                format!("the value of {key} cannot be known from the files: {why}; the rules that read it are not judged"),
                "give it a value the file decides (a literal, a constant of the file, or os.environ.get(NAME, DEFAULT) with the deployed default)",
                Vec::new(),
            );
        }
        if let Some(w) = e.worker
            && !w.deploy.worker.unset.is_empty()
        {
            self.emit(
                "lint.unresolved",
                Severity::Unknown,
                Some(Origin {
                    file: w.file.clone(),
                    line: w.deploy.line,
                    style: Style::Cli,
                }),
                format!(
                    "the worker's options include ${}, which no file read sets: its options are not all known",
                    w.deploy.worker.unset.join(", $")
                ),
                "give lint the EnvironmentFile or .env that sets it too",
                Vec::new(),
            );
        }
    }

    fn shared_rules(&mut self, e: &Eff) {
        self.acks_late_rule(e);
        self.recycle_rule(e);
        self.event_queue_ttl_rule(e);
        self.heartbeat_rule(e);
        self.time_limit_rule(e);
        self.remote_control_rule(e);
    }

    /// task_acks_late with a prefetch multiplier above 1 or without task_reject_on_worker_lost.
    fn acks_late_rule(&mut self, e: &Eff) {
        if known(
            e,
            &[
                "task_acks_late",
                "worker_prefetch_multiplier",
                "task_reject_on_worker_lost",
            ],
        ) && let Some(a) = shared::acks_late(&e.conf)
        {
            let mut why = Vec::new();
            if let Some(m) = a.multiplier {
                why.push(format!(
                    "worker_prefetch_multiplier {} (each pool process holds that many unacknowledged messages, which all run again elsewhere when the worker dies, and wait behind a long task)",
                    Py::Float(m).repr().trim_end_matches(".0")
                ));
            }
            if a.unrejecting {
                why.push("task_reject_on_worker_lost not True (a task whose pool process is killed is acknowledged anyway and lost)".into());
            }
            let write = shared::acks_late_fixes(&a)
                .iter()
                .map(|(k, v)| self.write(e, k, v))
                .collect();
            self.emit(
                "workers.acks-late",
                Severity::Warn,
                self.at(e, "task_acks_late"),
                format!("task_acks_late is on with {}", why.join(" and ")),
                shared::acks_late_remedy(&a),
                write,
            );
        }
    }

    /// No pool process is ever replaced.
    fn recycle_rule(&mut self, e: &Eff) {
        if known(
            e,
            &["worker_max_tasks_per_child", "worker_max_memory_per_child"],
        ) && !shared::recycles(&e.conf)
        {
            self.emit(
                "workers.no-recycle",
                Severity::Ok,
                self.anchor(e),
                "no pool process is ever replaced (neither worker_max_tasks_per_child nor worker_max_memory_per_child): a task that leaks memory grows its process until the host swaps; lint cannot see memory, doctor judges it on the running workers".into(),
                shared::NO_RECYCLE_REMEDY,
                vec![self.write(e, "worker_max_memory_per_child", "512000")],
            );
        }
    }

    /// Event queues that keep events or stay forever.
    fn event_queue_ttl_rule(&mut self, e: &Eff) {
        if known(e, &["event_queue_ttl", "event_queue_expires"])
            && let Some(t) = shared::event_queue_ttl(&e.conf)
        {
            let mut what = Vec::new();
            let mut write = Vec::new();
            if t.no_ttl {
                what.push("event_queue_ttl");
                write.push(self.write(e, "event_queue_ttl", "5.0"));
            }
            if t.no_expiry {
                what.push("event_queue_expires");
                write.push(self.write(e, "event_queue_expires", "60.0"));
            }
            let key = what[0];
            self.emit(
                "workers.event-queue-ttl",
                Severity::Warn,
                self.at(e, key),
                format!(
                    "{} None or 0: the event queues these workers and their monitors declare keep events, or stay, forever once their consumer is gone (Celery 3.1's behaviour; the broker's memory fills)",
                    what.join(" and ")
                ),
                shared::EVENT_QUEUE_TTL_REMEDY,
                write,
            );
        }
    }

    /// broker_heartbeat 0.
    fn heartbeat_rule(&mut self, e: &Eff) {
        if known(e, &["broker_heartbeat"]) && shared::heartbeat_off(&e.conf) {
            self.emit(
                "workers.heartbeat-off",
                Severity::Warn,
                self.at(e, "broker_heartbeat"),
                "broker_heartbeat is 0: a dead connection is noticed only by TCP, minutes or hours later, while the broker keeps its unacknowledged messages".into(),
                shared::HEARTBEAT_OFF_REMEDY,
                vec![self.write(e, "broker_heartbeat", "120")],
            );
        }
    }

    /// No task time limit.
    fn time_limit_rule(&mut self, e: &Eff) {
        if known(e, &["task_time_limit", "task_soft_time_limit"]) && shared::no_time_limit(&e.conf)
        {
            self.emit(
                "workers.no-time-limit",
                Severity::Warn,
                self.anchor(e),
                "no task time limit is set (task_time_limit / task_soft_time_limit, or --time-limit / --soft-time-limit): a task that hangs on a network call or a lock holds its pool process forever".into(),
                "set task_soft_time_limit and task_time_limit a little above the longest legitimate runtime (or time_limit= on the long tasks)",
                vec![
                    self.write(e, "task_soft_time_limit", "300"),
                    self.write(e, "task_time_limit", "330"),
                ],
            );
        }
    }

    /// Remote control off, and the probes that need it.
    fn remote_control_rule(&mut self, e: &Eff) {
        if known(e, &["worker_enable_remote_control"])
            && e.values
                .get("worker_enable_remote_control")
                .and_then(Py::truthy)
                == Some(false)
        {
            let at = self.at(e, "worker_enable_remote_control");
            self.emit(
                "lint.remote-control-off",
                Severity::Warn,
                at,
                "worker_enable_remote_control is False: the workers answer no ping, inspect or control command, so `celery inspect ping`, `celtool ping` / `probe readiness` and doctor's worker checks cannot work".into(),
                "leave remote control on (the default) unless the broker cannot carry it; monitor such workers from the broker side only",
                vec![self.write(e, "worker_enable_remote_control", "True")],
            );
            if let Some(w) = e.worker {
                for probe in w.deploy.probes.iter().filter(|p| p.remote_control) {
                    self.emit(
                        "lint.remote-control-off",
                        Severity::Crit,
                        Some(Origin { file: w.file.clone(), line: probe.line, style: Style::Cli }),
                        format!(
                            "this {} asks the worker over remote control, which worker_enable_remote_control = False turns off: it can never pass{}",
                            probe.kind,
                            if probe.kind == "livenessProbe" { ", so the worker is restarted again and again" } else { "" }
                        ),
                        "turn remote control on, or probe the worker without it (`celtool probe liveness` reads /proc only)",
                        Vec::new(),
                    );
                }
            }
        }
    }

    /// How long a message may be held unacknowledged: the longest countdown, ETA or retry
    /// delay in the code, and under late acks the task time limit. With where it is said.
    fn longest_hold(&self, e: &Eff) -> Option<(f64, String, Origin)> {
        let mut holds: Vec<(f64, String, Origin)> = self
            .p
            .hints
            .iter()
            .map(|(file, h)| {
                (
                    h.seconds,
                    format!("a {} of {}", h.what, fmt_duration_secs(h.seconds)),
                    Origin {
                        file: file.clone(),
                        line: h.line,
                        style: Style::Module,
                    },
                )
            })
            .collect();
        if let Some(Py::Dict(ann)) = e.values.get("task_annotations") {
            for (_, v) in ann {
                if let Some(d) = v.get("default_retry_delay").and_then(Py::as_f64)
                    && let Some(o) = e.origin("task_annotations")
                {
                    holds.push((
                        d,
                        format!("a default_retry_delay of {}", fmt_duration_secs(d)),
                        o.clone(),
                    ));
                }
            }
        }
        if shared::ConfView::is_true(&e.conf, "task_acks_late") {
            for key in ["task_time_limit", "task_soft_time_limit"] {
                if let Some(t) = shared::ConfView::num(&e.conf, key).filter(|t| *t > 0.0)
                    && let Some(o) = e.origin(key)
                {
                    holds.push((
                        t,
                        format!("{key} = {} under task_acks_late", fmt_duration_secs(t)),
                        o.clone(),
                    ));
                    break;
                }
            }
        }
        holds.into_iter().max_by(|a, b| a.0.total_cmp(&b.0))
    }

    fn broker_rules(&mut self, e: &Eff) {
        let url = match e.values.get("broker_url") {
            Some(Py::Str(u)) => u.to_ascii_lowercase(),
            _ => return,
        };
        let scheme = url.split("://").next().unwrap_or("").to_string();
        let redis = matches!(
            scheme.as_str(),
            "redis" | "rediss" | "sentinel" | "redis+socket"
        );
        let rabbit = matches!(scheme.as_str(), "amqp" | "amqps" | "pyamqp" | "librabbitmq");
        if !(redis || rabbit) || !e.known("broker_transport_options") {
            return;
        }
        let Some((hold, what, at)) = self.longest_hold(e) else {
            return;
        };
        if redis {
            let vt = e
                .values
                .get("broker_transport_options")
                .and_then(|o| o.get("visibility_timeout"))
                .and_then(Py::as_f64)
                .unwrap_or(3600.0);
            let sev = level("redis.unacked.visibility", hold / vt);
            if sev == Severity::Ok {
                return;
            }
            let new_vt = ((hold * 2.0) / 3600.0).ceil() * 3600.0;
            let value = format!("{{'visibility_timeout': {new_vt:.0}}}");
            self.emit(
                "redis.unacked.visibility",
                sev,
                Some(at),
                format!(
                    "{what} is {:.0}% of the Redis visibility_timeout ({}): a message not acknowledged within it is delivered again to another worker, so the task runs twice or more (celery/celery#5935)",
                    hold / vt * 100.0,
                    fmt_duration_secs(vt)
                ),
                "raise broker_transport_options['visibility_timeout'] well above the longest countdown, ETA or late-acked task (and result_backend_transport_options likewise), or keep them shorter",
                vec![self.write(e, "broker_transport_options", &value)],
            );
        } else {
            let sev = level("workers.consumer-timeout", hold);
            if sev == Severity::Ok {
                return;
            }
            self.emit(
                "workers.consumer-timeout",
                sev,
                Some(at),
                format!(
                    "{what}: the worker holds such a message unacknowledged that long, and RabbitMQ (>= 3.8.15) closes the channel of a delivery unacked past consumer_timeout (30 min by default) with PRECONDITION_FAILED; the worker reconnects and every message it held is delivered again (celery/celery#6760)"
                ),
                "keep countdowns and ETAs under consumer_timeout (schedule far-future work with celery beat or a database), or raise consumer_timeout for the task queues (rabbitmq.conf consumer_timeout, or the x-consumer-timeout queue argument / policy key on RabbitMQ >= 3.12)",
                vec![format!("consumer_timeout = {:.0}  # rabbitmq.conf, milliseconds", (hold * 2.0 * 1000.0).max(3_600_000.0))],
            );
        }
    }

    fn deploy_rules(&mut self, e: &Eff) {
        let Some(w) = e.worker else { return };
        let soft = shared::ConfView::num(&e.conf, "worker_soft_shutdown_timeout").unwrap_or(0.0);
        if let Some(g) = &w.deploy.grace
            && soft > 0.0
            && soft >= g.seconds
            && e.known("worker_soft_shutdown_timeout")
        {
            let default = if g.explicit { "" } else { " (the default)" };
            let need = (soft + 30.0).ceil();
            let write = match g.what {
                "terminationGracePeriodSeconds" => {
                    format!("terminationGracePeriodSeconds: {need:.0}")
                }
                "stop_grace_period" => format!("stop_grace_period: {need:.0}s"),
                _ => format!("TimeoutStopSec={need:.0}"),
            };
            let line = if g.explicit { g.line } else { w.deploy.line };
            self.emit(
                "lint.soft-shutdown-grace",
                Severity::Warn,
                Some(Origin { file: w.file.clone(), line, style: Style::Cli }),
                format!(
                    "worker_soft_shutdown_timeout ({}) is not shorter than {} {}{default} of {}: the worker is killed before its soft shutdown ends, so its running and ETA tasks are not requeued as the soft shutdown is meant to",
                    fmt_duration_secs(soft),
                    g.what,
                    fmt_duration_secs(g.seconds),
                    w.deploy.name
                ),
                "give the worker longer to stop than the soft shutdown takes (plus the warm shutdown), or shorten worker_soft_shutdown_timeout",
                vec![write],
            );
        }
    }

    /// Task events and gossip across the fleet the deploy files start.
    fn fleet_rules(&mut self, effs: &[Eff]) {
        // Nodes with task events on, by where they are turned on.
        let mut events: BTreeMap<(String, usize), (Origin, u64, bool)> = BTreeMap::new();
        let mut total = 0u64;
        let mut gossiping = 0u64;
        let mut beating = 0u64;
        let mut unknown_size = false;
        let mut biggest: Option<(u64, &Worker)> = None;
        for e in effs {
            let nodes = e
                .worker
                .map(|w| w.deploy.replicas.map(|r| r * w.deploy.worker.nodes));
            let n = match nodes {
                Some(Some(n)) => n,
                _ => {
                    unknown_size = true;
                    0
                }
            };
            total += n;
            if let Some(w) = e.worker {
                if !w.deploy.worker.without_gossip {
                    gossiping += n;
                    if biggest.is_none_or(|(b, _)| n > b) {
                        biggest = Some((n, w));
                    }
                }
                if !w.deploy.worker.without_heartbeat {
                    beating += n;
                }
            }
            if e.known("worker_send_task_events")
                && shared::task_events(&e.conf)
                && let Some(at) = self.at(e, "worker_send_task_events")
            {
                let entry = events
                    .entry((at.file.clone(), at.line))
                    .or_insert((at, 0, false));
                entry.1 += n;
                entry.2 |= n == 0;
            }
        }
        self.task_events(events);
        let deliveries = gossiping as f64 * beating as f64 * 0.5;
        if let Some((_, w)) = biggest
            && level("events.heartbeats", deliveries) != Severity::Ok
        {
            let _ = unknown_size;
            self.out.push(located(
                "events.heartbeats",
                Severity::Warn,
                &w.file,
                w.deploy.line,
                format!(
                    "{total} worker nodes with gossip on: each consumes every other worker's heartbeat (one per 2 s), about {deliveries:.0} deliveries/s across the fleet for nothing but workers telling each other they are alive"
                ),
                "start the workers with --without-gossip --without-mingle (monitors such as Flower still see them through their heartbeats)".to_string(),
                vec![format!("{} --without-gossip --without-mingle", w.deploy.command)],
            ));
        }
    }

    /// One finding per place that turns task events on, with how many worker nodes it covers
    /// (and whether some of them are of unknown number).
    fn task_events(&mut self, events: BTreeMap<(String, usize), (Origin, u64, bool)>) {
        for (_, (at, n, unknown)) in events {
            let sev = level("workers.task-events", n as f64);
            let size = if unknown || n == 0 {
                "on workers whose number the files read do not say".to_string()
            } else {
                format!("on {n} worker node(s)")
            };
            let write = if at.style == Style::Cli {
                vec!["(drop -E)".to_string()]
            } else {
                vec![at.style.spell("worker_send_task_events", "False")]
            };
            self.out.push(located(
                "workers.task-events",
                sev,
                &at.file,
                at.line,
                format!("task events are on (worker_send_task_events / -E) {size}: every task sends several event messages to the celeryev exchange, most of a busy fleet's broker traffic"),
                shared::TASK_EVENTS_REMEDY.into(),
                write,
            ));
        }
    }
}
