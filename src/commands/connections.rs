//! `celtool connections`: who is connected, how much they move, and what they are.

use serde::Serialize;

use super::{complete_snapshot, emit_listing, warn_skipped};
use crate::cli::{ConnKindArg, ConnectionsArgs};
use crate::error::{Error, Outcome};
use crate::output::json::Named;
use crate::output::prometheus::Exposition;
use crate::output::table::{Align, render_fit};
use crate::output::{Printer, Style};
use crate::rabbitmq::classify::{Classifier, ConnectionKind};
use crate::rabbitmq::read::Need;
use crate::settings::Settings;
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

pub fn run(s: &Settings, p: &Printer, args: &ConnectionsArgs) -> Result<Outcome, Error> {
    if matches!(s.broker(), Some(crate::settings::Broker::Redis(_))) {
        return super::redis::connections(s, p, args);
    }
    let need = Need {
        connections: true,
        consumers: true,
        ..Need::default()
    };
    let (_, snap) = complete_snapshot(s, p, need)?;
    warn_skipped(p, &snap);
    let kinds = Classifier::new(&snap.connections, &snap.consumers);
    let wanted = |k: ConnectionKind| {
        args.kind.is_empty()
            || args.kind.iter().any(|a| {
                matches!(
                    (a, k),
                    (ConnKindArg::CeleryWorker, ConnectionKind::CeleryWorker)
                        | (ConnKindArg::Monitor, ConnectionKind::Monitor)
                        | (ConnKindArg::Client, ConnectionKind::Client)
                        | (ConnKindArg::Publisher, ConnectionKind::Publisher)
                        | (ConnKindArg::Other, ConnectionKind::Other)
                )
            })
    };
    let mut rows: Vec<ConnectionRow> = snap
        .connections
        .iter()
        .map(|c| ConnectionRow {
            name: c.name().to_string(),
            peer: c.peer(),
            user: c.user.clone(),
            vhost: c.vhost.clone(),
            state: c.state.clone(),
            recv_bytes_per_second: c.recv_rate(),
            send_bytes_per_second: c.send_rate(),
            heartbeat: c.timeout,
            channels: c.channels,
            kind: kinds.connection_kind(c),
            product: c.product().map(str::to_string),
        })
        .filter(|r| wanted(r.kind))
        .collect();
    rows.sort_by(|a, b| {
        let t = |r: &ConnectionRow| r.recv_bytes_per_second + r.send_bytes_per_second;
        t(b).total_cmp(&t(a)).then_with(|| a.peer.cmp(&b.peer))
    });
    if let Some(limit) = args.limit {
        rows.truncate(limit);
    }
    emit_listing(
        p,
        &Named("connections", &rows),
        || table(&p.style, &rows),
        || prometheus(&rows),
    )?;
    Ok(Outcome::Done)
}

fn table(style: &Style, rows: &[ConnectionRow]) -> String {
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
fn prometheus(rows: &[ConnectionRow]) -> String {
    type Key<'a> = (&'a str, &'a str, &'a str, &'static str);
    let mut groups: std::collections::BTreeMap<Key, (f64, f64, f64, Option<f64>)> =
        std::collections::BTreeMap::new();
    for r in rows {
        let key = (
            crate::output::report_prom::peer_host(&r.peer),
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
