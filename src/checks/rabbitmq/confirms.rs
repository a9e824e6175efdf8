//! Publisher confirms: channels in confirm mode (from /api/channels), which connection they are
//! on, their confirm and publish rates and what is left unconfirmed, with the trade-off.

use std::collections::BTreeMap;

use super::{Ctx, level};
use crate::rabbitmq::records::Channel;
use crate::report::{Finding, Severity};
use crate::text::fmt_count;

/// How many channels a summary names before "and N more".
const NAMED: usize = 5;
/// Unconfirmed messages in a vhost past which the broker is not keeping up with confirms.
const UNCONFIRMED_WARN: f64 = 10_000.0;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let id = "broker.publish.confirms";
    let mut by_vhost: BTreeMap<&str, Vec<&Channel>> = BTreeMap::new();
    for c in ctx.snap.channels.iter().filter(|c| c.confirm == Some(true)) {
        by_vhost
            .entry(c.vhost.as_deref().unwrap_or("/"))
            .or_default()
            .push(c);
    }
    for (vhost, mut chans) in by_vhost {
        chans.sort_by(|a, b| {
            b.confirm_rate()
                .unwrap_or(0.0)
                .total_cmp(&a.confirm_rate().unwrap_or(0.0))
        });
        let confirms: f64 = chans.iter().filter_map(|c| c.confirm_rate()).sum();
        let publishes: f64 = chans.iter().filter_map(|c| c.publish_rate()).sum();
        let unconfirmed: f64 = chans.iter().map(|c| c.unconfirmed()).sum();
        let mut severity = level(&ctx.thresholds.get(id), confirms);
        if unconfirmed >= UNCONFIRMED_WARN && severity == Severity::Ok {
            severity = Severity::Warn;
        }
        let mut named: Vec<String> = chans
            .iter()
            .take(NAMED)
            .map(|c| {
                format!(
                    "{} ({:.1} confirms/s, {} unconfirmed)",
                    channel_label(c),
                    c.confirm_rate().unwrap_or(0.0),
                    fmt_count(c.unconfirmed())
                )
            })
            .collect();
        if chans.len() > NAMED {
            named.push(format!("and {} more", chans.len() - NAMED));
        }
        let mut f = Finding::new(id, severity, vhost)
            .summary(format!(
                "{} channel(s) in publisher-confirm mode in vhost {vhost}: {confirms:.1} confirms/s for {publishes:.1} publishes/s, {} unconfirmed; {}",
                chans.len(),
                fmt_count(unconfirmed),
                named.join(", ")
            ))
            .evidence("confirm_channels", chans.len() as f64)
            .evidence("confirms_per_second", confirms)
            .evidence("publishes_per_second", publishes)
            .evidence("messages_unconfirmed", unconfirmed);
        if severity != Severity::Ok {
            f = f.remedy(
                "confirms cost broker CPU for every message and, as kombu waits for each one, a round trip per publish in the publisher; they buy the knowledge that the broker took the message (nothing lost silently on a broker restart or alarm). Keep them for tasks that must not be lost; elsewhere turn them off in the Celery config of these publishers: broker_transport_options = {'confirm_publish': False}",
            );
        }
        out.push(f);
    }
}

/// `channel 1 of connection CONN`: RabbitMQ names a channel after its connection plus its
/// number (`CONN (1)`), so the name alone would repeat the connection.
fn channel_label(c: &Channel) -> String {
    let conn = c.connection_name();
    let number = c
        .name()
        .strip_prefix(conn)
        .map(str::trim)
        .and_then(|n| n.strip_prefix('('))
        .and_then(|n| n.strip_suffix(')'))
        .filter(|n| !conn.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    match number {
        Some(n) => format!("channel {n} of connection {conn}"),
        None if conn.is_empty() => format!("channel {}", c.name()),
        None => format!("channel {} on connection {conn}", c.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::rabbitmq::records::Obj;
    use crate::report::Severity;
    use serde_json::json;

    #[test]
    fn confirm_channels_are_reported_with_their_connection() {
        let mut snap = snapshot();
        snap.channels = vec![
            serde_json::from_value(json!({"name": "10.0.0.5:4000 (1)", "vhost": "v",
                "confirm": true, "messages_unconfirmed": 1,
                "connection_details": {"name": "10.0.0.5:4000 -> 10.0.0.1:5672"},
                "message_stats": {"confirm_details": {"rate": 620.0},
                    "publish_details": {"rate": 620.0}}}))
            .unwrap(),
            serde_json::from_value(json!({"name": "plain", "vhost": "v", "confirm": false}))
                .unwrap(),
        ];
        let f = run(&snap);
        let c = f
            .iter()
            .find(|f| f.id == "broker.publish.confirms")
            .unwrap();
        assert_eq!((c.severity, c.subject.as_str()), (Severity::Warn, "v"));
        assert!(
            c.summary.ends_with(
                "; channel 10.0.0.5:4000 (1) on connection 10.0.0.5:4000 -> 10.0.0.1:5672 (620.0 confirms/s, 1 unconfirmed)"
            ),
            "{}",
            c.summary
        );
        // As RabbitMQ names channels: the connection once, then the channel's number.
        snap.channels[0].name = Some("10.0.0.5:4000 -> 10.0.0.1:5672 (1)".into());
        let f = run(&snap);
        let c = f
            .iter()
            .find(|f| f.id == "broker.publish.confirms")
            .unwrap();
        assert!(
            c.summary.ends_with(
                "; channel 1 of connection 10.0.0.5:4000 -> 10.0.0.1:5672 (620.0 confirms/s, 1 unconfirmed)"
            ),
            "{}",
            c.summary
        );
        assert!(c.remedy.contains("confirm_publish"), "{}", c.remedy);
        assert_eq!(c.evidence["confirm_channels"], 1.0);
        // A quiet confirm channel is still reported, as ok.
        snap.channels[0].message_stats = Obj::Nothing;
        let f = run(&snap);
        let c = f
            .iter()
            .find(|f| f.id == "broker.publish.confirms")
            .unwrap();
        assert_eq!(c.severity, Severity::Ok);
    }
}
