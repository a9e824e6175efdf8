//! Redis Sentinel checks, on what the Sentinels said and what the group's servers hold
//! (`crate::redis::sentinel`): the master they agree on, Sentinels that disagree or cannot be
//! reached, the quorum, a failover in progress or just done, replicas that lag or are down, and
//! Celery clients on a server that is no longer the master. Pure: snapshot in, findings out.

use super::level;
use crate::redis::sentinel::SentinelSnapshot;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::{fmt_bytes, fmt_duration_secs};

/// Master flags that mean a Sentinel sees the master down or is replacing it.
const FAILOVER_FLAGS: [&str; 3] = ["failover_in_progress", "o_down", "s_down"];

pub fn check(s: &SentinelSnapshot, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    master(s, &mut out);
    unreachable(s, &mut out);
    disagree(s, &mut out);
    quorum(s, &mut out);
    failover(s, t, &mut out);
    replicas(s, t, &mut out);
    stale_workers(s, &mut out);
    // Each finding is about the host of its server or Sentinel (a name, for the master's).
    for f in &mut out {
        let host = f.subject.rsplit_once(':').map(|(h, _)| h);
        f.host = host.map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string());
    }
    out
}

fn master(s: &SentinelSnapshot, out: &mut Vec<Finding>) {
    let Some(m) = &s.master else { return };
    let epoch = max_epoch(s);
    out.push(
        Finding::new("redis.sentinel.master", Severity::Ok, m.as_str())
            .summary(format!(
                "the master of '{}' is {m}: {} of {} Sentinel(s) name it (config epoch {epoch})",
                s.master_name,
                s.votes,
                s.sentinels.len()
            ))
            .evidence("sentinels_naming_it", s.votes as f64)
            .evidence("sentinels", s.sentinels.len() as f64)
            .evidence("config_epoch", epoch as f64),
    );
}

fn max_epoch(s: &SentinelSnapshot) -> u64 {
    s.sentinels
        .iter()
        .filter_map(|v| v.config_epoch)
        .max()
        .unwrap_or(0)
}

fn unreachable(s: &SentinelSnapshot, out: &mut Vec<Finding>) {
    for v in &s.sentinels {
        let Some(e) = &v.error else { continue };
        out.push(
            Finding::new("redis.sentinel.unreachable", Severity::Warn, v.addr.as_str())
                .summary(format!("Sentinel {} could not be asked about '{}': {e}", v.addr, s.master_name))
                .remedy("start the Sentinel again (redis-server sentinel.conf --sentinel) or take it out of broker_url; see `celtool explain redis.sentinel.unreachable`"),
        );
    }
}

fn disagree(s: &SentinelSnapshot, out: &mut Vec<Finding>) {
    let Some(m) = &s.master else { return };
    for v in s.sentinels.iter().filter(|v| v.error.is_none()) {
        let said = match &v.master {
            Some(other) if other == m => continue,
            Some(other) => format!("names {other} as the master"),
            None => "knows no master of that name".to_string(),
        };
        out.push(
            Finding::new("redis.sentinel.disagree", Severity::Crit, v.addr.as_str())
                .summary(format!(
                    "Sentinel {} {said} of '{}', while {} of {} Sentinel(s) name {m}: clients asking it connect elsewhere",
                    v.addr, s.master_name, s.votes, s.sentinels.len()
                ))
                .evidence("config_epoch", v.config_epoch.unwrap_or(0) as f64)
                .remedy(format!("check that every Sentinel monitors the same master under the same name (SENTINEL MASTERS); reset the odd one: redis-cli -p PORT SENTINEL RESET {}", s.master_name)),
        );
    }
}

fn quorum(s: &SentinelSnapshot, out: &mut Vec<Finding>) {
    let answering = s.sentinels.iter().filter(|v| v.error.is_none()).count();
    let Some(q) = s.sentinels.iter().filter_map(|v| v.quorum).max() else {
        return;
    };
    let mut bad = false;
    for v in &s.sentinels {
        if let Some(Err(why)) = &v.ckquorum {
            bad = true;
            out.push(
                Finding::new("redis.sentinel.quorum", Severity::Crit, v.addr.as_str())
                    .summary(format!("Sentinel {} says the quorum for '{}' cannot be reached: {why}", v.addr, s.master_name))
                    .evidence("quorum", q as f64)
                    .remedy("bring the stopped Sentinels back (a majority of all Sentinels must run to authorise a failover); see `celtool explain redis.sentinel.quorum`"),
            );
        }
    }
    if answering < q as usize {
        bad = true;
        out.push(
            Finding::new("redis.sentinel.quorum", Severity::Crit, s.master_name.as_str())
                .summary(format!("only {answering} of the {} Sentinel(s) in the URL answer, fewer than the quorum of {q}: no failover can start", s.sentinels.len()))
                .evidence("answering", answering as f64)
                .evidence("quorum", q as f64)
                .remedy("bring the Sentinels back; see `celtool explain redis.sentinel.quorum`"),
        );
    }
    if !bad {
        out.push(
            Finding::new(
                "redis.sentinel.quorum",
                Severity::Ok,
                s.master_name.as_str(),
            )
            .summary(format!("{answering} Sentinel(s) answer, quorum {q}"))
            .evidence("answering", answering as f64)
            .evidence("quorum", q as f64),
        );
    }
}

fn failover(s: &SentinelSnapshot, t: &Thresholds, out: &mut Vec<Finding>) {
    let Some(m) = &s.master else { return };
    let busy: Vec<String> = s
        .sentinels
        .iter()
        .filter_map(|v| {
            let flags: Vec<&str> = v
                .flags
                .iter()
                .map(String::as_str)
                .filter(|f| FAILOVER_FLAGS.contains(f))
                .collect();
            (!flags.is_empty()).then(|| format!("{}: {}", v.addr, flags.join(",")))
        })
        .collect();
    if !busy.is_empty() {
        out.push(
            Finding::new("redis.sentinel.failover", Severity::Crit, m.as_str())
                .summary(format!("the master {m} of '{}' is down or being replaced ({})", s.master_name, busy.join("; ")))
                .remedy("wait for the failover to end, then run doctor again; workers reconnect through Sentinel; see `celtool explain redis.sentinel.failover`"),
        );
        return;
    }
    let epoch = max_epoch(s);
    // The longest any Sentinel has seen this master in its role: one restarted Sentinel does
    // not make an old failover look recent.
    let since = s
        .sentinels
        .iter()
        .filter(|v| v.master.as_ref() == Some(m))
        .filter_map(|v| v.master_role_seconds)
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
    let (Some(since), true) = (since, epoch > 0) else {
        return;
    };
    let limits = t.get("redis.sentinel.failover");
    let severity = level(&limits, since);
    if severity == Severity::Ok {
        return;
    }
    out.push(
        Finding::new("redis.sentinel.failover", severity, m.as_str())
            .summary(format!(
                "{m} became the master of '{}' {} ago (config epoch {epoch}: a failover happened): workers with a plain redis:// URL to the old master are cut off, and tasks in flight may be lost or run twice",
                s.master_name,
                fmt_duration_secs(since)
            ))
            .evidence("seconds_since", since)
            .evidence("config_epoch", epoch as f64)
            .remedy("check that every worker reconnected to the new master (celtool connections, and redis.sentinel.stale-worker); see `celtool explain redis.sentinel.failover`"),
    );
}

fn replicas(s: &SentinelSnapshot, t: &Thresholds, out: &mut Vec<Finding>) {
    let limits = t.get("redis.replica.lag");
    let listed = s.replication.as_deref().unwrap_or_default();
    for r in listed {
        let lag = r.lag_seconds.unwrap_or(0.0);
        let severity = match level(&limits, lag) {
            Severity::Ok if r.state != "online" => Severity::Warn,
            by_lag => by_lag,
        };
        let behind = r.behind_bytes.map_or(String::new(), |b| {
            format!(", {} of the stream behind", fmt_bytes(b))
        });
        out.push(
            Finding::new("redis.replica.lag", severity, r.addr.as_str())
                .summary(format!("replica {} is {} with its last acknowledgement {} ago{behind}", r.addr, r.state, fmt_duration_secs(lag)))
                .evidence("lag_seconds", lag)
                .evidence("behind_bytes", r.behind_bytes.unwrap_or(0.0))
                .remedy("a replica that lags loses the writes it has not received if it is promoted; check its network and load; see `celtool explain redis.replica.lag`"),
        );
    }
    // Replicas a Sentinel knows that the master does not list: down or disconnected.
    let mut seen: Vec<&str> = listed.iter().map(|r| r.addr.as_str()).collect();
    for v in &s.sentinels {
        for r in &v.replicas {
            if seen.contains(&r.addr.as_str()) || s.replication.is_none() {
                continue;
            }
            seen.push(&r.addr);
            out.push(
                Finding::new("redis.replica.lag", Severity::Warn, r.addr.as_str())
                    .summary(format!("replica {} known to the Sentinels is not connected to the master (flags {})", r.addr, r.flags.join(",")))
                    .remedy("start it again or remove it (SENTINEL RESET); see `celtool explain redis.replica.lag`"),
            );
        }
    }
}

fn stale_workers(s: &SentinelSnapshot, out: &mut Vec<Finding>) {
    let Some(m) = &s.master else { return };
    for srv in s.servers.iter().filter(|v| !v.celery_clients.is_empty()) {
        let role = match (&srv.role, &srv.replicates) {
            (_, Some(of)) if of == m => format!("now a replica of the master {m}"),
            (_, Some(of)) => format!("a replica of {of}; the master is {m}"),
            (Some(r), None) => format!("role {r}; the master is {m}"),
            (None, None) => format!("the master is {m}"),
        };
        let brpop: Vec<&str> = srv
            .celery_clients
            .iter()
            .filter(|c| c.cmd == "brpop" || c.flags.contains('b'))
            .map(|c| c.addr.as_str())
            .collect();
        let subs = srv.celery_clients.len() - brpop.len();
        out.push(
            Finding::new("redis.sentinel.stale-worker", Severity::Crit, srv.addr.as_str())
                .summary(format!(
                    "{} is not the master of '{}' ({role}), yet Celery clients are connected to it: {} waiting for tasks (BRPOP) from {}, {subs} subscribed to events or remote control; they consume nothing the master holds",
                    srv.addr,
                    s.master_name,
                    brpop.len(),
                    if brpop.is_empty() { "-".to_string() } else { brpop.join(", ") },
                ))
                .evidence("brpop_clients", brpop.len() as f64)
                .evidence("subscribed_clients", subs as f64)
                .remedy(format!("give those workers broker_url sentinel://... with broker_transport_options {{'master_name': '{}'}} (or the master's address) and restart them; see `celtool explain redis.sentinel.stale-worker`", s.master_name)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis::sentinel::{ReplicaLag, ReplicaView, SentinelView, ServerView};
    use crate::redis::snapshot::ClientEntry;

    fn view(addr: &str, master: &str, epoch: u64, since: f64) -> SentinelView {
        SentinelView {
            addr: addr.into(),
            master: Some(master.into()),
            flags: vec!["master".into()],
            config_epoch: Some(epoch),
            quorum: Some(2),
            master_role_seconds: Some(since),
            ckquorum: Some(Ok("OK 3 usable Sentinels".into())),
            ..SentinelView::default()
        }
    }

    fn snap(views: Vec<SentinelView>) -> SentinelSnapshot {
        let (master, votes) = crate::redis::sentinel::agree(&views).unwrap();
        SentinelSnapshot {
            master_name: "mymaster".into(),
            sentinels: views,
            master: Some(master),
            votes,
            replication: Some(Vec::new()),
            servers: Vec::new(),
        }
    }

    fn ids(f: &[Finding]) -> Vec<(&str, &str, &str)> {
        let mut v: Vec<_> = f
            .iter()
            .filter(|f| f.severity != Severity::Ok)
            .map(|f| (f.id, f.severity.label(), f.subject.as_str()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_healthy_group_names_its_master_and_nothing_else() {
        let s = snap(vec![
            view("s1:1", "m:1", 0, 5.0),
            view("s2:1", "m:1", 0, 5.0),
            view("s3:1", "m:1", 0, 5.0),
        ]);
        let f = check(&s, &Thresholds::default());
        assert_eq!(ids(&f), []);
        let m = f.iter().find(|f| f.id == "redis.sentinel.master").unwrap();
        assert_eq!(
            m.summary,
            "the master of 'mymaster' is m:1: 3 of 3 Sentinel(s) name it (config epoch 0)"
        );
    }

    #[test]
    fn unreachable_disagreeing_and_quorum_are_named() {
        let mut down = view("s3:1", "m:1", 0, 5.0);
        down.error = Some("s3: cannot connect".into());
        let mut odd = view("s2:1", "old:1", 0, 5.0);
        odd.ckquorum = Some(Err("NOQUORUM 1 usable Sentinels".into()));
        let s = snap(vec![view("s1:1", "m:1", 1, 5000.0), odd, down]);
        let f = check(&s, &Thresholds::default());
        assert_eq!(
            ids(&f),
            [
                ("redis.sentinel.disagree", "CRIT", "s2:1"),
                ("redis.sentinel.quorum", "CRIT", "s2:1"),
                ("redis.sentinel.unreachable", "WARN", "s3:1"),
            ]
        );
        // One of three answering is fewer than the quorum of 2.
        let mut a = view("s2:1", "m:1", 0, 5.0);
        a.error = Some("refused".into());
        let mut b = view("s3:1", "m:1", 0, 5.0);
        b.error = Some("refused".into());
        let s = snap(vec![view("s1:1", "m:1", 0, 5.0), a, b]);
        let f = check(&s, &Thresholds::default());
        assert!(
            ids(&f).contains(&("redis.sentinel.quorum", "CRIT", "mymaster")),
            "{f:#?}"
        );
    }

    #[test]
    fn a_failover_is_crit_while_it_runs_and_warn_just_after() {
        let mut busy = view("s1:1", "m:1", 1, 1.0);
        busy.flags = vec!["master".into(), "s_down".into(), "o_down".into()];
        let s = snap(vec![busy, view("s2:1", "m:1", 1, 1.0)]);
        assert_eq!(
            ids(&check(&s, &Thresholds::default())),
            [("redis.sentinel.failover", "CRIT", "m:1")]
        );
        // Done 30 s ago (epoch 1): a warning; an hour ago, or never (epoch 0): nothing.
        let s = snap(vec![
            view("s1:1", "m:1", 1, 30.0),
            view("s2:1", "m:1", 1, 20.0),
        ]);
        assert_eq!(
            ids(&check(&s, &Thresholds::default())),
            [("redis.sentinel.failover", "WARN", "m:1")]
        );
        let s = snap(vec![
            view("s1:1", "m:1", 1, 3600.0),
            view("s2:1", "m:1", 1, 20.0),
        ]);
        assert_eq!(ids(&check(&s, &Thresholds::default())), []);
        let s = snap(vec![
            view("s1:1", "m:1", 0, 20.0),
            view("s2:1", "m:1", 0, 20.0),
        ]);
        assert_eq!(ids(&check(&s, &Thresholds::default())), []);
    }

    #[test]
    fn lagging_and_missing_replicas_are_warned() {
        let mut v = view("s1:1", "m:1", 0, 5000.0);
        v.quorum = Some(1);
        v.replicas = vec![
            ReplicaView {
                addr: "r1:1".into(),
                flags: vec!["slave".into()],
                link_ok: Some(true),
            },
            ReplicaView {
                addr: "r2:1".into(),
                flags: vec!["slave".into(), "s_down".into()],
                link_ok: Some(false),
            },
        ];
        let mut s = snap(vec![v]);
        s.replication = Some(vec![ReplicaLag {
            addr: "r1:1".into(),
            state: "online".into(),
            lag_seconds: Some(75.0),
            behind_bytes: Some(2048.0),
        }]);
        let f = check(&s, &Thresholds::default());
        assert_eq!(
            ids(&f),
            [
                ("redis.replica.lag", "CRIT", "r1:1"),
                ("redis.replica.lag", "WARN", "r2:1"),
            ]
        );
    }

    #[test]
    fn celery_clients_on_a_former_master_are_named() {
        let mut lone = view("s1:1", "m:1", 1, 5000.0);
        lone.quorum = Some(1);
        let mut s = snap(vec![lone]);
        let client = |addr: &str, flags: &str, cmd: &str, psub| ClientEntry {
            addr: addr.into(),
            flags: flags.into(),
            cmd: cmd.into(),
            psub,
            ..ClientEntry::default()
        };
        s.servers = vec![
            ServerView {
                addr: "old:1".into(),
                role: Some("slave".into()),
                replicates: Some("m:1".into()),
                celery_clients: vec![
                    client("10.0.0.9:4000", "b", "brpop", 0),
                    client("10.0.0.9:4001", "P", "psubscribe", 1),
                ],
                ..ServerView::default()
            },
            ServerView {
                addr: "r1:1".into(),
                role: Some("slave".into()),
                ..ServerView::default()
            },
        ];
        let f = check(&s, &Thresholds::default());
        assert_eq!(ids(&f), [("redis.sentinel.stale-worker", "CRIT", "old:1")]);
        let w = f
            .iter()
            .find(|f| f.id == "redis.sentinel.stale-worker")
            .unwrap();
        assert_eq!(
            w.summary,
            "old:1 is not the master of 'mymaster' (now a replica of the master m:1), yet Celery clients are connected to it: 1 waiting for tasks (BRPOP) from 10.0.0.9:4000, 1 subscribed to events or remote control; they consume nothing the master holds"
        );
    }
}
