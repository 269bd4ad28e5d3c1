//! What the scheduler and every front end (HTTP, gRPC) share.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use analysis_core::secrets::SecretSource;
use providers::Providers;

use super::metrics::Metrics;
use super::registry::Registry;
use super::store::Store;

pub struct Core {
    pub store: Arc<dyn Store>,
    pub providers: Providers,
    pub secrets: Arc<dyn SecretSource>,
    /// `--allow-host`: where metrics submitted over the API may connect (`None`: anywhere).
    pub allow_hosts: Option<Vec<String>>,
    /// What is accepted at submission (`--min-interval`).
    pub limits: super::service::Limits,
    pub metrics: Metrics,
    pub registry: Registry,
    /// Cleared on SIGTERM: no new runs or evaluations are accepted.
    pub accepting: AtomicBool,
    /// Set once stored runs are loaded and the scheduler is running (`/readyz`).
    pub ready: AtomicBool,
    pub in_flight: AtomicU64,
}

impl Core {
    pub fn new(
        store: Arc<dyn Store>,
        providers: Providers,
        secrets: Arc<dyn SecretSource>,
        allow_hosts: Option<Vec<String>>,
    ) -> Core {
        Core {
            store,
            providers,
            secrets,
            allow_hosts,
            limits: Default::default(),
            metrics: Metrics::default(),
            registry: Registry::default(),
            accepting: AtomicBool::new(true),
            ready: AtomicBool::new(false),
            in_flight: AtomicU64::new(0),
        }
    }

    pub fn accepting(&self) -> bool {
        self.accepting.load(Ordering::Acquire)
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire) && self.accepting()
    }

    pub fn metrics_text(&self) -> String {
        self.metrics.render(
            &self.registry.count_by_phase(),
            self.in_flight.load(Ordering::Relaxed),
        )
    }
}
