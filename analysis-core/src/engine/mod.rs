//! The sans-IO run state machine (semantics §3–§4). STUB: owned by the engine helper.
//!
//! A driver (live `augur run`, the service's scheduler, `replay`, `backtest`) calls
//! [`RunEngine::begin_pass`] at time `now`, takes the requested measurements however it likes,
//! hands them back with [`RunEngine::finish_pass`], and sleeps until
//! [`RunEngine::next_pass_at`]. The engine never sleeps, never reads a clock, never does I/O.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::evaluate::ExplainStep;
use crate::model::{AnalysisRun, Measurement, Metric};
use crate::provider::{ProviderError, ProviderOutput};
use crate::secrets::SecretSource;

/// A measurement the driver must take now.
#[derive(Clone, Debug)]
pub struct MeasureRequest {
    pub metric_name: String,
    /// The metric templated with the real argument values (secrets included): hand it to the
    /// provider, never show it.
    pub metric: Metric,
}

/// What the driver got for a [`MeasureRequest`].
#[derive(Clone, Debug)]
pub struct MeasureOutcome {
    pub metric_name: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: Result<ProviderOutput, ProviderError>,
    /// The provider's metric-level metadata (e.g. `ResolvedPrometheusQuery`).
    pub metric_metadata: BTreeMap<String, String>,
}

/// One measurement recorded by a pass.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub metric_name: String,
    pub measurement: Measurement,
    pub explanation: Vec<ExplainStep>,
}

/// What a pass did.
#[derive(Clone, Debug, Default)]
pub struct PassReport {
    pub measurements: Vec<Recorded>,
    /// The status changed (Argo would re-reconcile at once).
    pub changed: bool,
}

/// One AnalysisRun being analysed.
#[derive(Clone, Debug)]
pub struct RunEngine {
    run: AnalysisRun,
}

impl RunEngine {
    pub fn new(run: AnalysisRun) -> RunEngine {
        RunEngine { run }
    }

    pub fn begin_pass(
        &mut self,
        _now: DateTime<Utc>,
        _secrets: &dyn SecretSource,
    ) -> Vec<MeasureRequest> {
        Vec::new()
    }

    pub fn finish_pass(
        &mut self,
        _now: DateTime<Utc>,
        _outcomes: Vec<MeasureOutcome>,
    ) -> PassReport {
        PassReport::default()
    }

    pub fn next_pass_at(&self) -> Option<DateTime<Utc>> {
        None
    }

    pub fn terminate(&mut self) {
        self.run.spec.terminate = true;
    }

    pub fn is_completed(&self) -> bool {
        true
    }

    pub fn run(&self) -> &AnalysisRun {
        &self.run
    }
}
