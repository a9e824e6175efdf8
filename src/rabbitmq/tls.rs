//! TLS and protocol mistakes of a management API URL: a private CA to trust (`ca_file`), and
//! errors that say what is wrong (an untrusted or self-signed certificate, a TLS URL at a plain
//! port, the AMQP port instead of the management port) instead of a raw rustls or hyper message.

use std::path::Path;

use reqwest::Url;

/// The certificates of a PEM file, to trust in addition to the system's roots.
pub fn load_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| e.to_string())?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("not PEM certificates: {}", super::client::root_cause(&e)))?;
    if certs.is_empty() {
        return Err("no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)".into());
    }
    Ok(certs)
}

/// A rustls client configuration that trusts the platform's roots and, with `ca_file`, the
/// certificates in that PEM file too (for the AMQP connection to the workers).
pub fn rustls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use rustls_platform_verifier::ConfigVerifierExt;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(path) = ca_file else {
        return rustls::ClientConfig::with_platform_verifier().map_err(|e| e.to_string());
    };
    let shown = crate::text::sanitize(&path.display().to_string());
    let pem = std::fs::read(path).map_err(|e| format!("cannot use the CA file {shown}: {e}"))?;
    let roots: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot use the CA file {shown}: not PEM certificates: {e}"))?;
    if roots.is_empty() {
        return Err(format!(
            "cannot use the CA file {shown}: no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)"
        ));
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
            .map_err(|e| format!("cannot use the CA file {shown}: {e}"))?;
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
                .with_no_client_auth()
        })
}

/// The TLS configuration of a client whose management URL is plain `http://`: the same as
/// reqwest's own (every protocol version, the platform's roots, ALPN `h2` and `http/1.1`),
/// except that the platform's roots are loaded on the first TLS handshake (a redirect to
/// `https://`), never otherwise. Loading them reads and parses every system certificate: 19
/// million instructions, a tenth of a doctor run at 10 000 queues, for a connection that
/// never speaks TLS.
pub fn lazy_roots_config() -> Result<rustls::ClientConfig, String> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| std::sync::Arc::new(rustls::crypto::ring::default_provider()));
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(LazyRoots {
            provider,
            verifier: std::sync::OnceLock::new(),
        }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The platform verifier, made when a certificate is first to be checked.
#[derive(Debug)]
struct LazyRoots {
    provider: std::sync::Arc<rustls::crypto::CryptoProvider>,
    verifier: std::sync::OnceLock<Result<rustls_platform_verifier::Verifier, String>>,
}

impl LazyRoots {
    fn get(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.verifier
            .get_or_init(|| {
                rustls_platform_verifier::Verifier::new(self.provider.clone())
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| rustls::Error::General(e.clone()))
    }
}

impl rustls::client::danger::ServerCertVerifier for LazyRoots {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        self.get()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls13_signature(message, cert, dss)
    }

    /// What the platform verifier offers: the provider's schemes, known without the roots.
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What the port of `url` usually is, when it is a RabbitMQ port that is not the management API.
fn amqp_port_note(url: &Url) -> Option<String> {
    match url.port_or_known_default() {
        Some(5672) => Some("5672 is AMQP; the management API is usually on 15672".into()),
        Some(5671) => Some(
            "5671 is AMQP over TLS; the management API is usually on 15671 (https) or 15672".into(),
        ),
        Some(25672) => {
            Some("25672 is Erlang distribution; the management API is usually on 15672".into())
        }
        _ => None,
    }
}

/// A certificate-verification failure in words, with what to do about it; None when `cause`
/// is not one.
pub fn certificate_problem(cause: &str) -> Option<String> {
    let trust = "trust the CA that signed it (or the self-signed certificate itself) with --ca-file FILE, CELTOOL_CA_FILE or the profile's ca_file (PEM)";
    let what = if cause.contains("UnknownIssuer") || cause.contains("unknown issuer") {
        format!("the broker's certificate is signed by a CA this host does not trust; {trust}")
    } else if cause.contains("self-signed")
        || cause.contains("self signed")
        || cause.contains("BadSignature")
    {
        format!("the broker's certificate is self-signed; {trust}")
    } else if cause.contains("NotValidForName") || cause.contains("not valid for name") {
        "the broker's certificate is not issued for this host name; use the name on the certificate in --url".to_string()
    } else if cause.contains("Expired") || cause.contains("expired") {
        "the broker's certificate has expired; renew it on the broker".to_string()
    } else if cause.contains("invalid peer certificate")
        || cause.contains("certificate") && cause.contains("invalid")
    {
        format!("the broker's certificate was rejected; {trust}")
    } else {
        return None;
    };
    Some(format!("TLS certificate not trusted ({cause}): {what}"))
}

/// A server at the URL that answered, but not as an HTTP(S) management API.
pub fn protocol_problem(url: &Url, cause: &str) -> Option<String> {
    let note = amqp_port_note(url);
    if cause.contains("InvalidContentType") || cause.contains("corrupt message") {
        let plain = "the port does not speak TLS; use http:// for a plain port";
        return Some(match note {
            Some(n) => format!("TLS handshake failed: {n}"),
            None => format!("TLS handshake failed ({cause}): {plain}"),
        });
    }
    // hyper: "invalid HTTP version parsed" when the answer is not HTTP, "received unexpected
    // message from connection" when the server spoke first (AMQP sends its protocol header).
    if cause.contains("invalid HTTP") || cause.contains("unexpected message from connection") {
        return Some(match note {
            Some(n) => format!("the server does not speak HTTP: {n}"),
            None => format!(
                "the server does not speak HTTP ({cause}); point --url at the management API (usually port 15672)"
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amqp_ports_are_named() {
        let u = Url::parse("http://localhost:5672").unwrap();
        assert_eq!(
            protocol_problem(&u, "invalid HTTP version parsed").unwrap(),
            "the server does not speak HTTP: 5672 is AMQP; the management API is usually on 15672"
        );
        let t = Url::parse("https://localhost:5672").unwrap();
        assert!(
            protocol_problem(&t, "received corrupt message of type InvalidContentType")
                .unwrap()
                .contains("5672 is AMQP")
        );
        let other = Url::parse("https://localhost:8080").unwrap();
        assert!(
            protocol_problem(&other, "corrupt message")
                .unwrap()
                .contains("use http://")
        );
        assert_eq!(protocol_problem(&other, "connection refused"), None);
    }

    #[test]
    fn certificate_failures_say_what_to_do() {
        let e = certificate_problem("invalid peer certificate: UnknownIssuer").unwrap();
        assert!(e.contains("--ca-file"), "{e}");
        let n = certificate_problem("invalid peer certificate: NotValidForName").unwrap();
        assert!(n.contains("host name"), "{n}");
        assert_eq!(
            certificate_problem("Connection refused (os error 111)"),
            None
        );
    }

    #[test]
    fn a_ca_file_must_hold_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("ca.pem");
        std::fs::write(&f, "not a certificate\n").unwrap();
        assert!(load_ca_file(&f).unwrap_err().contains("no certificate"));
        assert!(load_ca_file(&dir.path().join("missing.pem")).is_err());
        let amqp = rustls_config(Some(&f)).unwrap_err();
        assert!(amqp.contains("no certificate in it"), "{amqp}");
        assert!(rustls_config(None).is_ok());
    }
}
