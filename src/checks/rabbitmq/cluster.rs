//! Cluster checks: network partitions, unsynchronised classic mirrors, queues on a node that is
//! down, quorum queues below their majority or without a leader, and the broker's own health
//! checks (node-is-quorum-critical, certificate expiry, listeners, alarms, vhosts, in-service).

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::Ctx;
use super::shell_word;
use crate::rabbitmq::cluster::{CERT_WARN_DAYS, HealthCheck, Outcome};
use crate::rabbitmq::records::Queue;
use crate::report::{Finding, Severity};

/// How many names a summary lists before "and N more".
const NAMED: usize = 5;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let nodes = NodeView::new(ctx);
    partitions(ctx, out);
    let mut replaced = HashSet::new();
    for q in &ctx.snap.queues {
        if q.kind.as_deref() == Some("quorum") {
            if quorum(q, &nodes, out) {
                replaced.insert(q.subject());
            }
        } else {
            mirrors(q, &nodes, out);
            if node_down(q, &nodes, out) {
                replaced.insert(q.subject());
            }
        }
    }
    // The generic "queue is down/minority" finding says less than the cluster one for the same
    // queue: keep only the one that names the node and what to do.
    out.retain(|f| !(f.id == "broker.queue.state" && replaced.contains(&f.subject)));
    health(ctx, out);
}

/// Which nodes are running, as far as the nodes list tells; without a list every node counts
/// as running (nothing is filtered out).
struct NodeView<'a> {
    known: bool,
    running: HashSet<&'a str>,
    down: HashSet<&'a str>,
}

impl<'a> NodeView<'a> {
    fn new(ctx: &'a Ctx) -> Self {
        let mut v = NodeView {
            known: !ctx.snap.nodes.is_empty(),
            running: HashSet::new(),
            down: HashSet::new(),
        };
        for n in &ctx.snap.nodes {
            let Some(name) = n.name.as_deref() else {
                continue;
            };
            if n.running == Some(false) {
                v.down.insert(name);
            } else {
                v.running.insert(name);
            }
        }
        v
    }

    fn is_running(&self, node: &str) -> bool {
        !self.known || self.running.contains(node)
    }

    /// The nodes of `list` that run (duplicate answers were united on decoding; a node that is
    /// down cannot hold a live mirror or member).
    fn alive<'b>(&self, list: &'b Option<Vec<String>>) -> Vec<&'b str> {
        list.iter()
            .flatten()
            .map(String::as_str)
            .filter(|n| self.is_running(n))
            .collect()
    }
}

/// `a, b, c and 2 more`
pub(crate) fn names<S: AsRef<str>>(items: &[S]) -> String {
    let mut v: Vec<String> = items
        .iter()
        .take(NAMED)
        .map(|s| crate::text::sanitize(s.as_ref()))
        .collect();
    if items.len() > NAMED {
        v.push(format!("and {} more", items.len() - NAMED));
    }
    v.join(", ")
}

fn partitions(ctx: &Ctx, out: &mut Vec<Finding>) {
    for n in &ctx.snap.nodes {
        let Some(parts) = n.partitions.as_ref().filter(|p| !p.is_empty()) else {
            continue;
        };
        let name = n.name();
        out.push(
            Finding::new("cluster.partition", Severity::Crit, name)
                .summary(format!(
                    "network partition: {name} cannot reach {} although they are members of its cluster; each side goes on alone and their queues diverge",
                    names(parts)
                ))
                .evidence("partitioned_nodes", parts.len() as f64)
                .remedy(format!(
                    "choose the side to keep (most clients and messages), then restart RabbitMQ on every node of the other side, one at a time (rabbitmqctl -n NODE stop_app && rabbitmqctl -n NODE start_app); check with rabbitmq-diagnostics -n {name} cluster_status; see `celtool explain cluster.partition`"
                )),
        );
    }
}

/// Ready plus unacknowledged messages; `None` when either count is unknown (missing or
/// impossible, which the sanity check names): never read as 0.
fn messages(q: &Queue) -> Option<f64> {
    Some(q.ready_count()? + q.unacked_count()?)
}

/// Whether the queue is known to hold a message: one known count above 0 is enough, whatever
/// the other.
fn holds_messages(q: &Queue) -> bool {
    [q.ready_count(), q.unacked_count()]
        .into_iter()
        .flatten()
        .any(|n| n > 0.0)
}

/// `finding` with the `messages` evidence when the count is known.
fn with_messages(finding: Finding, q: &Queue) -> Finding {
    match messages(q) {
        Some(n) => finding.evidence("messages", n),
        None => finding,
    }
}

/// A classic queue mirrored to nodes that lack some of its messages.
fn mirrors(q: &Queue, nodes: &NodeView, out: &mut Vec<Finding>) {
    let slaves = nodes.alive(q.slave_nodes());
    if slaves.is_empty() {
        return;
    }
    let synced = nodes.alive(q.synchronised_slave_nodes());
    let unsynced: Vec<&str> = slaves
        .iter()
        .copied()
        .filter(|n| !synced.contains(n))
        .collect();
    if unsynced.is_empty() {
        return;
    }
    // An unknown count is not judged as messages at risk (the sanity check says it is
    // unknown), nor said as 0.
    let severity = if synced.is_empty() && holds_messages(q) {
        Severity::Crit
    } else {
        Severity::Warn
    };
    let master = q.node.as_deref().unwrap_or("?");
    let risk = match messages(q) {
        _ if !synced.is_empty() => format!("synchronised mirrors: {}", names(&synced)),
        Some(n) => format!(
            "no mirror holds all of its {n} message(s): if {master} fails now they are lost (or the queue stays down until {master} returns)"
        ),
        None => format!(
            "no mirror holds all of its messages (how many is unknown: the broker did not send both counts): if {master} fails now they are lost (or the queue stays down until {master} returns)"
        ),
    };
    let (vhost, name) = (shell_word(q.vhost()), shell_word(q.name()));
    let finding = Finding::new("cluster.mirror.unsynchronised", severity, q.subject())
        .summary(format!(
            "mirrored queue {} (master on {master}) has unsynchronised mirror(s) on {}; {risk}",
            q.subject(),
            names(&unsynced)
        ))
        .evidence("mirrors", slaves.len() as f64)
        .evidence("synchronised_mirrors", synced.len() as f64);
    out.push(
        with_messages(finding, q)
            .remedy(format!(
                "synchronise by hand: rabbitmqctl sync_queue -p {vhost} {name} -- WARNING: the queue is blocked (no publishes, no deliveries) until the sync ends, so for a large queue pick a quiet moment or let consumers drain it instead (a mirror catches up once the messages it lacks are consumed); cancel with rabbitmqctl cancel_sync_queue -p {vhost} {name}; celtool never syncs by itself; for the way off mirroring see `celtool explain rabbitmq4.mirroring-removed`"
            )),
    );
}

/// A classic queue whose node is down: unavailable until that node returns. Returns true when
/// it reported one.
fn node_down(q: &Queue, nodes: &NodeView, out: &mut Vec<Finding>) -> bool {
    let Some(node) = q.node.as_deref().filter(|n| nodes.down.contains(n)) else {
        return false;
    };
    let mirrored = !q.slave_nodes().as_ref().is_none_or(|s| s.is_empty())
        || q.effective_policy_definition
            .as_ref()
            .is_some_and(|d| d.contains_key("ha-mode"));
    let why = if mirrored {
        "its mirrors were not synchronised, so none took over"
    } else {
        "it is not replicated"
    };
    let finding = Finding::new("cluster.queue.node-down", Severity::Crit, q.subject()).summary(
        format!(
            "queue {} lives on {node}, which is down, and {why}: it takes and delivers nothing until {node} is back",
            q.subject()
        ),
    );
    out.push(
        with_messages(finding, q)
            .remedy(format!(
                "start RabbitMQ on {node} again (systemctl start rabbitmq-server on its host) and read its log; if {node} is lost for good, so are this queue's messages: remove it from the cluster (rabbitmqctl forget_cluster_node {node}) and declare the queue again"
            )),
    );
    true
}

/// Quorum queues below their majority or without a leader. Returns true when it reported one.
fn quorum(q: &Queue, nodes: &NodeView, out: &mut Vec<Finding>) -> bool {
    let members: Vec<&str> = q.members().iter().flatten().map(String::as_str).collect();
    if members.is_empty() {
        return false;
    }
    let majority = members.len() / 2 + 1;
    let online: Vec<&str> = nodes
        .alive(q.online())
        .into_iter()
        .filter(|n| members.contains(n))
        .collect();
    let (vhost, name) = (shell_word(q.vhost()), shell_word(q.name()));
    if (q.online().is_some() && online.len() < majority) || q.state.as_deref() == Some("minority") {
        let missing: Vec<&str> = members
            .iter()
            .copied()
            .filter(|m| !online.contains(m))
            .collect();
        out.push(
            Finding::new("cluster.quorum.minority", Severity::Crit, q.subject())
                .summary(format!(
                    "quorum queue {} has {} of its {} members online, below the majority of {majority}: it takes and delivers nothing (missing: {})",
                    q.subject(),
                    online.len(),
                    members.len(),
                    names(&missing)
                ))
                .evidence("members", members.len() as f64)
                .evidence("online", online.len() as f64)
                .evidence("majority", majority as f64)
                .remedy(format!(
                    "start RabbitMQ on {} again, never deleting its data directory; watch it recover with rabbitmq-queues quorum_status -p {vhost} {name}; see `celtool explain cluster.quorum.minority`",
                    names(&missing)
                )),
        );
        return true;
    }
    let leader_down = q.leader().is_some_and(|l| !nodes.is_running(l));
    if q.online().is_some() && (q.leader().is_none() || leader_down) {
        out.push(no_leader(q, "no elected leader among its online members"));
        return true;
    }
    false
}

fn no_leader(q: &Queue, why: &str) -> Finding {
    let (vhost, name) = (shell_word(q.vhost()), shell_word(q.name()));
    Finding::new("cluster.quorum.no-leader", Severity::Crit, q.subject())
        .summary(format!(
            "quorum queue {} has {why}: it takes and delivers nothing until one is elected",
            q.subject()
        ))
        .remedy(format!(
            "check its members: rabbitmq-queues quorum_status -p {vhost} {name}; start any member's node that is down; if every member runs and none leads, restart RabbitMQ on the members' nodes one at a time"
        ))
}

fn health(ctx: &Ctx, out: &mut Vec<Finding>) {
    let facts = &ctx.snap.cluster;
    if facts.health.is_empty() {
        return;
    }
    let node = facts.node.as_deref().unwrap_or("the node serving the API");
    let node_alarm = ctx
        .snap
        .nodes
        .iter()
        .any(|n| n.mem_alarm == Some(true) || n.disk_free_alarm == Some(true));
    let alarms_failed = matches!(
        facts.check("alarms").map(|h| &h.outcome),
        Some(Outcome::Fail { .. })
    );
    let (mut passed, mut unsupported, mut unreadable) = (0, 0, 0);
    for h in &facts.health {
        match &h.outcome {
            Outcome::Pass => passed += 1,
            Outcome::Unsupported => unsupported += 1,
            Outcome::Unreadable(_) => unreadable += 1,
            Outcome::Fail { reason, body } => {
                // Alarms already reported from the nodes list (or by the cluster-wide check)
                // are not reported twice.
                let duplicate = match h.name {
                    "alarms" => node_alarm,
                    "local-alarms" => node_alarm || alarms_failed,
                    _ => false,
                };
                if !duplicate {
                    failed(ctx, h, node, reason, body, out);
                }
            }
        }
    }
    if passed == 0 {
        return;
    }
    out.push(
        Finding::new("cluster.health", Severity::Ok, node)
            .summary(format!(
                "{passed} of the broker's health checks pass on {node}; {unsupported} not offered by this version, {unreadable} could not be read"
            ))
            .evidence("passed", passed as f64)
            .evidence("unsupported", unsupported as f64)
            .evidence("unreadable", unreadable as f64),
    );
}

/// The printable names of the queues a failed check lists (`queue 'q' in vhost 'v'`).
fn listed_queues(body: &Value) -> Vec<(String, String)> {
    body.get("queues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|q| {
            let name = q.get("name")?.as_str()?.to_string();
            let vhost = q
                .get("virtual_host")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_string();
            Some((vhost, name))
        })
        .collect()
}

fn failed(
    ctx: &Ctx,
    h: &HealthCheck,
    node: &str,
    reason: &str,
    body: &Value,
    out: &mut Vec<Finding>,
) {
    let queues = listed_queues(body);
    let subjects: Vec<String> = queues
        .iter()
        .map(|(v, n)| crate::rabbitmq::records::subject(v, n))
        .collect();
    match h.name {
        "node-is-quorum-critical" => out.push(
            Finding::new("cluster.quorum.critical", Severity::Warn, node)
                .summary(format!(
                    "stopping or restarting {node} now would take {} quorum queue(s) below their majority: {}",
                    queues.len(),
                    names(&subjects)
                ))
                .evidence("queues", queues.len() as f64)
                .remedy(format!(
                    "do not stop {node} (upgrade, reboot) until those queues have a majority without it: run at least 3 nodes and grow the queues onto them (rabbitmq-queues grow NEWNODE all); a 2-member quorum queue loses its majority with either member"
                )),
        ),
        "node-is-mirror-sync-critical" => out.push(
            Finding::new("cluster.mirror.sync-critical", Severity::Warn, node)
                .summary(format!(
                    "stopping {node} now would leave {} mirrored queue(s) without a synchronised mirror, losing their messages: {}",
                    queues.len(),
                    names(&subjects)
                ))
                .evidence("queues", queues.len() as f64)
                .remedy("see the cluster.mirror.unsynchronised findings for the sync_queue command; do not stop the node before the mirrors are synchronised"),
        ),
        "quorum-queues-without-elected-leaders" => {
            for (vhost, name) in &queues {
                let s = crate::rabbitmq::records::subject(vhost, name);
                if out.iter().any(|f| f.subject == s && f.id.starts_with("cluster.quorum.")) {
                    continue;
                }
                let q = ctx
                    .snap
                    .queues
                    .iter()
                    .find(|q| q.vhost() == vhost && q.name() == name)
                    .cloned()
                    .unwrap_or_else(|| Queue {
                        name: Some(name.as_str().into()),
                        vhost: Some(crate::rabbitmq::records::intern(vhost)),
                        ..Queue::default()
                    });
                out.push(no_leader(&q, "no elected leader (the broker's own leader health check)"));
            }
        }
        "certificate-expiration" => certificates(ctx, body, out),
        "virtual-hosts" => down_vhosts(ctx, node, reason, body, out),
        _ => out.push(
            Finding::new("cluster.health", Severity::Crit, h.name)
                .summary(format!("health check {} failed on {node}: {reason}", h.path))
                .remedy(health_remedy(h.name, node)),
        ),
    }
}

/// The vhosts the virtual-hosts check names as down; a run limited to one vhost reports only
/// that one (other vhosts are other people's).
fn down_vhosts(ctx: &Ctx, node: &str, reason: &str, body: &Value, out: &mut Vec<Finding>) {
    let listed: Option<Vec<&str>> = body
        .get("virtual-hosts")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    let down: Vec<&str> = match (&listed, ctx.snap.vhost.as_deref()) {
        (Some(list), Some(scope)) => list.iter().copied().filter(|v| *v == scope).collect(),
        (Some(list), None) => list.clone(),
        (None, _) => Vec::new(),
    };
    if listed.is_some() && down.is_empty() {
        return;
    }
    let what = if down.is_empty() {
        String::new()
    } else {
        format!(" ({})", names(&down))
    };
    let vhost = match down.as_slice() {
        [one] => shell_word(one),
        _ => "VHOST".into(),
    };
    out.push(
        Finding::new("cluster.health", Severity::Crit, "virtual-hosts")
            .summary(format!("health check virtual-hosts failed on {node}: {reason}{what}"))
            .evidence("vhosts_down", down.len() as f64)
            .remedy(format!(
                "a virtual host is down on {node}: it takes and delivers nothing; rabbitmq-diagnostics -n {node} check_virtual_hosts, read the node's log, then rabbitmqctl -n {node} restart_vhost -p {vhost}"
            )),
    );
}

fn health_remedy(name: &str, node: &str) -> String {
    match name {
        "alarms" | "local-alarms" => format!(
            "a resource alarm blocks publishers: rabbitmq-diagnostics -n {node} alarms; see `celtool explain broker.alarm.memory` and `celtool explain broker.alarm.disk`"
        ),
        "port-listener" | "protocol-listener" => format!(
            "{node} does not accept AMQP connections: check listeners.tcp.* in its rabbitmq.conf and rabbitmq-diagnostics -n {node} listeners"
        ),
        "is-in-service" => format!(
            "{node} is not serving clients (booting, stopping, or drained for maintenance): if it was drained, rabbitmq-upgrade -n {node} revive"
        ),
        "metadata-store-initialized" | "metadata-store-initialized-with-data" => format!(
            "{node}'s metadata store (Khepri) is not ready: it has not joined its cluster's store or has not caught up; rabbitmq-diagnostics -n {node} metadata_store_status (and check_if_metadata_store_is_initialized), then read the node's log; see `celtool explain cluster.metadata-store`"
        ),
        _ => format!("rabbitmq-diagnostics -n {node} status; read the node's log"),
    }
}

/// `2026-12-31 0:00:00` (UTC, as the certificate check prints it) in Unix seconds.
fn parse_utc(s: &str) -> Option<i64> {
    let (date, time) = s.trim().split_once(' ').unwrap_or((s.trim(), "0:0:0"));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn certificates(ctx: &Ctx, body: &Value, out: &mut Vec<Finding>) {
    let now = ctx.snap.cluster.now_unix;
    for l in body
        .get("expired")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
        let node = field("node");
        let port = l.get("port").map(|p| p.to_string()).unwrap_or_default();
        let mut dates = BTreeSet::new();
        for key in ["certfile_expires_on", "cacertfile_expires_on"] {
            for d in l.get(key).and_then(Value::as_array).into_iter().flatten() {
                if let Some(s) = d.as_str() {
                    dates.insert(s.to_string());
                }
            }
        }
        let soonest = dates.iter().filter_map(|d| parse_utc(d)).min();
        let expired = soonest.is_some_and(|t| t <= now);
        let severity = if expired {
            Severity::Crit
        } else {
            Severity::Warn
        };
        let mut f = Finding::new("cluster.cert.expiry", severity, format!("{node}:{port}"))
            .summary(format!(
                "the TLS certificate of {} listener {node}:{port} ({}) {} {}",
                field("protocol"),
                field("certfile"),
                if expired { "has expired:".to_string() } else { format!("expires within {CERT_WARN_DAYS} days:") },
                names(&dates.iter().collect::<Vec<_>>())
            ))
            .remedy(format!(
                "install a renewed certificate at {} (and its CA bundle {}), then make the node read it: rabbitmqctl -n {node} eval 'ssl:clear_pem_cache().'; check with rabbitmq-diagnostics -n {node} certificates",
                field("certfile"),
                field("cacertfile")
            ));
        if let Some(t) = soonest {
            f = f.evidence("days_left", ((t - now) as f64 / 86_400.0).floor());
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_dates_parse_as_utc() {
        assert_eq!(parse_utc("1970-01-01 0:00:00"), Some(0));
        assert_eq!(parse_utc("2000-03-01 12:30:05"), Some(951_913_805));
        assert_eq!(parse_utc("2026-13-01 0:00:00"), None);
        assert_eq!(parse_utc("soon"), None);
    }

    #[test]
    fn names_are_capped() {
        let v: Vec<String> = (0..7).map(|i| format!("n{i}")).collect();
        assert_eq!(names(&v), "n0, n1, n2, n3, n4, and 2 more");
    }
}

#[cfg(test)]
#[path = "cluster_tests.rs"]
mod fixture_tests;
