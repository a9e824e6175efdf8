//! Prometheus text exposition: metric families grouped, labels escaped (control characters made
//! visible as `\xNN`), names sanitized.

use std::collections::BTreeMap;
use std::fmt::Write;

/// The metric types celtool writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    /// Only for values that only go up (kernel drop counters, tasks done); the name ends in
    /// `_total`.
    Counter,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        }
    }
}

#[derive(Debug)]
struct Family {
    help: String,
    kind: Kind,
    /// Rendered label set -> value. One sample per label set: a second one with the same labels
    /// keeps the larger value, so a scrape never sees a duplicate series.
    samples: BTreeMap<String, f64>,
    /// Label sets in the order first added.
    order: Vec<String>,
}

/// Collects samples and writes them grouped by metric family, each with its HELP and TYPE.
#[derive(Debug, Default)]
pub struct Exposition {
    families: BTreeMap<String, Family>,
}

impl Exposition {
    /// Add a gauge sample. `name` is sanitized to `[a-zA-Z0-9_]`.
    pub fn gauge(&mut self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        self.sample(Kind::Gauge, name, help, labels, value);
    }

    /// Add a counter sample; `name` must end in `_total`.
    pub fn counter(&mut self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        debug_assert!(name.ends_with("_total"), "counter {name} without _total");
        self.sample(Kind::Counter, name, help, labels, value);
    }

    /// An `_info` gauge: value 1, the facts in its labels.
    pub fn info(&mut self, name: &str, help: &str, labels: &[(&str, &str)]) {
        debug_assert!(name.ends_with("_info"), "info metric {name} without _info");
        self.sample(Kind::Gauge, name, help, labels, 1.0);
    }

    fn sample(&mut self, kind: Kind, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        if !value.is_finite() {
            return;
        }
        let name = metric_name(name);
        let mut line = String::new();
        if !labels.is_empty() {
            line.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                let _ = write!(line, "{k}=\"{}\"", escape_label(v));
            }
            line.push('}');
        }
        let family = self.families.entry(name).or_insert_with(|| Family {
            help: help.to_string(),
            kind,
            samples: BTreeMap::new(),
            order: Vec::new(),
        });
        match family.samples.get_mut(&line) {
            Some(v) => *v = v.max(value),
            None => {
                family.samples.insert(line.clone(), value);
                family.order.push(line);
            }
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, family) in &self.families {
            let _ = writeln!(
                out,
                "# HELP {name} {}",
                family.help.replace('\\', "\\\\").replace('\n', "\\n")
            );
            let _ = writeln!(out, "# TYPE {name} {}", family.kind.word());
            for labels in &family.order {
                let _ = writeln!(out, "{name}{labels} {}", family.samples[labels]);
            }
        }
        out
    }
}

pub fn metric_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

/// A label value as the exposition format wants it: `\\`, `\"` and `\n` escaped. The format has
/// no escape for other characters, and raw ESC, NUL or CR bytes (queue names can hold them)
/// corrupt terminals and confuse parsers, so control characters (C0, DEL, C1) become the
/// visible text `\xNN` (NN: the code point in hex) and bidirectional overrides `\u{NNNN}`, as
/// in the table output; the backslash of that text is itself escaped, so a scraper reads
/// `\x1b`. A name that literally contains `\x1b` reads the same: a rare, visible ambiguity.
fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\\\x{:02x}", c as u32);
            }
            c if crate::text::is_unsafe(c) => {
                let _ = write!(out, "\\\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_grouped_and_labels_escaped() {
        let mut e = Exposition::default();
        e.gauge("celtool_a", "A.", &[("q", "x\"y\n")], 1.0);
        e.gauge("celtool_b", "B.", &[], 2.0);
        e.gauge("celtool_a", "A.", &[("q", "z")], 3.0);
        e.gauge("celtool_a", "A.", &[("q", "nan")], f64::NAN);
        assert_eq!(
            e.render(),
            "# HELP celtool_a A.\n# TYPE celtool_a gauge\nceltool_a{q=\"x\\\"y\\n\"} 1\nceltool_a{q=\"z\"} 3\n\
             # HELP celtool_b B.\n# TYPE celtool_b gauge\nceltool_b 2\n"
        );
        assert_eq!(metric_name("9a.b-c"), "_9a_b_c");
    }

    #[test]
    fn counters_info_and_one_sample_per_label_set() {
        let mut e = Exposition::default();
        e.counter("celtool_x_total", "X.", &[("a", "1")], 5.0);
        e.info("celtool_info", "I.", &[("version", "1.2")]);
        e.gauge("celtool_y", "Y.", &[("a", "1")], 1.0);
        e.gauge("celtool_y", "Y.", &[("a", "1")], 3.0);
        e.gauge("celtool_y", "Y.", &[("a", "1")], 2.0);
        assert_eq!(
            e.render(),
            "# HELP celtool_info I.\n# TYPE celtool_info gauge\nceltool_info{version=\"1.2\"} 1\n\
             # HELP celtool_x_total X.\n# TYPE celtool_x_total counter\nceltool_x_total{a=\"1\"} 5\n\
             # HELP celtool_y Y.\n# TYPE celtool_y gauge\nceltool_y{a=\"1\"} 3\n"
        );
    }

    #[test]
    fn label_values_never_carry_raw_control_characters() {
        let mut e = Exposition::default();
        let name = "q\u{1b}[31m\0\r\\\"\n\u{7f}\u{9b}x\u{202e}";
        e.gauge("celtool_q", "Q.", &[("queue", name)], 1.0);
        let text = e.render();
        let sample = text.lines().last().unwrap();
        assert_eq!(
            sample,
            r#"celtool_q{queue="q\\x1b[31m\\x00\\x0d\\\"\n\\x7f\\x9bx\\u{202e}"} 1"#
        );
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
    }
}
