//! Output: the one place that writes to stdout and stderr (through [`Printer`]), the formats,
//! and number formatting.
//! Commands return data; the renderers here turn it into table, JSON, Prometheus or Nagios text.

pub mod connections;
pub mod fleet;
pub mod json;
pub mod lint;
pub mod printer;
pub mod probe;
pub mod prometheus;
pub mod queues;
pub mod report;
pub mod report_nagios;
pub mod report_prom;
pub mod run;
pub mod stream;
pub mod table;
pub mod textfile;
pub mod width;
pub mod workers;

pub use printer::{Printer, Spinner};

pub use crate::cli::{ColorChoice, Format};
pub use crate::settings::Style;
