//! The connection listings of `celtool connections`: RabbitMQ's connections and Redis's
//! clients, their rows (the JSON keys are a scripting contract), tables and Prometheus gauges.

use serde::Serialize;

use super::Style;
use super::prometheus::Exposition;
use super::table::{Align, render, render_fit};
use crate::celery_model::Fleet;
use crate::rabbitmq::classify::ConnectionKind;
use crate::text::{fmt_bytes, fmt_count};

/// One row of `celtool connections`; its JSON keys are a scripting contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConnectionRow {
    pub name: String,
    pub peer: String,
    pub user: Option<String>,
    pub vhost: Option<String>,
    pub state: Option<String>,
    pub recv_bytes_per_second: f64,
    pub send_bytes_per_second: f64,
    /// Negotiated heartbeat timeout in seconds; 0 means heartbeats are off.
    pub heartbeat: Option<f64>,
    pub channels: Option<f64>,
    pub kind: ConnectionKind,
    pub product: Option<String>,
}

pub fn table(style: &Style, rows: &[ConnectionRow]) -> String {
    let headers = [
        ("PEER", Align::Left),
        ("USER", Align::Left),
        ("VHOST", Align::Left),
        ("STATE", Align::Left),
        ("IN/S", Align::Right),
        ("OUT/S", Align::Right),
        ("HEARTBEAT", Align::Right),
        ("CHANNELS", Align::Right),
        ("KIND", Align::Left),
    ];
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.peer.clone(),
                opt(&r.user),
                opt(&r.vhost),
                opt(&r.state),
                fmt_bytes(r.recv_bytes_per_second),
                fmt_bytes(r.send_bytes_per_second),
                match r.heartbeat {
                    Some(0.0) => "off".into(),
                    Some(s) => format!("{}s", fmt_count(s)),
                    None => "-".into(),
                },
                r.channels.map(fmt_count).unwrap_or_else(|| "-".into()),
                r.kind.name().to_string(),
            ]
        })
        .collect();
    // At 80 columns the byte rates and channel counts give way to the peer and its heartbeat.
    render_fit(
        style,
        &headers,
        &cells,
        &["CHANNELS", "OUT/S", "IN/S", "USER", "STATE"],
    )
}

/// Per peer host, user, vhost and kind (never per client port, which changes with every
/// reconnect): how many connections, their traffic summed, and the lowest heartbeat.
pub fn prometheus(rows: &[ConnectionRow]) -> String {
    type Key<'a> = (&'a str, &'a str, &'a str, &'static str);
    let mut groups: std::collections::BTreeMap<Key, (f64, f64, f64, Option<f64>)> =
        std::collections::BTreeMap::new();
    for r in rows {
        let key = (
            super::report_prom::peer_host(&r.peer),
            r.user.as_deref().unwrap_or(""),
            r.vhost.as_deref().unwrap_or(""),
            r.kind.name(),
        );
        let g = groups.entry(key).or_default();
        g.0 += 1.0;
        g.1 += r.recv_bytes_per_second;
        g.2 += r.send_bytes_per_second;
        if let Some(h) = r.heartbeat {
            g.3 = Some(g.3.map_or(h, |m| m.min(h)));
        }
    }
    let mut e = Exposition::default();
    for ((peer, user, vhost, kind), (count, recv, send, heartbeat)) in &groups {
        let labels = [
            ("peer", *peer),
            ("user", *user),
            ("vhost", *vhost),
            ("kind", *kind),
        ];
        e.gauge(
            "celtool_connections",
            "Open connections by peer host, user, vhost and kind.",
            &labels,
            *count,
        );
        e.gauge(
            "celtool_connection_recv_bytes_per_second",
            "Bytes per second received from the peer's connections, summed.",
            &labels,
            *recv,
        );
        e.gauge(
            "celtool_connection_send_bytes_per_second",
            "Bytes per second sent to the peer's connections, summed.",
            &labels,
            *send,
        );
        if let Some(h) = heartbeat {
            e.gauge(
                "celtool_connection_heartbeat_seconds",
                "Lowest negotiated heartbeat timeout of the peer's connections; 0 is off.",
                &labels,
                *h,
            );
        }
    }
    e.render()
}

/// One row of `celtool connections` on Redis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RedisClientRow {
    pub id: String,
    pub peer: String,
    pub role: crate::celery_model::Role,
    pub command: Option<String>,
    pub idle_seconds: Option<u64>,
    /// Output buffer Redis holds for it (omem).
    pub output_buffer_bytes: Option<u64>,
}

/// The rows of the Celery model's clients.
pub fn redis_client_rows(fleet: &Fleet) -> Vec<RedisClientRow> {
    fleet
        .clients
        .iter()
        .map(|c| RedisClientRow {
            id: c.id.clone(),
            peer: c.peer.clone(),
            role: c.role,
            command: c.state.clone(),
            idle_seconds: c.idle_seconds,
            output_buffer_bytes: c.pending_bytes,
        })
        .collect()
}

/// The Redis client table: what each client waits on and the output buffer Redis holds.
pub fn redis_table(style: &Style, rows: &[RedisClientRow]) -> String {
    let headers = [
        ("ID", Align::Right),
        ("PEER", Align::Left),
        ("ROLE", Align::Left),
        ("COMMAND", Align::Left),
        ("IDLE", Align::Right),
        ("OUT BUFFER", Align::Right),
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.peer.clone(),
                r.role.name().to_string(),
                r.command.clone().unwrap_or_else(|| "-".into()),
                r.idle_seconds.map_or("-".into(), |s| format!("{s}s")),
                r.output_buffer_bytes
                    .map_or("-".into(), |b| fmt_bytes(b as f64)),
            ]
        })
        .collect();
    render(style, &headers, &cells)
}

/// The clients of the database by role.
pub fn redis_prometheus(rows: &[RedisClientRow]) -> String {
    let mut e = Exposition::default();
    let mut by_role: std::collections::BTreeMap<&str, f64> = Default::default();
    for r in rows {
        *by_role.entry(r.role.name()).or_default() += 1.0;
    }
    for (role, n) in by_role {
        e.gauge(
            "celtool_redis_clients",
            "Clients of the database by role.",
            &[("role", role)],
            n,
        );
    }
    e.render()
}
