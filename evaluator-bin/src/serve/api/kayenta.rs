//! A Kayenta-compatible subset of its REST API, so Argo's built-in `kayenta` provider,
//! Spinnaker and the Azure Pipelines task can poll Augur unchanged.
//!
//! Templates are canary configs (id = name). `POST /canary/{configId}` starts an ordinary
//! run (its name is the execution id) with args taken from the request's scope;
//! `GET /canary/{id}` reports it with Kayenta's score: Successful → 100, Inconclusive → the
//! marginal threshold, Failed and Error → 0.

use std::collections::BTreeMap;
use std::sync::Arc;

use analysis_core::{Argument, Phase};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::serve::body::{RawBody, decode};
use crate::serve::error::ApiError;
use crate::serve::service::{CreateRun, Service, TemplateSource};

const PASS_ANNOTATION: &str = "augur.dev/kayenta-pass";
const MARGINAL_ANNOTATION: &str = "augur.dev/kayenta-marginal";
/// Spinnaker's defaults when a request has no thresholds.
const DEFAULT_PASS: f64 = 95.0;
const DEFAULT_MARGINAL: f64 = 75.0;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub step: Option<Value>,
    #[serde(default)]
    pub extended_scope_params: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopePair {
    #[serde(default)]
    pub control_scope: Scope,
    #[serde(default)]
    pub experiment_scope: Scope,
}

#[derive(Debug, Default, Deserialize)]
pub struct Thresholds {
    pub pass: Option<f64>,
    pub marginal: Option<f64>,
}

/// Kayenta's `CanaryExecutionRequest`, the parts Augur reads.
#[derive(Debug, Default, Deserialize)]
pub struct ExecutionRequest {
    #[serde(default)]
    pub scopes: BTreeMap<String, ScopePair>,
    #[serde(default)]
    pub thresholds: Thresholds,
}

/// Arg values a canary request offers: the scope named `default` (else the first) gives
/// `controlScope`, `experimentScope`, `controlLocation`, `experimentLocation`, `start`, `end`,
/// `step`, then its `extendedScopeParams` (experiment over control).
pub fn scope_values(req: &ExecutionRequest) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let pair = req
        .scopes
        .get("default")
        .or_else(|| req.scopes.values().next());
    let Some(pair) = pair else {
        return out;
    };
    let (c, e) = (&pair.control_scope, &pair.experiment_scope);
    let step = e.step.as_ref().or(c.step.as_ref()).map(|s| match s {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let fields = [
        ("controlScope", c.scope.clone()),
        ("experimentScope", e.scope.clone()),
        ("controlLocation", c.location.clone().or(c.region.clone())),
        (
            "experimentLocation",
            e.location.clone().or(e.region.clone()),
        ),
        ("start", e.start.clone().or(c.start.clone())),
        ("end", e.end.clone().or(c.end.clone())),
        ("step", step),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            out.insert(k.to_string(), v);
        }
    }
    out.extend(c.extended_scope_params.clone());
    out.extend(e.extended_scope_params.clone());
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigQuery {
    application: Option<String>,
}

/// `GET /canaryConfig`: every template as a canary config.
pub async fn configs(
    State(svc): State<Arc<Service>>,
    Query(q): Query<ConfigQuery>,
) -> Result<Json<Value>, ApiError> {
    let app = q.application.unwrap_or_else(|| "augur".into());
    let items: Vec<Value> = svc
        .list_templates()
        .await?
        .into_iter()
        .filter_map(|t| t.metadata.name)
        .map(|name| json!({"id": name, "name": name, "applications": [app]}))
        .collect();
    Ok(Json(Value::Array(items)))
}

/// `POST /canary/{configId}` → `{"canaryExecutionId"}` (200: Argo takes nothing else).
pub async fn start(
    State(svc): State<Arc<Service>>,
    Path(config): Path<String>,
    body: RawBody,
) -> Result<Json<Value>, ApiError> {
    let req: ExecutionRequest = if body.bytes.iter().all(u8::is_ascii_whitespace) {
        ExecutionRequest::default()
    } else {
        decode(body.value()?, "CanaryExecutionRequest")?
    };
    // Every scope value is offered; building the run keeps those the templates declare.
    let args: Vec<Argument> = scope_values(&req)
        .into_iter()
        .map(|(name, value)| Argument {
            name,
            value: Some(value),
            value_from: None,
        })
        .collect();
    let mut run = svc
        .build_run("", TemplateSource::Named(config.clone()), &args)
        .await
        .map_err(|e| match e {
            ApiError::BadRequest(m) => {
                let m = m.strip_prefix("args: ").unwrap_or(&m);
                ApiError::BadRequest(format!("scopes: {m}"))
            }
            other => other,
        })?;
    run.metadata.name = None;
    run.metadata.generate_name = Some(format!("{}-", truncate(&config, 200)));
    let pass = req.thresholds.pass.unwrap_or(DEFAULT_PASS);
    let marginal = req.thresholds.marginal.unwrap_or(DEFAULT_MARGINAL);
    run.metadata
        .annotations
        .insert(PASS_ANNOTATION.into(), pass.to_string());
    run.metadata
        .annotations
        .insert(MARGINAL_ANNOTATION.into(), marginal.to_string());
    let (snap, _) = svc
        .create_run(CreateRun::Manifest(Box::new(run)), false)
        .await?;
    Ok(Json(json!({ "canaryExecutionId": snap.name })))
}

fn truncate(s: &str, n: usize) -> &str {
    s.char_indices()
        .nth(n)
        .map_or(s, |(i, _)| s.get(..i).unwrap_or(s))
}

/// The Kayenta score and classification of a completed run's phase.
pub fn score(phase: Option<Phase>, marginal: f64) -> (f64, &'static str) {
    match phase {
        Some(Phase::Successful) => (100.0, "Pass"),
        Some(Phase::Inconclusive) => (marginal, "Marginal"),
        Some(Phase::Error) => (0.0, "Error"),
        _ => (0.0, "Fail"),
    }
}

/// `GET /canary/{id}` → `{"complete", "status", "result": {"judgeResult": {"score": ...}}}`.
pub async fn status(
    State(svc): State<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let snap = svc.get_run(&id)?;
    let annotation = |k: &str, d: f64| {
        snap.spec
            .metadata
            .annotations
            .get(k)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(d)
    };
    let marginal = annotation(MARGINAL_ANNOTATION, DEFAULT_MARGINAL);
    let pass = annotation(PASS_ANNOTATION, DEFAULT_PASS);
    let started = snap.started_at.map(|t| t.to_rfc3339());
    let ended = snap.completed_at.map(|t| t.to_rfc3339());
    if !snap.completed {
        return Ok(Json(json!({
            "complete": false,
            "status": "running",
            "startTimeIso": started,
        })));
    }
    let (score, classification) = score(snap.phase, marginal);
    Ok(Json(json!({
        "complete": true,
        "status": if snap.phase == Some(Phase::Error) { "terminal" } else { "succeeded" },
        "result": {
            "judgeResult": {
                "score": {
                    "score": score,
                    "classification": classification,
                    "classificationReason": snap.message,
                },
                "results": [],
            },
            "canaryExecutionRequest": {"thresholds": {"pass": pass, "marginal": marginal}},
        },
        "startTimeIso": started,
        "endTimeIso": ended,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argo_request_shape_yields_scope_args() {
        // The body Argo's kayenta provider sends (metricproviders/kayenta).
        let body = r#"{"scopes": {"default":{"controlScope": {"scope":"app=guestbook and rollouts-pod-template-hash=stable","region":"us-=west-2","step":60,"start":"2024-01-01T00:00:00Z","end":"2024-01-01T00:10:00Z"}, "experimentScope": {"scope":"app=guestbook and rollouts-pod-template-hash=canary","region":"us-=west-2","step":60,"start":"2024-01-01T00:00:00Z","end":"2024-01-01T00:10:00Z"}}}, "thresholds": {"pass": 90, "marginal": 75}}"#;
        let req: ExecutionRequest = serde_json::from_str(body).unwrap_or_default();
        let v = scope_values(&req);
        assert_eq!(
            v.get("experimentScope").map(String::as_str),
            Some("app=guestbook and rollouts-pod-template-hash=canary")
        );
        assert_eq!(
            v.get("controlLocation").map(String::as_str),
            Some("us-=west-2")
        );
        assert_eq!(v.get("step").map(String::as_str), Some("60"));
        assert_eq!(req.thresholds.marginal, Some(75.0));
    }

    #[test]
    fn scores_follow_the_phase() {
        assert_eq!(score(Some(Phase::Successful), 75.0), (100.0, "Pass"));
        assert_eq!(score(Some(Phase::Inconclusive), 75.0), (75.0, "Marginal"));
        assert_eq!(score(Some(Phase::Failed), 75.0), (0.0, "Fail"));
        assert_eq!(score(Some(Phase::Error), 75.0), (0.0, "Error"));
    }
}
