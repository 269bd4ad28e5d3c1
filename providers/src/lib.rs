//! # providers
//!
//! Augur's metric providers, one module each behind analysis-core's [`Provider`] trait
//! ([`web`], [`prometheus`], [`skywalking`]), the registry that picks one per metric
//! ([`Providers`]), each provider's description ([`specs`]), and the glue every live
//! driver shares ([`driver`]). Comments citing `semantics §N` refer to the sections of
//! `docs/semantics.md`.
//!
//! The default `live` feature brings the HTTP stack (tokio, reqwest, rustls). Without it,
//! parsing, recordings, replay and the specs still build: providers answer recorded
//! responses and refuse to fetch.

// Every public item says what it promises; the library crates are the API users hold.
#![deny(missing_docs)]

pub mod backtest;
pub mod driver;
mod goerr;
#[cfg(feature = "live")]
mod http;
mod json_value;
mod jsonpath;
#[cfg(feature = "live")]
mod limit;
mod oauth2;
pub mod prometheus;
pub mod recorded;
pub mod replay;
pub mod skywalking;
pub mod web;

use std::collections::BTreeMap;
use std::sync::Arc;

use analysis_core::provider::spec::ProviderSpec;
use analysis_core::{
    BoxFuture, Fetched, MeasureContext, Metric, Provider, ProviderError, ProviderOutput,
    RawResponse,
};

/// Every provider Augur measures, described once by its own module. Adding a provider adds
/// its module and one entry here and in [`Providers::new`].
static SPECS: [&dyn ProviderSpec; 3] = [
    &web::WebSpec,
    &prometheus::PrometheusSpec,
    &skywalking::SkyWalkingSpec,
];

/// Every provider's description, for lint, the service's allow-list and redaction, replay
/// and backtest.
pub fn specs() -> &'static [&'static dyn ProviderSpec] {
    &SPECS
}

/// The description of a manifest kind, when Augur measures it.
pub fn spec(kind: &str) -> Option<&'static dyn ProviderSpec> {
    analysis_core::provider::spec::spec_of(&SPECS, kind)
}

/// The description of a metric's provider, when it has exactly one that Augur measures.
pub fn spec_for(metric: &Metric) -> Option<&'static dyn ProviderSpec> {
    analysis_core::provider::spec::spec_for(&SPECS, metric)
}

/// Limits and defaults every provider honours.
#[derive(Clone, Debug)]
pub struct ProviderOptions {
    /// Largest response body read from a backend (10 MiB by default).
    pub max_body_bytes: usize,
    /// When set, web/prometheus/skywalking metrics may only connect to these hosts (the service
    /// uses it against SSRF through submitted manifests).
    pub allow_hosts: Option<Vec<String>>,
    /// Prometheus address used when a metric has none (Argo reads it from
    /// `ARGO_ROLLOUTS_PROMETHEUS_ADDRESS`; see [`ProviderOptions::from_env`]).
    pub prometheus_default_address: Option<String>,
    /// When set, at most this many measurements of one backend (`scheme://host:port`) are in
    /// flight at once across everything sharing the [`Providers`]; the rest wait (the
    /// service's backend guard). A hanging backend holds back only its own measurements.
    pub max_in_flight_per_backend: Option<usize>,
    /// When set, no measurement waits for its backend longer than this, whatever its
    /// `timeoutSeconds` (the service's guard against `timeoutSeconds: 3600` on a hung
    /// backend); it ends as the same deadline error a metric's own timeout gives.
    pub max_measurement_timeout: Option<std::time::Duration>,
}

/// The environment variable Argo's controller reads the default Prometheus address from.
pub const PROMETHEUS_ADDRESS_ENV: &str = "ARGO_ROLLOUTS_PROMETHEUS_ADDRESS";

/// The defaults, read from nowhere: no default Prometheus address.
impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions {
            max_body_bytes: 10 * 1024 * 1024,
            allow_hosts: None,
            prometheus_default_address: None,
            max_in_flight_per_backend: None,
            max_measurement_timeout: None,
        }
    }
}

impl ProviderOptions {
    /// The defaults plus what Argo's controller takes from its environment (the default
    /// Prometheus address, [`PROMETHEUS_ADDRESS_ENV`]), as the CLI and the service run.
    pub fn from_env() -> ProviderOptions {
        ProviderOptions::default().with_env_defaults()
    }

    /// Fills what is unset from the environment, as [`ProviderOptions::from_env`] does.
    pub fn with_env_defaults(mut self) -> ProviderOptions {
        if self.prometheus_default_address.is_none() {
            self.prometheus_default_address = std::env::var(PROMETHEUS_ADDRESS_ENV).ok();
        }
        self
    }
}

/// Whether [`ProviderOptions::allow_hosts`] lets a metric reach `url`, by the rule every fetch
/// applies, so a service can refuse a submitted metric up front instead of at its first fetch.
#[cfg(feature = "live")]
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
    #[cfg(feature = "live")]
    pub fn new(options: ProviderOptions) -> Result<Providers, ProviderError> {
        let http = Arc::new(http::Http::new(&options)?);
        let all: [Arc<dyn Provider>; 3] = [
            Arc::new(web::WebProvider::new(http.clone())),
            Arc::new(prometheus::PrometheusProvider::new(http.clone(), &options)),
            Arc::new(skywalking::SkyWalkingProvider::new(http)),
        ];
        let mut by_kind: BTreeMap<&'static str, Arc<dyn Provider>> =
            all.into_iter().map(|p| (p.kind(), p)).collect();
        if let Some(limit) = options.max_in_flight_per_backend {
            for p in by_kind.values_mut() {
                *p = Arc::new(limit::Limited::new(p.clone(), limit));
            }
        }
        Ok(Providers { by_kind })
    }

    /// Every provider, able to parse recorded answers only: built without the `live`
    /// feature, a fetch is an Error measurement.
    #[cfg(not(feature = "live"))]
    pub fn new(options: ProviderOptions) -> Result<Providers, ProviderError> {
        let all: [Arc<dyn Provider>; 3] = [
            Arc::new(web::WebProvider::new()),
            Arc::new(prometheus::PrometheusProvider::new(&options)),
            Arc::new(skywalking::SkyWalkingProvider::new()),
        ];
        let by_kind = all.into_iter().map(|p| (p.kind(), p)).collect();
        Ok(Providers { by_kind })
    }

    /// Adds (or replaces) the provider for its [`Provider::kind`]: a library user's own
    /// provider, e.g. for a `plugin` or `job` metric, measured by every driver like the rest.
    pub fn insert(&mut self, provider: Arc<dyn Provider>) {
        self.by_kind.insert(provider.kind(), provider);
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

/// A fetch in a build without the `live` feature.
#[cfg(not(feature = "live"))]
fn cannot_fetch<'a>(kind: &str) -> BoxFuture<'a, Fetched> {
    let error = ProviderError::new(format!(
        "provider {kind} cannot fetch: built without the \"live\" feature (replay only)"
    ));
    Box::pin(async move { Fetched::failed(error) })
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
    fn default_options_read_nothing_from_the_environment() {
        // Whatever the environment holds, `default()` is the same; `from_env` reads it.
        assert_eq!(ProviderOptions::default().prometheus_default_address, None);
        let explicit = ProviderOptions {
            prometheus_default_address: Some("http://prom:9090".into()),
            ..ProviderOptions::default()
        }
        .with_env_defaults();
        assert_eq!(
            explicit.prometheus_default_address.as_deref(),
            Some("http://prom:9090")
        );
        assert_eq!(
            ProviderOptions::from_env().prometheus_default_address,
            std::env::var(PROMETHEUS_ADDRESS_ENV).ok()
        );
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
