//! Synchronous evaluation (`POST /api/v1/evaluate`, Flagger webhooks, gRPC `Evaluate`): one
//! measurement of every metric, now, through the same engine and driver as scheduled runs.
//! Nothing is stored.

use std::future::Future;
use std::time::Duration;

use analysis_core::args::one_shot;
use analysis_core::drive::{self, Flow, Observer};
use analysis_core::engine::{PassReport, Recorded, RunEngine};
use analysis_core::evaluate::ExplainStep;
use analysis_core::{AnalysisRun, Phase};
use chrono::{DateTime, Utc};
use providers::driver::{LiveSource, WallClock};
use serde::Serialize;

use super::error::ApiError;
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

impl Service {
    /// Makes `run` one-shot ([`one_shot`]) and drives it to completion now; nothing is stored.
    pub async fn evaluate(&self, mut run: AnalysisRun) -> Result<Verdict, ApiError> {
        if !self.core.accepting() {
            return Err(ApiError::Unavailable("the service is shutting down"));
        }
        one_shot(&mut run);
        validate_run(&run, &self.core)?;

        let mut engine = RunEngine::new(run);
        let secrets = self.core.secrets.as_ref();
        let mut watch = Deadline {
            at: Utc::now() + chrono::Duration::from_std(EVALUATE_TIMEOUT).unwrap_or_default(),
            passes: 0,
            recorded: Vec::new(),
        };
        let mut source = LiveSource::new(&self.core.providers);
        drive::drive(
            &mut engine,
            secrets,
            &WallClock,
            &mut source,
            &mut watch,
            None,
        )
        .await;
        let recorded = watch.recorded;
        Ok(verdict(
            engine.run(),
            engine.is_completed(),
            &recorded,
            secrets,
        ))
    }
}

/// Keeps what an evaluation measured, and terminates it (so the next pass completes it) once
/// it has taken [`MAX_PASSES`] passes or its next one would fall past the deadline.
struct Deadline {
    at: DateTime<Utc>,
    passes: usize,
    recorded: Vec<Recorded>,
}

impl Observer for Deadline {
    fn after_pass<'a>(
        &'a mut self,
        engine: &'a RunEngine,
        report: &'a PassReport,
    ) -> impl Future<Output = Flow> + Send + 'a {
        self.passes += 1;
        self.recorded.extend(report.measurements.iter().cloned());
        let in_time = engine.next_pass_at().is_some_and(|next| next < self.at);
        let flow = if engine.is_completed() || (in_time && self.passes < MAX_PASSES) {
            Flow::Continue
        } else {
            Flow::Terminate
        };
        std::future::ready(flow)
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
