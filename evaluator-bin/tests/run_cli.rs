//! `augur run` end to end: the colorapi and SkyWalking demo scenarios against real loopback
//! servers, with short intervals, through the real binary (the Prometheus one, which needs a
//! real Prometheus, is in `run_prometheus.rs`). Healthy releases are Successful; colorapi 3.0
//! and a degraded apdex are Failed, with Argo's messages.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod run_support;

use augur_tests::servers;
use run_support::{augur_run, code};
use serde_json::Value;

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
