//! `augur lint` as a library: everything Argo would reject at run time, found before the
//! template guards production, each finding pointing at `file:line:col`.
//!
//! Checks, in the order a run would meet them: loading, templating against the declared args,
//! Argo's validation (§4.2), dry-run / retention rules, each condition compiled and
//! type-checked against the provider's result shape (§5.2), and the classic traps.

use std::fmt;
use std::path::Path;

use crate::args;
use crate::evaluate::check_condition;
use crate::expr::Type;
use crate::load::{self, Content, Document, Pos, Style};
use crate::model::{Argument, DryRun, MeasurementRetention, Metric};
use crate::validate;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding. Display is `file:line:col: error|warning: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub source: String,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.source, self.line, self.column, self.severity, self.message
        )
    }
}

/// Lints a manifest file.
pub fn lint_file(path: &Path) -> Vec<Diagnostic> {
    match std::fs::read_to_string(path) {
        Ok(text) => lint_str(&text, &path.display().to_string()),
        Err(e) => vec![Diagnostic {
            source: path.display().to_string(),
            line: 1,
            column: 1,
            severity: Severity::Error,
            message: format!("cannot read: {e}"),
        }],
    }
}

/// Lints manifest text; `source` names it in the findings.
pub fn lint_str(text: &str, source: &str) -> Vec<Diagnostic> {
    let docs = match load::load_str(text, source) {
        Ok(docs) => docs,
        Err(e) => {
            let pos = e.pos().unwrap_or(Pos {
                line: 1,
                col: 1,
                offset: 0,
            });
            // The loader's message already starts with `source:line:col: `.
            let message = e.to_string();
            let prefix = format!("{source}:{}:{}: ", pos.line, pos.col);
            let message = message
                .strip_prefix(&prefix)
                .unwrap_or(&message)
                .to_string();
            return vec![Diagnostic {
                source: source.to_string(),
                line: pos.line,
                column: pos.col,
                severity: Severity::Error,
                message,
            }];
        }
    };
    let mut out = Vec::new();
    for doc in &docs {
        let mut lint = DocLint { doc, out: &mut out };
        match &doc.content {
            Content::Template(t) => lint.spec(
                &t.spec.metrics,
                &t.spec.args,
                &t.spec.dry_run,
                &t.spec.measurement_retention,
                Kind::of_template(t),
            ),
            Content::Run(r) => lint.spec(
                &r.spec.metrics,
                &r.spec.args,
                &r.spec.dry_run,
                &r.spec.measurement_retention,
                Kind::Run,
            ),
            Content::Skipped { .. } => {}
        }
    }
    out.sort_by_key(|d| (d.line, d.column));
    out
}

/// Whether any finding is an error (`augur lint` exits 1 then).
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// What kind of document is linted: runs must be complete, templates may leave args to their
/// caller, and a bare `metrics:` snippet (from Argo's docs) declares no args at all.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Template { composed: bool },
    Snippet,
    Run,
}

impl Kind {
    fn of_template(t: &crate::model::AnalysisTemplate) -> Kind {
        match t.kind {
            None => Kind::Snippet,
            Some(_) => Kind::Template {
                composed: !t.spec.templates.is_empty(),
            },
        }
    }
}

struct DocLint<'a> {
    doc: &'a Document,
    out: &'a mut Vec<Diagnostic>,
}

impl DocLint<'_> {
    fn push(&mut self, pos: Option<Pos>, severity: Severity, message: String) {
        let pos = pos.unwrap_or(Pos {
            line: self.doc.line,
            col: 1,
            offset: 0,
        });
        self.out.push(Diagnostic {
            source: self.doc.source.clone(),
            line: pos.line,
            column: pos.col,
            severity,
            message,
        });
    }

    fn at(&self, path: &str) -> Option<Pos> {
        self.doc.positions.at(path)
    }

    fn spec(
        &mut self,
        metrics: &[Metric],
        declared: &[Argument],
        dry_run: &[DryRun],
        retention: &[MeasurementRetention],
        kind: Kind,
    ) {
        let mut args = self.lint_args(declared, kind == Kind::Run);
        let mut templated = Vec::with_capacity(metrics.len());
        for (i, metric) in metrics.iter().enumerate() {
            if kind == Kind::Snippet {
                self.declare_snippet_args(i, metric, &mut args);
            }
            match args::template_metric(metric, &args) {
                Ok(m) => templated.push(m),
                Err(e) => {
                    self.push(self.metric_pos(i), Severity::Error, e.to_string());
                    templated.push(metric.clone());
                }
            }
        }
        // A template made only of other templates (`spec.templates`) has no metrics of its own.
        if metrics.is_empty() && kind != (Kind::Template { composed: true }) {
            let pos = self.at("spec.metrics").or(self.at("spec"));
            self.push(pos, Severity::Error, "no metrics specified".to_string());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, m) in templated.iter().enumerate() {
            if !seen.insert(m.name.as_str()) {
                let pos = self.at(&format!("spec.metrics[{i}].name"));
                self.push(pos, Severity::Error, format!("duplicate name '{}'", m.name));
            }
            if let Err(e) = validate::validate_metric(m) {
                self.push(self.metric_pos(i), Severity::Error, e.to_string());
            }
            self.metric(i, m);
        }
        self.rules(dry_run, retention, &templated);
    }

    /// A snippet cannot declare args: each `{{args.x}}` it uses gets a stand-in value and a
    /// warning, so the rest of the metric is still checked.
    fn declare_snippet_args(&mut self, i: usize, metric: &Metric, args: &mut Vec<Argument>) {
        let Ok(text) = args::metric_json(metric) else {
            return;
        };
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else { break };
            let tag = after[..end].trim();
            rest = &after[end + 2..];
            let Some(name) = tag.strip_prefix("args.") else {
                continue;
            };
            if args.iter().any(|a| a.name == name) {
                continue;
            }
            self.push(
                self.metric_pos(i),
                Severity::Warning,
                format!("snippet uses {{{{args.{name}}}}} without declaring it (the template it goes into must)"),
            );
            args.push(Argument {
                name: name.to_string(),
                value: Some("0".to_string()),
                value_from: None,
            });
        }
    }

    fn metric_pos(&self, i: usize) -> Option<Pos> {
        self.at(&format!("spec.metrics[{i}].name"))
            .or(self.doc.positions.metric(i))
    }

    /// Declared args with a stand-in value for those a caller or a secret supplies, so that
    /// templating and conditions can be checked. `0` keeps `result[0] >= {{args.t}}` and
    /// `count: "{{args.n}}"` well-formed whatever the real value.
    fn lint_args(&mut self, declared: &[Argument], is_run: bool) -> Vec<Argument> {
        let mut out = Vec::with_capacity(declared.len());
        for (i, a) in declared.iter().enumerate() {
            let from = a.value_from.as_ref();
            let value = match (&a.value, from) {
                (Some(v), _) => v.clone(),
                (None, Some(f)) if f.secret_key_ref.is_some() => "0".to_string(),
                (None, Some(f)) if is_run && f.field_ref.is_some() => {
                    let pos = self.at(&format!("spec.args[{i}]"));
                    self.push(
                        pos,
                        Severity::Error,
                        format!(
                            "argument \"{}\" uses fieldRef, which only a Rollout resolves: the run would fail with `argument \"{}\" was not supplied`",
                            a.name, a.name
                        ),
                    );
                    "0".to_string()
                }
                (None, _) if is_run => {
                    let pos = self.at(&format!("spec.args[{i}]"));
                    self.push(
                        pos,
                        Severity::Error,
                        format!("argument \"{}\" was not supplied", a.name),
                    );
                    "0".to_string()
                }
                (None, _) => "0".to_string(),
            };
            out.push(Argument {
                name: a.name.clone(),
                value: Some(value),
                value_from: None,
            });
        }
        out
    }

    fn rules(
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

    fn metric(&mut self, i: usize, m: &Metric) {
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

    fn condition(&mut self, i: usize, field: &str, cond: &str, kind: &str) {
        let path = format!("spec.metrics[{i}].{field}");
        let (shape, ty) = match kind {
            "prometheus" => ("a Prometheus vector ([]float64)", Type::floats()),
            "skywalking" => (
                "SkyWalking's GraphQL data (map)",
                Type::of(&Value::Map(Default::default())),
            ),
            // A web result is whatever JSON the endpoint answers, unknown until it answers.
            _ => ("the provider's result", Type::Unknown),
        };
        if let Err(e) = check_condition(cond, ty) {
            let pos = self.condition_pos(&path, e.line() as usize, e.column() as usize);
            let mut message = format!("{field} does not compile for {shape}: {e}");
            if kind == "prometheus" && e.to_string().contains("[]float64") {
                message.push_str(
                    " (a Prometheus query returns a vector even for one series: compare result[0], or use all(result, ...))",
                );
            }
            self.push(pos, Severity::Error, message);
            return;
        }
        if kind == "prometheus" && indexes_without_guard(cond) {
            self.push(
                self.at(&path),
                Severity::Warning,
                format!(
                    "{field} indexes result[0] with no empty-result guard: an empty vector (no series yet) makes the measurement an Error; guard with `len(result) > 0 && ...` or `len(result) == 0 || ...`"
                ),
            );
        }
    }

    /// The position of a column inside a condition, when the YAML scalar maps one to one.
    fn condition_pos(&self, path: &str, line: usize, col: usize) -> Option<Pos> {
        let field = self.doc.positions.get(path)?;
        let shift = match field.style {
            Some(Style::Plain) => 0,
            Some(Style::SingleQuoted | Style::DoubleQuoted) => 1,
            _ => return Some(field.value),
        };
        if line != 1 {
            return Some(field.value);
        }
        Some(Pos {
            line: field.value.line,
            col: field.value.col + shift + col.saturating_sub(1),
            offset: field.value.offset,
        })
    }
}

/// `result[0]` (or any constant index) with none of the usual guards for an empty vector.
fn indexes_without_guard(cond: &str) -> bool {
    let compact: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
    let indexes = compact.contains("result[");
    let guarded = [
        "len(result)",
        "isNil(",
        "default(",
        "result?.",
        "??",
        "all(result",
        "any(result",
    ]
    .iter()
    .any(|g| compact.contains(g));
    indexes && !guarded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(yaml: &str) -> Vec<String> {
        lint_str(yaml, "t.yaml")
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

    const HEAD: &str =
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\nspec:\n";

    #[test]
    fn clean_template_has_no_findings() {
        let d = lint(&format!(
            "{HEAD}  args:\n  - name: host\n  metrics:\n  - name: color\n    interval: 5s\n    failureLimit: 1\n    successCondition: result == \"ok\"\n    provider:\n      web:\n        url: http://{{{{args.host}}}}/\n        jsonPath: \"{{$.status}}\"\n"
        ));
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn prometheus_vector_compared_as_scalar_is_an_error_at_the_condition() {
        let d = lint(&format!(
            "{HEAD}  metrics:\n  - name: rate\n    successCondition: result >= 0.95\n    provider:\n      prometheus:\n        address: http://p:9090\n        query: up\n"
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].starts_with("t.yaml:8:30: error: successCondition does not compile"),
            "{d:?}"
        );
    }

    #[test]
    fn unguarded_index_warns() {
        let d = lint(&format!(
            "{HEAD}  metrics:\n  - name: rate\n    successCondition: result[0] >= 0.95\n    provider:\n      prometheus:\n        address: http://p:9090\n        query: up\n"
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].starts_with("t.yaml:8:5: warning: successCondition indexes result[0]"),
            "{d:?}"
        );
        let guarded = lint(&format!(
            "{HEAD}  metrics:\n  - name: rate\n    successCondition: len(result) > 0 && result[0] >= 0.95\n    provider:\n      prometheus:\n        address: http://p:9090\n        query: up\n"
        ));
        assert!(guarded.is_empty(), "{guarded:?}");
    }

    #[test]
    fn undeclared_arg_bad_interval_star_rule_and_unsupported_provider() {
        let d = lint(&format!(
            "{HEAD}  dryRun:\n  - metricName: \"*\"\n  metrics:\n  - name: a\n    interval: 30\n    successCondition: result == {{{{args.nope}}}}\n    provider:\n      web:\n        url: http://x/\n  - name: b\n    provider:\n      datadog:\n        query: q\n"
        ));
        let all = d.join("\n");
        assert!(
            all.contains("error: failed to resolve {{args.nope}}"),
            "{all}"
        );
        assert!(all.contains("warning: metricName \"*\""), "{all}");
        assert!(
            all.contains("error: dryRun[0]: Rule didn't match any metric name(s)"),
            "{all}"
        );
        assert!(
            all.contains("warning: provider datadog is not supported"),
            "{all}"
        );
    }

    #[test]
    fn invalid_interval_is_reported_with_argo_text() {
        let d = lint(&format!(
            "{HEAD}  metrics:\n  - name: a\n    interval: \"30\"\n    provider:\n      web:\n        url: http://x/\n"
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].contains("error: invalid interval string: time: missing unit in duration \"30\""),
            "{d:?}"
        );
    }

    #[test]
    fn skywalking_without_interval_warns_and_closure_compiles() {
        let d = lint(&format!(
            "{HEAD}  metrics:\n  - name: apdex\n    interval: 5m\n    successCondition: \"all(result.service_apdex.values.values, {{asFloat(.value) >= 9900}})\"\n    provider:\n      skywalking:\n        address: http://oap:12800\n        query: q\n"
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].contains("warning: skywalking metric has no interval"),
            "{d:?}"
        );
    }

    #[test]
    fn yaml_errors_point_at_the_spot() {
        let d = lint("metrics:\n  - name: [\n");
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].starts_with("t.yaml:"), "{d:?}");
        assert!(d[0].contains(": error: "), "{d:?}");
    }

    #[test]
    fn snippets_may_use_undeclared_args_and_composed_templates_have_no_metrics() {
        let d = lint(
            "metrics:\n- name: a\n  successCondition: result == \"{{args.want}}\"\n  provider:\n    web:\n      url: http://x/\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].contains("warning: snippet uses {{args.want}} without declaring it"),
            "{d:?}"
        );
        let composed = lint(&format!("{HEAD}  templates:\n  - templateName: other\n"));
        assert!(composed.is_empty(), "{composed:?}");
    }

    #[test]
    fn run_with_missing_arg_value_is_an_error() {
        let d = lint(
            "kind: AnalysisRun\nmetadata:\n  name: r\nspec:\n  args:\n  - name: host\n  metrics:\n  - name: a\n    provider:\n      web:\n        url: http://{{args.host}}/\n",
        );
        assert!(
            d.iter()
                .any(|l| l.contains("error: argument \"host\" was not supplied")),
            "{d:?}"
        );
    }
}
