//! Backtest: "would this template have caught last week's bad release?" The run starts at a
//! past instant T1 and the same engine is driven on a virtual clock; each measurement is a
//! real Prometheus query evaluated at its virtual time (`time=`), until the run completes or
//! the clock passes T2. Only Prometheus keeps history it can be asked about, so metrics of
//! other providers are left out of the run and listed as not backtestable.

use analysis_core::drive::{self, End, VirtualClock};
use analysis_core::engine::RunEngine;
use analysis_core::model::{AnalysisRun, AnalysisRunStatus, time};
use analysis_core::secrets::SecretSource;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Providers;
use crate::driver::LiveSource;
use crate::replay::{MetricInfo, Noting, Timeline, TimelineEntry};

/// The backtest window.
#[derive(Clone, Debug)]
pub struct BacktestOptions {
    /// The virtual instant the run starts at.
    pub from: DateTime<Utc>,
    /// The virtual instant the backtest stops at if the run has not completed by then.
    pub to: DateTime<Utc>,
    /// Keep at most this many timeline entries.
    pub timeline_limit: Option<usize>,
}

/// A metric left out because its provider has no history to query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotBacktestable {
    /// The metric's name.
    pub metric: String,
    /// Its provider kind(s), joined with `+`.
    pub provider: String,
}

/// The run as it stood when it completed or reached `to`, with its verdict timeline.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BacktestReport {
    /// The run's status when the backtest stopped, with Argo's field names.
    #[serde(flatten)]
    pub status: AnalysisRunStatus,
    /// The window's start, RFC 3339.
    pub from: String,
    /// The window's end, RFC 3339.
    pub to: String,
    /// Every measurement in order (up to [`BacktestOptions::timeline_limit`]).
    pub timeline: Vec<TimelineEntry>,
    /// True when the window ended before the run completed.
    pub reached_end: bool,
    /// The metrics left out of the run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_backtestable: Vec<NotBacktestable>,
    /// The run's name, for titles (not serialized).
    #[serde(skip)]
    pub run_name: String,
    /// What each metric is judged by, for plots (not serialized: a condition could hold a secret).
    #[serde(skip)]
    pub metrics: Vec<MetricInfo>,
}

/// Why a backtest could not run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// `from` is not before `to`.
    #[error("--from ({from}) must be before --to ({to})")]
    EmptyWindow {
        /// The window's start, RFC 3339.
        from: String,
        /// The window's end, RFC 3339.
        to: String,
    },
    /// No metric has history to query; the text names the metrics left out.
    #[error("nothing to backtest: only Prometheus metrics can be backtested, and {0}")]
    NoPrometheusMetric(String),
}

/// Runs `run` over Prometheus history from `options.from` to `options.to`.
pub async fn backtest(
    mut run: AnalysisRun,
    providers: &Providers,
    secrets: &dyn SecretSource,
    options: &BacktestOptions,
) -> Result<BacktestReport, BacktestError> {
    if options.from >= options.to {
        return Err(BacktestError::EmptyWindow {
            from: time::format(&options.from),
            to: time::format(&options.to),
        });
    }
    let (kept, left_out): (Vec<_>, Vec<_>) = std::mem::take(&mut run.spec.metrics)
        .into_iter()
        .partition(|m| crate::spec_for(m).is_some_and(|s| s.has_history()));
    let not_backtestable: Vec<NotBacktestable> = left_out
        .iter()
        .map(|m| NotBacktestable {
            metric: m.name.clone(),
            provider: m.provider.kinds().join("+"),
        })
        .collect();
    if kept.is_empty() {
        let others = not_backtestable
            .iter()
            .map(|n| format!("{:?} is a {} metric", n.metric, n.provider))
            .collect::<Vec<_>>()
            .join(", ");
        let others = if others.is_empty() {
            "the template has no metrics".to_string()
        } else {
            others
        };
        return Err(BacktestError::NoPrometheusMetric(others));
    }
    run.spec.metrics = kept;

    // Live providers on a virtual clock: each query is evaluated at its virtual time.
    let mut engine = RunEngine::new(run);
    let clock = VirtualClock::new(options.from);
    let mut source = Noting::new(LiveSource::new(providers));
    let mut timeline = Timeline::new(options.timeline_limit);
    let end = drive::drive(
        &mut engine,
        secrets,
        &clock,
        &mut source,
        &mut timeline,
        Some(options.to),
    )
    .await;
    Ok(BacktestReport {
        status: engine.run().status.clone().unwrap_or_default(),
        from: time::format(&options.from),
        to: time::format(&options.to),
        timeline: timeline.entries,
        reached_end: end == End::Horizon,
        not_backtestable,
        run_name: engine.run().metadata.name.clone().unwrap_or_default(),
        metrics: source.metrics,
    })
}
