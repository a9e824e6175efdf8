//! Prometheus text exposition: metric families grouped, labels escaped (control characters made
//! visible as `\xNN`), names sanitized.

use std::collections::BTreeMap;
use std::fmt::Write;

/// Collects samples and writes them grouped by metric family, each with its HELP and TYPE.
#[derive(Debug, Default)]
pub struct Exposition {
    families: BTreeMap<String, (String, Vec<String>)>,
}

impl Exposition {
    /// Add a gauge sample. `name` is sanitized to `[a-zA-Z0-9_]`.
    pub fn gauge(&mut self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        if !value.is_finite() {
            return;
        }
        let name = metric_name(name);
        let mut line = name.clone();
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
        let _ = write!(line, " {value}");
        self.families
            .entry(name)
            .or_insert_with(|| (help.to_string(), Vec::new()))
            .1
            .push(line);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, (help, samples)) in &self.families {
            let _ = writeln!(
                out,
                "# HELP {name} {}",
                help.replace('\\', "\\\\").replace('\n', "\\n")
            );
            let _ = writeln!(out, "# TYPE {name} gauge");
            for s in samples {
                out.push_str(s);
                out.push('\n');
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
            c if super::is_unsafe(c) => {
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
