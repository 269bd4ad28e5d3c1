//! Flagger webhooks: `POST /flagger/v1/{templateName}` (peers §1.3).
//!
//! Flagger counts only 200–202 as a passed check and shows a failed check's body in its
//! events, so the answer is 200 with the verdict when Successful, else 412 with the reason as
//! plain text.

use std::collections::{BTreeMap, BTreeSet};
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
use crate::serve::service::Service;

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

/// The args for the templates' declared argument names: `metadata` entries, and `name`,
/// `namespace`, `phase`, `checksum` from the payload when declared and not in `metadata`.
/// Undeclared metadata (Flagger adds its own) is left out.
pub fn webhook_args(declared: &BTreeSet<String>, p: &WebhookPayload) -> Vec<Argument> {
    let envelope = [
        ("name", &p.name),
        ("namespace", &p.namespace),
        ("phase", &p.phase),
        ("checksum", &p.checksum),
    ];
    declared
        .iter()
        .filter_map(|d| {
            let value = p.metadata.get(d).cloned().or_else(|| {
                envelope
                    .iter()
                    .find(|(k, v)| k == d && !v.is_empty())
                    .map(|(_, v)| (*v).clone())
            })?;
            Some(Argument {
                name: d.clone(),
                value: Some(value),
                value_from: None,
            })
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
    let templates = svc.resolve_templates(&template).await?;
    let declared: BTreeSet<String> = templates
        .iter()
        .flat_map(|t| t.spec.args.iter().map(|a| a.name.clone()))
        .collect();
    let args = webhook_args(&declared, &payload);
    let verdict = svc.evaluate(&templates, &args).await?;
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
        let declared =
            BTreeSet::from(["service", "namespace", "name", "missing"].map(String::from));
        let args: Vec<(String, Option<String>)> = webhook_args(&declared, &p)
            .into_iter()
            .map(|a| (a.name, a.value))
            .collect();
        assert_eq!(
            args,
            vec![
                ("name".into(), Some("podinfo".into())),
                ("namespace".into(), Some("override".into())),
                ("service".into(), Some("podinfo-canary".into())),
            ]
        );
    }
}
