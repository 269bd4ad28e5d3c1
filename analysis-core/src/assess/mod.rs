//! Argo's assessment rules as pure functions (semantics §4.3, §4.4): a metric's phase from its
//! result and limits, and a run's phase and message from its metric results. The engine decides
//! with these same functions on every pass; a user holding a stored status can ask them
//! directly, without a pass, a provider or a clock.
//!
//! ```
//! use analysis_core::assess::{self, MetricLimits, TrippedLimit};
//! use analysis_core::{Measurement, MetricResult, Phase};
//! use chrono::{DateTime, Utc};
//!
//! let at: DateTime<Utc> = "2024-05-01T12:00:00Z".parse()?;
//! let mut result = MetricResult::new("success-rate");
//! for phase in [Phase::Successful, Phase::Failed, Phase::Failed] {
//!     result.record(Measurement::new(phase, at, at));
//! }
//! // failureLimit 1 tolerates one failure; the second is decisive.
//! let limits = MetricLimits { failure_limit: 1, ..MetricLimits::default() };
//! assert_eq!(assess::metric_phase(&result, &limits, false), Phase::Failed);
//! let tripped = assess::tripped_limit(&result, &limits);
//! assert_eq!(tripped, Some(TrippedLimit::FailureLimit { failed: 2, limit: 1 }));
//! assert_eq!(tripped.map(|t| t.to_string()).as_deref(), Some("failed (2) > failureLimit (1)"));
//! # Ok::<(), chrono::ParseError>(())
//! ```

mod metric;
mod run;

pub use metric::{MetricLimits, TrippedLimit, count_reached, metric_phase, tripped_limit};
pub(crate) use run::run_phase_indexed;
pub use run::{
    AssessedRun, MetricRule, RUN_TERMINATED, RunAssessment, assess_run, is_terminating, run_phase,
};
