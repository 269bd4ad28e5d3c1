//! `/healthz`, `/readyz`, `/metrics`, `/openapi.json`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::serve::service::Service;

/// Alive: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready: stored runs are loaded, the scheduler runs, and no shutdown has begun.
pub async fn readyz(State(svc): State<Arc<Service>>) -> (StatusCode, &'static str) {
    if svc.core.is_ready() {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

pub async fn metrics(State(svc): State<Arc<Service>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        svc.core.metrics_text(),
    )
}

pub async fn openapi() -> Json<serde_json::Value> {
    Json(super::openapi::document())
}
