//! One metric's phase from its counters and measurements (semantics §4.3): the engine's view
//! of [`crate::assess`], which holds the rules so library users can ask them too.

use super::plan::MetricPlan;
use crate::model::MetricResult;

/// Whether the metric has taken all the measurements its effective count asks for.
pub(crate) fn count_reached(plan: &MetricPlan, result: &MetricResult) -> bool {
    crate::assess::count_reached(result, &plan.limits)
}
