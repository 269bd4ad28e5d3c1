//! Flagger webhooks: `POST /flagger/v1/{templateName}` (Flagger's webhook contract).
//!
//! Flagger counts only 200–202 as a passed check and shows a failed check's body in its
//! events, so the answer is 200 with the verdict when Successful, else 412 with the reason as
//! plain text.

use std::collections::BTreeMap;
use std::sync::Arc;

use analysis_core::Argument;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::serve::body::{RawBody, decode};
use crate::serve::error::ApiError;
use crate::serve::evaluate::Verdict;
use crate::serve::service::{Service, TemplateSource};

/// Flagger's `CanaryWebhookPayload`.
#[derive(Debug, Default, Deserialize)]
pub struct WebhookPayload {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub phase: String,
    #[serde(default)]
    pub checksum: String,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// The args a payload offers: `metadata` entries, and `name`, `namespace`, `phase`,
/// `checksum` from the envelope when not empty and not in `metadata`. Building the run keeps
/// only those the templates declare (Flagger adds metadata of its own).
pub fn webhook_args(p: &WebhookPayload) -> Vec<Argument> {
    let envelope = [
        ("name", &p.name),
        ("namespace", &p.namespace),
        ("phase", &p.phase),
        ("checksum", &p.checksum),
    ];
    let mut values: BTreeMap<&str, &String> = envelope
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    values.extend(p.metadata.iter().map(|(k, v)| (k.as_str(), v)));
    values
        .into_iter()
        .map(|(name, value)| Argument {
            name: name.to_string(),
            value: Some(value.clone()),
            value_from: None,
        })
        .collect()
}

/// Why a verdict is not a pass, in one line for Flagger's event.
pub fn reason(v: &Verdict) -> String {
    let mut out = v.phase.clone();
    if !v.message.is_empty() {
        out.push_str(": ");
        out.push_str(&v.message);
    } else if let Some(m) = v.metrics.iter().find(|m| m.phase != "Successful") {
        out.push_str(&format!(": metric \"{}\" {}", m.name, m.phase));
        if !m.message.is_empty() {
            out.push_str(&format!(": {}", m.message));
        }
    }
    out
}

pub async fn webhook(
    State(svc): State<Arc<Service>>,
    Path(template): Path<String>,
    body: RawBody,
) -> Result<Response, ApiError> {
    let payload: WebhookPayload = decode(body.value()?, "webhook payload")?;
    let run = svc
        .build_run(
            "flagger",
            TemplateSource::Named(template.clone()),
            &webhook_args(&payload),
        )
        .await?;
    let verdict = svc.evaluate(run).await?;
    tracing::info!(
        template = %template, canary = %payload.name, namespace = %payload.namespace,
        phase = %verdict.phase, "flagger webhook evaluated"
    );
    if verdict.successful() {
        Ok((StatusCode::OK, Json(verdict)).into_response())
    } else {
        Ok((
            StatusCode::PRECONDITION_FAILED,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            reason(&verdict),
        )
            .into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_and_envelope_fill_declared_args_only() {
        let p = WebhookPayload {
            name: "podinfo".into(),
            namespace: "test".into(),
            phase: "Progressing".into(),
            checksum: "abc".into(),
            metadata: BTreeMap::from([
                ("service".to_string(), "podinfo-canary".to_string()),
                ("namespace".to_string(), "override".to_string()),
                ("undeclared".to_string(), "x".to_string()),
            ]),
        };
        let declared = |name: &str, value: Option<&str>| Argument {
            name: name.into(),
            value: value.map(String::from),
            value_from: None,
        };
        let mut template = analysis_core::AnalysisTemplate::default();
        template.spec.args = vec![
            declared("name", None),
            declared("namespace", None),
            declared("service", None),
            declared("missing", Some("default")),
        ];
        let run = analysis_core::args::build_run("r", &[&template], &webhook_args(&p));
        let args: Vec<(String, Option<String>)> = run
            .map(|r| r.spec.args)
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.name, a.value))
            .collect();
        assert_eq!(
            args,
            vec![
                ("name".into(), Some("podinfo".into())),
                ("namespace".into(), Some("override".into())),
                ("service".into(), Some("podinfo-canary".into())),
                ("missing".into(), Some("default".into())),
            ]
        );
    }
}
