//! The command line itself: help, bad arguments, config errors, explain. (The generated
//! completions and man pages are checked in tests/offline, which needs no broker.)

use crate::support::*;

#[test]
fn help_and_version_exit_0_and_document_exit_codes() {
    let r = run(celtool().arg("--help"));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Exit codes"), "{}", r.stdout);
    assert!(r.stdout.contains("3  could not check"), "{}", r.stdout);
    let r = run(celtool().arg("--version"));
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, concat!("celtool ", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn bad_arguments_exit_3_with_one_line() {
    let r = run(celtool().args(["doctor", "--only", "nowhere"]));
    assert_eq!(r.code, 3);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("celtool: error: invalid value 'nowhere' for '--only"),
        "{}",
        r.stderr
    );
    let r = run(celtool().args(["doctor", "--timeout", "soon"]));
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("invalid duration 'soon'"), "{}", r.stderr);
    let r = run(celtool().args(["doctor", "--skip", "nope.nothing"]));
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("--skip nope.nothing: no finding ID"),
        "{}",
        r.stderr
    );
    let r = run(celtool().args(["queues", "--name", "("]));
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .contains("--name '(' is not a valid regular expression"),
        "{}",
        r.stderr
    );
}

#[test]
fn config_errors_name_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("celtool.toml");
    write(
        &cfg,
        "[profiles.prod]\nurl = \"http://localhost:15672\"\nuser = \"mon\"\npasword_file = \"/x\"\n",
    );
    let r = run(celtool()
        .args(["doctor", "--profile", "prod"])
        .env("CELTOOL_CONFIG", &cfg));
    assert_eq!(r.code, 3);
    let line = r.stderr.lines().next().unwrap();
    assert!(
        line.starts_with(&format!("celtool: error: config file {}:", cfg.display())),
        "{line}"
    );
    assert!(line.contains("pasword_file"), "{line}");
    write(&cfg, "[profiles.prod]\nurl = \"http://localhost:15672\"\n");
    let r = run(celtool()
        .args(["doctor", "--profile", "staging"])
        .env("CELTOOL_CONFIG", &cfg));
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("profile 'staging' is not in"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("profiles there: prod"), "{}", r.stderr);
    let r = run(celtool().args(["doctor", "--url", "http://guest:hunter2@localhost:15672"]));
    assert_eq!(r.code, 3);
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
}

#[test]
fn a_profile_with_a_password_file_connects() {
    let v = Vhost::new("profile");
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    write(&pw, "guest\n");
    let cfg = dir.path().join("config.toml");
    write(
        &cfg,
        &format!(
            "[profiles.local]\nurl = \"http://127.0.0.1:15672\"\nuser = \"guest\"\npassword_file = \"{}\"\nvhost = \"{}\"\n",
            pw.display(),
            v.name
        ),
    );
    // The node-wide IDs skipped: exit 0 says the profile's vhost is clean, whatever other users
    // of the shared broker do to the node (see NODE_WIDE).
    let r = run(celtool()
        .args([
            "doctor",
            "--profile",
            "local",
            "--only",
            "broker",
            "--format",
            "json",
        ])
        .args(skip_node_wide())
        .env("CELTOOL_CONFIG", &cfg));
    assert_eq!((r.code, r.vhost_problems(&v.name)), (0, vec![]), "{r:#?}");
    assert_eq!(r.json()["scope"]["broker"], "http://127.0.0.1:15672/");
    assert_eq!(r.json()["scope"]["vhost"], v.name.as_str());
    // The same profile with a wrong password fails as authentication, naming the profile.
    write(&pw, "wrong\n");
    let r = run(celtool()
        .args(["doctor", "--only", "broker", "--profile", "local"])
        .env("CELTOOL_CONFIG", &cfg));
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .contains("401 Unauthorized: the broker refused user 'guest' (profile 'local')"),
        "{}",
        r.stderr
    );
}

#[test]
fn explain_lists_ids_and_explains_one() {
    let r = run(celtool().arg("explain"));
    assert_eq!(r.code, 0);
    for id in [
        "events.no-ttl",
        "broker.alarm.memory",
        "results.flood",
        "queues.backlog",
    ] {
        assert!(r.stdout.contains(id), "{id} missing from {}", r.stdout);
    }
    let r = run(celtool().args(["explain", "events.no-ttl"]));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with(
            "events.no-ttl (celery): Celery event queue without message TTL or expiry\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("event_queue_ttl / CELERY_EVENT_QUEUE_TTL"),
        "{}",
        r.stdout
    );
    let r = run(celtool().args(["explain", "queues.backlog"]));
    assert!(
        r.stdout
            .contains("Thresholds: warn >= 1000 (messages ready)"),
        "{}",
        r.stdout
    );
    let r = run(celtool().args(["explain", "events.nope"]));
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("unknown finding ID 'events.nope'"),
        "{}",
        r.stderr
    );
}
