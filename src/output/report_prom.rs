//! Doctor's report as Prometheus metrics, named by the exposition conventions: one metric name
//! per measured quantity (the finding ID is part of the name, never a label the value's meaning
//! depends on), base units, `_total` only on the kernel's counters, `_info` for versions, and
//! labels that stay the same from run to run (no pids, command lines or ephemeral ports).

use super::prometheus::Exposition;
use super::run::{RunState, run_metrics, version_info};
use crate::report::{Finding, Report, Severity};

const SEVERITY_HELP: &str = "0 ok, 1 warning, 2 critical, 3 unknown (the exit code).";

/// The prefix of doctor's run metrics: `celtool_doctor_success`, ...
pub const RUN_PREFIX: &str = "celtool_doctor";

pub fn render(report: &Report, run: RunState) -> String {
    let mut e = Exposition::default();
    version_info(&mut e);
    run_metrics(&mut e, RUN_PREFIX, "doctor", run);
    e.gauge(
        "celtool_status",
        &format!("Worst severity of the run: {SEVERITY_HELP}"),
        &[],
        report.status().exit_code() as f64,
    );
    let tally = report.tally();
    for (severity, n) in [
        ("ok", tally.ok),
        ("warn", tally.warn),
        ("crit", tally.crit),
        ("unknown", tally.unknown),
    ] {
        e.gauge(
            "celtool_findings",
            "Findings of the run by severity.",
            &[("severity", severity)],
            n as f64,
        );
    }
    for f in &report.findings {
        match f.more {
            // Folded findings (only with a cap the user set): a count under a fixed name, so a
            // moving count is a moving value, not a new series.
            Some(n) => e.gauge(
                "celtool_findings_unlisted",
                "Findings of each ID left out by --max-per-id (counted in celtool_findings).",
                &[("id", f.id)],
                n as f64,
            ),
            None => finding(&mut e, f),
        }
    }
    e.render()
}

/// Evidence that comes and goes with the broker's numbers rather than with what it is (a
/// redelivery judged on the last seconds' rates in one run and on the totals in the next; a
/// drain time only while the backlog shrinks): not metrics, so the series stay the same from
/// run to run. The JSON report still has it.
const RUN_DEPENDENT: [(&str, &str); 5] = [
    ("queues.redeliveries", "redeliver_per_second"),
    ("queues.redeliveries", "redelivered_total"),
    ("queues.redeliveries", "delivered_total"),
    ("queues.backlog", "drain_eta_seconds"),
    // How many looks at the connections' states the run took: timing, not the broker.
    ("broker.connections.flow", "state_reads"),
];

fn exported(id: &str, evidence: &str) -> bool {
    !RUN_DEPENDENT.contains(&(id, evidence))
}

fn finding(e: &mut Exposition, f: &Finding) {
    let subject = stable_subject(f);
    let host = f.host.as_deref().unwrap_or("");
    let labels = [("id", f.id), ("subject", subject.as_str()), ("host", host)];
    e.gauge(
        "celtool_finding_severity",
        &format!(
            "Severity of each finding by ID and subject (the worst, where several share a subject): {SEVERITY_HELP}"
        ),
        &labels,
        f.severity.exit_code() as f64,
    );
    if f.id == "broker.version" {
        let (major, minor) = (
            f.evidence.get("version_major"),
            f.evidence.get("version_minor"),
        );
        if let (Some(major), Some(minor)) = (major, minor) {
            let version = format!("{major}.{minor}");
            e.info(
                "celtool_broker_version_info",
                "The RabbitMQ version (major.minor) of each node, value 1.",
                &[("node", subject.as_str()), ("version", version.as_str())],
            );
        }
        return;
    }
    let labels = [("subject", subject.as_str()), ("host", host)];
    let title = crate::catalog::entry(f.id).map(|c| c.title).unwrap_or(f.id);
    for (name, value) in f.evidence.iter().filter(|(n, _)| exported(f.id, n)) {
        let (metric, value, counter) = evidence_metric(f.id, name, *value);
        let help = format!("{title}: {}.", name.replace('_', " "));
        if counter {
            e.counter(&metric, &help, &labels, value);
        } else {
            e.gauge(&metric, &help, &labels, value);
        }
    }
}

/// Evidence that counts events since a start (the kernel's conntrack drops since boot, Redis's
/// evictions and refused connections since its start): counters, written with `_total`.
const COUNTERS: [&str; 5] = [
    "drop",
    "early_drop",
    "insert_failed",
    "evicted_keys",
    "rejected_connections",
];

/// Evidence already named `_total` that counts events (RabbitMQ's delivery totals of a
/// queue); any other `_total` is a capacity.
const TOTALS: [&str; 2] = ["delivered_total", "redelivered_total"];

/// `celtool_<id>_<evidence>` in base units: milliseconds become seconds, shares ratios, and
/// counts of events `_total` counters. Returns (name, value, is a counter).
pub fn evidence_metric(id: &str, evidence: &str, value: f64) -> (String, f64, bool) {
    let base = super::prometheus::metric_name(&format!("celtool_{id}"));
    if let Some(stem) = evidence.strip_suffix("_ms") {
        return (format!("{base}_{stem}_seconds"), value / 1000.0, false);
    }
    // Seconds are the base unit of time: a certificate's days left become seconds.
    if evidence == "days_left" {
        return (format!("{base}_remaining_seconds"), value * 86_400.0, false);
    }
    if COUNTERS.contains(&evidence) {
        return (format!("{base}_{evidence}_total"), value, true);
    }
    if TOTALS.contains(&evidence) {
        return (format!("{base}_{evidence}"), value, true);
    }
    let name = match evidence {
        "share" | "redeliver_share" | "event_share" => format!("{base}_{evidence}_ratio"),
        // `_count` is reserved for summaries and histograms.
        e if e.ends_with("_count") => format!("{base}_{}", e.replace("_count", "_entries")),
        // `_bucket` is reserved for histograms; entries per bucket is a ratio.
        e if e.ends_with("_bucket") => format!("{base}_{e}_ratio"),
        // `_total` is reserved for counters; these totals are capacities.
        e if e.ends_with("_total") => format!("{base}_{}", e.replace("_total", "_capacity")),
        e => format!("{base}_{e}"),
    };
    (name, value, false)
}

/// A label value that is the same from run to run: processes are named by their finding alone
/// (pids and command lines change with every restart), and a peer by its host (the client port
/// and Redis's client id are ephemeral).
pub fn stable_subject(f: &Finding) -> String {
    if matches!(
        f.id,
        "host.workers.zombie" | "host.workers.orphan" | "host.workers.rss" | "host.workers.stuck"
    ) {
        return String::new();
    }
    match f.id {
        "broker.connections.top-talkers" | "broker.connections.proxy" => {
            peer_host(&f.subject).to_string()
        }
        // `client ID ADDR`: the id and the port change with every reconnect.
        "redis.pubsub.output-buffer" => f
            .subject
            .rsplit(' ')
            .next()
            .map(|addr| peer_host(addr).to_string())
            .unwrap_or_default(),
        _ => f.subject.clone(),
    }
}

/// The host of `host:port` or `[v6]:port`; anything else as it is.
pub fn peer_host(peer: &str) -> &str {
    match peer.rsplit_once(':') {
        Some((host, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!host.contains(':') || host.starts_with('[')) =>
        {
            host.trim_start_matches('[').trim_end_matches(']')
        }
        _ => peer,
    }
}

/// Whether the run checked everything: no finding could not be checked.
pub fn succeeded(report: &Report) -> bool {
    report
        .findings
        .iter()
        .all(|f| f.severity != Severity::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunState {
        RunState {
            finished_at: 1_700_000_000.0,
            success: true,
        }
    }

    #[test]
    fn one_metric_per_quantity_with_base_units_and_stable_labels() {
        let report = Report::new(vec![
            Finding::new("events.no-ttl", Severity::Crit, "v/celeryev.a")
                .evidence("messages_ready", 10.0)
                .evidence("message_ttl_ms", 5000.0),
            Finding::new("host.conntrack.drops", Severity::Crit, "conntrack").evidence("drop", 7.0),
            Finding::new(
                "host.workers.zombie",
                Severity::Warn,
                "pid 12 (celery worker)",
            )
            .evidence("zombies", 2.0),
            Finding::new(
                "host.workers.zombie",
                Severity::Crit,
                "pid 13 (celery worker)",
            )
            .evidence("zombies", 9.0),
            Finding::new(
                "broker.connections.top-talkers",
                Severity::Ok,
                "10.0.0.5:53412",
            )
            .evidence("recv_bytes_per_second", 1.5),
            Finding::new("broker.version", Severity::Ok, "rabbit@x")
                .evidence("version_major", 3.0)
                .evidence("version_minor", 10.0),
        ]);
        let out = render(&report, run());
        for line in [
            "celtool_events_no_ttl_messages_ready{subject=\"v/celeryev.a\",host=\"\"} 10\n",
            "celtool_events_no_ttl_message_ttl_seconds{subject=\"v/celeryev.a\",host=\"\"} 5\n",
            "# TYPE celtool_host_conntrack_drops_drop_total counter\n",
            "celtool_host_workers_zombie_zombies{subject=\"\",host=\"\"} 9\n",
            "celtool_finding_severity{id=\"host.workers.zombie\",subject=\"\",host=\"\"} 2\n",
            "celtool_broker_connections_top_talkers_recv_bytes_per_second{subject=\"10.0.0.5\",host=\"\"} 1.5\n",
            "celtool_broker_version_info{node=\"rabbit@x\",version=\"3.10\"} 1\n",
            "celtool_findings{severity=\"crit\"} 3\n",
            "celtool_doctor_success 1\n",
            "celtool_doctor_last_run_timestamp_seconds 1700000000\n",
        ] {
            assert!(out.contains(line), "{line:?} in\n{out}");
        }
        assert!(
            !out.contains("pid 12") && !out.contains("version_major"),
            "{out}"
        );
        assert_eq!(
            out.matches("celtool_host_workers_zombie_zombies{").count(),
            1,
            "{out}"
        );
    }

    /// The series of an exposition: every sample line without its value.
    fn series(out: &str) -> Vec<String> {
        out.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.rsplit_once(' ').map_or(l, |(s, _)| s).to_string())
            .collect()
    }

    fn backlog(queue: &str, ready: f64) -> Finding {
        Finding::new("queues.no-consumers", Severity::Crit, queue).evidence("messages_ready", ready)
    }

    #[test]
    fn folded_findings_are_a_count_under_a_fixed_name() {
        let capped = |ready: f64| {
            let findings = (0..5).map(|i| backlog(&format!("/q{i}"), ready + i as f64));
            render(&Report::new(findings.collect()).cap_per_id(2), run())
        };
        let (one, two) = (capped(10.0), capped(500.0));
        assert!(
            one.contains("celtool_findings_unlisted{id=\"queues.no-consumers\"} 3\n"),
            "{one}"
        );
        assert!(!one.contains("more)"), "{one}");
        assert_eq!(series(&one), series(&two));
    }

    #[test]
    fn a_check_writes_the_same_evidence_names_whatever_its_numbers_showed() {
        let by_rate = Finding::new("queues.redeliveries", Severity::Warn, "/q")
            .evidence("redeliver_per_second", 2.0)
            .evidence("redeliver_share", 0.5);
        let by_total = Finding::new("queues.redeliveries", Severity::Warn, "/q")
            .evidence("redelivered_total", 20.0)
            .evidence("delivered_total", 40.0)
            .evidence("redeliver_share", 0.5);
        let draining = Finding::new("queues.backlog", Severity::Warn, "/b")
            .evidence("messages_ready", 50.0)
            .evidence("growth_per_second", -2.0)
            .evidence("drain_eta_seconds", 25.0);
        let growing = Finding::new("queues.backlog", Severity::Warn, "/b")
            .evidence("messages_ready", 90.0)
            .evidence("growth_per_second", 2.0);
        assert_eq!(
            series(&render(&Report::new(vec![draining]), run())),
            series(&render(&Report::new(vec![growing]), run()))
        );
        let (one, two) = (
            render(&Report::new(vec![by_rate]), run()),
            render(&Report::new(vec![by_total]), run()),
        );
        assert_eq!(series(&one), series(&two), "{one}\n{two}");
        assert!(
            one.contains(
                "celtool_queues_redeliveries_redeliver_share_ratio{subject=\"/q\",host=\"\"} 0.5\n"
            ),
            "{one}"
        );
    }

    #[test]
    fn a_failed_run_still_says_when_and_that_it_failed() {
        let out = super::super::run::run_exposition(
            RUN_PREFIX,
            "doctor",
            RunState {
                success: false,
                ..run()
            },
            true,
        );
        assert!(out.contains("celtool_doctor_success 0\n"), "{out}");
        assert!(
            out.contains("celtool_doctor_last_run_timestamp_seconds 1700000000\n"),
            "{out}"
        );
    }

    #[test]
    fn evidence_names_follow_the_conventions() {
        assert_eq!(
            evidence_metric("host.conntrack.usage", "conntrack_count", 5.0),
            (
                "celtool_host_conntrack_usage_conntrack_entries".into(),
                5.0,
                false
            )
        );
        assert_eq!(
            evidence_metric("cluster.cert.expiry", "days_left", 2.0),
            (
                "celtool_cluster_cert_expiry_remaining_seconds".into(),
                172_800.0,
                false
            )
        );
        assert_eq!(
            evidence_metric("redis.evicted-keys", "evicted_keys", 3.0),
            (
                "celtool_redis_evicted_keys_evicted_keys_total".into(),
                3.0,
                true
            )
        );
        assert_eq!(
            evidence_metric("queues.redeliveries", "redelivered_total", 3.0),
            (
                "celtool_queues_redeliveries_redelivered_total".into(),
                3.0,
                true
            )
        );
        assert_eq!(peer_host("[::1]:5672"), "::1");
        assert_eq!(peer_host("rabbit"), "rabbit");
        assert_eq!(peer_host("10.0.0.5:53412"), "10.0.0.5");
        assert_eq!(peer_host("fe80::1"), "fe80::1");
    }
}
