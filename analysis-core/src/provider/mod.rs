//! The seam between the engine and the outside world: a [`Provider`] turns a templated metric
//! into a typed result. Implementations live in the `providers` crate, one module each.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Measurement, Metric, Phase};
use crate::value::Value;

pub mod spec;

/// A boxed, sendable future, so providers can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a provider needs to know about the moment of measurement. Live runs pass the wall
/// clock; backtests pass a virtual time in the past (Prometheus' `time=` parameter).
#[derive(Clone, Debug)]
pub struct MeasureContext {
    /// The instant the measurement is taken at: the wall clock, or a virtual time in the past.
    pub now: DateTime<Utc>,
}

/// A successful provider answer: the typed `result` conditions see, the `value` string stored
/// in the measurement, and measurement metadata (e.g. Prometheus warnings).
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderOutput {
    /// What the metric's conditions are evaluated against.
    pub result: Value,
    /// The measurement's `value`, as Argo would store it.
    pub value: String,
    /// Copied into the measurement's `metadata`.
    pub metadata: BTreeMap<String, String>,
}

impl ProviderOutput {
    /// An output whose `value` is the result encoded as Go's `encoding/json` would.
    pub fn new(result: Value) -> ProviderOutput {
        let value = result.to_go_json();
        ProviderOutput {
            result,
            value,
            metadata: BTreeMap::new(),
        }
    }
}

/// A provider failure; its text becomes the Error measurement's message verbatim, so it must
/// read exactly like Argo's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    /// Argo's text for the failure.
    pub message: String,
}

impl ProviderError {
    /// A failure with exactly this message.
    pub fn new(message: impl Into<String>) -> ProviderError {
        ProviderError {
            message: message.into(),
        }
    }

    /// The error for provider kinds Augur does not measure.
    pub fn unsupported(kind: &str) -> ProviderError {
        ProviderError::new(format!("provider {kind} is not supported"))
    }
}

/// The raw answer of a provider's backend, kept so a run can be recorded and replayed through
/// the provider's own parsing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RawResponse {
    /// The HTTP status the backend answered with.
    pub status: u16,
    /// The body, as text, for the provider's `parse` to read again on replay.
    pub body: String,
}

/// What one fetch produced: the outcome, and the raw answer when the backend sent one.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The provider's answer.
    pub outcome: Result<ProviderOutput, ProviderError>,
    /// What the backend sent, when it answered at all (recorded for replay).
    pub raw: Option<RawResponse>,
}

impl Fetched {
    /// A fetch that failed before any answer (no raw response to record).
    pub fn failed(error: ProviderError) -> Fetched {
        Fetched {
            outcome: Err(error),
            raw: None,
        }
    }
}

/// How far a measurement got: Argo's provider calls answer with a finished measurement, a
/// Running one, or (on termination) one whose phase the provider decided.
#[derive(Clone, Debug)]
pub enum Measured {
    /// The backend answered (or failed to).
    Fetched(Fetched),
    /// Not finished: ask again ([`Provider::resume`]) at `resume_at`, or soon when `None`.
    Running {
        /// When the provider expects to have the answer.
        resume_at: Option<DateTime<Utc>>,
    },
    /// The provider decided the phase itself (a terminated measurement).
    Decided {
        /// The measurement's phase.
        phase: Phase,
        /// Its message.
        message: String,
    },
}

/// The message of a measurement stopped by termination (Argo's text).
pub const METRIC_TERMINATED: &str = "Metric Terminated";

/// A metric provider (web, prometheus, skywalking, recorded, ...).
///
/// Argo's provider interface has three calls, and so does this trait: [`Provider::run`] starts
/// a measurement, which may come back Running; [`Provider::resume`] finishes one left in
/// flight; [`Provider::terminate`] stops one when the run terminates. Augur's own providers
/// answer within one [`Provider::fetch`], which the defaults build on; asynchronous providers
/// (long-running jobs, Kayenta-style executions) override them.
pub trait Provider: Send + Sync {
    /// The provider key in the manifest (`web`, `prometheus`, ...).
    fn kind(&self) -> &'static str;

    /// Takes one measurement of an already templated metric.
    fn fetch<'a>(&'a self, metric: &'a Metric, ctx: &'a MeasureContext) -> BoxFuture<'a, Fetched>;

    /// Starts a measurement (Argo's `Run`): by default, one fetch.
    fn run<'a>(&'a self, metric: &'a Metric, ctx: &'a MeasureContext) -> BoxFuture<'a, Measured> {
        Box::pin(async move { Measured::Fetched(self.fetch(metric, ctx).await) })
    }

    /// Finishes a measurement left in flight (Argo's `Resume`). A provider that answers within
    /// one fetch only leaves one when its pass was cut short (a restart): by default it is
    /// taken again.
    fn resume<'a>(
        &'a self,
        metric: &'a Metric,
        _in_flight: &'a Measurement,
        ctx: &'a MeasureContext,
    ) -> BoxFuture<'a, Measured> {
        self.run(metric, ctx)
    }

    /// Stops a measurement in flight because the run terminates (Argo's `Terminate`). By
    /// default there is nothing to cancel and no result: Inconclusive, `Metric Terminated`.
    fn terminate<'a>(
        &'a self,
        _metric: &'a Metric,
        _in_flight: &'a Measurement,
        _ctx: &'a MeasureContext,
    ) -> BoxFuture<'a, Measured> {
        Box::pin(std::future::ready(Measured::Decided {
            phase: Phase::Inconclusive,
            message: METRIC_TERMINATED.to_string(),
        }))
    }

    /// Turns a raw backend answer into a result exactly as [`Provider::fetch`] would, so recorded
    /// responses replay through the same parsing.
    fn parse(&self, metric: &Metric, raw: &RawResponse) -> Result<ProviderOutput, ProviderError>;

    /// Metadata stored on the metric's result (Argo's `GetMetadata`), e.g. the resolved query.
    fn metric_metadata(&self, _metric: &Metric) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}
