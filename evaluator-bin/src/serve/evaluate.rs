//! Synchronous evaluation (`POST /api/v1/evaluate`, Flagger webhooks, gRPC `Evaluate`): one
//! measurement of every metric, now, through the same engine and driver as scheduled runs.
//! Nothing is stored.

use std::time::Duration;

use analysis_core::engine::{Recorded, RunEngine};
use analysis_core::evaluate::ExplainStep;
use analysis_core::{AnalysisRun, AnalysisTemplate, Argument, IntOrString, Phase};
use chrono::Utc;
use providers::driver::{SystemClock, run_pass};
use serde::Serialize;

use super::error::ApiError;
use super::limits::ProviderLimits;
use super::redact;
use super::service::{Service, validate_run};

/// An evaluation whose measurements stay in flight (async providers) is cut off after this.
const EVALUATE_TIMEOUT: Duration = Duration::from_secs(60);
/// A bound on passes, so an engine that never completes cannot spin a request forever.
const MAX_PASSES: usize = 64;

#[derive(Clone, Debug, Serialize)]
pub struct MetricVerdict {
    pub name: String,
    pub phase: String,
    pub value: String,
    pub message: String,
    pub explanation: Vec<ExplainStep>,
}

/// The answer of an evaluation: the run's verdict and each metric's, with explanations.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub phase: String,
    pub message: String,
    pub completed: bool,
    pub metrics: Vec<MetricVerdict>,
}

impl Verdict {
    pub fn successful(&self) -> bool {
        self.phase == Phase::Successful.as_str()
    }
}

/// Rewrites a run so each metric takes exactly one measurement and that measurement decides
/// it: no interval, count, delay or tolerance. TODO(merge): a library user would want this
/// too (e.g. `augur evaluate`); it could live in analysis-core.
pub fn one_shot(run: &mut AnalysisRun) {
    for m in &mut run.spec.metrics {
        m.interval = None;
        m.count = None;
        m.initial_delay = None;
        m.failure_limit = None;
        m.inconclusive_limit = None;
        m.consecutive_success_limit = None;
        m.consecutive_error_limit = Some(IntOrString::Int(0));
    }
}

impl Service {
    /// Builds a one-shot run from `templates` and `args`, and drives it to completion.
    pub async fn evaluate(
        &self,
        templates: &[AnalysisTemplate],
        args: &[Argument],
    ) -> Result<Verdict, ApiError> {
        if !self.core.accepting() {
            return Err(ApiError::Unavailable("the service is shutting down"));
        }
        let refs: Vec<&AnalysisTemplate> = templates.iter().collect();
        let mut run = analysis_core::args::build_run("evaluate", &refs, args)
            .map_err(|e| ApiError::BadRequest(format!("args: {e}")))?;
        one_shot(&mut run);
        validate_run(&run)?;

        let mut engine = RunEngine::new(run);
        let kinds = ProviderLimits::kinds(engine.run());
        let _permits = self.core.limits.acquire(&kinds).await;
        let secrets = self.core.secrets.as_ref();
        let deadline =
            Utc::now() + chrono::Duration::from_std(EVALUATE_TIMEOUT).unwrap_or_default();
        let mut recorded: Vec<Recorded> = Vec::new();
        for _ in 0..MAX_PASSES {
            let report = run_pass(
                &mut engine,
                &self.core.providers,
                secrets,
                &SystemClock,
                None,
            )
            .await;
            recorded.extend(report.measurements);
            if engine.is_completed() {
                break;
            }
            match engine.next_pass_at() {
                Some(at) if at < deadline => {
                    let wait = (at - Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(wait).await;
                }
                _ => engine.terminate(),
            }
        }
        if !engine.is_completed() {
            engine.terminate();
            let report = run_pass(
                &mut engine,
                &self.core.providers,
                secrets,
                &SystemClock,
                None,
            )
            .await;
            recorded.extend(report.measurements);
        }
        Ok(verdict(
            engine.run(),
            engine.is_completed(),
            &recorded,
            secrets,
        ))
    }
}

fn verdict(
    run: &AnalysisRun,
    completed: bool,
    recorded: &[Recorded],
    secrets: &dyn analysis_core::secrets::SecretSource,
) -> Verdict {
    let values = redact::secret_values(run, secrets);
    let mask = |s: &str| analysis_core::secrets::mask(s, &values);
    let status = run.status.clone().unwrap_or_default();
    let metrics = run
        .spec
        .metrics
        .iter()
        .map(|m| {
            let result = status.metric_results.iter().find(|r| r.name == m.name);
            let last = recorded.iter().rev().find(|r| r.metric_name == m.name);
            MetricVerdict {
                name: m.name.clone(),
                phase: result.map_or("Pending", |r| r.phase.as_str()).to_string(),
                value: mask(last.map_or("", |r| r.measurement.value.as_str())),
                message: mask(
                    last.map(|r| r.measurement.message.as_str())
                        .filter(|s| !s.is_empty())
                        .or(result.map(|r| r.message.as_str()))
                        .unwrap_or(""),
                ),
                explanation: last
                    .map(|r| {
                        r.explanation
                            .iter()
                            .map(|e| ExplainStep {
                                expr: mask(&e.expr),
                                value: mask(&e.value),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    Verdict {
        phase: status.phase.map_or("Pending", Phase::as_str).to_string(),
        message: mask(&status.message),
        completed,
        metrics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis_core::Metric;

    #[test]
    fn one_shot_leaves_one_decisive_measurement() {
        let mut run = AnalysisRun::default();
        run.spec.metrics.push(Metric {
            name: "m".into(),
            interval: Some("1m".into()),
            count: Some(IntOrString::Int(5)),
            initial_delay: Some("30s".into()),
            failure_limit: Some(IntOrString::Int(2)),
            consecutive_success_limit: Some(IntOrString::Int(3)),
            ..Metric::default()
        });
        one_shot(&mut run);
        let m = &run.spec.metrics[0];
        assert_eq!((m.interval.as_ref(), m.count.as_ref()), (None, None));
        assert_eq!(m.initial_delay, None);
        assert_eq!(m.failure_limit, None);
        assert_eq!(m.consecutive_success_limit, None);
        assert_eq!(m.consecutive_error_limit, Some(IntOrString::Int(0)));
    }
}
