//! `augur run` end to end on the Prometheus demo scenario: a success rate over a real
//! Prometheus scraping a loopback app, through the real binary. Gated on a real Prometheus
//! (`augur_tests::gated`): without one the test shows as ignored.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod run_support;

use std::process::{ExitCode, Output};

use augur_tests::prometheus::{self, Prometheus};
use augur_tests::{block_on, gated, servers};
use run_support::{augur_run, code};
use serde_json::Value;

fn main() -> ExitCode {
    gated::run(gated::requiring(
        &prometheus::PART,
        &[(
            "prometheus_success_rate_healthy_passes_and_erroring_fails",
            prometheus_success_rate_healthy_passes_and_erroring_fails,
        )],
    ))
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

async fn success_rate_run(ok: u64, errors: u64) -> (Output, Value) {
    let bins = prometheus::required_binaries();
    let app = servers::spawn(servers::scraped_app(ok, errors)).await;
    let prom =
        tokio::task::spawn_blocking(move || Prometheus::start_scraping(&bins, &app.to_string()))
            .await
            .expect("start task")
            .unwrap_or_else(|e| panic!("{e}"));
    let address = prom.url().trim_start_matches("http://").to_string();
    let result = augur_run(SUCCESS_RATE, &[format!("prometheus={address}")]).await;
    drop(prom);
    result
}

fn prometheus_success_rate_healthy_passes_and_erroring_fails() {
    block_on(healthy_passes_and_erroring_fails());
}

async fn healthy_passes_and_erroring_fails() {
    let (out, status) = success_rate_run(100, 1).await;
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

    let (out, status) = success_rate_run(100, 30).await;
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
