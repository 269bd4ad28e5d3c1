//! Driving the one [`RunEngine`] on a virtual clock: replay and backtest both use this, so
//! they differ from a live run only in where time and measurements come from.

use std::collections::BTreeMap;

use analysis_core::engine::{MeasureOutcome, MeasureRequest, RunEngine};
use analysis_core::evaluate::ExplainStep;
use analysis_core::model::{AnalysisRun, AnalysisRunStatus, Phase, time};
use analysis_core::secrets::SecretSource;
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// One measurement as it happened on the virtual clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    #[serde(serialize_with = "rfc3339")]
    pub at: DateTime<Utc>,
    pub metric: String,
    pub phase: Phase,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Every sub-expression of the condition with its value (`result[0]` = `0.93`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<ExplainStep>,
    /// The metric's phase after the pass that took this measurement: where it turns
    /// Failed/Error/Inconclusive, a limit tripped.
    pub metric_phase: Phase,
    /// The recording line the measurement came from (replay only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

pub(crate) fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&time::format(t))
}

/// What a metric is measured with and judged by, as templated for the run (for plots: the
/// threshold of a simple comparison). Never serialized: a condition could hold a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricInfo {
    pub name: String,
    pub provider: String,
    pub success_condition: Option<String>,
    pub failure_condition: Option<String>,
}

/// Why the virtual clock stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advance {
    /// There is another pass to run at [`VirtualRun::now`].
    Next,
    Completed,
    /// The engine asked for nothing more though the run is not complete.
    Stalled,
    /// The next pass would be after the horizon (backtest's `--to`).
    Horizon,
}

/// Passes in a row at the same virtual instant before the run counts as stalled; the engine
/// asks for an immediate re-pass after a status change, never for many.
const MAX_PASSES_AT_ONE_INSTANT: u32 = 16;

/// The engine plus a virtual clock and the timeline of what it measured.
pub struct VirtualRun {
    engine: RunEngine,
    now: DateTime<Utc>,
    passes_at_now: u32,
    timeline: Vec<TimelineEntry>,
    timeline_limit: Option<usize>,
    measurements: usize,
    metrics: Vec<MetricInfo>,
}

impl VirtualRun {
    /// A run starting at `start`; `timeline_limit` keeps memory flat for huge replays by
    /// keeping only the first entries (the count of all is still kept).
    pub fn new(run: AnalysisRun, start: DateTime<Utc>, timeline_limit: Option<usize>) -> Self {
        let mut engine = RunEngine::new(run);
        engine.set_explain(true);
        VirtualRun {
            engine,
            now: start,
            passes_at_now: 0,
            timeline: Vec::new(),
            timeline_limit,
            measurements: 0,
            metrics: Vec::new(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn engine(&self) -> &RunEngine {
        &self.engine
    }

    /// Whether the next measurement still gets a timeline entry (see `timeline_limit`).
    pub fn timeline_has_room(&self) -> bool {
        self.timeline_limit.is_none_or(|l| self.timeline.len() < l)
    }

    /// Whether the run's status already has a result for `metric`.
    pub fn has_result(&self, metric: &str) -> bool {
        self.engine
            .run()
            .status
            .as_ref()
            .is_some_and(|s| s.metric_results.iter().any(|r| r.name == metric))
    }

    /// Starts a pass at the virtual now.
    pub fn begin_pass(&mut self, secrets: &dyn SecretSource) -> Vec<MeasureRequest> {
        // Explanations cost more than the rest of a measurement: only for kept entries.
        self.engine.set_explain(self.timeline_has_room());
        let requests = self.engine.begin_pass(self.now, secrets);
        for r in &requests {
            if !self.metrics.iter().any(|m| m.name == r.metric_name) {
                self.metrics.push(MetricInfo {
                    name: r.metric_name.clone(),
                    provider: r.metric.provider.kind().unwrap_or("").to_string(),
                    success_condition: r.metric.success_condition.clone(),
                    failure_condition: r.metric.failure_condition.clone(),
                });
            }
        }
        requests
    }

    /// Finishes the pass with what was measured; `lines` maps metric names to the recording
    /// line each measurement came from.
    pub fn finish_pass(&mut self, outcomes: Vec<MeasureOutcome>, lines: &BTreeMap<String, usize>) {
        let report = self.engine.finish_pass(self.now, outcomes);
        let status = self.engine.run().status.as_ref();
        for rec in report.measurements {
            self.measurements += 1;
            if self
                .timeline_limit
                .is_some_and(|l| self.timeline.len() >= l)
            {
                continue;
            }
            let metric_phase = status
                .and_then(|s| s.metric_results.iter().find(|r| r.name == rec.metric_name))
                .map_or(Phase::Pending, |r| r.phase);
            let m = rec.measurement;
            self.timeline.push(TimelineEntry {
                at: m.finished_at.unwrap_or(self.now),
                line: lines.get(&rec.metric_name).copied(),
                metric: rec.metric_name,
                phase: m.phase,
                value: m.value,
                message: m.message,
                explanation: rec.explanation,
                metric_phase,
            });
        }
    }

    /// Moves the clock to the engine's next pass, unless the run is over.
    pub fn advance(&mut self, horizon: Option<DateTime<Utc>>) -> Advance {
        if self.engine.is_completed() {
            return Advance::Completed;
        }
        let Some(next) = self.engine.next_pass_at() else {
            return Advance::Stalled;
        };
        let next = next.max(self.now);
        if horizon.is_some_and(|h| next > h) {
            return Advance::Horizon;
        }
        if next == self.now {
            self.passes_at_now += 1;
            if self.passes_at_now > MAX_PASSES_AT_ONE_INSTANT {
                return Advance::Stalled;
            }
        } else {
            self.passes_at_now = 0;
        }
        self.now = next;
        Advance::Next
    }

    /// The run's status, the timeline, the count of all measurements, and the metrics seen.
    pub fn finish(self) -> Finished {
        Finished {
            status: self.engine.run().status.clone().unwrap_or_default(),
            run_name: self.engine.run().metadata.name.clone().unwrap_or_default(),
            timeline: self.timeline,
            measurements: self.measurements,
            metrics: self.metrics,
        }
    }
}

/// What a virtual run left behind.
pub struct Finished {
    pub status: AnalysisRunStatus,
    pub run_name: String,
    pub timeline: Vec<TimelineEntry>,
    pub measurements: usize,
    pub metrics: Vec<MetricInfo>,
}
