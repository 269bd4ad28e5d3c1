//! The second half of a pass: outcomes become measurements, counters move, metrics and the run
//! are assessed, history is trimmed (semantics §3, §4.1 steps 5–7).

use chrono::{DateTime, Utc};

use super::plan::MetricPlan;
use super::run::assess_run;
use super::schedule::Task;
use super::{
    IN_FLIGHT_RESUME, MeasureOutcome, Outcome, PassReport, Phased, Recorded, Templated, counters,
};
use crate::model::{AnalysisRunStatus, Measurement, MetricResult, Phase};
use crate::secrets::mask;

/// Turns provider outcomes into phased measurements with each metric's cached conditions.
/// A provider error, or a condition that cannot be evaluated, is an Error measurement with the
/// error text and no value, as Argo's `MarkMeasurementError` leaves it.
pub(crate) fn evaluate_outcomes(
    plans: &[MetricPlan],
    templated: &mut Templated,
    outcomes: Vec<MeasureOutcome>,
    explain: bool,
) -> Vec<Phased> {
    let mut phased = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        let Some(i) = plans.iter().position(|p| p.name == o.metric_name) else {
            continue;
        };
        let Some(conditions) = templated.conditions.get_mut(i) else {
            continue;
        };
        let mut measurement = Measurement {
            phase: Phase::Error,
            message: String::new(),
            started_at: Some(o.started_at),
            finished_at: Some(o.finished_at),
            value: String::new(),
            metadata: Default::default(),
            resume_at: None,
        };
        let mut explanation = Vec::new();
        match o.outcome {
            Outcome::Answered(Ok(output)) => {
                let evaluation = if explain {
                    conditions.evaluate_explained(&output.result, o.finished_at)
                } else {
                    conditions.evaluate(&output.result, o.finished_at)
                };
                measurement.phase = evaluation.phase;
                measurement.message = evaluation.message;
                explanation = evaluation.explanation;
                if evaluation.phase != Phase::Error {
                    measurement.value = output.value;
                    measurement.metadata = output.metadata;
                }
            }
            Outcome::Answered(Err(error)) => measurement.message = error.message,
            Outcome::Running { resume_at } => {
                measurement.phase = Phase::Running;
                measurement.finished_at = None;
                measurement.resume_at = Some(resume_at.unwrap_or_else(|| later(o.finished_at)));
            }
            Outcome::Decided { phase, message } => {
                measurement.phase = phase;
                measurement.message = message;
            }
        }
        phased.push(Phased {
            metric_name: o.metric_name,
            measurement,
            explanation,
            metric_metadata: o.metric_metadata,
            origin: o.origin,
        });
    }
    phased
}

/// When to ask again about a measurement left in flight without a `resumeAt`.
fn later(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_add_signed(IN_FLIGHT_RESUME).unwrap_or(now)
}

/// The measurement a requested metric gets when the driver leaves it unanswered: in flight
/// (started when the pass began), so the schedule moves on to its `resumeAt` instead of asking
/// for the same past instant again; an unanswered resume or terminate keeps its measurement.
fn unanswered(
    task: Task,
    last: Option<&Measurement>,
    began: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Measurement {
    let mut m = match (task, last) {
        (Task::Resume | Task::Terminate, Some(last)) if last.finished_at.is_none() => last.clone(),
        _ => Measurement {
            phase: Phase::Running,
            message: String::new(),
            started_at: Some(began),
            finished_at: None,
            value: String::new(),
            metadata: Default::default(),
            resume_at: None,
        },
    };
    m.resume_at = Some(later(now));
    m
}

/// What `finish` needs from the engine besides the status.
pub(crate) struct Ctx<'a> {
    pub plans: &'a [MetricPlan],
    pub result_idx: &'a mut Vec<Option<usize>>,
    pub tasks: &'a [Option<Task>],
    pub mask: &'a [String],
    pub terminate: bool,
    pub began: DateTime<Utc>,
}

/// Records the measurements of this pass and assesses the run.
pub(crate) fn finish(
    ctx: Ctx<'_>,
    status: &mut AnalysisRunStatus,
    now: DateTime<Utc>,
    phased: Vec<Phased>,
) -> PassReport {
    let Ctx {
        plans,
        result_idx,
        tasks,
        mask: secrets,
        terminate,
        began,
    } = ctx;
    let mut changed = false;

    // One outcome per requested metric (the first), recorded in spec order. (Wrapping in
    // `Some` reuses the vector's allocation.)
    let mut phased: Vec<Option<Phased>> = phased.into_iter().map(Some).collect();
    let mut recorded = Vec::with_capacity(phased.len());
    for (i, (plan, idx)) in plans.iter().zip(result_idx.iter_mut()).enumerate() {
        let Some(Some(task)) = tasks.get(i).copied() else {
            continue;
        };
        let answer = phased
            .iter_mut()
            .find(|p| p.as_ref().is_some_and(|p| p.metric_name == plan.name))
            .and_then(Option::take);
        let mut p = match answer {
            Some(p) => p,
            None => {
                let last = idx
                    .and_then(|r| status.metric_results.get(r))
                    .and_then(|r| r.measurements.last());
                Phased {
                    metric_name: plan.name.clone(),
                    measurement: unanswered(task, last, began, now),
                    explanation: Vec::new(),
                    metric_metadata: Default::default(),
                    origin: None,
                }
            }
        };
        if task == Task::Terminate
            && p.measurement.phase == Phase::Successful
            && p.measurement.finished_at.is_some()
        {
            p.measurement.message = "Metric Terminated".to_string();
        }
        if !secrets.is_empty() {
            p.measurement.message = mask(&p.measurement.message, secrets);
        }
        let result = match idx.and_then(|r| status.metric_results.get(r)) {
            Some(_) => idx.and_then(|r| status.metric_results.get_mut(r)),
            None => {
                let mut result = MetricResult::new(plan.name.clone());
                result.phase = Phase::Running;
                result.dry_run = plan.dry_run;
                result.metadata = p.metric_metadata;
                status.metric_results.push(result);
                *idx = Some(status.metric_results.len() - 1);
                status.metric_results.last_mut()
            }
        };
        let Some(result) = result else { continue };
        counters::count(result, p.measurement.phase);
        let resumes = matches!(task, Task::Resume | Task::Terminate)
            && result
                .measurements
                .last()
                .is_some_and(|m| m.finished_at.is_none());
        let mut measurement = p.measurement;
        // Only finished measurements are reported; one in flight shows in the status.
        if measurement.finished_at.is_some() {
            recorded.push(Recorded {
                metric_name: p.metric_name,
                measurement: measurement.clone(),
                explanation: p.explanation,
                origin: p.origin,
            });
        }
        match result.measurements.last_mut() {
            Some(last) if resumes => {
                // A resumed measurement started when it was first taken.
                measurement.started_at = last.started_at.or(measurement.started_at);
                *last = measurement;
            }
            _ => result.measurements.push(measurement),
        }
        changed = true;
    }

    // Set after the measurements, so initial delays count from the end of the first pass.
    if status.started_at.is_none() {
        status.started_at = Some(now);
        changed = true;
    }
    let assessment = assess_run(plans, result_idx, status, terminate);
    changed |= assessment.metrics_changed;
    if status.phase != Some(assessment.phase) {
        status.phase = Some(assessment.phase);
        status.message = assessment.message;
        if assessment.phase.is_completed() && status.completed_at.is_none() {
            status.completed_at = Some(now);
        }
        changed = true;
    }
    trim(plans, result_idx, status);
    PassReport {
        measurements: recorded,
        changed,
    }
}

/// Keeps each metric's newest measurements only (10, or its `measurementRetention` limit).
fn trim(plans: &[MetricPlan], result_idx: &[Option<usize>], status: &mut AnalysisRunStatus) {
    for (plan, idx) in plans.iter().zip(result_idx) {
        if let Some(result) = idx.and_then(|i| status.metric_results.get_mut(i)) {
            let len = result.measurements.len();
            if len > plan.retention {
                result.measurements.drain(..len - plan.retention);
            }
        }
    }
}
