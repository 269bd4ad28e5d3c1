//! # analysis-core
//!
//! The heart of Augur: Argo Rollouts' analysis model and semantics, with no I/O. Comments
//! citing `semantics §N` (or a bare `§N`) refer to the sections of `docs/semantics.md`.
//!
//! - [`model`]: `AnalysisTemplate`, `AnalysisRun` and their status, field for field.
//! - [`load`]: YAML/JSON manifests in, errors that point at the line and column.
//! - [`args`], [`duration`], [`validate`]: templating, Go durations and Argo's validation,
//!   with [`validate::preflight`], the one check of a run's spec before its first pass.
//! - [`expr`]: the condition language (Argo's dialect of expr-lang), compiled once and
//!   evaluated many times, with explanations.
//! - [`evaluate`]: a measurement's phase from its conditions.
//! - [`assess`]: Argo's rules for a metric's and a run's phase, as pure functions on a status.
//! - [`engine`]: the sans-IO run state machine every driver (live, service, replay) shares.
//! - [`provider`]: the trait providers implement; they live in the `providers` crate.
//!
//! A library user runs a template over measurements like this (a live driver would hand each
//! request's metric to a provider and use the wall clock; here the answers are given and the
//! clock is virtual, so nothing sleeps):
//!
//! ```
//! use analysis_core::engine::{MeasureOutcome, RunEngine};
//! use analysis_core::load::{self, Content};
//! use analysis_core::secrets::NoSecrets;
//! use analysis_core::{Argument, Phase, ProviderError, ProviderOutput, Value, args};
//! use chrono::{DateTime, Utc};
//!
//! let yaml = r#"
//! apiVersion: argoproj.io/v1alpha1
//! kind: AnalysisTemplate
//! metadata: {name: success-rate}
//! spec:
//!   args: [{name: service}]
//!   metrics:
//!   - name: success-rate
//!     interval: 5m
//!     failureLimit: 1
//!     successCondition: result[0] >= 0.95
//!     provider:
//!       prometheus:
//!         address: http://prometheus:9090
//!         query: sum(rate(ok{service="{{args.service}}"}[5m])) / sum(rate(all{service="{{args.service}}"}[5m]))
//! "#;
//! let docs = load::load_str(yaml, "template.yaml")?;
//! let Content::Template(template) = &docs[0].content else { unreachable!() };
//! let service = Argument::with_value("service", "checkout");
//! let run = args::build_run("checkout-canary", &[template], &[service])?;
//!
//! let mut engine = RunEngine::new(run);
//! let mut now: DateTime<Utc> = "2024-05-01T12:00:00Z".parse()?;
//! let mut answers = [0.99, 0.93, 0.97, 0.91].into_iter();
//! loop {
//!     let requests = engine.begin_pass(now, &NoSecrets);
//!     let outcomes = requests
//!         .iter()
//!         .filter_map(|request| {
//!             // The templated query is what a Prometheus provider would send.
//!             assert!(request.metric.provider.prometheus.as_ref()?.query.as_ref()?.contains("checkout"));
//!             let answer: Result<_, ProviderError> =
//!                 Ok(ProviderOutput::new(Value::floats(vec![answers.next()?])));
//!             Some(MeasureOutcome::new(request, now, now, answer))
//!         })
//!         .collect();
//!     engine.finish_pass(now, outcomes);
//!     match engine.next_pass_at() {
//!         Some(at) if !engine.is_completed() => now = at,
//!         _ => break,
//!     }
//! }
//! let status = engine.run().status.as_ref().ok_or("no status")?;
//! // failureLimit 1 tolerates one failed measurement; the second (0.91) fails the run.
//! assert_eq!(status.phase, Some(Phase::Failed));
//! assert_eq!(status.message, r#"Metric "success-rate" assessed Failed due to failed (2) > failureLimit (1)"#);
//! assert_eq!(now, "2024-05-01T12:15:00Z".parse::<DateTime<Utc>>()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Every public item says what it promises; the library crates are the API users hold.
#![deny(missing_docs)]

pub mod args;
pub mod assess;
pub mod drive;
pub mod duration;
pub mod engine;
pub mod evaluate;
pub mod expr;
pub mod gojson;
pub mod gostr;
pub mod json;
pub mod lint;
pub mod load;
pub mod model;
pub mod provider;
pub mod secrets;
pub mod validate;
pub mod value;

pub use assess::{MetricLimits, assess_run, metric_phase};
pub use model::*;
pub use provider::{
    BoxFuture, Fetched, METRIC_TERMINATED, MeasureContext, Measured, Provider, ProviderError,
    ProviderOutput, RawResponse,
};
pub use validate::preflight;
pub use value::Value;
