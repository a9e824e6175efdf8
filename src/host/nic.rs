//! Network interfaces: throughput from two reads of /proc/net/dev a moment apart against the
//! link speed in /sys/class/net/IF/speed, and the pure `host.nic.saturation` check.
//!
//! /proc/net/dev is read rather than sysinfo's counters so that the reader takes the same
//! proc/sys roots as every other host reader and tests run on fixture trees.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Reading, Roots};
use crate::checks::level;
use crate::report::{Finding, Severity};
use crate::settings::Thresholds;
use crate::text::{fmt_bytes, fmt_pct};

/// Byte counters of one interface.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counter {
    pub name: String,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
}

/// One interface's throughput over the sampling interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NicSample {
    pub name: String,
    /// Link speed in Mbit/s; None for interfaces without one (lo, some virtual ones).
    pub speed_mbit: Option<u64>,
    pub rx_bytes_per_second: f64,
    pub tx_bytes_per_second: f64,
}

/// Parse /proc/net/dev: two header lines, then `IF: rx_bytes ... (8 rx fields) tx_bytes ...`.
pub fn parse_net_dev(text: &str) -> Vec<Counter> {
    text.lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            let f: Vec<u64> = rest
                .split_whitespace()
                .map(|w| w.parse().unwrap_or(0))
                .collect();
            (f.len() >= 9).then(|| Counter {
                name: name.trim().to_string(),
                rx_bytes: f[0],
                tx_bytes: f[8],
            })
        })
        .collect()
}

/// The link speed of an interface in Mbit/s; unknown (-1, missing, unreadable) is None.
pub fn link_speed_mbit(sys: &Path, iface: &str) -> Option<u64> {
    let text = std::fs::read_to_string(sys.join("class/net").join(iface).join("speed")).ok()?;
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|s| *s > 0)
        .map(|s| s as u64)
}

/// The fastest link of this host in bytes per second, and its interface (for the Redis fan-out
/// forecast when the broker runs here).
pub fn fastest_link(roots: &Roots) -> Option<(String, f64)> {
    let text = std::fs::read_to_string(roots.proc.join("net/dev")).ok()?;
    parse_net_dev(&text)
        .into_iter()
        .filter(|c| c.name != "lo")
        .filter_map(|c| link_speed_mbit(&roots.sys, &c.name).map(|s| (c.name, s)))
        .max_by_key(|(_, s)| *s)
        .map(|(n, s)| (n, s as f64 * 1e6 / 8.0))
}

/// How long doctor samples each network interface's throughput (host.nic.saturation), on
/// either broker.
pub const DOCTOR_INTERVAL: Duration = Duration::from_secs(1);

/// Read the counters twice, `interval` apart.
pub fn sample(roots: &Roots, interval: Duration) -> Reading<Vec<NicSample>> {
    let path = roots.proc.join("net/dev");
    let read = || std::fs::read_to_string(&path).map(|t| parse_net_dev(&t));
    let first = match read() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Reading::Absent(format!("{} does not exist", path.display()));
        }
        Err(e) => return Reading::Unreadable(format!("{}: {e}", path.display())),
    };
    let started = Instant::now();
    std::thread::sleep(interval);
    let second = match read() {
        Ok(c) => c,
        Err(e) => return Reading::Unreadable(format!("{}: {e}", path.display())),
    };
    Reading::Present(rates(
        &first,
        &second,
        started.elapsed().as_secs_f64(),
        &roots.sys,
    ))
}

/// Rates between two reads; a counter that went backwards (wrapped, interface reset) reads 0.
pub fn rates(first: &[Counter], second: &[Counter], secs: f64, sys: &Path) -> Vec<NicSample> {
    second
        .iter()
        .filter_map(|b| {
            let a = first.iter().find(|a| a.name == b.name)?;
            let rate = |x: u64, y: u64| y.saturating_sub(x) as f64 / secs.max(1e-3);
            Some(NicSample {
                name: b.name.clone(),
                speed_mbit: link_speed_mbit(sys, &b.name),
                rx_bytes_per_second: rate(a.rx_bytes, b.rx_bytes),
                tx_bytes_per_second: rate(a.tx_bytes, b.tx_bytes),
            })
        })
        .collect()
}

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
                    .remedy("find the talker (on a Redis broker: celtool doctor --url redis://... shows the event fan-out; on RabbitMQ: celtool connections); cut Celery's event traffic or move to a faster link"),
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

    const DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0
  eth0: 5000 50 0 0 0 0 0 0 9000 90 0 0 0 0 0 0
";

    #[test]
    fn net_dev_parses_rx_and_tx_bytes() {
        let c = parse_net_dev(DEV);
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[1].name.as_str(), c[1].rx_bytes, c[1].tx_bytes),
            ("eth0", 5000, 9000)
        );
    }

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
