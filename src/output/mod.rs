//! Output: the one place that writes to stdout and stderr (through [`Printer`]), the formats,
//! and number formatting.
//! Commands return data; the renderers here turn it into table, JSON, Prometheus or Nagios text.

pub mod fleet;
pub mod json;
pub mod printer;
pub mod prometheus;
pub mod report;
pub mod report_nagios;
pub mod report_prom;
pub mod run;
pub mod stream;
pub mod table;
pub mod textfile;
pub mod width;

pub use printer::{Printer, Spinner};

use std::io::{self, IsTerminal};

/// Output format, chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable: borders and colour on a terminal, plain aligned columns when piped.
    Table,
    /// One JSON object with stable keys, for scripts: celtool_version, schema_version,
    /// generated_at, then the command's (a listing's rows under its name).
    Json,
    /// Prometheus text exposition, for node_exporter's textfile collector.
    Prometheus,
    /// A Nagios/Icinga plugin status line with perfdata.
    Nagios,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// Where output goes and how it looks, decided once at start-up.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    /// stdout is a terminal: tables get borders and may wrap to its width.
    pub tty: bool,
    pub color: bool,
    pub quiet: bool,
}

impl Style {
    pub fn detect(format: Format, color: ColorChoice, quiet: bool) -> Self {
        let tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Style {
            format,
            tty,
            color,
            quiet,
        }
    }
}

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
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
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
