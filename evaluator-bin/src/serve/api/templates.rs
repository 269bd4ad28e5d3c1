//! `/api/v1/analysistemplates/{name}` and `/api/v1/evaluate`.

use std::sync::Arc;

use analysis_core::{AnalysisRun, AnalysisTemplate, Argument};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::serve::body::{
    FieldCheck, RawBody, check_template_value, decode, load_template, parse_document,
};
use crate::serve::error::ApiError;
use crate::serve::redact::masked_json;
use crate::serve::service::{NameRef, Service, TemplateSource};

/// Rejects a manifest of another kind before it is read as a template.
fn check_kind(value: &serde_json::Value) -> Result<(), ApiError> {
    if let Some(kind) = value.get("kind").and_then(|k| k.as_str())
        && kind != "AnalysisTemplate"
        && kind != "ClusterAnalysisTemplate"
    {
        return Err(ApiError::BadRequest(format!(
            "kind: expected AnalysisTemplate or ClusterAnalysisTemplate, got {kind:?}"
        )));
    }
    Ok(())
}

/// Reads an AnalysisTemplate (or ClusterAnalysisTemplate) manifest sent as a whole body, with
/// the loader's positioned errors; its unknown fields go to `fields`.
pub fn template_from_text(
    text: &str,
    yaml: bool,
    fields: &mut FieldCheck,
) -> Result<AnalysisTemplate, ApiError> {
    check_kind(&parse_document(text.as_bytes(), yaml)?)?;
    load_template(text, yaml, fields)
}

/// Reads a template nested in a request (`{"template": ...}`): field paths, no positions;
/// its unknown fields go to `fields`, named `template.spec...`.
pub fn template_from_value(
    value: serde_json::Value,
    fields: &mut FieldCheck,
) -> Result<AnalysisTemplate, ApiError> {
    check_kind(&value)?;
    let template = decode(value.clone(), "AnalysisTemplate")?;
    check_template_value(&value, "template.", fields)?;
    Ok(template)
}

pub async fn list(State(svc): State<Arc<Service>>) -> Result<Json<serde_json::Value>, ApiError> {
    let items: Vec<serde_json::Value> = svc
        .list_templates()
        .await?
        .iter()
        .map(|t| masked_json(t, &[]))
        .collect();
    Ok(Json(serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplateList",
        "items": items,
    })))
}

pub async fn get(
    State(svc): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(masked_json(&svc.get_template(&name).await?, &[])))
}

pub async fn put(
    State(svc): State<Arc<Service>>,
    Path(name): Path<String>,
    mut fields: FieldCheck,
    body: RawBody,
) -> Response {
    let result = async {
        let template = template_from_text(body.text()?, body.yaml, &mut fields)?;
        let created = svc.put_template(&name, template, "api").await?;
        let stored = svc.get_template(&name).await?;
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok::<_, ApiError>((status, Json(masked_json(&stored, &[]))))
    }
    .await;
    fields.respond(result)
}

pub async fn delete(
    State(svc): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    svc.delete_template(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EvaluateBody {
    #[serde(default)]
    template: Option<serde_json::Value>,
    #[serde(default)]
    template_ref: Option<NameRef>,
    #[serde(default)]
    args: Vec<Argument>,
}

/// The template and args an evaluate request names: `{"templateRef": {"name"}, "args"}`,
/// `{"template": <manifest>, "args"}`, or a bare AnalysisTemplate manifest.
pub fn evaluate_request(
    text: &str,
    yaml: bool,
    fields: &mut FieldCheck,
) -> Result<(TemplateSource, Vec<Argument>), ApiError> {
    let value = parse_document(text.as_bytes(), yaml)?;
    let wrapped = value.get("templateRef").is_some() || value.get("template").is_some();
    if !wrapped {
        let t = template_from_text(text, yaml, fields)?;
        return Ok((TemplateSource::Inline(Box::new(t)), Vec::new()));
    }
    let body: EvaluateBody = decode(value, "request")?;
    match (body.template, body.template_ref) {
        (Some(t), None) => Ok((
            TemplateSource::Inline(Box::new(template_from_value(t, fields)?)),
            body.args,
        )),
        (None, Some(r)) => Ok((TemplateSource::Named(r.name), body.args)),
        _ => Err(ApiError::BadRequest(
            "request: give exactly one of \"template\" and \"templateRef\"".into(),
        )),
    }
}

/// Builds the run an evaluation measures; an unknown `templateRef` is the request's fault.
pub async fn evaluation_run(
    svc: &Service,
    source: TemplateSource,
    args: &[Argument],
) -> Result<AnalysisRun, ApiError> {
    svc.build_run("evaluate", source, args)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(m) => ApiError::BadRequest(format!("templateRef.name: {m}")),
            other => other,
        })
}

/// `POST /evaluate`'s query: `timeout` is the request's deadline (a Go duration, at most the
/// server's 60 s), after which measurements still waiting are terminated.
#[derive(serde::Deserialize)]
pub struct EvaluateQuery {
    timeout: Option<String>,
}

impl EvaluateQuery {
    fn timeout(&self) -> Result<Option<std::time::Duration>, ApiError> {
        let Some(text) = self.timeout.as_deref() else {
            return Ok(None);
        };
        let bad = |e: String| ApiError::BadRequest(format!("timeout: {e}"));
        let d = analysis_core::duration::parse_duration(text).map_err(|e| bad(e.to_string()))?;
        d.to_std()
            .ok()
            .filter(|d| !d.is_zero())
            .map(Some)
            .ok_or_else(|| bad(format!("{text:?} is not a positive duration")))
    }
}

pub async fn evaluate(
    State(svc): State<Arc<Service>>,
    mut fields: FieldCheck,
    Query(query): Query<EvaluateQuery>,
    body: RawBody,
) -> Response {
    let result = async {
        let timeout = query.timeout()?;
        let (source, args) = evaluate_request(body.text()?, body.yaml, &mut fields)?;
        let run = evaluation_run(&svc, source, &args).await?;
        Ok::<_, ApiError>(Json(svc.evaluate_within(run, timeout).await?))
    }
    .await;
    fields.respond(result)
}
