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
    /// JSON with stable keys, for scripts.
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
