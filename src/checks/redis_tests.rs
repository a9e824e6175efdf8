//! The Redis checks on snapshots built from recorded replies (tests/fixtures/redis/).

use super::*;
use crate::redis::snapshot::fixtures;
use crate::redis::snapshot::{ReplyList, ResultSample, Unacked};
use crate::redis::to_celery::fleet;

fn run(snap: &RedisSnapshot, link: Option<f64>) -> Vec<Finding> {
    let opts = Options {
        link: link.map(|l| (l, "test".to_string())),
    };
    check(snap, &fleet(snap), &Thresholds::default(), &opts)
}

fn get<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no {id} in {f:#?}"))
}

fn problems(f: &[Finding]) -> Vec<(&'static str, Severity)> {
    let mut v: Vec<_> = f
        .iter()
        .filter(|x| x.severity != Severity::Ok)
        .map(|x| (x.id, x.severity))
        .collect();
    v.sort_by_key(|p| p.0);
    v
}

#[test]
fn the_idle_fleet_is_healthy_and_its_fan_out_matches_the_model() {
    let snap = fixtures::fleet();
    let f = run(&snap, Some(125e6));
    assert_eq!(problems(&f), vec![]);
    let fan = get(&f, "redis.events.fanout");
    assert_eq!(fan.evidence["worker_nodes"], 3.0);
    // 3 gossiping workers + 1 monitor receive the stream; the mailboxes are silent.
    assert_eq!(fan.evidence["event_receivers"], 4.0);
    let cost = fan.evidence["bytes_per_node_per_receiver"];
    assert!((330.0..430.0).contains(&cost), "{cost}");
    // 1 Gbit at ~370 B/s per node per receiver with one monitor: near 580 nodes.
    let n = fan.evidence["saturating_worker_nodes"];
    assert!((520.0..620.0).contains(&n), "{n}");
    assert!(fan.summary.contains("1000 Mbit/s link"), "{}", fan.summary);
    let info = get(&f, "redis.info");
    assert!(info.summary.contains("SCAN COUNT"), "{}", info.summary);
}

#[test]
fn without_a_link_speed_the_forecast_says_how_to_get_one() {
    let f = run(&fixtures::fleet(), None);
    let fan = get(&f, "redis.events.fanout");
    assert_eq!(fan.severity, Severity::Ok);
    assert!(
        fan.summary.contains("CELTOOL_REDIS_LINK_MBIT"),
        "{}",
        fan.summary
    );
}

#[test]
fn a_saturating_event_stream_is_critical() {
    let snap = fixtures::fleet();
    // The same output against a 40 kbit/s link: 4.6 kB/s is over 90% of 5 kB/s.
    let f = run(&snap, Some(5000.0));
    assert_eq!(get(&f, "redis.events.fanout").severity, Severity::Crit);
}

#[test]
fn the_troubled_server_shows_eviction_memory_buffers_and_refusals() {
    let f = run(&fixtures::trouble(), None);
    assert_eq!(
        problems(&f),
        vec![
            ("redis.evicted-keys", Severity::Warn),
            ("redis.maxmemory-policy", Severity::Crit),
            ("redis.memory.headroom", Severity::Crit),
            ("redis.pubsub.output-buffer", Severity::Warn),
            ("redis.rejected-connections", Severity::Warn),
        ]
    );
    let buf = get(&f, "redis.pubsub.output-buffer");
    assert_eq!(buf.evidence["omem_bytes"], 3007568.0);
    assert_eq!(buf.evidence["limit_bytes"], 4194304.0);
    assert!(
        get(&f, "redis.maxmemory-policy")
            .remedy
            .contains("redis.conf"),
        "the remedy says to persist it"
    );
    assert_eq!(
        get(&f, "redis.evicted-keys").evidence["evicted_keys"],
        219.0
    );
}

#[test]
fn no_queues_means_the_policy_is_not_a_risk() {
    let mut snap = fixtures::trouble();
    snap.queues.clear();
    let f = run(&snap, None);
    assert_eq!(get(&f, "redis.maxmemory-policy").severity, Severity::Ok);
}

#[test]
fn a_renamed_config_is_a_gap_and_info_still_gives_the_policy() {
    let mut snap = fixtures::trouble();
    snap.config.clear();
    snap.gaps.push(crate::redis::snapshot::Gap {
        what: "config",
        error: "ERR unknown command 'CONFIG'".into(),
    });
    let f = run(&snap, None);
    assert_eq!(get(&f, "redis.read").severity, Severity::Unknown);
    assert_eq!(get(&f, "redis.maxmemory-policy").severity, Severity::Crit);
    assert!(f.iter().all(|x| x.id != "redis.pubsub.output-buffer"));
}

#[test]
fn unacked_past_the_visibility_timeout_is_critical_and_half_way_a_warning() {
    let mut snap = fixtures::fleet();
    snap.visibility_timeout = 120.0;
    snap.unacked = Some(Unacked {
        count: 2,
        oldest_delivered: Some(1000.0),
        past_visibility: 1,
        now: 1130.0,
    });
    let f = run(&snap, None);
    let v = get(&f, "redis.unacked.visibility");
    assert_eq!(v.severity, Severity::Crit);
    assert!(v.remedy.contains("visibility_timeout"));
    assert!(v.summary.contains("delivered again"), "{}", v.summary);
    snap.unacked.as_mut().unwrap().now = 1070.0;
    snap.unacked.as_mut().unwrap().past_visibility = 0;
    assert_eq!(
        get(&run(&snap, None), "redis.unacked.visibility").severity,
        Severity::Warn
    );
}

#[test]
fn results_without_ttl_say_how_many_of_how_many() {
    let mut snap = fixtures::fleet();
    snap.results = Some(ResultSample {
        seen: 5000,
        sampled: 1000,
        without_ttl: 250,
        keys_without_ttl: vec![],
    });
    let f = run(&snap, None);
    let r = get(&f, "redis.results.no-ttl");
    assert_eq!(r.severity, Severity::Warn);
    assert!(
        r.summary.starts_with("250 of 1000 sampled"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("5000 result key(s) seen"),
        "{}",
        r.summary
    );
}

#[test]
fn only_idle_reply_lists_without_ttl_are_leaked() {
    let mut snap = fixtures::fleet();
    let list = |key: &str, idle, ttl| ReplyList {
        key: key.into(),
        len: 2,
        idle_seconds: Some(idle),
        ttl,
    };
    snap.reply_lists = vec![
        list("a.reply.celery.pidbox", 5, -1),
        list("b.reply.celery.pidbox", 3600, 100),
    ];
    assert!(
        run(&snap, None)
            .iter()
            .all(|x| x.id != "redis.reply.leaked")
    );
    snap.reply_lists
        .push(list("c.reply.celery.pidbox", 3600, -1));
    let f = run(&snap, None);
    let r = get(&f, "redis.reply.leaked");
    assert_eq!((r.severity, r.evidence["lists"]), (Severity::Warn, 1.0));
}

#[test]
fn a_failed_snapshot_that_stops_writes_is_critical() {
    let mut snap = fixtures::fleet();
    assert!(run(&snap, None).iter().all(|x| x.id != "redis.persistence"));
    snap.info
        .0
        .insert("rdb_last_bgsave_status".into(), "err".into());
    let f = run(&snap, None);
    let p = get(&f, "redis.persistence");
    assert_eq!(p.severity, Severity::Crit);
    assert!(p.summary.contains("MISCONF"), "{}", p.summary);
}

/// The trouble fixture with its Celery traces removed: an empty database.
fn empty(mut snap: RedisSnapshot) -> RedisSnapshot {
    snap.queues.clear();
    snap.results = None;
    snap.unacked = None;
    snap.reply_lists.clear();
    snap.clients
        .retain(|c| c.cmd != "brpop" && !c.flags.contains('b'));
    snap.events = None;
    snap.scan.complete = true;
    snap
}

#[test]
fn a_cluster_node_gets_one_crit_and_nothing_built_on_celery_reads() {
    let mut snap = fixtures::trouble();
    snap.cluster_enabled = true;
    let f = run(&snap, Some(5000.0));
    // trouble() has evictions, a full output buffer, a policy that evicts queues: none of it
    // is judged on a cluster, only what holds for any Redis server.
    assert_eq!(
        problems(&f),
        vec![
            ("redis.cluster", Severity::Crit),
            ("redis.rejected-connections", Severity::Warn),
        ]
    );
    assert!(f.iter().all(|x| x.severity != Severity::Ok), "{f:#?}");
    let c = get(&f, "redis.cluster");
    for reference in [
        "celery/celery#2852",
        "celery/kombu#526",
        "celery/celery#9436",
        "CROSSSLOT",
    ] {
        assert!(c.summary.contains(reference), "{reference}: {}", c.summary);
    }
    // And no Celery check judges the empty fleet.
    let celery = crate::checks::redis_checks(&snap, &Thresholds::default(), &Options::default());
    let ids: Vec<_> = celery.iter().map(|x| x.id).collect();
    assert_eq!(
        ids,
        vec!["redis.cluster", "redis.rejected-connections"],
        "{celery:#?}"
    );
}

#[test]
fn an_empty_database_warns_and_names_the_databases_that_hold_celery_keys() {
    let mut snap = empty(fixtures::trouble());
    snap.elsewhere = Some(crate::redis::snapshot::Elsewhere {
        dbs: vec![crate::redis::snapshot::CeleryDb {
            db: 3,
            keys: 2,
            example: "_kombu.binding.celery".into(),
        }],
        keys_examined: 2,
        complete: true,
    });
    let f = run(&snap, None);
    let e = get(&f, "redis.db.empty");
    assert_eq!(e.severity, Severity::Warn);
    assert_eq!(
        e.summary,
        "db0 holds no Celery keys (no queues, no results, no workers); Celery keys are in db3 (2 key(s), e.g. _kombu.binding.celery)"
    );
    assert!(e.remedy.contains("redis://HOST:PORT/3"), "{}", e.remedy);
    snap.elsewhere.as_mut().unwrap().dbs.clear();
    let e = run(&snap, None);
    let e = get(&e, "redis.db.empty");
    assert!(
        e.summary
            .ends_with("no other database of this server holds any either"),
        "{}",
        e.summary
    );
}

#[test]
fn a_database_with_any_celery_trace_is_not_empty_and_a_failed_scan_says_nothing() {
    assert!(
        run(&fixtures::fleet(), None)
            .iter()
            .all(|x| x.id != "redis.db.empty")
    );
    let mut snap = empty(fixtures::trouble());
    snap.results = Some(ResultSample {
        seen: 1,
        ..ResultSample::default()
    });
    assert_eq!(snap.holds_celery(), Some(true));
    let mut snap = empty(fixtures::trouble());
    snap.gaps.push(crate::redis::snapshot::Gap {
        what: "scan",
        error: "timed out".into(),
    });
    assert_eq!(snap.holds_celery(), None);
    snap.gaps[0].what = "queues";
    assert_eq!(snap.holds_celery(), None);
    assert!(run(&snap, None).iter().all(|x| x.id != "redis.db.empty"));
}

#[test]
fn keyspace_lists_the_databases_with_keys_in_order() {
    let info = crate::redis::snapshot::Info::parse(
        "# Keyspace\r\ndb10:keys=4,expires=0,avg_ttl=0\r\ndb0:keys=1,expires=1,avg_ttl=5\r\ndb3:keys=0,expires=0\r\n",
    );
    assert_eq!(
        crate::redis::snapshot::keyspace_dbs(&info),
        vec![(0, 1), (10, 4)]
    );
    assert!(crate::redis::snapshot::is_celery_key("unacked_index"));
    assert!(crate::redis::snapshot::is_celery_key("celery-task-meta-1"));
    assert!(!crate::redis::snapshot::is_celery_key("celery"));
}
