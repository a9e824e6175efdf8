//! `host.nic.saturation`: each interface's throughput against its link speed, from the two
//! reads of /proc/net/dev that `crate::host::nic` samples.

use super::level;
use crate::host::Reading;
use crate::host::nic::NicSample;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::{fmt_bytes, fmt_pct};

/// `host.nic.saturation` for every interface with a link speed.
pub fn check(reading: &Reading<Vec<NicSample>>, t: &Thresholds) -> Vec<Finding> {
    let id = "host.nic.saturation";
    let samples = match reading {
        Reading::Present(s) => s,
        Reading::Absent(_) => return vec![],
        Reading::Unreadable(why) => {
            return vec![
                Finding::new("host.unreadable", Severity::Unknown, "/proc/net/dev")
                    .summary(why.clone())
                    .remedy("see `celtool explain host.unreadable`"),
            ];
        }
    };
    samples
        .iter()
        .filter_map(|s| {
            let Some(speed) = s.speed_mbit else {
                return unjudged(s);
            };
            let link = speed as f64 * 1e6 / 8.0;
            let busiest = s.rx_bytes_per_second.max(s.tx_bytes_per_second);
            let r = busiest / link;
            Some(
                Finding::new(id, level(&t.get(id), r), s.name.as_str())
                    .summary(format!(
                        "{}: in {}/s, out {}/s: {} of its {} Mbit/s link",
                        s.name,
                        fmt_bytes(s.rx_bytes_per_second),
                        fmt_bytes(s.tx_bytes_per_second),
                        fmt_pct(r),
                        speed
                    ))
                    .evidence("rx_bytes_per_second", s.rx_bytes_per_second)
                    .evidence("tx_bytes_per_second", s.tx_bytes_per_second)
                    .evidence("link_bytes_per_second", link)
                    .evidence("ratio", r)
                    .remedy("find the talker (celtool doctor shows Celery's event fan-out: redis.events.fanout, rabbitmq.events.fanout; on RabbitMQ celtool connections shows each connection's bytes); cut Celery's event traffic or move to a faster link"),
            )
        })
        .collect()
}

/// An interface that carries traffic but whose driver publishes no link speed (virtio and other
/// virtual NICs read -1): its throughput is said, as ok, with why it cannot be judged, rather
/// than nothing. Loopback and idle speedless interfaces (ifb, dummy) say nothing.
fn unjudged(s: &NicSample) -> Option<Finding> {
    if s.name == "lo" || (s.rx_bytes_per_second == 0.0 && s.tx_bytes_per_second == 0.0) {
        return None;
    }
    Some(
        Finding::new("host.nic.saturation", Severity::Ok, s.name.as_str())
            .summary(format!(
                "{}: in {}/s, out {}/s; its driver publishes no link speed (/sys/class/net/{}/speed, usual for a virtual NIC), so how full it is cannot be judged here: compare with the bandwidth of the instance or port",
                s.name,
                fmt_bytes(s.rx_bytes_per_second),
                fmt_bytes(s.tx_bytes_per_second),
                s.name
            ))
            .evidence("rx_bytes_per_second", s.rx_bytes_per_second)
            .evidence("tx_bytes_per_second", s.tx_bytes_per_second),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::nic::{parse_net_dev, rates};

    const DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0
  eth0: 5000 50 0 0 0 0 0 0 9000 90 0 0 0 0 0 0
";

    #[test]
    fn a_busy_gigabit_link_is_critical_and_lo_is_skipped() {
        let sys = tempfile::tempdir().unwrap();
        let dir = sys.path().join("class/net/eth0");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("speed"), "1000\n").unwrap();
        let first = parse_net_dev(DEV);
        let mut second = first.clone();
        second[1].tx_bytes += 120_000_000; // 120 MB in 1 s of a 125 MB/s link
        second[0].tx_bytes += 999_999_999;
        let samples = rates(&first, &second, 1.0, sys.path());
        let f = check(&Reading::Present(samples), &Thresholds::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].subject.as_str(), f[0].severity),
            ("eth0", Severity::Crit)
        );
        assert!((f[0].evidence["ratio"] - 0.96).abs() < 1e-9);
    }
}
