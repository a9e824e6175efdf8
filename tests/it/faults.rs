//! Fault tests: an in-process HTTP server on a random port answers what each test scripts.
//! Every fault must end with exit 3, one specific line, and never the password.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use crate::support::*;

const PASSWORD: &str = "celtool-fault-pw-7f3a";

/// Serve `response` (raw HTTP) to every connection, after `delay`, until the test ends.
fn serve(response: &'static [u8], delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let _ = s.write_all(response);
                let _ = s.flush();
            });
        }
    });
    format!("http://{addr}")
}

/// Serve by path: the first route whose prefix matches the request path answers; else 404.
fn serve_routes(routes: &'static [(&'static str, &'static str)]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let n = s.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("");
                let (status, body) = routes
                    .iter()
                    .find(|(prefix, _)| path.starts_with(prefix))
                    .map(|(_, body)| ("200 OK", *body))
                    .unwrap_or((
                        "500 Internal Server Error",
                        "{\"reason\":\"scripted failure\"}",
                    ));
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    format!("http://{addr}")
}

fn doctor(url: &str) -> Run {
    run(celtool()
        .args([
            "doctor",
            "--only",
            "broker",
            "--url",
            url,
            "--timeout",
            "1s",
        ])
        .env("CELTOOL_PASSWORD", PASSWORD))
}

fn assert_fault(r: &Run, expected: &str) {
    assert_eq!(r.code, 3, "{r:#?}");
    assert_eq!(r.stdout, "", "{r:#?}");
    let first = r.stderr.lines().next().unwrap_or("");
    assert!(first.starts_with("celtool: error: "), "{r:#?}");
    assert!(
        first.contains(expected),
        "expected {expected:?} in {first:?}"
    );
    assert!(
        !r.stderr.contains(PASSWORD) && !r.stdout.contains(PASSWORD),
        "password leaked: {r:#?}"
    );
}

#[test]
fn unauthorized_names_the_user_and_where_the_password_comes_from() {
    let url = serve(b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 46\r\nconnection: close\r\n\r\n{\"error\":\"not_authorized\",\"reason\":\"Login failed\"}", Duration::ZERO);
    let r = doctor(&url);
    assert_fault(
        &r,
        "/api/overview: 401 Unauthorized: the broker refused user 'guest'; check the user and the password (CELTOOL_PASSWORD or the profile's password_file)",
    );
}

#[test]
fn forbidden_names_the_monitoring_tag() {
    let url = serve(
        b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        Duration::ZERO,
    );
    let r = run(celtool()
        .args(["doctor", "--only", "broker", "--url", &url, "--user", "app"])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_fault(
        &r,
        "403 Forbidden: user 'app' may not read this; give it the monitoring tag: rabbitmqctl set_user_tags app monitoring",
    );
}

#[test]
fn not_found_suggests_the_plugin_and_the_prefix() {
    let url = serve(
        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        Duration::ZERO,
    );
    assert_fault(
        &doctor(&url),
        "404 Not Found: is the management plugin enabled (rabbitmq-plugins enable rabbitmq_management)",
    );
}

#[test]
fn server_errors_carry_the_reason() {
    let url = serve(b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: 40\r\nconnection: close\r\n\r\n{\"error\":\"x\",\"reason\":\"node down\\u001b\"}", Duration::ZERO);
    assert_fault(
        &doctor(&url),
        "500 Internal Server Error: the broker reported a server error: node down\\u{1b}",
    );
}

#[test]
fn a_stall_past_the_timeout() {
    let url = serve(
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
        Duration::from_secs(5),
    );
    assert_fault(
        &doctor(&url),
        "no complete answer within 1s; raise --timeout",
    );
}

#[test]
fn truncated_json() {
    let url = serve(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n[{\"name\":\"rabbit@a\",\"mem_u", Duration::ZERO);
    let r = run(celtool()
        .args(["queues", "--url", &url])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_fault(
        &r,
        "/api/queues: the response is not the JSON expected: EOF while parsing",
    );
}

#[test]
fn json_of_the_wrong_shape() {
    let url = serve(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\nconnection: close\r\n\r\n{\"items\": []}", Duration::ZERO);
    let r = run(celtool()
        .args(["queues", "--url", &url])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_fault(
        &r,
        "/api/queues: the response is not the JSON expected: invalid type: map, expected a sequence",
    );
}

#[test]
fn connection_refused_names_the_url() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = doctor(&format!("http://127.0.0.1:{port}"));
    assert_fault(
        &r,
        &format!("GET http://127.0.0.1:{port}/api/overview: cannot connect: Connection refused"),
    );
}

#[test]
fn machine_formats_still_report_unknown() {
    let url = serve(
        b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        Duration::ZERO,
    );
    let r = run(celtool()
        .args([
            "doctor", "--only", "broker", "--url", &url, "--format", "nagios",
        ])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stdout
            .starts_with("CELTOOL UNKNOWN: 0 critical, 0 warning, 1 unknown: broker.auth "),
        "{r:#?}"
    );
    let r = run(celtool()
        .args([
            "doctor", "--only", "broker", "--url", &url, "--format", "json",
        ])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_eq!(
        (r.code, r.problems()),
        (3, vec![p("broker.auth", "unknown", &format!("{url}/"))])
    );
    assert!(!r.stdout.contains(PASSWORD));
}

#[test]
fn tls_to_a_plain_port() {
    let url = serve(
        b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        Duration::ZERO,
    );
    let r = doctor(&url.replace("http://", "https://"));
    assert_fault(&r, "TLS handshake failed");
    assert!(r.stderr.contains("use http:// for a plain port"), "{r:#?}");
}

#[test]
fn one_failing_endpoint_gives_a_degraded_report() {
    // Overview and nodes answer (metrics collector off: most node fields missing); the
    // queue list fails. The report keeps what it could check and says what it could not.
    let url = serve_routes(&[
        (
            "/api/overview",
            r#"{"rabbitmq_version":"4.1.0","cluster_name":"c1"}"#,
        ),
        ("/api/nodes/rabbit%40n1/memory", r#"{"memory":{}}"#),
        ("/api/nodes", r#"[{"name":"rabbit@n1","running":true}]"#),
        ("/api/connections", "[]"),
        ("/api/consumers", "[]"),
        ("/api/exchanges", "[]"),
        ("/api/policies", "[]"),
    ]);
    let r = run(celtool()
        .args([
            "doctor", "--only", "broker", "--url", &url, "--format", "json",
        ])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_eq!(r.code, 3, "{r:#?}");
    assert_eq!(r.problems(), vec![p("broker.api", "unknown", "queues")]);
    let doc = r.json();
    let queues = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"] == "queues")
        .unwrap();
    assert!(queues["summary"].as_str().unwrap().contains("/api/queues: 500 Internal Server Error: the broker reported a server error: scripted failure"), "{queues:#}");
    let version = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "broker.version")
        .unwrap();
    assert_eq!(version["summary"], "RabbitMQ 4.1.0, cluster c1");
    // A terminal gets the report too, since part of it is valid.
    let t = run(celtool()
        .args(["doctor", "--only", "broker", "--url", &url])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_eq!(t.code, 3);
    assert!(t.stdout.contains("UNKNOWN broker.api  queues"), "{t:#?}");
}

#[test]
fn with_host_checks_an_unreachable_broker_is_an_unknown_finding_in_the_report() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run(celtool()
        // Other tests make zombies and full filesystems on this host meanwhile.
        .args([
            "doctor",
            "--skip",
            "host.inodes,host.workers",
            "--url",
            &format!("http://127.0.0.1:{port}"),
        ])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stdout
            .starts_with("broker\n  UNKNOWN broker.unreachable  http://127.0.0.1:"),
        "{r:#?}"
    );
    assert!(
        r.stdout.contains("cannot connect: Connection refused"),
        "{r:#?}"
    );
    let j = run(celtool()
        .args([
            "doctor",
            "--skip",
            "host.inodes,host.workers",
            "--format",
            "json",
            "--url",
            &format!("http://127.0.0.1:{port}"),
        ])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_eq!(j.code, 3);
    let findings = j.json()["findings"].as_array().cloned().unwrap();
    assert!(
        findings.iter().any(|f| f["area"] == "host"),
        "host checks still ran: {j:#?}"
    );
}
