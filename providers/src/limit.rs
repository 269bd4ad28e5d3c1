//! A per-kind cap on measurements in flight ([`ProviderOptions::max_in_flight_per_kind`]), so
//! thousands of runs sharing one [`Providers`] cannot stampede one backend. The permit is held
//! for one fetch only, not for a whole pass, so a slow metric of one kind never holds back
//! another kind's measurements.
//!
//! [`ProviderOptions::max_in_flight_per_kind`]: crate::ProviderOptions::max_in_flight_per_kind
//! [`Providers`]: crate::Providers

use std::collections::BTreeMap;
use std::sync::Arc;

use analysis_core::{
    BoxFuture, Fetched, MeasureContext, Metric, Provider, ProviderError, ProviderOutput,
    RawResponse,
};
use tokio::sync::Semaphore;

/// A provider whose fetches wait for one of `limit` permits; parsing is not limited.
pub(crate) struct Limited {
    inner: Arc<dyn Provider>,
    permits: Semaphore,
}

impl Limited {
    pub(crate) fn new(inner: Arc<dyn Provider>, limit: usize) -> Limited {
        Limited {
            inner,
            permits: Semaphore::new(limit.max(1)),
        }
    }

    #[cfg(test)]
    fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

impl Provider for Limited {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn fetch<'a>(&'a self, metric: &'a Metric, ctx: &'a MeasureContext) -> BoxFuture<'a, Fetched> {
        Box::pin(async move {
            // The semaphore is never closed, so this only fails if that changes; then the
            // measurement is an Error rather than an unlimited fetch.
            let Ok(_permit) = self.permits.acquire().await else {
                return Fetched::failed(ProviderError::new(format!(
                    "{} provider: concurrency limiter closed",
                    self.inner.kind()
                )));
            };
            self.inner.fetch(metric, ctx).await
        })
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

    #[tokio::test]
    async fn at_most_the_limit_is_in_flight_and_the_rest_wait() {
        let gate = Arc::new(Gate::default());
        let limited = Arc::new(Limited::new(gate.clone(), 2));
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let p = limited.clone();
            tasks.push(tokio::spawn(async move {
                let ctx = MeasureContext {
                    now: chrono::Utc::now(),
                };
                p.fetch(&Metric::default(), &ctx).await.outcome.is_ok()
            }));
        }
        // Let every task reach the gate or the semaphore; two get in, three wait.
        for _ in 0..1_000 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.inside.load(Ordering::SeqCst), 2);
        assert_eq!(limited.available(), 0);
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
        assert_eq!(limited.available(), 2);
    }
}
