//! End to end over real sockets: runs complete against loopback providers, and the Argo
//! `web`, Flagger and Kayenta contracts hold with their real request shapes, and a `kill -9`
//! mid-run loses nothing. They need the real engine and providers, so they stay ignored until
//! those are merged.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use serve_support::{Augur, TestResult, backend, client, pb, wait_completed, web_template};

async fn put_template(augur: &Augur, t: &Value) -> TestResult {
    let name = t["metadata"]["name"].as_str().unwrap_or_default();
    let resp = client()
        .put(augur.url(&format!("/api/v1/analysistemplates/{name}")))
        .json(t)
        .send()
        .await?;
    assert!(resp.status().is_success(), "{}", resp.text().await?);
    Ok(())
}

async fn create_from(augur: &Augur, name: &str, template: &str) -> TestResult {
    let resp = client()
        .post(augur.url("/api/v1/analysisruns"))
        .json(&json!({"name": name, "templateRef": {"name": template},
            "args": [{"name": "service", "value": "checkout"}]}))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 201, "{}", resp.text().await?);
    Ok(())
}

async fn get(augur: &Augur, path: &str) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(client().get(augur.url(path)).send().await?.json().await?)
}

#[tokio::test]
async fn http_run_completes_against_a_loopback_provider() -> TestResult {
    let be = backend(0.97).await?;
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    put_template(
        &augur,
        &web_template("rate", &be.url, Some("100ms"), Some(3)),
    )
    .await?;
    create_from(&augur, "r1", "rate").await?;
    let verdict = wait_completed(&augur, "r1").await?;
    assert_eq!(verdict["phase"], "Successful");
    let run = get(&augur, "/api/v1/analysisruns/r1").await?;
    assert_eq!(run["status"]["phase"], "Successful");
    assert_eq!(run["status"]["metricResults"][0]["count"], 3);
    let history = get(&augur, "/api/v1/analysisruns/r1/measurements").await?;
    assert_eq!(history["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(be.hits.load(Ordering::SeqCst), 3);
    let metrics = client()
        .get(augur.url("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    assert!(metrics.contains("augur_measurements_total{provider=\"web\",phase=\"Successful\"} 3"));
    assert!(metrics.contains("augur_metric_last_value{run=\"r1\",metric=\"success-rate\"} 0.97"));
    Ok(())
}

#[tokio::test]
async fn grpc_run_completes_and_watch_streams_each_change() -> TestResult {
    let be = backend(0.5).await?;
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    put_template(
        &augur,
        &web_template("rate", &be.url, Some("100ms"), Some(2)),
    )
    .await?;
    let mut grpc = pb::analysis_client::AnalysisClient::connect(augur.grpc.clone()).await?;
    let run = grpc
        .create_run(pb::CreateRunRequest {
            source: Some(pb::create_run_request::Source::FromTemplate(
                pb::FromTemplate {
                    name: "g1".into(),
                    template_name: "rate".into(),
                    args: vec![pb::Arg {
                        name: "service".into(),
                        value: "checkout".into(),
                    }],
                },
            )),
        })
        .await?
        .into_inner();
    assert_eq!(run.name, "g1");
    let mut stream = grpc
        .watch_run(pb::WatchRunRequest { name: "g1".into() })
        .await?
        .into_inner();
    let mut seen = Vec::new();
    while let Some(update) = stream.message().await? {
        seen.push(update);
    }
    let last = seen.last().ok_or("no updates")?;
    assert!(last.completed);
    assert_eq!(last.phase, "Failed");
    assert!(
        last.analysis_run
            .as_ref()
            .is_some_and(|r| r.fields.contains_key("status"))
    );
    let got = grpc
        .get_run(pb::GetRunRequest { name: "g1".into() })
        .await?
        .into_inner();
    assert_eq!(got.phase, "Failed");
    let listed = grpc
        .list_runs(pb::ListRunsRequest {
            phase: "Failed".into(),
        })
        .await?
        .into_inner();
    assert_eq!(listed.runs.len(), 1);
    let verdict = grpc
        .evaluate(pb::EvaluateRequest {
            template: Some(pb::evaluate_request::Template::TemplateName("rate".into())),
            args: vec![pb::Arg {
                name: "service".into(),
                value: "x".into(),
            }],
        })
        .await?
        .into_inner();
    assert_eq!(verdict.phase, "Failed");
    assert_eq!(
        verdict.metrics.first().map(|m| m.value.as_str()),
        Some("0.5")
    );
    Ok(())
}

#[tokio::test]
async fn argo_web_contract_augur_reads_its_own_verdict() -> TestResult {
    let good = backend(0.97).await?;
    let bad = backend(0.5).await?;
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    put_template(
        &augur,
        &web_template("good", &good.url, Some("100ms"), Some(2)),
    )
    .await?;
    put_template(
        &augur,
        &web_template("bad", &bad.url, Some("100ms"), Some(2)),
    )
    .await?;
    create_from(&augur, "target-good", "good").await?;
    create_from(&augur, "target-bad", "bad").await?;
    // The AnalysisTemplate deploy/argo-analysistemplate-web.yaml gives Argo, run by Augur's
    // own (Argo-compatible) web provider.
    for (target, expected) in [("target-good", "Successful"), ("target-bad", "Failed")] {
        let reader = format!("reader-{target}");
        let manifest = json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
            "metadata": {"name": reader},
            "spec": {"metrics": [{
                "name": "augur-verdict",
                "successCondition": "result == \"Successful\"",
                "failureCondition": "result in [\"Failed\", \"Error\", \"Inconclusive\"]",
                "provider": {"web": {
                    "url": augur.url(&format!("/api/v1/analysisruns/{target}/verdict?wait=30s")),
                    "timeoutSeconds": 40,
                    "jsonPath": "{$.phase}"}}
            }]}
        });
        let resp = client()
            .post(augur.url("/api/v1/analysisruns"))
            .json(&manifest)
            .send()
            .await?;
        assert_eq!(resp.status().as_u16(), 201);
        let verdict = wait_completed(&augur, &reader).await?;
        assert_eq!(verdict["phase"], expected, "{reader}");
    }
    Ok(())
}

#[tokio::test]
async fn flagger_webhook_contract() -> TestResult {
    let good = backend(0.97).await?;
    let bad = backend(0.5).await?;
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let url = |b: &str| format!("{b}?service={{{{args.service}}}}");
    put_template(&augur, &web_template("good", &url(&good.url), None, None)).await?;
    put_template(&augur, &web_template("bad", &url(&bad.url), None, None)).await?;
    // Flagger's CanaryWebhookPayload for a `rollout` hook.
    let payload = json!({
        "name": "podinfo", "namespace": "test", "phase": "Progressing",
        "checksum": "6d4c8b7f9b",
        "metadata": {"service": "podinfo-canary", "type": "rollout"}
    });
    let resp = client()
        .post(augur.url("/flagger/v1/good"))
        .json(&payload)
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await?;
    assert_eq!(body["phase"], "Successful");
    assert_eq!(good.hits.load(Ordering::SeqCst), 1);

    let resp = client()
        .post(augur.url("/flagger/v1/bad"))
        .json(&payload)
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 412);
    let reason = resp.text().await?;
    assert!(reason.starts_with("Failed"), "{reason}");

    // A missing required arg is the caller's mistake, reported as such.
    let resp = client()
        .post(augur.url("/flagger/v1/good"))
        .json(&json!({"name": "podinfo", "namespace": "test", "phase": "Progressing"}))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 400);
    Ok(())
}

#[tokio::test]
async fn kayenta_contract_as_argo_and_spinnaker_call_it() -> TestResult {
    let good = backend(0.97).await?;
    let bad = backend(0.5).await?;
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    for (name, be) in [("canary-good", &good), ("canary-bad", &bad)] {
        let mut t = web_template(name, &be.url, None, None);
        t["spec"]["args"] = json!([{"name": "experimentScope"}]);
        put_template(&augur, &t).await?;
    }
    // 1. Argo looks the config id up by name.
    let configs = get(
        &augur,
        "/canaryConfig?application=guestbook&configurationAccountName=acct",
    )
    .await?;
    for (name, expected_score) in [("canary-good", 100.0), ("canary-bad", 0.0)] {
        let id = configs
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == name))
            .and_then(|c| c["id"].as_str())
            .ok_or("config not listed")?
            .to_string();
        // 2. The body Argo's kayenta provider sends.
        let body = r#"{"scopes": {"default":{"controlScope": {"scope":"app=guestbook and rollouts-pod-template-hash=stable","region":"us-west-2","step":60,"start":"2024-01-01T00:00:00Z","end":"2024-01-01T00:10:00Z"}, "experimentScope": {"scope":"app=guestbook and rollouts-pod-template-hash=canary","region":"us-west-2","step":60,"start":"2024-01-01T00:00:00Z","end":"2024-01-01T00:10:00Z"}}}, "thresholds": {"pass": 90, "marginal": 75}}"#;
        let resp = client()
            .post(augur.url(&format!(
                "/canary/{id}?application=guestbook&metricsAccountName=m&configurationAccountName=c&storageAccountName=s"
            )))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        assert_eq!(resp.status().as_u16(), 200, "Argo accepts only 200");
        let started: Value = resp.json().await?;
        let exec = started["canaryExecutionId"]
            .as_str()
            .ok_or("no execution id")?
            .to_string();
        // 3. Poll until complete, then read the score.
        let _ = wait_completed(&augur, &exec).await?;
        let status = get(&augur, &format!("/canary/{exec}")).await?;
        assert_eq!(status["complete"], true);
        assert_eq!(
            status["result"]["judgeResult"]["score"]["score"],
            expected_score
        );
    }
    Ok(())
}

#[tokio::test]
async fn terminate_completes_a_run_at_once() -> TestResult {
    let be = backend(0.97).await?;
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    put_template(&augur, &web_template("forever", &be.url, Some("1h"), None)).await?;
    create_from(&augur, "long", "forever").await?;
    let run: Value = client()
        .post(augur.url("/api/v1/analysisruns/long/terminate"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(run["spec"]["terminate"], true);
    assert_eq!(run["status"]["phase"], "Successful");
    Ok(())
}

#[tokio::test]
async fn kill9_mid_run_then_restart_loses_nothing_and_repeats_nothing() -> TestResult {
    const RUNS: usize = 5;
    const COUNT: usize = 6;
    let be = backend(0.97).await?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let augur = Augur::start(&data, &[])?;
    put_template(
        &augur,
        &web_template("rate", &be.url, Some("300ms"), Some(COUNT as u32)),
    )
    .await?;
    for i in 0..RUNS {
        create_from(&augur, &format!("k{i}"), "rate").await?;
    }
    // Wait until every run has committed at least one measurement, then pull the plug.
    for i in 0..RUNS {
        let mut committed = 0;
        for _ in 0..200 {
            let h = get(&augur, &format!("/api/v1/analysisruns/k{i}/measurements")).await?;
            committed = h["items"].as_array().map_or(0, Vec::len);
            if committed > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(committed > 0, "run k{i} never measured");
    }
    augur.kill9()?;

    let augur = Augur::start(&data, &[])?;
    for i in 0..RUNS {
        let name = format!("k{i}");
        let verdict = wait_completed(&augur, &name).await?;
        assert_eq!(verdict["phase"], "Successful", "{name}");
        let run = get(&augur, &format!("/api/v1/analysisruns/{name}")).await?;
        assert_eq!(run["status"]["metricResults"][0]["count"], COUNT, "{name}");
        let history = get(&augur, &format!("/api/v1/analysisruns/{name}/measurements")).await?;
        let items = history["items"].as_array().ok_or("no history")?;
        assert_eq!(
            items.len(),
            COUNT,
            "{name}: every finished measurement once"
        );
        let starts: Vec<chrono::DateTime<chrono::FixedOffset>> = items
            .iter()
            .filter_map(|m| m["startedAt"].as_str())
            .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .collect();
        assert_eq!(starts.len(), COUNT, "{name}: every measurement has a start");
        assert!(
            starts.windows(2).all(|w| w[0] < w[1]),
            "{name}: no measurement twice"
        );
    }
    // Only a measurement in flight at the kill may have been taken again: one per run at most.
    let hits = be.hits.load(Ordering::SeqCst);
    assert!(
        (RUNS * COUNT..=RUNS * COUNT + RUNS).contains(&hits),
        "{hits} backend hits"
    );
    Ok(())
}
