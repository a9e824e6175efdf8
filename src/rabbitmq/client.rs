//! The management HTTP API client: one reqwest client, basic auth, the waits of
//! [`super::wait`] (connect and stall timeout, a wait for answers to start scaled to the
//! broker's size, the run's deadline), and JSON bodies decoded while they stream in (no
//! whole-body buffer), with specific errors.

use std::io::{self, BufReader, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio_util::io::{StreamReader, SyncIoBridge};

use super::wait::{Budget, Cut};

/// Largest response body celtool reads: 64 MiB. For scale, 50 000 queues with the columns celtool
/// asks for are a body of about 8 MB; one past 64 MiB is a misconfigured proxy or a broker
/// celtool must not try to swallow.
pub const MAX_BODY: u64 = 64 * 1024 * 1024;

/// Everything that can go wrong talking to the management API. Each message names the URL and
/// says what to do; none contains the password.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(
        "{url}: cannot connect: {cause}; is RabbitMQ running with the management plugin enabled (rabbitmq-plugins enable rabbitmq_management) and is --url right?"
    )]
    Connect { url: String, cause: String },
    #[error(
        "{url}: no answer within {secs}s (3 x --timeout, plus 1 s per 1 000 objects on the broker); raise --timeout or check the broker's load"
    )]
    Timeout { url: String, secs: u64 },
    #[error(
        "{url}: the answer stalled: nothing for {secs}s after {bytes} bytes; the broker or a proxy stopped sending (raise --timeout if it is only slow)"
    )]
    Stalled { url: String, secs: u64, bytes: u64 },
    #[error(
        "{url}: no answer before the run's deadline ({secs}s); raise --deadline or check the broker's load"
    )]
    Deadline { url: String, secs: u64 },
    #[error(
        "{url}: the answer was still arriving at the run's deadline ({secs}s): {bytes} bytes had come, slowly but without a stall; raise --deadline or check the network to the broker"
    )]
    DeadlineMidAnswer { url: String, secs: u64, bytes: u64 },
    /// The server closed the connection before it answered: RabbitMQ's management listener
    /// (Cowboy) ends a request that has been silent for its idle_timeout, 60 s by default,
    /// while the broker is still gathering a big listing.
    #[error(
        "{url}: the broker closed the connection after {secs}s without answering; RabbitMQ's management listener gives up on a request after management.tcp.idle_timeout (60000 ms by default): raise it in rabbitmq.conf (e.g. management.tcp.idle_timeout = 300000; management.ssl.idle_timeout for https) or ask for less (--vhost)"
    )]
    Closed { url: String, secs: u64 },
    #[error(
        "{url}: 401 Unauthorized: the broker refused user '{user}'{profile}; check the user and the password (CELTOOL_PASSWORD or the profile's password_file)"
    )]
    Unauthorized {
        url: String,
        user: String,
        profile: String,
    },
    #[error(
        "{url}: 403 Forbidden: user '{user}' may not read this; give it the monitoring tag: rabbitmqctl set_user_tags {user} monitoring"
    )]
    Forbidden { url: String, user: String },
    #[error(
        "{url}: 404 Not Found: is the management plugin enabled (rabbitmq-plugins enable rabbitmq_management) and does --url include the right path prefix?"
    )]
    NotFound { url: String },
    #[error("vhost '{vhost}' does not exist on {base}; list them with: rabbitmqctl list_vhosts")]
    NoSuchVhost { vhost: String, base: String },
    #[error("{url}: {status}: the broker reported a server error{reason}")]
    Server {
        url: String,
        status: String,
        reason: String,
    },
    #[error("{url}: unexpected HTTP status {status}")]
    Status { url: String, status: String },
    #[error(
        "{url}: 403 Forbidden: user '{user}' may not make this change; fixes need a user with the policymaker tag (policies) and configure permission on the vhost (queues): rabbitmqctl set_user_tags {user} policymaker"
    )]
    ForbiddenWrite { url: String, user: String },
    #[error("{url}: the broker refused the change ({status})")]
    Rejected { url: String, status: String },
    #[error("{url}: the response is not the JSON expected: {cause}")]
    Decode { url: String, cause: String },
    #[error("{url}: the response body is larger than {limit} bytes; refusing to read it")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: {cause}")]
    Transport { url: String, cause: String },
    #[error("invalid management API URL '{url}': {why}")]
    BadUrl { url: String, why: String },
    /// TLS or protocol trouble that says what to do; no "is RabbitMQ running" guess.
    #[error("{url}: {what}")]
    WrongServer { url: String, what: String },
    #[error("cannot use the CA file {path}: {why}")]
    CaFile { path: String, why: String },
}

impl ApiError {
    /// True for errors about credentials or permissions (finding `broker.auth`).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            ApiError::Unauthorized { .. } | ApiError::Forbidden { .. }
        )
    }
}

pub use crate::settings::Endpoint;

/// A management API client. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: Endpoint,
    max_body: u64,
    budget: Arc<Budget>,
}

impl Client {
    pub fn new(endpoint: Endpoint) -> Result<Self, ApiError> {
        // rustls needs a process-wide crypto provider; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No total timeout: the waits of `wait::Budget` bound each phase of a request instead.
        let mut builder = reqwest::Client::builder();
        if let Some(path) = &endpoint.ca_file {
            let certs = super::tls::load_ca_file(path).map_err(|why| ApiError::CaFile {
                path: crate::text::sanitize(&path.display().to_string()),
                why,
            })?;
            builder = builder.tls_certs_merge(certs);
        } else if endpoint.url.scheme() == "http" {
            builder = builder.tls_backend_preconfigured(super::tls::lazy_roots_config().map_err(
                |why| ApiError::BadUrl {
                    url: endpoint.url.to_string(),
                    why,
                },
            )?);
        }
        let http = builder
            .connect_timeout(endpoint.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("celtool/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::BadUrl {
                url: endpoint.url.to_string(),
                why: root_cause(&e),
            })?;
        let budget = Arc::new(Budget::new(endpoint.timeout, endpoint.deadline));
        Ok(Client {
            http,
            endpoint,
            max_body: MAX_BODY,
            budget,
        })
    }

    /// The waits of this client's run (shared by its clones).
    pub fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    pub fn base(&self) -> &Url {
        &self.endpoint.url
    }

    /// The URL of `/api/<segments...>` under the base URL (which may carry a path prefix), with
    /// each segment percent-encoded (the default vhost `/` becomes `%2F`).
    pub fn url(&self, segments: &[&str], columns: Option<&str>) -> Url {
        let mut url = self.endpoint.url.clone();
        url.set_path(&api_path(url.path(), segments));
        if let Some(columns) = columns {
            url.query_pairs_mut().append_pair("columns", columns);
        }
        url
    }

    /// GET a JSON document and decode it as it streams in.
    pub async fn get<T>(&self, segments: &[&str], columns: Option<&str>) -> Result<T, ApiError>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.get_query(segments, columns, &[]).await
    }

    /// [`Client::get`] with more query parameters (`disable_stats`, `page`, `name`).
    pub async fn get_query<T>(
        &self,
        segments: &[&str],
        columns: Option<&str>,
        query: &[(&str, &str)],
    ) -> Result<T, ApiError>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.fetch(segments, columns, query, |r| {
            serde_json::from_reader::<_, T>(r).map_err(|e| e.to_string())
        })
        .await
    }

    /// GET a JSON array and decode it item by item as it streams in (`super::list`): the
    /// listings, where the bytes are.
    pub async fn get_list<E>(
        &self,
        segments: &[&str],
        columns: Option<&str>,
    ) -> Result<Vec<E>, ApiError>
    where
        E: DeserializeOwned + Send + 'static,
    {
        self.fetch(segments, columns, &[], |r| super::list::decode_list::<E>(r))
            .await
    }

    /// A listing decoded item by item with `decode`; items that do not decode are counted in
    /// `skipped`, not an error.
    pub async fn get_listing<E>(
        &self,
        segments: &[&str],
        columns: Option<&str>,
        decode: super::list::ItemDecoder<E>,
    ) -> Result<crate::rabbitmq::records::Listing<E>, ApiError>
    where
        E: DeserializeOwned + Send + 'static,
    {
        self.get_listing_query(segments, columns, &[], decode).await
    }

    /// [`Client::get_listing`] with more query parameters (the queue listing's
    /// `disable_stats=true&enable_queue_totals=true`).
    pub async fn get_listing_query<E>(
        &self,
        segments: &[&str],
        columns: Option<&str>,
        query: &[(&str, &str)],
        decode: super::list::ItemDecoder<E>,
    ) -> Result<crate::rabbitmq::records::Listing<E>, ApiError>
    where
        E: DeserializeOwned + Send + 'static,
    {
        self.fetch(segments, columns, query, move |r| {
            super::list::decode_list_by::<E>(r, decode)
        })
        .await
    }

    async fn fetch<T, D>(
        &self,
        segments: &[&str],
        columns: Option<&str>,
        query: &[(&str, &str)],
        decode: D,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        D: FnOnce(BufReader<&mut dyn Read>) -> Result<T, String> + Send + 'static,
    {
        let mut url = self.url(segments, columns);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        // Errors name the endpoint without the long columns= list.
        let mut shown_url = url.clone();
        shown_url.set_query(None);
        let shown = format!("GET {shown_url}");
        let since = Instant::now();
        let _waiting = self.budget.waiting(shown_url.path().to_string());
        let send = self
            .http
            .get(url)
            .basic_auth(&self.endpoint.user, Some(self.endpoint.password.expose()))
            .send();
        let response = self
            .budget
            .until(|| self.budget.start_limit(since, true), send)
            .await
            .map_err(|cut| self.cut_error(shown.clone(), cut))?
            .map_err(|e| match closed_unanswered(&e) {
                true => ApiError::Closed {
                    url: shown.clone(),
                    secs: since.elapsed().as_secs(),
                },
                false => self.transport_error(&shown, &e),
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.status_error(shown, status, response).await);
        }
        if response.content_length().is_some_and(|n| n > self.max_body) {
            return Err(ApiError::TooLarge {
                url: shown,
                limit: self.max_body,
            });
        }
        // A small answer (a single queue, the overview) gets a buffer its size: std zeroes a
        // new buffer on its first fill, and 64 KiB zeroed for each of a hundred single-queue
        // reads was 8 million instructions of a doctor run at 10 000 queues.
        let capacity = response.content_length().map_or(BUFFER, |n| {
            usize::try_from(n).map_or(BUFFER, |n| n.clamp(512, BUFFER))
        });
        let stream = Box::pin(body_stream(response, Arc::clone(&self.budget), since));
        let bridge = SyncIoBridge::new(StreamReader::new(stream));
        let limit = self.max_body;
        let decoded = tokio::task::spawn_blocking(move || {
            // The buffer sits outside the limit, and is passed by value: serde_json reads a
            // byte at a time, and std's `Bytes` over a `BufReader` takes them from its buffer
            // (half of doctor's instructions went to byte-sized reads through `Limited`).
            let mut limited = Limited::new(bridge, limit);
            let result = decode(BufReader::with_capacity(capacity, &mut limited));
            (result, limited.failure)
        })
        .await;
        match decoded {
            Ok((Ok(value), _)) => Ok(value),
            Ok((Err(_), Some(failure))) => Err(self.read_error(shown, failure)),
            Ok((Err(cause), None)) => Err(ApiError::Decode { url: shown, cause }),
            Err(join) => Err(ApiError::Transport {
                url: shown,
                cause: format!("decoding task failed: {join}"),
            }),
        }
    }

    /// GET a small JSON answer whose status carries the meaning (health checks: 200 pass, 503
    /// fail with a JSON reason). Returns the status and the body (`Null` when it is not JSON);
    /// statuses other than 2xx and 503 become the usual errors. Reads at most 1 MiB.
    pub async fn get_status(
        &self,
        segments: &[&str],
    ) -> Result<(u16, serde_json::Value), ApiError> {
        let url = self.url(segments, None);
        let shown = format!("GET {url}");
        let request = self
            .http
            .get(url)
            .basic_auth(&self.endpoint.user, Some(self.endpoint.password.expose()));
        // Bounded as every request: the wait for the answer to start, each pause inside it,
        // and the run's deadline.
        let since = Instant::now();
        let mut response = self
            .budget
            .until(|| self.budget.start_limit(since, true), request.send())
            .await
            .map_err(|cut| self.cut_error(shown.clone(), cut))?
            .map_err(|e| self.transport_error(&shown, &e))?;
        let status = response.status();
        if !status.is_success() && status != StatusCode::SERVICE_UNAVAILABLE {
            return Err(self.status_error(shown, status, response).await);
        }
        let mut body = Vec::new();
        loop {
            let bytes = body.len() as u64;
            let limit = self.budget.idle_limit(bytes);
            let chunk = self
                .budget
                .until(|| limit, response.chunk())
                .await
                .map_err(|cut| self.cut_error(shown.clone(), cut))?
                .map_err(|e| self.transport_error(&shown, &e))?;
            let Some(chunk) = chunk else { break };
            body.extend_from_slice(&chunk);
            if body.len() > 1 << 20 {
                return Err(ApiError::TooLarge {
                    url: shown,
                    limit: 1 << 20,
                });
            }
        }
        let value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        Ok((status.as_u16(), value))
    }

    /// PUT a JSON body (declare a policy, a queue). 201 and 204 both mean done.
    pub async fn put(&self, segments: &[&str], body: &serde_json::Value) -> Result<(), ApiError> {
        self.write(reqwest::Method::PUT, segments, &[], Some(body))
            .await
    }

    /// POST a JSON body (declare a binding: 201 Created).
    pub async fn post(&self, segments: &[&str], body: &serde_json::Value) -> Result<(), ApiError> {
        self.write(reqwest::Method::POST, segments, &[], Some(body))
            .await
    }

    /// DELETE an object; `query` carries conditions such as `if-unused=true`.
    pub async fn delete(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<(), ApiError> {
        self.write(reqwest::Method::DELETE, segments, query, None)
            .await
    }

    async fn write(
        &self,
        method: reqwest::Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<(), ApiError> {
        let mut url = self.url(segments, None);
        let shown = format!("{method} {url}");
        for (k, v) in query {
            url.query_pairs_mut().append_pair(k, v);
        }
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(&self.endpoint.user, Some(self.endpoint.password.expose()));
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        // A change asked for after the report is not bound by the run's deadline.
        let since = Instant::now();
        let response = self
            .budget
            .until(|| self.budget.start_limit(since, false), request.send())
            .await
            .map_err(|cut| self.cut_error(shown.clone(), cut))?
            .map_err(|e| self.transport_error(&shown, &e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let error = self.status_error(shown.clone(), status, response).await;
        // A 400 from a write carries the broker's reason (a conflicting argument, a bad policy).
        Err(match error {
            ApiError::Status { url, status } => ApiError::Rejected { url, status },
            ApiError::Forbidden { url, user } => ApiError::ForbiddenWrite { url, user },
            other => other,
        })
    }

    fn transport_error(&self, url: &str, e: &reqwest::Error) -> ApiError {
        let url = url.to_string();
        if e.is_timeout() {
            ApiError::Timeout {
                url,
                secs: self.endpoint.timeout.as_secs().max(1),
            }
        } else if let Some(what) = wrong_server(&self.endpoint.url, e) {
            ApiError::WrongServer { url, what }
        } else if e.is_connect() {
            let mut cause = root_cause(e);
            if cause.contains("InvalidContentType") || cause.contains("corrupt message") {
                cause = format!(
                    "TLS handshake failed ({cause}): the port does not speak TLS; use http:// for a plain port"
                );
            }
            ApiError::Connect { url, cause }
        } else if e.is_redirect() {
            ApiError::Transport {
                url,
                cause: "too many redirects (more than 5); point --url at the management API itself"
                    .into(),
            }
        } else {
            ApiError::Transport {
                url,
                cause: root_cause(e),
            }
        }
    }

    fn cut_error(&self, url: String, cut: Cut) -> ApiError {
        match cut {
            Cut::NoStart(wait) => ApiError::Timeout {
                url,
                secs: wait.as_secs().max(1),
            },
            Cut::Stalled { bytes, idle } => ApiError::Stalled {
                url,
                secs: idle.as_secs().max(1),
                bytes,
            },
            Cut::Deadline(len) => ApiError::Deadline {
                url,
                secs: len.as_secs().max(1),
            },
            Cut::DeadlineMidAnswer { len, bytes } => ApiError::DeadlineMidAnswer {
                url,
                secs: len.as_secs().max(1),
                bytes,
            },
        }
    }

    fn read_error(&self, url: String, failure: ReadFailure) -> ApiError {
        match failure {
            ReadFailure::TooLarge => ApiError::TooLarge {
                url,
                limit: self.max_body,
            },
            ReadFailure::Io(e) => {
                if let Some(cut) = e.get_ref().and_then(|i| i.downcast_ref::<Cut>()) {
                    return self.cut_error(url, *cut);
                }
                let timed_out = e
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                    .is_some_and(|r| r.is_timeout());
                if timed_out {
                    ApiError::Timeout {
                        url,
                        secs: self.endpoint.timeout.as_secs().max(1),
                    }
                } else {
                    ApiError::Transport {
                        url,
                        cause: format!("reading the response failed: {}", root_cause(&e)),
                    }
                }
            }
        }
    }

    async fn status_error(
        &self,
        url: String,
        status: StatusCode,
        response: reqwest::Response,
    ) -> ApiError {
        let user = self.endpoint.user.clone();
        match status {
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized {
                url,
                user,
                profile: self
                    .endpoint
                    .profile
                    .as_ref()
                    .map(|p| format!(" (profile '{p}')"))
                    .unwrap_or_default(),
            },
            StatusCode::FORBIDDEN => ApiError::Forbidden { url, user },
            StatusCode::NOT_FOUND => ApiError::NotFound { url },
            s if s.is_server_error() => ApiError::Server {
                url,
                status: s.to_string(),
                reason: error_reason(response, self.budget.idle()).await,
            },
            s => ApiError::Status {
                url,
                status: s.to_string(),
            },
        }
    }
}

/// The body of `response` as a stream of chunks, each awaited within the budget: the first
/// within the wait for an answer to start (counted from `since`), each later one within the
/// idle timeout; a wait that runs out ends the stream with an error carrying its [`Cut`].
fn body_stream(
    response: reqwest::Response,
    budget: Arc<Budget>,
    since: Instant,
) -> impl futures_util::Stream<Item = io::Result<tokio_util::bytes::Bytes>> + Send + 'static {
    futures_util::stream::unfold((Some(response), 0u64), move |(response, bytes)| {
        let budget = Arc::clone(&budget);
        async move {
            let mut response = response?;
            let chunk = if bytes == 0 {
                budget
                    .until(|| budget.start_limit(since, true), response.chunk())
                    .await
            } else {
                // Fixed when the wait starts: silence counts from the last bytes.
                let limit = budget.idle_limit(bytes);
                budget.until(|| limit, response.chunk()).await
            };
            match chunk {
                Ok(Ok(Some(b))) => {
                    let n = bytes + b.len() as u64;
                    Some((Ok(b), (Some(response), n)))
                }
                Ok(Ok(None)) => None,
                Ok(Err(e)) => Some((Err(io::Error::other(e)), (None, bytes))),
                Err(cut) => Some((Err(io::Error::other(cut)), (None, bytes))),
            }
        }
    })
}

/// Everything but RFC 3986's unreserved characters is escaped in a path segment: the management
/// API's web server rejects raw `[` and friends, and `/` in the default vhost must be `%2F`.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `<prefix>/api/<segment>/<segment>...` with every segment escaped.
pub fn api_path(prefix: &str, segments: &[&str]) -> String {
    let mut path = prefix.trim_end_matches('/').to_string();
    path.push_str("/api");
    for s in segments {
        path.push('/');
        path.extend(percent_encoding::utf8_percent_encode(s, SEGMENT));
    }
    path
}

/// The `reason` of a RabbitMQ error body (`{"error": ..., "reason": ...}`), read from at most
/// 4 KiB of the body (each piece within `idle`) and stripped of control characters.
async fn error_reason(mut response: reqwest::Response, idle: Duration) -> String {
    let mut body = Vec::new();
    while body.len() < 4096 {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(4096);
    let reason = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("reason")
                .or(v.get("error"))
                .map(|r| r.as_str().map(str::to_string).unwrap_or(r.to_string()))
        });
    match reason {
        Some(r) if !r.is_empty() => format!(": {}", crate::text::sanitize(&r)),
        _ => String::new(),
    }
}

/// True when the server closed the connection before any answer (hyper's "connection closed
/// before message completed"), as RabbitMQ's management listener does after its idle_timeout.
fn closed_unanswered(e: &reqwest::Error) -> bool {
    !e.is_timeout()
        && !e.is_connect()
        && root_cause(e).contains("connection closed before message completed")
}

/// A TLS or protocol failure that `tls` can put in words: an untrusted certificate, TLS at a
/// plain port, the AMQP port.
fn wrong_server(base: &Url, e: &reqwest::Error) -> Option<String> {
    let cause = root_cause(e);
    super::tls::certificate_problem(&cause).or_else(|| super::tls::protocol_problem(base, &cause))
}

/// The innermost cause of an error chain, which is the part that names the real problem
/// ("Connection refused (os error 111)" rather than "error sending request").
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &dyn std::error::Error = e;
    while let Some(next) = last.source() {
        last = next;
    }
    crate::text::sanitize(&last.to_string())
}

enum ReadFailure {
    TooLarge,
    Io(io::Error),
}

/// The read buffer of a long answer (a listing).
const BUFFER: usize = 64 * 1024;

/// A reader that stops after `limit` bytes and remembers why a read failed, so the caller can
/// tell a cut connection or an oversized body from malformed JSON.
struct Limited<R> {
    inner: R,
    left: u64,
    failure: Option<ReadFailure>,
}

impl<R: Read> Limited<R> {
    fn new(inner: R, limit: u64) -> Self {
        Limited {
            inner,
            left: limit,
            failure: None,
        }
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One more byte means the body is over the limit; EOF means it fitted exactly.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe) {
                Ok(0) => Ok(0),
                Ok(_) => {
                    self.failure = Some(ReadFailure::TooLarge);
                    Err(io::Error::other("response body too large"))
                }
                Err(e) => Err(self.fail(e)),
            };
        }
        let max = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        match self.inner.read(&mut buf[..max]) {
            Ok(n) => {
                self.left -= n as u64;
                Ok(n)
            }
            Err(e) => Err(self.fail(e)),
        }
    }
}

impl<R> Limited<R> {
    fn fail(&mut self, e: io::Error) -> io::Error {
        let copy = io::Error::new(e.kind(), e.to_string());
        self.failure = Some(ReadFailure::Io(e));
        copy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Secret;

    fn client(base: &str) -> Client {
        Client::new(Endpoint {
            url: Url::parse(base).unwrap(),
            user: "guest".into(),
            password: Secret::new("guest".into()),
            timeout: Duration::from_secs(1),
            profile: None,
            deadline: None,
            ca_file: None,
        })
        .unwrap()
    }

    #[test]
    fn urls_encode_vhosts_and_keep_path_prefixes() {
        let c = client("http://h:15672");
        assert_eq!(
            c.url(&["queues", "/"], Some("name,vhost")).as_str(),
            "http://h:15672/api/queues/%2F?columns=name%2Cvhost"
        );
        let c = client("https://h/rabbitmq/");
        assert_eq!(
            c.url(&["queues", "v[1]", "a\u{1b}"], None).as_str(),
            "https://h/rabbitmq/api/queues/v%5B1%5D/a%1B"
        );
        assert_eq!(
            c.url(&["nodes", "rabbit@a b"], None).as_str(),
            "https://h/rabbitmq/api/nodes/rabbit%40a%20b"
        );
    }

    #[test]
    fn limited_reader_flags_oversized_bodies() {
        let mut r = Limited::new(&b"[1,2,3]"[..], 3);
        let v: Result<Vec<u8>, _> = serde_json::from_reader(&mut r);
        assert!(v.is_err());
        assert!(matches!(r.failure, Some(ReadFailure::TooLarge)));
        let mut r = Limited::new(&b"[1,2,3]"[..], 7);
        let v: Vec<u8> = serde_json::from_reader(&mut r).unwrap();
        assert_eq!(v, vec![1, 2, 3]);
    }
}
