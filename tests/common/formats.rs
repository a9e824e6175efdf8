//! Checking machine formats the way their readers do: JSON against the schemas under schemas/
//! (strict, counts as integers) and Prometheus expositions through `promtool check metrics`
//! (Debian package `prometheus`; ./scripts/test-setup.sh installs it). Shared by the test
//! binaries through `#[path]`.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

fn schema(name: &str) -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// Every whole number in the document is written as an integer.
pub fn no_whole_floats(v: &Value, at: &str) {
    match v {
        Value::Number(n) => {
            let f = n.as_f64().unwrap();
            assert!(
                !(n.is_f64() && f.fract() == 0.0 && f.abs() < 9e15),
                "{at}: whole number written as float: {n}"
            );
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| no_whole_floats(x, &format!("{at}[{i}]"))),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| no_whole_floats(x, &format!("{at}.{k}"))),
        _ => {}
    }
}

/// `text` parsed as JSON, valid against schemas/NAME.json and without whole floats.
pub fn valid_json(name: &str, text: &str) -> Value {
    let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    let errors: Vec<String> = schema(name)
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{text}");
    no_whole_floats(&doc, name);
    doc
}

/// `promtool check metrics` on `text`: no error and no lint warning. Panics when promtool is
/// missing: the formats are part of the contract, not an optional extra.
pub fn promtool_check(what: &str, text: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "promtool: {e}: install it (apt-get install prometheus, or ./scripts/test-setup.sh)"
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.trim().is_empty(),
        "{what}: promtool check metrics:\n{said}\non:\n{text}"
    );
}

/// An exposition that passes promtool and carries no per-process or per-command-line label.
pub fn valid_prometheus(what: &str, text: &str) {
    assert!(text.contains("# TYPE "), "{what}: {text}");
    for forbidden in ["pid=", "cmdline=", "_count{", "_count ", "title="] {
        assert!(!text.contains(forbidden), "{what}: {forbidden} in\n{text}");
    }
    promtool_check(what, text);
}

/// A Nagios plugin's output by the Monitoring Plugins guidelines: a first line `TEXT |
/// perfdata` short enough for NRPE (1 024 bytes), each perfdata item
/// `'label'=value[UOM];[warn];[crit];[min];[max]` with ranges in the plugin range syntax, then
/// long text without perfdata. Returns the first line's perfdata items.
pub fn valid_nagios(what: &str, text: &str) -> Vec<String> {
    let first = text.lines().next().unwrap_or_default();
    assert!(first.len() < 1024, "{what}: {} bytes: {first}", first.len());
    for line in text.lines().skip(1) {
        assert!(!line.contains('|'), "{what}: perfdata in long text: {line}");
    }
    let (status, perf) = first
        .trim_end()
        .split_once(" | ")
        .unwrap_or_else(|| panic!("{what}: no perfdata: {text}"));
    let word = regex::Regex::new(r"^[A-Z][A-Z -]* (OK|WARNING|CRITICAL|UNKNOWN)(:| -) ").unwrap();
    assert!(word.is_match(status), "{what}: status line {status:?}");
    let range = r"(@?(~|-?[0-9.]+(e[+-]?[0-9]+)?)?:?(-?[0-9.]+(e[+-]?[0-9]+)?)?)?";
    let item = regex::Regex::new(&format!(
        r"^'[^'=]+'=-?[0-9.]+(e[+-]?[0-9]+)?(s|ms|us|%|B|KB|MB|TB|c)?(;{range}(;{range}(;-?[0-9.]*(;-?[0-9.]*)?)?)?)?$"
    ))
    .unwrap();
    let items: Vec<String> = perf.split(' ').map(str::to_string).collect();
    for p in &items {
        assert!(item.is_match(p), "{what}: perfdata item {p:?} in {perf}");
    }
    items
}
