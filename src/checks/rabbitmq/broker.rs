//! Node-level checks: version, nodes down, alarms, headroom, management plugin memory, policies.

use super::shell_word;
use super::{Ctx, level, ratio};
use crate::rabbitmq::records::{MemoryBreakdown, Node, bytes, count};
use crate::report::{Finding, Severity};
use crate::text::{fmt_bytes, fmt_pct};

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    version(ctx, out);
    for node in &ctx.snap.nodes {
        let name = node.name();
        if node.running == Some(false) {
            out.push(
                Finding::new("broker.node.down", Severity::Crit, name)
                    .summary(format!("node {name} is not running"))
                    .remedy(format!(
                        "start it and read its log; check `rabbitmq-diagnostics -n {name} cluster_status`"
                    )),
            );
            continue;
        }
        alarms(node, out);
        headroom(ctx, node, out);
    }
    mgmt_memory(ctx, out);
    ha_policies(ctx, out);
}

/// The node answering, named as the node findings name it (rabbit@localhost), not the cluster
/// name (which defaults to the node's FQDN-based name and may differ): the subject of the
/// broker-wide findings.
pub(super) fn answering_node(ctx: &Ctx) -> String {
    let ov = ctx.snap.overview.as_ref();
    ov.and_then(|o| o.node.as_deref())
        .or(ctx.snap.nodes.first().and_then(|n| n.name.as_deref()))
        .or(ov.and_then(|o| o.cluster_name.as_deref()))
        .unwrap_or("?")
        .to_string()
}

fn version(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(ov) = &ctx.snap.overview else { return };
    // No version at all, or one that is no version ("12"), is the sanity check's unknown
    // (broker.api.value), not a guess here.
    let (Some(version), Some(major_minor)) = (ov.version(), ov.major_minor()) else {
        return;
    };
    let old = major_minor < (3, 8);
    let severity = if old { Severity::Warn } else { Severity::Ok };
    let cluster = ov.cluster_name.as_deref().unwrap_or("?");
    let node = answering_node(ctx);
    let mut f = Finding::new("broker.version", severity, node).summary(format!(
        "RabbitMQ {version}, cluster {cluster}{}",
        if old {
            "; versions before 3.8 are not supported by celtool and long out of support"
        } else {
            ""
        }
    ));
    let (major, minor) = major_minor;
    f = f
        .evidence("version_major", major as f64)
        .evidence("version_minor", minor as f64);
    if old {
        f = f.remedy("upgrade RabbitMQ (see rabbitmq.com/docs/upgrade)");
    }
    out.push(f);
}

fn alarms(node: &Node, out: &mut Vec<Finding>) {
    let name = node.name();
    if node.mem_alarm == Some(true) {
        out.push(
            Finding::new("broker.alarm.memory", Severity::Crit, name)
                .summary(format!(
                    "memory alarm on {name}: publishers are blocked cluster-wide (using {} of a {} limit)",
                    node.mem_used.map(fmt_bytes).unwrap_or_else(|| "?".into()),
                    node.mem_limit.map(fmt_bytes).unwrap_or_else(|| "?".into()),
                ))
                .evidence("mem_used_bytes", node.mem_used.unwrap_or(f64::NAN))
                .evidence("mem_limit_bytes", node.mem_limit.unwrap_or(f64::NAN))
                .remedy(format!(
                    "find what holds the memory: rabbitmq-diagnostics -n {name} memory_breakdown; drain or delete it (see `celtool explain broker.alarm.memory`)"
                )),
        );
    }
    if node.disk_free_alarm == Some(true) {
        out.push(
            Finding::new("broker.alarm.disk", Severity::Crit, name)
                .summary(format!(
                    "disk alarm on {name}: publishers are blocked cluster-wide ({} free, limit {})",
                    node.disk_free.map(fmt_bytes).unwrap_or_else(|| "?".into()),
                    node.disk_free_limit.map(fmt_bytes).unwrap_or_else(|| "?".into()),
                ))
                .evidence("disk_free_bytes", node.disk_free.unwrap_or(f64::NAN))
                .evidence("disk_free_limit_bytes", node.disk_free_limit.unwrap_or(f64::NAN))
                .remedy("free disk space on the node's data directory; purge or drain the largest queues (rabbitmqctl list_queues name messages message_bytes)"),
        );
    }
}

fn headroom(ctx: &Ctx, node: &Node, out: &mut Vec<Finding>) {
    let name = node.name();
    let t = ctx.thresholds;
    let cases = [
        (
            "broker.memory.headroom",
            "memory",
            ratio(bytes(node.mem_used), bytes(node.mem_limit)),
            "find what holds the memory before the alarm blocks publishers: see `celtool explain broker.alarm.memory`",
        ),
        (
            "broker.fd.headroom",
            "file descriptors",
            ratio(count(node.fd_used), count(node.fd_total)),
            "raise LimitNOFILE for rabbitmq-server (systemctl edit rabbitmq-server: [Service] LimitNOFILE=65536) and look for connection leaks (celtool connections)",
        ),
        (
            "broker.proc.headroom",
            "Erlang processes",
            ratio(count(node.proc_used), count(node.proc_total)),
            "remove what multiplies queues and connections (results.flood, leaked connections) before raising +P",
        ),
    ];
    if node.mem_alarm == Some(true)
        || ratio(bytes(node.mem_used), bytes(node.mem_limit)).is_some_and(|r| r >= 1.0)
    {
        out.push(memory_alarm_headroom(ctx, node));
    }
    for (id, what, value, remedy) in cases {
        let Some(value) = value else { continue };
        if id == "broker.memory.headroom" && (node.mem_alarm == Some(true) || value >= 1.0) {
            continue;
        }
        let severity = level(&t.get(id), value);
        let mut f = Finding::new(id, severity, name)
            .summary(format!(
                "{name} uses {} of its {what} limit",
                fmt_pct(value)
            ))
            .evidence("used_ratio", value);
        if severity != Severity::Ok {
            f = f.remedy(remedy);
        }
        out.push(f);
    }
    if let Some(value) = ratio(bytes(node.disk_free), bytes(node.disk_free_limit)) {
        let id = "broker.disk.headroom";
        let severity = level(&t.get(id), value);
        let mut f = Finding::new(id, severity, name)
            .summary(format!(
                "{name} has {} free, {value:.1}x its disk_free_limit of {}",
                fmt_bytes(node.disk_free.unwrap_or(0.0)),
                fmt_bytes(node.disk_free_limit.unwrap_or(0.0))
            ))
            .evidence("free_to_limit_ratio", value)
            .evidence("disk_free_bytes", node.disk_free.unwrap_or(f64::NAN));
        if severity != Severity::Ok {
            f = f.remedy(
                "free disk space; set disk_free_limit.relative = 1.5 in rabbitmq.conf so the alarm leaves room to act",
            );
        }
        out.push(f);
    }
}

/// The memory headroom on a node past its watermark: a tripped alarm, said as such.
fn memory_alarm_headroom(ctx: &Ctx, node: &Node) -> Finding {
    let name = node.name();
    let (used, limit) = (bytes(node.mem_used), bytes(node.mem_limit));
    let show = |v: Option<f64>| v.map(fmt_bytes).unwrap_or_else(|| "?".into());
    // A limit far below what any node needs to run is a watermark set by mistake (an absolute
    // vm_memory_high_watermark in the wrong unit, or a relative one on a tiny container).
    let tiny = limit.is_some_and(|l| l < 64.0 * 1024.0 * 1024.0);
    let mut f = Finding::new("broker.memory.headroom", Severity::Crit, name)
        .summary(format!(
            "memory alarm: {} used, limit {} (vm_memory_high_watermark){}{}",
            show(used),
            show(limit),
            if tiny {
                "; that limit is too small for any node: the watermark looks misconfigured"
            } else {
                ""
            },
            biggest_users(ctx, name)
        ))
        .remedy(if tiny {
            "check vm_memory_high_watermark in rabbitmq.conf (relative, e.g. 0.4, or absolute with a unit, e.g. 2GB); at runtime: rabbitmqctl set_vm_memory_high_watermark 0.4"
        } else {
            "find what holds the memory and drain or delete it: see `celtool explain broker.alarm.memory`"
        });
    if let (Some(u), Some(l)) = (used, limit) {
        f = f
            .evidence("mem_used_bytes", u)
            .evidence("mem_limit_bytes", l);
        if let Some(r) = ratio(Some(u), Some(l)) {
            f = f.evidence("used_ratio", r);
        }
    }
    f
}

/// "; biggest: binary 40%, queue_procs 30%, ..." from the node's memory breakdown, if read.
fn biggest_users(ctx: &Ctx, node: &str) -> String {
    let Some(b) = breakdown(ctx, node) else {
        return String::new();
    };
    let Some(total) = b.total() else {
        return String::new();
    };
    let parts: Vec<String> = b
        .top_users(4)
        .into_iter()
        .filter_map(|(k, v)| Some(format!("{k} {}", fmt_pct(ratio(Some(v), Some(total))?))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("; biggest: {}", parts.join(", "))
    }
}

fn breakdown<'a>(ctx: &'a Ctx, node: &str) -> Option<&'a MemoryBreakdown> {
    ctx.snap
        .node_memory
        .iter()
        .find(|(n, _)| n == node)
        .and_then(|(_, m)| m.memory.as_ref())
}

/// What to change about the management plugin, given the rates_mode already in force.
fn mgmt_remedy(rates_mode: Option<&str>) -> String {
    const RESTART: &str = "then: rabbitmq-plugins disable rabbitmq_management && rabbitmq-plugins enable rabbitmq_management";
    match rates_mode {
        Some("basic") | Some("none") => format!(
            "rates_mode is already {}: set collect_statistics_interval = 30000 in rabbitmq.conf, or turn the plugin's statistics off (management_agent.disable_metrics_collector = true) and monitor through rabbitmq_prometheus; {RESTART}",
            rates_mode.unwrap_or_default()
        ),
        _ => format!(
            "set management.rates_mode = basic and collect_statistics_interval = 30000 in rabbitmq.conf, {RESTART}"
        ),
    }
}

fn mgmt_memory(ctx: &Ctx, out: &mut Vec<Finding>) {
    let id = "broker.mgmt.memory";
    for (node, mem) in &ctx.snap.node_memory {
        let Some(breakdown) = mem.memory.as_ref() else {
            continue;
        };
        let own = match (breakdown.mgmt_db, breakdown.metrics) {
            (None, None) => continue,
            (a, b) => a.unwrap_or(0.0) + b.unwrap_or(0.0),
        };
        let total = breakdown.total();
        let Some(share) = ratio(Some(own), total) else {
            continue;
        };
        let severity = level(&ctx.thresholds.get(id), share);
        let mut f = Finding::new(id, severity, node.as_str())
            .summary(format!(
                "the management plugin holds {} ({}) of {node}'s memory{}",
                fmt_bytes(own),
                fmt_pct(share),
                biggest_users(ctx, node)
            ))
            .evidence("mgmt_bytes", own)
            .evidence("share", share);
        if severity != Severity::Ok {
            let mode = ctx
                .snap
                .overview
                .as_ref()
                .and_then(|o| o.rates_mode.as_deref());
            f = f.remedy(mgmt_remedy(mode));
        }
        out.push(f);
    }
}

fn ha_policies(ctx: &Ctx, out: &mut Vec<Finding>) {
    for p in &ctx.snap.policies {
        let Some(def) = p.definition.as_ref() else {
            continue;
        };
        let Some(mode) = def.get("ha-mode") else {
            continue;
        };
        let subject = crate::rabbitmq::records::subject(p.vhost(), p.name());
        out.push(
            Finding::new("broker.policy.ha-mode", Severity::Warn, subject)
                .summary(format!(
                    "policy '{}' (pattern {}) mirrors classic queues (ha-mode {mode}): deprecated, removed in RabbitMQ 4.0",
                    p.name(),
                    p.pattern.as_deref().unwrap_or("?")
                ))
                .remedy(format!(
                    "migrate the queues to quorum queues (x-queue-type: quorum), then: rabbitmqctl clear_policy -p {} {}",
                    shell_word(p.vhost()),
                    shell_word(p.name())
                )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::rabbitmq::records::*;
    use crate::report::Severity;

    fn node(json: serde_json::Value) -> Node {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn alarms_are_critical_and_headroom_warns() {
        let mut snap = snapshot();
        snap.nodes = vec![
            node(
                serde_json::json!({"name": "rabbit@a", "running": true, "mem_alarm": true,
                "mem_used": 900, "mem_limit": 1000, "fd_used": 10, "fd_total": 1000}),
            ),
            node(
                serde_json::json!({"name": "rabbit@b", "running": true, "disk_free_alarm": true,
                "disk_free": 10, "disk_free_limit": 50, "proc_used": 970, "proc_total": 1000}),
            ),
            node(serde_json::json!({"name": "rabbit@c", "running": false})),
        ];
        let problems = problems(&run(&snap));
        assert_eq!(
            problems,
            vec![
                ("broker.alarm.disk", Severity::Crit, "rabbit@b".into()),
                ("broker.alarm.memory", Severity::Crit, "rabbit@a".into()),
                // These hand-made nodes lack the disk or the memory figures a node sends.
                ("broker.api.value", Severity::Unknown, "rabbit@a".into()),
                ("broker.api.value", Severity::Unknown, "rabbit@b".into()),
                ("broker.disk.headroom", Severity::Warn, "rabbit@b".into()),
                // A tripped alarm is no headroom at all.
                ("broker.memory.headroom", Severity::Crit, "rabbit@a".into()),
                ("broker.node.down", Severity::Crit, "rabbit@c".into()),
                ("broker.proc.headroom", Severity::Crit, "rabbit@b".into()),
            ]
        );
    }

    #[test]
    fn missing_fields_and_zero_limits_skip_headroom() {
        let mut snap = snapshot();
        snap.nodes = vec![node(
            serde_json::json!({"name": "n", "mem_used": 5, "mem_limit": 0}),
        )];
        let findings = run(&snap);
        assert!(findings.iter().all(|f| f.id != "broker.memory.headroom"));
    }

    #[test]
    fn management_memory_share_and_old_versions() {
        let mut snap = snapshot();
        snap.overview = Some(Overview {
            rabbitmq_version: Some("3.7.28".into()),
            cluster_name: Some("c".into()),
            ..Overview::default()
        });
        snap.node_memory = vec![(
            "rabbit@a".into(),
            serde_json::from_value(
                serde_json::json!({"memory": {"mgmt_db": 300, "metrics": 100,
                "total": {"erlang": 1000}}}),
            )
            .unwrap(),
        )];
        assert_eq!(
            problems(&run(&snap)),
            vec![
                ("broker.mgmt.memory", Severity::Warn, "rabbit@a".into()),
                ("broker.version", Severity::Warn, "c".into()),
            ]
        );
    }

    #[test]
    fn ha_mode_policies_warn_with_the_command() {
        let mut snap = snapshot();
        snap.policies =
            vec![serde_json::from_value(serde_json::json!({
            "name": "ha all", "vhost": "jobs", "pattern": ".*", "definition": {"ha-mode": "all"}
        }))
        .unwrap()];
        let findings = run(&snap);
        let f = findings
            .iter()
            .find(|f| f.id == "broker.policy.ha-mode")
            .unwrap();
        assert_eq!(f.subject, "jobs/ha all");
        assert!(
            f.remedy
                .contains("rabbitmqctl clear_policy -p jobs 'ha all'"),
            "{}",
            f.remedy
        );
    }
}
