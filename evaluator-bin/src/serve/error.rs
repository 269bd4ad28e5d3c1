//! The one error type handlers return, mapped to HTTP status codes and gRPC codes alike.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::store::StoreError;

/// What a 503 from a store that refuses writes asks clients to wait, in seconds: a little more
/// than the store's health probe interval.
const RETRY_AFTER_SECONDS: &str = "5";

/// What a request can fail with; each maps to one HTTP status and one gRPC code, and
/// renders as a Kubernetes `Status`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is wrong; the message points at the bad spot.
    #[error("{0}")]
    BadRequest(String),
    /// No run or template of that name (404).
    #[error("{0}")]
    NotFound(String),
    /// The name is taken (409).
    #[error("{0}")]
    Conflict(String),
    /// The body exceeds the limit, in bytes (413).
    #[error("request body is larger than the limit of {0} bytes")]
    TooLarge(usize),
    /// A missing or wrong bearer token (401).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// A cross-site request (foreign `Origin`), refused whatever the token.
    #[error("{0}")]
    Forbidden(String),
    /// A content type a browser may send cross-site without asking (CORS-simple).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A `Host` this service does not answer for (DNS rebinding).
    #[error("{0}")]
    MisdirectedRequest(String),
    /// Shutting down or not started yet.
    #[error("{0}")]
    Unavailable(&'static str),
    /// The store refuses writes for now (a full disk): try again later.
    #[error("{0}")]
    StoreUnavailable(String),
    /// The store or the service failed; not the caller's fault (500).
    #[error("{0}")]
    Internal(String),
    /// The run is stored but its row no longer decodes; only DELETE works on it.
    #[error("{0}")]
    Unreadable(String),
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MisdirectedRequest(_) => StatusCode::MISDIRECTED_REQUEST,
            ApiError::Unavailable(_) | ApiError::StoreUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unreadable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// 404 for a run, in Kubernetes' words.
    pub fn run_not_found(name: &str) -> ApiError {
        ApiError::NotFound(format!("AnalysisRun \"{name}\" not found"))
    }

    /// 404 for a template, in Kubernetes' words.
    pub fn template_not_found(name: &str) -> ApiError {
        ApiError::NotFound(format!("AnalysisTemplate \"{name}\" not found"))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Duplicate(_) => ApiError::Conflict(e.to_string()),
            other if other.is_unavailable() => {
                tracing::error!(error = %other, "store refuses writes");
                ApiError::StoreUnavailable(format!("{other}; try again later"))
            }
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::Internal(other.to_string())
            }
        }
    }
}

/// A Kubernetes `Status` answer with `status` and `message`.
pub fn status_response(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "kind": "Status",
        "status": "Failure",
        "code": status.as_u16(),
        "reason": status.canonical_reason().unwrap_or(""),
        "message": message,
    });
    (status, axum::Json(body)).into_response()
}

/// Errors render like a Kubernetes `Status`, so kubectl-minded clients read them naturally.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = status_response(self.status(), &self.to_string());
        if matches!(self, ApiError::TooLarge(_)) {
            // The body was not read, so the connection cannot carry another request; saying
            // so keeps clients from reusing it (they would see it closed mid-request).
            resp.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        if matches!(self, ApiError::StoreUnavailable(_)) {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        if matches!(self, ApiError::Unauthorized(_)) {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

impl From<ApiError> for tonic::Status {
    fn from(e: ApiError) -> tonic::Status {
        let msg = e.to_string();
        match e {
            ApiError::BadRequest(_) | ApiError::TooLarge(_) => tonic::Status::invalid_argument(msg),
            ApiError::NotFound(_) => tonic::Status::not_found(msg),
            ApiError::Conflict(_) => tonic::Status::already_exists(msg),
            ApiError::Unauthorized(_) => tonic::Status::unauthenticated(msg),
            ApiError::Forbidden(_) => tonic::Status::permission_denied(msg),
            ApiError::UnsupportedMediaType(_) | ApiError::MisdirectedRequest(_) => {
                tonic::Status::invalid_argument(msg)
            }
            ApiError::Unavailable(_) | ApiError::StoreUnavailable(_) => {
                tonic::Status::unavailable(msg)
            }
            ApiError::Internal(_) => tonic::Status::internal(msg),
            ApiError::Unreadable(_) => tonic::Status::data_loss(msg),
        }
    }
}
