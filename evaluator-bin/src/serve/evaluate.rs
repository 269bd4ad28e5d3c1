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

/// The longest an evaluation may take: measurements still in flight then are terminated.
pub const EVALUATE_TIMEOUT: Duration = Duration::from_secs(60);
/// A bound on passes, so an engine that never completes cannot spin a request forever.
const MAX_PASSES: usize = 64;

/// One metric's part of a [`Verdict`].
#[derive(Clone, Debug, Serialize)]
pub struct MetricVerdict {
    /// The metric's name.
    pub name: String,
    /// Its phase, as Argo spells it.
    pub phase: String,
    /// Its last measurement's value (masked).
    pub value: String,
    /// Its last measurement's message, else the metric's (masked).
    pub message: String,
    /// The conditions' sub-expression values for the last measurement.
    pub explanation: Vec<ExplainStep>,
}

/// The answer of an evaluation: the run's verdict and each metric's, with explanations.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// The run's phase, as Argo spells it.
    pub phase: String,
    /// The run's message (masked).
    pub message: String,
    /// False when the evaluation was cut off before the run completed.
    pub completed: bool,
    /// Each metric's verdict, in the run's order.
    pub metrics: Vec<MetricVerdict>,
}

impl Verdict {
    /// Whether the run passed: the one question a deploy gate asks.
    pub fn successful(&self) -> bool {
        self.phase == Phase::Successful.as_str()
    }
}

impl Service {
    /// Makes `run` one-shot ([`one_shot`]) and drives it to completion now; nothing is stored.
    pub async fn evaluate(&self, run: AnalysisRun) -> Result<Verdict, ApiError> {
        self.evaluate_within(run, None).await
    }

    /// [`Service::evaluate`] with a request deadline (at most [`EVALUATE_TIMEOUT`]): at the
    /// deadline, measurements still waiting on their backends are terminated (Inconclusive,
    /// `Metric Terminated`) and the verdict is given as it stands.
    pub async fn evaluate_within(
        &self,
        mut run: AnalysisRun,
        timeout: Option<Duration>,
    ) -> Result<Verdict, ApiError> {
        if !self.core.accepting() {
            return Err(ApiError::Unavailable("the service is shutting down"));
        }
        one_shot(&mut run);
        validate_run(&run, &self.core)?;

        let mut engine = RunEngine::new(run);
        let secrets = self.core.secrets.as_ref();
        let timeout = timeout.map_or(EVALUATE_TIMEOUT, |t| t.min(EVALUATE_TIMEOUT));
        let mut watch = Deadline {
            at: Utc::now() + chrono::Duration::from_std(timeout).unwrap_or_default(),
            passes: 0,
            recorded: Vec::new(),
        };
        let (cut, cut_rx) = tokio::sync::watch::channel(0u64);
        let mut source = LiveSource::new(&self.core.providers).cut_by(cut_rx);
        // At the deadline a pass still waiting is cut short; the observer then terminates.
        let alarm = async {
            tokio::time::sleep(timeout).await;
            let _ = cut.send(1);
            std::future::pending::<()>().await
        };
        let evaluation = drive::drive(
            &mut engine,
            secrets,
            &WallClock,
            &mut source,
            &mut watch,
            None,
        );
        tokio::select! {
            _ = evaluation => {}
            _ = alarm => {}
        }
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
        report: &'a mut PassReport,
    ) -> impl Future<Output = Flow> + Send + 'a {
        self.passes += 1;
        self.recorded.append(&mut report.measurements);
        let in_time =
            Utc::now() < self.at && engine.next_pass_at().is_some_and(|next| next < self.at);
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
