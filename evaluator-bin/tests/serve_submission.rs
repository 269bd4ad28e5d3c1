//! Issue 10, item 12: what `augur lint` reports as an error is refused at submission with 400
//! and lint's message, and so is an interval under `--min-interval` (default 1s); both for
//! runs, templates sent over the API and `POST /evaluate`. Warnings refuse nothing.

mod serve_support;

use serde_json::{Value, json};
use serve_support::{Augur, TestResult, client, message, send};

fn metric(extra: Value) -> Value {
    let mut m = json!({"name": "rate", "provider": {"web": {"url": "http://127.0.0.1:9/"}}});
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        m.extend(extra.clone());
    }
    m
}

fn run(name: &str, m: Value) -> Value {
    json!({"kind": "AnalysisRun", "metadata": {"name": name}, "spec": {"metrics": [m]}})
}

#[tokio::test]
async fn lint_errors_and_short_intervals_are_refused_with_400() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &["--min-interval", "1s"])?;
    let runs = augur.url("/api/v1/analysisruns");
    let c = client();
    let cases = [
        (
            json!({"interval": "0s"}),
            "spec.metrics[0].interval: 0s is shorter than this server's minimum interval 1s (--min-interval)",
        ),
        (
            json!({"interval": "-1s"}),
            "spec.metrics[0].interval: -1s is shorter",
        ),
        (
            json!({"interval": "1ns"}),
            "spec.metrics[0].interval: 1ns is shorter",
        ),
        (
            json!({"interval": "5s", "count": -5}),
            "spec.metrics[0].count: count must be >= 0, got -5",
        ),
        (
            json!({"successCondition": "result >"}),
            "spec.metrics[0].successCondition: successCondition does not compile for ",
        ),
        (
            json!({"provider": {"web": {"url": "http://127.0.0.1:9/", "jsonPath": "{$[[[}"}}}),
            "spec.metrics[0].provider.web.jsonPath: invalid jsonPath",
        ),
    ];
    for (i, (extra, expected)) in cases.iter().enumerate() {
        let body = run(&format!("r{i}"), metric(extra.clone()));
        let (got, answer, text) = send(c.post(&runs).json(&body)).await?;
        assert_eq!(got, 400, "case {i}: {text}");
        let msg = message(&answer);
        assert!(msg.starts_with(expected), "case {i}: {msg:?}");
        // The same text `augur lint` prints for it (intervals are the server's own rule).
        if !expected.contains("is shorter") {
            let lint_message = expected.split_once(": ").map_or("", |(_, m)| m);
            let t = tempfile::NamedTempFile::new()?;
            std::fs::write(t.path(), serde_json::to_string(&body)?)?;
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_augur"))
                .arg("lint")
                .arg(t.path())
                .output()?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains(lint_message), "case {i}: {stdout}");
        }
    }
    // A warning (a provider Augur does not run) refuses nothing, and 1s is allowed.
    let ok = run(
        "fine",
        metric(
            json!({"interval": "1s", "successCondition": "result == 1", "provider": {"job": {}}}),
        ),
    );
    let (got, _, text) = send(c.post(&runs).json(&ok)).await?;
    assert_eq!(got, 201, "{text}");

    // Templates over the API get the same checks.
    let template = json!({"kind": "AnalysisTemplate", "metadata": {"name": "t"},
        "spec": {"metrics": [metric(json!({"interval": "0s"}))]}});
    let (got, answer, text) = send(
        c.put(augur.url("/api/v1/analysistemplates/t"))
            .json(&template),
    )
    .await?;
    assert_eq!(got, 400, "{text}");
    assert!(message(&answer).contains("--min-interval"), "{text}");
    let template = json!({"kind": "AnalysisTemplate", "metadata": {"name": "t"},
        "spec": {"metrics": [metric(json!({"failureCondition": "result +"}))]}});
    let (got, answer, text) = send(
        c.put(augur.url("/api/v1/analysistemplates/t"))
            .json(&template),
    )
    .await?;
    assert_eq!(got, 400, "{text}");
    assert!(
        message(&answer)
            .starts_with("spec.metrics[0].failureCondition: failureCondition does not compile"),
        "{text}"
    );

    // And one-shot evaluations.
    let (got, answer, text) = send(c.post(augur.url("/api/v1/evaluate")).json(
        &json!({"kind": "AnalysisTemplate", "metadata": {"name": "e"},
                "spec": {"metrics": [metric(json!({"successCondition": "result >"}))]}}),
    ))
    .await?;
    assert_eq!(got, 400, "{text}");
    assert!(message(&answer).contains("does not compile"), "{text}");
    Ok(())
}
