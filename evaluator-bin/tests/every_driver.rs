//! One run through every configuration of the one driver — live (`augur run`'s wall clock
//! and live providers), replay (a recording on a virtual clock), backtest (live providers on
//! a virtual clock) and the service (its scheduler and store) — against the same loopback
//! Prometheus answers: each reaches the same status, measurement for measurement.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use analysis_core::drive::{self, End};
use analysis_core::engine::RunEngine;
use analysis_core::load::{Input, load_run};
use analysis_core::model::{AnalysisRun, AnalysisRunStatus};
use analysis_core::secrets::NoSecrets;
use augur_tests::servers::spawn;
use axum::Router;
use axum::routing::any;
use chrono::{DateTime, TimeDelta, Utc};
use evaluator_bin::serve::service::{CreateRun, Service};
use evaluator_bin::serve::store::SqliteStore;
use providers::backtest::{BacktestOptions, backtest};
use providers::driver::{LiveSource, WallClock};
use providers::recorded::Recording;
use providers::replay::{ReplayOptions, replay};
use providers::{ProviderOptions, Providers};
use serde_json::{Value, json};

/// The success rate the canary reports, one value per query: two healthy, then two bad ones
/// (failureLimit 1 tolerates the first).
const RATES: [f64; 4] = [0.99, 0.97, 0.91, 0.90];

const TEMPLATE: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate}
spec:
  args: [{name: prometheus}]
  metrics:
  - name: success-rate
    interval: 1s
    count: 4
    failureLimit: 1
    successCondition: len(result) > 0 && result[0] >= 0.95
    provider:
      prometheus:
        address: "http://{{args.prometheus}}"
        query: sum(rate(ok[1m])) / sum(rate(all[1m]))
"#;

/// A loopback Prometheus answering the next rate of [`RATES`] to every query.
async fn prometheus() -> (String, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let router = Router::new().route(
        "/api/v1/query",
        any(move || {
            let i = counter.fetch_add(1, Ordering::SeqCst);
            let rate = RATES.get(i).copied().unwrap_or(0.5);
            async move {
                json!({"status": "success", "data": {"resultType": "vector",
                    "result": [{"metric": {}, "value": [1_700_000_000, rate.to_string()]}]}})
                .to_string()
            }
        }),
    );
    (spawn(router).await.to_string(), asked)
}

fn run(host: &str) -> AnalysisRun {
    let arg = analysis_core::Argument {
        name: "prometheus".into(),
        value: Some(host.into()),
        value_from: None,
    };
    let input = Input::Text {
        text: TEMPLATE,
        source: "template.yaml",
    };
    load_run(input, &[arg]).unwrap_or_else(|e| panic!("{e}"))
}

/// The status without its clock readings, which differ between a wall and a virtual clock.
fn timeless(status: &AnalysisRunStatus) -> Value {
    let mut v = serde_json::to_value(status).unwrap_or_default();
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["startedAt", "finishedAt", "completedAt", "resumeAt"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

fn providers() -> Providers {
    Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_driver_configuration_reaches_the_same_status() {
    let providers = providers();

    // Live: the wall clock and the live providers, as `augur run` drives them.
    let (host, asked) = prometheus().await;
    let mut engine = RunEngine::new(run(&host));
    let mut source = LiveSource::new(&providers);
    let end = drive::drive(
        &mut engine,
        &NoSecrets,
        &WallClock,
        &mut source,
        &mut (),
        None,
    )
    .await;
    assert_eq!(end, End::Completed);
    let live = engine.run().status.clone().unwrap_or_default();
    assert_eq!(asked.load(Ordering::SeqCst), 4);
    let expected = timeless(&live);
    assert_eq!(expected["phase"], "Failed", "{expected}");
    assert_eq!(
        expected["message"],
        "Metric \"success-rate\" assessed Failed due to failed (2) > failureLimit (1)"
    );

    // Replay: the same answers as a recording, on a virtual clock.
    let recording: String = RATES
        .iter()
        .map(|r| format!("{{\"metric\":\"success-rate\",\"result\":[{r}]}}\n"))
        .collect();
    let recording =
        Recording::from_bytes("r.jsonl", recording.into_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let replayed = replay(
        run(&host),
        &recording,
        &providers,
        &NoSecrets,
        &ReplayOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(timeless(&replayed.status), expected);

    // Backtest: live providers on a virtual clock, from a past instant.
    let (host, asked) = prometheus().await;
    let from: DateTime<Utc> = "2024-05-01T12:00:00Z".parse().unwrap_or_default();
    let options = BacktestOptions {
        from,
        to: from + TimeDelta::hours(1),
        timeline_limit: None,
    };
    let report = backtest(run(&host), &providers, &NoSecrets, &options)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(asked.load(Ordering::SeqCst), 4);
    assert_eq!(timeless(&report.status), expected);
    assert_eq!(
        report.status.completed_at,
        Some(from + TimeDelta::seconds(3))
    );

    // The service: its scheduler drives the run and its store keeps it.
    let (host, asked) = prometheus().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}")));
    let svc = Service::new(store, providers, Arc::new(NoSecrets), None);
    let mut manifest = run(&host);
    manifest.metadata.name = Some("canary".into());
    let (created, _) = svc
        .create_run(CreateRun::Manifest(Box::new(manifest)), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let done = svc
        .wait_completed("canary", std::time::Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(done.completed, "{:?}", created.name);
    assert_eq!(asked.load(Ordering::SeqCst), 4);
    let status = svc
        .core
        .registry
        .get("canary")
        .map(|s| s.masked())
        .unwrap_or_default();
    let status: AnalysisRunStatus =
        serde_json::from_value(status["status"].clone()).unwrap_or_default();
    assert_eq!(timeless(&status), expected);
}
