//! `/api/v1/analysistemplates/{name}` and `/api/v1/evaluate`.

use std::sync::Arc;

use analysis_core::{AnalysisTemplate, Argument};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use crate::serve::body::{RawBody, decode};
use crate::serve::error::ApiError;
use crate::serve::evaluate::Verdict;
use crate::serve::redact::masked_json;
use crate::serve::service::{NameRef, Service};

/// Reads an AnalysisTemplate (or ClusterAnalysisTemplate) manifest.
pub fn template_from_value(value: serde_json::Value) -> Result<AnalysisTemplate, ApiError> {
    if let Some(kind) = value.get("kind").and_then(|k| k.as_str())
        && kind != "AnalysisTemplate"
        && kind != "ClusterAnalysisTemplate"
    {
        return Err(ApiError::BadRequest(format!(
            "kind: expected AnalysisTemplate or ClusterAnalysisTemplate, got {kind:?}"
        )));
    }
    decode(value, "AnalysisTemplate")
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
    body: RawBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let template = template_from_value(body.value()?)?;
    let created = svc.put_template(&name, template).await?;
    let stored = svc.get_template(&name).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(masked_json(&stored, &[]))))
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

/// The templates and args an evaluate request names: `{"templateRef": {"name"}, "args"}`,
/// `{"template": <manifest>, "args"}`, or a bare AnalysisTemplate manifest.
pub async fn evaluate_request(
    svc: &Service,
    value: serde_json::Value,
) -> Result<(Vec<AnalysisTemplate>, Vec<Argument>), ApiError> {
    let wrapped = value.get("templateRef").is_some() || value.get("template").is_some();
    if !wrapped {
        return Ok((vec![template_from_value(value)?], Vec::new()));
    }
    let body: EvaluateBody = decode(value, "request")?;
    match (body.template, body.template_ref) {
        (Some(t), None) => Ok((vec![template_from_value(t)?], body.args)),
        (None, Some(r)) => {
            let templates = svc.resolve_templates(&r.name).await.map_err(|e| match e {
                ApiError::NotFound(m) => ApiError::BadRequest(format!("templateRef.name: {m}")),
                other => other,
            })?;
            Ok((templates, body.args))
        }
        _ => Err(ApiError::BadRequest(
            "request: give exactly one of \"template\" and \"templateRef\"".into(),
        )),
    }
}

pub async fn evaluate(
    State(svc): State<Arc<Service>>,
    body: RawBody,
) -> Result<Json<Verdict>, ApiError> {
    let (templates, args) = evaluate_request(&svc, body.value()?).await?;
    Ok(Json(svc.evaluate(&templates, &args).await?))
}
