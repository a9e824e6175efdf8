//! Redis Sentinel: every Sentinel of a `sentinel://` URL is asked (at once, each command bounded
//! by the timeout) which server is the master of the group, how it sees the master, its replicas
//! and the quorum; the master most of them name is the one celtool reads. Then the servers of the
//! group that are not the master (replicas, a former master) are asked who is connected to them:
//! a Celery worker there (a plain redis:// URL that pointed at the old master) consumes nothing
//! the new master holds. The checks on all this are in `crate::checks::sentinel`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures_util::future::join_all;
use serde::Serialize;

use super::snapshot::{ClientEntry, Info, parse_client_list};
use super::{RedisClient, RedisError, Target};
use crate::settings::{Secret, Sentinel};

/// What one Sentinel said about the master it monitors under the name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SentinelView {
    /// The Sentinel, `host:port`.
    pub addr: String,
    /// Why it could not be asked (unreachable, refused, timed out); None when it answered.
    pub error: Option<String>,
    /// `SENTINEL get-master-addr-by-name`: the master's `host:port`; None when it knows no
    /// master of that name.
    pub master: Option<String>,
    /// `SENTINEL master`: the master's flags (`master`, `s_down`, `o_down`,
    /// `failover_in_progress`, ...).
    pub flags: Vec<String>,
    /// The configuration epoch: it grows by one with every failover.
    pub config_epoch: Option<u64>,
    /// How many Sentinels must agree that the master is down before a failover.
    pub quorum: Option<u64>,
    /// The other Sentinels this one knows.
    pub other_sentinels: Option<u64>,
    /// Seconds since this Sentinel saw the master take its role (`role-reported-time`): since
    /// the failover that promoted it, or since this Sentinel started.
    pub master_role_seconds: Option<f64>,
    /// `SENTINEL ckquorum`: the reply, or the refusal (`NOQUORUM ...`).
    pub ckquorum: Option<Result<String, String>>,
    /// `SENTINEL replicas`: the replicas it knows.
    pub replicas: Vec<ReplicaView>,
}

/// A replica as one Sentinel sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReplicaView {
    pub addr: String,
    pub flags: Vec<String>,
    /// `master-link-status` is ok.
    pub link_ok: Option<bool>,
}

/// A replica as the master's INFO replication lists it (`slaveN:ip=,port=,state=,offset=,lag=`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReplicaLag {
    pub addr: String,
    pub state: String,
    /// Seconds since the replica last acknowledged the stream.
    pub lag_seconds: Option<f64>,
    /// Bytes of the replication stream it has not acknowledged.
    pub behind_bytes: Option<f64>,
}

/// A server of the group other than the master: a replica, or a server some Sentinel still
/// calls the master.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerView {
    pub addr: String,
    /// Why it could not be read.
    pub error: Option<String>,
    /// INFO replication `role` (`slave` for a replica).
    pub role: Option<String>,
    /// Where it replicates from (`master_host:master_port`), for a replica.
    pub replicates: Option<String>,
    /// Clients that consume as a Celery worker does: BRPOP (flag `b`) or a pattern
    /// subscription (`psub`), without the Sentinels' and the replication links.
    pub celery_clients: Vec<ClientEntry>,
}

/// What the Sentinels said, and what the group's other servers hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SentinelSnapshot {
    /// The name the master is monitored under.
    pub master_name: String,
    pub sentinels: Vec<SentinelView>,
    /// The master most Sentinels name (ties: the highest configuration epoch), `host:port`.
    pub master: Option<String>,
    /// How many Sentinels name it.
    pub votes: usize,
    /// The replicas the master's INFO replication lists; None when it could not be read.
    pub replication: Option<Vec<ReplicaLag>>,
    pub servers: Vec<ServerView>,
}

/// How to reach the servers: password, timeout and CA file as for a redis:// URL.
#[derive(Clone, Copy)]
pub struct Access<'a> {
    pub password: Option<&'a Secret>,
    pub timeout: Duration,
    pub ca_file: Option<&'a Path>,
}

/// Ask every Sentinel and return the master they agree on, as a target (the URL's user,
/// database and TLS), with what they said. Errors: no Sentinel answered, or none knows the name.
pub async fn find_master(
    s: &Sentinel,
    access: Access<'_>,
) -> Result<(Target, SentinelSnapshot), RedisError> {
    let views = join_all(s.sentinels.iter().map(|t| ask(t, &s.master, access))).await;
    let mut snap = SentinelSnapshot {
        master_name: s.master.clone(),
        sentinels: views,
        ..SentinelSnapshot::default()
    };
    let asked = || {
        s.sentinels
            .iter()
            .map(Target::addr)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((addr, votes)) = agree(&snap.sentinels) else {
        if snap.sentinels.iter().all(|v| v.error.is_some()) {
            let causes: Vec<String> = snap
                .sentinels
                .iter()
                .filter_map(|v| Some(format!("{}: {}", v.addr, v.error.as_ref()?)))
                .collect();
            return Err(RedisError::Unreachable {
                server: format!("Sentinels {}", asked()),
                cause: causes.join("; "),
            });
        }
        return Err(RedisError::NoMaster {
            name: crate::text::sanitize(&s.master),
            sentinels: asked(),
        });
    };
    snap.master = Some(addr.clone());
    snap.votes = votes;
    let master = server_target(&s.sentinels[0], &addr, true);
    Ok((master, snap))
}

/// A master that cannot be read, said with what the Sentinels think of it: during a failover
/// they still name the old master for a few seconds, flagged down.
pub fn unreachable_master(e: RedisError, seen: &SentinelSnapshot) -> RedisError {
    let error = match e {
        RedisError::Unreachable { server, cause } => said_down(server, cause, seen),
        e => e,
    };
    RedisError::Master {
        error: Box::new(error),
        sentinel: Box::new(seen.clone()),
    }
}

fn said_down(server: String, cause: String, seen: &SentinelSnapshot) -> RedisError {
    let mut down: Vec<&str> = seen
        .sentinels
        .iter()
        .flat_map(|v| v.flags.iter().map(String::as_str))
        .filter(|f| ["s_down", "o_down", "failover_in_progress"].contains(f))
        .collect();
    down.sort_unstable();
    down.dedup();
    let state = if down.is_empty() {
        String::new()
    } else {
        format!(
            "; the Sentinels flag it {}: a failover may be under way, run doctor again in a moment",
            down.join(",")
        )
    };
    RedisError::Unreachable {
        server: format!(
            "{server} (the master of '{}' for {} of {} Sentinel(s))",
            seen.master_name,
            seen.votes,
            seen.sentinels.len()
        ),
        cause: format!("{cause}{state}"),
    }
}

/// Through Sentinel, the settings of the master a read found: a plain redis:// broker (no
/// Sentinels), for whatever talks to the master after the read (fixes, the workers' remote
/// control). None for a redis:// URL or when no master was found.
pub fn master_settings(
    s: &crate::settings::RedisSettings,
    snap: &super::RedisSnapshot,
) -> Option<crate::settings::RedisSettings> {
    let target = master_target(s.sentinel.as_ref()?, snap.sentinel.as_ref()?)?;
    Some(crate::settings::RedisSettings {
        target,
        sentinel: None,
        ..s.clone()
    })
}

/// Through Sentinel, the master's plain settings asked of the Sentinels now, for a command
/// that reads no database (ping, fleet); a redis:// URL's settings as they are.
pub async fn master_only(
    s: &crate::settings::RedisSettings,
) -> Result<crate::settings::RedisSettings, RedisError> {
    let Some(group) = &s.sentinel else {
        return Ok(s.clone());
    };
    let access = Access {
        password: s.password.as_ref(),
        timeout: s.timeout,
        ca_file: s.ca_file.as_deref(),
    };
    let (target, _) = find_master(group, access).await?;
    Ok(crate::settings::RedisSettings {
        target,
        sentinel: None,
        ..s.clone()
    })
}

/// The master a read found, as a target with the URL's user, database and TLS.
pub fn master_target(s: &Sentinel, seen: &SentinelSnapshot) -> Option<Target> {
    Some(server_target(
        s.sentinels.first()?,
        seen.master.as_deref()?,
        true,
    ))
}

/// The master named by most Sentinels that answered; a tie goes to the highest configuration
/// epoch (the newer failover), then to the lowest address, so the choice does not depend on the
/// order of the URL.
pub fn agree(views: &[SentinelView]) -> Option<(String, usize)> {
    let mut votes: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for v in views.iter().filter(|v| v.error.is_none()) {
        if let Some(m) = &v.master {
            let e = votes.entry(m.as_str()).or_default();
            e.0 += 1;
            e.1 = e.1.max(v.config_epoch.unwrap_or(0));
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(addr, (n, _))| (addr.to_string(), n))
}

/// `host:port` as a target with the URL's TLS and database; the URL's user only for the data
/// servers (a Sentinel has its own users).
fn server_target(template: &Target, addr: &str, data: bool) -> Target {
    let (host, port) = split_addr(addr);
    Target {
        tls: template.tls,
        host,
        port,
        user: template.user.clone().filter(|_| data),
        db: if data { template.db } else { 0 },
    }
}

/// `host:port` (`[v6]:port` too) split; a missing port is Redis's default.
fn split_addr(addr: &str) -> (String, u16) {
    match addr
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
    {
        Some((h, port)) if !h.is_empty() => (
            h.trim_start_matches('[').trim_end_matches(']').to_string(),
            port,
        ),
        _ => (addr.to_string(), crate::settings::target::DEFAULT_PORT),
    }
}

/// One Sentinel: connected without a password first (Sentinels seldom have one), with the
/// password when it asks for it.
async fn ask(sentinel: &Target, name: &str, access: Access<'_>) -> SentinelView {
    let t = Target {
        user: None,
        db: 0,
        ..sentinel.clone()
    };
    let mut view = SentinelView {
        addr: t.addr(),
        ..SentinelView::default()
    };
    let connected = match RedisClient::connect(&t, None, access.timeout, access.ca_file).await {
        Err(e) if e.is_auth() && access.password.is_some() => {
            RedisClient::connect(&t, access.password, access.timeout, access.ca_file).await
        }
        other => other,
    };
    let client = match connected {
        Ok(c) => c,
        Err(RedisError::Unreachable { cause, .. }) => {
            view.error = Some(cause);
            return view;
        }
        Err(e) => {
            view.error = Some(e.to_string());
            return view;
        }
    };
    if let Err(e) = read_view(&client, name, &mut view).await {
        view.error = Some(e.to_string());
    }
    view
}

async fn read_view(
    client: &RedisClient,
    name: &str,
    view: &mut SentinelView,
) -> Result<(), RedisError> {
    let sentinel = |sub: &str| redis::cmd("SENTINEL").arg(sub).arg(name).clone();
    let addr: Option<Vec<String>> = client
        .query(
            "SENTINEL get-master-addr-by-name",
            &sentinel("get-master-addr-by-name"),
        )
        .await?;
    view.master = addr
        .filter(|a| a.len() == 2)
        .map(|a| join_addr(&a[0], &a[1]));
    if view.master.is_none() {
        return Ok(());
    }
    let fields: Vec<String> = client.query("SENTINEL master", &sentinel("master")).await?;
    let m = pairs(&fields);
    view.flags = list(m.get("flags"));
    let num = |k: &str| m.get(k).and_then(|v| v.parse::<u64>().ok());
    view.config_epoch = num("config-epoch");
    view.quorum = num("quorum");
    view.other_sentinels = num("num-other-sentinels");
    view.master_role_seconds = num("role-reported-time").map(|ms| ms as f64 / 1000.0);
    // `replicas` since Redis 5; `slaves` before.
    let replicas: Vec<Vec<String>> = match client
        .query("SENTINEL replicas", &sentinel("replicas"))
        .await
    {
        Err(RedisError::Command { .. }) => {
            client.query("SENTINEL slaves", &sentinel("slaves")).await?
        }
        other => other?,
    };
    view.replicas = replicas
        .iter()
        .map(|r| {
            let m = pairs(r);
            ReplicaView {
                addr: join_addr(
                    m.get("ip").map_or("", String::as_str),
                    m.get("port").map_or("", String::as_str),
                ),
                flags: list(m.get("flags")),
                link_ok: m.get("master-link-status").map(|s| s == "ok"),
            }
        })
        .collect();
    view.ckquorum = Some(
        match client
            .query::<String>("SENTINEL ckquorum", &sentinel("ckquorum"))
            .await
        {
            Ok(text) => Ok(text),
            Err(RedisError::Command { cause, .. }) => Err(cause),
            Err(e) => return Err(e),
        },
    );
    Ok(())
}

fn join_addr(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A flat `[k1, v1, k2, v2, ...]` reply as a map.
fn pairs(flat: &[String]) -> BTreeMap<String, String> {
    flat.chunks_exact(2)
        .map(|kv| (kv[0].clone(), kv[1].clone()))
        .collect()
}

fn list(v: Option<&String>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// After the master was read: its replicas' lag from its INFO replication, and who is
/// connected to every other server of the group (each Sentinel's replicas, and any server a
/// Sentinel still calls the master). A server that cannot be read is said, not an error.
pub async fn read_group(snap: &mut SentinelSnapshot, master: &Target, access: Access<'_>) {
    snap.replication =
        match RedisClient::connect(master, access.password, access.timeout, access.ca_file).await {
            Ok(c) => c
                .query::<String>("INFO replication", redis::cmd("INFO").arg("replication"))
                .await
                .ok()
                .map(|text| replication(&Info::parse(&text))),
            Err(_) => None,
        };
    let mut others: Vec<String> = Vec::new();
    for v in &snap.sentinels {
        let named = v.master.iter().chain(v.replicas.iter().map(|r| &r.addr));
        for addr in named {
            if Some(addr) != snap.master.as_ref() && !others.contains(addr) {
                others.push(addr.clone());
            }
        }
    }
    snap.servers = join_all(others.iter().map(|addr| server(master, addr, access))).await;
}

async fn server(master: &Target, addr: &str, access: Access<'_>) -> ServerView {
    let t = server_target(master, addr, true);
    let mut view = ServerView {
        addr: addr.to_string(),
        ..ServerView::default()
    };
    let client =
        match RedisClient::connect(&t, access.password, access.timeout, access.ca_file).await {
            Ok(c) => c,
            Err(e) => {
                view.error = Some(e.to_string());
                return view;
            }
        };
    match client
        .query::<String>("INFO replication", redis::cmd("INFO").arg("replication"))
        .await
    {
        Ok(text) => {
            let info = Info::parse(&text);
            view.role = info.get("role").map(str::to_string);
            view.replicates = match (info.get("master_host"), info.get("master_port")) {
                (Some(h), Some(p)) => Some(join_addr(h, p)),
                _ => None,
            };
        }
        Err(e) => view.error = Some(e.to_string()),
    }
    match client
        .query::<String>("CLIENT LIST", redis::cmd("CLIENT").arg("LIST"))
        .await
    {
        Ok(text) => {
            view.celery_clients = parse_client_list(&text)
                .into_iter()
                .filter(is_celery_consumer)
                .collect();
        }
        Err(e) => view.error = Some(e.to_string()),
    }
    view
}

/// A client that consumes as a Celery worker (BRPOP on the task queues) or an event or
/// remote-control subscriber (a pattern subscription) does; never a Sentinel's link
/// (`sentinel-*` names), a replication link (flags M, S) or celtool's own connection.
pub fn is_celery_consumer(c: &ClientEntry) -> bool {
    let link = c.name.starts_with("sentinel-") || c.flags.contains(['M', 'S']);
    !link && (c.cmd == "brpop" || c.flags.contains('b') || c.psub > 0)
}

/// The master's `slaveN:ip=...,port=...,state=online,offset=N,lag=S` lines.
pub fn replication(info: &Info) -> Vec<ReplicaLag> {
    let master_offset = info.num("master_repl_offset");
    (0..)
        .map_while(|i| info.get(&format!("slave{i}")))
        .map(|line| {
            let f: BTreeMap<&str, &str> = line
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .collect();
            let num = |k: &str| f.get(k).and_then(|v| v.parse::<f64>().ok());
            ReplicaLag {
                addr: join_addr(
                    f.get("ip").copied().unwrap_or(""),
                    f.get("port").copied().unwrap_or(""),
                ),
                state: f.get("state").copied().unwrap_or("").to_string(),
                lag_seconds: num("lag"),
                behind_bytes: match (master_offset, num("offset")) {
                    (Some(m), Some(o)) => Some((m - o).max(0.0)),
                    _ => None,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(addr: &str, master: Option<&str>, epoch: u64) -> SentinelView {
        SentinelView {
            addr: addr.into(),
            master: master.map(str::to_string),
            config_epoch: Some(epoch),
            ..SentinelView::default()
        }
    }

    #[test]
    fn the_master_most_sentinels_name_is_chosen() {
        let views = [
            view("s1:1", Some("a:1"), 0),
            view("s2:1", Some("b:1"), 1),
            view("s3:1", Some("b:1"), 1),
        ];
        assert_eq!(agree(&views), Some(("b:1".into(), 2)));
        // A tie goes to the newer epoch, whatever the order.
        let views = [view("s1:1", Some("b:1"), 1), view("s2:1", Some("a:1"), 2)];
        assert_eq!(agree(&views), Some(("a:1".into(), 1)));
        // Unreachable Sentinels and those that know no such master do not vote.
        let mut down = view("s1:1", Some("z:1"), 9);
        down.error = Some("refused".into());
        let views = [down, view("s2:1", None, 0), view("s3:1", Some("a:1"), 0)];
        assert_eq!(agree(&views), Some(("a:1".into(), 1)));
        assert_eq!(agree(&[view("s1:1", None, 0)]), None);
    }

    #[test]
    fn a_master_down_is_said_with_the_sentinels_flags_and_keeps_what_they_said() {
        let mut v = view("s1:1", Some("m:1"), 0);
        v.flags = vec!["master".into(), "s_down".into(), "o_down".into()];
        let seen = SentinelSnapshot {
            master_name: "mymaster".into(),
            sentinels: vec![v, view("s2:1", Some("m:1"), 0)],
            master: Some("m:1".into()),
            votes: 2,
            ..SentinelSnapshot::default()
        };
        let e = unreachable_master(
            RedisError::Unreachable {
                server: "redis://m:1/0".into(),
                cause: "Connection refused".into(),
            },
            &seen,
        );
        assert_eq!(
            e.to_string(),
            "redis://m:1/0 (the master of 'mymaster' for 2 of 2 Sentinel(s)): cannot connect: Connection refused; the Sentinels flag it o_down,s_down: a failover may be under way, run doctor again in a moment; check that Redis runs there and --url is right"
        );
        assert_eq!(e.sentinel(), Some(&seen));
        let auth = RedisError::Auth {
            server: "redis://m:1/0".into(),
            cause: "WRONGPASS".into(),
        };
        assert!(unreachable_master(auth, &seen).is_auth());
    }

    #[test]
    fn addresses_split_and_join_with_ipv6() {
        assert_eq!(split_addr("10.0.0.1:6380"), ("10.0.0.1".into(), 6380));
        assert_eq!(split_addr("[::1]:6380"), ("::1".into(), 6380));
        assert_eq!(join_addr("::1", "6380"), "[::1]:6380");
        let t = server_target(
            &Target::parse("redis://u@s:26379/4").unwrap(),
            "m:7000",
            true,
        );
        assert_eq!(
            (t.addr(), t.db, t.user.as_deref()),
            ("m:7000".into(), 4, Some("u"))
        );
    }

    #[test]
    fn replicas_lag_is_read_from_info_replication() {
        let info = Info::parse(
            "role:master\r\nconnected_slaves:2\r\nslave0:ip=10.0.0.2,port=6379,state=online,offset=900,lag=0\r\nslave1:ip=10.0.0.3,port=6379,state=wait_bgsave,offset=0,lag=31\r\nmaster_repl_offset:1000\r\n",
        );
        let r = replication(&info);
        assert_eq!(r.len(), 2);
        assert_eq!(
            (
                r[0].addr.as_str(),
                r[0].state.as_str(),
                r[0].lag_seconds,
                r[0].behind_bytes
            ),
            ("10.0.0.2:6379", "online", Some(0.0), Some(100.0))
        );
        assert_eq!(
            (r[1].lag_seconds, r[1].behind_bytes),
            (Some(31.0), Some(1000.0))
        );
    }

    #[test]
    fn celery_consumers_are_told_from_links_and_celtool() {
        let clients = parse_client_list(
            "id=1 addr=10.0.0.9:5000 name= flags=b db=0 sub=0 psub=0 cmd=brpop\n\
             id=2 addr=10.0.0.9:5001 name= flags=P db=0 sub=0 psub=1 cmd=psubscribe\n\
             id=3 addr=10.0.0.7:5002 name=sentinel-ab12-pubsub flags=P db=0 sub=1 psub=0 cmd=subscribe\n\
             id=4 addr=10.0.0.2:6379 name= flags=M db=0 sub=0 psub=0 cmd=publish\n\
             id=5 addr=10.0.0.1:5003 name= flags=N db=0 sub=0 psub=0 cmd=client|list\n",
        );
        let ids: Vec<i64> = clients
            .iter()
            .filter(|c| is_celery_consumer(c))
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, [1, 2]);
    }
}
