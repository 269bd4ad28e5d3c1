//! The run's phase, message and summaries from its metrics (semantics §4.4, `assessRunStatus`).

use super::metric::{assess, limit_check};
use super::plan::MetricPlan;
use crate::model::{AnalysisRunStatus, MetricResult, Phase, RunSummary};

/// The message Argo seeds a run with when `spec.terminate` is set; a limit message replaces it.
pub(crate) const RUN_TERMINATED: &str = "Run Terminated";

/// Whether the run is stopping: terminate was requested, or a non-dry-run metric already
/// completed Failed, Error or Inconclusive. Read from the stored phases, so a metric that trips
/// a limit in one pass stops its siblings only in the next (§8.5).
pub(crate) fn is_terminating(terminate: bool, results: &[MetricResult]) -> bool {
    terminate
        || results.iter().any(|r| {
            !r.dry_run && matches!(r.phase, Phase::Failed | Phase::Error | Phase::Inconclusive)
        })
}

/// What the assessment decided for the run.
#[derive(Debug)]
pub(crate) struct RunAssessment {
    pub phase: Phase,
    pub message: String,
    /// Some metric result's phase or message changed.
    pub metrics_changed: bool,
}

/// Assesses every metric (updating its stored phase and message) and the run. `result_idx`
/// maps each plan to its result in `status.metric_results`; summaries are written to `status`.
pub(crate) fn assess_run(
    plans: &[MetricPlan],
    result_idx: &[Option<usize>],
    status: &mut AnalysisRunStatus,
    terminate: bool,
) -> RunAssessment {
    let terminating = is_terminating(terminate, &status.metric_results);
    let mut worst: Option<Phase> = None;
    let mut message = String::new();
    if terminate {
        message.push_str(RUN_TERMINATED);
    }
    let mut everything_completed = true;
    let mut metrics_changed = false;
    let mut summary = RunSummary::default();
    let mut dry_summary = RunSummary::default();

    for (plan, idx) in plans.iter().zip(result_idx) {
        if plan.dry_run {
            dry_summary.count += 1;
        } else {
            summary.count += 1;
        }
        let Some(result) = idx.and_then(|i| status.metric_results.get_mut(i)) else {
            // Never measured yet (e.g. waiting for its initial delay).
            everything_completed = false;
            continue;
        };
        let phase = assess(plan, result, terminating);
        if result.phase != phase {
            if let Some(last) = result.measurements.last()
                && result.message != last.message
            {
                result.message.clone_from(&last.message);
            }
            result.phase = phase;
            metrics_changed = true;
        }
        if !phase.is_completed() {
            everything_completed = false;
            continue;
        }
        let tripped = limit_check(plan, result);
        let bucket = tripped.as_ref().map_or(Phase::Successful, |t| t.0);
        if plan.dry_run {
            if worst.is_none() {
                worst = Some(Phase::Successful);
            }
            if let Some((_, limit)) = &tripped {
                let text = format!("Metric assessed {phase} due to {limit}");
                if result.message != text {
                    result.message = text;
                    metrics_changed = true;
                }
            }
            tally(&mut dry_summary, bucket);
        } else {
            if worst.is_none_or(|w| phase.severity() > w.severity()) {
                worst = Some(phase);
                if let Some((_, limit)) = &tripped {
                    message = format!("Metric \"{}\" assessed {phase} due to {limit}", plan.name);
                    if !result.message.is_empty() {
                        message.push_str(": \"Error Message: ");
                        message.push_str(&result.message);
                        message.push('"');
                    }
                }
            }
            tally(&mut summary, bucket);
        }
    }

    if status.run_summary != summary {
        status.run_summary = summary;
        metrics_changed = true;
    }
    if status.dry_run_summary.as_ref() != Some(&dry_summary) {
        status.dry_run_summary = Some(dry_summary);
        metrics_changed = true;
    }
    let message = message.trim().to_string();
    let (phase, message) = match worst {
        _ if terminating => (worst.unwrap_or(Phase::Successful), message),
        Some(w) if everything_completed => (w, message),
        _ => (Phase::Running, String::new()),
    };
    RunAssessment {
        phase,
        message,
        metrics_changed,
    }
}

/// Counts a completed metric in the summary bucket of the limit it tripped (Successful when
/// none, so a metric Failed by an unmet consecutiveSuccessLimit is tallied Successful).
fn tally(summary: &mut RunSummary, bucket: Phase) {
    match bucket {
        Phase::Error => summary.error += 1,
        Phase::Failed => summary.failed += 1,
        Phase::Inconclusive => summary.inconclusive += 1,
        _ => summary.successful += 1,
    }
}
