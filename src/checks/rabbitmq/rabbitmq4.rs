//! What RabbitMQ 4.x removes, limits or refuses, for the Celery fleet on this broker: deprecated
//! features in use, transient non-exclusive queues (refused by 4.3), the quorum queue delivery
//! limit (4.0), mirroring policies that no longer replicate (4.0), a "ready for RabbitMQ 4"
//! verdict for a 3.x broker, and connections that all come through one proxy.

use std::collections::{BTreeMap, BTreeSet};

use super::Ctx;
use super::cluster::names;
use super::shell_word;
use crate::rabbitmq::classify::QueueKind;
use crate::rabbitmq::cluster::{DeprecatedFeature, DeprecatedUse};
use crate::rabbitmq::records::Queue;
use crate::report::{Finding, Severity};

/// The fewest connections from a single peer that read as "behind a proxy".
pub const PROXY_MIN_CONNECTIONS: usize = 5;
/// The quorum queue delivery limit RabbitMQ 4.0 and later apply when none is set.
pub const DEFAULT_DELIVERY_LIMIT: f64 = 20.0;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let version = broker_version(ctx);
    deprecated(ctx, out);
    let transient = transient_queues(ctx, version, out);
    let unlimited = delivery_limits(ctx, version, out);
    let ha = mirroring_removed(ctx, version, out);
    if let Some(v) = version.filter(|v| v.0 < 4) {
        readiness(
            ctx,
            v,
            &Pending {
                transient,
                unlimited,
                ha,
            },
            out,
        );
    }
    proxy(ctx, out);
}

/// (major, minor) of the broker, when the overview said.
fn broker_version(ctx: &Ctx) -> Option<(u32, u32)> {
    ctx.snap.overview.as_ref()?.major_minor()
}

/// On 3.13 (the last 3.x, from which 4.0 is the next upgrade) and later, what 4.x refuses is a
/// warning; on older brokers it is information for the upgrade plan.
fn upgrade_severity(version: Option<(u32, u32)>) -> Severity {
    match version {
        Some(v) if v >= (3, 13) => Severity::Warn,
        _ => Severity::Ok,
    }
}

fn feature_remedy(f: &DeprecatedFeature) -> String {
    let doc = f
        .doc_url
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(|u| format!("; see {u}"))
        .unwrap_or_default();
    let what = match f.name.as_deref().unwrap_or("") {
        "classic_queue_mirroring" => {
            "move the mirrored queues to quorum queues, then drop the ha-* keys from the policies: `celtool explain rabbitmq4.mirroring-removed`"
        }
        "global_qos" => {
            "Celery workers ask for global QoS on classic queues; RabbitMQ 4.3 turns it into a per-consumer prefetch (each queue a worker consumes gets the whole count). Move the task queues to quorum queues (Celery >= 5.5 then turns global QoS off by itself: worker_detect_quorum_queues, on by default) or lower worker_prefetch_multiplier for workers that consume many queues"
        }
        "transient_nonexcl_queues" => {
            "make the queues durable or exclusive: for Celery see the rabbitmq4.transient-queues finding (control_queue_exclusive / event_queue_exclusive)"
        }
        "management_metrics_collection" => {
            "plan monitoring on the Prometheus plugin (rabbitmq-plugins enable rabbitmq_prometheus); the management API's message rates go away when the collection is disabled"
        }
        "ram_node_type" => {
            "turn RAM nodes into disk nodes: rabbitmqctl -n NODE stop_app; rabbitmqctl -n NODE change_cluster_node_type disc; rabbitmqctl -n NODE start_app"
        }
        "queue_master_locator" => {
            "replace x-queue-master-locator and the queue-master-locator policy key with queue-leader-locator (client-local or balanced)"
        }
        _ => "stop using it before the phase advances",
    };
    format!("{what}{doc}")
}

fn deprecated(ctx: &Ctx, out: &mut Vec<Finding>) {
    let DeprecatedUse::Used(list) = &ctx.snap.cluster.deprecated else {
        return;
    };
    for f in list {
        let name = f.name.as_deref().unwrap_or("?");
        let phase = f.deprecation_phase.as_deref().unwrap_or("?");
        let severity = if phase == "removed" {
            Severity::Crit
        } else {
            Severity::Warn
        };
        let state = match phase {
            "permitted_by_default" => "still permitted by default, denied in a later release",
            "denied_by_default" => "it works here only because rabbitmq.conf permits it",
            "disconnected" | "removed" => "no longer works",
            _ => "deprecated",
        };
        out.push(
            Finding::new("rabbitmq4.deprecated-feature", severity, name)
                .summary(format!(
                    "deprecated feature {name} is in use (phase {phase}: {state})"
                ))
                .remedy(feature_remedy(f)),
        );
    }
}

fn is_transient_nonexclusive(q: &Queue) -> bool {
    q.durable == Some(false) && q.exclusive == Some(false)
}

/// Transient non-exclusive queues, per vhost, reported as what 4.3 refuses to declare. Returns
/// how many there are (Celery's own, all).
fn transient_queues(
    ctx: &Ctx,
    version: Option<(u32, u32)>,
    out: &mut Vec<Finding>,
) -> (usize, usize) {
    let mut by_vhost: BTreeMap<&str, Vec<&Queue>> = BTreeMap::new();
    for q in ctx
        .snap
        .queues
        .iter()
        .filter(|q| is_transient_nonexclusive(q))
    {
        by_vhost.entry(q.vhost()).or_default().push(q);
    }
    let severity = match version {
        Some(v) if v >= (4, 0) => Severity::Warn,
        v => upgrade_severity(v),
    };
    let (mut celery_total, mut total) = (0, 0);
    for (vhost, queues) in by_vhost {
        let celery: Vec<&str> = queues
            .iter()
            .filter(|q| {
                matches!(
                    ctx.kinds.queue_kind(q),
                    QueueKind::Event | QueueKind::Mailbox
                )
            })
            .map(|q| q.name())
            .collect();
        let others: Vec<&str> = queues
            .iter()
            .map(|q| q.name())
            .filter(|n| !celery.contains(n))
            .collect();
        celery_total += celery.len();
        total += queues.len();
        let mut parts = Vec::new();
        if !celery.is_empty() {
            parts.push(format!(
                "{} Celery event/control queue(s) as Celery <= 5.6 declares them: {}",
                celery.len(),
                names(&celery)
            ));
        }
        if !others.is_empty() {
            parts.push(format!("{} other(s): {}", others.len(), names(&others)));
        }
        let mut remedy = Vec::new();
        if !celery.is_empty() {
            remedy.push("Celery >= 5.7 declares its event and control queues exclusive by default; on Celery 5.6 set control_queue_exclusive = True and event_queue_exclusive = True (old names CELERY_CONTROL_QUEUE_EXCLUSIVE, CELERY_EVENT_QUEUE_EXCLUSIVE) on workers and on every monitor (Flower, celery events); Celery < 5.6 has no such setting: upgrade it");
        }
        if !others.is_empty() {
            remedy.push("declare the other queues durable (with a queue TTL, x-expires, for cleanup) or exclusive");
        }
        remedy.push("until then a 4.3 cluster needs deprecated_features.permit.transient_nonexcl_queues = true in rabbitmq.conf on every node before the upgrade");
        out.push(
            Finding::new("rabbitmq4.transient-queues", severity, vhost)
                .summary(format!(
                    "{} transient non-exclusive queue(s) (durable false, exclusive false) in vhost {vhost}, which RabbitMQ 4.3 refuses to declare (541 INTERNAL_ERROR: Celery workers fail at start-up): {}",
                    queues.len(),
                    parts.join("; ")
                ))
                .evidence("queues", queues.len() as f64)
                .evidence("celery_queues", celery.len() as f64)
                .remedy(remedy.join("; ")),
        );
    }
    (celery_total, total)
}

/// The delivery limit in force on a quorum queue: the queue's own report (4.x), else the lower of
/// argument and policy; `None` when nothing sets one. Negative or "unlimited" means no limit.
fn configured_limit(q: &Queue) -> Option<f64> {
    if let Some(v) = q.delivery_limit() {
        return Some(v.as_f64().unwrap_or(-1.0));
    }
    let arg = q
        .arguments
        .as_ref()
        .and_then(|a| a.get("x-delivery-limit")?.as_f64());
    let pol = q
        .effective_policy_definition
        .as_ref()
        .and_then(|d| d.get("delivery-limit")?.as_f64());
    match (arg, pol) {
        (Some(a), Some(p)) => Some(a.min(p)),
        (a, p) => a.or(p),
    }
}

fn has_dead_lettering(q: &Queue) -> bool {
    q.arguments
        .as_ref()
        .is_some_and(|a| a.contains_key("x-dead-letter-exchange"))
        || q.effective_policy_definition
            .as_ref()
            .is_some_and(|d| d.contains_key("dead-letter-exchange"))
}

/// Celery task queues that are quorum queues, and the delivery limit each lives under on 4.x.
/// Returns how many on a 3.x broker have no limit set (they get 20 on the upgrade).
fn delivery_limits(ctx: &Ctx, version: Option<(u32, u32)>, out: &mut Vec<Finding>) -> usize {
    let four = version.is_some_and(|v| v.0 >= 4);
    let mut unset = 0;
    for q in &ctx.snap.queues {
        if q.kind.as_deref() != Some("quorum") || ctx.kinds.queue_kind(q) != QueueKind::Task {
            continue;
        }
        let limit = configured_limit(q);
        if !four {
            unset += usize::from(limit.is_none());
            continue;
        }
        let limit = limit.unwrap_or(DEFAULT_DELIVERY_LIMIT);
        if limit < 0.0 {
            continue;
        }
        let dlx = has_dead_lettering(q);
        let (severity, fate) = if dlx {
            (Severity::Ok, "dead-lettered")
        } else {
            (Severity::Warn, "dropped")
        };
        out.push(
            Finding::new("rabbitmq4.delivery-limit", severity, q.subject())
                .summary(format!(
                    "Celery task queue {} is a quorum queue with a delivery limit of {limit}: a task redelivered that often (a poison task under task_acks_late, a worker killed mid-task) is {fate}, not run again",
                    q.subject()
                ))
                .evidence("delivery_limit", limit)
                .remedy(if dlx {
                    "watch the dead-letter queue; raise the limit with a policy (delivery-limit) if tasks are often redelivered".to_string()
                } else {
                    format!(
                        "give the queue a dead-letter target and a limit that suits it with a policy (one policy applies per queue: merge it into any policy that matches already), e.g. rabbitmqctl set_policy -p {} --apply-to quorum_queues celery-dlx {} '{{\"dead-letter-exchange\":\"celery.dlx\",\"delivery-limit\":50}}'; see `celtool explain rabbitmq4.delivery-limit`",
                        shell_word(q.vhost()),
                        shell_word(&format!("^{}$", regex::escape(q.name())))
                    )
                }),
        );
    }
    unset
}

fn is_ha_policy(p: &crate::rabbitmq::records::Policy) -> bool {
    p.definition
        .as_ref()
        .is_some_and(|d| d.keys().any(|k| k.starts_with("ha-")))
}

/// On 4.x, policies with ha-* keys do nothing: the queues they name are not replicated.
/// Returns how many such policies there are.
fn mirroring_removed(ctx: &Ctx, version: Option<(u32, u32)>, out: &mut Vec<Finding>) -> usize {
    let ha: Vec<&crate::rabbitmq::records::Policy> = ctx
        .snap
        .policies
        .iter()
        .filter(|p| is_ha_policy(p))
        .collect();
    if version.is_some_and(|v| v.0 >= 4) {
        for p in &ha {
            let subject = crate::rabbitmq::records::subject(p.vhost(), p.name());
            out.push(
                Finding::new("rabbitmq4.mirroring-removed", Severity::Warn, subject)
                    .summary(format!(
                        "policy '{}' (pattern {}) sets ha-* keys, which RabbitMQ 4 ignores: the queues it names are NOT replicated, a node loss loses their messages",
                        p.name(),
                        p.pattern.as_deref().unwrap_or("?")
                    ))
                    .remedy("move the queues that need replication to quorum queues (see `celtool explain rabbitmq4.mirroring-removed` for Celery's settings), then remove the ha-* keys from the policy"),
            );
        }
    }
    ha.len()
}

struct Pending {
    /// (Celery's, all) transient non-exclusive queues.
    transient: (usize, usize),
    /// Celery quorum task queues without a delivery limit.
    unlimited: usize,
    /// Policies with ha-* keys.
    ha: usize,
}

/// The "ready for RabbitMQ 4" verdict of a 3.x broker: what must change first.
fn readiness(ctx: &Ctx, version: (u32, u32), p: &Pending, out: &mut Vec<Finding>) {
    let global = ctx
        .snap
        .cluster
        .channels
        .iter()
        .flatten()
        .filter(|c| c.uses_global_qos())
        .count();
    let must = must_change(ctx, version, p, global);
    let node = super::broker::answering_node(ctx);
    let readable = match &ctx.snap.cluster.deprecated {
        DeprecatedUse::Forbidden => {
            "; the deprecated-features list needs a user with the administrator tag"
        }
        _ => "",
    };
    let (severity, summary) = if must.is_empty() {
        (
            Severity::Ok,
            format!("ready for RabbitMQ 4 as far as celtool can see{readable}"),
        )
    } else {
        let list: Vec<String> = must
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{}) {m}", i + 1))
            .collect();
        let severity = upgrade_severity(Some(version));
        let verdict = if severity == Severity::Ok {
            // Before 3.13 the upgrade is not due: a plan, not a problem.
            format!(
                "upgrade plan for RabbitMQ 4 (information on {}.{}, a warning from 3.13 on)",
                version.0, version.1
            )
        } else {
            "not ready for RabbitMQ 4".to_string()
        };
        (
            severity,
            format!("{verdict}; change first: {}{readable}", list.join(" ")),
        )
    };
    out.push(
        Finding::new("rabbitmq4.readiness", severity, node)
            .summary(summary)
            .evidence("changes_needed", must.len() as f64)
            .evidence("global_qos_channels", global as f64)
            .remedy(if must.is_empty() {
                ""
            } else {
                "see `celtool explain rabbitmq4.readiness`"
            }),
    );
}

/// What a 3.x broker must change before RabbitMQ 4, in the order to do it.
fn must_change(ctx: &Ctx, version: (u32, u32), p: &Pending, global: usize) -> Vec<String> {
    let mut must = Vec::new();
    if version < (3, 13) {
        must.push(format!(
            "upgrade to 3.13 first: 4.0 upgrades in place only from 3.13 with all feature flags enabled (this is {}.{})",
            version.0, version.1
        ));
    }
    if p.ha > 0 {
        must.push(format!(
            "{} policy(ies) mirror classic queues (ha-*), which 4.0 drops silently: move those queues to quorum queues",
            p.ha
        ));
    }
    if p.transient.1 > 0 {
        must.push(format!(
            "{} transient non-exclusive queue(s) ({} of them Celery's event/control queues) would be refused by 4.3: Celery >= 5.7, or control_queue_exclusive = True and event_queue_exclusive = True on 5.6",
            p.transient.1, p.transient.0
        ));
    }
    if global > 0 {
        must.push(format!(
            "{global} channel(s) use global QoS (Celery workers on classic queues), which 4.3 turns into per-consumer prefetch: quorum task queues with Celery >= 5.5 stop using it"
        ));
    }
    if p.unlimited > 0 {
        must.push(format!(
            "{} Celery quorum task queue(s) have no delivery limit and get 20 on 4.0 (then tasks are dropped): add a dead-letter target or a higher limit by policy",
            p.unlimited
        ));
    }
    if let DeprecatedUse::Used(list) = &ctx.snap.cluster.deprecated {
        let used: BTreeSet<&str> = list.iter().filter_map(|f| f.name.as_deref()).collect();
        if !used.is_empty() {
            must.push(format!(
                "deprecated features in use: {}",
                names(&used.into_iter().collect::<Vec<_>>())
            ));
        }
    }
    must
}

/// Connections that all come from one peer are behind a proxy or load balancer: per-peer
/// findings then name the proxy, not the clients, and say so.
fn proxy(ctx: &Ctx, out: &mut Vec<Finding>) {
    let conns = &ctx.snap.connections;
    if conns.len() < PROXY_MIN_CONNECTIONS {
        return;
    }
    let peers: BTreeSet<&str> = conns
        .iter()
        .filter_map(|c| c.peer_host.as_deref())
        .collect();
    let [peer] = peers.into_iter().collect::<Vec<_>>()[..] else {
        return;
    };
    if conns.iter().any(|c| c.peer_host.is_none()) {
        return;
    }
    let note = format!(
        " (all connections come from {peer}, a proxy or load balancer such as HAProxy, or one client host: the clients behind it cannot be told apart here)"
    );
    for f in out
        .iter_mut()
        .filter(|f| f.id.starts_with("broker.connections."))
    {
        f.summary.push_str(&note);
    }
    out.push(
        Finding::new("broker.connections.proxy", Severity::Ok, peer)
            .summary(format!(
                "all {} connections come from one peer, {peer}: a proxy or load balancer (HAProxy, an ELB) in front of the broker, or every client on one host; findings about peers name {peer}, not the clients behind it, and every Celery connection looks like it comes from one worker host",
                conns.len()
            ))
            .evidence("connections", conns.len() as f64)
            .remedy("to see the real clients, read the proxy's own logs or enable the PROXY protocol (proxy_protocol = true in rabbitmq.conf and send-proxy in HAProxy)"),
    );
}
