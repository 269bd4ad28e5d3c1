//! One metric: its provider's traps, then each of its conditions (see [`super::condition`]).

use super::{DocLint, Severity};
use crate::model::Metric;
use crate::provider::spec::{ResultShape, spec_of};

impl DocLint<'_> {
    pub(super) fn metric(&mut self, i: usize, m: &Metric) {
        // Argo accepts a negative count and counts it reached before any measurement.
        if let Some(c) = crate::validate::effective_count(m)
            && c < 0
        {
            let at = self.at(&format!("spec.metrics[{i}].count"));
            let message = format!("count must be >= 0, got {c}");
            self.push(at, Severity::Error, message);
        }
        let kind = m.provider.kind().unwrap_or("");
        let specs = self.specs.unwrap_or_default();
        if self.specs.is_some() && !kind.is_empty() && spec_of(specs, kind).is_none() {
            self.push(
                self.at(&format!("spec.metrics[{i}].provider")),
                Severity::Warning,
                format!(
                    "provider {kind} is not supported by Augur: the template loads, but every measurement of metric \"{}\" will be an Error",
                    m.name
                ),
            );
        }
        for spec in m
            .provider
            .kinds()
            .into_iter()
            .filter_map(|k| spec_of(specs, k))
        {
            for finding in spec.lint(m) {
                let pos = self.at(&format!("spec.metrics[{i}].{}", finding.field));
                self.push(pos, finding.severity, finding.message);
            }
        }
        let result = spec_of(specs, kind).map_or_else(ResultShape::unknown, |s| s.result());
        for field in ["successCondition", "failureCondition"] {
            let cond = match field {
                "successCondition" => m.success_condition.as_deref(),
                _ => m.failure_condition.as_deref(),
            };
            if let Some(cond) = cond.filter(|c| !c.is_empty()) {
                self.condition(i, field, cond, &result);
            }
        }
    }
}
