//! A store that refuses writes (a full disk) as the service sees it, through a `Store` that
//! fails on demand: writes answer 503 with `Retry-After`, `/readyz` goes down, and once the
//! store takes writes again everything resumes by itself with nothing lost or taken twice.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use analysis_core::load::{Input, load_run};
use analysis_core::secrets::NoSecrets;
use analysis_core::{AnalysisRun, AnalysisTemplate, BoxFuture, Measurement};
use augur_tests::servers::spawn;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use evaluator_bin::serve::service::{CreateRun, Limits, Service};
use evaluator_bin::serve::store::{
    ClaimedRun, Inserted, Loaded, PassRecord, Saved, SqliteStore, Store, StoreError, StoredRun,
};
use providers::{ProviderOptions, Providers};

/// SQLite, but every write fails while `full` is set, as on a full disk.
struct Flaky {
    inner: SqliteStore,
    full: AtomicBool,
}

impl Flaky {
    fn refuse<'a, T: Send + 'a>(
        &'a self,
        write: BoxFuture<'a, Result<T, StoreError>>,
    ) -> BoxFuture<'a, Result<T, StoreError>> {
        if self.full.load(Ordering::SeqCst) {
            return Box::pin(std::future::ready(Err(StoreError::Backend {
                context: "commit",
                source: "database or disk is full".into(),
            })));
        }
        write
    }
}

impl Store for Flaky {
    fn insert_run<'a>(
        &'a self,
        run: &'a AnalysisRun,
    ) -> BoxFuture<'a, Result<Inserted, StoreError>> {
        self.refuse(Store::insert_run(&self.inner, run))
    }
    fn claim_runs(&self) -> BoxFuture<'_, Loaded<ClaimedRun>> {
        self.refuse(Store::claim_runs(&self.inner))
    }
    fn save_pass<'a>(&'a self, rec: PassRecord<'a>) -> BoxFuture<'a, Result<Saved, StoreError>> {
        self.refuse(Store::save_pass(&self.inner, rec))
    }
    fn update_spec<'a>(
        &'a self,
        id: i64,
        run: &'a AnalysisRun,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.refuse(Store::update_spec(&self.inner, id, run))
    }
    fn delete_run(&self, id: i64) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.refuse(Store::delete_run(&self.inner, id))
    }
    fn load_runs(&self) -> BoxFuture<'_, Loaded<StoredRun>> {
        Store::load_runs(&self.inner)
    }
    fn measurements(
        &self,
        id: i64,
    ) -> BoxFuture<'_, Result<Vec<(String, Measurement)>, StoreError>> {
        Store::measurements(&self.inner, id)
    }
    fn put_template<'a>(
        &'a self,
        name: &'a str,
        template: &'a AnalysisTemplate,
        source: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.refuse(Store::put_template(&self.inner, name, template, source))
    }
    fn delete_template<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.refuse(Store::delete_template(&self.inner, name))
    }
    fn get_template<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<AnalysisTemplate>, StoreError>> {
        Store::get_template(&self.inner, name)
    }
    fn list_templates(&self) -> BoxFuture<'_, Result<Vec<AnalysisTemplate>, StoreError>> {
        Store::list_templates(&self.inner)
    }
    fn probe(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        self.refuse(Store::probe(&self.inner))
    }
}

fn run(name: &str, host: &str) -> AnalysisRun {
    let text = format!(
        "kind: AnalysisRun\nmetadata: {{name: {name}}}\nspec:\n  metrics:\n  - name: up\n    \
         interval: 300ms\n    count: 6\n    provider: {{web: {{url: \"http://{host}/\"}}}}\n"
    );
    load_run(
        Input::Text {
            text: &text,
            source: "r.yaml",
        },
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while !check() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never: {what}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_answers_503_goes_unready_and_recovers_losing_nothing() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let host = spawn(Router::new().route(
        "/",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { "ok" }
        }),
    ))
    .await
    .to_string();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Arc::new(Flaky {
        inner: SqliteStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}")),
        full: AtomicBool::new(false),
    });
    let providers = Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    // Quick measurements keep the test short: below the service's default minimum interval.
    let limits = Limits {
        min_interval: Duration::from_millis(10),
    };
    let svc = Service::with_limits(store.clone(), providers, Arc::new(NoSecrets), None, limits);
    svc.core.ready.store(true, Ordering::Release);
    let (created, _) = svc
        .create_run(CreateRun::Manifest(Box::new(run("steady", &host))), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eventually("a first measurement", || hits.load(Ordering::SeqCst) >= 1).await;

    store.full.store(true, Ordering::SeqCst);
    eventually("readyz down", || !svc.core.is_ready()).await;
    let refused = svc
        .create_run(CreateRun::Manifest(Box::new(run("later", &host))), false)
        .await
        .err()
        .unwrap_or_else(|| panic!("a create went through a full store"));
    let response = refused.into_response();
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    // The run waits on its uncommitted pass instead of measuring on.
    let stalled = hits.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(hits.load(Ordering::SeqCst), stalled);

    store.full.store(false, Ordering::SeqCst);
    eventually("readyz up again", || svc.core.is_ready()).await;
    let done = svc
        .wait_completed("steady", Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(done.completed);
    // Every measurement exactly once: taken, stored, and no backend hit lost or repeated.
    let stored = Store::measurements(&store.inner, created.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.len(), 6);
    assert_eq!(hits.load(Ordering::SeqCst), 6);
}
