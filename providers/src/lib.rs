//! # providers
//!
//! Augur's metric providers, one module each behind analysis-core's [`Provider`] trait
//! ([`web`], [`prometheus`], [`skywalking`]), the registry that picks one per metric
//! ([`Providers`]), and the async glue every live driver shares ([`driver`]). Comments citing
//! `semantics §N` refer to the sections of `docs/semantics.md`.

pub mod backtest;
pub mod driver;
mod goerr;
mod http;
mod json_value;
mod jsonpath;
mod limit;
mod oauth2;
pub mod prometheus;
pub mod recorded;
pub mod replay;
pub mod skywalking;
pub mod web;

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
    /// When set, at most this many measurements of one provider kind are in flight at once
    /// across everything sharing the [`Providers`]; the rest wait (the service's backend guard).
    pub max_in_flight_per_kind: Option<usize>,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions {
            max_body_bytes: 10 * 1024 * 1024,
            allow_hosts: None,
            prometheus_default_address: std::env::var("ARGO_ROLLOUTS_PROMETHEUS_ADDRESS").ok(),
            max_in_flight_per_kind: None,
        }
    }
}

/// Whether [`ProviderOptions::allow_hosts`] lets a metric reach `url`, by the rule every fetch
/// applies, so a service can refuse a submitted metric up front instead of at its first fetch.
pub fn host_allowed(allow: &[String], url: &url::Url) -> bool {
    http::host_allowed(Some(allow), url).is_ok()
}

/// Every provider Augur has, keyed by manifest kind.
#[derive(Clone)]
pub struct Providers {
    by_kind: BTreeMap<&'static str, Arc<dyn Provider>>,
}

impl Providers {
    /// Builds the shared HTTP clients (one per TLS mode) and every provider on top of them,
    /// each behind its in-flight limit when the options set one.
    pub fn new(options: ProviderOptions) -> Result<Providers, ProviderError> {
        let http = Arc::new(http::Http::new(&options)?);
        let mut by_kind: BTreeMap<&'static str, Arc<dyn Provider>> = BTreeMap::new();
        by_kind.insert("web", Arc::new(web::WebProvider::new(http.clone())));
        by_kind.insert(
            "prometheus",
            Arc::new(prometheus::PrometheusProvider::new(http.clone(), &options)),
        );
        by_kind.insert(
            "skywalking",
            Arc::new(skywalking::SkyWalkingProvider::new(http)),
        );
        if let Some(limit) = options.max_in_flight_per_kind {
            for p in by_kind.values_mut() {
                *p = Arc::new(limit::Limited::new(p.clone(), limit));
            }
        }
        Ok(Providers { by_kind })
    }

    /// The provider for a metric. Kinds Augur does not measure get one that answers
    /// `provider <kind> is not supported`; a metric with zero or several provider keys gets
    /// one that answers with Argo's validation text.
    pub fn for_metric(&self, metric: &Metric) -> Arc<dyn Provider> {
        let kinds = metric.provider.kinds();
        let kind = match kinds.as_slice() {
            [] => return Arc::new(Refusal(ProviderError::new("no provider specified"))),
            [one] => *one,
            _ => return Arc::new(Refusal(ProviderError::new("multiple providers specified"))),
        };
        match self.by_kind.get(kind) {
            Some(p) => p.clone(),
            None => Arc::new(Refusal(ProviderError::unsupported(kind))),
        }
    }
}

/// A metric Augur cannot measure: an unsupported kind (datadog, job, kayenta, plugins, ...) or
/// a provider block without exactly one key. Every measurement is this Error.
struct Refusal(ProviderError);

impl Provider for Refusal {
    fn kind(&self) -> &'static str {
        "unsupported"
    }

    fn fetch<'a>(
        &'a self,
        _metric: &'a Metric,
        _ctx: &'a MeasureContext,
    ) -> BoxFuture<'a, Fetched> {
        Box::pin(async move { Fetched::failed(self.0.clone()) })
    }

    fn parse(&self, _metric: &Metric, _raw: &RawResponse) -> Result<ProviderOutput, ProviderError> {
        Err(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis_core::model::{MetricProvider, WebMetric};

    fn refusal_of(provider: MetricProvider) -> Option<String> {
        let providers = Providers::new(ProviderOptions::default()).ok()?;
        let metric = Metric {
            name: "m".into(),
            provider,
            ..Default::default()
        };
        providers
            .for_metric(&metric)
            .parse(
                &metric,
                &RawResponse {
                    status: 200,
                    body: "{}".into(),
                },
            )
            .err()
            .map(|e| e.message)
    }

    #[test]
    fn kinds_are_routed_and_others_refused() {
        let mut other = MetricProvider::default();
        other
            .other
            .insert("datadog".into(), serde_json::json!({"query": "x"}));
        assert_eq!(
            refusal_of(other).as_deref(),
            Some("provider datadog is not supported")
        );
        assert_eq!(
            refusal_of(MetricProvider::default()).as_deref(),
            Some("no provider specified")
        );
        let mut two = MetricProvider {
            web: Some(WebMetric::default()),
            ..Default::default()
        };
        two.other.insert("job".into(), serde_json::json!({}));
        assert_eq!(
            refusal_of(two).as_deref(),
            Some("multiple providers specified")
        );
        let web = MetricProvider {
            web: Some(WebMetric::default()),
            ..Default::default()
        };
        assert_eq!(refusal_of(web), None);
    }
}
