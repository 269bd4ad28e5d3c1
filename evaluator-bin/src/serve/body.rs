//! Request bodies: JSON or YAML, capped in size. Manifests (AnalysisRun, AnalysisTemplate) are
//! read by `analysis_core::load`, as the CLI reads files, so errors name the field path and the
//! line and column (`AnalysisRun: spec.metrics[0].count: ... (line 5, column 12)`); the small
//! request envelopes (`templateRef`, Flagger and Kayenta payloads) are decoded with the field
//! path of a type error.

use analysis_core::load::{self, Content, LoadError};
use analysis_core::{AnalysisRun, AnalysisTemplate};
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
    /// The body as text: UTF-8 and not blank.
    pub fn text(&self) -> Result<&str, ApiError> {
        text_of(&self.bytes)
    }

    /// The body as a JSON value; YAML when the content type says so or it does not look like
    /// JSON.
    pub fn value(&self) -> Result<serde_json::Value, ApiError> {
        parse_document(&self.bytes, self.yaml)
    }
}

fn text_of(bytes: &[u8]) -> Result<&str, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ApiError::BadRequest(format!("request body is not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Err(ApiError::BadRequest("request body is empty".into()));
    }
    Ok(text)
}

fn is_json(text: &str, yaml: bool) -> bool {
    !yaml && text.trim_start().starts_with(['{', '['])
}

/// Parses one JSON or YAML document.
pub fn parse_document(bytes: &[u8], yaml: bool) -> Result<serde_json::Value, ApiError> {
    let text = text_of(bytes)?;
    if is_json(text, yaml) {
        serde_json::from_str(text).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            ApiError::BadRequest(format!("invalid YAML: {}", one_line(&e.to_string())))
        })
    }
}

/// Reads an AnalysisRun manifest (`kind` may be left out).
pub fn load_run(text: &str, yaml: bool) -> Result<AnalysisRun, ApiError> {
    match load_one(text, yaml, "AnalysisRun")? {
        Content::Run(run) => Ok(run),
        other => Err(wrong_kind(&other, "AnalysisRun")),
    }
}

/// Reads an AnalysisTemplate or ClusterAnalysisTemplate manifest (`kind` may be left out).
pub fn load_template(text: &str, yaml: bool) -> Result<AnalysisTemplate, ApiError> {
    match load_one(text, yaml, "AnalysisTemplate")? {
        Content::Template(t) => Ok(t),
        other => Err(wrong_kind(
            &other,
            "AnalysisTemplate or ClusterAnalysisTemplate",
        )),
    }
}

fn wrong_kind(content: &Content, expected: &str) -> ApiError {
    let got = match content {
        Content::Run(_) => "AnalysisRun",
        Content::Template(_) => "AnalysisTemplate",
        Content::Skipped { kind, .. } => kind.as_str(),
    };
    ApiError::BadRequest(format!("kind: expected {expected}, got {got:?}"))
}

/// The one document of a manifest body, through the same loader as manifest files.
fn load_one(text: &str, yaml: bool, kind: &str) -> Result<Content, ApiError> {
    let docs = load::load_str_as(text, kind, Some(kind)).map_err(|e| load_error(e, text, yaml))?;
    let count = docs.len();
    match docs.into_iter().next() {
        Some(doc) if count == 1 => Ok(doc.content),
        _ => Err(ApiError::BadRequest(format!(
            "expected one {kind} document, got {count}"
        ))),
    }
}

/// A loader error as a one-line 400 that starts like the field-path errors of small bodies.
fn load_error(e: LoadError, text: &str, yaml: bool) -> ApiError {
    let at = |p: load::Pos| format!("(line {}, column {})", p.line, p.col);
    ApiError::BadRequest(match e {
        LoadError::Schema {
            source_name,
            pos,
            path,
            message,
        } if path.is_empty() => format!("{source_name}: {} {}", one_line(&message), at(pos)),
        LoadError::Schema {
            source_name,
            pos,
            path,
            message,
        } => format!("{source_name}: {path}: {} {}", one_line(&message), at(pos)),
        LoadError::Syntax { pos, message, .. } => {
            let format = if is_json(text, yaml) { "JSON" } else { "YAML" };
            format!("invalid {format}: {} {}", one_line(&message), at(pos))
        }
        other => one_line(&other.to_string()),
    })
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
    fn manifest_errors_name_the_field_path_and_position() {
        let m = bad(load_run(
            "metadata: {name: r}\nspec:\n  metrics:\n  - name: m\n    count: [1]\n",
            true,
        ));
        assert!(m.starts_with("AnalysisRun: spec.metrics[0].count:"), "{m}");
        assert!(m.ends_with("(line 5, column 12)"), "{m}");
        let m = bad(load_template("{\"spec\": {\"metrics\": \"m\"}}", false));
        assert!(
            m.starts_with("AnalysisTemplate: spec.metrics: invalid type"),
            "{m}"
        );
        let m = bad(load_run(
            "kind: AnalysisTemplate\nspec: {metrics: []}",
            true,
        ));
        assert_eq!(m, "kind: expected AnalysisRun, got \"AnalysisTemplate\"");
        let m = bad(load_run(
            "metadata: {name: a}\n---\nmetadata: {name: b}\n",
            true,
        ));
        assert_eq!(m, "expected one AnalysisRun document, got 2");
        let run = load_run("metadata: {name: r}\nspec: {metrics: [{name: m}]}", true);
        assert_eq!(
            run.ok().and_then(|r| r.metadata.name),
            Some("r".to_string())
        );
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
