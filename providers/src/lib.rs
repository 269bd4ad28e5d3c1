//! # providers
//!
//! Augur's metric providers, one module each behind analysis-core's [`Provider`] trait, and the
//! async glue every live driver shares ([`driver`]).
//!
//! STUB registry: owned by the providers helper (web, prometheus, skywalking modules).

pub mod backtest;
pub mod driver;
pub mod recorded;
pub mod replay;

use std::collections::BTreeMap;
use std::sync::Arc;

use analysis_core::{
    BoxFuture, Fetched, MeasureContext, Metric, Provider, ProviderError, ProviderOutput,
    RawResponse,
};

/// Limits and defaults every provider honours.
#[derive(Clone, Debug)]
pub struct ProviderOptions {
    /// Largest response body read from a backend (10 MiB by default).
    pub max_body_bytes: usize,
    /// When set, web/prometheus/skywalking metrics may only connect to these hosts (the service
    /// uses it against SSRF through submitted manifests).
    pub allow_hosts: Option<Vec<String>>,
    /// Prometheus address used when a metric has none (`ARGO_ROLLOUTS_PROMETHEUS_ADDRESS`).
    pub prometheus_default_address: Option<String>,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions {
            max_body_bytes: 10 * 1024 * 1024,
            allow_hosts: None,
            prometheus_default_address: std::env::var("ARGO_ROLLOUTS_PROMETHEUS_ADDRESS").ok(),
        }
    }
}

/// Every provider Augur has, keyed by manifest kind.
#[derive(Clone)]
pub struct Providers {
    by_kind: BTreeMap<&'static str, Arc<dyn Provider>>,
}

impl Providers {
    pub fn new(_options: ProviderOptions) -> Result<Providers, ProviderError> {
        Ok(Providers {
            by_kind: BTreeMap::new(),
        })
    }

    /// The provider for a metric; kinds Augur does not measure get one that answers
    /// `provider <kind> is not supported`.
    pub fn for_metric(&self, metric: &Metric) -> Arc<dyn Provider> {
        let kind = metric.provider.kind().unwrap_or("");
        match self.by_kind.get(kind) {
            Some(p) => p.clone(),
            None => Arc::new(Unsupported(kind.to_string())),
        }
    }
}

/// A provider kind Augur does not measure (datadog, job, kayenta, plugins, ...).
struct Unsupported(String);

impl Provider for Unsupported {
    fn kind(&self) -> &'static str {
        "unsupported"
    }

    fn fetch<'a>(
        &'a self,
        _metric: &'a Metric,
        _ctx: &'a MeasureContext,
    ) -> BoxFuture<'a, Fetched> {
        Box::pin(async move { Fetched::failed(ProviderError::unsupported(&self.0)) })
    }

    fn parse(&self, _metric: &Metric, _raw: &RawResponse) -> Result<ProviderOutput, ProviderError> {
        Err(ProviderError::unsupported(&self.0))
    }
}
