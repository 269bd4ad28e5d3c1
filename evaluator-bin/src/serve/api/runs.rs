//! `/api/v1/analysisruns`: create, list, get, delete, terminate, verdict, measurements.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::serve::body::{FieldCheck, RawBody};
use crate::serve::error::ApiError;
use crate::serve::service::{CreateRun, Service};

/// The longest a verdict request may wait for the run to complete.
const MAX_WAIT: Duration = Duration::from_secs(120);

#[derive(Deserialize)]
pub struct CreateQuery {
    /// `existing=ok`: return the existing run of that name instead of a 409, when it has
    /// the same spec.
    existing: Option<String>,
}

pub async fn create(
    State(svc): State<Arc<Service>>,
    Query(q): Query<CreateQuery>,
    mut fields: FieldCheck,
    body: RawBody,
) -> Response {
    let result = async {
        let req = CreateRun::parse(body.text()?, body.yaml, &mut fields)?;
        let existing_ok = q.existing.as_deref() == Some("ok");
        let (snap, created) = svc.create_run(req, existing_ok).await?;
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok::<_, ApiError>((status, Json(snap.masked())))
    }
    .await;
    fields.respond(result)
}

#[derive(Deserialize)]
pub struct ListQuery {
    phase: Option<String>,
}

pub async fn list(
    State(svc): State<Arc<Service>>,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let runs = svc.list_runs(q.phase.as_deref().filter(|p| !p.is_empty()))?;
    let items: Vec<serde_json::Value> = runs.iter().map(|s| s.masked()).collect();
    let mut list = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRunList",
        "items": items,
    });
    // Stored runs that no longer decode are reported beside the items, which stay runs.
    let unreadable: Vec<serde_json::Value> = svc
        .unreadable_runs()
        .into_iter()
        .map(|u| json!({"name": u.name, "reason": u.reason}))
        .collect();
    if !unreadable.is_empty() {
        list["unreadable"] = unreadable.into();
    }
    Ok(Json(list))
}

pub async fn get(
    State(svc): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(svc.get_run(&name)?.masked()))
}

pub async fn delete(
    State(svc): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    svc.delete_run(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn terminate(
    State(svc): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(svc.terminate_run(&name).await?.masked()))
}

#[derive(Deserialize)]
pub struct VerdictQuery {
    /// A Go duration (`30s`): wait up to this long for the run to complete.
    wait: Option<String>,
}

/// `{"phase", "message", "completed"}`, pre-rendered per pass: the endpoint Argo's `web`
/// provider polls.
pub async fn verdict(
    State(svc): State<Arc<Service>>,
    Path(name): Path<String>,
    Query(q): Query<VerdictQuery>,
) -> Result<Response, ApiError> {
    let snap = match q.wait.as_deref().filter(|w| !w.is_empty()) {
        None => svc.get_run(&name)?,
        Some(w) => {
            let d = analysis_core::duration::parse_duration(w)
                .map_err(|e| ApiError::BadRequest(format!("wait: {e}")))?;
            let d = d.to_std().unwrap_or_default().min(MAX_WAIT);
            svc.wait_completed(&name, d).await?
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        snap.verdict.clone(),
    )
        .into_response())
}

/// Every measurement ever recorded for the run, oldest first (status keeps only the newest).
pub async fn measurements(
    State(svc): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let snap = svc.get_run(&name)?;
    let items: Vec<serde_json::Value> = svc
        .measurements(&name)
        .await?
        .into_iter()
        .map(|(metric, m)| {
            let mut v = crate::serve::redact::masked_json(&m, &snap.secrets);
            if let Some(o) = v.as_object_mut() {
                o.insert("metricName".into(), metric.into());
            }
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}
