//! What replay and backtest add to the one driver ([`analysis_core::drive`]): a
//! [`Timeline`] observer that keeps every measurement with its virtual time, explanation and
//! the metric's phase after it, and [`Noting`], a source wrapper that notes each metric's
//! templated conditions for plots.

use std::future::Future;

use analysis_core::drive::{Clock, MeasurementSource, Observer};
use analysis_core::engine::{MeasureOutcome, MeasureRequest, PassReport, RunEngine};
use analysis_core::evaluate::ExplainStep;
use analysis_core::model::{Phase, time};
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// One measurement as it happened on the virtual clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// When the measurement finished.
    #[serde(serialize_with = "rfc3339")]
    pub at: DateTime<Utc>,
    /// The metric's name.
    pub metric: String,
    /// The measurement's phase.
    pub phase: Phase,
    /// Its value, as stored.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// Its message, as stored.
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
    /// The metric's name.
    pub name: String,
    /// Its provider kind.
    pub provider: String,
    /// Its templated success condition.
    pub success_condition: Option<String>,
    /// Its templated failure condition.
    pub failure_condition: Option<String>,
}

/// Keeps the measurements of a drive, the first `limit` of them in full (memory stays flat
/// for huge replays; all are counted).
#[derive(Debug, Default)]
pub struct Timeline {
    /// The kept entries.
    pub entries: Vec<TimelineEntry>,
    limit: Option<usize>,
    /// Every measurement taken, kept or not.
    pub measurements: usize,
}

impl Timeline {
    /// A timeline keeping at most `limit` entries (all when `None`).
    pub fn new(limit: Option<usize>) -> Timeline {
        Timeline {
            entries: Vec::new(),
            limit,
            measurements: 0,
        }
    }

    fn has_room(&self) -> bool {
        self.limit.is_none_or(|l| self.entries.len() < l)
    }
}

impl Observer for Timeline {
    fn before_pass(&mut self, engine: &mut RunEngine, _: Option<DateTime<Utc>>, _: DateTime<Utc>) {
        // Explanations cost more than the rest of a measurement: only for kept entries.
        engine.set_explain(self.has_room());
    }

    fn after_pass<'a>(
        &'a mut self,
        engine: &'a RunEngine,
        report: &'a mut PassReport,
    ) -> impl Future<Output = analysis_core::drive::Flow> + Send + 'a {
        let status = engine.run().status.as_ref();
        for rec in &mut report.measurements {
            self.measurements += 1;
            if !self.has_room() {
                continue;
            }
            let metric_phase = status
                .and_then(|s| s.metric_results.iter().find(|r| r.name == rec.metric_name))
                .map_or(Phase::Pending, |r| r.phase);
            let m = &mut rec.measurement;
            self.entries.push(TimelineEntry {
                at: m.finished_at.or(m.started_at).unwrap_or_default(),
                line: rec.origin,
                metric: std::mem::take(&mut rec.metric_name),
                phase: m.phase,
                value: std::mem::take(&mut m.value),
                message: std::mem::take(&mut m.message),
                explanation: std::mem::take(&mut rec.explanation),
                metric_phase,
            });
        }
        std::future::ready(analysis_core::drive::Flow::Continue)
    }
}

/// A source that notes each metric the first time it is requested, with its templated
/// conditions, then measures through `inner`.
pub struct Noting<S> {
    /// The source measured through.
    pub inner: S,
    /// The metrics requested so far, in order.
    pub metrics: Vec<MetricInfo>,
}

impl<S> Noting<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Noting<S> {
        Noting {
            inner,
            metrics: Vec::new(),
        }
    }
}

impl<S: MeasurementSource> MeasurementSource for Noting<S> {
    fn measure<'a, C: Clock>(
        &'a mut self,
        requests: &'a [MeasureRequest],
        clock: &'a C,
    ) -> impl Future<Output = Vec<MeasureOutcome>> + Send + 'a {
        for r in requests {
            if !self.metrics.iter().any(|m| m.name == r.metric_name) {
                self.metrics.push(MetricInfo {
                    name: r.metric_name.clone(),
                    provider: r.metric.provider.kind().unwrap_or("").to_string(),
                    success_condition: r.metric.success_condition.clone(),
                    failure_condition: r.metric.failure_condition.clone(),
                });
            }
        }
        self.inner.measure(requests, clock)
    }

    fn finish(
        &mut self,
        engine: &mut analysis_core::engine::RunEngine,
        now: chrono::DateTime<chrono::Utc>,
        outcomes: Vec<MeasureOutcome>,
    ) -> analysis_core::engine::PassReport {
        self.inner.finish(engine, now, outcomes)
    }

    fn exhausted(&self) -> bool {
        self.inner.exhausted()
    }
}
