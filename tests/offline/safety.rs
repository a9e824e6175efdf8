//! Settings that are unsafe or cannot work are said so before anything runs: a password_file
//! others can read (a warning, once), an empty one (an error naming the file), an unknown
//! profile (an error, also where only the host is checked).

use std::os::unix::fs::PermissionsExt;

use crate::replay::{Replay, celtool, run};

fn config(
    dir: &std::path::Path,
    password: &str,
    mode: u32,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let pw = dir.join("password");
    std::fs::write(&pw, password).unwrap();
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(mode)).unwrap();
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.prod]\nuser = \"guest\"\npassword_file = \"{}\"\n",
            pw.display()
        ),
    )
    .unwrap();
    (cfg, pw)
}

#[test]
fn a_password_file_others_can_read_draws_one_warning() {
    let r = Replay::start("clean");
    let dir = tempfile::tempdir().unwrap();
    let (cfg, pw) = config(dir.path(), "guest\n", 0o644);
    let out = run(celtool().env("CELTOOL_CONFIG", &cfg).args([
        "--profile",
        "prod",
        "--url",
        &r.url,
        "doctor",
        "--only",
        "broker",
        "--vhost",
        "celtool-fixture-clean",
        "--no-workers",
        "-q",
    ]));
    let want = format!(
        "celtool: warning: password_file {0} of profile 'prod' is readable by group and others (mode 0644); restrict it: chmod 600 {0}\n",
        pw.display()
    );
    assert_eq!(out.stderr, want, "{out:#?}");
    assert_eq!(out.code, 0, "{out:#?}");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let quiet = run(celtool().env("CELTOOL_CONFIG", &cfg).args([
        "--profile",
        "prod",
        "--url",
        &r.url,
        "queues",
        "--vhost",
        "celtool-fixture-clean",
        "-q",
    ]));
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""), "{quiet:#?}");
}

#[test]
fn an_empty_password_file_is_an_error_naming_it() {
    let r = Replay::start("clean").expect_nothing();
    let dir = tempfile::tempdir().unwrap();
    let (cfg, pw) = config(dir.path(), "\nrotated 2026-01\n", 0o600);
    let out = run(celtool().env("CELTOOL_CONFIG", &cfg).args([
        "--profile",
        "prod",
        "--url",
        &r.url,
        "doctor",
        "--only",
        "broker",
    ]));
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(
        out.stderr.starts_with(&format!(
            "celtool: error: cannot read password_file {} of profile 'prod': its first line is empty",
            pw.display()
        )),
        "{out:#?}"
    );
    assert!(!out.stderr.contains("401"), "{out:#?}");
    assert!(
        r.counts().is_empty(),
        "nothing asked of the broker: {:?}",
        r.counts()
    );
}

#[test]
fn an_unknown_profile_is_an_error_also_for_host_checks() {
    let dir = tempfile::tempdir().unwrap();
    let (cfg, _) = config(dir.path(), "guest\n", 0o600);
    let out = run(celtool().env("CELTOOL_CONFIG", &cfg).args([
        "--profile",
        "nosuch",
        "doctor",
        "--only",
        "host",
    ]));
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(
        out.stderr
            .starts_with("celtool: error: profile 'nosuch' is not in "),
        "{out:#?}"
    );
    assert!(out.stderr.contains("profiles there: prod"), "{out:#?}");
}
