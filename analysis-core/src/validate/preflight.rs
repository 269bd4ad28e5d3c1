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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Argument, DryRun, MeasurementRetention, WebMetric};
    use crate::validate::{RuleList, ValidationErrorKind};

    fn web(name: &str, url: &str) -> Metric {
        let mut m = Metric {
            name: name.into(),
            ..Metric::default()
        };
        m.provider.web = Some(WebMetric {
            url: url.into(),
            ..WebMetric::default()
        });
        m
    }

    fn spec(metrics: Vec<Metric>, args: Vec<Argument>) -> AnalysisRunSpec {
        AnalysisRunSpec {
            metrics,
            args,
            ..AnalysisRunSpec::default()
        }
    }

    #[test]
    fn secrets_take_the_placeholder_and_rules_are_matched() {
        let mut s = spec(
            vec![web("a", "http://x/{{args.token}}"), web("b", "http://y/")],
            vec![Argument::from_secret("token", "creds", "token")],
        );
        s.dry_run.push(DryRun {
            metric_name: "b".into(),
        });
        s.measurement_retention.push(MeasurementRetention {
            metric_name: ".*".into(),
            limit: 3,
        });
        let p = preflight(&s).expect("valid");
        let url = p.metrics[0].provider.web.as_ref().map(|w| w.url.as_str());
        assert_eq!(url, Some("http://x/temp-for-secret"));
        assert!(!p.is_dry_run("a") && p.is_dry_run("b"));
        assert_eq!((p.history_limit("a"), p.history_limit("b")), (3, 3));
    }

    #[test]
    fn errors_come_in_argos_order_with_the_run_message_as_display() {
        // An incomplete secret ref comes first, even with a template error later.
        let s = spec(
            vec![web("a", "{{args.nope}}")],
            vec![Argument::from_secret("token", "creds", "")],
        );
        let e = preflight(&s).unwrap_err();
        assert!(matches!(&e, PreflightError::Secret(_)), "{e:?}");
        assert_eq!(
            e.to_string(),
            "Unable to resolve metric arguments: args[0].valueFrom.secretKeyRef.key: a key is required"
        );

        let s = spec(vec![web("a", "{{args.nope}}")], vec![]);
        let e = preflight(&s).unwrap_err();
        assert_eq!(
            e,
            PreflightError::Args(ArgsError::UnresolvedTag {
                tag: "args.nope".into()
            })
        );
        assert_eq!(
            e.to_string(),
            "Unable to resolve metric arguments: failed to resolve {{args.nope}}"
        );

        let mut s = spec(vec![web("a", "u"), web("a", "u")], vec![]);
        s.dry_run.push(DryRun {
            metric_name: "nope".into(),
        });
        let e = preflight(&s).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Analysis spec invalid: metrics[1]: duplicate name 'a'"
        );

        s.metrics.pop();
        let e = preflight(&s).unwrap_err();
        let PreflightError::Invalid(v) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            v.kind,
            ValidationErrorKind::UnmatchedRule {
                list: RuleList::DryRun,
                index: 0
            }
        );
        assert_eq!(
            e.to_string(),
            "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)"
        );
    }
}
