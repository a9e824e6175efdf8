//! Network interfaces: throughput from two reads of /proc/net/dev a moment apart against the
//! link speed in /sys/class/net/IF/speed (the nic check under checks/ judges them).
//!
//! /proc/net/dev is read rather than sysinfo's counters so that the reader takes the same
//! proc/sys roots as every other host reader and tests run on fixture trees.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Reading, Roots};

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
}
