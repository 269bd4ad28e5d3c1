use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Argument, DryRun, MeasurementRetention, Metric, ObjectMeta, Phase};

/// An `AnalysisRun`: metrics to measure now, and (once running) their status.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisRun {
    /// `argoproj.io/v1alpha1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `AnalysisRun`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name, namespace, labels.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What to measure.
    #[serde(default)]
    pub spec: AnalysisRunSpec,
    /// What happened so far; absent before the first pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AnalysisRunStatus>,
}

/// A run's spec: its metrics, their args and rules.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisRunSpec {
    /// The metrics, in the order they are assessed.
    #[serde(default)]
    pub metrics: Vec<Metric>,
    /// Args the metrics' `{{args.x}}` tags refer to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Argument>,
    /// Stop the run: no new measurements, and it completes on its next pass.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub terminate: bool,
    /// Metrics measured but never deciding the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dry_run: Vec<DryRun>,
    /// How many measurements matching metrics keep.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurement_retention: Vec<MeasurementRetention>,
    /// When a completed run is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_strategy: Option<TtlStrategy>,
}

/// `ttlStrategy`: seconds after completion before a completed run is deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TtlStrategy {
    /// For any completed run without a more specific TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_after_completion: Option<i32>,
    /// For a Failed run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_after_failure: Option<i32>,
    /// For a Successful run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_after_success: Option<i32>,
}

/// The run's status as Argo writes it. `phase` is absent until the first pass.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisRunStatus {
    /// The run's phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// Why it completed as it did (`Metric "m" assessed Failed due to ...`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// One result per metric that has been measured, in the order first measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_results: Vec<MetricResult>,
    /// When the first pass ran.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::time::option"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// When the run completed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::time::option"
    )]
    pub completed_at: Option<DateTime<Utc>>,
    /// Outcomes of the metrics that decide the run.
    #[serde(default)]
    pub run_summary: RunSummary,
    /// Outcomes of the dry-run metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run_summary: Option<RunSummary>,
}

/// Counts of metrics by outcome (`runSummary`, `dryRunSummary`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// Metrics counted.
    #[serde(default)]
    pub count: i32,
    /// Completed Successful (or with no limit tripped).
    #[serde(default)]
    pub successful: i32,
    /// Completed by tripping `failureLimit`.
    #[serde(default)]
    pub failed: i32,
    /// Completed by tripping `inconclusiveLimit`.
    #[serde(default)]
    pub inconclusive: i32,
    /// Completed by tripping `consecutiveErrorLimit`.
    #[serde(default)]
    pub error: i32,
}

/// One metric's accumulated results. Counters are cumulative and survive history trimming.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricResult {
    /// The metric's name.
    pub name: String,
    /// The metric's phase.
    pub phase: Phase,
    /// The newest measurements, oldest first (trimmed to the retention limit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// The last measurement's message, or the limit the metric tripped.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Completed non-Error measurements.
    #[serde(default)]
    pub count: i32,
    /// Successful measurements.
    #[serde(default)]
    pub successful: i32,
    /// Failed measurements.
    #[serde(default)]
    pub failed: i32,
    /// Inconclusive measurements.
    #[serde(default)]
    pub inconclusive: i32,
    /// Error measurements.
    #[serde(default)]
    pub error: i32,
    /// Error measurements in a row, up to the latest.
    #[serde(default)]
    pub consecutive_error: i32,
    /// Whether a `dryRun` rule matches the metric.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Provider details about the metric (e.g. the templated Prometheus query).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Successful measurements in a row, up to the latest.
    #[serde(default)]
    pub consecutive_success: i32,
}

impl MetricResult {
    /// A result for metric `name` that has seen nothing yet: Pending, all counters 0.
    pub fn new(name: impl Into<String>) -> MetricResult {
        MetricResult {
            name: name.into(),
            phase: Phase::Pending,
            measurements: Vec::new(),
            message: String::new(),
            count: 0,
            successful: 0,
            failed: 0,
            inconclusive: 0,
            error: 0,
            consecutive_error: 0,
            dry_run: false,
            metadata: BTreeMap::new(),
            consecutive_success: 0,
        }
    }

    /// Argo's counter update for one measurement of `phase` (semantics §3.3). Only completed
    /// measurements count; an Error never advances `count`, so retries do not use up a
    /// metric's measurements.
    pub fn tally(&mut self, phase: Phase) {
        match phase {
            Phase::Successful => {
                self.successful += 1;
                self.count += 1;
                self.consecutive_error = 0;
                self.consecutive_success += 1;
            }
            Phase::Failed => {
                self.failed += 1;
                self.count += 1;
                self.consecutive_error = 0;
                self.consecutive_success = 0;
            }
            Phase::Inconclusive => {
                self.inconclusive += 1;
                self.count += 1;
                self.consecutive_error = 0;
                self.consecutive_success = 0;
            }
            Phase::Error => {
                self.error += 1;
                self.consecutive_error += 1;
                self.consecutive_success = 0;
            }
            Phase::Pending | Phase::Running => {}
        }
    }

    /// Appends a measurement and counts it ([`tally`](MetricResult::tally)); the metric's own
    /// phase is left for the assessment to decide.
    pub fn record(&mut self, measurement: Measurement) {
        self.tally(measurement.phase);
        self.measurements.push(measurement);
    }
}

/// One measurement. `value` is the provider's result encoded as Go's `encoding/json` would.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Measurement {
    /// Its phase; Running while in flight.
    pub phase: Phase,
    /// Why it errored, or a provider's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// When it was taken.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::time::option"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished; absent while in flight.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::time::option"
    )]
    pub finished_at: Option<DateTime<Utc>>,
    /// The provider's result.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// Provider details (e.g. Prometheus warnings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// When an in-flight measurement is looked at again.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::time::option"
    )]
    pub resume_at: Option<DateTime<Utc>>,
}

impl Measurement {
    /// A finished measurement: `phase` decided, taken between `started_at` and `finished_at`.
    /// Value, message and metadata start empty; add them with the `with_*` methods.
    ///
    /// ```
    /// use analysis_core::{Measurement, Phase};
    /// use chrono::{DateTime, Utc};
    ///
    /// let at: DateTime<Utc> = "2024-05-01T12:00:00Z".parse()?;
    /// let m = Measurement::new(Phase::Failed, at, at).with_value("[0.91]");
    /// assert_eq!((m.phase, m.value.as_str()), (Phase::Failed, "[0.91]"));
    /// assert_eq!(m.finished_at, Some(at));
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    pub fn new(phase: Phase, started_at: DateTime<Utc>, finished_at: DateTime<Utc>) -> Measurement {
        Measurement {
            phase,
            message: String::new(),
            started_at: Some(started_at),
            finished_at: Some(finished_at),
            value: String::new(),
            metadata: BTreeMap::new(),
            resume_at: None,
        }
    }

    /// A measurement still in flight (Argo's Running measurement): started, not finished.
    /// A provider that answers later sets [`with_resume_at`](Measurement::with_resume_at).
    pub fn running(started_at: DateTime<Utc>) -> Measurement {
        Measurement {
            phase: Phase::Running,
            message: String::new(),
            started_at: Some(started_at),
            finished_at: None,
            value: String::new(),
            metadata: BTreeMap::new(),
            resume_at: None,
        }
    }

    /// The same measurement with `value` (the provider's result, as Go's JSON would write it).
    pub fn with_value(mut self, value: impl Into<String>) -> Measurement {
        self.value = value.into();
        self
    }

    /// The same measurement with `message` (why it errored, or the provider's note).
    pub fn with_message(mut self, message: impl Into<String>) -> Measurement {
        self.message = message.into();
        self
    }

    /// The same measurement with `metadata` (provider-specific details, e.g. the query sent).
    pub fn with_metadata(mut self, metadata: BTreeMap<String, String>) -> Measurement {
        self.metadata = metadata;
        self
    }

    /// The same measurement, to be resumed at `at` (an in-flight measurement's next look).
    pub fn with_resume_at(mut self, at: DateTime<Utc>) -> Measurement {
        self.resume_at = Some(at);
        self
    }
}
