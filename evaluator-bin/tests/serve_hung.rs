//! A backend that never answers, against the service as a library: terminate and delete
//! answer at once and cut the measurement in flight (Argo's terminate semantics), a
//! deleted run's backend slot is freed, `POST /evaluate`'s deadline holds, and the server's
//! maximum measurement timeout caps a metric's `timeoutSeconds: 3600`.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use analysis_core::load::{Input, load_run};
use analysis_core::model::{AnalysisRun, Phase};
use analysis_core::secrets::NoSecrets;
use augur_tests::servers::spawn;
use axum::Router;
use axum::routing::get;
use evaluator_bin::serve::service::{CreateRun, Service};
use evaluator_bin::serve::store::SqliteStore;
use providers::{ProviderOptions, Providers};

/// No test here waits for anything near this: it only stops a hung test.
const GUARD: Duration = Duration::from_secs(30);

/// A backend whose first `hang` requests never get an answer; the rest answer `ok`.
async fn backend(hang: usize) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = Router::new().route(
        "/",
        get(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < hang {
                    std::future::pending::<()>().await;
                }
                "ok"
            }
        }),
    );
    (spawn(router).await.to_string(), hits)
}

fn run(name: &str, host: &str) -> AnalysisRun {
    let text = format!(
        "kind: AnalysisRun\nmetadata: {{name: {name}}}\nspec:\n  metrics:\n  - name: up\n    \
         interval: 1s\n    count: 2\n    successCondition: result == \"ok\"\n    provider:\n      \
         web: {{url: \"http://{host}/\", timeoutSeconds: 3600}}\n"
    );
    load_run(
        Input::Text {
            text: &text,
            source: "run.yaml",
        },
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn service(dir: &std::path::Path, options: ProviderOptions) -> Service {
    let store = Arc::new(SqliteStore::open(dir).unwrap_or_else(|e| panic!("{e}")));
    let providers = Providers::new(options).unwrap_or_else(|e| panic!("{e}"));
    Service::new(store, providers, Arc::new(NoSecrets), None)
}

async fn until(hits: &AtomicUsize, n: usize) {
    tokio::time::timeout(GUARD, async {
        while hits.load(Ordering::SeqCst) < n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the backend never saw {n} requests"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_cuts_the_measurement_in_flight() {
    let (host, hits) = backend(usize::MAX).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let svc = service(dir.path(), ProviderOptions::default());
    svc.create_run(CreateRun::Manifest(Box::new(run("hung", &host))), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    until(&hits, 1).await;
    let snap = tokio::time::timeout(GUARD, svc.terminate_run("hung"))
        .await
        .unwrap_or_else(|_| panic!("terminate waited for the hung measurement"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(snap.completed);
    let run = snap.masked();
    let m = &run["status"]["metricResults"][0]["measurements"][0];
    assert_eq!(m["phase"], "Inconclusive", "{run}");
    assert_eq!(m["message"], "Metric Terminated", "{run}");
    assert!(m["finishedAt"].is_string(), "{run}");
    assert_eq!(
        run["status"]["phase"],
        Phase::Inconclusive.as_str(),
        "{run}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_frees_the_backend_slot_of_a_hung_run() {
    // One measurement at a time per backend: the hung one holds the only slot.
    let (host, hits) = backend(1).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = ProviderOptions {
        max_in_flight_per_backend: Some(1),
        ..ProviderOptions::default()
    };
    let svc = service(dir.path(), options);
    svc.create_run(CreateRun::Manifest(Box::new(run("hung", &host))), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    until(&hits, 1).await;
    tokio::time::timeout(GUARD, svc.delete_run("hung"))
        .await
        .unwrap_or_else(|_| panic!("delete waited"))
        .unwrap_or_else(|e| panic!("{e}"));
    svc.create_run(CreateRun::Manifest(Box::new(run("next", &host))), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let done = svc
        .wait_completed("next", GUARD)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        done.completed,
        "the freed slot was never given to the next run"
    );
    assert_eq!(done.masked()["status"]["phase"], "Successful");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evaluation_deadline_terminates_what_is_still_waiting() {
    let (host, _) = backend(usize::MAX).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let svc = service(dir.path(), ProviderOptions::default());
    let verdict = tokio::time::timeout(
        GUARD,
        svc.evaluate_within(run("eval", &host), Some(Duration::from_millis(500))),
    )
    .await
    .unwrap_or_else(|_| panic!("the evaluation outlived its deadline"))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(verdict.completed);
    assert_eq!(verdict.phase, "Inconclusive");
    let metric = &verdict.metrics[0];
    assert_eq!(metric.phase, "Inconclusive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_caps_a_metrics_timeout() {
    let (host, _) = backend(usize::MAX).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = ProviderOptions {
        max_measurement_timeout: Some(Duration::from_millis(300)),
        ..ProviderOptions::default()
    };
    let svc = service(dir.path(), options);
    let verdict = tokio::time::timeout(GUARD, svc.evaluate(run("capped", &host)))
        .await
        .unwrap_or_else(|_| panic!("timeoutSeconds: 3600 was not capped"))
        .unwrap_or_else(|e| panic!("{e}"));
    let metric = &verdict.metrics[0];
    assert_eq!(verdict.phase, "Error", "{:?}", metric.message);
    assert!(
        metric.message.contains("Client.Timeout exceeded") || metric.message.contains("deadline"),
        "{}",
        metric.message
    );
}
