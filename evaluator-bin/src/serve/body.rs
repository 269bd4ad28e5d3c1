//! Request bodies: JSON or YAML manifests, capped in size, decoded with errors that name the
//! line and column (syntax) or the field path (types), e.g. `spec.metrics[0].count: ...`.
//!
//! TODO(merge): switch the YAML/JSON syntax step to `analysis_core::load` once it lands, so the
//! CLI and the service report manifest errors identically.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// The largest request body accepted unless `--max-body-bytes` says otherwise.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// A request body read whole, within the limit in the request's [`BodyLimit`] extension.
pub struct RawBody {
    pub bytes: Bytes,
    pub yaml: bool,
}

/// The body size limit, installed as a request extension by the router.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<RawBody, ApiError> {
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(DEFAULT_MAX_BODY, |l| l.0);
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(ApiError::TooLarge(limit));
        }
        let yaml = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("yaml"));
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::TooLarge(limit))?;
        Ok(RawBody { bytes, yaml })
    }
}

impl RawBody {
    /// The body as a JSON value; YAML when the content type says so or it does not look like
    /// JSON.
    pub fn value(&self) -> Result<serde_json::Value, ApiError> {
        parse_document(&self.bytes, self.yaml)
    }
}

/// Parses one JSON or YAML document.
pub fn parse_document(bytes: &[u8], yaml: bool) -> Result<serde_json::Value, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ApiError::BadRequest(format!("request body is not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Err(ApiError::BadRequest("request body is empty".into()));
    }
    let looks_json = text.trim_start().starts_with(['{', '[']);
    if !yaml && looks_json {
        serde_json::from_str(text).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            ApiError::BadRequest(format!("invalid YAML: {}", one_line(&e.to_string())))
        })
    }
}

/// Decodes a value into `T`; a type error names the field path, prefixed by `what`.
pub fn decode<T: DeserializeOwned>(value: serde_json::Value, what: &str) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            ApiError::BadRequest(format!("{what}: {inner}"))
        } else {
            ApiError::BadRequest(format!("{what}: {path}: {inner}"))
        }
    })
}

/// Parses and decodes a body or gRPC string holding a manifest.
pub fn decode_text<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, ApiError> {
    decode(parse_document(text.as_bytes(), false)?, what)
}

/// YAML errors may carry a source snippet over several lines; a 400 message stays on one.
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis_core::AnalysisRun;

    fn bad(r: Result<impl std::fmt::Debug, ApiError>) -> String {
        match r {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn json_syntax_errors_carry_line_and_column() {
        let m = bad(parse_document(b"{\n  \"spec\": [1,\n}", false));
        assert!(m.starts_with("invalid JSON:"), "{m}");
        assert!(m.contains("line 3"), "{m}");
    }

    #[test]
    fn yaml_syntax_errors_are_reported_on_one_line() {
        let m = bad(parse_document(b"spec:\n  metrics: [a\n  b: c", true));
        assert!(m.starts_with("invalid YAML:"), "{m}");
        assert!(!m.contains('\n'), "{m}");
    }

    #[test]
    fn type_errors_name_the_field_path() {
        let v = parse_document(
            b"metadata: {name: r}\nspec:\n  metrics:\n  - name: m\n    count: [1]\n",
            true,
        )
        .map_err(|e| e.to_string());
        let v = v.unwrap_or_default();
        let m = bad(decode::<AnalysisRun>(v, "AnalysisRun"));
        assert!(m.starts_with("AnalysisRun: spec.metrics[0].count:"), "{m}");
    }

    #[test]
    fn empty_and_non_utf8_bodies_are_rejected() {
        assert_eq!(bad(parse_document(b"  \n", false)), "request body is empty");
        assert!(bad(parse_document(&[0xff, 0xfe], false)).contains("UTF-8"));
    }

    #[test]
    fn yaml_and_json_give_the_same_value() {
        let a = parse_document(b"{\"a\": [1, \"x\"]}", false).map_err(|e| e.to_string());
        let b = parse_document(b"a:\n- 1\n- x\n", true).map_err(|e| e.to_string());
        assert_eq!(a, b);
    }
}
