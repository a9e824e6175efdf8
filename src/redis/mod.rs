//! The Redis side, its files named as the RabbitMQ side's for the same jobs: the connection
//! ([`client`]), what one run reads ([`read::gather`] into a [`snapshot::RedisSnapshot`]) and how
//! that maps onto the broker-neutral Celery model ([`to_celery`]). Where it is
//! (`crate::settings::target`) is a setting.
//!
//! Through Sentinel ([`sentinel`]), the Sentinels are asked for the master first, and the
//! master is read as any server is ([`read_broker`]). A Redis Cluster node is recognised (INFO
//! cluster) and reported as unusable by Celery, not read further.

pub mod client;
pub mod read;
pub mod sentinel;
pub mod snapshot;
pub mod to_celery;

pub use crate::settings::target::{Target, is_redis_url};
pub use client::{RedisClient, RedisError};
pub use read::{Options, gather};
pub use snapshot::RedisSnapshot;

/// Read the broker the settings name, the rate sample included (see [`read_broker_open`]).
pub async fn read_broker(
    s: &crate::settings::RedisSettings,
    opts: &Options,
) -> Result<RedisSnapshot, RedisError> {
    let (mut snap, sample) = read_broker_open(s, opts).await?;
    finish_sample(s, &mut snap, sample).await;
    Ok(snap)
}

/// Read the broker the settings name: the server of a redis:// URL, or for a sentinel:// URL
/// the master the Sentinels agree on, then the group's other servers. The whole read ends at
/// the run's deadline; `opts` may differ from the settings' (a listing samples less). The rate
/// sample is left running: [`finish_sample`] takes its second readings, after whatever the
/// caller does meanwhile (the worker probe).
pub async fn read_broker_open(
    s: &crate::settings::RedisSettings,
    opts: &Options,
) -> Result<(RedisSnapshot, Option<read::Sample>), RedisError> {
    let Some(group) = &s.sentinel else {
        return read(
            &s.target,
            s.password.as_ref(),
            s.timeout,
            s.ca_file.as_deref(),
            opts,
            s.deadline,
        )
        .await;
    };
    let access = sentinel::Access {
        password: s.password.as_ref(),
        timeout: s.timeout,
        ca_file: s.ca_file.as_deref(),
    };
    let (master, mut seen) =
        bounded(&s.target, s.deadline, sentinel::find_master(group, access)).await?;
    let (mut snap, sample) = read(
        &master,
        s.password.as_ref(),
        s.timeout,
        s.ca_file.as_deref(),
        opts,
        s.deadline,
    )
    .await
    .map_err(|e| sentinel::unreachable_master(e, &seen))?;
    let group_read = bounded(&master, s.deadline, async {
        sentinel::read_group(&mut seen, &master, access).await;
        Ok(())
    })
    .await;
    if let Err(e) = group_read {
        snap.gaps.push(snapshot::Gap {
            what: "sentinel group",
            error: e.to_string(),
        });
    }
    snap.sentinel = Some(seen);
    Ok((snap, sample))
}

/// The second readings of the rate sample, within the run's deadline (past it, a gap).
pub async fn finish_sample(
    s: &crate::settings::RedisSettings,
    snap: &mut RedisSnapshot,
    sample: Option<read::Sample>,
) {
    let Some(sample) = sample else { return };
    let target = s.target.clone();
    let done = bounded(&target, s.deadline, async {
        sample.finish(snap).await;
        Ok(())
    })
    .await;
    if let Err(e) = done {
        snap.gaps.push(snapshot::Gap {
            what: "sample",
            error: e.to_string(),
        });
    }
}

/// Connect and read one snapshot: the Redis part of a run's one I/O step
/// (the gather step), and of the listings. Only connecting can fail; the rest becomes gaps.
/// Every command waits at most `timeout`, and the whole read ends at `deadline` (when it
/// ends, and its length for the message). The rate sample is returned running.
pub async fn read(
    target: &Target,
    password: Option<&crate::settings::Secret>,
    timeout: std::time::Duration,
    ca_file: Option<&std::path::Path>,
    opts: &Options,
    deadline: Option<(std::time::Instant, std::time::Duration)>,
) -> Result<(RedisSnapshot, Option<read::Sample>), RedisError> {
    let client = bounded(
        target,
        deadline,
        RedisClient::connect(target, password, timeout, ca_file),
    )
    .await?;
    let (mut snap, sample) = bounded(target, deadline, async {
        Ok(read::gather_open(&client, opts).await)
    })
    .await?;
    // A database without Celery keys may be the wrong one: say which of the server's do hold
    // them. Past the deadline this part alone becomes a gap; what was read stays.
    if !snap.cluster_enabled && snap.holds_celery() == Some(false) {
        match bounded(target, deadline, read::elsewhere(&client, opts)).await {
            Ok(e) => snap.elsewhere = Some(e),
            Err(e) => snap.gaps.push(snapshot::Gap {
                what: "other databases",
                error: e.to_string(),
            }),
        }
    }
    Ok((snap, sample))
}

/// `work`, ended at the run's deadline when there is one.
async fn bounded<T>(
    target: &Target,
    deadline: Option<(std::time::Instant, std::time::Duration)>,
    work: impl std::future::Future<Output = Result<T, RedisError>>,
) -> Result<T, RedisError> {
    match deadline {
        None => work.await,
        Some((end, len)) => tokio::time::timeout_at(end.into(), work)
            .await
            .unwrap_or_else(|_| {
                Err(RedisError::Deadline {
                    server: target.to_string(),
                    secs: len.as_secs().max(1),
                })
            }),
    }
}
