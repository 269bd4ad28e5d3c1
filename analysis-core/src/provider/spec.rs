//! What Augur knows about a provider without calling it: a [`ProviderSpec`] per provider
//! module, so lint, the service's allow-list and redaction, replay and backtest ask the
//! provider instead of matching on its name. Pure data and checks: no I/O.

use crate::expr::Type;
use crate::json::Typing;
use crate::lint::Severity;
use crate::model::Metric;

/// One provider's description. Each provider module implements it once; the `providers`
/// crate lists every implementation (`providers::specs()`), and consumers iterate that list.
pub trait ProviderSpec: Send + Sync {
    /// The provider key in the manifest (`web`, `prometheus`, ...).
    fn kind(&self) -> &'static str;

    /// The shape of `result` in conditions, and how recordings type it.
    fn result(&self) -> ResultShape;

    /// Every address the metric connects to, so a service can check it before any fetch.
    fn endpoints<'m>(&self, metric: &'m Metric) -> Vec<Endpoint<'m>>;

    /// Manifest field names (anywhere in the provider block) whose values are credentials.
    fn credential_fields(&self) -> &'static [&'static str] {
        &[]
    }

    /// The provider's own traps in an already templated metric, found before a run meets them.
    fn lint(&self, _metric: &Metric) -> Vec<SpecFinding> {
        Vec::new()
    }

    /// Whether the backend keeps history it can be asked about at a past instant (backtest).
    fn has_history(&self) -> bool {
        false
    }
}

/// The result a provider hands to conditions.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultShape {
    /// How lint names it, e.g. `a Prometheus vector ([]float64)`.
    pub description: &'static str,
    /// The static type the condition checker assumes for `result`.
    pub ty: Type,
    /// How a recording's inline `result` is typed on replay.
    pub typing: Typing,
    /// Appended to a type error in a condition, when the provider has advice for it.
    pub type_error_hint: Option<&'static str>,
    /// True when `result` is a vector that is empty while no data exists, so an unguarded
    /// `result[0]` turns a quiet moment into an Error measurement.
    pub empty_without_data: bool,
}

impl ResultShape {
    /// Nothing known until the backend answers: any condition compiles (Go's `interface {}`).
    pub fn unknown() -> ResultShape {
        ResultShape {
            description: "the provider's result",
            ty: Type::Unknown,
            typing: Typing::Json,
            type_error_hint: None,
            empty_without_data: false,
        }
    }
}

/// An address a metric connects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint<'m> {
    /// The field path under the metric, e.g. `provider.web.url`.
    pub field: &'static str,
    /// The URL as written (possibly still a template).
    pub url: &'m str,
}

/// A provider-specific finding, placed at a field under the metric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecFinding {
    /// The field path under the metric, e.g. `provider.skywalking`.
    pub field: &'static str,
    /// Error when Argo would fail the measurement or run; Warning for a likely mistake.
    pub severity: Severity,
    /// The finding as `augur lint` prints it.
    pub message: String,
}

/// The spec describing a metric's provider, when it has exactly one provider that `specs`
/// describe.
pub fn spec_for<'s>(
    specs: &[&'s dyn ProviderSpec],
    metric: &Metric,
) -> Option<&'s dyn ProviderSpec> {
    let kind = metric.provider.kind()?;
    spec_of(specs, kind)
}

/// The spec for a manifest kind.
pub fn spec_of<'s>(specs: &[&'s dyn ProviderSpec], kind: &str) -> Option<&'s dyn ProviderSpec> {
    specs.iter().copied().find(|s| s.kind() == kind)
}
