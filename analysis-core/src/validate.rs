//! Argo's validation of templated metrics and dry-run / retention rules (semantics §4.2, §4.1).
//! STUB: owned by the foundation helper.

use crate::model::Metric;

/// Validates templated metrics; the error is Argo's text without the `Analysis spec invalid: `
/// prefix (e.g. `metrics[0]: interval must be specified when count > 1`).
pub fn validate_metrics(_metrics: &[Metric]) -> Result<(), String> {
    Ok(())
}
