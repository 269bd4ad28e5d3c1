//! A per-backend cap on measurements in flight ([`ProviderOptions::max_in_flight_per_backend`]),
//! so thousands of runs sharing one [`Providers`] cannot stampede one backend, and one backend
//! that hangs holds back only the measurements waiting for it: runs of the same provider kind
//! against other backends go on. A backend is the `scheme://host:port` of the metric's first
//! endpoint (its provider's spec says which), or the provider kind when it names none. The
//! permit is held for one fetch only, not for a whole pass.
//!
//! [`ProviderOptions::max_in_flight_per_backend`]: crate::ProviderOptions::max_in_flight_per_backend
//! [`Providers`]: crate::Providers

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use analysis_core::{
    BoxFuture, Fetched, MeasureContext, Measured, Measurement, Metric, Provider, ProviderError,
    ProviderOutput, RawResponse,
};
use tokio::sync::Semaphore;

/// A provider whose fetches wait for one of `limit` permits of their backend; parsing is not
/// limited.
pub(crate) struct Limited {
    inner: Arc<dyn Provider>,
    limit: usize,
    /// One semaphore per backend with fetches waiting or in flight; idle ones are dropped.
    backends: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// The backend a metric's fetch goes to.
fn backend(kind: &str, metric: &Metric) -> String {
    let endpoint = crate::spec_for(metric)
        .and_then(|spec| spec.endpoints(metric).into_iter().next())
        .and_then(|e| url::Url::parse(e.url.trim()).ok());
    match endpoint {
        Some(url) => format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        ),
        None => kind.to_string(),
    }
}

impl Limited {
    pub(crate) fn new(inner: Arc<dyn Provider>, limit: usize) -> Limited {
        Limited {
            inner,
            limit: limit.max(1),
            backends: Mutex::new(HashMap::new()),
        }
    }

    fn semaphore(&self, backend: &str) -> Arc<Semaphore> {
        let mut map = self.backends.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(backend.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.limit)))
            .clone()
    }

    /// Forgets `backend`'s semaphore when nobody holds or waits for it.
    fn release(&self, backend: &str, semaphore: Arc<Semaphore>) {
        let mut map = self.backends.lock().unwrap_or_else(PoisonError::into_inner);
        // The map's reference and ours: nobody else is waiting on it.
        if Arc::strong_count(&semaphore) == 2 && semaphore.available_permits() == self.limit {
            map.remove(backend);
        }
    }

    /// Runs `work` holding one of its backend's permits.
    async fn limited<T>(
        &self,
        metric: &Metric,
        work: impl std::future::Future<Output = T>,
        closed: impl FnOnce() -> T,
    ) -> T {
        let backend = backend(self.inner.kind(), metric);
        let semaphore = self.semaphore(&backend);
        let out = match semaphore.acquire().await {
            Ok(_permit) => work.await,
            // The semaphore is never closed, so this only happens if that changes; then the
            // measurement is an Error rather than an unlimited fetch.
            Err(_) => closed(),
        };
        self.release(&backend, semaphore);
        out
    }

    fn closed(&self) -> ProviderError {
        ProviderError::new(format!(
            "{} provider: concurrency limiter closed",
            self.inner.kind()
        ))
    }

    #[cfg(test)]
    fn available(&self, backend: &str) -> Option<usize> {
        let map = self.backends.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(backend).map(|s| s.available_permits())
    }
}

impl Provider for Limited {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn fetch<'a>(&'a self, metric: &'a Metric, ctx: &'a MeasureContext) -> BoxFuture<'a, Fetched> {
        Box::pin(async move {
            let closed = || Fetched::failed(self.closed());
            self.limited(metric, self.inner.fetch(metric, ctx), closed)
                .await
        })
    }

    fn run<'a>(&'a self, metric: &'a Metric, ctx: &'a MeasureContext) -> BoxFuture<'a, Measured> {
        Box::pin(async move {
            let closed = || Measured::Fetched(Fetched::failed(self.closed()));
            self.limited(metric, self.inner.run(metric, ctx), closed)
                .await
        })
    }

    fn resume<'a>(
        &'a self,
        metric: &'a Metric,
        in_flight: &'a Measurement,
        ctx: &'a MeasureContext,
    ) -> BoxFuture<'a, Measured> {
        Box::pin(async move {
            let closed = || Measured::Fetched(Fetched::failed(self.closed()));
            self.limited(metric, self.inner.resume(metric, in_flight, ctx), closed)
                .await
        })
    }

    fn terminate<'a>(
        &'a self,
        metric: &'a Metric,
        in_flight: &'a Measurement,
        ctx: &'a MeasureContext,
    ) -> BoxFuture<'a, Measured> {
        // Stopping a measurement must never wait behind the backend it is stuck on.
        self.inner.terminate(metric, in_flight, ctx)
    }

    fn parse(&self, metric: &Metric, raw: &RawResponse) -> Result<ProviderOutput, ProviderError> {
        self.inner.parse(metric, raw)
    }

    fn metric_metadata(&self, metric: &Metric) -> BTreeMap<String, String> {
        self.inner.metric_metadata(metric)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use analysis_core::Value;
    use tokio::sync::Notify;

    /// A provider whose fetches block until released, counting how many are inside at once.
    #[derive(Default)]
    struct Gate {
        inside: AtomicUsize,
        peak: AtomicUsize,
        release: Notify,
    }

    impl Provider for Gate {
        fn kind(&self) -> &'static str {
            "gate"
        }

        fn fetch<'a>(&'a self, _: &'a Metric, _: &'a MeasureContext) -> BoxFuture<'a, Fetched> {
            Box::pin(async move {
                let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
                self.peak.fetch_max(now, Ordering::SeqCst);
                self.release.notified().await;
                self.inside.fetch_sub(1, Ordering::SeqCst);
                Fetched {
                    outcome: Ok(ProviderOutput::new(Value::Nil)),
                    raw: None,
                }
            })
        }

        fn parse(&self, _: &Metric, _: &RawResponse) -> Result<ProviderOutput, ProviderError> {
            Ok(ProviderOutput::new(Value::Nil))
        }
    }

    fn web(url: &str) -> Metric {
        serde_json::from_value(serde_json::json!({
            "name": "m", "provider": {"web": {"url": url}}
        }))
        .unwrap_or_default()
    }

    fn spawn_fetches(
        limited: &Arc<Limited>,
        metric: &Metric,
        n: usize,
    ) -> Vec<tokio::task::JoinHandle<bool>> {
        (0..n)
            .map(|_| {
                let (p, metric) = (limited.clone(), metric.clone());
                tokio::spawn(async move {
                    let ctx = MeasureContext {
                        now: chrono::Utc::now(),
                    };
                    p.fetch(&metric, &ctx).await.outcome.is_ok()
                })
            })
            .collect()
    }

    #[tokio::test]
    async fn at_most_the_limit_is_in_flight_and_the_rest_wait() {
        let gate = Arc::new(Gate::default());
        let limited = Arc::new(Limited::new(gate.clone(), 2));
        let backend = "http://metrics.internal:80";
        let tasks = spawn_fetches(&limited, &web("http://metrics.internal/q"), 5);
        // Let every task reach the gate or the semaphore; two get in, three wait.
        for _ in 0..1_000 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.inside.load(Ordering::SeqCst), 2);
        assert_eq!(limited.available(backend), Some(0));
        // Release one at a time until all five have been through.
        for _ in 0..10_000 {
            if tasks.iter().all(|t| t.is_finished()) {
                break;
            }
            gate.release.notify_one();
            tokio::task::yield_now().await;
        }
        for t in tasks {
            assert_eq!(t.await.ok(), Some(true));
        }
        assert_eq!(gate.peak.load(Ordering::SeqCst), 2);
        // Idle backends are forgotten.
        assert_eq!(limited.available(backend), None);
    }

    #[tokio::test]
    async fn a_hanging_backend_holds_back_only_its_own_measurements() {
        let gate = Arc::new(Gate::default());
        let limited = Arc::new(Limited::new(gate.clone(), 1));
        // Backend A hangs with one fetch inside and three waiting.
        let hanging = spawn_fetches(&limited, &web("http://a.internal:8080/q"), 4);
        for _ in 0..1_000 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.inside.load(Ordering::SeqCst), 1);
        assert_eq!(limited.available("http://a.internal:8080"), Some(0));
        // Backend B, same provider kind, still gets its permit at once.
        let other = spawn_fetches(&limited, &web("https://b.internal/q"), 1);
        for _ in 0..1_000 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.inside.load(Ordering::SeqCst), 2);
        assert_eq!(limited.available("https://b.internal:443"), Some(0));
        for _ in 0..10_000 {
            if hanging.iter().chain(&other).all(|t| t.is_finished()) {
                break;
            }
            gate.release.notify_one();
            tokio::task::yield_now().await;
        }
        for t in hanging.into_iter().chain(other) {
            assert_eq!(t.await.ok(), Some(true));
        }
    }
}
