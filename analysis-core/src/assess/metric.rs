//! One metric's phase from its counters and measurements (semantics §4.3,
//! `assessMetricStatus` / `assessMetricFailureInconclusiveOrError`).

use std::fmt;

use crate::model::{Metric, MetricResult, Phase};
use crate::validate;

/// A metric's limits as the assessment reads them, with Argo's defaults applied and Go's
/// `int32` conversion (so a huge limit wraps as it does in Argo).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricLimits {
    /// Measurements that complete the metric; `None` when it never completes by count
    /// (an `interval` and no `count`).
    pub effective_count: Option<i32>,
    /// `failureLimit` (default 0); negative disables the failure check.
    pub failure_limit: i32,
    /// `inconclusiveLimit` (default 0).
    pub inconclusive_limit: i32,
    /// `consecutiveErrorLimit` (default 4).
    pub consecutive_error_limit: i32,
    /// `consecutiveSuccessLimit` (default 0: no streak needed).
    pub consecutive_success_limit: i32,
}

/// Go's `int32(x)` on an `int`: wraps, as Argo's `int32(m.X.IntValue())` does.
fn go_int32(v: i64) -> i32 {
    v as i32
}

impl MetricLimits {
    /// The limits of a (templated) metric. A metric still holding `{{args.x}}` in a limit reads
    /// it as 0, as Argo reads a non-numeric string.
    pub fn of(metric: &Metric) -> MetricLimits {
        MetricLimits {
            effective_count: validate::effective_count(metric).map(go_int32),
            failure_limit: go_int32(validate::failure_limit(metric)),
            inconclusive_limit: go_int32(validate::inconclusive_limit(metric)),
            consecutive_error_limit: go_int32(validate::consecutive_error_limit(metric)),
            consecutive_success_limit: go_int32(validate::consecutive_success_limit(metric)),
        }
    }
}

impl Default for MetricLimits {
    /// The limits of a metric that sets none: one measurement decides it.
    fn default() -> MetricLimits {
        MetricLimits::of(&Metric::default())
    }
}

/// A limit a metric exceeded. Display is Argo's text (`failed (2) > failureLimit (1)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrippedLimit {
    /// More failed measurements than `failureLimit`: the metric is Failed.
    FailureLimit {
        /// Failed measurements so far.
        failed: i32,
        /// The limit.
        limit: i32,
    },
    /// More inconclusive measurements than `inconclusiveLimit`: the metric is Inconclusive.
    InconclusiveLimit {
        /// Inconclusive measurements so far.
        inconclusive: i32,
        /// The limit.
        limit: i32,
    },
    /// More errors in a row than `consecutiveErrorLimit`: the metric is Error.
    ConsecutiveErrorLimit {
        /// Errors in a row.
        consecutive_errors: i32,
        /// The limit.
        limit: i32,
    },
}

impl TrippedLimit {
    /// The phase the limit gives the metric.
    pub fn phase(self) -> Phase {
        match self {
            TrippedLimit::FailureLimit { .. } => Phase::Failed,
            TrippedLimit::InconclusiveLimit { .. } => Phase::Inconclusive,
            TrippedLimit::ConsecutiveErrorLimit { .. } => Phase::Error,
        }
    }
}

impl fmt::Display for TrippedLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrippedLimit::FailureLimit { failed, limit } => {
                write!(f, "failed ({failed}) > failureLimit ({limit})")
            }
            TrippedLimit::InconclusiveLimit {
                inconclusive,
                limit,
            } => write!(
                f,
                "inconclusive ({inconclusive}) > inconclusiveLimit ({limit})"
            ),
            TrippedLimit::ConsecutiveErrorLimit {
                consecutive_errors,
                limit,
            } => write!(
                f,
                "consecutiveErrors ({consecutive_errors}) > consecutiveErrorLimit ({limit})"
            ),
        }
    }
}

/// The limit `result` exceeds, if any. Argo checks failure, then inconclusive, then errors,
/// each overwriting the last, so Error beats Inconclusive beats Failed. Comparisons are
/// strict: `failureLimit: 3` tolerates three failures.
pub fn tripped_limit(result: &MetricResult, limits: &MetricLimits) -> Option<TrippedLimit> {
    if result.consecutive_error > limits.consecutive_error_limit {
        Some(TrippedLimit::ConsecutiveErrorLimit {
            consecutive_errors: result.consecutive_error,
            limit: limits.consecutive_error_limit,
        })
    } else if result.inconclusive > limits.inconclusive_limit {
        Some(TrippedLimit::InconclusiveLimit {
            inconclusive: result.inconclusive,
            limit: limits.inconclusive_limit,
        })
    } else if limits.failure_limit >= 0 && result.failed > limits.failure_limit {
        Some(TrippedLimit::FailureLimit {
            failed: result.failed,
            limit: limits.failure_limit,
        })
    } else {
        None
    }
}

/// Whether the metric has taken all the measurements its effective count asks for (Errors do
/// not count).
pub fn count_reached(result: &MetricResult, limits: &MetricLimits) -> bool {
    limits.effective_count.is_some_and(|c| result.count >= c)
}

/// The metric's phase now. `terminating` is the run's flag from before this assessment
/// ([`is_terminating`](super::is_terminating)): a stopping run completes its healthy metrics
/// as Successful. A metric already completed keeps its phase.
pub fn metric_phase(result: &MetricResult, limits: &MetricLimits, terminating: bool) -> Phase {
    if result.phase.is_completed() {
        return result.phase;
    }
    let Some(last) = result.measurements.last() else {
        return if terminating {
            Phase::Successful
        } else {
            Phase::Pending
        };
    };
    if !last.phase.is_completed() {
        return Phase::Running;
    }
    if let Some(tripped) = tripped_limit(result, limits) {
        return tripped.phase();
    }
    let success_applicable = limits.consecutive_success_limit > 0;
    if success_applicable && result.consecutive_success >= limits.consecutive_success_limit {
        return Phase::Successful;
    }
    if count_reached(result, limits) {
        // An unset failureLimit reads as 0, so "applicable" is simply ">= 0".
        let failure_applicable = limits.failure_limit >= 0;
        return match (failure_applicable, success_applicable) {
            // The streak never came and failures stayed within the limit.
            (true, true) => Phase::Inconclusive,
            (false, true) => Phase::Failed,
            _ => Phase::Successful,
        };
    }
    if terminating {
        Phase::Successful
    } else {
        Phase::Running
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Measurement;

    fn limits() -> MetricLimits {
        MetricLimits {
            effective_count: None,
            ..MetricLimits::default()
        }
    }

    fn result(seq: &[Phase]) -> MetricResult {
        let mut r = MetricResult::new("m");
        r.phase = Phase::Running;
        let at = chrono::DateTime::UNIX_EPOCH;
        for p in seq {
            r.record(Measurement::new(*p, at, at));
        }
        r
    }

    use Phase::*;

    #[test]
    fn defaults_are_argos() {
        let d = MetricLimits::default();
        assert_eq!(d.effective_count, Some(1));
        assert_eq!((d.failure_limit, d.inconclusive_limit), (0, 0));
        assert_eq!(d.consecutive_error_limit, 4);
        assert_eq!(d.consecutive_success_limit, 0);
    }

    #[test]
    fn completed_metric_keeps_its_phase() {
        let mut r = result(&[Failed, Failed]);
        r.phase = Successful;
        assert_eq!(metric_phase(&r, &limits(), false), Successful);
    }

    #[test]
    fn no_measurements_is_pending_or_successful_when_terminating() {
        let r = result(&[]);
        assert_eq!(metric_phase(&r, &limits(), false), Pending);
        assert_eq!(metric_phase(&r, &limits(), true), Successful);
    }

    #[test]
    fn in_flight_measurement_is_running_even_when_terminating() {
        let r = result(&[Running]);
        assert_eq!(metric_phase(&r, &limits(), true), Running);
    }

    #[test]
    fn limits_are_strictly_greater() {
        let l = MetricLimits {
            failure_limit: 3,
            ..limits()
        };
        assert_eq!(
            metric_phase(&result(&[Failed, Failed, Failed]), &l, false),
            Running
        );
        let r = result(&[Failed, Failed, Failed, Failed]);
        assert_eq!(metric_phase(&r, &l, false), Failed);
        assert_eq!(
            tripped_limit(&r, &l).map(|t| t.to_string()).as_deref(),
            Some("failed (4) > failureLimit (3)")
        );
    }

    #[test]
    fn defaults_make_first_failure_or_inconclusive_decisive_and_fifth_error() {
        assert_eq!(metric_phase(&result(&[Failed]), &limits(), false), Failed);
        assert_eq!(
            metric_phase(&result(&[Inconclusive]), &limits(), false),
            Inconclusive
        );
        let four = result(&[Error; 4]);
        assert_eq!(metric_phase(&four, &limits(), false), Running);
        let five = result(&[Error; 5]);
        assert_eq!(metric_phase(&five, &limits(), false), Error);
        assert_eq!(
            tripped_limit(&five, &limits())
                .map(|t| t.to_string())
                .as_deref(),
            Some("consecutiveErrors (5) > consecutiveErrorLimit (4)")
        );
    }

    #[test]
    fn later_checks_overwrite_earlier_ones() {
        let l = MetricLimits {
            failure_limit: 0,
            inconclusive_limit: 0,
            ..limits()
        };
        let r = result(&[Failed, Inconclusive]);
        assert_eq!(
            tripped_limit(&r, &l),
            Some(TrippedLimit::InconclusiveLimit {
                inconclusive: 1,
                limit: 0
            })
        );
        assert_eq!(
            tripped_limit(&r, &l).map(|t| t.to_string()).as_deref(),
            Some("inconclusive (1) > inconclusiveLimit (0)")
        );
        assert_eq!(metric_phase(&r, &l, false), Inconclusive);
        let l = MetricLimits {
            consecutive_error_limit: 0,
            ..limits()
        };
        let r = result(&[Failed, Inconclusive, Error]);
        assert_eq!(tripped_limit(&r, &l).map(TrippedLimit::phase), Some(Error));
        assert_eq!(metric_phase(&r, &l, false), Error);
    }

    #[test]
    fn negative_failure_limit_disables_the_failure_check() {
        let l = MetricLimits {
            failure_limit: -1,
            consecutive_success_limit: 2,
            ..limits()
        };
        assert_eq!(tripped_limit(&result(&[Failed, Failed, Failed]), &l), None);
    }

    #[test]
    fn consecutive_success_limit_completes_before_count() {
        let l = MetricLimits {
            consecutive_success_limit: 2,
            effective_count: Some(10),
            failure_limit: 5,
            ..limits()
        };
        assert_eq!(
            metric_phase(&result(&[Successful, Failed, Successful]), &l, false),
            Running
        );
        let r = result(&[Successful, Failed, Successful, Successful]);
        assert_eq!(metric_phase(&r, &l, false), Successful);
    }

    #[test]
    fn count_reached_outcomes() {
        let base = MetricLimits {
            effective_count: Some(3),
            failure_limit: 2,
            ..limits()
        };
        let seq = [Successful, Failed, Successful];
        assert_eq!(metric_phase(&result(&seq), &base, false), Successful);
        // Streak wanted, never reached, failures within limit: Inconclusive.
        let both = MetricLimits {
            consecutive_success_limit: 3,
            ..base
        };
        assert_eq!(metric_phase(&result(&seq), &both, false), Inconclusive);
        // Only the streak applies: Failed.
        let only_success = MetricLimits {
            failure_limit: -1,
            ..both
        };
        assert_eq!(metric_phase(&result(&seq), &only_success, false), Failed);
        // Unmet streak does not matter on termination before count.
        assert_eq!(
            metric_phase(&result(&[Successful, Failed]), &only_success, true),
            Successful
        );
    }

    #[test]
    fn errors_do_not_reach_the_count() {
        let l = MetricLimits {
            effective_count: Some(2),
            ..limits()
        };
        assert_eq!(
            metric_phase(&result(&[Successful, Error]), &l, false),
            Running
        );
        assert_eq!(
            metric_phase(&result(&[Successful, Error, Successful]), &l, false),
            Successful
        );
    }

    #[test]
    fn no_count_runs_until_terminated() {
        let r = result(&[Successful; 50]);
        assert_eq!(metric_phase(&r, &limits(), false), Running);
        assert_eq!(metric_phase(&r, &limits(), true), Successful);
    }
}
