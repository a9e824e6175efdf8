//! Prometheus text exposition: metric families grouped, labels escaped, names sanitized.

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

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
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
}
