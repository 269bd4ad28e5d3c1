//! The service's policies over real sockets: `ttlStrategy` garbage collection, `--allow-host`
//! at submission time, and secrets kept out of everything the service answers.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::time::Duration;

use serde_json::{Value, json};
use serve_support::{Augur, TestResult, backend, client, message, send, wait_completed};

/// A one-measurement run against `url`, with `spec` fields merged in.
fn run(name: &str, url: &str, extra_spec: Value) -> Value {
    let mut spec = json!({"metrics": [{
        "name": "up",
        "successCondition": "result >= 0.9",
        "provider": {"web": {"url": url, "jsonPath": "{$.value}"}}
    }]});
    if let (Some(s), Some(extra)) = (spec.as_object_mut(), extra_spec.as_object()) {
        s.extend(extra.clone());
    }
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
        "metadata": {"name": name}, "spec": spec})
}

/// Polls GET until the run is gone (404). Bounded by attempts, not by a clock.
async fn wait_gone(augur: &Augur, name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let url = augur.url(&format!("/api/v1/analysisruns/{name}"));
    for _ in 0..240 {
        if client().get(&url).send().await?.status().as_u16() == 404 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(format!("run {name} was never deleted").into())
}

async fn status_of(augur: &Augur, name: &str) -> Result<u16, Box<dyn std::error::Error>> {
    let url = augur.url(&format!("/api/v1/analysisruns/{name}"));
    Ok(client().get(url).send().await?.status().as_u16())
}

#[tokio::test]
async fn ttl_strategy_deletes_completed_runs_from_store_and_memory() -> TestResult {
    let be = backend(0.97).await?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let augur = Augur::start(&data, &[])?;
    let runs = augur.url("/api/v1/analysisruns");
    let ttl = json!({"ttlStrategy": {"secondsAfterCompletion": 0}});
    for body in [
        run("short", &be.url, ttl),
        run("kept", &be.url, json!({})),
        // Only secondsAfterFailure is set and the run succeeds: it is kept.
        run(
            "kept-success",
            &be.url,
            json!({"ttlStrategy": {"secondsAfterFailure": 0}}),
        ),
    ] {
        let (s, _, text) = send(client().post(&runs).json(&body)).await?;
        assert_eq!(s, 201, "{text}");
    }
    for name in ["short", "kept", "kept-success"] {
        assert_eq!(wait_completed(&augur, name).await?["phase"], "Successful");
    }
    wait_gone(&augur, "short").await?;
    let (s, _, _) =
        send(client().get(augur.url("/api/v1/analysisruns/short/measurements"))).await?;
    assert_eq!(s, 404);
    assert_eq!(status_of(&augur, "kept").await?, 200);
    assert_eq!(status_of(&augur, "kept-success").await?, 200);

    // A run that completes and is killed around its expiry is deleted on the next start
    // (whichever side of the kill the expiry falls on).
    let body = run(
        "later",
        &be.url,
        json!({"ttlStrategy": {"secondsAfterSuccess": 1}}),
    );
    let (s, _, text) = send(client().post(&runs).json(&body)).await?;
    assert_eq!(s, 201, "{text}");
    assert_eq!(
        wait_completed(&augur, "later").await?["phase"],
        "Successful"
    );
    augur.kill9()?;

    // Deleted in the store, not only in memory: a restart does not bring them back.
    let augur = Augur::start(&data, &[])?;
    wait_gone(&augur, "later").await?;
    assert_eq!(status_of(&augur, "short").await?, 404);
    assert_eq!(status_of(&augur, "kept").await?, 200);
    // The name is free again.
    let runs = augur.url("/api/v1/analysisruns");
    let (s, _, text) = send(client().post(&runs).json(&run("short", &be.url, json!({})))).await?;
    assert_eq!(s, 201, "{text}");
    Ok(())
}

#[tokio::test]
async fn allow_host_refuses_submissions_that_point_elsewhere() -> TestResult {
    let be = backend(0.97).await?;
    let be_host = be
        .url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let dir = tempfile::tempdir()?;
    let secrets = dir.path().join("secrets");
    std::fs::create_dir_all(secrets.join("metric-host"))?;
    std::fs::write(secrets.join("metric-host").join("host"), "10.0.0.1")?;
    let secrets_arg = secrets.to_string_lossy().to_string();
    let augur = Augur::start(
        &dir.path().join("data"),
        &[
            "--allow-host",
            &be_host,
            "--allow-host",
            "metrics.internal",
            "--secrets-dir",
            &secrets_arg,
        ],
    )?;
    let c = client();
    let refused =
        "spec.metrics[0].provider.web.url: host \"10.0.0.1:80\" is not allowed (--allow-host)";

    // A run manifest, and a template, pointing at a host not allowed.
    let (s, body, _) = send(c.post(augur.url("/api/v1/analysisruns")).json(&run(
        "direct",
        "http://10.0.0.1/metric",
        json!({}),
    )))
    .await?;
    assert_eq!((s, message(&body)), (400, refused.to_string()));
    let template = |name: &str, url: &str| {
        json!({"kind": "AnalysisTemplate", "metadata": {"name": name},
            "spec": {"args": [{"name": "host"}, {"name": "experimentScope", "value": "x"}],
                "metrics": [{"name": "up", "successCondition": "result >= 0.9",
                    "provider": {"web": {"url": url, "jsonPath": "{$.value}"}}}]}})
    };
    let (s, body, _) = send(
        c.put(augur.url("/api/v1/analysistemplates/fixed"))
            .json(&template("fixed", "http://10.0.0.1/metric")),
    )
    .await?;
    assert_eq!((s, message(&body)), (400, refused.to_string()));

    // The host comes from an arg: unknown when the template is stored, checked once known.
    let (s, _, text) = send(
        c.put(augur.url("/api/v1/analysistemplates/by-arg"))
            .json(&template("by-arg", "http://{{args.host}}/metric")),
    )
    .await?;
    assert_eq!(s, 201, "{text}");
    let args = |host: &str| json!([{"name": "host", "value": host}]);
    let attempts = [
        c.post(augur.url("/api/v1/analysisruns")).json(
            &json!({"name": "from-template", "templateRef": {"name": "by-arg"}, "args": args("10.0.0.1")}),
        ),
        c.post(augur.url("/api/v1/evaluate"))
            .json(&json!({"templateRef": {"name": "by-arg"}, "args": args("10.0.0.1")})),
        c.post(augur.url("/flagger/v1/by-arg"))
            .json(&json!({"name": "podinfo", "metadata": {"host": "10.0.0.1"}})),
        c.post(augur.url("/canary/by-arg")).json(&json!({"scopes": {"default": {
            "experimentScope": {"scope": "s", "extendedScopeParams": {"host": "10.0.0.1"}}}}})),
    ];
    for (i, req) in attempts.into_iter().enumerate() {
        let (s, body, text) = send(req).await?;
        assert_eq!(s, 400, "attempt {i}: {text}");
        assert!(message(&body).ends_with(refused), "attempt {i}: {text}");
    }
    let (s, _, text) = send(c.post(augur.url("/api/v1/analysisruns")).json(
        &json!({"name": "allowed", "templateRef": {"name": "by-arg"}, "args": args(&be_host)}),
    ))
    .await?;
    assert_eq!(s, 201, "{text}");
    assert_eq!(
        wait_completed(&augur, "allowed").await?["phase"],
        "Successful"
    );

    // A host from a secret is not known before the fetch: the provider refuses to connect.
    let secret_host = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
        "metadata": {"name": "secret-host"},
        "spec": {"args": [{"name": "host", "valueFrom": {"secretKeyRef": {"name": "metric-host", "key": "host"}}}],
            "metrics": [{"name": "up", "consecutiveErrorLimit": 0, "successCondition": "result >= 0.9",
                "provider": {"web": {"url": "http://{{args.host}}/metric"}}}]}});
    let (s, _, text) = send(c.post(augur.url("/api/v1/analysisruns")).json(&secret_host)).await?;
    assert_eq!(s, 201, "{text}");
    let verdict = wait_completed(&augur, "secret-host").await?;
    assert_eq!(verdict["phase"], "Error");
    let msg = message(&verdict);
    assert!(msg.contains("is not in the allowed hosts"), "{msg}");
    assert!(
        !msg.contains("10.0.0.1"),
        "the secret host is masked: {msg}"
    );
    Ok(())
}

/// A loopback backend that answers `token=<Authorization header>` as plain text: a provider
/// echoing a secret back.
async fn echo_backend() -> Result<String, Box<dyn std::error::Error>> {
    let app = axum::Router::new().route(
        "/echo",
        axum::routing::get(|headers: axum::http::HeaderMap| async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            format!("token={auth}")
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}/echo"))
}

#[tokio::test]
async fn secrets_in_urls_and_headers_never_come_back() -> TestResult {
    const SECRET: &str = "s3cr3t-v4lue";
    let echo = echo_backend().await?;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?
    };
    let dir = tempfile::tempdir()?;
    let secrets = dir.path().join("secrets");
    std::fs::create_dir_all(secrets.join("api"))?;
    std::fs::write(secrets.join("api").join("token"), SECRET)?;
    let secrets_arg = secrets.to_string_lossy().to_string();
    let augur = Augur::start(&dir.path().join("data"), &["--secrets-dir", &secrets_arg])?;
    let c = client();
    // One metric whose provider error quotes the URL holding the secret, one whose backend
    // echoes the secret header as the measured value.
    let template = json!({"kind": "AnalysisTemplate", "metadata": {"name": "leaky"},
    "spec": {"args": [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}],
        "metrics": [
            {"name": "in-url", "consecutiveErrorLimit": 0, "successCondition": "result == 1",
             "provider": {"web": {"url": format!("http://{closed}/q?token={{{{args.token}}}}")}}},
            {"name": "in-header", "successCondition": "result == \"ok\"",
             "provider": {"web": {"url": echo,
                "headers": [{"key": "Authorization", "value": "Bearer {{args.token}}"}]}}}
        ]}});
    let (s, _, text) = send(
        c.put(augur.url("/api/v1/analysistemplates/leaky"))
            .json(&template),
    )
    .await?;
    assert_eq!(s, 201, "{text}");
    let (s, _, text) = send(
        c.post(augur.url("/api/v1/analysisruns"))
            .json(&json!({"name": "leaky-run", "templateRef": {"name": "leaky"}})),
    )
    .await?;
    assert_eq!(s, 201, "{text}");
    assert!(!text.contains(SECRET));
    let verdict = wait_completed(&augur, "leaky-run").await?;
    assert_ne!(verdict["phase"], "Successful", "{verdict}");

    let mut seen = Vec::new();
    for path in [
        "/api/v1/analysisruns/leaky-run",
        "/api/v1/analysisruns/leaky-run/verdict",
        "/api/v1/analysisruns/leaky-run/measurements",
        "/api/v1/analysisruns",
        "/metrics",
    ] {
        let (s, _, text) = send(c.get(augur.url(path))).await?;
        assert_eq!(s, 200, "{path}");
        assert!(!text.contains(SECRET), "{path} leaks the secret: {text}");
        seen.push(text);
    }
    // The secret was there to leak, and was masked where it would have been.
    let run = seen.first().map(String::as_str).unwrap_or("");
    assert!(run.contains("token=*****"), "{run}");
    assert!(run.contains("Bearer *****"), "{run}");

    // Synchronous evaluations and Flagger's 412 reason too.
    let (s, _, text) = send(
        c.post(augur.url("/api/v1/evaluate"))
            .json(&json!({"templateRef": {"name": "leaky"}})),
    )
    .await?;
    assert_eq!(s, 200, "{text}");
    assert!(!text.contains(SECRET) && text.contains("*****"), "{text}");
    let (s, _, text) = send(c.post(augur.url("/flagger/v1/leaky")).json(&json!({}))).await?;
    assert_eq!(s, 412, "{text}");
    assert!(!text.contains(SECRET), "{text}");
    Ok(())
}
