//! `celtool connections`: who is connected, how much they move, and what they are.

use super::{complete_snapshot, emit_listing, warn_skipped};
use crate::cli::{ConnKindArg, ConnectionsArgs};
use crate::error::{Error, Outcome};
use crate::output::Printer;
use crate::output::connections::{ConnectionRow, prometheus, table};
use crate::output::json::Named;
use crate::rabbitmq::classify::{Classifier, ConnectionKind};
use crate::rabbitmq::read::Need;
use crate::settings::Settings;

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
