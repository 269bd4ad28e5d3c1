//! The store's health, as the service reports it: a write that fails because of the database
//! (a full disk, a lost connection) marks the store unhealthy, which takes `/readyz` down and
//! answers writes with 503 and `Retry-After`; the next write that succeeds, or a probe every
//! [`PROBE_EVERY`] while unhealthy, marks it healthy again. Nothing is lost meanwhile: the
//! scheduler keeps every pass it could not commit and commits it first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use analysis_core::{AnalysisRun, AnalysisTemplate, BoxFuture, Measurement};

use super::{ClaimedRun, Inserted, Loaded, PassRecord, Saved, Store, StoreError, StoredRun};

/// How often an unhealthy store is probed with a small write.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);

/// A store that keeps track of whether its writes succeed.
pub struct Watched {
    inner: Arc<dyn Store>,
    healthy: Arc<AtomicBool>,
}

impl Watched {
    /// Watches `inner`; healthy until a write fails.
    pub fn new(inner: Arc<dyn Store>) -> Watched {
        Watched {
            inner,
            healthy: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Whether the last write succeeded.
    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
    }

    /// Probes the store every [`PROBE_EVERY`] while it is unhealthy; runs for the life of the
    /// service.
    pub async fn probe_while_unhealthy(&self) {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            if !self.healthy() {
                let r = self.inner.probe().await;
                self.note(&r);
            }
        }
    }

    fn note<T>(&self, r: &Result<T, StoreError>) {
        match r {
            Ok(_) => {
                if !self.healthy.swap(true, Ordering::AcqRel) {
                    tracing::info!("the store takes writes again");
                }
            }
            Err(e) if e.is_unavailable() => {
                if self.healthy.swap(false, Ordering::AcqRel) {
                    tracing::error!(error = %e, "the store refuses writes; not ready until it recovers");
                }
            }
            Err(_) => {}
        }
    }

    async fn write<T>(&self, f: BoxFuture<'_, Result<T, StoreError>>) -> Result<T, StoreError> {
        let r = f.await;
        self.note(&r);
        r
    }
}

impl Store for Watched {
    fn insert_run<'a>(
        &'a self,
        run: &'a AnalysisRun,
    ) -> BoxFuture<'a, Result<Inserted, StoreError>> {
        Box::pin(self.write(self.inner.insert_run(run)))
    }

    fn claim_runs(&self) -> BoxFuture<'_, Loaded<ClaimedRun>> {
        Box::pin(self.write(self.inner.claim_runs()))
    }

    fn save_pass<'a>(&'a self, rec: PassRecord<'a>) -> BoxFuture<'a, Result<Saved, StoreError>> {
        Box::pin(self.write(self.inner.save_pass(rec)))
    }

    fn update_spec<'a>(
        &'a self,
        id: i64,
        run: &'a AnalysisRun,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.write(self.inner.update_spec(id, run)))
    }

    fn delete_run(&self, id: i64) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(self.write(self.inner.delete_run(id)))
    }

    fn load_runs(&self) -> BoxFuture<'_, Loaded<StoredRun>> {
        self.inner.load_runs()
    }

    fn measurements(
        &self,
        id: i64,
    ) -> BoxFuture<'_, Result<Vec<(String, Measurement)>, StoreError>> {
        self.inner.measurements(id)
    }

    fn put_template<'a>(
        &'a self,
        name: &'a str,
        template: &'a AnalysisTemplate,
        source: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.write(self.inner.put_template(name, template, source)))
    }

    fn delete_template<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.write(self.inner.delete_template(name)))
    }

    fn get_template<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<AnalysisTemplate>, StoreError>> {
        self.inner.get_template(name)
    }

    fn list_templates(&self) -> BoxFuture<'_, Result<Vec<AnalysisTemplate>, StoreError>> {
        self.inner.list_templates()
    }

    fn probe(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.write(self.inner.probe()))
    }
}
