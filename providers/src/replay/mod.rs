//! Replay: a recording put through the same [`RunEngine`]
//! a live run uses, on a virtual clock that jumps to each pass, so a template can be tried
//! on yesterday's data in milliseconds. Same inputs, byte-identical report: nothing here
//! reads the wall clock.

mod timeline;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use analysis_core::drive::{self, Clock, MeasurementSource, VirtualClock};
use analysis_core::engine::{MeasureOutcome, MeasureRequest, RunEngine};
use analysis_core::json::Typing;
use analysis_core::model::{AnalysisRun, AnalysisRunStatus, Metric};
use analysis_core::secrets::SecretSource;
use analysis_core::{Provider, ProviderError, ProviderOutput};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use timeline::{MetricInfo, Noting, Timeline, TimelineEntry};

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
    /// Sequence or time mode.
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
    /// The run's status when the replay stopped, with Argo's field names.
    #[serde(flatten)]
    pub status: AnalysisRunStatus,
    /// The mode the replay ran in.
    pub mode: Mode,
    /// The virtual instant the run started at.
    #[serde(serialize_with = "timeline::rfc3339")]
    pub start: DateTime<Utc>,
    /// Every measurement in order (up to [`ReplayOptions::timeline_limit`]).
    pub timeline: Vec<TimelineEntry>,
    /// Measurements left out of `timeline` by [`ReplayOptions::timeline_limit`].
    #[serde(skip_serializing_if = "is_zero")]
    pub timeline_omitted: usize,
    /// Metrics whose lines ran out before the run completed.
    pub exhausted: Vec<String>,
    /// The run's name, for titles (not serialized).
    #[serde(skip)]
    pub run_name: String,
    /// What each metric is judged by, for plots (not serialized: a condition could hold a secret).
    #[serde(skip)]
    pub metrics: Vec<MetricInfo>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The recording itself is bad.
    #[error(transparent)]
    Recording(#[from] RecordingError),
    /// Time mode, and a line has no `at`.
    #[error("{recording}: time mode needs \"at\" on every line; line {line} has none")]
    MissingAt {
        /// The recording's source name.
        recording: String,
        /// The first line without `at`.
        line: usize,
    },
    /// Time mode, and a metric's lines go back in time.
    #[error(
        "{recording}: time mode needs each metric's lines in time order; line {line} \
         (metric {metric:?}) is earlier than the one before it"
    )]
    OutOfOrder {
        /// The recording's source name.
        recording: String,
        /// The metric whose lines go back.
        metric: String,
        /// The first line earlier than the one before it.
        line: usize,
    },
    /// Time mode, and neither the caller nor the recording gives a start time.
    #[error("{recording}: time mode needs \"at\" on the lines (or a start time)")]
    NoStart {
        /// The recording's source name.
        recording: String,
    },
    /// Time mode, and a metric is measured before its first line.
    #[error(
        "{recording}: metric {metric:?} is measured at {at} but its first line is at {first}; \
         start at or after it"
    )]
    TooEarly {
        /// The recording's source name.
        recording: String,
        /// The metric measured too early.
        metric: String,
        /// When it was measured, RFC 3339.
        at: String,
        /// When its first line is, RFC 3339.
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
    let mut source = Noting::new(ReplaySource {
        sources: Sources {
            recording,
            mode: options.mode,
            sequence: BTreeMap::new(),
            time: BTreeMap::new(),
            providers: BTreeMap::new(),
        },
        providers,
        exhausted: Vec::new(),
        error: None,
    });
    let mut engine = RunEngine::new(run);
    let clock = VirtualClock::new(start);
    let mut timeline = Timeline::new(options.timeline_limit);
    drive::block_on(drive::drive(
        &mut engine,
        secrets,
        &clock,
        &mut source,
        &mut timeline,
        None,
    ));
    let ReplaySource {
        mut exhausted,
        error,
        ..
    } = source.inner;
    if let Some(error) = error {
        return Err(error);
    }
    exhausted.sort();
    exhausted.dedup();
    Ok(ReplayReport {
        status: engine.run().status.clone().unwrap_or_default(),
        mode: options.mode,
        start,
        timeline_omitted: timeline.measurements - timeline.entries.len(),
        timeline: timeline.entries,
        exhausted,
        run_name: engine.run().metadata.name.clone().unwrap_or_default(),
        metrics: source.metrics,
    })
}

/// A recording as a measurement source: each request takes its metric's next line (or the
/// line at the virtual time), parsed by the metric's provider exactly as a live answer.
struct ReplaySource<'a> {
    sources: Sources<'a>,
    providers: &'a Providers,
    /// Metrics whose lines ran out.
    exhausted: Vec<String>,
    /// A recording error that stopped the replay.
    error: Option<ReplayError>,
}

impl MeasurementSource for ReplaySource<'_> {
    fn measure<'a, C: Clock>(
        &'a mut self,
        requests: &'a [MeasureRequest],
        clock: &'a C,
    ) -> impl Future<Output = Vec<MeasureOutcome>> + Send + 'a {
        let now = clock.now();
        let mut outcomes = Vec::with_capacity(requests.len());
        for request in requests {
            let line = match self.sources.take(&request.metric, now) {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.exhausted.push(request.metric_name.clone());
                    continue;
                }
                Err(e) => {
                    self.error = Some(e);
                    break;
                }
            };
            let (provider, metadata) = self.sources.provider(self.providers, &request.metric);
            let answer = match line.entry {
                Entry::Result(value) => Ok(ProviderOutput::new(value)),
                Entry::Response(raw) => provider.parse(&request.metric, &raw),
                Entry::Error(message) => Err(ProviderError::new(message)),
            };
            let mut outcome = MeasureOutcome::new(request, now, now, answer);
            // The engine keeps metric metadata only from a metric's first answer.
            if metadata.first {
                outcome.metric_metadata = metadata.map.clone();
            }
            outcome.origin = Some(line.number);
            outcomes.push(outcome);
        }
        std::future::ready(outcomes)
    }

    fn exhausted(&self) -> bool {
        !self.exhausted.is_empty() || self.error.is_some()
    }
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

/// A metric's metric-level metadata, and whether this is the metric's first answer.
struct Metadata<'a> {
    map: &'a BTreeMap<String, String>,
    first: bool,
}

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
    ) -> (Arc<dyn Provider>, Metadata<'_>) {
        static NO_METADATA: BTreeMap<String, String> = BTreeMap::new();
        let first = !self.providers.contains_key(&metric.name);
        if first {
            let p = providers.for_metric(metric);
            let m = p.metric_metadata(metric);
            self.providers.insert(metric.name.clone(), (p, m));
        }
        match self.providers.get(&metric.name) {
            Some((p, map)) => (p.clone(), Metadata { map, first }),
            None => (
                providers.for_metric(metric),
                Metadata {
                    map: &NO_METADATA,
                    first,
                },
            ),
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
