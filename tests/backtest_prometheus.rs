//! Backtest against a real Prometheus holding promtool-backfilled history with an incident
//! (20% errors from 2024-01-01T00:40Z to 00:50Z, fixtures/prometheus/backtest-incident.om):
//! the template must catch it at the right minute, and pass a quiet window. Gated on a real
//! Prometheus (`augur_tests::gated`): without one these tests show as ignored.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use analysis_core::model::{Argument, Phase, time};
use analysis_core::secrets::NoSecrets;
use augur_tests::prometheus::{self, Prometheus};
use augur_tests::{block_on, gated, scenarios, workspace_root};
use providers::backtest::{self, BacktestOptions};
use providers::{ProviderOptions, Providers};
use std::process::ExitCode;

fn main() -> ExitCode {
    gated::run(gated::requiring(
        &prometheus::PART,
        &[
            (
                "harness_serves_the_backfilled_history",
                harness_serves_the_backfilled_history,
            ),
            (
                "backtest_catches_the_incident_at_the_right_minute",
                backtest_catches_the_incident_at_the_right_minute,
            ),
            (
                "a_quiet_window_reaches_its_end_still_running",
                a_quiet_window_reaches_its_end_still_running,
            ),
        ],
    ))
}

fn start() -> Prometheus {
    prometheus::start_backfilled(&workspace_root().join("fixtures/prometheus/backtest-incident.om"))
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    time::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn harness_serves_the_backfilled_history() {
    let prom = start();
    let q = "sum(rate(http_requests_total{service=\"checkout\",code!~\"5..\"}[1m])) / sum(rate(http_requests_total{service=\"checkout\"}[1m]))";
    let quiet = prom
        .query(q, "2024-01-01T00:40:00Z")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(quiet.contains("\"0.996"), "{quiet}");
    let incident = prom
        .query(q, "2024-01-01T00:41:00Z")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(incident.contains("\"0.8\""), "{incident}");
}

async fn run_backtest(prom: &Prometheus, from: &str, to: &str) -> backtest::BacktestReport {
    let template = workspace_root().join("fixtures/prometheus/backtest-template.yaml");
    let args = [Argument {
        name: "prometheus-address".into(),
        value: Some(prom.url()),
        value_from: None,
    }];
    let run = scenarios::load_run(&template, &args).unwrap_or_else(|e| panic!("{e}"));
    let providers = Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let options = BacktestOptions {
        from: at(from),
        to: at(to),
        timeline_limit: None,
    };
    backtest::backtest(run, &providers, &NoSecrets, &options)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn backtest_catches_the_incident_at_the_right_minute() {
    let prom = start();
    let report = block_on(run_backtest(
        &prom,
        "2024-01-01T00:00:00Z",
        "2024-01-01T02:00:00Z",
    ));
    assert_eq!(
        report.status.phase,
        Some(Phase::Failed),
        "{}",
        report.status.message
    );
    let failed: Vec<_> = report
        .timeline
        .iter()
        .filter(|t| t.phase != Phase::Successful)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    // 00:40 still sees a quiet minute; 00:41 is the first measurement whose [1m] window holds
    // the incident.
    assert_eq!(
        failed.first().map(|t| time::format(&t.at)).as_deref(),
        Some("2024-01-01T00:41:00Z")
    );
    assert_eq!(report.timeline.len(), 42, "00:00 to 00:41, one a minute");
    assert_eq!(
        report.status.message,
        "Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    assert!(!report.reached_end);
}

fn a_quiet_window_reaches_its_end_still_running() {
    let prom = start();
    let report = block_on(run_backtest(
        &prom,
        "2024-01-01T01:00:00Z",
        "2024-01-01T01:30:00Z",
    ));
    assert!(report.reached_end);
    assert_eq!(report.status.phase, Some(Phase::Running));
    assert_eq!(report.timeline.len(), 31);
    assert!(report.timeline.iter().all(|t| t.phase == Phase::Successful));
}
