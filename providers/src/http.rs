//! The HTTP plumbing every provider shares: one client per TLS mode, bounded redirects, a hard
//! cap on response bodies, the service's host allow-list (checked again on every redirect), and
//! transport errors worded like Go's `net/http` so messages match Argo's.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use analysis_core::{ProviderError, RawResponse};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, redirect};
use tokio::time::Instant;
use url::Url;

use crate::ProviderOptions;
use crate::goerr::{go_quote, url_error};

/// Go's `http.Client` follows at most 10 redirects.
const MAX_REDIRECTS: usize = 10;
/// Go's default dialer gives up connecting after 30 s.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How a deadline is worded when it passes: Go's `http.Client.Timeout` (web) or a context
/// deadline (prometheus, skywalking).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeoutStyle {
    Client,
    Context,
}

/// One request to send.
pub(crate) struct Exchange<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// Applied in order with set semantics: a later header replaces an earlier one.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub insecure: bool,
    pub deadline: Instant,
    pub style: TimeoutStyle,
}

/// Why no complete answer arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HttpError {
    /// Nothing usable came back; the text is complete (Go's `url.Error` form).
    Transport(String),
    /// Headers arrived but the body could not be read; the text lacks the URL, as in Go.
    Body { status: u16, message: String },
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Transport(m) | HttpError::Body { message: m, .. } => f.write_str(m),
        }
    }
}

/// A redirect the policy refused; its text ends up in the `url.Error`.
#[derive(Debug)]
struct RedirectRefused(String);

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for RedirectRefused {}

/// The shared clients and limits.
pub(crate) struct Http {
    secure: Client,
    insecure: Client,
    max_body_bytes: usize,
    allow_hosts: Option<Arc<[String]>>,
    /// [`ProviderOptions::max_measurement_timeout`]: no exchange waits longer, whatever its
    /// metric's `timeoutSeconds`.
    max_timeout: Option<Duration>,
}

impl Http {
    pub(crate) fn new(options: &ProviderOptions) -> Result<Http, ProviderError> {
        let allow_hosts: Option<Arc<[String]>> = options
            .allow_hosts
            .as_ref()
            .map(|hosts| hosts.iter().map(|h| h.to_ascii_lowercase()).collect());
        let build = |insecure: bool| {
            let hosts = allow_hosts.clone();
            let policy = redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(RedirectRefused(format!(
                        "stopped after {MAX_REDIRECTS} redirects"
                    )));
                }
                if let Err(e) = host_allowed(hosts.as_deref(), attempt.url()) {
                    return attempt.error(RedirectRefused(e));
                }
                attempt.follow()
            });
            Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .redirect(policy)
                .user_agent(concat!("augur/", env!("CARGO_PKG_VERSION")))
                .tls_danger_accept_invalid_certs(insecure)
                .build()
                .map_err(|e| ProviderError::new(format!("cannot build the HTTP client: {e}")))
        };
        Ok(Http {
            secure: build(false)?,
            insecure: build(true)?,
            max_body_bytes: options.max_body_bytes,
            allow_hosts,
            max_timeout: options.max_measurement_timeout,
        })
    }

    /// Checks a URL the way Go's client would before dialing, plus the allow-list.
    pub(crate) fn check_url(&self, method: &str, raw: &str) -> Result<Url, String> {
        let url = parse_request_url(method, raw)?;
        host_allowed(self.allow_hosts.as_deref(), &url).map_err(|e| url_error(method, raw, &e))?;
        Ok(url)
    }

    /// Sends one request and reads the whole body (up to the cap) before the deadline.
    pub(crate) async fn exchange(&self, mut ex: Exchange<'_>) -> Result<RawResponse, HttpError> {
        if let Some(cap) = self.max_timeout {
            ex.deadline = ex.deadline.min(deadline_after(cap));
        }
        let url = self
            .check_url(ex.method, ex.url)
            .map_err(HttpError::Transport)?;
        let method = Method::from_bytes(ex.method.as_bytes()).map_err(|_| {
            HttpError::Transport(format!("net/http: invalid method {}", go_quote(ex.method)))
        })?;
        let headers = header_map(&ex.headers)
            .map_err(|e| HttpError::Transport(url_error(ex.method, ex.url, &e)))?;
        let client = if ex.insecure {
            &self.insecure
        } else {
            &self.secure
        };
        let mut request = client.request(method, url).headers(headers);
        if let Some(body) = ex.body {
            request = request.body(body);
        }
        if Instant::now() >= ex.deadline {
            return Err(HttpError::Transport(url_error(
                ex.method,
                ex.url,
                &deadline_text(ex.style, false),
            )));
        }
        let response = match tokio::time::timeout_at(ex.deadline, request.send()).await {
            Err(_) => {
                return Err(HttpError::Transport(url_error(
                    ex.method,
                    ex.url,
                    &deadline_text(ex.style, false),
                )));
            }
            Ok(Err(e)) => return Err(HttpError::Transport(transport_error(ex.method, ex.url, &e))),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        let body =
            match tokio::time::timeout_at(ex.deadline, read_capped(response, self.max_body_bytes))
                .await
            {
                Err(_) => {
                    return Err(HttpError::Body {
                        status,
                        message: deadline_text(ex.style, true),
                    });
                }
                Ok(Err(message)) => return Err(HttpError::Body { status, message }),
                Ok(Ok(b)) => b,
            };
        let body = match String::from_utf8(body) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        Ok(RawResponse { status, body })
    }
}

/// `now + timeout`, saturating: a manifest's `timeoutSeconds: 9223372036854775807` must not
/// overflow the clock.
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// Go's wording for a passed deadline, before the headers or while reading the body.
fn deadline_text(style: TimeoutStyle, reading_body: bool) -> String {
    match (style, reading_body) {
        (TimeoutStyle::Client, false) => {
            "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into()
        }
        (TimeoutStyle::Client, true) => {
            "context deadline exceeded (Client.Timeout or context cancellation while reading body)"
                .into()
        }
        (TimeoutStyle::Context, _) => "context deadline exceeded".into(),
    }
}

/// Parses a request URL with Go's outcomes: no scheme or another scheme than http(s) is
/// `unsupported protocol scheme`, a missing host is `http: no Host in request URL`.
pub(crate) fn parse_request_url(method: &str, raw: &str) -> Result<Url, String> {
    match Url::parse(raw) {
        Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {
            if url.host_str().is_none_or(str::is_empty) {
                Err(url_error(method, raw, "http: no Host in request URL"))
            } else {
                Ok(url)
            }
        }
        Ok(url) => Err(url_error(
            method,
            raw,
            &format!("unsupported protocol scheme {}", go_quote(url.scheme())),
        )),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            Err(url_error(method, raw, "unsupported protocol scheme \"\""))
        }
        Err(url::ParseError::EmptyHost) => {
            Err(url_error(method, raw, "http: no Host in request URL"))
        }
        Err(e) => Err(format!("parse {}: {e}", go_quote(raw))),
    }
}

/// The allow-list check: entries are `host` or `host:port`, compared case-insensitively.
pub(crate) fn host_allowed(allow: Option<&[String]>, url: &Url) -> Result<(), String> {
    let Some(allow) = allow else {
        return Ok(());
    };
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let with_port = url
        .port_or_known_default()
        .map(|p| format!("{host}:{p}"))
        .unwrap_or_else(|| host.clone());
    if allow.iter().any(|a| *a == host || *a == with_port) {
        Ok(())
    } else {
        Err(format!(
            "host {} is not in the allowed hosts ({})",
            go_quote(&host),
            allow.join(", ")
        ))
    }
}

fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| format!("net/http: invalid header field name {}", go_quote(k)))?;
        let value = HeaderValue::from_str(v)
            .map_err(|_| format!("net/http: invalid header field value for {}", go_quote(k)))?;
        map.insert(name, value);
    }
    Ok(map)
}

/// Reads the body, failing as soon as it is known to exceed `max` bytes (never buffering more).
async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    let too_large = || format!("response body exceeds {max} bytes");
    let declared = response.content_length();
    if declared.is_some_and(|len| len > max as u64) {
        return Err(too_large());
    }
    let initial = declared.map_or(8 * 1024, |len| len as usize).min(max);
    let mut body = Vec::with_capacity(initial);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(innermost(&e)),
        }
    }
}

/// The text of the deepest error in a chain (usually the most specific).
fn innermost(err: &(dyn StdError + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    let text = current.to_string();
    if text.contains("connection closed before message completed") {
        "unexpected EOF".into()
    } else {
        text
    }
}

/// Words a reqwest failure like Go's client: `Get "url": dial tcp host:port: connect:
/// connection refused`, `... stopped after 10 redirects`, `... no such host`.
fn transport_error(method: &str, url: &str, err: &reqwest::Error) -> String {
    let shown = err.url().map_or(url, Url::as_str);
    let mut chain: Vec<&(dyn StdError + 'static)> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        chain.push(e);
        current = e.source();
    }
    if let Some(refused) = chain
        .iter()
        .find_map(|e| e.downcast_ref::<RedirectRefused>())
    {
        return url_error(method, shown, &refused.0);
    }
    let host_port = err.url().map(|u| {
        let host = u.host_str().unwrap_or("");
        match u.port_or_known_default() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        }
    });
    let host_port = host_port.unwrap_or_default();
    let io_kind = chain
        .iter()
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    let all = chain
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    let text = if io_kind == Some(std::io::ErrorKind::ConnectionRefused) {
        format!("dial tcp {host_port}: connect: connection refused")
    } else if all.contains("dns error") || all.contains("failed to lookup address") {
        let host = err.url().and_then(Url::host_str).unwrap_or("");
        format!("dial tcp: lookup {host}: no such host")
    } else if io_kind == Some(std::io::ErrorKind::TimedOut) || all.contains("timed out") {
        format!("dial tcp {host_port}: i/o timeout")
    } else if all.to_ascii_lowercase().contains("certificate") {
        let cause = chain.last().map(|e| e.to_string()).unwrap_or_default();
        format!("tls: failed to verify certificate: {}", x509_text(&cause))
    } else if all.contains("connection closed before message completed") {
        "EOF".into()
    } else {
        chain.last().map(|e| e.to_string()).unwrap_or_default()
    };
    url_error(method, shown, &text)
}

/// Go's `crypto/x509` wording for the verification failures users meet (an unknown or
/// self-signed issuer, an expired certificate); rustls' own text for the rarer ones.
fn x509_text(rustls: &str) -> String {
    if rustls.contains("UnknownIssuer") {
        "x509: certificate signed by unknown authority".into()
    } else if rustls.contains("Expired") || rustls.contains("NotValidYet") {
        "x509: certificate has expired or is not yet valid".into()
    } else {
        rustls.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_like_go() {
        assert_eq!(
            parse_request_url("GET", "ftp://x/y").err().as_deref(),
            Some(r#"Get "ftp://x/y": unsupported protocol scheme "ftp""#)
        );
        assert_eq!(
            parse_request_url("POST", "/graphql").err().as_deref(),
            Some(r#"Post "/graphql": unsupported protocol scheme """#)
        );
        assert!(parse_request_url("GET", "http://127.0.0.1:8080/x").is_ok());
    }

    #[test]
    fn huge_timeouts_saturate_instead_of_panicking() {
        assert!(deadline_after(Duration::MAX) > Instant::now());
        assert!(deadline_after(Duration::from_secs(i64::MAX.unsigned_abs())) > Instant::now());
    }

    #[test]
    fn allow_list_takes_hosts_and_host_ports() {
        let allow: Vec<String> = vec!["metrics.internal".into(), "127.0.0.1:9090".into()];
        let ok = |u: &str| host_allowed(Some(&allow), &Url::parse(u).expect("test url"));
        assert!(ok("http://METRICS.internal/x").is_ok());
        assert!(ok("http://127.0.0.1:9090/").is_ok());
        let refused = ok("http://127.0.0.1:9091/");
        assert_eq!(
            refused.err().as_deref(),
            Some(
                r#"host "127.0.0.1" is not in the allowed hosts (metrics.internal, 127.0.0.1:9090)"#
            )
        );
        assert!(host_allowed(None, &Url::parse("http://any/").expect("test url")).is_ok());
    }

    #[test]
    fn headers_have_set_semantics() {
        let map = header_map(&[
            ("X-A".into(), "1".into()),
            ("x-a".into(), "2".into()),
            ("X-B".into(), "3".into()),
        ])
        .expect("valid headers");
        assert_eq!(map.get("x-a").and_then(|v| v.to_str().ok()), Some("2"));
        assert_eq!(map.len(), 2);
        assert_eq!(
            header_map(&[("bad name".into(), "x".into())])
                .err()
                .as_deref(),
            Some(r#"net/http: invalid header field name "bad name""#)
        );
    }
}
