//! The CLI answers: each subcommand's --help has examples and only the options it uses, the
//! man pages have EXAMPLES, EXIT STATUS, ENVIRONMENT and FILES, usage errors name what is
//! missing, and a bare command lists the commands.

use crate::replay::{celtool, repo_root, run};

fn help(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--help");
    let r = run(celtool().args(&all));
    assert_eq!(r.code, 0, "{r:#?}");
    r.stdout
}

#[test]
fn broker_options_are_shown_only_where_they_are_used() {
    for cmd in [
        &["conntrack"][..],
        &["inodes"],
        &["prune-tmp"],
        &["completions"],
        &["explain"],
        &["fix", "conntrack"],
    ] {
        let text = help(cmd);
        for flag in [
            "--url",
            "--user",
            "--vhost",
            "--timeout",
            "--ca-file",
            "--profile",
        ] {
            assert!(!text.contains(flag), "{cmd:?} --help shows {flag}:\n{text}");
        }
        assert!(text.contains("--format"), "{cmd:?}");
    }
    for cmd in [
        &["doctor"][..],
        &["queues"],
        &["connections"],
        &["undo"],
        &["fix", "event-queues"],
        &["fix", "stale-event-queues"],
        &["fleet"],
        &["ping"],
        &["workers", "reap"],
    ] {
        let text = help(cmd);
        for flag in [
            "--url",
            "--vhost",
            "--timeout",
            "--deadline",
            "--ca-file",
            "--profile",
        ] {
            assert!(text.contains(flag), "{cmd:?} --help lacks {flag}");
        }
    }
    assert!(help(&["workers"]).contains("--profile"));
    // Both places work, and the environment too.
    let before = run(celtool().args(["--url", "http://127.0.0.1:9", "queues", "--timeout", "1s"]));
    let after = run(celtool().args(["queues", "--url", "http://127.0.0.1:9", "--timeout", "1s"]));
    let env =
        run(celtool()
            .env("CELTOOL_URL", "http://127.0.0.1:9")
            .args(["queues", "--timeout", "1s"]));
    for r in [&before, &after, &env] {
        assert!(r.stderr.contains("http://127.0.0.1:9/api/"), "{r:#?}");
    }
    // Hidden, not refused: a script that passes them to every command keeps working.
    let unused = run(celtool().args(["conntrack", "--url", "http://x", "--format", "json"]));
    assert_eq!(unused.code, 0, "{unused:#?}");
}

#[test]
fn every_subcommand_help_has_examples() {
    for cmd in [
        &[][..],
        &["doctor"],
        &["queues"],
        &["connections"],
        &["explain"],
        &["conntrack"],
        &["inodes"],
        &["workers"],
        &["workers", "reap"],
        &["prune-tmp"],
        &["fix"],
        &["fix", "event-queues"],
        &["fix", "stale-event-queues"],
        &["fix", "conntrack"],
        &["undo"],
        &["completions"],
        &["fleet"],
        &["ping"],
    ] {
        let text = help(cmd);
        assert!(
            text.contains("Examples:\n  celtool "),
            "{cmd:?} --help:\n{text}"
        );
        // An example is one line, or ends in a backslash: copied, it runs.
        let mut continued = false;
        for line in text.split("Examples:\n").nth(1).unwrap().lines() {
            if line.is_empty() {
                break;
            }
            assert!(
                continued || line.starts_with("  celtool ") || line.starts_with("  source "),
                "{cmd:?}: an example wraps: {line:?}"
            );
            continued = line.ends_with('\\');
        }
    }
    let root = help(&[]);
    assert!(root.find("Examples:") < root.find("Exit codes"), "{root}");
}

#[test]
fn doctor_help_puts_its_own_options_first_and_the_shared_ones_under_headings() {
    let text = help(&["doctor"]);
    let at = |h: &str| text.find(h).unwrap_or_else(|| panic!("{h}: {text}"));
    assert!(
        at("Options:\n      --only") < at("\nWorker options"),
        "{text}"
    );
    assert!(at("\nWorker options") < at("\nApply options:"), "{text}");
    assert!(
        at("\nApply options:") < at("\nConnection options:"),
        "{text}"
    );
    assert!(
        at("\nConnection options:") < at("\nOutput options:"),
        "{text}"
    );
    assert!(
        at("\nConnection options:") < at("--vhost <VHOST>"),
        "{text}"
    );
}

#[test]
fn invalid_values_are_listed_and_explain_takes_a_prefix() {
    let r = run(celtool().args(["queues", "--sort", "foo"]));
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            3,
            "celtool: error: invalid value 'foo' for '--sort <SORT>'; possible values: name, ready, unacked, consumers, publish, deliver (see celtool queues --help)\n"
        )
    );
    let r = run(celtool().args(["explain", "events"]));
    assert_eq!(r.code, 0, "{r:#?}");
    let ids: Vec<&str> = r
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        ids,
        vec![
            "events.no-ttl",
            "events.no-consumer",
            "events.backlog",
            "events.traffic-share",
            "events.heartbeats"
        ]
    );
}

#[test]
fn man_pages_have_the_standard_sections() {
    for page in [
        "celtool",
        "celtool-doctor",
        "celtool-prune-tmp",
        "celtool-fix",
        "celtool-fleet",
        "celtool-ping",
    ] {
        let text = std::fs::read_to_string(repo_root().join(format!("man/{page}.1"))).unwrap();
        for section in [
            ".SH EXAMPLES",
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
        ] {
            assert!(text.contains(section), "{page}: {section}");
        }
    }
}

#[test]
fn usage_errors_name_what_is_missing_and_bare_commands_list_commands() {
    let r = run(celtool().arg("prune-tmp"));
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        "celtool: error: the following required arguments were not provided: --older-than <DURATION>, <PATH>... (see celtool prune-tmp --help)\n"
    );
    for args in [&[][..], &["fix"]] {
        let r = run(celtool().args(args));
        assert_eq!(r.code, 3, "{r:#?}");
        assert!(r.stderr.contains("Commands:"), "{args:?}: {r:#?}");
    }
    assert!(
        run(celtool().arg("fix"))
            .stderr
            .contains("stale-event-queues")
    );
}

/// What the dynamic completion (`source <(COMPLETE=bash celtool)`) offers for the word at
/// `index` of `words`.
fn complete(words: &[&str], index: usize, config: &std::path::Path) -> Vec<String> {
    let r = run(celtool()
        .env("COMPLETE", "bash")
        .env("CELTOOL_CONFIG", config)
        .env("_CLAP_COMPLETE_INDEX", index.to_string())
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .arg("--")
        .args(words));
    assert_eq!(r.code, 0, "{r:#?}");
    r.stdout
        .split(['\n', '\u{b}'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn completions_offer_profile_names_from_the_config_file_and_finding_ids() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[profiles.prod]\nurl = \"http://a:15672\"\n[profiles.staging]\nurl = \"http://b:15672\"\n",
    )
    .unwrap();
    assert_eq!(
        complete(&["celtool", "doctor", "--profile", ""], 3, &cfg),
        ["prod", "staging"]
    );
    assert_eq!(
        complete(&["celtool", "--profile", "st"], 2, &cfg),
        ["staging"]
    );
    let ids = complete(&["celtool", "explain", "events.no"], 2, &cfg);
    assert!(ids.contains(&"events.no-ttl".to_string()), "{ids:?}");
    let skip = complete(&["celtool", "doctor", "--skip", "host.w"], 3, &cfg);
    assert!(
        skip.contains(&"host.workers.zombie".to_string()),
        "{skip:?}"
    );
    // The static scripts complete the IDs too.
    let bash = std::fs::read_to_string(repo_root().join("completions/celtool.bash")).unwrap();
    assert!(bash.contains("events.no-ttl"));
}
