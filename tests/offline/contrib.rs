//! contrib/ is tested: the alerting rules pass `promtool check rules` and their unit tests
//! (`promtool test rules`; promtool is required), and every celtool metric the rules and
//! the Grafana dashboard use is one celtool really writes (names taken from real output).

use std::collections::BTreeSet;
use std::process::Command;

use crate::replay::{Replay, celtool, repo_root, run};

fn promtool(args: &[&str]) -> Option<String> {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(repo_root().join("contrib/prometheus"))
        .output()
        .unwrap_or_else(|e| panic!("promtool: {e}: install it (apt-get install prometheus)"));
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "promtool {args:?}:\n{said}");
    Some(said)
}

#[test]
fn the_alerting_rules_pass_their_promtool_tests() {
    if let Some(said) = promtool(&["check", "rules", "celtool.rules.yml"]) {
        assert!(said.contains("SUCCESS"), "{said}");
    }
    if let Some(said) = promtool(&["test", "rules", "celtool.rules.test.yml"]) {
        assert!(said.contains("SUCCESS"), "{said}");
    }
}

/// Metric names in celtool's real expositions: doctor on the recorded broker and on the host
/// fixture trees.
fn written_metrics() -> BTreeSet<String> {
    let r = Replay::start("celery");
    let mut texts = vec![
        r.celtool(&[
            "doctor",
            "--only",
            "broker",
            "--vhost",
            "celtool-fixture",
            "--format",
            "prometheus",
        ])
        .stdout,
    ];
    let clean = Replay::start("clean");
    texts.push(
        clean
            .celtool(&[
                "doctor",
                "--only",
                "broker",
                "--vhost",
                "celtool-fixture-clean",
                "--format",
                "prometheus",
            ])
            .stdout,
    );
    for tree in ["kernel4", "kernel6"] {
        let root = repo_root().join("tests/fixtures/host").join(tree);
        texts.push(
            run(celtool()
                .env("CELTOOL_PROC_ROOT", root.join("proc"))
                .env("CELTOOL_SYS_ROOT", root.join("sys"))
                .args(["doctor", "--only", "host", "--format", "prometheus"]))
            .stdout,
        );
    }
    texts
        .iter()
        .flat_map(|t| t.lines())
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_string)
        .collect()
}

fn used_metrics(text: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"celtool_[a-z0-9_]+").unwrap();
    re.find_iter(text)
        .map(|m| m.as_str().to_string())
        // Words of the annotations, not metrics.
        .filter(|m| !m.starts_with("celtool_profile") && !m.starts_with("celtool_vhost"))
        .collect()
}

#[test]
fn rules_and_dashboard_use_only_metrics_celtool_writes() {
    let written = written_metrics();
    assert!(written.contains("celtool_finding_severity"), "{written:?}");
    let contrib = repo_root().join("contrib");
    let rules = std::fs::read_to_string(contrib.join("prometheus/celtool.rules.yml")).unwrap();
    let dashboard = std::fs::read_to_string(contrib.join("grafana/celtool.json")).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&dashboard).expect("dashboard is JSON");
    assert!(parsed["panels"].as_array().is_some_and(|p| !p.is_empty()));
    let exprs: Vec<String> = parsed["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| t["expr"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut used = used_metrics(&rules);
    used.extend(used_metrics(&exprs.join("\n")));
    let unknown: Vec<&String> = used.iter().filter(|m| !written.contains(*m)).collect();
    assert!(
        unknown.is_empty(),
        "metrics celtool does not write: {unknown:?}\nwritten: {written:?}"
    );
}

#[test]
fn the_units_and_cron_entry_run_doctor_into_the_debian_textfile_directory() {
    let contrib = repo_root().join("contrib");
    let dir = "/var/lib/prometheus/node-exporter/";
    for f in ["systemd/celtool-doctor.service", "cron/celtool-doctor"] {
        let text = std::fs::read_to_string(contrib.join(f)).unwrap();
        assert!(
            text.contains(&format!(
                "doctor --only host --quiet --textfile {dir}celtool.prom"
            )),
            "{f}"
        );
    }
    // The command lines parse: celtool accepts exactly these arguments.
    let r = run(celtool().args([
        "doctor",
        "--only",
        "host",
        "--quiet",
        "--textfile",
        "/nonexistent/x.prom",
        "--help",
    ]));
    assert_eq!(r.code, 0, "{r:#?}");
}

/// The celtool command lines of the Nagios and Icinga 2 definitions, as argument lists.
fn nagios_command_lines() -> Vec<Vec<String>> {
    let dir = repo_root().join("contrib/nagios");
    let cfg = std::fs::read_to_string(dir.join("celtool.cfg")).unwrap();
    let conf = std::fs::read_to_string(dir.join("celtool.conf")).unwrap();
    let from_cfg = cfg
        .lines()
        .filter_map(|l| l.trim().strip_prefix("command_line"))
        .filter_map(|l| l.trim().strip_prefix("/usr/local/bin/celtool "))
        .map(|l| l.split_whitespace().map(str::to_string).collect());
    let quoted = regex::Regex::new(r#""([^"]*)""#).unwrap();
    let from_conf = conf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("command = ["))
        .map(|l| {
            quoted
                .captures_iter(l)
                .map(|c| c[1].to_string())
                .skip(1)
                .collect()
        });
    from_cfg.chain(from_conf).collect()
}

/// Every check that reads the broker stops waiting before Nagios or Icinga kill it (then it
/// still prints its UNKNOWN line), and every command line parses.
#[test]
fn the_nagios_checks_bound_their_wait_and_parse() {
    let lines = nagios_command_lines();
    assert_eq!(lines.len(), 5, "{lines:?}");
    for args in &lines {
        let reads_broker = args[0] == "ping" || args.windows(2).any(|w| w == ["--only", "broker"]);
        if reads_broker {
            assert!(args.iter().any(|a| a == "--deadline"), "{args:?}");
        }
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if a.starts_with('$') {
                    "prod"
                } else {
                    a.as_str()
                }
            })
            .collect();
        let r = run(celtool().args(&args).arg("--help"));
        assert_eq!(r.code, 0, "{args:?}: {r:#?}");
    }
}

mod kubernetes {
    //! contrib/kubernetes: the Deployment parses, `celtool lint` finds nothing in it, and each
    //! probe's command line parses with celtool's real CLI.

    use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};

    use crate::replay::{celtool, repo_root, run};

    fn get<'a>(n: &'a MarkedYamlOwned, key: &str) -> &'a MarkedYamlOwned {
        let YamlDataOwned::Mapping(m) = &n.data else {
            panic!("not a mapping where {key} should be: {:?}", n.data)
        };
        m.iter()
            .find(|(k, _)| matches!(&k.data, YamlDataOwned::Value(ScalarOwned::String(s)) if s == key))
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no key {key}"))
    }

    fn seq(n: &MarkedYamlOwned) -> Vec<&MarkedYamlOwned> {
        match &n.data {
            YamlDataOwned::Sequence(s) => s.iter().collect(),
            other => panic!("not a sequence: {other:?}"),
        }
    }

    fn text(n: &MarkedYamlOwned) -> String {
        match &n.data {
            YamlDataOwned::Value(ScalarOwned::String(s)) => s.clone(),
            other => panic!("not a string: {other:?}"),
        }
    }

    fn num(n: &MarkedYamlOwned) -> i64 {
        match &n.data {
            YamlDataOwned::Value(ScalarOwned::Integer(i)) => *i,
            other => panic!("not an integer: {other:?}"),
        }
    }

    #[test]
    fn the_worker_deployment_s_probes_are_real_celtool_commands() {
        let path = repo_root().join("contrib/kubernetes/worker-deployment.yaml");
        let docs = MarkedYamlOwned::load_from_str(&std::fs::read_to_string(&path).unwrap())
            .expect("valid YAML");
        assert_eq!(docs.len(), 1);
        let pod = get(get(get(&docs[0], "spec"), "template"), "spec");
        let grace = num(get(pod, "terminationGracePeriodSeconds"));
        let containers = seq(get(pod, "containers"));
        let c = containers[0];
        let mut seen = Vec::new();
        for (key, sub) in [
            ("startupProbe", "liveness"),
            ("livenessProbe", "liveness"),
            ("readinessProbe", "readiness"),
        ] {
            let probe = get(c, key);
            let words: Vec<String> = seq(get(get(probe, "exec"), "command"))
                .into_iter()
                .map(text)
                .collect();
            assert_eq!(words[..3], ["celtool", "probe", sub], "{key}: {words:?}");
            let parsed = celtool::cli::help::command().try_get_matches_from(&words);
            assert!(parsed.is_ok(), "{key}: {words:?}: {}", parsed.unwrap_err());
            // kubelet kills a probe at timeoutSeconds: readiness must end first on its own.
            let timeout = num(get(probe, "timeoutSeconds"));
            if sub == "readiness" {
                assert!(
                    timeout as u64 > celtool::settings::PROBE_DEADLINE.as_secs(),
                    "{key}: timeoutSeconds {timeout}"
                );
            }
            seen.push(key);
        }
        assert_eq!(seen.len(), 3);
        assert!(grace > 60, "terminationGracePeriodSeconds {grace}");

        // lint reads the same file and finds nothing to say.
        let r = run(celtool().args(["lint", path.to_str().unwrap(), "--format", "json"]));
        assert_eq!(r.code, 0, "{r:#?}");
    }
}
