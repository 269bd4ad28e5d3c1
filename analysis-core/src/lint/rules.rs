//! `dryRun` and `measurementRetention` rules: Argo's regexp matching, and the bare `*` trap.

use super::{At, DocLint, Severity};
use crate::model::{DryRun, MeasurementRetention, Metric};
use crate::validate::{self, RuleList, ValidationError};

impl DocLint<'_> {
    pub(super) fn rules(
        &mut self,
        dry_run: &[DryRun],
        retention: &[MeasurementRetention],
        metrics: &[Metric],
    ) {
        for (i, rule) in dry_run.iter().enumerate() {
            let pos = self.at(&format!("spec.dryRun[{i}].metricName"));
            if rule.metric_name == "*" {
                self.push(
                    pos.clone(),
                    Severity::Warning,
                    "metricName \"*\" is not a regular expression Argo accepts: it matches nothing; write \".*\" to match every metric".to_string(),
                );
            }
            self.unmatched(pos, &rule.metric_name, metrics, RuleList::DryRun, i);
        }
        for (i, rule) in retention.iter().enumerate() {
            let pos = self.at(&format!("spec.measurementRetention[{i}].metricName"));
            if rule.metric_name == "*" {
                self.push(
                    pos.clone(),
                    Severity::Warning,
                    "metricName \"*\" is not a regular expression Argo accepts: it matches nothing; write \".*\" to match every metric".to_string(),
                );
            }
            let list = RuleList::MeasurementRetention;
            self.unmatched(pos, &rule.metric_name, metrics, list, i);
        }
    }

    /// Argo's error for a rule that matches no metric, which would fail the run on its first
    /// pass; each rule is checked on its own so every one is reported.
    fn unmatched(
        &mut self,
        pos: At,
        metric_name: &str,
        metrics: &[Metric],
        list: RuleList,
        index: usize,
    ) {
        if validate::rule_matches(metric_name, metrics)
            .next()
            .is_none()
        {
            let e = ValidationError::unmatched_rule(list, index);
            self.push(pos, Severity::Error, e.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_unmatched_rule_is_reported_with_its_own_index() {
        let yaml = "kind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  dryRun:\n  - metricName: rate\n  - metricName: nope\n  measurementRetention:\n  - metricName: rate\n  - metricName: gone\n    limit: 3\n  metrics:\n  - name: rate\n    provider: {job: {}}\n";
        let d: Vec<String> = super::super::lint_str(yaml, "t.yaml")
            .iter()
            .map(|d| d.to_string())
            .collect();
        let errors: Vec<&String> = d.iter().filter(|d| d.contains("error:")).collect();
        assert_eq!(
            errors,
            [
                "t.yaml:6:5: error: dryRun[1]: Rule didn't match any metric name(s)",
                "t.yaml:9:5: error: measurementRetention[1]: Rule didn't match any metric name(s)",
            ],
            "{d:?}"
        );
    }
}
