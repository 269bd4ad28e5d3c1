//! One metric: its provider's traps, then each of its conditions (see [`super::condition`]).

use super::{DocLint, Severity};
use crate::model::Metric;

impl DocLint<'_> {
    pub(super) fn metric(&mut self, i: usize, m: &Metric) {
        let kind = m.provider.kind().unwrap_or("");
        match kind {
            "prometheus" | "web" | "skywalking" | "" => {}
            other => self.push(
                self.at(&format!("spec.metrics[{i}].provider")),
                Severity::Warning,
                format!(
                    "provider {other} is not supported by Augur: the template loads, but every measurement of metric \"{}\" will be an Error",
                    m.name
                ),
            ),
        }
        if let Some(sw) = &m.provider.skywalking
            && sw.interval.as_deref().is_none_or(str::is_empty)
        {
            self.push(
                self.at(&format!("spec.metrics[{i}].provider.skywalking")),
                Severity::Warning,
                "skywalking metric has no interval: Argo cannot build the provider (`time: invalid duration \"\"`), so every measurement is an Error; set provider.skywalking.interval (e.g. 5m)".to_string(),
            );
        }
        if let Some(web) = &m.provider.web {
            let method = web.method.as_deref().unwrap_or("GET");
            if (web.body.is_some() || web.json_body.is_some()) && !matches!(method, "POST" | "PUT")
            {
                self.push(
                    self.at(&format!("spec.metrics[{i}].provider.web")),
                    Severity::Error,
                    "Body/JSONBody can only be used with POST or PUT WebMetric Method types"
                        .to_string(),
                );
            }
        }
        for field in ["successCondition", "failureCondition"] {
            let cond = match field {
                "successCondition" => m.success_condition.as_deref(),
                _ => m.failure_condition.as_deref(),
            };
            if let Some(cond) = cond.filter(|c| !c.is_empty()) {
                self.condition(i, field, cond, kind);
            }
        }
    }
}
