//! Argo's validation of templated metrics (semantics §4.2), dry-run and measurement-retention
//! rule matching (§4.1 step 4), and the small metric getters the engine needs (effective
//! count, limits with Argo's defaults), so every caller reads a metric the same way. Errors
//! are typed ([`ValidationError`]) and print Argo's text; [`preflight`] runs every check of a
//! run's spec in Argo's order, for the engine and the service alike.

mod error;
mod preflight;

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

use crate::duration::parse_duration;
use crate::model::{DryRun, IntOrString, MeasurementRetention, Metric};

pub use error::{RuleList, ValidationError, ValidationErrorKind};
pub use preflight::{PreflightError, Prepared, preflight};

/// `consecutiveErrorLimit` when unset (`utils/defaults`).
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i64 = 4;
/// Measurements kept per metric unless a retention rule with `limit > 0` matches.
pub const DEFAULT_MEASUREMENT_HISTORY_LIMIT: usize = 10;

fn int_or(v: &Option<IntOrString>, default: i64) -> i64 {
    v.as_ref().map_or(default, IntOrString::int_value)
}

/// `count` as Argo reads it: unset or non-numeric string → 0.
pub fn count(m: &Metric) -> i64 {
    int_or(&m.count, 0)
}

/// `failureLimit`, default 0; `-1` disables the failure check.
pub fn failure_limit(m: &Metric) -> i64 {
    int_or(&m.failure_limit, 0)
}

/// `inconclusiveLimit`, default 0.
pub fn inconclusive_limit(m: &Metric) -> i64 {
    int_or(&m.inconclusive_limit, 0)
}

/// `consecutiveErrorLimit`, default 4.
pub fn consecutive_error_limit(m: &Metric) -> i64 {
    int_or(&m.consecutive_error_limit, DEFAULT_CONSECUTIVE_ERROR_LIMIT)
}

/// `consecutiveSuccessLimit`, default 0 (disabled).
pub fn consecutive_success_limit(m: &Metric) -> i64 {
    int_or(&m.consecutive_success_limit, 0)
}

/// True when `interval` is set to a non-empty string (Argo compares with `""`).
pub fn has_interval(m: &Metric) -> bool {
    m.interval.as_deref().is_some_and(|s| !s.is_empty())
}

/// Argo's `EffectiveCount`: `None` means "no count" (the metric never completes by count).
/// Count unset or 0 → 1 without an interval, no count with one; otherwise the count itself
/// (even if negative, which makes the count reached at once).
pub fn effective_count(m: &Metric) -> Option<i64> {
    match count(m) {
        0 if has_interval(m) => None,
        0 => Some(1),
        c => Some(c),
    }
}

/// Provider keys Argo's `MetricProvider` knows besides the ones Augur models as fields; any
/// other key in `provider` is dropped by Go's JSON decoding and so counts for nothing.
const OTHER_ARGO_PROVIDERS: &[&str] = &[
    "kayenta",
    "datadog",
    "wavefront",
    "newRelic",
    "job",
    "cloudWatch",
    "graphite",
    "influxdb",
];

/// How many providers Argo sees on a metric: each known key with a non-null value, plus one
/// per entry of `plugin`.
pub fn provider_count(m: &Metric) -> usize {
    let p = &m.provider;
    let typed = [
        p.prometheus.is_some(),
        p.web.is_some(),
        p.skywalking.is_some(),
    ]
    .into_iter()
    .filter(|b| *b)
    .count();
    let other: usize = p
        .other
        .iter()
        .map(|(k, v)| match (k.as_str(), v) {
            (_, serde_json::Value::Null) => 0,
            ("plugin", serde_json::Value::Object(plugins)) => plugins.len(),
            ("plugin", _) => 0,
            (k, _) if OTHER_ARGO_PROVIDERS.contains(&k) => 1,
            _ => 0,
        })
        .sum();
    typed + other
}

/// Argo's `ValidateMetrics`: the first problem found, prefixed `metrics[<i>]: ` except for an
/// empty list.
pub fn validate_metrics(metrics: &[Metric]) -> Result<(), ValidationError> {
    if metrics.is_empty() {
        return Err(ValidationError::new(ValidationErrorKind::NoMetrics));
    }
    let mut names = BTreeSet::new();
    for (i, m) in metrics.iter().enumerate() {
        if !names.insert(m.name.as_str()) {
            let kind = ValidationErrorKind::DuplicateName {
                name: m.name.clone(),
            };
            return Err(ValidationError::new(kind).in_metric(i));
        }
        validate_metric(m).map_err(|e| e.in_metric(i))?;
    }
    Ok(())
}

/// Argo's `ValidateMetric` for one metric: the error has no `metric_index` (so no
/// `metrics[<i>]: ` prefix). Checks run in Argo's order, so the same metric yields the same
/// first message.
pub fn validate_metric(m: &Metric) -> Result<(), ValidationError> {
    use ValidationErrorKind as K;
    let fail = |kind: ValidationErrorKind| Err(ValidationError::new(kind));
    let count = count(m);
    let failure = failure_limit(m);
    let success = consecutive_success_limit(m);
    let inconclusive = inconclusive_limit(m);
    if success < 0 {
        return fail(K::ConsecutiveSuccessLimitNegative);
    }
    if failure < -1 {
        return fail(K::FailureLimitBelowMinusOne);
    }
    if success == 0 && failure == -1 {
        return fail(K::LimitsBothDisabled);
    }
    if inconclusive < 0 {
        return fail(K::InconclusiveLimitNegative);
    }
    if m.consecutive_error_limit.is_some() && consecutive_error_limit(m) < 0 {
        return fail(K::ConsecutiveErrorLimitNegative);
    }
    if count > 0 {
        if failure >= 0 {
            if count < failure.saturating_add(success) {
                return fail(K::CountBelowFailureAndSuccessLimits {
                    count,
                    failure_limit: failure,
                    consecutive_success_limit: success,
                });
            }
        } else if count < success {
            return fail(K::CountBelowConsecutiveSuccessLimit);
        }
        if count < inconclusive {
            return fail(K::CountBelowInconclusiveLimit);
        }
    }
    if count > 1 && !has_interval(m) {
        return fail(K::IntervalRequired);
    }
    if let Some(interval) = m.interval.as_deref().filter(|s| !s.is_empty())
        && let Err(e) = parse_duration(interval)
    {
        return fail(K::InvalidInterval(e));
    }
    if let Some(delay) = m.initial_delay.as_deref().filter(|s| !s.is_empty())
        && let Err(e) = parse_duration(delay)
    {
        return fail(K::InvalidInitialDelay(e));
    }
    match provider_count(m) {
        0 => fail(K::NoProvider),
        1 => Ok(()),
        _ => fail(K::MultipleProviders),
    }
}

/// Go's `regexp.MatchString` as Argo calls it: unanchored search; a pattern Go cannot compile
/// (a bare `*`) matches nothing, because Argo ignores the compile error. (Rust's `regex` and
/// Go's RE2 agree on the syntax rules lists use; `\d`, `\w` are Unicode-aware here but ASCII in
/// Go, which only differs on non-ASCII metric names.)
pub fn go_match(pattern: &str, name: &str) -> bool {
    Regex::new(pattern).is_ok_and(|re| re.is_match(name))
}

/// The metrics a `dryRun` / `measurementRetention` rule's `metricName` matches, in spec order
/// (Go's unanchored regexp search; a pattern Go cannot compile matches nothing).
pub fn rule_matches<'a>(
    metric_name: &str,
    metrics: &'a [Metric],
) -> impl Iterator<Item = &'a Metric> + use<'a> {
    let re = Regex::new(metric_name).ok();
    metrics
        .iter()
        .filter(move |m| re.as_ref().is_some_and(|re| re.is_match(&m.name)))
}

/// Argo's `GetDryRunMetrics`: names of metrics matched by any `dryRun` rule. A rule matching
/// no metric is an error `dryRun[<i>]: Rule didn't match any metric name(s)`.
pub fn dry_run_metrics(
    rules: &[DryRun],
    metrics: &[Metric],
) -> Result<BTreeSet<String>, ValidationError> {
    let mut out = BTreeSet::new();
    for (i, rule) in rules.iter().enumerate() {
        let mut matched = false;
        for m in rule_matches(&rule.metric_name, metrics) {
            matched = true;
            out.insert(m.name.clone());
        }
        if !matched {
            return Err(ValidationError::unmatched_rule(RuleList::DryRun, i));
        }
    }
    Ok(out)
}

/// Argo's `GetMeasurementRetentionMetrics`, reduced to what it decides: for each matched
/// metric, how many measurements to keep (last matching rule wins; `limit <= 0` → 10).
/// Metrics not in the map keep [`DEFAULT_MEASUREMENT_HISTORY_LIMIT`]; see [`history_limit`].
pub fn measurement_retention_limits(
    rules: &[MeasurementRetention],
    metrics: &[Metric],
) -> Result<BTreeMap<String, usize>, ValidationError> {
    let mut out = BTreeMap::new();
    for (i, rule) in rules.iter().enumerate() {
        let limit = usize::try_from(rule.limit)
            .ok()
            .filter(|l| *l > 0)
            .unwrap_or(DEFAULT_MEASUREMENT_HISTORY_LIMIT);
        let mut matched = false;
        for m in rule_matches(&rule.metric_name, metrics) {
            matched = true;
            out.insert(m.name.clone(), limit);
        }
        if !matched {
            return Err(ValidationError::unmatched_rule(
                RuleList::MeasurementRetention,
                i,
            ));
        }
    }
    Ok(out)
}

/// Measurements to keep for `metric` given [`measurement_retention_limits`]'s map.
pub fn history_limit(limits: &BTreeMap<String, usize>, metric: &str) -> usize {
    limits
        .get(metric)
        .copied()
        .unwrap_or(DEFAULT_MEASUREMENT_HISTORY_LIMIT)
}

#[cfg(test)]
mod tests;
