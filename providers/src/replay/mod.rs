//! Replay: a recording put through the same [`RunEngine`](analysis_core::engine::RunEngine)
//! a live run uses, on a virtual clock that jumps to each pass, so a template can be tried
//! on yesterday's data in milliseconds. Same inputs, byte-identical report: nothing here
//! reads the wall clock.

mod clock;

use std::collections::BTreeMap;
use std::sync::Arc;

use analysis_core::engine::MeasureOutcome;
use analysis_core::json::Typing;
use analysis_core::model::{AnalysisRun, AnalysisRunStatus, Metric};
use analysis_core::secrets::SecretSource;
use analysis_core::{Provider, ProviderError, ProviderOutput};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use clock::{Advance, Finished, MetricInfo, TimelineEntry, VirtualRun};

use crate::Providers;
use crate::recorded::{AtTime, Cursor, Entry, Line, Recording, RecordingError, TimeCursor};

/// How measurements find their lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The k-th measurement of a metric takes the k-th line recorded for it.
    #[default]
    Sequence,
    /// A measurement at virtual time t takes the newest line for its metric with `at <= t`.
    Time,
}

/// Replay settings.
#[derive(Clone, Debug, Default)]
pub struct ReplayOptions {
    pub mode: Mode,
    /// The virtual start; default: the recording's first `at`, else the Unix epoch.
    pub start: Option<DateTime<Utc>>,
    /// Keep at most this many timeline entries (memory stays flat for huge replays).
    pub timeline_limit: Option<usize>,
}

/// A replay's outcome: the AnalysisRun status with Argo's field names, every measurement in
/// order, and the metrics whose lines ran out before the run completed.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayReport {
    #[serde(flatten)]
    pub status: AnalysisRunStatus,
    pub mode: Mode,
    #[serde(serialize_with = "clock::rfc3339")]
    pub start: DateTime<Utc>,
    pub timeline: Vec<TimelineEntry>,
    /// Measurements left out of `timeline` by [`ReplayOptions::timeline_limit`].
    #[serde(skip_serializing_if = "is_zero")]
    pub timeline_omitted: usize,
    pub exhausted: Vec<String>,
    #[serde(skip)]
    pub run_name: String,
    #[serde(skip)]
    pub metrics: Vec<MetricInfo>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Recording(#[from] RecordingError),
    #[error("{recording}: time mode needs \"at\" on every line; line {line} has none")]
    MissingAt { recording: String, line: usize },
    #[error(
        "{recording}: time mode needs each metric's lines in time order; line {line} \
         (metric {metric:?}) is earlier than the one before it"
    )]
    OutOfOrder {
        recording: String,
        metric: String,
        line: usize,
    },
    #[error("{recording}: time mode needs \"at\" on the lines (or a start time)")]
    NoStart { recording: String },
    #[error(
        "{recording}: metric {metric:?} is measured at {at} but its first line is at {first}; \
         start at or after it"
    )]
    TooEarly {
        recording: String,
        metric: String,
        at: String,
        first: String,
    },
}

/// The start used when neither the caller nor the recording gives one.
pub fn default_epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

/// Replays `recording` through `run` and reports how the run went.
pub fn replay(
    run: AnalysisRun,
    recording: &Recording,
    providers: &Providers,
    secrets: &dyn SecretSource,
    options: &ReplayOptions,
) -> Result<ReplayReport, ReplayError> {
    recording.check_metrics(run.spec.metrics.iter().map(|m| m.name.as_str()))?;
    let start = match (options.start, recording.first_at(), options.mode) {
        (Some(start), _, _) => start,
        (None, Some(first), _) => first,
        (None, None, Mode::Sequence) => default_epoch(),
        (None, None, Mode::Time) => {
            return Err(ReplayError::NoStart {
                recording: recording.name().to_string(),
            });
        }
    };
    if options.mode == Mode::Time {
        check_time_mode(recording)?;
    }
    let mut sources = Sources {
        recording,
        mode: options.mode,
        sequence: BTreeMap::new(),
        time: BTreeMap::new(),
        providers: BTreeMap::new(),
    };
    let mut vr = VirtualRun::new(run, start, options.timeline_limit);
    let mut exhausted = Vec::new();
    let mut lines = BTreeMap::new();
    loop {
        let now = vr.now();
        let requests = vr.begin_pass(secrets);
        let mut outcomes = Vec::with_capacity(requests.len());
        // Line numbers only matter to timeline entries; past the limit none are kept.
        let keep_lines = vr.timeline_has_room();
        lines.clear();
        for request in requests {
            let Some(line) = sources.take(&request.metric, now)? else {
                exhausted.push(request.metric_name);
                continue;
            };
            let (provider, metadata) = sources.provider(providers, &request.metric);
            let outcome = match line.entry {
                Entry::Result(value) => Ok(ProviderOutput::new(value)),
                Entry::Response(raw) => provider.parse(&request.metric, &raw),
                Entry::Error(message) => Err(ProviderError::new(message)),
            };
            if keep_lines {
                lines.insert(request.metric_name.clone(), line.number);
            }
            // The engine stores metric metadata only when it creates the metric's result.
            let metric_metadata = if vr.has_result(&request.metric_name) {
                BTreeMap::new()
            } else {
                metadata.clone()
            };
            outcomes.push(MeasureOutcome {
                metric_metadata,
                metric_name: request.metric_name,
                started_at: now,
                finished_at: now,
                outcome,
            });
        }
        vr.finish_pass(outcomes, &lines);
        if !exhausted.is_empty() || vr.advance(None) != Advance::Next {
            break;
        }
    }
    exhausted.sort();
    exhausted.dedup();
    let finished = vr.finish();
    Ok(ReplayReport {
        status: finished.status,
        mode: options.mode,
        start,
        timeline_omitted: finished.measurements - finished.timeline.len(),
        timeline: finished.timeline,
        exhausted,
        run_name: finished.run_name,
        metrics: finished.metrics,
    })
}

fn check_time_mode(recording: &Recording) -> Result<(), ReplayError> {
    let name = recording.name().to_string();
    let metrics = recording.metrics();
    if let Some(line) = metrics.values().filter_map(|i| i.line_without_at).min() {
        return Err(ReplayError::MissingAt {
            recording: name,
            line,
        });
    }
    let back = metrics
        .iter()
        .filter_map(|(m, i)| i.line_going_back.map(|l| (l, m)))
        .min();
    if let Some((line, metric)) = back {
        return Err(ReplayError::OutOfOrder {
            recording: name,
            metric: metric.clone(),
            line,
        });
    }
    Ok(())
}

/// A metric's provider and its metric-level metadata (`ResolvedPrometheusQuery`, ...).
type ProviderAndMetadata = (Arc<dyn Provider>, BTreeMap<String, String>);

/// The per-metric cursors, opened on a metric's first measurement.
struct Sources<'a> {
    recording: &'a Recording,
    mode: Mode,
    sequence: BTreeMap<String, Cursor>,
    time: BTreeMap<String, TimeCursor>,
    /// Each metric's provider and metric-level metadata, looked up once: the templated
    /// metric does not change during a replay (secrets are not rotated here).
    providers: BTreeMap<String, ProviderAndMetadata>,
}

impl Sources<'_> {
    fn provider(
        &mut self,
        providers: &Providers,
        metric: &Metric,
    ) -> (Arc<dyn Provider>, &BTreeMap<String, String>) {
        static NO_METADATA: BTreeMap<String, String> = BTreeMap::new();
        if !self.providers.contains_key(&metric.name) {
            let p = providers.for_metric(metric);
            let m = p.metric_metadata(metric);
            self.providers.insert(metric.name.clone(), (p, m));
        }
        match self.providers.get(&metric.name) {
            Some((p, m)) => (p.clone(), m),
            None => (providers.for_metric(metric), &NO_METADATA),
        }
    }

    /// The line for a measurement of `metric` at `now`; `None` when its lines ran out.
    fn take(&mut self, metric: &Metric, now: DateTime<Utc>) -> Result<Option<Line>, ReplayError> {
        // Asked only when a metric's cursor opens, not on every measurement.
        let typing = || crate::spec_for(metric).map_or(Typing::Json, |s| s.result().typing);
        let name = metric.name.as_str();
        match self.mode {
            Mode::Sequence => {
                let cursor = match self.sequence.get_mut(name) {
                    Some(c) => c,
                    None => self
                        .sequence
                        .entry(name.to_string())
                        .or_insert(self.recording.cursor(name, typing())?),
                };
                Ok(cursor.next()?)
            }
            Mode::Time => {
                let cursor = match self.time.get_mut(name) {
                    Some(c) => c,
                    None => self
                        .time
                        .entry(name.to_string())
                        .or_insert(TimeCursor::new(self.recording.cursor(name, typing())?)?),
                };
                match cursor.at(now)? {
                    AtTime::Line(line) => Ok(Some(line)),
                    AtTime::Exhausted => Ok(None),
                    AtTime::TooEarly { first_at: None } => Ok(None),
                    AtTime::TooEarly {
                        first_at: Some(first),
                    } => Err(ReplayError::TooEarly {
                        recording: self.recording.name().to_string(),
                        metric: name.to_string(),
                        at: analysis_core::model::time::format(&now),
                        first: analysis_core::model::time::format(&first),
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
