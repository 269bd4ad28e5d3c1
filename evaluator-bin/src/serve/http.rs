//! The HTTP front end: routes, token auth and the body limit.
//!
//! The token is accepted three ways, each compared in constant time, because two of Augur's
//! callers cannot send headers: `Authorization: Bearer <token>` (Argo's `web` provider, gRPC,
//! curl); an `access_token` query parameter (RFC 6750 §2.3; a Flagger webhook URL); and a
//! `/t/<token>/` path prefix mounting every route (Argo's `kayenta` provider, whose `address`
//! is a base URL with fixed paths and no query). `/healthz` and `/readyz` stay open.
//!
//! Browsers are kept out ([`Guard`]): a page on another site can make a browser send a
//! "simple" cross-site request that needs no permission, so mutating requests with such a
//! content type (`text/plain`, forms) are refused with 415 and those with a foreign `Origin`
//! with 403; and a `Host` that is not this service's (DNS rebinding) is refused with 421.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use subtle::ConstantTimeEq;
use tower::ServiceExt;

use super::api::{flagger, kayenta, ops, runs, templates};
use super::body::BodyLimit;
use super::error::{ApiError, status_response};
use super::service::Service;

/// The query parameter RFC 6750 §2.3 names for a bearer token.
const QUERY_PARAM: &str = "access_token";

/// The expected token, if the service has one.
#[derive(Clone, Default)]
pub struct Auth(pub Option<Arc<[u8]>>);

/// Set on a request whose `/t/<token>/` prefix was checked and stripped.
#[derive(Clone, Copy)]
struct PrefixAuthenticated;

impl Auth {
    /// Compares a presented token with the expected one in constant time.
    fn matches(&self, token: &[u8]) -> Result<(), ApiError> {
        match &self.0 {
            None => Ok(()),
            Some(expected) if bool::from(token.ct_eq(expected)) => Ok(()),
            Some(_) => Err(ApiError::Unauthorized("wrong bearer token")),
        }
    }

    /// Checks an `Authorization` header value in constant time.
    pub fn check(&self, header: Option<&[u8]>) -> Result<(), ApiError> {
        if self.0.is_none() {
            return Ok(());
        }
        let header = header.ok_or(ApiError::Unauthorized("missing bearer token"))?;
        // The scheme is case-insensitive (RFC 9110 §11.1), followed by one or more spaces.
        let token = match header.split_at_checked(7) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case(b"bearer ") => rest.trim_ascii(),
            _ => {
                return Err(ApiError::Unauthorized(
                    "expected an Authorization: Bearer token",
                ));
            }
        };
        self.matches(token)
    }

    /// A request's token: the `Authorization` header when present, else `access_token` in
    /// the query.
    fn check_request(&self, req: &Request) -> Result<(), ApiError> {
        if self.0.is_none() || req.extensions().get::<PrefixAuthenticated>().is_some() {
            return Ok(());
        }
        if let Some(header) = req.headers().get(AUTHORIZATION) {
            return self.check(Some(header.as_bytes()));
        }
        let query: Option<Query<HashMap<String, String>>> = Query::try_from_uri(req.uri()).ok();
        match query.as_ref().and_then(|q| q.get(QUERY_PARAM)) {
            Some(token) => self.matches(token.as_bytes()),
            None => self.check(None),
        }
    }
}

async fn require_token(State(auth): State<Auth>, req: Request, next: Next) -> Response {
    match auth.check_request(&req) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Which `Host` names the service answers for; `None` = any (a token already keeps browsers out).
#[derive(Clone, Default)]
pub struct Guard {
    /// The `Host` names accepted besides IP literals and localhost; `None`: any.
    pub hosts: Option<Arc<[String]>>,
}

/// The media types a browser sends cross-site without a CORS preflight (Fetch standard).
const CORS_SIMPLE: [&str; 3] = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
];

/// A `host[:port]` split into its lower-case name (IPv6 without brackets, no trailing dot) and port.
fn split_authority(authority: &str) -> (String, Option<&str>) {
    let (name, port) = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((name, tail)) => (name, tail.strip_prefix(':')),
            None => (rest, None),
        },
        None => match authority.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (name, Some(port)),
            _ => (authority, None),
        },
    };
    (name.trim_end_matches('.').to_ascii_lowercase(), port)
}

impl Guard {
    /// Whether `host` names this service: an IP address (DNS rebinding needs a name),
    /// `localhost` and its subdomains, or a configured name; any port.
    fn host_allowed(&self, host: &str) -> bool {
        let Some(allowed) = &self.hosts else {
            return true;
        };
        let (name, _) = split_authority(host);
        name.parse::<std::net::IpAddr>().is_ok()
            || name == "localhost"
            || name.ends_with(".localhost")
            || allowed.iter().any(|a| split_authority(a).0 == name)
    }

    fn check(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), ApiError> {
        let host = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()));
        if let Some(host) = host
            && !self.host_allowed(host)
        {
            return Err(ApiError::MisdirectedRequest(format!(
                "host {host:?} is not one this service answers for (--allowed-host)"
            )));
        }
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        if let Some(origin) = headers.get(ORIGIN) {
            let origin = origin.to_str().unwrap_or("null");
            if !same_origin(origin, host) {
                return Err(ApiError::Forbidden(format!(
                    "cross-site request refused: Origin {origin:?} is not this service"
                )));
            }
        }
        if let Some(ct) = headers.get(CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("");
            let essence = ct.split(';').next().unwrap_or("").trim();
            if CORS_SIMPLE.iter().any(|s| essence.eq_ignore_ascii_case(s)) {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "content type {essence:?} is not accepted: send application/json or application/yaml"
                )));
            }
        }
        Ok(())
    }
}

/// Whether `origin` (`scheme://host[:port]`) is the origin a request to `host` came from.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let (Some((scheme, authority)), Some(host)) = (origin.split_once("://"), host) else {
        return false;
    };
    let default = match scheme.to_ascii_lowercase().as_str() {
        "http" => "80",
        "https" => "443",
        _ => return false,
    };
    let (o_name, o_port) = split_authority(authority);
    let (h_name, h_port) = split_authority(host);
    o_name == h_name && o_port.unwrap_or(default) == h_port.unwrap_or(default)
}

async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    match g.check(req.method(), req.uri(), req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Errors axum answers before a handler runs (a bad query string or path, a method a route
/// does not have) come as plain text; they are rendered as a `Status` like every other error.
async fn status_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let plain = resp
        .headers()
        .get(CONTENT_TYPE)
        .is_none_or(|ct| ct.as_bytes().starts_with(b"text/plain"));
    let rejection = matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY
    );
    if !(plain && rejection) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let message = match text.trim() {
        "" => status.canonical_reason().unwrap_or("").to_lowercase(),
        t => t.to_string(),
    };
    let mut out = status_response(status, &message);
    if let Some(allow) = parts.headers.get(axum::http::header::ALLOW) {
        out.headers_mut()
            .insert(axum::http::header::ALLOW, allow.clone());
    }
    out
}

/// Decodes `%XX` escapes in a path segment (`+` stays `+`); `None` if an escape is broken.
fn percent_decode(segment: &str) -> Option<Vec<u8>> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

/// `/t/<token>/<route>`: checks the token, then serves `/<route>` (query kept) from `inner`.
async fn token_prefix(auth: Auth, inner: Router, req: Request) -> Response {
    let path = req.uri().path();
    let rest = path.strip_prefix("/t/").unwrap_or("");
    let (token, route) = rest.split_once('/').unwrap_or((rest, ""));
    let Some(token) = percent_decode(token) else {
        return ApiError::Unauthorized("wrong bearer token").into_response();
    };
    if let Err(e) = auth.matches(&token) {
        return e.into_response();
    }
    let target = match req.uri().query() {
        Some(q) => format!("/{route}?{q}"),
        None => format!("/{route}"),
    };
    let Ok(uri) = target.parse::<Uri>() else {
        return not_found().await.into_response();
    };
    // A fresh request, not the routed one: the outer route's path parameters live in its
    // extensions and would be handed to the inner handler's `Path` too.
    let (parts, body) = req.into_parts();
    let mut inner_req = Request::new(body);
    *inner_req.method_mut() = parts.method;
    *inner_req.uri_mut() = uri;
    *inner_req.version_mut() = parts.version;
    *inner_req.headers_mut() = parts.headers;
    inner_req.extensions_mut().insert(PrefixAuthenticated);
    match inner.oneshot(inner_req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route; see /openapi.json".into())
}

/// The HTTP API: every route but `/healthz` and `/readyz` needs `auth`'s token (a bearer
/// header, or a `/t/{token}/` prefix for clients that cannot set one); bodies over `max_body`
/// bytes are refused; `guard_hosts` refuses cross-site writes and foreign `Host`s.
pub fn router(svc: Arc<Service>, auth: Auth, guard_hosts: Guard, max_body: usize) -> Router {
    let protected = Router::new()
        .route("/api/v1/analysisruns", post(runs::create).get(runs::list))
        .route(
            "/api/v1/analysisruns/{name}",
            get(runs::get).delete(runs::delete),
        )
        .route(
            "/api/v1/analysisruns/{name}/terminate",
            post(runs::terminate),
        )
        .route("/api/v1/analysisruns/{name}/verdict", get(runs::verdict))
        .route(
            "/api/v1/analysisruns/{name}/measurements",
            get(runs::measurements),
        )
        .route("/api/v1/evaluate", post(templates::evaluate))
        .route("/api/v1/analysistemplates", get(templates::list))
        .route(
            "/api/v1/analysistemplates/{name}",
            get(templates::get)
                .put(templates::put)
                .delete(templates::delete),
        )
        .route("/flagger/v1/{template}", post(flagger::webhook))
        .route("/canaryConfig", get(kayenta::configs))
        .route("/canary/{id}", post(kayenta::start).get(kayenta::status))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(auth.clone(), require_token));
    let auth_prefix = auth;
    let inner = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .merge(protected)
        .layer(axum::Extension(BodyLimit(max_body)))
        .with_state(svc);
    let prefixed = {
        let inner = inner.clone();
        move |req: Request| token_prefix(auth_prefix.clone(), inner.clone(), req)
    };
    inner
        .route("/t/{token}", any(prefixed.clone()))
        .route("/t/{token}/{*route}", any(prefixed))
        .layer(middleware::from_fn(status_errors))
        .layer(middleware::from_fn_with_state(guard_hosts, guard))
        .layer(middleware::from_fn(super::conn::track_requests))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_checked() {
        let auth = Auth(Some(Arc::from(&b"s3cret"[..])));
        assert!(auth.check(Some(b"Bearer s3cret")).is_ok());
        let msg = |r: Result<(), ApiError>| r.err().map(|e| e.to_string());
        assert_eq!(msg(auth.check(None)), Some("missing bearer token".into()));
        assert_eq!(
            msg(auth.check(Some(b"Bearer s3cre"))),
            Some("wrong bearer token".into())
        );
        assert_eq!(
            msg(auth.check(Some(b"Basic czNjcmV0"))),
            Some("expected an Authorization: Bearer token".into())
        );
        assert!(Auth(None).check(None).is_ok());
        assert!(auth.check(Some(b"bearer s3cret")).is_ok());
        assert!(auth.check(Some(b"BEARER   s3cret")).is_ok());
        assert!(auth.check(Some(b"Bearers3cret")).is_err());
    }

    #[test]
    fn hosts_and_origins_are_this_service() {
        let g = Guard {
            hosts: Some(Arc::from(vec!["augur.example.com".to_string()])),
        };
        for ok in [
            "127.0.0.1:8080",
            "[::1]:8080",
            "10.1.2.3",
            "localhost:8080",
            "LocalHost.",
            "x.localhost",
            "Augur.Example.com:443",
        ] {
            assert!(g.host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "augur.example.com.evil",
            "localhost.evil:8080",
        ] {
            assert!(!g.host_allowed(bad), "{bad}");
        }
        assert!(Guard::default().host_allowed("evil.example"));
        assert!(same_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(same_origin(
            "https://augur.example.com",
            Some("augur.example.com")
        ));
        assert!(same_origin("http://localhost", Some("LOCALHOST:80")));
        assert!(!same_origin("http://evil.example", Some("127.0.0.1:8080")));
        assert!(!same_origin(
            "http://127.0.0.1:9999",
            Some("127.0.0.1:8080")
        ));
        assert!(!same_origin("null", Some("127.0.0.1:8080")));
        assert!(!same_origin("http://127.0.0.1:8080", None));
    }

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(percent_decode("a%2Fb+c"), Some(b"a/b+c".to_vec()));
        assert_eq!(percent_decode("abc"), Some(b"abc".to_vec()));
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("a%zz"), None);
    }
}
