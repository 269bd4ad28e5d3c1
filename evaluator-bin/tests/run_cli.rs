//! `augur run` end to end: the three demo scenarios against real loopback servers and a real
//! Prometheus, with short intervals, through the real binary. Healthy releases are
//! Successful; colorapi 3.0 and a degraded apdex are Failed, with Argo's messages.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Output;
use std::time::Duration;

use augur_tests::prometheus::{Prometheus, binaries_or_skip};
use augur_tests::servers;
use serde_json::Value;

/// Runs `augur run` on `template` with `args`; a generous guard, never a timing assertion.
async fn augur_run(template: &str, args: &[String]) -> (Output, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, template).expect("write template");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_augur"));
    cmd.arg("run").arg(&path).args(["--output", "json"]);
    for a in args {
        cmd.args(["--arg", a]);
    }
    cmd.kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("augur run finished")
        .expect("augur run started");
    let status: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is the run's JSON status ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, status)
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

const COLORAPI: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: colorapi
spec:
  args:
  - name: host
  metrics:
  - name: color-status
    interval: 1s
    count: 3
    failureLimit: 1
    successCondition: result == "ok"
    provider:
      web:
        url: "http://{{args.host}}/"
        jsonPath: "{$.status}"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colorapi_healthy_release_passes_and_3_0_is_rolled_back() {
    for (release, want_code, want_phase) in [
        ("1.0", 0, "Successful"),
        ("2.0", 0, "Successful"),
        ("3.0", 1, "Failed"),
    ] {
        let addr = servers::spawn(servers::colorapi(release)).await;
        let (out, status) = augur_run(COLORAPI, &[format!("host={addr}")]).await;
        assert_eq!(status["phase"], want_phase, "release {release}: {status}");
        assert_eq!(code(&out), want_code, "release {release}");
        let metric = &status["metricResults"][0];
        if release == "3.0" {
            // failureLimit 1 tolerates one `nok`; the second fails the run.
            assert_eq!(metric["failed"], 2, "{status}");
            assert_eq!(
                status["message"],
                "Metric \"color-status\" assessed Failed due to failed (2) > failureLimit (1)"
            );
            assert_eq!(metric["measurements"][1]["value"], "\"nok\"");
        } else {
            assert_eq!(metric["successful"], 3, "{status}");
            assert_eq!(metric["measurements"][0]["value"], "\"ok\"");
        }
    }
}

const APDEX: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: skywalking-apdex
spec:
  args:
  - name: service-name
  - name: oap
  metrics:
  - name: apdex
    interval: 1s
    count: 5
    failureLimit: 3
    successCondition: "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
    provider:
      skywalking:
        address: "http://{{args.oap}}"
        interval: 5m
        query: 'query queryData($duration: Duration!) { service_apdex: readMetricsValues(condition: { name: "service_apdex", entity: { scope: Service, serviceName: "{{args.service-name}}", normal: true } }, duration: $duration) { label values { values { id value } } } }'
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skywalking_apdex_healthy_passes_and_degraded_fails_after_four_bad_points() {
    let service = "service-name=canary|reviews|bookinfo|cluster-1|-".to_string();
    let healthy = servers::spawn(servers::skywalking(vec![9950; 60])).await;
    let (out, status) = augur_run(APDEX, &[service.clone(), format!("oap={healthy}")]).await;
    assert_eq!(
        (code(&out), &status["phase"]),
        (0, &Value::from("Successful")),
        "{status}"
    );
    assert_eq!(status["metricResults"][0]["successful"], 5);

    let mut degraded = vec![9950; 60];
    degraded[59] = 9800;
    let bad = servers::spawn(servers::skywalking(degraded)).await;
    let (out, status) = augur_run(APDEX, &[service, format!("oap={bad}")]).await;
    assert_eq!(
        (code(&out), &status["phase"]),
        (1, &Value::from("Failed")),
        "{status}"
    );
    let metric = &status["metricResults"][0];
    // failureLimit 3 tolerates three failures; the fourth fails the run.
    assert_eq!(
        (metric["failed"].clone(), metric["count"].clone()),
        (Value::from(4), Value::from(4))
    );
    assert_eq!(
        status["message"],
        "Metric \"apdex\" assessed Failed due to failed (4) > failureLimit (3)"
    );
}

const SUCCESS_RATE: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: prometheus
  metrics:
  - name: success-rate
    initialDelay: 4s
    interval: 1s
    count: 3
    successCondition: result[0] >= 0.95
    provider:
      prometheus:
        address: "http://{{args.prometheus}}"
        query: |
          sum(rate(http_requests_total{code!~"5.."}[10s])) /
          sum(rate(http_requests_total[10s]))
"#;

async fn success_rate_run(test: &str, ok: u64, errors: u64) -> Option<(Output, Value)> {
    let bins = binaries_or_skip(test)?;
    let app = servers::spawn(servers::scraped_app(ok, errors)).await;
    let prom =
        tokio::task::spawn_blocking(move || Prometheus::start_scraping(&bins, &app.to_string()))
            .await
            .expect("start task")
            .unwrap_or_else(|e| panic!("{test}: {e}"));
    let address = prom.url().trim_start_matches("http://").to_string();
    let result = augur_run(SUCCESS_RATE, &[format!("prometheus={address}")]).await;
    drop(prom);
    Some(result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_success_rate_healthy_passes_and_erroring_fails() {
    let test = "prometheus_success_rate_healthy_passes_and_erroring_fails";
    let Some((out, status)) = success_rate_run(test, 100, 1).await else {
        return;
    };
    assert_eq!(
        (code(&out), &status["phase"]),
        (0, &Value::from("Successful")),
        "{status}"
    );
    let metric = &status["metricResults"][0];
    assert_eq!(metric["successful"], 3, "{status}");
    assert!(
        metric["metadata"]["ResolvedPrometheusQuery"]
            .as_str()
            .is_some_and(|q| q.contains("http_requests_total"))
    );

    let Some((out, status)) = success_rate_run(test, 100, 30).await else {
        return;
    };
    assert_eq!(
        (code(&out), &status["phase"]),
        (1, &Value::from("Failed")),
        "{status}"
    );
    assert_eq!(
        status["message"],
        "Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_provider_errors_out_with_argo_limits() {
    // Nothing listens on port 9 of loopback: every measurement is an Error, retried every 10 s
    // by Argo; with consecutiveErrorLimit 0 the first Error decides.
    let template = COLORAPI.replace(
        "failureLimit: 1",
        "failureLimit: 1\n    consecutiveErrorLimit: 0",
    );
    let (out, status) = augur_run(&template, &["host=127.0.0.1:9".to_string()]).await;
    assert_eq!(
        (code(&out), &status["phase"]),
        (2, &Value::from("Error")),
        "{status}"
    );
    let message = status["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Metric \"color-status\" assessed Error due to consecutiveErrors (1) > consecutiveErrorLimit (0): \"Error Message: "),
        "{message}"
    );
}

#[test]
fn bad_template_is_a_usage_error_pointing_at_the_spot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "kind: AnalysisTemplate\nspec:\n  metrics:\n  - name: a\n    count: [1\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_augur"))
        .arg("run")
        .arg(&path)
        .output()
        .expect("augur run");
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:5:", path.display())),
        "{stderr}"
    );
}
