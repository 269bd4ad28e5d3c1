//! `{{args.x}}` templating over whole metrics and building runs from templates
//! (semantics §2). STUB: owned by the foundation helper.

use crate::model::{AnalysisRun, AnalysisTemplate, Argument, Metric};

/// A templating or argument-merging error; Display is Argo's exact text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgsError(pub String);

/// Expands `{{args.x}}` tags in `text` with JSON-string-escaped values (fasttemplate semantics).
pub fn resolve_tags(text: &str, _args: &[Argument]) -> Result<String, ArgsError> {
    Ok(text.to_string())
}

/// Templates every metric as Argo does: serialize the metric to JSON, substitute, parse back.
/// Every arg must have a `value` (secrets already substituted by the caller).
pub fn template_metrics(metrics: &[Metric], _args: &[Argument]) -> Result<Vec<Metric>, ArgsError> {
    Ok(metrics.to_vec())
}

/// Builds a run from templates and caller args (semantics §2.4).
pub fn build_run(
    name: &str,
    templates: &[&AnalysisTemplate],
    _args: &[Argument],
) -> Result<AnalysisRun, ArgsError> {
    let mut run = AnalysisRun::default();
    run.metadata.name = Some(name.to_string());
    for t in templates {
        run.spec.metrics.extend(t.spec.metrics.iter().cloned());
    }
    Ok(run)
}
