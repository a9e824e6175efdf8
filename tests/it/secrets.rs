//! The password never shows: every command that can hold one runs with a distinctive password
//! actually in play, and every byte it writes (stdout, stderr, journal, metrics file) is searched
//! for it.
//!
//! The live broker's guest user has the password "guest", which cannot be told apart from the
//! user name. So broker runs go through an in-process proxy that accepts only the distinctive
//! password (anything else is a 401) and forwards the request to the real broker as guest/guest:
//! a run that gets a report has provably sent the distinctive password.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::support::*;

const PASSWORD: &str = "celtool-secret-9f8e7d";
const BROKER: &str = "127.0.0.1:15672";

/// `Basic base64(user:password)`.
fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A proxy to the real management API that lets through only `guest` with PASSWORD, as
/// guest/guest; any other credentials get the broker's own 401 answer shape.
fn proxy() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let expected = basic("guest", PASSWORD);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(client) = stream else { continue };
            let expected = expected.clone();
            std::thread::spawn(move || {
                let _ = forward(client, &expected);
            });
        }
    });
    format!("http://{addr}")
}

fn forward(client: TcpStream, expected: &str) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    let mut authorized = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let lower = line.to_ascii_lowercase();
        if line == "\r\n" {
            break;
        } else if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
            head.push(line);
        } else if lower.starts_with("authorization:") {
            authorized = line["authorization:".len()..].trim() == expected;
        } else if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let mut client = client;
    if !authorized {
        let body = r#"{"error":"not_authorized","reason":"Login failed"}"#;
        return write!(
            client,
            "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    }
    let mut upstream = TcpStream::connect(BROKER)?;
    for line in &head {
        upstream.write_all(line.as_bytes())?;
    }
    write!(
        upstream,
        "authorization: {}\r\nconnection: close\r\n\r\n",
        basic("guest", "guest")
    )?;
    upstream.write_all(&body)?;
    std::io::copy(&mut upstream, &mut client)?;
    Ok(())
}

/// Everything a run or a file showed, by name, for the final search.
#[derive(Default)]
struct Seen(Vec<(String, String)>);

impl Seen {
    fn run(&mut self, what: &str, cmd: &mut std::process::Command) -> Run {
        let r = run(cmd.env("CELTOOL_PASSWORD", PASSWORD));
        assert!(!r.stderr.contains("panicked"), "{what}: {r:#?}");
        self.0.push((format!("{what}: stdout"), r.stdout.clone()));
        self.0.push((format!("{what}: stderr"), r.stderr.clone()));
        r
    }

    fn file(&mut self, what: &str, path: &Path) {
        let text = std::fs::read(path).unwrap_or_else(|e| panic!("{what} {}: {e}", path.display()));
        self.0.push((
            what.to_string(),
            String::from_utf8_lossy(&text).into_owned(),
        ));
    }

    fn assert_clean(&self) {
        let leaks: Vec<&str> = self
            .0
            .iter()
            .filter(|(_, text)| text.contains(PASSWORD))
            .map(|(what, _)| what.as_str())
            .collect();
        assert!(leaks.is_empty(), "the password appears in: {leaks:?}");
        assert!(self.0.len() > 40, "only {} outputs searched", self.0.len());
    }
}

/// The exit code and the first line of stderr, for the assertions that show what ran.
fn outcome(r: &Run) -> (i32, &str) {
    (r.code, r.stderr.lines().next().unwrap_or(""))
}

#[test]
fn the_password_never_appears_in_any_output_journal_or_metrics_file() {
    let v = Vhost::new("secrets");
    let q = "celeryev.9d3c1e7a-2b4f-4c6d-8e0a-1f2b3c4d5e6f";
    v.declare(q, json!({}));
    v.publish(q, 3);
    v.wait_ready(q, 3);
    let url = proxy();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let mut seen = Seen::default();
    let broker = |args: &[&str]| {
        let mut c = celtool();
        c.args(args).args(["--url", &url]);
        c
    };

    // Reports in every format, and the listings: each one read the broker through the proxy,
    // so each one sent the password.
    for format in ["table", "json", "prometheus", "nagios"] {
        let r = seen.run(
            &format!("doctor --format {format}"),
            &mut broker(&[
                "doctor", "--only", "broker", "--vhost", &v.name, "--format", format,
            ]),
        );
        assert_eq!(outcome(&r), (2, ""), "doctor --format {format}: {r:#?}");
    }
    let r = seen.run(
        "doctor with host checks",
        &mut broker(&["doctor", "--vhost", &v.name, "--format", "json"]),
    );
    assert!(r.code != 3 || r.stdout.contains("host."), "{r:#?}");
    for command in ["queues", "connections"] {
        for format in ["table", "json"] {
            let r = seen.run(
                &format!("{command} --format {format}"),
                &mut broker(&[command, "--vhost", &v.name, "--format", format]),
            );
            assert_eq!(outcome(&r), (0, ""), "{command}: {r:#?}");
        }
    }

    // Refused credentials: the same password under another user name.
    for format in ["table", "json", "nagios"] {
        let r = seen.run(
            &format!("401 --format {format}"),
            &mut broker(&[
                "doctor", "--only", "broker", "--user", "nobody", "--format", format,
            ]),
        );
        assert_eq!(r.code, 3, "{r:#?}");
        assert!(
            r.stderr.contains("401 Unauthorized") || r.stdout.contains("broker.auth"),
            "{r:#?}"
        );
    }

    // The password from a profile's password_file, accepted and refused; and written straight
    // into the config file, where it is an unknown key whose line must not be quoted back.
    let password_file = dir.path().join("password");
    write(
        &password_file,
        &format!("{PASSWORD}\nsecond line ignored\n"),
    );
    // As a careful operator keeps it (0644 would draw a warning on stderr).
    std::fs::set_permissions(
        &password_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    write(
        &config,
        &format!(
            "[profiles.proxy]\nurl = \"{url}\"\npassword_file = \"{}\"\nvhost = \"{}\"\n\n[profiles.other]\nurl = \"{url}\"\nuser = \"nobody\"\npassword_file = \"{}\"\n",
            password_file.display(),
            v.name,
            password_file.display()
        ),
    );
    let profile = |name: &str, args: &[&str]| {
        let mut c = celtool();
        c.args(args)
            .args(["--profile", name, "--config"])
            .arg(&config)
            .env_remove("CELTOOL_PASSWORD");
        c
    };
    for format in ["table", "json"] {
        let r = run(&mut profile(
            "proxy",
            &["doctor", "--only", "broker", "--format", format],
        ));
        assert_eq!(outcome(&r), (2, ""), "{r:#?}");
        seen.0.push((
            format!("profile doctor {format}"),
            format!("{}{}", r.stdout, r.stderr),
        ));
    }
    let r = run(&mut profile("other", &["queues"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr
            .contains("401 Unauthorized: the broker refused user 'nobody' (profile 'other')"),
        "{r:#?}"
    );
    seen.0
        .push(("profile 401".into(), format!("{}{}", r.stdout, r.stderr)));
    let bad_config = dir.path().join("bad.toml");
    write(
        &bad_config,
        &format!("[profiles.proxy]\nurl = \"{url}\"\npassword = \"{PASSWORD}\"\n"),
    );
    let r = seen.run(
        "password in the config file",
        celtool()
            .args(["queues", "--profile", "proxy", "--config"])
            .arg(&bad_config),
    );
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("unknown field `password`"), "{r:#?}");
    let with_userinfo = url.replace("http://", &format!("http://guest:{PASSWORD}@"));
    let r = seen.run(
        "credentials in --url",
        celtool().args(["queues", "--url", &with_userinfo]),
    );
    assert_eq!(r.code, 3, "{r:#?}");

    // A fix planned, applied and undone through the proxy, journalled to a file of the test's.
    let fix = |extra: &[&str]| {
        let mut c = broker(&["fix", "event-queues", "--vhost", &v.name]);
        c.arg("--journal").arg(&journal).args(extra);
        c
    };
    let r = seen.run("fix --dry-run", &mut fix(&["--dry-run"]));
    assert_eq!(outcome(&r), (0, ""), "{r:#?}");
    assert!(r.stdout.contains("dry run: nothing changed"), "{r:#?}");
    let r = seen.run("fix --yes", &mut fix(&["--yes"]));
    assert_eq!(outcome(&r), (0, ""), "{r:#?}");
    assert!(r.stdout.contains("applied 1 change(s) as run "), "{r:#?}");
    let mut undo = broker(&["undo", "--yes"]);
    undo.arg("--journal").arg(&journal);
    let r = seen.run("undo --yes", &mut undo);
    assert_eq!(outcome(&r), (0, ""), "{r:#?}");
    assert_eq!(api("GET", &["policies", &v.name], None), json!([]));
    seen.file("journal", &journal);

    // prune-tmp reads no broker; the password is only in its environment.
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    write(&tmp.join("old"), "x");
    let textfile = dir.path().join("celtool_prune.prom");
    let r = seen.run(
        "prune-tmp --textfile",
        celtool()
            .args([
                "prune-tmp",
                "--older-than",
                "2d",
                "--format",
                "json",
                "--textfile",
            ])
            .arg(&textfile)
            .arg(&tmp),
    );
    assert_eq!(outcome(&r), (0, ""), "{r:#?}");
    seen.file("prune-tmp textfile", &textfile);

    seen.assert_clean();
}
