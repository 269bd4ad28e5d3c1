//! The run's phase, message and summaries from its metrics (semantics §4.4, `assessRunStatus`).

use super::metric::{MetricLimits, metric_phase, tripped_limit};
use crate::model::{AnalysisRun, AnalysisRunStatus, MetricResult, Phase, RunSummary};
use crate::validate::{PreflightError, preflight};

/// The message Argo seeds a run with when `spec.terminate` is set; a limit message replaces it.
pub const RUN_TERMINATED: &str = "Run Terminated";

/// Whether the run is stopping: terminate was requested, or a non-dry-run metric already
/// completed Failed, Error or Inconclusive. Read from the stored phases, so a metric that trips
/// a limit in one assessment stops its siblings only in the next (§8.5).
pub fn is_terminating(terminate: bool, results: &[MetricResult]) -> bool {
    terminate
        || results.iter().any(|r| {
            !r.dry_run && matches!(r.phase, Phase::Failed | Phase::Error | Phase::Inconclusive)
        })
}

/// What the run assessment needs to know about one metric of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricRule<'a> {
    /// The metric's name; its result in the status has the same name.
    pub name: &'a str,
    /// Its limits.
    pub limits: MetricLimits,
    /// Whether a `dryRun` rule matches it (it is assessed but never decides the run).
    pub dry_run: bool,
}

/// What the assessment decided for the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunAssessment {
    /// The run's phase: Running until it completes, then the worst decisive metric's phase.
    pub phase: Phase,
    /// Argo's run message (`Metric "m" assessed Failed due to failed (2) > failureLimit (1)`),
    /// empty while Running.
    pub message: String,
    /// Some metric result's phase or message, or a summary, changed.
    pub metrics_changed: bool,
}

/// Assesses every metric of the spec (in spec order) and the run, as one of Argo's passes
/// does after taking its measurements: each metric result's `phase` and `message` and the
/// run and dry-run summaries are updated in `status`; the run's phase and message are
/// returned (the caller decides whether to store them). A metric without a result counts as
/// never measured.
pub fn run_phase(
    metrics: &[MetricRule<'_>],
    status: &mut AnalysisRunStatus,
    terminate: bool,
) -> RunAssessment {
    let idx: Vec<Option<usize>> = metrics
        .iter()
        .map(|m| status.metric_results.iter().position(|r| r.name == m.name))
        .collect();
    run_phase_indexed(metrics.iter().copied().zip(idx), status, terminate)
}

/// A stored run, assessed.
#[derive(Clone, Debug, PartialEq)]
pub struct AssessedRun {
    /// The run's phase and message.
    pub assessment: RunAssessment,
    /// The run's status with every metric's phase and message and the summaries brought up to
    /// date (the run's own phase and message are left as stored).
    pub status: AnalysisRunStatus,
}

/// Assesses a stored run as the engine's next pass would before taking any measurement:
/// limits and dry-run rules from its spec ([`preflight`]), results from its status. A run
/// already completed keeps its phase and message.
///
/// ```
/// use analysis_core::assess::assess_run;
/// use analysis_core::load::load_str;
/// use analysis_core::Phase;
///
/// let yaml = r#"
/// kind: AnalysisRun
/// metadata: {name: r}
/// spec:
///   metrics:
///   - name: rate
///     failureLimit: 1
///     provider: {job: {}}
/// status:
///   phase: Running
///   metricResults:
///   - name: rate
///     phase: Running
///     failed: 2
///     count: 2
///     measurements: [{phase: Failed}, {phase: Failed}]
/// "#;
/// let docs = load_str(yaml, "run.yaml")?;
/// let run = docs[0].run().ok_or("not a run")?;
/// let assessed = assess_run(run)?;
/// assert_eq!(assessed.assessment.phase, Phase::Failed);
/// assert_eq!(
///     assessed.assessment.message,
///     r#"Metric "rate" assessed Failed due to failed (2) > failureLimit (1)"#
/// );
/// assert_eq!(assessed.status.run_summary.failed, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn assess_run(run: &AnalysisRun) -> Result<AssessedRun, PreflightError> {
    let mut status = run.status.clone().unwrap_or_default();
    if let Some(phase) = status.phase.filter(|p| p.is_completed()) {
        let assessment = RunAssessment {
            phase,
            message: status.message.clone(),
            metrics_changed: false,
        };
        return Ok(AssessedRun { assessment, status });
    }
    let prepared = preflight(&run.spec)?;
    let rules: Vec<MetricRule<'_>> = prepared
        .metrics
        .iter()
        .map(|m| MetricRule {
            name: &m.name,
            limits: MetricLimits::of(m),
            dry_run: prepared.is_dry_run(&m.name),
        })
        .collect();
    let assessment = run_phase(&rules, &mut status, run.spec.terminate);
    Ok(AssessedRun { assessment, status })
}

/// [`run_phase`] with each metric's result already found: its index in
/// `status.metric_results`. The engine keeps those indexes, so a pass does no name lookups.
#[inline]
pub(crate) fn run_phase_indexed<'a>(
    metrics: impl Iterator<Item = (MetricRule<'a>, Option<usize>)>,
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

    for (metric, idx) in metrics {
        if metric.dry_run {
            dry_summary.count += 1;
        } else {
            summary.count += 1;
        }
        let Some(result) = idx.and_then(|i| status.metric_results.get_mut(i)) else {
            // Never measured yet (e.g. waiting for its initial delay).
            everything_completed = false;
            continue;
        };
        let phase = metric_phase(result, &metric.limits, terminating);
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
        let tripped = tripped_limit(result, &metric.limits);
        let bucket = tripped.map_or(Phase::Successful, |t| t.phase());
        if metric.dry_run {
            if worst.is_none() {
                worst = Some(Phase::Successful);
            }
            if let Some(limit) = &tripped {
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
                if let Some(limit) = &tripped {
                    message = format!("Metric \"{}\" assessed {phase} due to {limit}", metric.name);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Measurement;

    fn result(name: &str, phases: &[Phase]) -> MetricResult {
        let mut r = MetricResult::new(name);
        let at = chrono::DateTime::UNIX_EPOCH;
        for p in phases {
            r.record(Measurement::new(*p, at, at).with_message(format!("{p} here")));
        }
        r
    }

    fn rule(name: &str, dry_run: bool) -> MetricRule<'_> {
        MetricRule {
            name,
            limits: MetricLimits::default(),
            dry_run,
        }
    }

    #[test]
    fn run_phase_finds_results_by_name_and_keeps_the_worst() {
        let mut status = AnalysisRunStatus {
            metric_results: vec![
                result("b", &[Phase::Failed]),
                result("a", &[Phase::Successful]),
                result("dry", &[Phase::Error; 5]),
            ],
            ..AnalysisRunStatus::default()
        };
        let rules = [rule("a", false), rule("b", false), rule("dry", true)];
        let a = run_phase(&rules, &mut status, false);
        assert_eq!(a.phase, Phase::Failed);
        assert_eq!(
            a.message,
            "Metric \"b\" assessed Failed due to failed (1) > failureLimit (0): \"Error Message: Failed here\""
        );
        assert!(a.metrics_changed);
        let phases: Vec<Phase> = status.metric_results.iter().map(|r| r.phase).collect();
        assert_eq!(phases, [Phase::Failed, Phase::Successful, Phase::Error]);
        assert_eq!(
            status.metric_results[2].message,
            "Metric assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4)"
        );
        assert_eq!(
            (status.run_summary.count, status.run_summary.failed),
            (2, 1)
        );
        assert_eq!(status.dry_run_summary.map(|s| s.error), Some(1));
    }

    #[test]
    fn unmeasured_metrics_keep_the_run_running_until_it_terminates() {
        let mut status = AnalysisRunStatus {
            metric_results: vec![result("a", &[Phase::Successful])],
            ..AnalysisRunStatus::default()
        };
        let rules = [rule("a", false), rule("later", false)];
        let a = run_phase(&rules, &mut status.clone(), false);
        assert_eq!((a.phase, a.message.as_str()), (Phase::Running, ""));
        let a = run_phase(&rules, &mut status, true);
        assert_eq!(
            (a.phase, a.message.as_str()),
            (Phase::Successful, RUN_TERMINATED)
        );
    }

    #[test]
    fn a_completed_stored_run_keeps_its_verdict() {
        let run = AnalysisRun {
            status: Some(AnalysisRunStatus {
                phase: Some(Phase::Error),
                message: "Analysis spec invalid: no metrics specified".into(),
                ..AnalysisRunStatus::default()
            }),
            ..AnalysisRun::default()
        };
        let assessed = assess_run(&run).expect("completed runs need no preflight");
        assert_eq!(assessed.assessment.phase, Phase::Error);
        assert_eq!(assessed.status, run.status.unwrap_or_default());
        // A running run with an invalid spec says why, as the engine's next pass would.
        let e = assess_run(&AnalysisRun::default()).unwrap_err();
        assert_eq!(e.to_string(), "Analysis spec invalid: no metrics specified");
    }
}
