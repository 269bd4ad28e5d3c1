//! After a restart the runs taken back from the store do not all measure at once: each first
//! pass waits its share of the run's interval, so a backend with a small listen backlog is not
//! hit by every overdue run in the same instant.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use analysis_core::load::{Input, load_run};
use analysis_core::secrets::NoSecrets;
use augur_tests::servers::spawn;
use axum::Router;
use axum::routing::get;
use evaluator_bin::serve::service::{CreateRun, Service};
use evaluator_bin::serve::store::SqliteStore;
use providers::{ProviderOptions, Providers};

const RUNS: usize = 20;

fn service(dir: &std::path::Path) -> Service {
    let store = Arc::new(SqliteStore::open(dir).unwrap_or_else(|e| panic!("{e}")));
    let providers = Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    Service::new(store, providers, Arc::new(NoSecrets), None)
}

async fn hits_reach(hits: &Mutex<Vec<Instant>>, n: usize) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while hits.lock().map_or(0, |h| h.len()) < n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the backend never saw {n} requests"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumed_runs_are_spread_over_their_interval() {
    let hits = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let seen = hits.clone();
    let router = Router::new().route(
        "/",
        get(move || {
            if let Ok(mut h) = seen.lock() {
                h.push(Instant::now());
            }
            async { "ok" }
        }),
    );
    let host = spawn(router).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));

    let first = service(dir.path());
    for i in 0..RUNS {
        let text = format!(
            "kind: AnalysisRun\nmetadata: {{name: r{i}}}\nspec:\n  metrics:\n  - name: up\n    \
             interval: 2s\n    count: 3\n    provider: {{web: {{url: \"http://{host}/\"}}}}\n"
        );
        let run = load_run(
            Input::Text {
                text: &text,
                source: "r.yaml",
            },
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        first
            .create_run(CreateRun::Manifest(Box::new(run)), false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    hits_reach(&hits, RUNS).await;
    first.scheduler.shutdown(Duration::ZERO).await;
    // Down longer than the interval: every run is overdue when the service comes back.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    if let Ok(mut h) = hits.lock() {
        h.clear();
    }

    let second = service(dir.path());
    let (claimed, _) = second
        .core
        .store
        .claim_runs()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claimed.len(), RUNS);
    for c in claimed {
        second.scheduler.resume(c.stored.id, c.lease, c.stored.run);
    }
    hits_reach(&hits, RUNS).await;
    let first_hits: Vec<Instant> = hits.lock().map(|h| h[..RUNS].to_vec()).unwrap_or_default();
    let earliest = first_hits
        .iter()
        .min()
        .copied()
        .unwrap_or_else(Instant::now);
    let latest = first_hits
        .iter()
        .max()
        .copied()
        .unwrap_or_else(Instant::now);
    // Twenty runs spread over a 2 s interval, not all in one instant.
    assert!(
        latest - earliest >= Duration::from_millis(800),
        "resumed runs measured within {:?} of each other",
        latest - earliest
    );
}
