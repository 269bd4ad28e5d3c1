//! # analysis-core
//!
//! The heart of Augur: Argo Rollouts' analysis model and semantics, with no I/O.
//!
//! - [`model`]: `AnalysisTemplate`, `AnalysisRun` and their status, field for field.
//! - [`load`]: YAML/JSON manifests in, errors that point at the line and column.
//! - [`args`], [`duration`], [`validate`]: templating, Go durations and Argo's validation.
//! - [`expr`]: the condition language (Argo's dialect of expr-lang), compiled once and
//!   evaluated many times, with explanations.
//! - [`evaluate`]: a measurement's phase from its conditions.
//! - [`engine`]: the sans-IO run state machine every driver (live, service, replay) shares.
//! - [`provider`]: the trait providers implement; they live in the `providers` crate.

pub mod args;
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

pub use model::*;
pub use provider::{
    BoxFuture, Fetched, MeasureContext, Provider, ProviderError, ProviderOutput, RawResponse,
};
pub use value::Value;
