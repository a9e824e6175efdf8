//! TLS against an in-process rustls server with certificates made in the test (rcgen): a
//! private CA is trusted with --ca-file / CELTOOL_CA_FILE / the profile's ca_file, an untrusted
//! or self-signed certificate is a clear error that names --ca-file, and the AMQP port named
//! as such.

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::replay::{celtool, run};

struct Pki {
    ca_pem: String,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

/// A CA and a certificate for localhost signed by it; with `self_signed`, the certificate
/// signs itself and ca_pem is that certificate.
fn pki(self_signed: bool) -> Pki {
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    if self_signed {
        let cert = leaf.self_signed(&key).unwrap();
        return Pki {
            ca_pem: cert.pem(),
            chain: vec![cert.der().clone()],
            key: key_der,
        };
    }
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let cert = leaf.signed_by(&key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        chain: vec![cert.der().clone()],
        key: key_der,
    }
}

/// An HTTPS server on localhost that answers every request with `[]`; returns its base URL.
fn serve(pki: &Pki) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut buf = vec![0u8; 16384];
                    let _ = tls.read(&mut buf).await;
                    let body = "[]";
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    format!("https://localhost:{port}")
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    path
}

#[test]
fn a_private_ca_is_trusted_through_ca_file() {
    let pki = pki(false);
    let url = serve(&pki);
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", &pki.ca_pem);

    let untrusted = run(celtool().args(["--url", &url, "queues", "--format", "json"]));
    assert_eq!(untrusted.code, 3, "{untrusted:#?}");
    assert!(
        untrusted
            .stderr
            .contains("signed by a CA this host does not trust")
            && untrusted.stderr.contains("--ca-file FILE"),
        "{untrusted:#?}"
    );
    assert!(
        !untrusted.stderr.contains("is RabbitMQ running"),
        "an unrelated hint: {untrusted:#?}"
    );

    let flag = run(celtool().args([
        "--url",
        &url,
        "--ca-file",
        ca.to_str().unwrap(),
        "queues",
        "--format",
        "json",
    ]));
    assert_eq!((flag.code, flag.rows("queues")), (0, vec![]), "{flag:#?}");
    let env = run(celtool()
        .env("CELTOOL_CA_FILE", &ca)
        .args(["--url", &url, "queues", "--format", "json"]));
    assert_eq!((env.code, env.rows("queues")), (0, vec![]), "{env:#?}");
    let cfg = write(
        dir.path(),
        "config.toml",
        &format!(
            "[profiles.tls]\nurl = \"{url}\"\nca_file = \"{}\"\n",
            ca.display()
        ),
    );
    let profile = run(celtool().env("CELTOOL_CONFIG", &cfg).args([
        "--profile",
        "tls",
        "queues",
        "--format",
        "json",
    ]));
    assert_eq!(
        (profile.code, profile.rows("queues")),
        (0, vec![]),
        "{profile:#?}"
    );
}

#[test]
fn a_self_signed_certificate_is_a_clear_error_and_can_be_trusted() {
    let pki = pki(true);
    let url = serve(&pki);
    let r = run(celtool().args(["--url", &url, "queues"]));
    assert_eq!(r.code, 3, "{r:#?}");
    let line = r.stderr.lines().next().unwrap_or("");
    assert!(
        line.starts_with(&format!(
            "celtool: error: GET {url}/api/queues: TLS certificate not trusted ("
        )),
        "{r:#?}"
    );
    assert!(
        line.contains("or the self-signed certificate itself") && line.contains("--ca-file"),
        "{r:#?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cert = write(dir.path(), "cert.pem", &pki.ca_pem);
    let trusted = run(celtool().args([
        "--url",
        &url,
        "--ca-file",
        cert.to_str().unwrap(),
        "queues",
        "--format",
        "json",
    ]));
    assert_eq!(
        (trusted.code, trusted.rows("queues")),
        (0, vec![]),
        "{trusted:#?}"
    );
    let bad = write(dir.path(), "bad.pem", "not a certificate\n");
    let r = run(celtool().args(["--url", &url, "--ca-file", bad.to_str().unwrap(), "queues"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains(&format!(
            "cannot use the CA file {}: no certificate",
            bad.display()
        )),
        "{r:#?}"
    );
}

#[test]
fn the_amqp_port_is_named() {
    // A server that answers like RabbitMQ's AMQP listener: the protocol header, then close.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            let _ = s.write_all(b"AMQP\x00\x00\x09\x01");
        }
    });
    let r = run(celtool().args(["--url", &format!("http://127.0.0.1:{port}"), "queues"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.contains("the server does not speak HTTP"),
        "{r:#?}"
    );
    // On the real port the words are exact (the machine's RabbitMQ listens on 5672).
    let real = run(celtool().args(["--url", "http://127.0.0.1:5672", "queues"]));
    if real.stderr.contains("does not speak HTTP") {
        assert!(
            real.stderr
                .contains("5672 is AMQP; the management API is usually on 15672"),
            "{real:#?}"
        );
    }
}
