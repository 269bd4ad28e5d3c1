//! `augur serve` over real sockets and a real SQLite store: the bad-input matrix, auth,
//! limits, templates, masking, and durability across a clean restart. These need no real
//! engine or providers.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use serde_json::{Value, json};
use serve_support::{Augur, TestResult, client, message, pb, send};

fn run_manifest(name: &str) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": name},
        "spec": {"metrics": [{
            "name": "m",
            "successCondition": "result == 1",
            "provider": {"web": {"url": "http://127.0.0.1:9/x", "authentication":
                {"basicAuth": {"username": "u", "password": "hunter2"}}}}
        }]}
    })
}

#[tokio::test]
async fn bad_input_matrix() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let runs = augur.url("/api/v1/analysisruns");
    let c = client();
    let post_json = |body: &str| {
        c.post(&runs)
            .header("content-type", "application/json")
            .body(body.to_string())
    };

    // (request, status, message prefix or fragment)
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (post_json("{\"metadata\": {\"name\": \"a\"},\n \"spec\": [1,\n}"), 400, "invalid JSON: "),
        (
            c.post(&runs)
                .header("content-type", "application/yaml")
                .body("metadata:\n  name: a\nspec:\n  metrics: [a\n  b: c"),
            400,
            "invalid YAML: ",
        ),
        (
            post_json(r#"{"metadata":{"name":"a"},"spec":{"metrics":[{"name":"m","count":[1]}]}}"#),
            400,
            "AnalysisRun: spec.metrics[0].count: ",
        ),
        (
            post_json(r#"{"metadata":{"name":"a"},"spec":{"metrics":"m"}}"#),
            400,
            "AnalysisRun: spec.metrics: invalid type: string",
        ),
        (
            post_json(r#"{"name":"a","templateRef":{"name":"nope"}}"#),
            400,
            "templateRef.name: AnalysisTemplate \"nope\" not found",
        ),
        (
            post_json(r#"{"name":"a","templateRef":{"name":"t"},"argz":[]}"#),
            400,
            "request: argz: unknown field `argz`, expected one of",
        ),
        (
            post_json(r#"{"metadata":{"name":"a"},"spec":{"metrics":[]}}"#),
            400,
            "spec.metrics: no metrics specified",
        ),
        (
            post_json(r#"{"metadata":{"name":"Bad_Name"},"spec":{"metrics":[{"name":"m"}]}}"#),
            400,
            "metadata.name: \"Bad_Name\" is not a valid name",
        ),
        (
            post_json(r#"{"spec":{"metrics":[{"name":"m"}]}}"#),
            400,
            "metadata.name: a name (or metadata.generateName) is required",
        ),
        (
            post_json(r#"{"kind":"Rollout","metadata":{"name":"a"}}"#),
            400,
            "kind: expected AnalysisRun, got \"Rollout\"",
        ),
        (
            post_json(r#"{"metadata":{"name":"a"},"spec":{"args":[{"name":"x"}],"metrics":[{"name":"m"}]}}"#),
            400,
            "spec.args[0]: argument \"x\" was not supplied",
        ),
        (post_json("[1, 2]"), 400, "expected an AnalysisRun manifest"),
        (post_json("   "), 400, "request body is empty"),
        (
            c.post(&runs).body(vec![b' '; 1024 * 1024 + 1]),
            413,
            "request body is larger than the limit of 1048576 bytes",
        ),
        (c.get(augur.url("/api/v1/analysisruns/nope")), 404, "AnalysisRun \"nope\" not found"),
        (
            c.get(augur.url("/api/v1/analysisruns/nope/verdict")),
            404,
            "AnalysisRun \"nope\" not found",
        ),
        (
            c.post(augur.url("/api/v1/analysisruns/nope/terminate")),
            404,
            "AnalysisRun \"nope\" not found",
        ),
        (c.delete(augur.url("/api/v1/analysisruns/nope")), 404, "AnalysisRun \"nope\" not found"),
        (
            c.get(augur.url("/api/v1/analysisruns?phase=Bogus")),
            400,
            "phase: \"Bogus\" is not one of",
        ),
        (
            c.get(augur.url("/api/v1/analysistemplates/nope")),
            404,
            "AnalysisTemplate \"nope\" not found",
        ),
        (
            c.put(augur.url("/api/v1/analysistemplates/t"))
                .body(r#"{"kind":"AnalysisTemplate","metadata":{"name":"other"},"spec":{"metrics":[{"name":"m"}]}}"#),
            400,
            "metadata.name: \"other\" does not match the name in the path \"t\"",
        ),
        (
            c.post(augur.url("/api/v1/evaluate"))
                .body(r#"{"templateRef":{"name":"nope"}}"#),
            400,
            "templateRef.name: AnalysisTemplate \"nope\" not found",
        ),
        (
            c.post(augur.url("/api/v1/evaluate"))
                .body(r#"{"template":{"spec":{"metrics":[]}},"templateRef":{"name":"x"}}"#),
            400,
            "request: give exactly one of",
        ),
        (c.post(augur.url("/flagger/v1/nope")).body("{}"), 404, "AnalysisTemplate \"nope\" not found"),
        (
            c.post(augur.url("/flagger/v1/nope")).body(r#"{"metadata": 5}"#),
            400,
            "webhook payload: metadata: invalid type: integer",
        ),
        (c.get(augur.url("/canary/nope")), 404, "AnalysisRun \"nope\" not found"),
        (c.post(augur.url("/canary/nope")).body("{}"), 404, "AnalysisTemplate \"nope\" not found"),
        (c.get(augur.url("/no/such/route")), 404, "no such route"),
    ];
    for (i, (req, status, expected)) in cases.into_iter().enumerate() {
        let (got, body, text) = send(req).await?;
        let msg = message(&body);
        assert_eq!(got, status, "case {i}: {text}");
        assert!(
            msg.contains(expected),
            "case {i}: expected {expected:?} in {msg:?}"
        );
        assert!(
            !msg.contains('\n'),
            "case {i}: one-line message, got {msg:?}"
        );
    }

    // A duplicate name is a 409; `existing=ok` returns the run instead.
    let (s, _, text) = send(c.post(&runs).json(&run_manifest("dup"))).await?;
    assert_eq!(s, 201, "{text}");
    let (s, body, _) = send(c.post(&runs).json(&run_manifest("dup"))).await?;
    assert_eq!(
        (s, message(&body)),
        (409, "an AnalysisRun named \"dup\" already exists".into())
    );
    let (s, body, _) = send(
        c.post(format!("{runs}?existing=ok"))
            .json(&run_manifest("dup")),
    )
    .await?;
    assert_eq!((s, body["metadata"]["name"].as_str()), (200, Some("dup")));
    Ok(())
}

#[tokio::test]
async fn bearer_token_guards_everything_but_health() -> TestResult {
    let dir = tempfile::tempdir()?;
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n")?;
    let token_arg = token_file.to_string_lossy().to_string();
    let augur = Augur::start(&dir.path().join("data"), &["--auth-token-file", &token_arg])?;
    let c = client();
    for path in ["/healthz", "/readyz"] {
        let (s, _, _) = send(c.get(augur.url(path))).await?;
        assert_eq!(s, 200, "{path}");
    }
    for path in [
        "/api/v1/analysisruns",
        "/metrics",
        "/openapi.json",
        "/canaryConfig",
    ] {
        let (s, body, _) = send(c.get(augur.url(path))).await?;
        assert_eq!(
            (s, message(&body)),
            (401, "missing bearer token".into()),
            "{path}"
        );
        let (s, body, _) = send(c.get(augur.url(path)).bearer_auth("s3cret-tokeN")).await?;
        assert_eq!(
            (s, message(&body)),
            (401, "wrong bearer token".into()),
            "{path}"
        );
        let (s, _, _) = send(c.get(augur.url(path)).bearer_auth("s3cret-token")).await?;
        assert_eq!(s, 200, "{path}");
    }
    let (s, body, _) = send(c.post(augur.url("/flagger/v1/t")).body("{}")).await?;
    assert_eq!((s, message(&body)), (401, "missing bearer token".into()));

    // gRPC takes the same token in `authorization` metadata.
    let mut grpc = pb::analysis_client::AnalysisClient::connect(augur.grpc.clone()).await?;
    let err = grpc
        .list_runs(pb::ListRunsRequest::default())
        .await
        .err()
        .ok_or("expected an error")?;
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    let mut req = tonic::Request::new(pb::ListRunsRequest::default());
    req.metadata_mut()
        .insert("authorization", "Bearer s3cret-token".parse()?);
    assert!(grpc.list_runs(req).await?.into_inner().runs.is_empty());
    Ok(())
}

/// Flagger's webhook URL and Argo's `kayenta` address cannot carry headers: the same token
/// works as `access_token` in the query and as a `/t/<token>/` prefix on every route.
#[tokio::test]
async fn token_in_the_query_or_a_path_prefix() -> TestResult {
    let dir = tempfile::tempdir()?;
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret/token\n")?;
    let token_arg = token_file.to_string_lossy().to_string();
    let augur = Augur::start(&dir.path().join("data"), &["--auth-token-file", &token_arg])?;
    let c = client();
    let put = c
        .put(augur.url("/api/v1/analysistemplates/t"))
        .bearer_auth("s3cret/token")
        .json(&json!({"kind": "AnalysisTemplate", "metadata": {"name": "t"},
            "spec": {"metrics": [{"name": "m", "provider": {"web": {"url": "http://127.0.0.1:9/"}}}]}}));
    assert_eq!(send(put).await?.0, 201);

    // (path, expected status): the token percent-encoded, as a URL must carry a '/'.
    let cases = [
        ("/canaryConfig?access_token=s3cret%2Ftoken", 200),
        (
            "/canaryConfig?application=x&access_token=s3cret%2Ftoken",
            200,
        ),
        ("/canaryConfig?access_token=s3cret%2Ftoke", 401),
        ("/canaryConfig?access_token=", 401),
        ("/t/s3cret%2Ftoken/canaryConfig", 200),
        ("/t/s3cret%2Ftoken/canaryConfig?application=x", 200),
        ("/t/s3cret%2Ftoken/api/v1/analysistemplates/t", 200),
        ("/t/s3cret%2Ftoken/api/v1/analysisruns/nope", 404),
        ("/t/s3cret%2Ftoken/healthz", 200),
        ("/t/wrong/canaryConfig", 401),
        ("/t/wrong/healthz", 401),
        ("/t/s3cret%2Ftoke/api/v1/analysisruns", 401),
        ("/t/s3cret%2Ftoken/t/s3cret%2Ftoken/canaryConfig", 404),
        ("/canaryConfig", 401),
        ("/healthz", 200),
        ("/readyz", 200),
    ];
    for (path, status) in cases {
        let (got, body, text) = send(c.get(augur.url(path))).await?;
        assert_eq!(got, status, "{path}: {text}");
        if status == 401 {
            assert!(message(&body).contains("bearer token"), "{path}: {text}");
        }
    }
    let (s, body, _) = send(c.get(augur.url("/t/s3cret%2Ftoken/canaryConfig"))).await?;
    assert_eq!((s, body[0]["id"].as_str()), (200, Some("t")));

    // A Flagger webhook with the token in its URL reaches the evaluation (400: bad payload).
    let hook = c
        .post(augur.url("/flagger/v1/t?access_token=s3cret%2Ftoken"))
        .body(r#"{"metadata": 5}"#);
    let (s, body, _) = send(hook).await?;
    assert_eq!(s, 400);
    assert!(message(&body).starts_with("webhook payload: metadata"));
    let hook = c
        .post(augur.url("/flagger/v1/t?access_token=nope"))
        .body(r#"{"metadata": 5}"#);
    assert_eq!(send(hook).await?.0, 401);
    Ok(())
}

#[tokio::test]
async fn grpc_reports_bad_input_with_codes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let mut grpc = pb::analysis_client::AnalysisClient::connect(augur.grpc.clone()).await?;
    let bad = pb::CreateRunRequest {
        source: Some(pb::create_run_request::Source::Manifest(
            "metadata: {name: a}\nspec:\n  metrics:\n  - name: m\n    count: [1]\n".into(),
        )),
    };
    let err = grpc
        .create_run(bad)
        .await
        .err()
        .ok_or("expected an error")?;
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        err.message()
            .starts_with("AnalysisRun: spec.metrics[0].count: "),
        "{}",
        err.message()
    );
    let err = grpc
        .get_run(pb::GetRunRequest {
            name: "nope".into(),
        })
        .await
        .err()
        .ok_or("expected an error")?;
    assert_eq!(err.code(), tonic::Code::NotFound);
    let unknown = pb::CreateRunRequest {
        source: Some(pb::create_run_request::Source::FromTemplate(
            pb::FromTemplate {
                name: "a".into(),
                template_name: "nope".into(),
                args: vec![],
            },
        )),
    };
    let err = grpc
        .create_run(unknown)
        .await
        .err()
        .ok_or("expected an error")?;
    assert_eq!(err.code(), tonic::Code::InvalidArgument);

    let ok = pb::CreateRunRequest {
        source: Some(pb::create_run_request::Source::Manifest(
            run_manifest("g").to_string(),
        )),
    };
    let run = grpc.create_run(ok.clone()).await?.into_inner();
    assert_eq!(run.name, "g");
    let err = grpc.create_run(ok).await.err().ok_or("expected an error")?;
    assert_eq!(err.code(), tonic::Code::AlreadyExists);
    Ok(())
}

#[tokio::test]
async fn secrets_never_come_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let c = client();
    let (s, body, text) = send(
        c.post(augur.url("/api/v1/analysisruns"))
            .json(&run_manifest("m")),
    )
    .await?;
    assert_eq!(s, 201, "{text}");
    assert!(!text.contains("hunter2"));
    let auth = &body["spec"]["metrics"][0]["provider"]["web"]["authentication"]["basicAuth"];
    assert_eq!(auth["password"], "*****");
    let (_, _, text) = send(c.get(augur.url("/api/v1/analysisruns/m"))).await?;
    assert!(!text.contains("hunter2") && text.contains("*****"));
    let (_, _, text) = send(c.get(augur.url("/api/v1/analysisruns"))).await?;
    assert!(!text.contains("hunter2"));
    Ok(())
}

#[tokio::test]
async fn templates_and_runs_survive_a_clean_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let tdir = dir.path().join("templates");
    std::fs::create_dir(&tdir)?;
    std::fs::write(
        tdir.join("rate.yaml"),
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: from-dir\nspec:\n  metrics:\n  - name: m\n    provider:\n      web:\n        url: http://127.0.0.1:9/\n---\nkind: ConfigMap\nmetadata: {name: ignored}\n",
    )?;
    let data = dir.path().join("data");
    let tdir_arg = tdir.to_string_lossy().to_string();
    let augur = Augur::start(&data, &["--templates", &tdir_arg])?;
    let c = client();
    let template = serve_support::web_template("from-api", "http://127.0.0.1:9/", None, None);
    let (s, _, text) = send(
        c.put(augur.url("/api/v1/analysistemplates/from-api"))
            .header("content-type", "application/yaml")
            .body(serde_json::to_string(&template)?),
    )
    .await?;
    assert_eq!(s, 201, "{text}");
    let (s, _, _) = send(
        c.put(augur.url("/api/v1/analysistemplates/from-api"))
            .json(&template),
    )
    .await?;
    assert_eq!(s, 200);
    let (s, body, text) = send(c.post(augur.url("/api/v1/analysisruns")).json(&json!({
        "name": "from-template", "templateRef": {"name": "from-api"},
        "args": [{"name": "service", "value": "checkout"}]
    })))
    .await?;
    assert_eq!(s, 201, "{text}");
    assert_eq!(body["metadata"]["name"], "from-template");
    let (s, _, _) = send(
        c.post(augur.url("/api/v1/analysisruns"))
            .json(&run_manifest("manifest")),
    )
    .await?;
    assert_eq!(s, 201);
    let (_, configs, _) = send(c.get(augur.url("/canaryConfig"))).await?;
    assert_eq!(configs.as_array().map(Vec::len), Some(2));

    assert!(augur.terminate()?, "a clean shutdown exits 0");
    let augur = Augur::start(&data, &[])?;
    for name in ["from-template", "manifest"] {
        let (s, body, _) = send(c.get(augur.url(&format!("/api/v1/analysisruns/{name}")))).await?;
        assert_eq!((s, body["metadata"]["name"].as_str()), (200, Some(name)));
    }
    let (_, list, _) = send(c.get(augur.url("/api/v1/analysistemplates"))).await?;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    let (s, _, _) = send(c.delete(augur.url("/api/v1/analysisruns/manifest"))).await?;
    assert_eq!(s, 204);
    let (s, _, _) = send(c.delete(augur.url("/api/v1/analysistemplates/from-dir"))).await?;
    assert_eq!(s, 204);
    let (_, list, _) = send(c.get(augur.url("/api/v1/analysisruns"))).await?;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[tokio::test]
async fn ops_endpoints_answer() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let c = client();
    let (s, doc, _) = send(c.get(augur.url("/openapi.json"))).await?;
    assert_eq!(s, 200);
    assert!(doc["paths"]["/flagger/v1/{templateName}"]["post"].is_object());
    let resp = c.get(augur.url("/metrics")).send().await?;
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await?;
    assert!(text.contains("# TYPE augur_scheduler_lag_seconds histogram"));
    assert!(text.contains("# TYPE augur_measurements_total counter"));
    Ok(())
}

#[tokio::test]
async fn deploy_templates_load_into_a_real_service() -> TestResult {
    let dir = tempfile::tempdir()?;
    let tdir = dir.path().join("templates");
    std::fs::create_dir(&tdir)?;
    let deploy = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    for f in [
        "argo-analysistemplate-web.yaml",
        "argo-analysistemplate-kayenta.yaml",
        "flagger-canary.yaml",
    ] {
        std::fs::copy(deploy.join(f), tdir.join(f))?;
    }
    let tdir_arg = tdir.to_string_lossy().to_string();
    let augur = Augur::start(&dir.path().join("data"), &["--templates", &tdir_arg])?;
    let (_, list, _) = send(client().get(augur.url("/api/v1/analysistemplates"))).await?;
    let mut names: Vec<&str> = list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t["metadata"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    assert_eq!(
        names,
        [
            "augur-kayenta",
            "augur-web",
            "podinfo-success-rate",
            "success-rate-kayenta"
        ]
    );
    Ok(())
}
