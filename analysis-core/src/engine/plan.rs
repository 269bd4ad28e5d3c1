//! Everything about a run's spec that does not change between passes, worked out once by the
//! shared [`preflight`] (metrics templated with the secret placeholder, validated, dry-run /
//! retention rules matched; semantics §4.1 steps 2–4), with durations parsed and limits read
//! with Argo's defaults.
//!
//! Argo redoes all of this on every reconcile; the results can only differ if the spec changes,
//! and the engine owns the spec (only `terminate` can change), so once is enough.

use chrono::TimeDelta;

use crate::assess::{MetricLimits, MetricRule};
use crate::duration::parse_duration;
use crate::model::{AnalysisRunSpec, Argument, Metric};
use crate::validate::preflight;

/// A duration field as the scheduler sees it. `Invalid` only survives when validation did not
/// catch it; Argo then skips the metric for scheduling, and so do we.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dur {
    Unset,
    Valid(TimeDelta),
    Invalid,
}

impl Dur {
    fn parse(field: Option<&str>) -> Dur {
        match field {
            None | Some("") => Dur::Unset,
            Some(s) => parse_duration(s).map_or(Dur::Invalid, Dur::Valid),
        }
    }
}

/// One metric's scheduling and assessment parameters, from the placeholder-templated metric.
#[derive(Clone, Debug)]
pub(crate) struct MetricPlan {
    pub name: String,
    pub interval: Dur,
    pub initial_delay: Dur,
    /// Limits with Argo's defaults, as the assessment reads them.
    pub limits: MetricLimits,
    pub dry_run: bool,
    pub retention: usize,
}

impl MetricPlan {
    fn new(metric: &Metric, dry_run: bool, retention: usize) -> MetricPlan {
        MetricPlan {
            name: metric.name.clone(),
            interval: Dur::parse(metric.interval.as_deref()),
            initial_delay: Dur::parse(metric.initial_delay.as_deref()),
            limits: MetricLimits::of(metric),
            dry_run,
            retention,
        }
    }

    /// What the run assessment needs of this metric.
    pub fn rule(&self) -> MetricRule<'_> {
        MetricRule {
            name: &self.name,
            limits: self.limits,
            dry_run: self.dry_run,
        }
    }
}

/// The spec, prepared; or the run message Argo would fail the run with on every pass
/// (`Unable to resolve metric arguments: ...`, `Analysis spec invalid: ...`).
pub(crate) fn prepare(spec: &AnalysisRunSpec) -> Result<Vec<MetricPlan>, String> {
    let prepared = preflight(spec).map_err(|e| e.to_string())?;
    Ok(prepared
        .metrics
        .iter()
        .map(|m| {
            MetricPlan::new(
                m,
                prepared.is_dry_run(&m.name),
                prepared.history_limit(&m.name),
            )
        })
        .collect())
}

/// Whether any argument is read from a secret, so passes without secrets skip resolution.
pub(crate) fn has_secret_args(args: &[Argument]) -> bool {
    args.iter().any(|a| {
        a.value_from
            .as_ref()
            .is_some_and(|v| v.secret_key_ref.is_some())
    })
}
