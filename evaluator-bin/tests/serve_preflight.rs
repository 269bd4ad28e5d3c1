//! The service rejects a run with the same preflight the engine prepares it with
//! (`analysis_core::validate::preflight`), so a run the API accepts never fails on its first
//! pass with `Analysis spec invalid` or an incomplete `secretKeyRef`.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use serde_json::{Value, json};
use serve_support::{Augur, TestResult, client, message, send};

fn run(name: &str, spec_extra: Value, args: Value) -> Value {
    let mut spec = json!({
        "args": args,
        "metrics": [{"name": "rate", "provider": {"job": {}}}]
    });
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
        spec.extend(extra.clone());
    }
    json!({"kind": "AnalysisRun", "metadata": {"name": name}, "spec": spec})
}

#[tokio::test]
async fn the_api_and_the_engine_share_one_preflight() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let runs = augur.url("/api/v1/analysisruns");
    let c = client();
    let cases = [
        (
            run(
                "a",
                json!({"dryRun": [{"metricName": "rate"}, {"metricName": "nope"}]}),
                json!([]),
            ),
            400,
            "spec.dryRun[1]: Rule didn't match any metric name(s)",
        ),
        (
            run(
                "b",
                json!({"measurementRetention": [{"metricName": "x", "limit": 2}]}),
                json!([]),
            ),
            400,
            "spec.measurementRetention[0]: Rule didn't match any metric name(s)",
        ),
        (
            run(
                "c",
                json!({}),
                json!([{"name": "t", "valueFrom": {"secretKeyRef": {"name": "api"}}}]),
            ),
            400,
            "spec.args[0].valueFrom.secretKeyRef.key: a key is required",
        ),
        (
            run(
                "d",
                json!({"metrics": [{"name": "rate", "count": 3, "provider": {"job": {}}}]}),
                json!([]),
            ),
            400,
            "spec.metrics[0]: interval must be specified when count > 1",
        ),
    ];
    for (i, (body, status, expected)) in cases.into_iter().enumerate() {
        let (got, answer, text) = send(c.post(&runs).json(&body)).await?;
        assert_eq!(got, status, "case {i}: {text}");
        let msg = message(&answer);
        assert!(
            msg.contains(expected),
            "case {i}: expected {expected:?} in {msg:?}"
        );
    }
    // A `fieldRef` arg has no value until a Rollout resolves it: accepted, as before.
    let field_ref =
        json!([{"name": "env", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]);
    let (got, _, text) = send(c.post(&runs).json(&run("e", json!({}), field_ref))).await?;
    assert_eq!(got, 201, "{text}");
    Ok(())
}
