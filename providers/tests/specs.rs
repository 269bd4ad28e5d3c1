//! What each provider's spec tells the rest of Augur: endpoints for the allow-list,
//! credential fields for redaction, history for backtest, and recording typing for replay.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use analysis_core::Metric;
use analysis_core::json::Typing;

fn metric(provider: serde_json::Value) -> Metric {
    serde_json::from_value(serde_json::json!({"name": "m", "provider": provider}))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn endpoints(provider: serde_json::Value) -> Vec<(String, String)> {
    let m = metric(provider);
    let spec = providers::spec_for(&m).unwrap_or_else(|| panic!("no spec"));
    spec.endpoints(&m)
        .into_iter()
        .map(|e| (e.field.to_string(), e.url.to_string()))
        .collect()
}

fn pair(field: &str, url: &str) -> (String, String) {
    (field.to_string(), url.to_string())
}

#[test]
fn endpoints_name_every_address_a_metric_connects_to() {
    let oauth2 = serde_json::json!({"oauth2": {"tokenUrl": "http://idp/token"}});
    assert_eq!(
        endpoints(serde_json::json!({"web": {"url": "http://svc/q", "authentication": oauth2}})),
        [
            pair("provider.web.url", "http://svc/q"),
            pair(
                "provider.web.authentication.oauth2.tokenUrl",
                "http://idp/token"
            ),
        ]
    );
    assert_eq!(
        endpoints(
            serde_json::json!({"prometheus": {"address": "http://p:9090", "authentication": oauth2}})
        ),
        [
            pair("provider.prometheus.address", "http://p:9090"),
            pair(
                "provider.prometheus.authentication.oauth2.tokenUrl",
                "http://idp/token"
            ),
        ]
    );
    // Without an address the operator's default is used, which is not the submitter's to set.
    assert_eq!(
        endpoints(serde_json::json!({"prometheus": {"query": "up"}})),
        []
    );
    assert_eq!(
        endpoints(serde_json::json!({"skywalking": {"address": "http://oap:12800"}})),
        [pair("provider.skywalking.address", "http://oap:12800")]
    );
}

#[test]
fn history_typing_and_credentials() {
    let specs = providers::specs();
    let with_history: Vec<_> = specs
        .iter()
        .filter(|s| s.has_history())
        .map(|s| s.kind())
        .collect();
    assert_eq!(with_history, ["prometheus"]);
    let vector_typed: Vec<_> = specs
        .iter()
        .filter(|s| s.result().typing == Typing::Prometheus)
        .map(|s| s.kind())
        .collect();
    assert_eq!(vector_typed, ["prometheus"]);
    let mut credentials: Vec<_> = specs
        .iter()
        .flat_map(|s| s.credential_fields().iter().copied())
        .collect();
    credentials.sort_unstable();
    credentials.dedup();
    assert_eq!(credentials, ["clientSecret", "password"]);
}
