//! The HTTP front end: routes, bearer-token auth and the body limit.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use subtle::ConstantTimeEq;

use super::api::{flagger, kayenta, ops, runs, templates};
use super::body::BodyLimit;
use super::error::ApiError;
use super::service::Service;

/// The expected bearer token, if the service has one.
#[derive(Clone, Default)]
pub struct Auth(pub Option<Arc<[u8]>>);

impl Auth {
    /// Checks an `Authorization` header value in constant time.
    pub fn check(&self, header: Option<&[u8]>) -> Result<(), ApiError> {
        let Some(expected) = &self.0 else {
            return Ok(());
        };
        let header = header.ok_or(ApiError::Unauthorized("missing bearer token"))?;
        let token = header
            .strip_prefix(b"Bearer ")
            .ok_or(ApiError::Unauthorized(
                "expected an Authorization: Bearer token",
            ))?;
        if bool::from(token.ct_eq(expected)) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized("wrong bearer token"))
        }
    }
}

async fn require_token(State(auth): State<Auth>, req: Request, next: Next) -> Response {
    let header = req.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
    match auth.check(header) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route; see /openapi.json".into())
}

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
        .layer(middleware::from_fn_with_state(auth, require_token));
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .merge(protected)
        .layer(axum::Extension(BodyLimit(max_body)))
        .with_state(svc)
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
}
