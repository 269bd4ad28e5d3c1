//! What to measure now and when to wake up next (semantics §4.5–4.6, `generateMetricTasks` and
//! `calculateNextReconcileTime`).
//!
//! Argo measures when `now` is *after* the due time, and its reconcile always runs a moment
//! after the requeue time it asked for, so in practice a metric is measured on the first
//! reconcile at or past its due time. A virtual clock wakes exactly at the due time, so here
//! "due" means `now >= due`. The one exception is a gap of zero or less (`interval: 0s`): Argo
//! then measures on every reconcile, which always comes later than the last finish; a virtual
//! clock has to move forward, so such a metric is due strictly after its last finish, and
//! wakes one nanosecond after it.

use chrono::{DateTime, TimeDelta, Utc};

use super::metric::count_reached;
use super::plan::{Dur, MetricPlan};
use crate::model::{Measurement, MetricResult, Phase};

/// The retry gap after an Error measurement, whatever the interval (`DefaultErrorRetryInterval`).
pub(crate) const ERROR_RETRY_INTERVAL: TimeDelta = TimeDelta::seconds(10);

/// What a metric needs this pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Task {
    /// A new measurement.
    Measure,
    /// Take the in-flight last measurement again; its outcome replaces it.
    Resume,
    /// The run is terminating: stop the in-flight last measurement; its outcome replaces it.
    Terminate,
}

/// The smallest step a virtual clock can take past a finish time.
const TICK: TimeDelta = TimeDelta::nanoseconds(1);

/// The gap before the next measurement, if any: 10 s after an Error, else the interval.
/// `None` when the interval does not parse (Argo skips the metric then).
fn gap(plan: &MetricPlan, last: &Measurement) -> Option<TimeDelta> {
    if last.phase == Phase::Error {
        return Some(ERROR_RETRY_INTERVAL);
    }
    match plan.interval {
        Dur::Valid(d) => Some(d),
        // No interval and no error: Argo falls back to the retry interval here (unreachable
        // in practice: the effective count is then 1 and already reached).
        Dur::Unset => Some(ERROR_RETRY_INTERVAL),
        Dur::Invalid => None,
    }
}

/// When the next measurement after `last` is due (see the module docs for gaps <= 0).
fn next_due(finished: DateTime<Utc>, gap: TimeDelta) -> DateTime<Utc> {
    let gap = if gap > TimeDelta::zero() { gap } else { TICK };
    finished.checked_add_signed(gap).unwrap_or(finished)
}

/// Decides what `plan`'s metric needs at `now`. `result` is its stored result, if measured.
pub(crate) fn task(
    plan: &MetricPlan,
    result: Option<&MetricResult>,
    started_at: Option<DateTime<Utc>>,
    terminating: bool,
    now: DateTime<Utc>,
) -> Option<Task> {
    if result.is_some_and(|r| r.phase.is_completed()) {
        return None;
    }
    let last = result.and_then(|r| r.measurements.last());
    if let Some(last) = last
        && last.finished_at.is_none()
    {
        // In flight (an asynchronous provider's Running measurement, or one the driver left
        // unanswered): terminated at once when the run terminates, else resumed when due.
        if terminating {
            return Some(Task::Terminate);
        }
        let waiting = last.resume_at.is_some_and(|t| t > now);
        return (!waiting).then_some(Task::Resume);
    }
    if terminating {
        return None;
    }
    let (Some(result), Some(last)) = (result, last) else {
        return match plan.initial_delay {
            Dur::Unset => Some(Task::Measure),
            // The delay counts from startedAt, which the first pass sets *after* measuring.
            Dur::Valid(d) => started_at
                .and_then(|s| s.checked_add_signed(d))
                .is_some_and(|due| now >= due)
                .then_some(Task::Measure),
            Dur::Invalid => None,
        };
    };
    if count_reached(plan, result) {
        return None;
    }
    let finished = last.finished_at?;
    let gap = gap(plan, last)?;
    let due = next_due(finished, gap);
    (now >= due).then_some(Task::Measure)
}

/// When `plan`'s metric next wants a pass, if it schedules one at all.
pub(crate) fn wake_at(
    plan: &MetricPlan,
    result: Option<&MetricResult>,
    started_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if result.is_some_and(|r| r.phase.is_completed()) {
        return None;
    }
    let Some((result, last)) = result.and_then(|r| r.measurements.last().map(|l| (r, l))) else {
        return match plan.initial_delay {
            Dur::Valid(d) => started_at.and_then(|s| s.checked_add_signed(d)),
            Dur::Unset | Dur::Invalid => None,
        };
    };
    let Some(finished) = last.finished_at else {
        return last.resume_at;
    };
    if count_reached(plan, result) {
        return None;
    }
    let gap = match (last.phase, plan.interval) {
        (Phase::Error, _) => ERROR_RETRY_INTERVAL,
        (_, Dur::Valid(d)) => d,
        // No interval, no error: nothing to repeat (Argo does not requeue either).
        (_, Dur::Unset | Dur::Invalid) => return None,
    };
    Some(next_due(finished, gap))
}
