//! What Augur knows about `prometheus` metrics without querying one.

use analysis_core::Metric;
use analysis_core::expr::Type;
use analysis_core::json::Typing;
use analysis_core::provider::spec::{Endpoint, ProviderSpec, ResultShape};

/// The provider key in the manifest.
pub const KIND: &str = "prometheus";

/// The `prometheus` provider's description.
pub struct PrometheusSpec;

impl ProviderSpec for PrometheusSpec {
    fn kind(&self) -> &'static str {
        KIND
    }

    /// Argo hands conditions a `[]float64` even for one series, and an empty one before any.
    fn result(&self) -> ResultShape {
        ResultShape {
            description: "a Prometheus vector ([]float64)",
            ty: Type::floats(),
            typing: Typing::Prometheus,
            type_error_hint: Some(
                " (a Prometheus query returns a vector even for one series: compare result[0], or use all(result, ...))",
            ),
            empty_without_data: true,
        }
    }

    /// The address when the metric sets one (the default address is the operator's), and an
    /// OAuth2 token URL.
    fn endpoints<'m>(&self, metric: &'m Metric) -> Vec<Endpoint<'m>> {
        let Some(prom) = &metric.provider.prometheus else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(url) = prom.address.as_deref() {
            out.push(Endpoint {
                field: "provider.prometheus.address",
                url,
            });
        }
        let token = prom.authentication.as_ref().and_then(|a| a.oauth2.as_ref());
        if let Some(url) = token.and_then(|o| o.token_url.as_deref()) {
            out.push(Endpoint {
                field: "provider.prometheus.authentication.oauth2.tokenUrl",
                url,
            });
        }
        out
    }

    fn credential_fields(&self) -> &'static [&'static str] {
        &["password", "clientSecret"]
    }

    /// Prometheus answers a query at any past instant (`time=`), so a backtest can ask it.
    fn has_history(&self) -> bool {
        true
    }
}
