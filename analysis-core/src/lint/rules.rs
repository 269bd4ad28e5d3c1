//! `dryRun` and `measurementRetention` rules: Argo's regexp matching, and the bare `*` trap.

use super::{DocLint, Severity};
use crate::model::{DryRun, MeasurementRetention, Metric};
use crate::validate;

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
                    pos,
                    Severity::Warning,
                    "metricName \"*\" is not a regular expression Argo accepts: it matches nothing; write \".*\" to match every metric".to_string(),
                );
            }
            if let Err(e) = validate::dry_run_metrics(std::slice::from_ref(rule), metrics) {
                let message = e
                    .to_string()
                    .replacen("dryRun[0]", &format!("dryRun[{i}]"), 1);
                self.push(pos, Severity::Error, message);
            }
        }
        for (i, rule) in retention.iter().enumerate() {
            let pos = self.at(&format!("spec.measurementRetention[{i}].metricName"));
            if rule.metric_name == "*" {
                self.push(
                    pos,
                    Severity::Warning,
                    "metricName \"*\" is not a regular expression Argo accepts: it matches nothing; write \".*\" to match every metric".to_string(),
                );
            }
            if let Err(e) =
                validate::measurement_retention_limits(std::slice::from_ref(rule), metrics)
            {
                let message = e.to_string().replacen(
                    "measurementRetention[0]",
                    &format!("measurementRetention[{i}]"),
                    1,
                );
                self.push(pos, Severity::Error, message);
            }
        }
    }
}
