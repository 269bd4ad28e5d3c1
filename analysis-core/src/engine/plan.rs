//! Everything about a run's spec that does not change between passes, worked out once: the
//! metrics templated with the secret placeholder, validated, with durations parsed, limits read
//! with Argo's defaults and dry-run / retention rules matched (semantics §4.1 steps 2–4).
//!
//! Argo redoes all of this on every reconcile; the results can only differ if the spec changes,
//! and the engine owns the spec (only `terminate` can change), so once is enough.

use chrono::TimeDelta;

use crate::args::template_metrics;
use crate::duration::parse_duration;
use crate::model::{AnalysisRunSpec, Argument, Metric};
use crate::secrets::{NoSecrets, resolve_args};
use crate::validate;

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
    /// `None`: the metric never completes by count (interval set, no count).
    pub effective_count: Option<i32>,
    pub failure_limit: i32,
    pub inconclusive_limit: i32,
    pub consecutive_error_limit: i32,
    pub consecutive_success_limit: i32,
    pub dry_run: bool,
    pub retention: usize,
}

/// Go's `int32(x)` on an `int`: wraps, as Argo's `int32(m.X.IntValue())` does.
fn go_int32(v: i64) -> i32 {
    v as i32
}

impl MetricPlan {
    fn new(metric: &Metric, dry_run: bool, retention: usize) -> MetricPlan {
        MetricPlan {
            name: metric.name.clone(),
            interval: Dur::parse(metric.interval.as_deref()),
            initial_delay: Dur::parse(metric.initial_delay.as_deref()),
            effective_count: validate::effective_count(metric).map(go_int32),
            failure_limit: go_int32(validate::failure_limit(metric)),
            inconclusive_limit: go_int32(validate::inconclusive_limit(metric)),
            consecutive_error_limit: go_int32(validate::consecutive_error_limit(metric)),
            consecutive_success_limit: go_int32(validate::consecutive_success_limit(metric)),
            dry_run,
            retention,
        }
    }
}

/// The spec, prepared; or the run message Argo would fail the run with on every pass.
pub(crate) fn prepare(spec: &AnalysisRunSpec) -> Result<Vec<MetricPlan>, String> {
    let args = resolve_args(&spec.args, &NoSecrets, true)
        .map_err(|e| format!("Unable to resolve metric arguments: {e}"))?
        .args;
    let templated = template_metrics(&spec.metrics, &args)
        .map_err(|e| format!("Unable to resolve metric arguments: {e}"))?;
    let invalid = |e: validate::ValidationError| format!("Analysis spec invalid: {e}");
    validate::validate_metrics(&templated).map_err(invalid)?;
    let dry_run = validate::dry_run_metrics(&spec.dry_run, &templated).map_err(invalid)?;
    let retention = validate::measurement_retention_limits(&spec.measurement_retention, &templated)
        .map_err(invalid)?;
    Ok(templated
        .iter()
        .map(|m| {
            MetricPlan::new(
                m,
                dry_run.contains(&m.name),
                validate::history_limit(&retention, &m.name),
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
