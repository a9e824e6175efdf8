//! Where a Redis broker is: `redis://[user@]host[:port][/DB]` or `rediss://` (TLS), parsed
//! without ever holding a password (it comes from CELTOOL_PASSWORD or a profile's password_file).

use std::fmt;

use reqwest::Url;

use crate::settings::Secret;

pub const DEFAULT_PORT: u16 = 6379;

/// A Redis server and database, without credentials. Its Display is safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub db: i64,
}

/// Why a Redis URL was refused; the URL in it is redacted.
#[derive(Debug, thiserror::Error)]
#[error("invalid --url '{url}': {why}")]
pub struct TargetError {
    pub url: String,
    pub why: String,
}

/// True when the URL's scheme names a Redis broker (the scheme picks the broker).
pub fn is_redis_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("redis://") || lower.starts_with("rediss://")
}

impl Target {
    /// Parse `redis://[user@]host[:port][/DB]`. A password in the URL is refused (it would land in
    /// shell history and logs); a query or fragment too.
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let bad = |why: &str| TargetError {
            url: redact(text),
            why: why.to_string(),
        };
        let url = Url::parse(text.trim())
            .map_err(|e| bad(&format!("{e}; expected like redis://localhost:6379/0")))?;
        let tls = match url.scheme() {
            "redis" => false,
            "rediss" => true,
            _ => return Err(bad("the scheme must be redis or rediss")),
        };
        if url.password().is_some() {
            return Err(bad(
                "do not put the password in the URL; use CELTOOL_PASSWORD or a profile's password_file",
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("the URL must not have a query or fragment"));
        }
        let db = match url.path().trim_matches('/') {
            "" => 0,
            d => d
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=1_000_000).contains(n))
                .ok_or_else(|| bad("the path must be a database number, like /0"))?,
        };
        let user = Some(url.username()).filter(|u| !u.is_empty()).map(|u| {
            percent_encoding::percent_decode_str(u)
                .decode_utf8_lossy()
                .into_owned()
        });
        Ok(Target {
            tls,
            host,
            port: url.port().unwrap_or(DEFAULT_PORT),
            user,
            db,
        })
    }

    /// The redis crate's connection info, with the password given separately.
    pub fn connection_info(&self, password: Option<&Secret>) -> redis::ConnectionInfo {
        use redis::IntoConnectionInfo;
        let addr = if self.tls {
            redis::ConnectionAddr::TcpTls {
                host: self.host.clone(),
                port: self.port,
                insecure: false,
                tls_params: None,
            }
        } else {
            redis::ConnectionAddr::Tcp(self.host.clone(), self.port)
        };
        let mut settings = redis::RedisConnectionInfo::default().set_db(self.db);
        if let Some(user) = &self.user {
            settings = settings.set_username(user);
        }
        if let Some(pw) = password.filter(|p| !p.expose().is_empty()) {
            settings = settings.set_password(pw.expose());
        }
        addr.into_connection_info()
            .expect("an address is always connection info")
            .set_redis_settings(settings)
    }

    /// The server without the database, as the journal names it.
    pub fn server(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match &self.user {
            Some(u) => format!("{scheme}://{u}@{host}:{}", self.port),
            None => format!("{scheme}://{host}:{}", self.port),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.server(), self.db)
    }
}

/// `redis://user:pw@host` shown as `redis://***@host`, so a mistyped URL never prints a password.
pub fn redact(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return crate::text::sanitize(text);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let shown = match authority.rfind('@') {
        Some(at) => format!("{scheme}://***@{}{tail}", &authority[at + 1..]),
        None => text.to_string(),
    };
    crate::text::sanitize(&shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_defaults() {
        let t = Target::parse("redis://localhost").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.db, t.tls),
            ("localhost", 6379, 0, false)
        );
        let t = Target::parse("rediss://celery@cache.example:6380/5").unwrap();
        assert_eq!(t.user.as_deref(), Some("celery"));
        assert_eq!((t.port, t.db, t.tls), (6380, 5, true));
        assert_eq!(t.to_string(), "rediss://celery@cache.example:6380/5");
        assert!(is_redis_url("REDIS://x") && is_redis_url("rediss://x"));
        assert!(!is_redis_url("http://x"));
    }

    #[test]
    fn passwords_in_urls_are_refused_and_never_echoed() {
        let e = Target::parse("redis://u:hunter2@h:6379/0")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("CELTOOL_PASSWORD"), "{e}");
        let e = Target::parse("redis://:hunter2@h/0")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert_eq!(redact("redis://a:b@h:1/2"), "redis://***@h:1/2");
    }

    #[test]
    fn bad_databases_and_queries_are_refused() {
        assert!(Target::parse("redis://h/x").is_err());
        assert!(Target::parse("redis://h/-1").is_err());
        assert!(Target::parse("redis://h/0?protocol=resp3").is_err());
        assert!(Target::parse("http://h/0").is_err());
    }
}
