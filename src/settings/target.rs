//! Where a Redis broker is: `redis://[user@]host[:port][/DB]` or `rediss://` (TLS), or the
//! Sentinels that know it (Celery's `sentinel://host:26379[;sentinel://host:26379...]`, with
//! `sentinels://` for TLS), parsed without ever holding a password (it comes from
//! CELTOOL_PASSWORD or a profile's password_file).

use std::fmt;

use reqwest::Url;

use crate::settings::Secret;

pub const DEFAULT_PORT: u16 = 6379;
/// Redis Sentinel's port when a `sentinel://` part names none.
pub const SENTINEL_PORT: u16 = 26379;

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

/// True when the URL's scheme names a Redis broker, directly or through Sentinel (the scheme
/// picks the broker).
pub fn is_redis_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("redis://") || lower.starts_with("rediss://") || is_sentinel_url(text)
}

/// True when the URL names Redis Sentinels (`sentinel://`, `sentinels://` for TLS).
pub fn is_sentinel_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("sentinel://") || lower.starts_with("sentinels://")
}

/// Parse Celery's Sentinel URL: `sentinel://host:port[/DB][;sentinel://host:port...]`, one part
/// per Sentinel (port 26379 when none is given). Each part is checked as a redis:// URL is (no
/// password, no query); the database is the first part's that names one (0 when none does), and
/// every part must agree on TLS. The targets are the Sentinels, with that database.
pub fn parse_sentinels(text: &str) -> Result<Vec<Target>, TargetError> {
    let bad = |why: String| TargetError {
        url: redact_all(text),
        why,
    };
    let mut out: Vec<Target> = Vec::new();
    let mut db = None;
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (scheme, rest) = part
            .split_once("://")
            .ok_or_else(|| bad(format!("'{}' is not a sentinel:// URL", redact(part))))?;
        let (as_redis, tls) = match scheme.to_ascii_lowercase().as_str() {
            "sentinel" => ("redis", false),
            "sentinels" => ("rediss", true),
            _ => {
                return Err(bad(format!(
                    "every part must be sentinel://host:port (or sentinels:// for TLS), not '{}'",
                    redact(part)
                )));
            }
        };
        let has_port = rest.split(['/', '?', '#']).next().is_some_and(|authority| {
            authority
                .rsplit_once(']')
                .map_or(authority, |(_, p)| p)
                .contains(':')
        });
        let mut t = Target::parse(&format!("{as_redis}://{rest}")).map_err(|e| bad(e.why))?;
        if !has_port {
            t.port = SENTINEL_PORT;
        }
        if rest
            .split_once('/')
            .is_some_and(|(_, path)| !path.trim_matches('/').is_empty())
        {
            db.get_or_insert(t.db);
        }
        if out.first().is_some_and(|first| first.tls != tls) {
            return Err(bad(
                "mix of sentinel:// and sentinels://: use one for every Sentinel".into(),
            ));
        }
        t.tls = tls;
        if !out.iter().any(|o| o.host == t.host && o.port == t.port) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err(bad(
            "no Sentinel in it; expected like sentinel://host:26379;sentinel://host2:26379/0"
                .into(),
        ));
    }
    for t in &mut out {
        t.db = db.unwrap_or(0);
    }
    Ok(out)
}

/// Each `;`-separated part of a URL redacted.
pub fn redact_all(text: &str) -> String {
    text.split(';').map(redact).collect::<Vec<_>>().join(";")
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

    /// `host:port`, as Sentinel names a server (brackets around an IPv6 address).
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
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
    fn sentinel_urls_parse_in_celerys_form() {
        let s =
            parse_sentinels("sentinel://a:26380;sentinel://b/2; sentinel://[::1]:5000").unwrap();
        let shown: Vec<(String, i64, bool)> = s.iter().map(|t| (t.addr(), t.db, t.tls)).collect();
        assert_eq!(
            shown,
            [
                ("a:26380".to_string(), 2, false),
                ("b:26379".to_string(), 2, false),
                ("[::1]:5000".to_string(), 2, false)
            ]
        );
        let s = parse_sentinels("sentinels://celery@h:1;sentinels://h:1").unwrap();
        assert_eq!(s.len(), 1, "a repeated Sentinel is asked once");
        assert!(s[0].tls && s[0].db == 0 && s[0].user.as_deref() == Some("celery"));
        assert!(is_sentinel_url("SENTINEL://h") && is_redis_url("sentinel://h"));
        assert!(!is_sentinel_url("redis://h"));
    }

    #[test]
    fn bad_sentinel_urls_are_refused_without_their_passwords() {
        let e = parse_sentinels("sentinel://:hunter2@h:26379;sentinel://h2")
            .unwrap_err()
            .to_string();
        assert!(
            !e.contains("hunter2") && e.contains("CELTOOL_PASSWORD"),
            "{e}"
        );
        let e = parse_sentinels("sentinel://h;redis://x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("every part must be sentinel://"), "{e}");
        let e = parse_sentinels("sentinel://h;sentinels://x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("mix of"), "{e}");
        assert!(parse_sentinels("sentinel://h/x").is_err());
        assert!(parse_sentinels(";").is_err());
    }

    #[test]
    fn bad_databases_and_queries_are_refused() {
        assert!(Target::parse("redis://h/x").is_err());
        assert!(Target::parse("redis://h/-1").is_err());
        assert!(Target::parse("redis://h/0?protocol=resp3").is_err());
        assert!(Target::parse("http://h/0").is_err());
    }
}
