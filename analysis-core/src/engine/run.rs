//! The run's phase, message and summaries from its metrics (semantics §4.4): the engine's view
//! of [`crate::assess`], which holds the rules so library users can ask them too.

use super::plan::MetricPlan;
use crate::model::AnalysisRunStatus;

pub(crate) use crate::assess::{RunAssessment, is_terminating};

/// Assesses every metric (updating its stored phase and message) and the run. `result_idx`
/// maps each plan to its result in `status.metric_results`; summaries are written to `status`.
#[inline]
pub(crate) fn assess_run(
    plans: &[MetricPlan],
    result_idx: &[Option<usize>],
    status: &mut AnalysisRunStatus,
    terminate: bool,
) -> RunAssessment {
    let metrics = plans
        .iter()
        .map(MetricPlan::rule)
        .zip(result_idx.iter().copied());
    crate::assess::run_phase_indexed(metrics, status, terminate)
}
