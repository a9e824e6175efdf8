//! Redis-only checks: eviction policy and memory, event fan-out and the network card, pub/sub
//! output buffers, unacked messages past the visibility timeout, result keys without TTL,
//! leaked reply lists, connections refused for maxclients. Pure: snapshot in, findings out.

use super::celery::fanout;
use super::{level, ratio};
use crate::celery_model::Fleet;
use crate::redis::snapshot::RedisSnapshot;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::{fmt_bytes, fmt_count, fmt_duration_secs, fmt_pct};

/// What the Redis checks need besides the snapshot.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The broker's link speed in bytes per second, and where it came from
    /// (`/sys/class/net/eth0/speed`, `configured`).
    pub link: Option<(f64, String)>,
}

pub use super::celery::fanout::ASSUMED_COST;

/// Reply lists untouched this long are leaked (a `celery inspect` waits seconds, not minutes).
pub const REPLY_LEAK_IDLE_SECONDS: u64 = 300;

pub fn check(snap: &RedisSnapshot, fleet: &Fleet, t: &Thresholds, opts: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for gap in &snap.gaps {
        out.push(
            Finding::new("redis.read", Severity::Unknown, gap.what)
                .summary(gap.error.clone())
                .remedy("see `celtool explain redis.read`"),
        );
    }
    if snap.cluster_enabled {
        // Only what holds for any Redis server: the rest is built on queues, results and
        // events that Celery cannot keep on a cluster.
        cluster(snap, &mut out);
        persistence(snap, &mut out);
        rejected(snap, &mut out);
    } else {
        celery_checks(snap, fleet, t, opts, &mut out);
    }
    for f in &mut out {
        f.host.get_or_insert_with(|| snap.host.clone());
    }
    out
}

fn celery_checks(
    snap: &RedisSnapshot,
    fleet: &Fleet,
    t: &Thresholds,
    opts: &Options,
    out: &mut Vec<Finding>,
) {
    info(snap, out);
    empty_db(snap, out);
    persistence(snap, out);
    eviction(snap, fleet, t, out);
    fanout(snap, fleet, t, opts, out);
    output_buffers(snap, t, out);
    visibility(snap, t, out);
    results(snap, t, out);
    replies(snap, t, out);
    rejected(snap, out);
}

/// kombu's Redis transport cannot run on Redis Cluster (celery/celery#2852, open since 2015;
/// celery/kombu#526): it sends pipelines (MULTI/EXEC) over keys that hash to different slots,
/// e.g. the lengths of a queue's priority lists, and the cluster answers CROSSSLOT
/// (celery/celery#9436).
fn cluster(snap: &RedisSnapshot, out: &mut Vec<Finding>) {
    let version = snap.info.get("redis_version").unwrap_or("?");
    out.push(
        Finding::new("redis.cluster", Severity::Crit, snap.target.as_str())
            .summary(format!(
                "Redis {version} runs in cluster mode (cluster_enabled:1): Celery cannot use Redis Cluster as a broker. kombu's Redis transport runs MULTI/EXEC pipelines over keys in different hash slots and gets CROSSSLOT errors (celery/celery#2852, celery/kombu#526, celery/celery#9436); celtool read no queues, results or events here"
            ))
            .evidence("cluster_enabled", 1.0)
            .remedy("give Celery a standalone Redis (with Sentinel for failover: broker_url sentinel://...) or RabbitMQ as its broker; see `celtool explain redis.cluster`"),
    );
}

/// A database with no sign of Celery is most often the wrong `/N` in the URL.
fn empty_db(snap: &RedisSnapshot, out: &mut Vec<Finding>) {
    if snap.holds_celery() != Some(false) {
        return;
    }
    let scan = &snap.scan;
    let mut summary = format!(
        "db{} holds no Celery keys (no queues, no results, no workers){}",
        snap.db,
        if scan.complete {
            String::new()
        } else {
            format!(
                " in the first {} key(s) scanned",
                fmt_count(scan.keys_examined as f64)
            )
        }
    );
    let mut f = Finding::new("redis.db.empty", Severity::Warn, format!("db{}", snap.db));
    match &snap.elsewhere {
        Some(e) if !e.dbs.is_empty() => {
            let dbs: Vec<String> = e
                .dbs
                .iter()
                .map(|d| {
                    format!(
                        "db{} ({} key(s), e.g. {})",
                        d.db,
                        fmt_count(d.keys as f64),
                        crate::text::sanitize(&d.example)
                    )
                })
                .collect();
            summary.push_str(&format!("; Celery keys are in {}", dbs.join(", ")));
            f = f.remedy(format!(
                "point --url at the database the app uses: redis://HOST:PORT/{} (the number after the last / in broker_url)",
                e.dbs[0].db
            ));
        }
        Some(e) => {
            summary.push_str(if e.complete {
                "; no other database of this server holds any either"
            } else {
                "; none found in the other databases before the scan cap"
            });
            f = f.remedy("check the app's broker_url (host, port and /DB number); if the workers have not started yet, this is expected");
        }
        None => {
            f = f.remedy("check the app's broker_url (host, port and /DB number)");
        }
    }
    if let Some(e) = &snap.elsewhere {
        f = f
            .evidence("other_dbs_with_celery", e.dbs.len() as f64)
            .evidence("other_keys_examined", e.keys_examined as f64);
    }
    out.push(f.summary(summary));
}

fn info(snap: &RedisSnapshot, out: &mut Vec<Finding>) {
    let i = &snap.info;
    let Some(version) = i.get("redis_version") else {
        return;
    };
    let scan = &snap.scan;
    let scanned = format!(
        "scanned {} of {} key(s) (SCAN COUNT {}, cap {}){}",
        fmt_count(scan.keys_examined as f64),
        scan.db_keys.map_or("?".into(), |n| fmt_count(n as f64)),
        scan.count,
        fmt_count(scan.cap as f64),
        if scan.complete {
            ""
        } else {
            ": stopped at the cap, some queues and results not seen"
        }
    );
    out.push(
        Finding::new("redis.info", Severity::Ok, snap.target.as_str())
            .summary(format!(
                "Redis {version}, {} used, {} client(s), {} queue(s) in db{}; {scanned}",
                fmt_bytes(i.num("used_memory").unwrap_or(0.0)),
                fmt_count(i.num("connected_clients").unwrap_or(0.0)),
                snap.queues.len(),
                snap.db
            ))
            .evidence("used_memory_bytes", i.num("used_memory").unwrap_or(0.0))
            .evidence(
                "connected_clients",
                i.num("connected_clients").unwrap_or(0.0),
            )
            .evidence("keys_examined", scan.keys_examined as f64)
            .evidence("scan_complete", if scan.complete { 1.0 } else { 0.0 }),
    );
}

/// A failed RDB save makes Redis refuse writes (stop-writes-on-bgsave-error, on by default):
/// publishers get MISCONF and no task can be sent. A failed AOF write refuses writes too.
fn persistence(snap: &RedisSnapshot, out: &mut Vec<Finding>) {
    let i = &snap.info;
    let rdb_failed = i.get("rdb_last_bgsave_status") == Some("err");
    let aof_failed =
        i.get("aof_enabled") == Some("1") && i.get("aof_last_write_status") == Some("err");
    if !(rdb_failed || aof_failed) {
        return;
    }
    let what = match (rdb_failed, aof_failed) {
        (true, true) => "the last RDB snapshot and the last AOF write failed",
        (true, false) => "the last RDB snapshot (BGSAVE) failed",
        _ => "the last AOF write failed",
    };
    out.push(
        Finding::new("redis.persistence", Severity::Crit, snap.target.as_str())
            .summary(format!(
                "{what}: with stop-writes-on-bgsave-error (the default) Redis refuses every write with MISCONF, so no task can be published or acknowledged"
            ))
            .evidence("rdb_changes_since_last_save", i.num("rdb_changes_since_last_save").unwrap_or(0.0))
            .remedy("read the Redis log for the cause (disk full, permissions on dir, fork failing for memory: vm.overcommit_memory = 1); then redis-cli BGSAVE and check INFO persistence"),
    );
}

fn eviction(snap: &RedisSnapshot, fleet: &Fleet, t: &Thresholds, out: &mut Vec<Finding>) {
    let used = snap.info.num("used_memory");
    let max = snap.maxmemory().filter(|m| *m > 0.0);
    let usage = ratio(used, max);
    let headroom = t.get("redis.memory.headroom");
    if let (Some(u), Some(m), Some(r)) = (used, max, usage) {
        out.push(
            Finding::new("redis.memory.headroom", level(&headroom, r), snap.target.as_str())
                .summary(format!("{} of maxmemory {} used ({})", fmt_bytes(u), fmt_bytes(m), fmt_pct(r)))
                .evidence("used_memory_bytes", u)
                .evidence("maxmemory_bytes", m)
                .evidence("ratio", r)
                .remedy("find what holds the memory (results without TTL, a backlog: see the other findings); raise maxmemory in redis.conf"),
        );
    }
    if let Some(policy) = snap.maxmemory_policy() {
        let queued = fleet
            .queues
            .iter()
            .any(|q| q.kind == crate::celery_model::Kind::Task);
        let severity = match () {
            _ if policy == "noeviction" || !queued => Severity::Ok,
            _ if usage.is_some_and(|r| headroom.crit.is_some_and(|c| r >= c)) => Severity::Crit,
            _ => Severity::Warn,
        };
        out.push(
            Finding::new("redis.maxmemory-policy", severity, snap.target.as_str())
                .summary(match severity {
                    Severity::Ok => format!("maxmemory-policy {policy}"),
                    _ => format!(
                        "maxmemory-policy {policy} while db{} holds Celery queues: Redis may evict queue lists, and their tasks are lost{}",
                        snap.db,
                        usage.map_or(String::new(), |r| format!(" (memory at {} of maxmemory)", fmt_pct(r)))
                    ),
                })
                .remedy(if severity == Severity::Ok { "" } else {
                    "redis-cli CONFIG SET maxmemory-policy noeviction (or: celtool doctor --url redis://... --fix --yes), and persist it in redis.conf: maxmemory-policy noeviction"
                }),
        );
    }
    let evicted = snap.info.num("evicted_keys").unwrap_or(0.0);
    if evicted > 0.0 {
        out.push(
            Finding::new("redis.evicted-keys", Severity::Warn, snap.target.as_str())
                .summary(format!("Redis has evicted {} key(s) since it started: queued tasks or results may be among them", fmt_count(evicted)))
                .evidence("evicted_keys", evicted)
                .remedy("set maxmemory-policy noeviction and give Redis the memory it needs; keep results elsewhere or give them a TTL (result_expires)"),
        );
    }
}

fn fanout(
    snap: &RedisSnapshot,
    fleet: &Fleet,
    t: &Thresholds,
    opts: &Options,
    out: &mut Vec<Finding>,
) {
    let link = fanout::Link {
        speed: opts.link.as_ref(),
        unknown: "; link speed unknown (celtool reads /sys/class/net/IF/speed only on the broker host): set CELTOOL_REDIS_LINK_MBIT to forecast when the network card saturates",
    };
    out.extend(fanout::forecast(
        fleet,
        "redis.events.fanout",
        snap.target.as_str(),
        t,
        &link,
    ));
}

fn output_buffers(snap: &RedisSnapshot, t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "redis.pubsub.output-buffer";
    let Some(limit) = snap.pubsub_limit() else {
        return;
    };
    let cap = if limit.hard_bytes > 0 {
        limit.hard_bytes
    } else {
        limit.soft_bytes
    };
    if cap == 0 {
        return;
    }
    for c in snap.clients.iter().filter(|c| c.psub > 0 || c.sub > 0) {
        let r = c.omem as f64 / cap as f64;
        let severity = level(&t.get(id), r);
        if severity == Severity::Ok {
            continue;
        }
        out.push(
            Finding::new(id, severity, format!("client {} {}", c.id, c.addr))
                .summary(format!(
                    "subscriber {} holds {} of output buffer, {} of client-output-buffer-limit pubsub {}: Redis disconnects it at the limit (soft {} for {} s)",
                    c.addr, fmt_bytes(c.omem as f64), fmt_pct(r), fmt_bytes(cap as f64), fmt_bytes(limit.soft_bytes as f64), limit.soft_seconds
                ))
                .evidence("omem_bytes", c.omem as f64)
                .evidence("limit_bytes", cap as f64)
                .evidence("ratio", r)
                .remedy("the subscriber reads too slowly (a stalled monitor, flower on a busy host): restart or fix it; cut the event stream (see redis.events.fanout); raise client-output-buffer-limit pubsub in redis.conf only if it keeps up on average"),
        );
    }
}

fn visibility(snap: &RedisSnapshot, t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "redis.unacked.visibility";
    let Some(u) = &snap.unacked else {
        return;
    };
    let Some(oldest) = u.oldest_delivered else {
        return;
    };
    let age = (u.now - oldest).max(0.0);
    let vt = snap.visibility_timeout;
    let r = age / vt;
    let severity = level(&t.get(id), r);
    out.push(
        Finding::new(id, severity, format!("db{}/unacked", snap.db))
            .summary(format!(
                "{} unacked message(s); the oldest was delivered {} ago, visibility_timeout is {}{}{}",
                fmt_count(u.count as f64),
                fmt_duration_secs(age),
                fmt_duration_secs(vt),
                if snap.visibility_timeout_from.is_empty() {
                    String::new()
                } else {
                    format!(" (from {})", snap.visibility_timeout_from)
                },
                if u.past_visibility > 0 {
                    format!(": {} past it are delivered again to another worker (ETA/countdown and acks_late tasks run twice or more)", u.past_visibility)
                } else {
                    String::new()
                }
            ))
            .evidence("unacked", u.count as f64)
            .evidence("oldest_age_seconds", age)
            .evidence("visibility_timeout_seconds", vt)
            .evidence("past_visibility", u.past_visibility as f64)
            .remedy("raise broker_transport_options = {'visibility_timeout': SECONDS} above the longest ETA/countdown and task run time (on workers and producers alike; celtool reads it from the workers' conf when they answer, else from CELTOOL_REDIS_VISIBILITY_TIMEOUT); or keep long delays out of ETA tasks"),
    );
}

fn results(snap: &RedisSnapshot, t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "redis.results.no-ttl";
    let Some(r) = &snap.results else {
        return;
    };
    if r.sampled == 0 {
        return;
    }
    let share = r.without_ttl as f64 / r.sampled as f64;
    let severity = level(&t.get(id), r.without_ttl as f64);
    out.push(
        Finding::new(id, severity, format!("db{}/celery-task-meta-*", snap.db))
            .summary(format!(
                "{} of {} sampled result key(s) have no TTL ({}; {} result key(s) seen by the bounded scan): they stay until deleted",
                fmt_count(r.without_ttl as f64), fmt_count(r.sampled as f64), fmt_pct(share), fmt_count(r.seen as f64)
            ))
            .evidence("sampled", r.sampled as f64)
            .evidence("without_ttl", r.without_ttl as f64)
            .evidence("seen", r.seen as f64)
            .remedy("set result_expires (default 1 day; None disables expiry) or task_ignore_result=True for tasks whose result nobody reads; give the existing keys a TTL: celtool doctor --url redis://... --fix"),
    );
}

fn replies(snap: &RedisSnapshot, t: &Thresholds, out: &mut Vec<Finding>) {
    let id = "redis.reply.leaked";
    let leaked: Vec<_> = snap
        .reply_lists
        .iter()
        .filter(|r| r.ttl < 0 && r.idle_seconds.is_some_and(|i| i >= REPLY_LEAK_IDLE_SECONDS))
        .collect();
    let severity = level(&t.get(id), leaked.len() as f64);
    if severity == Severity::Ok {
        return;
    }
    let messages: u64 = leaked.iter().map(|r| r.len).sum();
    out.push(
        Finding::new(id, severity, format!("db{}/*.reply.celery.pidbox", snap.db))
            .summary(format!(
                "{} reply list(s) untouched for over {} with no TTL, holding {} message(s) (e.g. {}): left by remote-control clients that died",
                leaked.len(), fmt_duration_secs(REPLY_LEAK_IDLE_SECONDS as f64), fmt_count(messages as f64), leaked[0].key
            ))
            .evidence("lists", leaked.len() as f64)
            .evidence("messages", messages as f64)
            .remedy("delete them: redis-cli -n DB DEL KEY ...; keep monitoring scripts from being killed mid-inspect"),
    );
}

fn rejected(snap: &RedisSnapshot, out: &mut Vec<Finding>) {
    let n = snap.info.num("rejected_connections").unwrap_or(0.0);
    if n <= 0.0 {
        return;
    }
    let max = snap
        .config
        .get("maxclients")
        .and_then(|v| v.parse::<f64>().ok());
    let now = snap.info.num("connected_clients").unwrap_or(0.0);
    let full = max.is_some_and(|m| now >= m * 0.95);
    out.push(
        Finding::new(
            "redis.rejected-connections",
            if full { Severity::Crit } else { Severity::Warn },
            snap.target.as_str(),
        )
        .summary(format!(
            "Redis refused {} connection(s) for maxclients since it started; {} connected now{}",
            fmt_count(n),
            fmt_count(now),
            max.map_or(String::new(), |m| format!(" of maxclients {}", fmt_count(m)))
        ))
        .evidence("rejected_connections", n)
        .evidence("connected_clients", now)
        .remedy("raise maxclients in redis.conf (and the file-descriptor limit); lower broker_pool_limit or the number of worker processes; find clients that leak connections (redis-cli CLIENT LIST)"),
    );
}

#[cfg(test)]
#[path = "redis_tests.rs"]
mod tests;
