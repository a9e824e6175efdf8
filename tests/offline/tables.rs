//! Tables and doctor's text on a real terminal: a pty (util-linux `script`) of size 0, one
//! sized with stty, and COLUMNS. Numbers are never split, text is not squeezed below 20
//! characters, nothing wraps when the width is unknown, prose wraps at word boundaries.

use std::process::Command;

use crate::replay::{Replay, Run, celtool, connections_reads, queues_reads, run};

const V: &str = "celtool-fixture";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Whether util-linux `script` is there to make a pty; the tests ask before they start a
/// replay, which fails a test that never reads it.
fn pty() -> bool {
    let found = Command::new("script").arg("--version").output().is_ok();
    if !found {
        eprintln!("note: util-linux script not found; pty test skipped");
    }
    found
}

/// Run celtool on a pty ([`pty`] says whether there is one); `cols` sizes it first (None: the
/// pty keeps size 0).
fn on_pty(url: &str, cols: Option<u16>, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut line = String::new();
    if let Some(c) = cols {
        line.push_str(&format!("stty cols {c} rows 50; "));
    }
    line.push_str(&quote(env!("CARGO_BIN_EXE_celtool")));
    for a in ["--url", url, "--color", "never"].iter().chain(args) {
        line.push(' ');
        line.push_str(&quote(a));
    }
    // The clean environment of celtool(); the pty runs the binary through script.
    let cmd = celtool();
    let mut script = Command::new("script");
    script.args(["-qec", &line, "/dev/null"]);
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            script.env(k, v);
        }
    }
    script.env_remove("COLUMNS");
    for (k, v) in env {
        script.env(k, v);
    }
    let mut r = run(script.env_clear_except_set());
    r.stdout = r.stdout.replace("\r\n", "\n");
    r
}

trait EnvClear {
    fn env_clear_except_set(&mut self) -> &mut Self;
}

impl EnvClear for Command {
    /// The command keeps only what was set on it (no COLUMNS or TERM from the test's shell).
    fn env_clear_except_set(&mut self) -> &mut Self {
        let set: Vec<(std::ffi::OsString, std::ffi::OsString)> = self
            .get_envs()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned())))
            .collect();
        self.env_clear();
        for (k, v) in set {
            self.env(k, v);
        }
        self
    }
}

/// The ready counts that the JSON gives, as the table must show them whole.
fn ready_counts(r: &Replay) -> Vec<String> {
    r.celtool(&["queues", "--vhost", V, "--format", "json"])
        .rows("queues")
        .iter()
        .map(|q| q["ready"].to_string())
        .collect()
}

#[test]
fn a_pty_of_size_0_does_not_wrap() {
    if !pty() {
        return;
    }
    let r = Replay::start("celery").expect_only(queues_reads(V));
    let out = on_pty(&r.url, None, &[], &["queues", "--vhost", V]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(
        out.stdout
            .contains("┆ celeryev.5b1c7a0e-0000-4000-8000-00000000beef ┆"),
        "the event queue's name whole on one line:\n{}",
        out.stdout
    );
    assert!(
        out.stdout.contains('│'),
        "borders on a terminal:\n{}",
        out.stdout
    );
    for n in ready_counts(&r) {
        assert!(
            out.stdout.contains(&format!(" {n} ")),
            "{n} whole in\n{}",
            out.stdout
        );
    }
}

#[test]
fn a_sized_pty_wraps_text_but_never_numbers() {
    if !pty() {
        return;
    }
    let r = Replay::start("celery").expect_only(queues_reads(V));
    // 140 columns: the table (149 wide unwrapped) fits once the name column wraps.
    let out = on_pty(&r.url, Some(140), &[], &["queues", "--vhost", V]);
    assert_eq!(out.code, 0, "{out:#?}");
    for l in out.stdout.lines() {
        assert!(
            l.chars().count() <= 140,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    assert!(out.stdout.contains('│'), "{}", out.stdout);
    let name_lines = out
        .stdout
        .lines()
        .filter(|l| l.contains("celeryev.5b1c7a0e"))
        .count();
    assert_eq!(name_lines, 1, "the name starts once:\n{}", out.stdout);
    assert!(
        !out.stdout
            .contains("celeryev.5b1c7a0e-0000-4000-8000-00000000beef"),
        "wrapped:\n{}",
        out.stdout
    );
    for n in ready_counts(&r) {
        assert!(
            out.stdout.contains(&format!(" {n} ")),
            "{n} whole in\n{}",
            out.stdout
        );
    }
    // 80 columns cannot hold ten columns: the low-value ones give way, one line per row, and
    // a line says which.
    let narrow = on_pty(
        &r.url,
        Some(80),
        &[],
        &["queues", "--vhost", V, "--limit", "1000"],
    );
    let lines: Vec<&str> = narrow.stdout.lines().collect();
    for l in &lines {
        assert!(
            l.chars().count() <= 80,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    let queues = ready_counts(&r).len();
    let note = lines[lines.len() - 2..].join(" ");
    assert!(
        note.starts_with("(left out EXPIRES, TTL")
            && note.ends_with(
                "to fit 80 columns; a wider terminal or --format json shows everything)"
            ),
        "{}",
        narrow.stdout
    );
    assert!(!narrow.stdout.contains('│'), "{}", narrow.stdout);
    assert_eq!(
        lines.len(),
        queues + 3,
        "one line per queue:\n{}",
        narrow.stdout
    );
    assert!(
        lines[0].contains("UNACKED") || lines[1].contains("UNACKED"),
        "{}",
        narrow.stdout
    );
    for n in ready_counts(&r) {
        assert!(
            narrow.stdout.contains(&format!(" {n} ")) || narrow.stdout.contains(&format!(" {n}\n")),
            "{n} whole in\n{}",
            narrow.stdout
        );
    }
}

#[test]
fn columns_is_honoured_and_prose_wraps_at_words() {
    if !pty() {
        return;
    }
    let r = Replay::start("celery");
    let out = on_pty(
        &r.url,
        Some(200),
        &[("COLUMNS", "70")],
        &["doctor", "--only", "broker", "--vhost", V],
    );
    assert_eq!(out.code, 2, "{out:#?}");
    for l in out.stdout.lines().filter(|l| l.starts_with("          ")) {
        let long = l.chars().count() > 70;
        assert!(
            !long || !l.trim().contains(' '),
            "over 70 columns with a space to break at: {l}"
        );
    }
    let json = r
        .celtool(&[
            "doctor", "--only", "broker", "--vhost", V, "--format", "json",
        ])
        .json();
    let words: Vec<&str> = out.stdout.split_whitespace().collect();
    let text = words.join(" ");
    for f in json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "ok")
    {
        let remedy: Vec<&str> = f["remedy"].as_str().unwrap().split_whitespace().collect();
        assert!(
            text.contains(&remedy.join(" ")),
            "remedy whole, words unsplit: {remedy:?}\n{}",
            out.stdout
        );
    }
}

#[test]
fn connections_fit_80_columns_one_line_each() {
    if !pty() {
        return;
    }
    let r = Replay::start("celery").expect_only(connections_reads(V));
    let out = on_pty(&r.url, Some(80), &[], &["connections", "--vhost", V]);
    assert_eq!(out.code, 0, "{out:#?}");
    for l in out.stdout.lines() {
        assert!(
            l.chars().count() <= 80,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    let n = r
        .celtool(&["connections", "--vhost", V, "--format", "json"])
        .rows("connections")
        .len();
    assert!(n > 0, "{}", out.stdout);
    assert!(out.stdout.contains("HEARTBEAT"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("\n(left out CHANNELS, OUT/S, IN/S to fit 80 columns; a wider terminal or --format\njson shows everything)\n"),
        "{}",
        out.stdout
    );
    // A header, a line per connection, the two lines of the note.
    assert_eq!(out.stdout.lines().count(), n + 3, "{}", out.stdout);
}

#[test]
fn a_terminal_gets_the_worst_queues_first_and_a_line_saying_how_many_more() {
    if !pty() {
        return;
    }
    let r = Replay::start("celery").expect_only(queues_reads(V));
    let out = on_pty(&r.url, Some(200), &[], &["queues", "--vhost", V]);
    assert_eq!(out.code, 0, "{out:#?}");
    let total = ready_counts(&r).len();
    assert!(total > 50, "the fixture has {total} queues");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines.last().copied().unwrap_or_default(),
        format!(
            "(50 of {total} queues, most ready first; {} more: --limit {total} shows them all, as do a pipe and --format json)",
            total - 50
        ),
        "{}",
        out.stdout
    );
    let rows = lines.iter().filter(|l| l.starts_with("│ ")).count();
    assert_eq!(rows, 51, "a header and 50 queues:\n{}", out.stdout);
    // The biggest backlog comes first.
    assert!(lines[3].contains(" jobs "), "{}", out.stdout);
    // Piped, every queue.
    let piped = r.celtool(&["queues", "--vhost", V]);
    assert_eq!(piped.stdout.lines().count(), total + 1, "{}", piped.stdout);
}
