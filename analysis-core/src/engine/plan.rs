//! Everything about a run's spec that does not change between passes, worked out once: the
//! metrics templated with the secret placeholder, validated, with durations parsed, limits read
//! with Argo's defaults and dry-run / retention rules matched (semantics §4.1 steps 2–4).
//!
//! Argo redoes all of this on every reconcile; the results can only differ if the spec changes,
//! and the engine owns the spec (only `terminate` can change), so once is enough.

use chrono::TimeDelta;
use regex::Regex;

use crate::args::template_metrics;
use crate::duration::parse_duration;
use crate::model::{AnalysisRunSpec, Argument, Metric};
use crate::validate::validate_metrics;

/// The value Argo puts in place of every secret while templating for validation (§2.3).
pub(crate) const SECRET_PLACEHOLDER: &str = "temp-for-secret";

/// Measurements kept per metric unless a `measurementRetention` rule says otherwise (§4.8).
pub(crate) const DEFAULT_MEASUREMENT_HISTORY_LIMIT: usize = 10;

/// `consecutiveErrorLimit` when unset (`utils/defaults`).
const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i32 = 4;

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

// TODO(after merge): use the limit getters and `effective_count` from `validate.rs` once the
// foundation branch lands; these private copies follow the same Argo defaults.
fn limit(field: Option<&crate::model::IntOrString>, default: i32) -> i32 {
    field.map_or(default, |v| go_int32(v.int_value()))
}

/// Argo's `Metric.EffectiveCount()` (§1.2).
pub(crate) fn effective_count(metric: &Metric) -> Option<i32> {
    let count = metric.count.as_ref().map_or(0, |c| go_int32(c.int_value()));
    if count != 0 {
        return Some(count);
    }
    match metric.interval.as_deref() {
        None | Some("") => Some(1),
        Some(_) => None,
    }
}

impl MetricPlan {
    fn new(metric: &Metric, dry_run: bool, retention: usize) -> MetricPlan {
        MetricPlan {
            name: metric.name.clone(),
            interval: Dur::parse(metric.interval.as_deref()),
            initial_delay: Dur::parse(metric.initial_delay.as_deref()),
            effective_count: effective_count(metric),
            failure_limit: limit(metric.failure_limit.as_ref(), 0),
            inconclusive_limit: limit(metric.inconclusive_limit.as_ref(), 0),
            consecutive_error_limit: limit(
                metric.consecutive_error_limit.as_ref(),
                DEFAULT_CONSECUTIVE_ERROR_LIMIT,
            ),
            consecutive_success_limit: limit(metric.consecutive_success_limit.as_ref(), 0),
            dry_run,
            retention,
        }
    }
}

/// The spec, prepared; or the run message Argo would fail the run with on every pass.
pub(crate) fn prepare(spec: &AnalysisRunSpec) -> Result<Vec<MetricPlan>, String> {
    let args = placeholder_args(&spec.args);
    let templated = template_metrics(&spec.metrics, &args)
        .map_err(|e| format!("Unable to resolve metric arguments: {e}"))?;
    validate_metrics(&templated).map_err(|e| format!("Analysis spec invalid: {e}"))?;
    let names: Vec<&str> = templated.iter().map(|m| m.name.as_str()).collect();

    let mut dry_run = vec![false; names.len()];
    for (i, rule) in spec.dry_run.iter().enumerate() {
        let matched = matching(&rule.metric_name, &names);
        if matched.is_empty() {
            return Err(format!(
                "Analysis spec invalid: dryRun[{i}]: Rule didn't match any metric name(s)"
            ));
        }
        for m in matched {
            if let Some(flag) = dry_run.get_mut(m) {
                *flag = true;
            }
        }
    }
    let mut retention = vec![DEFAULT_MEASUREMENT_HISTORY_LIMIT; names.len()];
    for (i, rule) in spec.measurement_retention.iter().enumerate() {
        let matched = matching(&rule.metric_name, &names);
        if matched.is_empty() {
            return Err(format!(
                "Analysis spec invalid: measurementRetention[{i}]: Rule didn't match any metric name(s)"
            ));
        }
        // The last matching rule wins; a limit of 0 (or less) means the default.
        let limit = usize::try_from(rule.limit)
            .ok()
            .filter(|l| *l > 0)
            .unwrap_or(DEFAULT_MEASUREMENT_HISTORY_LIMIT);
        for m in matched {
            if let Some(slot) = retention.get_mut(m) {
                *slot = limit;
            }
        }
    }

    Ok(templated
        .iter()
        .zip(dry_run.iter().zip(retention.iter()))
        .map(|(m, (&d, &r))| MetricPlan::new(m, d, r))
        .collect())
}

/// Indices of metric names the rule matches: Go `regexp.MatchString`, unanchored; an invalid
/// pattern (a bare `*`) matches nothing (semantics §8.2). Compiled once per run.
fn matching(pattern: &str, names: &[&str]) -> Vec<usize> {
    let Ok(re) = Regex::new(pattern) else {
        return Vec::new();
    };
    names
        .iter()
        .enumerate()
        .filter(|(_, n)| re.is_match(n))
        .map(|(i, _)| i)
        .collect()
}

/// Args with every `secretKeyRef` replaced by the placeholder value (§2.3).
// TODO(after merge): `secrets::resolve_args(args, source, Some(placeholder))`.
fn placeholder_args(args: &[Argument]) -> Vec<Argument> {
    args.iter()
        .map(|a| {
            match a
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                Some(_) => Argument {
                    name: a.name.clone(),
                    value: Some(SECRET_PLACEHOLDER.to_string()),
                    value_from: None,
                },
                None => a.clone(),
            }
        })
        .collect()
}

/// Whether any argument is read from a secret, so passes without secrets skip resolution.
pub(crate) fn has_secret_args(args: &[Argument]) -> bool {
    args.iter().any(|a| {
        a.value_from
            .as_ref()
            .is_some_and(|v| v.secret_key_ref.is_some())
    })
}

/// Fetches every secret argument's value, in argument order; the first failure is Argo's error
/// text (`secrets "<name>" not found`, ...). Argo does this on every pass of a live run.
// TODO(after merge): `secrets::resolve_args(args, source, None)`.
pub(crate) fn fetch_secrets(
    args: &[Argument],
    source: &dyn crate::secrets::SecretSource,
) -> Result<Vec<String>, String> {
    args.iter()
        .filter_map(|a| {
            a.value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
        })
        .map(|r| source.get(&r.name, &r.key))
        .collect()
}

/// The args with secret values (as returned by [`fetch_secrets`]) filled in.
pub(crate) fn with_secret_values(args: &[Argument], values: &[String]) -> Vec<Argument> {
    let mut values = values.iter();
    args.iter()
        .map(|a| {
            match a
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                Some(_) => Argument {
                    name: a.name.clone(),
                    value: values.next().cloned(),
                    value_from: None,
                },
                None => a.clone(),
            }
        })
        .collect()
}
