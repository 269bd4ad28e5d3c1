//! Request bodies: JSON or YAML, capped in size. Manifests (AnalysisRun, AnalysisTemplate) are
//! read by `analysis_core::load`, as the CLI reads files, so errors name the field path and the
//! line and column (`AnalysisRun: spec.metrics[0].count: ... (line 5, column 12)`); the small
//! request envelopes (`templateRef`, Flagger and Kayenta payloads) are decoded with the field
//! path of a type error. A manifest's unknown fields follow Kubernetes' `fieldValidation`
//! query parameter ([`FieldCheck`]).

use analysis_core::load::{self, Content, LoadError, UnknownField};
use analysis_core::{AnalysisRun, AnalysisTemplate};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, WARNING};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
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

/// Reads an AnalysisRun manifest (`kind` may be left out); its unknown fields go to `fields`.
pub fn load_run(text: &str, yaml: bool, fields: &mut FieldCheck) -> Result<AnalysisRun, ApiError> {
    match load_one(text, yaml, "AnalysisRun", fields)? {
        Content::Run(run) => Ok(run),
        other => Err(wrong_kind(&other, "AnalysisRun")),
    }
}

/// Reads an AnalysisTemplate or ClusterAnalysisTemplate manifest (`kind` may be left out); its
/// unknown fields go to `fields`.
pub fn load_template(
    text: &str,
    yaml: bool,
    fields: &mut FieldCheck,
) -> Result<AnalysisTemplate, ApiError> {
    match load_one(text, yaml, "AnalysisTemplate", fields)? {
        Content::Template(t) => Ok(t),
        other => Err(wrong_kind(
            &other,
            "AnalysisTemplate or ClusterAnalysisTemplate",
        )),
    }
}

/// The unknown fields of a template sent as a value inside a request (`{"template": ...}`),
/// named from the request's root (`template.spec...`); values carry no positions.
pub fn check_template_value(
    value: &serde_json::Value,
    prefix: &str,
    fields: &mut FieldCheck,
) -> Result<(), ApiError> {
    if fields.mode == FieldValidation::Ignore {
        return Ok(());
    }
    // The value already decoded, so the (more lenient) loader reads it too.
    let text = serde_json::to_string(value)
        .map_err(|e| ApiError::Internal(format!("re-encoding the template: {e}")))?;
    let docs = load::load_str_as(&text, "AnalysisTemplate", Some("AnalysisTemplate"))
        .map_err(|e| load_error(e, &text, false))?;
    for doc in &docs {
        fields.check("AnalysisTemplate", prefix, &doc.unknown_fields, false)?;
    }
    Ok(())
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
fn load_one(
    text: &str,
    yaml: bool,
    kind: &str,
    fields: &mut FieldCheck,
) -> Result<Content, ApiError> {
    let docs = load::load_str_as(text, kind, Some(kind)).map_err(|e| load_error(e, text, yaml))?;
    let count = docs.len();
    match docs.into_iter().next() {
        Some(doc) if count == 1 => {
            fields.check(kind, "", &doc.unknown_fields, true)?;
            Ok(doc.content)
        }
        _ => Err(ApiError::BadRequest(format!(
            "expected one {kind} document, got {count}"
        ))),
    }
}

/// What to do with a manifest's unknown fields: Kubernetes' `fieldValidation` directive.
/// Augur's default is `Strict` (kubectl's default too): a misspelled `successCondition` would
/// otherwise make a metric that always succeeds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldValidation {
    /// Reject the request (400) naming every unknown field.
    #[default]
    Strict,
    /// Accept it, with one `Warning: 299 - "unknown field \"path\""` header per field.
    Warn,
    /// Accept it silently, as Argo's API server does.
    Ignore,
}

impl FieldValidation {
    /// The query parameter's value; empty means the default, as in Kubernetes.
    pub fn parse(value: &str) -> Result<FieldValidation, ApiError> {
        match value {
            "" | "Strict" => Ok(FieldValidation::Strict),
            "Warn" => Ok(FieldValidation::Warn),
            "Ignore" => Ok(FieldValidation::Ignore),
            other => Err(ApiError::BadRequest(format!(
                "fieldValidation: unsupported value {other:?}: supported values: \"Ignore\", \"Strict\", \"Warn\""
            ))),
        }
    }
}

/// One request's unknown-field policy and the warnings it gathered. As an extractor it reads
/// `?fieldValidation=`; gRPC, which has no such parameter, uses [`FieldCheck::strict`].
#[derive(Debug, Default)]
pub struct FieldCheck {
    /// The directive this request asked for.
    pub mode: FieldValidation,
    /// `unknown field "path"` texts, one per field, for the `Warning` headers.
    warnings: Vec<String>,
}

/// Longest field path quoted in a message or a header; deeper paths are cut with `...`.
const MAX_PATH_SHOWN: usize = 256;

/// `path`, cut at [`MAX_PATH_SHOWN`] characters.
fn shown(path: &str) -> String {
    match path.char_indices().nth(MAX_PATH_SHOWN) {
        Some((i, _)) => format!("{}...", path.get(..i).unwrap_or_default()),
        None => path.to_string(),
    }
}

impl FieldCheck {
    /// Unknown fields are errors: gRPC, and HTTP without the parameter.
    pub fn strict() -> FieldCheck {
        FieldCheck::default()
    }

    /// A check following `mode`, with no warnings yet.
    pub fn new(mode: FieldValidation) -> FieldCheck {
        FieldCheck {
            mode,
            warnings: Vec::new(),
        }
    }

    /// Applies the policy to a manifest's unknown fields: `what` names the manifest in a 400,
    /// `prefix` places it in the request, `positioned` says whether line and column are the
    /// request's own.
    pub fn check(
        &mut self,
        what: &str,
        prefix: &str,
        unknown: &[UnknownField],
        positioned: bool,
    ) -> Result<(), ApiError> {
        match self.mode {
            _ if unknown.is_empty() => Ok(()),
            FieldValidation::Ignore => Ok(()),
            FieldValidation::Warn => {
                self.warnings.extend(
                    unknown.iter().map(|u| {
                        format!("unknown field {:?}", shown(&format!("{prefix}{}", u.path)))
                    }),
                );
                Ok(())
            }
            FieldValidation::Strict => {
                let each: Vec<String> = unknown
                    .iter()
                    .map(|u| {
                        let mut m =
                            format!("unknown field {:?}", shown(&format!("{prefix}{}", u.path)));
                        if let Some(s) = u.suggestion() {
                            m.push_str(&format!(" (did you mean {s:?}?)"));
                        }
                        if positioned {
                            m.push_str(&format!(" (line {}, column {})", u.pos.line, u.pos.col));
                        }
                        m
                    })
                    .collect();
                Err(ApiError::BadRequest(format!("{what}: {}", each.join(", "))))
            }
        }
    }

    /// The response (or error) with one `Warning` header per unknown field under `Warn`.
    pub fn respond(self, result: Result<impl IntoResponse, ApiError>) -> Response {
        let mut resp = match result {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        for text in &self.warnings {
            if let Ok(v) = HeaderValue::from_str(&warning_value(text)) {
                resp.headers_mut().append(WARNING, v);
            }
        }
        resp
    }
}

/// `299 - "text"` (RFC 7234 §5.5, as kube-apiserver writes it): quotes and backslashes
/// escaped, anything not printable ASCII shown as `?` so the header stays valid.
fn warning_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str("299 - \"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c == ' ' || c.is_ascii_graphic() => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

#[derive(serde::Deserialize)]
struct FieldValidationQuery {
    #[serde(rename = "fieldValidation")]
    field_validation: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for FieldCheck {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<FieldCheck, ApiError> {
        let Query(q) = Query::<FieldValidationQuery>::try_from_uri(&parts.uri)
            .map_err(|e| ApiError::BadRequest(format!("query: {}", e.body_text())))?;
        let mode = FieldValidation::parse(q.field_validation.as_deref().unwrap_or(""))?;
        Ok(FieldCheck::new(mode))
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
            &mut FieldCheck::strict(),
        ));
        assert!(m.starts_with("AnalysisRun: spec.metrics[0].count:"), "{m}");
        assert!(m.ends_with("(line 5, column 12)"), "{m}");
        let m = bad(load_template(
            "{\"spec\": {\"metrics\": \"m\"}}",
            false,
            &mut FieldCheck::strict(),
        ));
        assert!(
            m.starts_with("AnalysisTemplate: spec.metrics: invalid type"),
            "{m}"
        );
        let m = bad(load_run(
            "kind: AnalysisTemplate\nspec: {metrics: []}",
            true,
            &mut FieldCheck::strict(),
        ));
        assert_eq!(m, "kind: expected AnalysisRun, got \"AnalysisTemplate\"");
        let m = bad(load_run(
            "metadata: {name: a}\n---\nmetadata: {name: b}\n",
            true,
            &mut FieldCheck::strict(),
        ));
        assert_eq!(m, "expected one AnalysisRun document, got 2");
        let run = load_run(
            "metadata: {name: r}\nspec: {metrics: [{name: m}]}",
            true,
            &mut FieldCheck::strict(),
        );
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

    const TYPO: &str = "metadata: {name: r}\nspec:\n  metrics:\n  - name: m\n    sucessCondition: result == 1\n    colour: blue\n";

    #[test]
    fn unknown_fields_are_rejected_by_default_naming_path_and_position() {
        let m = bad(load_run(TYPO, true, &mut FieldCheck::strict()));
        assert_eq!(
            m,
            "AnalysisRun: unknown field \"spec.metrics[0].sucessCondition\" (did you mean \"successCondition\"?) (line 5, column 5), unknown field \"spec.metrics[0].colour\" (line 6, column 5)"
        );
    }

    #[test]
    fn warn_collects_one_warning_per_field_and_ignore_none() -> Result<(), ApiError> {
        let mut warn = FieldCheck::new(FieldValidation::Warn);
        let run = load_run(TYPO, true, &mut warn)?;
        assert_eq!(run.spec.metrics.len(), 1);
        let resp = warn.respond(Ok::<_, ApiError>(axum::http::StatusCode::CREATED));
        let headers: Vec<&str> = resp
            .headers()
            .get_all(WARNING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(
            headers,
            vec![
                r#"299 - "unknown field \"spec.metrics[0].sucessCondition\"""#,
                r#"299 - "unknown field \"spec.metrics[0].colour\"""#,
            ]
        );
        let mut ignore = FieldCheck::new(FieldValidation::Ignore);
        load_run(TYPO, true, &mut ignore)?;
        let resp = ignore.respond(Ok::<_, ApiError>(axum::http::StatusCode::CREATED));
        assert!(resp.headers().get(WARNING).is_none());
        Ok(())
    }

    #[test]
    fn field_validation_values_are_kubernetes_own() {
        assert_eq!(
            FieldValidation::parse("").ok(),
            Some(FieldValidation::Strict)
        );
        assert_eq!(
            FieldValidation::parse("Strict").ok(),
            Some(FieldValidation::Strict)
        );
        assert_eq!(
            FieldValidation::parse("Warn").ok(),
            Some(FieldValidation::Warn)
        );
        assert_eq!(
            FieldValidation::parse("Ignore").ok(),
            Some(FieldValidation::Ignore)
        );
        assert_eq!(
            bad(FieldValidation::parse("warn")),
            "fieldValidation: unsupported value \"warn\": supported values: \"Ignore\", \"Strict\", \"Warn\""
        );
    }

    #[test]
    fn warning_headers_stay_valid_for_any_key() {
        assert_eq!(warning_value("a \"b\" \\ é\n"), r#"299 - "a \"b\" \\ ??""#);
        assert!(HeaderValue::from_str(&warning_value("x\u{0}y\u{7f}")).is_ok());
        let long = "k".repeat(1000);
        assert_eq!(shown(&long).len(), MAX_PATH_SHOWN + 3);
    }

    #[test]
    fn nested_templates_are_checked_with_their_place_in_the_request() {
        let value = serde_json::json!({"spec": {"metrics": [{"name": "m", "intervall": "1s"}]}});
        assert_eq!(
            bad(check_template_value(
                &value,
                "template.",
                &mut FieldCheck::strict()
            )),
            "AnalysisTemplate: unknown field \"template.spec.metrics[0].intervall\" (did you mean \"interval\"?)"
        );
        let mut warn = FieldCheck::new(FieldValidation::Warn);
        assert!(check_template_value(&value, "template.", &mut warn).is_ok());
        assert_eq!(
            warn.warnings,
            vec!["unknown field \"template.spec.metrics[0].intervall\"".to_string()]
        );
    }
}
