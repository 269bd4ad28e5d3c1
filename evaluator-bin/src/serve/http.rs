//! The HTTP front end: routes, token auth and the body limit.
//!
//! The token is accepted three ways, each compared in constant time, because two of Augur's
//! callers cannot send headers: `Authorization: Bearer <token>` (Argo's `web` provider, gRPC,
//! curl); an `access_token` query parameter (RFC 6750 §2.3; a Flagger webhook URL); and a
//! `/t/<token>/` path prefix mounting every route (Argo's `kayenta` provider, whose `address`
//! is a base URL with fixed paths and no query). `/healthz` and `/readyz` stay open.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::Uri;
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use subtle::ConstantTimeEq;
use tower::ServiceExt;

use super::api::{flagger, kayenta, ops, runs, templates};
use super::body::BodyLimit;
use super::error::ApiError;
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
        let token = header
            .strip_prefix(b"Bearer ")
            .ok_or(ApiError::Unauthorized(
                "expected an Authorization: Bearer token",
            ))?;
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
/// bytes are refused.
pub fn router(svc: Arc<Service>, auth: Auth, max_body: usize) -> Router {
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
    }

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(percent_decode("a%2Fb+c"), Some(b"a/b+c".to_vec()));
        assert_eq!(percent_decode("abc"), Some(b"abc".to_vec()));
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("a%zz"), None);
    }
}
