//! The one check of a run's spec before its first pass (semantics §4.1 steps 2–4): args
//! resolved with the secret placeholder, metrics templated, Argo's validation, dry-run and
//! retention rules matched. The engine prepares a run with it, and the service rejects a
//! request with it, so both accept exactly the same runs.

use std::collections::{BTreeMap, BTreeSet};

use super::{ValidationError, dry_run_metrics, history_limit, measurement_retention_limits};
use crate::args::{ArgsError, template_metrics};
use crate::model::{AnalysisRunSpec, Metric};
use crate::secrets::{NoSecrets, SecretError, resolve_args};

/// A spec that passed [`preflight`]: what does not change between passes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prepared {
    /// The metrics templated with every secret arg replaced by
    /// [`SECRET_PLACEHOLDER`](crate::secrets::SECRET_PLACEHOLDER), in spec order. Good for
    /// limits, durations and names; provider fields may hold the placeholder.
    pub metrics: Vec<Metric>,
    /// Names of the metrics a `dryRun` rule matches.
    pub dry_run: BTreeSet<String>,
    /// Measurements to keep, for metrics a `measurementRetention` rule matches.
    pub retention: BTreeMap<String, usize>,
}

impl Prepared {
    /// Whether `metric` is a dry-run metric (it never decides the run).
    pub fn is_dry_run(&self, metric: &str) -> bool {
        self.dry_run.contains(metric)
    }

    /// How many measurements `metric` keeps.
    pub fn history_limit(&self, metric: &str) -> usize {
        history_limit(&self.retention, metric)
    }
}

/// Why a spec fails its preflight. Display is the message Argo fails the run with
/// (`Unable to resolve metric arguments: ...`, `Analysis spec invalid: ...`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PreflightError {
    /// A secret arg is malformed (no secret name or key).
    #[error("Unable to resolve metric arguments: {0}")]
    Secret(SecretError),
    /// Templating failed: an arg without a value, an unknown or unterminated tag, a metric
    /// that no longer parses.
    #[error("Unable to resolve metric arguments: {0}")]
    Args(ArgsError),
    /// The templated metrics, or the dry-run / retention rules, break one of Argo's rules.
    #[error("Analysis spec invalid: {0}")]
    Invalid(ValidationError),
}

/// Checks a run's spec as Argo does on every pass, without reading any secret, and returns
/// what the checks worked out. The first problem in Argo's order is the error.
///
/// ```
/// use analysis_core::model::{AnalysisRunSpec, DryRun, Metric};
/// use analysis_core::validate::{PreflightError, preflight};
///
/// let mut spec = AnalysisRunSpec::default();
/// spec.metrics.push(Metric { name: "m".into(), ..Metric::default() });
/// let err = preflight(&spec).unwrap_err();
/// assert_eq!(err.to_string(), "Analysis spec invalid: metrics[0]: no provider specified");
/// assert!(matches!(err, PreflightError::Invalid(e) if e.metric_index == Some(0)));
///
/// spec.metrics[0].provider.other.insert("job".into(), serde_json::json!({}));
/// spec.dry_run.push(DryRun { metric_name: "m".into() });
/// let prepared = preflight(&spec)?;
/// assert!(prepared.is_dry_run("m"));
/// assert_eq!(prepared.history_limit("m"), 10);
/// # Ok::<(), PreflightError>(())
/// ```
pub fn preflight(spec: &AnalysisRunSpec) -> Result<Prepared, PreflightError> {
    let args = resolve_args(&spec.args, &NoSecrets, true)
        .map_err(PreflightError::Secret)?
        .args;
    let metrics = template_metrics(&spec.metrics, &args).map_err(PreflightError::Args)?;
    super::validate_metrics(&metrics).map_err(PreflightError::Invalid)?;
    let dry_run = dry_run_metrics(&spec.dry_run, &metrics).map_err(PreflightError::Invalid)?;
    let retention = measurement_retention_limits(&spec.measurement_retention, &metrics)
        .map_err(PreflightError::Invalid)?;
    Ok(Prepared {
        metrics,
        dry_run,
        retention,
    })
}
