//! One metric's phase from its counters and measurements (semantics §4.3,
//! `assessMetricStatus` / `assessMetricFailureInconclusiveOrError`).

use super::plan::MetricPlan;
use crate::model::{MetricResult, Phase};

/// The limit a metric tripped and Argo's text for it (`failed (2) > failureLimit (1)`).
/// Later checks overwrite earlier ones, so Error beats Inconclusive beats Failed.
pub(crate) fn limit_check(plan: &MetricPlan, result: &MetricResult) -> Option<(Phase, String)> {
    let mut tripped = None;
    if plan.failure_limit >= 0 && result.failed > plan.failure_limit {
        tripped = Some((
            Phase::Failed,
            format!(
                "failed ({}) > failureLimit ({})",
                result.failed, plan.failure_limit
            ),
        ));
    }
    if result.inconclusive > plan.inconclusive_limit {
        tripped = Some((
            Phase::Inconclusive,
            format!(
                "inconclusive ({}) > inconclusiveLimit ({})",
                result.inconclusive, plan.inconclusive_limit
            ),
        ));
    }
    if result.consecutive_error > plan.consecutive_error_limit {
        tripped = Some((
            Phase::Error,
            format!(
                "consecutiveErrors ({}) > consecutiveErrorLimit ({})",
                result.consecutive_error, plan.consecutive_error_limit
            ),
        ));
    }
    tripped
}

/// The phase without the message: the same checks, with no allocation (every pass runs this).
fn limit_phase(plan: &MetricPlan, result: &MetricResult) -> Option<Phase> {
    if result.consecutive_error > plan.consecutive_error_limit {
        Some(Phase::Error)
    } else if result.inconclusive > plan.inconclusive_limit {
        Some(Phase::Inconclusive)
    } else if plan.failure_limit >= 0 && result.failed > plan.failure_limit {
        Some(Phase::Failed)
    } else {
        None
    }
}

/// Whether the metric has taken all the measurements its effective count asks for.
pub(crate) fn count_reached(plan: &MetricPlan, result: &MetricResult) -> bool {
    plan.effective_count.is_some_and(|c| result.count >= c)
}

/// The metric's phase now. `terminating` is the run's flag from before this pass (§4.4).
pub(crate) fn assess(plan: &MetricPlan, result: &MetricResult, terminating: bool) -> Phase {
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
    if let Some(phase) = limit_phase(plan, result) {
        return phase;
    }
    let success_applicable = plan.consecutive_success_limit > 0;
    if success_applicable && result.consecutive_success >= plan.consecutive_success_limit {
        return Phase::Successful;
    }
    if count_reached(plan, result) {
        // An unset failureLimit reads as 0, so "applicable" is simply ">= 0".
        let failure_applicable = plan.failure_limit >= 0;
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
    use crate::engine::counters::count;
    use crate::engine::plan::Dur;
    use crate::model::Measurement;
    use crate::validate::DEFAULT_MEASUREMENT_HISTORY_LIMIT;

    fn plan() -> MetricPlan {
        MetricPlan {
            name: "m".into(),
            interval: Dur::Unset,
            initial_delay: Dur::Unset,
            effective_count: None,
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: 4,
            consecutive_success_limit: 0,
            dry_run: false,
            retention: DEFAULT_MEASUREMENT_HISTORY_LIMIT,
        }
    }

    fn result(seq: &[Phase]) -> MetricResult {
        let mut r = MetricResult::new("m");
        r.phase = Phase::Running;
        for p in seq {
            count(&mut r, *p);
            r.measurements.push(Measurement {
                phase: *p,
                message: String::new(),
                started_at: None,
                finished_at: None,
                value: String::new(),
                metadata: Default::default(),
                resume_at: None,
            });
        }
        r
    }

    use Phase::*;

    #[test]
    fn completed_metric_keeps_its_phase() {
        let mut r = result(&[Failed, Failed]);
        r.phase = Successful;
        assert_eq!(assess(&plan(), &r, false), Successful);
    }

    #[test]
    fn no_measurements_is_pending_or_successful_when_terminating() {
        let r = result(&[]);
        assert_eq!(assess(&plan(), &r, false), Pending);
        assert_eq!(assess(&plan(), &r, true), Successful);
    }

    #[test]
    fn in_flight_measurement_is_running_even_when_terminating() {
        let r = result(&[Running]);
        assert_eq!(assess(&plan(), &r, true), Running);
    }

    #[test]
    fn limits_are_strictly_greater() {
        let p = MetricPlan {
            failure_limit: 3,
            ..plan()
        };
        assert_eq!(
            assess(&p, &result(&[Failed, Failed, Failed]), false),
            Running
        );
        let r = result(&[Failed, Failed, Failed, Failed]);
        assert_eq!(assess(&p, &r, false), Failed);
        assert_eq!(
            limit_check(&p, &r),
            Some((Failed, "failed (4) > failureLimit (3)".to_string()))
        );
    }

    #[test]
    fn defaults_make_first_failure_or_inconclusive_decisive_and_fifth_error() {
        assert_eq!(assess(&plan(), &result(&[Failed]), false), Failed);
        assert_eq!(
            assess(&plan(), &result(&[Inconclusive]), false),
            Inconclusive
        );
        let four = result(&[Error, Error, Error, Error]);
        assert_eq!(assess(&plan(), &four, false), Running);
        let five = result(&[Error, Error, Error, Error, Error]);
        assert_eq!(assess(&plan(), &five, false), Error);
        assert_eq!(
            limit_check(&plan(), &five).map(|t| t.1),
            Some("consecutiveErrors (5) > consecutiveErrorLimit (4)".to_string())
        );
    }

    #[test]
    fn later_limit_checks_overwrite_earlier_ones() {
        let p = plan();
        let r = result(&[Failed, Inconclusive]);
        assert_eq!(
            limit_check(&p, &r),
            Some((
                Inconclusive,
                "inconclusive (1) > inconclusiveLimit (0)".to_string()
            ))
        );
        assert_eq!(assess(&p, &r, false), Inconclusive);
        let p = MetricPlan {
            consecutive_error_limit: 0,
            ..plan()
        };
        let r = result(&[Failed, Inconclusive, Error]);
        assert_eq!(limit_check(&p, &r).map(|t| t.0), Some(Error));
        assert_eq!(assess(&p, &r, false), Error);
    }

    #[test]
    fn negative_failure_limit_disables_the_failure_check() {
        let p = MetricPlan {
            failure_limit: -1,
            consecutive_success_limit: 2,
            ..plan()
        };
        assert_eq!(limit_check(&p, &result(&[Failed, Failed, Failed])), None);
    }

    #[test]
    fn consecutive_success_limit_completes_before_count() {
        let p = MetricPlan {
            consecutive_success_limit: 2,
            effective_count: Some(10),
            failure_limit: 5,
            ..plan()
        };
        assert_eq!(
            assess(&p, &result(&[Successful, Failed, Successful]), false),
            Running
        );
        let r = result(&[Successful, Failed, Successful, Successful]);
        assert_eq!(assess(&p, &r, false), Successful);
    }

    #[test]
    fn count_reached_outcomes() {
        let base = MetricPlan {
            effective_count: Some(3),
            failure_limit: 2,
            ..plan()
        };
        let seq = [Successful, Failed, Successful];
        assert_eq!(assess(&base, &result(&seq), false), Successful);
        // Streak wanted, never reached, failures within limit: Inconclusive.
        let both = MetricPlan {
            consecutive_success_limit: 3,
            ..base.clone()
        };
        assert_eq!(assess(&both, &result(&seq), false), Inconclusive);
        // Only the streak applies: Failed.
        let only_success = MetricPlan {
            failure_limit: -1,
            ..both
        };
        assert_eq!(assess(&only_success, &result(&seq), false), Failed);
        // Unmet streak does not matter on termination before count.
        assert_eq!(
            assess(&only_success, &result(&[Successful, Failed]), true),
            Successful
        );
    }

    #[test]
    fn errors_do_not_reach_the_count() {
        let p = MetricPlan {
            effective_count: Some(2),
            ..plan()
        };
        assert_eq!(assess(&p, &result(&[Successful, Error]), false), Running);
        assert_eq!(
            assess(&p, &result(&[Successful, Error, Successful]), false),
            Successful
        );
    }

    #[test]
    fn no_count_runs_until_terminated() {
        let r = result(&[Successful; 50]);
        assert_eq!(assess(&plan(), &r, false), Running);
        assert_eq!(assess(&plan(), &r, true), Successful);
    }
}
