//! Where the AMQP remote-control client connects: an AMQP URL given by flag or profile, else
//! the management URL's host (the port then comes from the node's listener when the management
//! API reports it, see `AmqpEndpoint::on_listener`).

use std::fmt;

use percent_encoding::percent_decode_str;
use reqwest::Url;

use super::{Secret, SettingsError};

/// Where and as whom the AMQP client connects. Debug and Display never show the password.
#[derive(Clone)]
pub struct AmqpEndpoint {
    pub host: String,
    pub port: u16,
    /// TLS with rustls and the platform's trust store, like the management client over https.
    pub tls: bool,
    pub user: String,
    pub password: Secret,
    /// The vhost named in an explicit AMQP URL's path, if any.
    pub vhost: Option<String>,
    /// PEM certificates to trust besides the platform's (`--ca-file`), for amqps.
    pub ca_file: Option<std::path::PathBuf>,
    /// Host and port came from an AMQP URL (flag or profile), not from the management URL:
    /// then no listener the management API reports replaces the port.
    pub from_url: bool,
}

impl fmt::Display for AmqpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "amqps" } else { "amqp" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{scheme}://{}@{host}:{}", self.user, self.port)
    }
}

impl fmt::Debug for AmqpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmqpEndpoint")
            .field("url", &self.to_string())
            .field("password", &self.password)
            .field("vhost", &self.vhost)
            .finish()
    }
}

/// The AMQP endpoint: an explicit `amqp://` / `amqps://` URL when given (host, port, vhost from
/// it; never credentials), else the management URL's host on 5672 (5671 with TLS when the
/// management URL is https). The user and password are the management ones.
pub fn amqp_endpoint(
    mgmt_url: &Url,
    user: &str,
    password: &Secret,
    amqp_url: Option<&str>,
) -> Result<AmqpEndpoint, SettingsError> {
    let Some(text) = amqp_url else {
        let tls = mgmt_url.scheme() == "https";
        return Ok(AmqpEndpoint {
            host: host_of(mgmt_url).unwrap_or_else(|| "localhost".into()),
            port: if tls { 5671 } else { 5672 },
            tls,
            user: user.to_string(),
            password: password.clone(),
            vhost: None,
            ca_file: None,
            from_url: false,
        });
    };
    let bad =
        |why: &str| SettingsError::Amqp(format!("invalid AMQP URL '{}': {why}", redact(text)));
    let url = Url::parse(text).map_err(|e| bad(&format!("{e}; expected like amqp://host:5672")))?;
    let tls = match url.scheme() {
        "amqp" => false,
        "amqps" => true,
        _ => return Err(bad("the scheme must be amqp or amqps")),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "do not put credentials in the URL; the management user and password (--user, CELTOOL_PASSWORD or password_file) are used",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("the URL must not have a query or fragment"));
    }
    let host = host_of(&url).ok_or_else(|| bad("no host"))?;
    let path = url.path().strip_prefix('/').unwrap_or(url.path());
    let vhost =
        (!path.is_empty()).then(|| percent_decode_str(path).decode_utf8_lossy().into_owned());
    Ok(AmqpEndpoint {
        host,
        port: url.port().unwrap_or(if tls { 5671 } else { 5672 }),
        tls,
        user: user.to_string(),
        password: password.clone(),
        vhost,
        ca_file: None,
        from_url: true,
    })
}

fn host_of(url: &Url) -> Option<String> {
    let h = url.host_str()?;
    Some(h.trim_start_matches('[').trim_end_matches(']').to_string())
}

fn redact(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &text[..s + 3], &text[at..]),
        _ => text.to_string(),
    }
}

impl AmqpEndpoint {
    /// The port the node serves AMQP on, as its management API lists its listeners
    /// (`(node, protocol, port)`; protocol `amqp`, or `amqp/ssl` over TLS), for an endpoint
    /// derived from the management URL: a broker whose management API is not on its default
    /// port is rarely on 5672 either, and 5672 of that host may be another broker. The
    /// listener of `node` (the node answering the API) first, else any node's (a cluster
    /// serves one port). An endpoint from an AMQP URL is left as it is.
    pub fn on_listener<'a>(
        mut self,
        node: Option<&str>,
        listeners: impl IntoIterator<Item = (Option<&'a str>, &'a str, u16)>,
    ) -> AmqpEndpoint {
        if self.from_url {
            return self;
        }
        let protocol = if self.tls { "amqp/ssl" } else { "amqp" };
        let mut any = None;
        for (n, p, port) in listeners {
            if p != protocol {
                continue;
            }
            if node.is_some() && n == node {
                self.port = port;
                return self;
            }
            any.get_or_insert(port);
        }
        if let Some(port) = any {
            self.port = port;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derived(mgmt: &str) -> AmqpEndpoint {
        let url = Url::parse(mgmt).unwrap();
        amqp_endpoint(&url, "guest", &Secret::new("guest".into()), None).unwrap()
    }

    #[test]
    fn the_listener_of_the_node_gives_the_port_of_a_derived_endpoint() {
        let listeners = [
            (Some("rabbit@a"), "clustering", 25672),
            (Some("rabbit@b"), "amqp", 5673),
            (Some("rabbit@a"), "amqp", 25801),
            (Some("rabbit@a"), "http", 25803),
        ];
        let e = derived("http://h:25803").on_listener(Some("rabbit@a"), listeners);
        assert_eq!((e.host.as_str(), e.port, e.tls), ("h", 25801, false));
        // Another node's when this node lists none; TLS looks for amqp/ssl only.
        let e = derived("http://h:25803").on_listener(Some("rabbit@c"), listeners);
        assert_eq!(e.port, 5673);
        let e = derived("https://h:15671").on_listener(Some("rabbit@a"), listeners);
        assert_eq!((e.port, e.tls), (5671, true));
    }

    #[test]
    fn an_amqp_url_is_never_replaced_by_a_listener() {
        let url = Url::parse("http://h:25803").unwrap();
        let e = amqp_endpoint(
            &url,
            "guest",
            &Secret::new("guest".into()),
            Some("amqp://other:5999"),
        )
        .unwrap()
        .on_listener(Some("rabbit@a"), [(Some("rabbit@a"), "amqp", 25801)]);
        assert_eq!((e.host.as_str(), e.port), ("other", 5999));
    }
}
