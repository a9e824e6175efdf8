//! How values are written and read as text, knowing no domain type: sizes, counts, rates,
//! durations (`fmt_*`, `parse_*duration`), and names from outside made safe for a terminal
//! (`sanitize`). Every layer uses it; it uses nothing of the crate.

use std::time::Duration;

/// Replace control characters in names that come from outside (queue names, peers) so they
/// cannot move the cursor or forge lines on a terminal.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(is_unsafe) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if is_unsafe(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Control characters, and the bidirectional overrides and isolates (U+202E and friends) that
/// reorder what a terminal shows, so a name cannot disguise itself or the line it is on.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Bytes in binary units: `512 B`, `1.5 KiB`, `3.2 GiB`.
pub fn fmt_bytes(n: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if !n.is_finite() {
        return "?".into();
    }
    let mut v = n.abs();
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    let sign = if n < 0.0 { "-" } else { "" };
    if unit == 0 {
        format!("{sign}{v:.0} B")
    } else {
        format!("{sign}{v:.1} {}", UNITS[unit])
    }
}

pub fn fmt_pct(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

/// A message count: whole numbers without decimals.
pub fn fmt_count(n: f64) -> String {
    if n.abs() < 1e15 && (n as i64) as f64 == n {
        // Exact as an integer, and written as one: float formatting with a precision costs
        // ten times as much, once for each of thousands of findings. -0 is 0.
        (n as i64).to_string()
    } else if n.abs() >= 1e15 {
        // 1e308 as a 309-digit number helps nobody.
        format!("{n:e}")
    } else {
        format!("{n}")
    }
}

/// A rate with one decimal, or `-` when the broker gave none.
pub fn fmt_rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.1}")).unwrap_or_else(|| "-".into())
}

/// A rough duration: `45s`, `5m`, `2h 10m`, `3d 4h`.
pub fn fmt_duration_secs(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "?".into();
    }
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86400, (s % 86400) / 3600),
    }
}

/// Parse a duration: a number with a unit (`500ms`, `10s`, `90m`, `2d`, `1h30m`). A bare number
/// is refused, as systemd.time and Go refuse it: in a root cron line, `--older-than 2` with a
/// forgotten `d` must not mean two seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid duration '{t}': a number needs a unit, like {t}s, {t}m, {t}h or {t}d (a bare number is refused, so that a forgotten unit cannot mean seconds)"
        ));
    }
    humantime::parse_duration(t).map_err(|_| {
        format!("invalid duration '{t}': expected a number with a unit, like 10s, 90m or 2d")
    })
}

/// A duration that must be more than zero (`--timeout`, `--older-than`, a TTL): zero would wait
/// for nothing or match everything.
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err(format!(
            "invalid duration '{}': it must be more than zero, like 10s, 90m or 2d",
            text.trim()
        ));
    }
    Ok(d)
}

/// `--deadline`: a duration, or `0` for none (the documented way to turn it off).
pub fn parse_deadline(text: &str) -> Result<Duration, String> {
    if text.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    parse_duration(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(fmt_bytes(512.0), "512 B");
        assert_eq!(fmt_bytes(1536.0), "1.5 KiB");
        assert_eq!(fmt_bytes(f64::NAN), "?");
        assert_eq!(fmt_pct(0.853), "85%");
        assert_eq!(fmt_count(12.0), "12");
        assert_eq!(fmt_count(-0.0), "0");
        assert_eq!(fmt_count(-7.0), "-7");
        assert_eq!(fmt_count(999_999_999_999_999.0), "999999999999999");
        assert_eq!(fmt_count(2.5), "2.5");
        assert_eq!(fmt_duration_secs(300.0), "5m");
        assert_eq!(fmt_duration_secs(7800.0), "2h 10m");
        assert_eq!(fmt_duration_secs(f64::INFINITY), "?");
    }

    #[test]
    fn sanitize_escapes_control_characters() {
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("a\nb\x1b[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(sanitize("txt.\u{202e}exe"), "txt.\\u{202e}exe");
    }
}
