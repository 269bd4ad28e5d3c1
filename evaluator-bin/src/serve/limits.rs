//! Per-provider concurrency limits, so thousands of runs cannot stampede one backend.
//!
//! A pass holds one permit for each provider kind its run uses (taken in sorted order, so two
//! passes can never wait on each other). TODO(merge): with a `Providers` hook to wrap each
//! provider, permits could be taken per measurement instead of per pass.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use analysis_core::AnalysisRun;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct ProviderLimits {
    per_kind: usize,
    semaphores: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl ProviderLimits {
    pub fn new(per_kind: usize) -> ProviderLimits {
        ProviderLimits {
            per_kind: per_kind.max(1),
            semaphores: Mutex::new(HashMap::new()),
        }
    }

    fn semaphore(&self, kind: &str) -> Arc<Semaphore> {
        let mut map = self
            .semaphores
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.entry(kind.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_kind)))
            .clone()
    }

    /// The provider kinds a run's metrics use, sorted.
    pub fn kinds(run: &AnalysisRun) -> BTreeSet<String> {
        run.spec
            .metrics
            .iter()
            .map(|m| m.provider.kind().unwrap_or("").to_string())
            .collect()
    }

    /// Waits for a permit of every kind; they are released when dropped.
    pub async fn acquire(&self, kinds: &BTreeSet<String>) -> Vec<OwnedSemaphorePermit> {
        let mut permits = Vec::with_capacity(kinds.len());
        for kind in kinds {
            // The semaphores are never closed, so acquiring only fails if that changes.
            if let Ok(p) = self.semaphore(kind).acquire_owned().await {
                permits.push(p);
            }
        }
        permits
    }

    /// Permits of `kind` free now (for tests and diagnostics).
    #[cfg(test)]
    pub fn available(&self, kind: &str) -> usize {
        self.semaphore(kind).available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_kind_admits_at_most_its_limit() {
        let limits = Arc::new(ProviderLimits::new(2));
        let kinds = BTreeSet::from(["web".to_string()]);
        let a = limits.acquire(&kinds).await;
        let b = limits.acquire(&kinds).await;
        assert_eq!(limits.available("web"), 0);
        assert_eq!(limits.available("prometheus"), 2);
        let l2 = limits.clone();
        let k2 = kinds.clone();
        let waiter = tokio::spawn(async move { l2.acquire(&k2).await.len() });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(a);
        assert_eq!(waiter.await.ok(), Some(1));
        drop(b);
        assert_eq!(limits.available("web"), 2);
    }
}
