//! Fault tests: an in-process HTTP server on a random port answers what each test scripts.
//! Every fault must end with exit 3, one specific line, and never the password.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// Serve every connection with `handler`, which gets the request (line and headers) and writes
/// the whole raw response itself; for bodies that are streamed, huge or scripted per request.
pub(crate) fn serve_with(handler: impl Fn(&str, &mut TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let handler = Arc::clone(&handler);
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                let n = s.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                handler(&request, &mut s);
                let _ = s.flush();
            });
        }
    });
    format!("http://{addr}")
}

/// The path (with query) of a raw request.
pub(crate) fn request_path(request: &str) -> &str {
    request.split_whitespace().nth(1).unwrap_or("")
}

/// Write a complete JSON response.
pub(crate) fn respond(s: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// A fake management API: the first route whose prefix matches the path answers 200 with its
/// body (so put `/api/nodes/N/memory` before `/api/nodes`); anything else is a 500.
pub(crate) fn fake_broker(routes: Vec<(&'static str, String)>) -> String {
    serve_with(move |request, s| {
        let path = request_path(request);
        match routes.iter().find(|(prefix, _)| path.starts_with(prefix)) {
            Some((_, body)) => match one_queue(path, body) {
                Some(Some(queue)) => respond(s, "200 OK", &queue),
                Some(None) => respond(s, "404 Not Found", r#"{"reason":"Not Found"}"#),
                None => respond(s, "200 OK", body),
            },
            None => respond(
                s,
                "500 Internal Server Error",
                r#"{"reason":"scripted failure"}"#,
            ),
        }
    })
}

/// `GET /api/queues/VHOST/NAME` answered from a scripted queue listing, as RabbitMQ answers it:
/// the queue's record, or None (404) when the listing has no such queue. None when the request
/// is no single-queue read of a listing.
pub(crate) fn one_queue(path: &str, body: &str) -> Option<Option<String>> {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<String> = path
        .split('/')
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let [_, api, queues, vhost, name] = parts.as_slice() else {
        return None;
    };
    if api != "api" || queues != "queues" {
        return None;
    }
    let listing: Vec<serde_json::Value> = serde_json::from_str(body).ok()?;
    Some(
        listing
            .into_iter()
            .find(|q| q["name"] == name.as_str() && q["vhost"].as_str().unwrap_or("/") == vhost)
            .map(|q| q.to_string()),
    )
}

/// Whether `path` is a single-queue read (`/api/queues/VHOST/NAME`), not a listing.
pub(crate) fn is_one_queue(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    path.starts_with("/api/queues/") && path.split('/').count() == 5
}

/// Answer a queue request from a scripted listing: the listing itself, or for a single-queue
/// read the queue's record (404 when the listing lacks it), as RabbitMQ does.
pub(crate) fn respond_queues(s: &mut TcpStream, path: &str, listing: &str) {
    match one_queue(path, listing) {
        Some(Some(queue)) => respond(s, "200 OK", &queue),
        Some(None) => respond(s, "404 Not Found", r#"{"reason":"Not Found"}"#),
        None => respond(s, "200 OK", listing),
    }
}

fn doctor(url: &str) -> Run {
    run(celtool()
        .args([
            "doctor",
            "--no-workers",
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
    assert_no_panic(r);
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

fn assert_no_panic(r: &Run) {
    assert!(!r.stderr.contains("panicked"), "{r:#?}");
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
        .args([
            "doctor",
            "--no-workers",
            "--only",
            "broker",
            "--url",
            &url,
            "--user",
            "app",
        ])
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
        "no answer within 3s (3 x --timeout, plus 1 s per 1 000 objects on the broker); raise --timeout",
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
            "doctor",
            "--no-workers",
            "--only",
            "broker",
            "--url",
            &url,
            "--format",
            "nagios",
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
            "doctor",
            "--no-workers",
            "--only",
            "broker",
            "--url",
            &url,
            "--format",
            "json",
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
        ("/api/channels", "[]"),
    ]);
    let r = run(celtool()
        .args([
            "doctor",
            "--no-workers",
            "--only",
            "broker",
            "--url",
            &url,
            "--format",
            "json",
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
        .args(["doctor", "--no-workers", "--only", "broker", "--url", &url])
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

#[test]
fn unavailable_carries_the_json_reason() {
    let url = serve_with(|_, s| {
        respond(
            s,
            "503 Service Unavailable",
            r#"{"error":"service_unavailable","reason":"node rabbit@n1 is booting"}"#,
        )
    });
    let r = doctor(&url);
    assert_fault(
        &r,
        &format!(
            "GET {url}/api/overview: 503 Service Unavailable: the broker reported a server error: node rabbit@n1 is booting"
        ),
    );
}

#[test]
fn a_redirect_to_itself_is_too_many_redirects() {
    let url = serve_with(|request, s| {
        let _ = write!(
            s,
            "HTTP/1.1 301 Moved Permanently\r\nlocation: {}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            request_path(request)
        );
    });
    let r = doctor(&url);
    assert_fault(
        &r,
        &format!(
            "GET {url}/api/overview: too many redirects (more than 5); point --url at the management API itself"
        ),
    );
}

const HUNDRED_MB: u64 = 100 * 1024 * 1024;
const MAX_BODY: u64 = 64 * 1024 * 1024;

#[derive(Clone, Copy)]
enum Framing {
    Length,
    Chunked,
    Close,
}

/// Serve a 100 MB JSON body on /api/queues (`[`, then whitespace, which a JSON reader skips
/// without keeping anything) in 64 KiB writes, framed as asked; `[]` elsewhere. Returns the URL
/// and the count of body bytes the client has taken so far.
fn serve_huge(framing: Framing) -> (String, Arc<AtomicU64>) {
    let sent = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&sent);
    let url = serve_with(move |request, s| {
        if !request_path(request).starts_with("/api/queues") {
            respond(s, "200 OK", "[]");
            return;
        }
        let head = match framing {
            Framing::Length => format!("content-length: {HUNDRED_MB}\r\n"),
            Framing::Chunked => "transfer-encoding: chunked\r\n".to_string(),
            Framing::Close => String::new(),
        };
        if write!(
            s,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{head}connection: close\r\n\r\n"
        )
        .is_err()
        {
            return;
        }
        let mut chunk = vec![b' '; 64 * 1024];
        chunk[0] = b'[';
        let mut written = 0u64;
        while written < HUNDRED_MB {
            let ok = match framing {
                Framing::Chunked => write!(s, "{:x}\r\n", chunk.len())
                    .and_then(|()| s.write_all(&chunk))
                    .and_then(|()| s.write_all(b"\r\n")),
                _ => s.write_all(&chunk),
            };
            if ok.is_err() {
                return;
            }
            chunk[0] = b' ';
            written += chunk.len() as u64;
            counter.store(written, Ordering::SeqCst);
        }
    });
    (url, sent)
}

#[test]
fn a_100_mb_body_with_content_length_is_refused_unread() {
    let (url, sent) = serve_huge(Framing::Length);
    let r = run(celtool()
        .args(["queues", "--url", &url, "--timeout", "30s"])
        .env("CELTOOL_PASSWORD", PASSWORD));
    assert_fault(
        &r,
        &format!(
            "GET {url}/api/queues: the response body is larger than 67108864 bytes; refusing to read it"
        ),
    );
    // Refused on the header: what the server got out is what fits in socket buffers, far from
    // the limit, let alone the body.
    let taken = sent.load(Ordering::SeqCst);
    assert!(
        taken < MAX_BODY,
        "{taken} bytes went out before the refusal"
    );
}

#[test]
fn a_100_mb_body_without_content_length_hits_the_limit_while_streaming() {
    for framing in [Framing::Chunked, Framing::Close] {
        let (url, sent) = serve_huge(framing);
        let r = run(celtool()
            .args(["queues", "--url", &url, "--timeout", "60s"])
            .env("CELTOOL_PASSWORD", PASSWORD));
        assert_fault(
            &r,
            &format!(
                "GET {url}/api/queues: the response body is larger than 67108864 bytes; refusing to read it"
            ),
        );
        // It read up to the limit, then stopped: the server never got the whole body out.
        let taken = sent.load(Ordering::SeqCst);
        assert!(
            (MAX_BODY..HUNDRED_MB).contains(&taken),
            "{taken} bytes went out"
        );
    }
}

/// The routes of a whole broker, for `doctor --only broker`, `queues` and `connections`.
fn broker_routes(
    nodes: &str,
    memory: &str,
    queues: &str,
    connections: &str,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "/api/overview",
            r#"{"rabbitmq_version":"4.1.0","cluster_name":"c1"}"#.to_string(),
        ),
        ("/api/nodes/rabbit%40n1/memory", memory.to_string()),
        ("/api/nodes", nodes.to_string()),
        ("/api/queues", queues.to_string()),
        ("/api/connections", connections.to_string()),
        ("/api/consumers", "[]".to_string()),
        ("/api/exchanges", "[]".to_string()),
        ("/api/policies", "[]".to_string()),
        ("/api/channels", "[]".to_string()),
    ]
}

/// A fake API answers for the broker, but AMQP would reach the real one: no worker probe.
fn run_with(url: &str, args: &[&str]) -> Run {
    let no_workers: &[&str] = if args.first() == Some(&"doctor") {
        &["--no-workers"]
    } else {
        &[]
    };
    run(celtool()
        .args(args)
        .args(no_workers)
        .args(["--url", url])
        .env("CELTOOL_PASSWORD", PASSWORD))
}

#[test]
fn fields_missing_with_the_metrics_collector_off_give_a_valid_report() {
    // With management_agent.disable_metrics_collector nodes lose their memory, disk, fd and
    // process figures and queues their counts and rates; connections keep little but names.
    let url = fake_broker(broker_routes(
        r#"[{"name":"rabbit@n1","running":true}]"#,
        r#"{"memory":{}}"#,
        r#"[{"name":"celery","vhost":"/"},{"name":"celeryev.1f2e","vhost":"jobs"},{"name":"w1@h.celery.pidbox","vhost":"/"}]"#,
        r#"[{"name":"10.0.0.5:51234 -> 10.0.0.1:5672","vhost":"/"}]"#,
    ));
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_no_panic(&r);
    // Queues without state nor consumer count have no statistics (yet): said as ok; their counts
    // are unknown, never 0: the event queue still lacks a TTL (warn: its depth is unknown, not
    // 0); nothing claims the mailbox has no consumer. Node checks have nothing to judge (ok).
    assert_eq!(
        (r.code, r.problems()),
        (1, vec![p("events.no-ttl", "warn", "jobs/celeryev.1f2e")]),
        "{r:#?}"
    );
    let report = r.json();
    let said: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "broker.stats.off" && f["subject"] == "/celery")
        .filter_map(|f| f["summary"].as_str())
        .collect();
    assert_eq!(
        said,
        vec![
            "3 queue(s) without all their statistics yet (no message counts, or no state and consumer count: declared since the broker last collected statistics, or its metrics collector is off): /celery, jobs/celeryev.1f2e, /w1@h.celery.pidbox; what they lack is unknown and was not judged"
        ],
        "{r:#?}"
    );
    let t = run_with(&url, &["doctor", "--only", "broker"]);
    assert_no_panic(&t);
    assert_eq!(t.code, 1, "{t:#?}");
    let said = "event queue jobs/celeryev.1f2e has no message TTL or expiry (arguments or policy): message count unknown, consumers unknown";
    assert!(t.stdout.contains(said), "{said}: {t:#?}");
    assert!(!t.stdout.contains("0 message(s)"), "{t:#?}");
    for args in [["queues"], ["connections"]] {
        let l = run_with(&url, &args);
        assert_no_panic(&l);
        assert_eq!((l.code, l.stderr.as_str()), (0, ""), "{l:#?}");
    }
    let q = run_with(&url, &["queues", "--format", "json"]);
    for key in ["ready", "unacked", "consumers"] {
        let values: Vec<_> = q.rows("queues").iter().map(|q| q[key].clone()).collect();
        assert_eq!(values, vec![serde_json::Value::Null; 3], "{key}: {q:#?}");
    }
}

#[test]
fn a_queue_without_messages_ready_is_unknown_not_empty() {
    // A proxy strips messages_ready from the 10 000-message queue nobody consumes.
    let url = fake_broker(broker_routes(
        r#"[{"name":"rabbit@n1","running":true}]"#,
        r#"{"memory":{}}"#,
        r#"[{"name":"idle","vhost":"/","messages_ready":0,"messages_unacknowledged":0,"consumers":1},
            {"name":"jobs","vhost":"/","messages_unacknowledged":0,"consumers":0},
            {"name":"busy","vhost":"/","messages_ready":7,"messages_unacknowledged":0,"consumers":1},
            {"name":"celeryev.9a","vhost":"/","messages_unacknowledged":0,"consumers":0}]"#,
        "[]",
    ));
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_no_panic(&r);
    assert_eq!(
        (r.code, r.problems()),
        (
            3,
            vec![
                p("broker.api.value", "unknown", "/jobs"),
                p("events.no-ttl", "warn", "/celeryev.9a"),
            ]
        ),
        "{r:#?}"
    );
    let t = run_with(&url, &["doctor", "--only", "broker"]);
    for said in [
        "2 queue record(s) with missing or impossible values: /jobs no messages_ready; /celeryev.9a no messages_ready; those figures were not used",
        "event queue /celeryev.9a has no message TTL or expiry (arguments or policy): message count unknown, no consumer",
    ] {
        assert!(t.stdout.contains(said), "{said}: {t:#?}");
    }
    assert!(
        t.stdout
            .contains("celtool: UNKNOWN: 0 critical, 1 warning, 1 unknown"),
        "{t:#?}"
    );
    // The listing shows `-` / null and sorts the unknown depth after every known one.
    let q = run_with(&url, &["queues", "--format", "json"]);
    assert_eq!(q.code, 0, "{q:#?}");
    let rows: Vec<(String, serde_json::Value)> = q
        .rows("queues")
        .iter()
        .map(|q| (q["name"].as_str().unwrap().to_string(), q["ready"].clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("busy".to_string(), serde_json::json!(7)),
            ("idle".to_string(), serde_json::json!(0)),
            ("celeryev.9a".to_string(), serde_json::Value::Null),
            ("jobs".to_string(), serde_json::Value::Null),
        ],
        "{q:#?}"
    );
    let t = run_with(&url, &["queues"]);
    let jobs = t.stdout.lines().find(|l| l.contains("jobs")).unwrap_or("");
    assert_eq!(
        jobs.split_whitespace().collect::<Vec<_>>()[..6],
        ["/", "jobs", "other", "-", "0", "0"],
        "{t:#?}"
    );
}

/// Words that mean a number was mangled on its way to the output.
fn nonsense(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| ["NaN", "nan", "inf", "Inf", "infinity"].contains(w))
        .collect()
}

#[test]
fn huge_and_negative_numbers_do_not_panic_or_print_nonsense() {
    let url = fake_broker(broker_routes(
        r#"[{"name":"rabbit@n1","running":true,"mem_used":1e308,"mem_limit":1e308,
            "disk_free":-5,"disk_free_limit":0,"fd_used":18446744073709551615,"fd_total":0,
            "proc_used":-1,"proc_total":-1}]"#,
        r#"{"memory":{"mgmt_db":1e308,"metrics":1e308,"total":{"rss":0,"allocated":-1,"erlang":1e308}}}"#,
        r#"[{"name":"celery","vhost":"/","messages_ready":1e308,"messages_unacknowledged":-3,
             "consumers":18446744073709551615,
             "message_stats":{"publish_details":{"rate":1e308},"deliver_get_details":{"rate":-1e308},
                              "redeliver_details":{"rate":1e308}}},
            {"name":"q2","vhost":"/","messages_ready":-7,"messages_unacknowledged":18446744073709551615,
             "consumers":0,"message_stats":{"publish_details":{"rate":-1},"deliver_get_details":{"rate":0}}},
            {"name":"celeryev.x","vhost":"/","messages_ready":18446744073709551615,"consumers":-1,
             "arguments":{"x-message-ttl":1e308,"x-expires":-5}}]"#,
        r#"[{"name":"c1","vhost":"/","user":"u","timeout":-1,"channels":1e308,
             "peer_port":18446744073709551615,"recv_oct_details":{"rate":1e308},
             "send_oct_details":{"rate":1e308}},
            {"name":"c2","vhost":"/","user":"u","timeout":0,"channels":-2,
             "recv_oct_details":{"rate":-1e308},"send_oct_details":{"rate":18446744073709551615}}]"#,
    ));
    // Impossible values are said (unknown, naming record and field), never judged: no
    // headroom of 1e308 / 1e308, no backlog of 1e308 messages, no talker at 1e308 B/s, no
    // "no consumer" from `consumers: -1`.
    for format in ["table", "json", "prometheus", "nagios"] {
        let r = run_with(&url, &["doctor", "--only", "broker", "--format", format]);
        assert_no_panic(&r);
        assert_eq!(r.code, 3, "{format}: {r:#?}");
        assert_eq!(nonsense(&r.stdout), Vec::<&str>::new(), "{format}: {r:#?}");
    }
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_eq!(
        r.problems(),
        vec![
            p("broker.api.value", "unknown", "/celery"),
            p("broker.api.value", "unknown", "c1"),
            p("broker.api.value", "unknown", "rabbit@n1"),
        ]
    );
    let t = run_with(&url, &["doctor", "--only", "broker"]);
    for said in [
        "/celery messages_ready=1e308",
        "consumers=-1",
        "fd_total 0 (impossible)",
        "c1 timeout=-1, channels=1e308",
    ] {
        assert!(t.stdout.contains(said), "{said}: {t:#?}");
    }
    for command in ["queues", "connections"] {
        for format in ["table", "json"] {
            let l = run_with(&url, &[command, "--format", format]);
            assert_no_panic(&l);
            assert_eq!(l.code, 0, "{command} {format}: {l:#?}");
            assert_eq!(nonsense(&l.stdout), Vec::<&str>::new(), "{l:#?}");
        }
    }
}

#[test]
fn control_characters_in_names_are_escaped_in_tables_and_intact_in_json() {
    let queue = "ev\u{1b}[31mil\nq\u{7}\u{202e}txt";
    let vhost = "v\u{1b}]0;title\u{7}h";
    let user = "us\u{1b}[1m\ner\u{202e}";
    let enc = |s: &str| serde_json::to_string(s).unwrap();
    let url = fake_broker(broker_routes(
        r#"[{"name":"rabbit@n1","running":true}]"#,
        r#"{"memory":{}}"#,
        &format!(
            r#"[{{"name":{},"vhost":{},"messages_ready":5,"messages_unacknowledged":0,"consumers":0}}]"#,
            enc(queue),
            enc(vhost)
        ),
        &format!(
            r#"[{{"name":"c1","vhost":{},"user":{},"peer_host":"10.0.0.5","timeout":0,"channels":1,
                 "recv_oct_details":{{"rate":1}}}}]"#,
            enc(vhost),
            enc(user)
        ),
    ));
    let queue_shown = "ev\\u{1b}[31mil\\nq\\u{7}\\u{202e}txt";
    let vhost_shown = "v\\u{1b}]0;title\\u{7}h";
    let user_shown = "us\\u{1b}[1m\\ner\\u{202e}";
    let raw = |text: &str| {
        text.chars()
            .any(|c| matches!(c, '\u{1b}' | '\u{7}' | '\u{202e}'))
    };
    let d = run_with(&url, &["doctor", "--only", "broker", "--all"]);
    assert_no_panic(&d);
    assert_eq!(d.code, 2, "{d:#?}");
    assert!(!raw(&d.stdout), "{d:#?}");
    assert!(
        d.stdout.contains(&format!(
            "  CRIT    queues.no-consumers  {vhost_shown}/{queue_shown}\n"
        )),
        "{d:#?}"
    );
    assert!(
        d.stdout
            .contains(&format!("user {user_shown}, vhost {vhost_shown}")),
        "{d:#?}"
    );
    let q = run_with(&url, &["queues"]);
    assert!(!raw(&q.stdout), "{q:#?}");
    assert!(
        q.stdout
            .contains(&format!("{vhost_shown}  {queue_shown}  other")),
        "{q:#?}"
    );
    let c = run_with(&url, &["connections"]);
    assert!(!raw(&c.stdout), "{c:#?}");
    assert!(
        c.stdout.contains(&format!("{user_shown}  {vhost_shown}")),
        "{c:#?}"
    );
    // JSON is for programs: the names come back exactly as the broker sent them.
    let qj = run_with(&url, &["queues", "--format", "json"]).rows("queues");
    assert_eq!(
        (qj[0]["name"].as_str(), qj[0]["vhost"].as_str()),
        (Some(queue), Some(vhost))
    );
    let cj = run_with(&url, &["connections", "--format", "json"]).rows("connections");
    assert_eq!(
        (cj[0]["user"].as_str(), cj[0]["vhost"].as_str()),
        (Some(user), Some(vhost))
    );
    let dj = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_eq!(
        dj.problems(),
        vec![p(
            "queues.no-consumers",
            "crit",
            &format!("{vhost}/{queue}")
        )]
    );
}

/// Refused credentials and a deadline that passed are answered on stdout in the format asked
/// for (the Nagios UNKNOWN line, the JSON error object of the schema, an exposition with
/// success 0), with the error once on stderr and exit 3.
#[test]
fn refused_credentials_and_a_passed_deadline_answer_in_every_format() {
    use crate::formats::check::{promtool_check, valid_json};
    let refused = serve(
        b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        Duration::ZERO,
    );
    let stalled = serve(
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]",
        Duration::from_secs(120),
    );
    let cases = [
        (refused.as_str(), &[][..], "401 Unauthorized"),
        (
            stalled.as_str(),
            &["--deadline", "1s"][..],
            "no answer before the run's deadline (1s)",
        ),
    ];
    for (url, extra, expected) in cases {
        for (command, nagios) in [
            ("ping", Some("CELTOOL PING")),
            ("fleet", None),
            ("queues", None),
            ("connections", None),
        ] {
            for format in ["json", "prometheus", "nagios"] {
                if format == "nagios" && nagios.is_none() {
                    continue;
                }
                let what = format!("{command} {extra:?} --format {format} ({expected})");
                let r = run_within(
                    celtool()
                        .args([command, "--url", url, "--format", format])
                        .args(extra)
                        .env("CELTOOL_PASSWORD", PASSWORD),
                    Duration::from_secs(120),
                );
                assert_no_panic(&r);
                assert_eq!(r.code, 3, "{what}: {r:#?}");
                let errors: Vec<&str> = r
                    .stderr
                    .lines()
                    .filter_map(|l| l.strip_prefix("celtool: error: "))
                    .collect();
                assert_eq!(errors.len(), 1, "{what}: {r:#?}");
                assert!(errors[0].contains(expected), "{what}: {r:#?}");
                match (format, nagios) {
                    ("json", _) => {
                        let doc = valid_json(command, &r.stdout);
                        assert_eq!(doc["error"]["message"], errors[0], "{what}");
                        assert_eq!(doc["exit_code"], 3, "{what}");
                    }
                    ("prometheus", _) => {
                        promtool_check(&what, &r.stdout);
                        assert!(
                            r.stdout
                                .contains(&format!("\nceltool_{command}_success 0\n")),
                            "{what}: {}",
                            r.stdout
                        );
                        assert!(
                            r.stdout.contains(&format!(
                                "\nceltool_{command}_last_run_timestamp_seconds "
                            )),
                            "{what}: {}",
                            r.stdout
                        );
                    }
                    (_, Some(service)) => assert_eq!(
                        r.stdout,
                        format!("{service} UNKNOWN: {}\n", errors[0]),
                        "{what}"
                    ),
                    (_, None) => unreachable!(),
                }
            }
        }
    }
}
/// `broker_routes` with other answers for some paths (matched before the others).
fn routes_with(first: Vec<(&'static str, &str)>, queues: &str) -> Vec<(&'static str, String)> {
    let mut routes: Vec<(&'static str, String)> =
        first.into_iter().map(|(p, b)| (p, b.to_string())).collect();
    routes.extend(broker_routes(
        r#"[{"name":"rabbit@n1","running":true}]"#,
        r#"{"memory":{}}"#,
        queues,
        "[]",
    ));
    routes
}

const ONE_QUEUE: &str = r#"[{"name":"celery","vhost":"/","messages_ready":0,"messages_unacknowledged":0,"consumers":1}]"#;

#[test]
fn empty_policy_and_exchange_records_are_counted_never_silent() {
    // A `{}` among the policies is left out and counted; the real policy is still judged.
    let url = fake_broker(routes_with(
        vec![(
            "/api/policies",
            r#"[{},{"name":"ha","vhost":"/","pattern":".*","apply-to":"queues","priority":0,
                 "definition":{"ha-mode":"all"}}]"#,
        )],
        ONE_QUEUE,
    ));
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_no_panic(&r);
    let problems = r.problems();
    assert!(
        problems.contains(&p("broker.api.skipped", "warn", "policies")),
        "{r:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|(id, _, _)| id == "broker.policy.ha-mode"),
        "{r:#?}"
    );
    // Only `{}` records: nothing was read, which is unknown, not "no policy, no exchange".
    let url = fake_broker(routes_with(
        vec![("/api/policies", "[{}]"), ("/api/exchanges", "[{},{}]")],
        ONE_QUEUE,
    ));
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_no_panic(&r);
    assert_eq!(
        (r.code, r.problems()),
        (
            3,
            vec![
                p("broker.api", "unknown", "exchanges"),
                p("broker.api", "unknown", "policies"),
            ]
        ),
        "{r:#?}"
    );
    let t = run_with(&url, &["doctor", "--only", "broker"]);
    assert!(
        t.stdout
            .contains("none of the 2 item(s) of the list is the JSON expected"),
        "{t:#?}"
    );
}

#[test]
fn a_nameless_queue_is_counted_and_never_given_a_fix() {
    let url = fake_broker(routes_with(
        vec![],
        r#"[{"vhost":"lab-hidden","messages_ready":10000,"messages_unacknowledged":0,"consumers":0},
            {"name":"","vhost":"lab-hidden","messages_ready":10000,"messages_unacknowledged":0,"consumers":0},
            {"name":"celery","vhost":"lab-hidden","messages_ready":0,"messages_unacknowledged":0,"consumers":1}]"#,
    ));
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_no_panic(&r);
    assert_eq!(
        (r.code, r.problems()),
        (1, vec![p("broker.api.skipped", "warn", "queues")]),
        "{r:#?}"
    );
    let t = run_with(&url, &["doctor", "--only", "broker"]);
    assert!(!t.stdout.contains("''"), "{t:#?}");
    assert!(
        t.stdout
            .contains("2 record(s) of the queues listing were not the JSON expected"),
        "{t:#?}"
    );
    let q = run_with(&url, &["queues", "--format", "json"]);
    assert_eq!(q.code, 0, "{q:#?}");
    assert_eq!(q.rows("queues").len(), 1, "{q:#?}");
    assert!(
        q.stderr.contains("2 record(s) of the queues listing"),
        "{q:#?}"
    );
}

#[test]
fn a_version_that_is_no_version_is_unknown() {
    let url = fake_broker(routes_with(
        vec![(
            "/api/overview",
            r#"{"rabbitmq_version":"12","cluster_name":"c1","node":"rabbit@n1"}"#,
        )],
        ONE_QUEUE,
    ));
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_no_panic(&r);
    assert_eq!(
        (r.code, r.problems()),
        (3, vec![p("broker.api.value", "unknown", "rabbit@n1")]),
        "{r:#?}"
    );
    let t = run_with(&url, &["doctor", "--only", "broker"]);
    assert!(
        t.stdout.contains(
            r#"rabbitmq_version "12", which is no MAJOR.MINOR version: the version and RabbitMQ 4.x readiness checks were skipped"#
        ),
        "{t:#?}"
    );
}

#[test]
fn an_object_sent_as_something_else_is_unknown_not_empty() {
    // `object_totals: [1]` sized nothing and said nothing; a queue's `message_stats: 5` and a
    // consumer's `queue: [1]` read as no statistics and no queue. RabbitMQ's own `[]` (the
    // consumer's channel_details of a worker shutting down) stays nothing.
    let url = fake_broker(routes_with(
        vec![
            (
                "/api/overview",
                r#"{"rabbitmq_version":"4.1.0","cluster_name":"c1","node":"rabbit@n1","object_totals":[1]}"#,
            ),
            (
                "/api/consumers",
                r#"[{"queue":[1],"channel_details":{"connection_name":"c1"}},
                    {"queue":{"name":"celery","vhost":"/"},"channel_details":[]}]"#,
            ),
        ],
        r#"[{"name":"celery","vhost":"/","messages_ready":0,"messages_unacknowledged":0,
            "consumers":1,"message_stats":5}]"#,
    ));
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_no_panic(&r);
    assert_eq!(
        (r.code, r.problems()),
        (
            3,
            vec![
                p("broker.api.value", "unknown", "/celery"),
                p("broker.api.value", "unknown", "consumer on c1"),
                p("broker.api.value", "unknown", "rabbit@n1"),
            ]
        ),
        "{r:#?}"
    );
    let report = r.json();
    let summaries: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "broker.api.value")
        .map(|f| f["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        vec![
            "1 queue record(s) with impossible values: /celery message_stats not an object; those figures were not used",
            "1 consumer record(s) with impossible values: consumer on c1 queue not an object; those figures were not used",
            "the overview (/api/overview) sent object_totals that is not an object (nor null or []): the broker's object counts are unknown, so the wait for the listings was not sized to them",
        ],
        "{r:#?}"
    );
    // The listing still lists the queue, its rates unknown.
    let q = run_with(&url, &["queues", "--format", "json"]);
    assert_eq!(q.code, 0, "{q:#?}");
    let rows = q.rows("queues");
    assert_eq!(
        (rows.len(), &rows[0]["ready"], &rows[0]["publish_rate"]),
        (1, &serde_json::json!(0), &serde_json::Value::Null),
        "{q:#?}"
    );
}

#[test]
fn a_listing_nested_past_the_depth_limit_read_nothing_and_exits_3() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let url = fake_broker(routes_with(vec![("/api/queues", deep.as_str())], ONE_QUEUE));
    for format in ["table", "json"] {
        let l = run_with(&url, &["queues", "--format", format]);
        assert_no_panic(&l);
        assert_eq!(l.code, 3, "{format}: {l:#?}");
        assert!(
            l.stderr
                .contains("none of the 1 item(s) of the list is the JSON expected"),
            "{format}: {l:#?}"
        );
        assert!(!l.stderr.contains("left out"), "{format}: {l:#?}");
    }
}

#[test]
fn a_publisher_in_flow_in_a_later_read_is_named_with_its_count() {
    // The full listing and the first light read say running; the read 5.5 s later says flow,
    // as a publisher throttled in half of the broker's samples looks.
    let light_reads = Arc::new(AtomicU64::new(0));
    let reads = Arc::clone(&light_reads);
    let routes = routes_with(
        vec![(
            "/api/connections",
            r#"[{"name":"10.0.0.5:5000 -> 10.0.0.1:5672","vhost":"/","user":"app","state":"running",
                 "peer_host":"10.0.0.5","peer_port":5000,"timeout":60,"channels":1,
                 "recv_oct_details":{"rate":52000.0},"send_oct_details":{"rate":100.0}}]"#,
        )],
        ONE_QUEUE,
    );
    let url = serve_with(move |request, s| {
        let path = request_path(request);
        let light = ["columns=name%2Cstate", "columns=name,state"];
        if path.starts_with("/api/connections") && light.iter().any(|c| path.ends_with(c)) {
            let n = reads.fetch_add(1, Ordering::SeqCst);
            let state = if n == 0 { "running" } else { "flow" };
            let body =
                format!(r#"[{{"name":"10.0.0.5:5000 -> 10.0.0.1:5672","state":"{state}"}}]"#);
            return respond(s, "200 OK", &body);
        }
        match routes.iter().find(|(prefix, _)| path.starts_with(prefix)) {
            Some((_, body)) => respond(s, "200 OK", body),
            None => respond(
                s,
                "500 Internal Server Error",
                r#"{"reason":"scripted failure"}"#,
            ),
        }
    });
    let r = run_with(&url, &["doctor", "--only", "broker", "--format", "json"]);
    assert_no_panic(&r);
    assert_eq!(light_reads.load(Ordering::SeqCst), 2, "{r:#?}");
    assert_eq!(
        (r.code, r.problems()),
        (1, vec![p("broker.connections.flow", "warn", "/")]),
        "{r:#?}"
    );
    let report = r.json();
    let flow = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "broker.connections.flow")
        .unwrap();
    assert_eq!(
        flow["summary"],
        "1 connection(s) throttled by flow control in vhost /: 10.0.0.5:5000 (app, publisher, in flow in 1 of 3 reads)",
        "{r:#?}"
    );
    assert_eq!(flow["evidence"]["state_reads"], 3, "{r:#?}");
    // A listing takes one look: no light read, no wait.
    let l = run_with(&url, &["connections"]);
    assert_eq!(l.code, 0, "{l:#?}");
    assert_eq!(light_reads.load(Ordering::SeqCst), 2, "{l:#?}");
}
