//! What the scheduler and every front end (HTTP, gRPC) share.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use analysis_core::secrets::SecretSource;
use providers::Providers;

use super::metrics::Metrics;
use super::registry::Registry;
use super::store::{Store, Watched};

/// The service's shared state: the store, providers and secrets, and what the scheduler
/// publishes for readers (registry, metrics, readiness).
pub struct Core {
    /// Where runs, measurements and templates are committed.
    pub store: Arc<dyn Store>,
    /// The same store, with its health (`/readyz`, 503 on writes while it refuses them).
    pub watched: Arc<Watched>,
    /// Measures every run's metrics.
    pub providers: Providers,
    /// Resolves `secretKeyRef`s.
    pub secrets: Arc<dyn SecretSource>,
    /// `--allow-host`: where metrics submitted over the API may connect (`None`: anywhere).
    pub allow_hosts: Option<Vec<String>>,
    /// What is accepted at submission (`--min-interval`).
    pub limits: super::service::Limits,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// The committed state of every run, for reads and watches without touching the store.
    pub registry: Registry,
    /// Cleared on SIGTERM: no new runs or evaluations are accepted.
    pub accepting: AtomicBool,
    /// Set once stored runs are loaded and the scheduler is running (`/readyz`).
    pub ready: AtomicBool,
    /// Passes running now (the `augur_passes_in_flight` gauge).
    pub in_flight: AtomicU64,
}

impl Core {
    /// Accepting work, not yet ready: whoever starts the service sets `ready` (`/readyz`).
    pub fn new(
        store: Arc<dyn Store>,
        providers: Providers,
        secrets: Arc<dyn SecretSource>,
        allow_hosts: Option<Vec<String>>,
    ) -> Core {
        let watched = Arc::new(Watched::new(store));
        Core {
            store: watched.clone(),
            watched,
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

    /// Whether new runs and evaluations are taken (false after SIGTERM).
    pub fn accepting(&self) -> bool {
        self.accepting.load(Ordering::Acquire)
    }

    /// `/readyz`: loaded and not shutting down.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire) && self.accepting() && self.watched.healthy()
    }

    /// The Prometheus text exposition for `/metrics`.
    pub fn metrics_text(&self) -> String {
        self.metrics.render(
            &self.registry.count_by_phase(),
            self.in_flight.load(Ordering::Relaxed),
        )
    }
}
