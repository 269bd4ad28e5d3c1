//! Unknown manifest fields over a real `augur serve`: rejected (400) by default, and
//! Kubernetes' `?fieldValidation=Strict|Warn|Ignore` on every route that takes a manifest;
//! strict over gRPC.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use serde_json::{Value, json};
use serve_support::{Augur, TestResult, backend, client, message, pb, send};

/// A run whose only metric has a misspelled `successCondition` and an unknown `colour`.
fn typo_run(name: &str) -> String {
    format!(
        r#"{{
  "apiVersion": "argoproj.io/v1alpha1",
  "kind": "AnalysisRun",
  "metadata": {{"name": "{name}"}},
  "spec": {{"metrics": [{{
    "name": "m",
    "sucessCondition": "result == 1",
    "colour": "blue",
    "provider": {{"web": {{"url": "http://127.0.0.1:9/x"}}}}
  }}]}}
}}"#
    )
}

const STRICT_RUN: &str = "AnalysisRun: unknown field \"spec.metrics[0].sucessCondition\" (did you mean \"successCondition\"?) (line 7, column 5), unknown field \"spec.metrics[0].colour\" (line 8, column 5)";

/// Every `Warning` header of a response, in order.
async fn warnings(
    req: reqwest::RequestBuilder,
) -> Result<(u16, Vec<String>, String), Box<dyn std::error::Error>> {
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let warnings = resp
        .headers()
        .get_all("warning")
        .iter()
        .map(|v| v.to_str().map(str::to_string))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((status, warnings, resp.text().await?))
}

#[tokio::test]
async fn runs_follow_field_validation() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let runs = augur.url("/api/v1/analysisruns");
    let c = client();
    let post = |query: &str, name: &str| {
        c.post(format!("{runs}{query}"))
            .header("content-type", "application/json")
            .body(typo_run(name))
    };

    for query in ["", "?fieldValidation=Strict", "?fieldValidation="] {
        let (s, v, text) = send(post(query, "a")).await?;
        assert_eq!(s, 400, "{query}: {text}");
        assert_eq!(v["kind"], "Status", "{text}");
        assert_eq!(v["code"], 400, "{text}");
        assert_eq!(message(&v), STRICT_RUN, "{query}");
    }
    let (s, _, _) = send(c.get(augur.url("/api/v1/analysisruns/a"))).await?;
    assert_eq!(s, 404, "a rejected run is not stored");

    let (s, w, text) = warnings(post("?fieldValidation=Warn", "warned")).await?;
    assert_eq!(s, 201, "{text}");
    assert_eq!(
        w,
        vec![
            r#"299 - "unknown field \"spec.metrics[0].sucessCondition\"""#,
            r#"299 - "unknown field \"spec.metrics[0].colour\"""#,
        ]
    );
    let (s, w, text) = warnings(post("?fieldValidation=Ignore", "ignored")).await?;
    assert_eq!((s, w.len()), (201, 0), "{text}");
    // Other parameters still combine with it.
    let (s, w, _) = warnings(post("?existing=ok&fieldValidation=Warn", "warned")).await?;
    assert_eq!((s, w.len()), (200, 2));

    for query in ["?fieldValidation=warn", "?fieldValidation=Bogus"] {
        let (s, v, text) = send(post(query, "b")).await?;
        assert_eq!(s, 400, "{text}");
        assert!(
            message(&v).starts_with("fieldValidation: unsupported value"),
            "{text}"
        );
        assert!(message(&v).ends_with(r#"supported values: "Ignore", "Strict", "Warn""#));
    }

    // YAML bodies name the line and column of the key as written.
    let yaml = "metadata: {name: y}\nspec:\n  metrics:\n  - name: m\n    intervall: 5s\n    provider: {web: {url: http://127.0.0.1:9/}}\n";
    let (s, v, _) = send(
        c.post(&runs)
            .header("content-type", "application/yaml")
            .body(yaml),
    )
    .await?;
    assert_eq!(
        (s, message(&v)),
        (
            400,
            "AnalysisRun: unknown field \"spec.metrics[0].intervall\" (did you mean \"interval\"?) (line 5, column 5)"
                .into()
        )
    );
    // The `templateRef` envelope is not a manifest: it keeps its own strict decoding.
    let (s, v, _) = send(
        c.post(format!("{runs}?fieldValidation=Ignore"))
            .json(&json!({"name": "e", "templateRef": {"name": "t"}, "argz": []})),
    )
    .await?;
    assert_eq!(s, 400);
    assert!(message(&v).starts_with("request: argz: unknown field `argz`"));
    Ok(())
}

#[tokio::test]
async fn templates_and_evaluate_follow_field_validation() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let c = client();
    let backend = backend(1.0).await?;
    let template = json!({
        "kind": "AnalysisTemplate",
        "metadata": {"name": "t"},
        "spec": {"metrics": [{
            "name": "m",
            "successCondition": "result == 1",
            "provider": {"web": {"url": backend.url, "jsonPath": "{$.value}", "timeoutSecond": 5}}
        }]}
    });
    let put = |query: &str| {
        c.put(augur.url(&format!("/api/v1/analysistemplates/t{query}")))
            .json(&template)
    };
    let (s, v, _) = send(put("")).await?;
    assert_eq!(s, 400);
    assert!(
        message(&v).starts_with(
            "AnalysisTemplate: unknown field \"spec.metrics[0].provider.web.timeoutSecond\" (did you mean \"timeoutSeconds\"?) (line 1, column "
        ),
        "{v}"
    );
    let (s, w, text) = warnings(put("?fieldValidation=Warn")).await?;
    assert_eq!(s, 201, "{text}");
    assert_eq!(
        w,
        vec![r#"299 - "unknown field \"spec.metrics[0].provider.web.timeoutSecond\"""#]
    );
    let (s, w, _) = warnings(put("?fieldValidation=Ignore")).await?;
    assert_eq!((s, w.len()), (200, 0));
    let (s, v, _) = send(put("?fieldValidation=Loud")).await?;
    assert_eq!(s, 400);
    assert!(message(&v).starts_with("fieldValidation: unsupported value \"Loud\""));

    // Evaluate: a bare template, and one nested in the request (named from the request's root).
    let evaluate = |query: &str, body: &Value| {
        c.post(augur.url(&format!("/api/v1/evaluate{query}")))
            .json(body)
    };
    let (s, v, _) = send(evaluate("", &template)).await?;
    assert_eq!(s, 400);
    assert!(
        message(&v).contains("\"spec.metrics[0].provider.web.timeoutSecond\""),
        "{v}"
    );
    let nested = json!({"template": template, "args": []});
    let (s, v, _) = send(evaluate("", &nested)).await?;
    assert_eq!(
        (s, message(&v)),
        (
            400,
            "AnalysisTemplate: unknown field \"template.spec.metrics[0].provider.web.timeoutSecond\" (did you mean \"timeoutSeconds\"?)"
                .into()
        )
    );
    let (s, w, text) = warnings(evaluate("?fieldValidation=Warn", &nested)).await?;
    assert_eq!(s, 200, "{text}");
    assert_eq!(
        w,
        vec![r#"299 - "unknown field \"template.spec.metrics[0].provider.web.timeoutSecond\"""#]
    );
    let verdict: Value = serde_json::from_str(&text)?;
    assert_eq!(verdict["phase"], "Successful", "{text}");
    let (s, w, _) = warnings(evaluate("?fieldValidation=Ignore", &template)).await?;
    assert_eq!((s, w.len()), (200, 0));
    Ok(())
}

#[tokio::test]
async fn grpc_rejects_unknown_fields() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let mut grpc = pb::analysis_client::AnalysisClient::connect(augur.grpc.clone()).await?;
    let err = grpc
        .create_run(pb::CreateRunRequest {
            source: Some(pb::create_run_request::Source::Manifest(typo_run("g"))),
        })
        .await
        .err()
        .ok_or("expected an error")?;
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(err.message(), STRICT_RUN);
    let err = grpc
        .evaluate(pb::EvaluateRequest {
            template: Some(pb::evaluate_request::Template::Manifest(
                "kind: AnalysisTemplate\nspec:\n  metrics:\n  - name: m\n    intervall: 1s\n"
                    .into(),
            )),
            ..Default::default()
        })
        .await
        .err()
        .ok_or("expected an error")?;
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        err.message(),
        "AnalysisTemplate: unknown field \"spec.metrics[0].intervall\" (did you mean \"interval\"?) (line 5, column 5)"
    );
    Ok(())
}
