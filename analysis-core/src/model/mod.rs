//! Serde types for Argo Rollouts' analysis resources, field for field (camelCase, Go's
//! `omitempty`), so that real manifests load unchanged and our output reads like Argo's.

mod int_or_string;
mod metric;
mod phase;
mod run;
mod template;
pub mod time;

pub use int_or_string::IntOrString;
pub use metric::{
    Authentication, BasicAuth, Header, Metric, MetricProvider, OAuth2Config, PrometheusMetric,
    RangeQuery, SecretKeyRef, Sigv4Config, SkyWalkingMetric, WebMetric,
};
pub use phase::Phase;
pub use run::{
    AnalysisRun, AnalysisRunSpec, AnalysisRunStatus, Measurement, MetricResult, RunSummary,
    TtlStrategy,
};
pub use template::{
    AnalysisTemplate, AnalysisTemplateSpec, Argument, DryRun, FieldRef, MeasurementRetention,
    ObjectMeta, TemplateRef, ValueFrom,
};
