//! Args and templating: stand-in values for the args a caller supplies, and snippets'
//! undeclared args, so the rest of a metric can still be checked.

use super::{At, DocLint, Severity};
use crate::args;
use crate::model::{Argument, Metric};

impl DocLint<'_> {
    /// A snippet cannot declare args: each `{{args.x}}` it uses gets a stand-in value and a
    /// warning, so the rest of the metric is still checked.
    pub(super) fn declare_snippet_args(
        &mut self,
        i: usize,
        metric: &Metric,
        args: &mut Vec<Argument>,
    ) {
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
            args.push(Argument::with_value(name, "0"));
        }
    }

    pub(super) fn metric_pos(&self, i: usize) -> At {
        let at = self.at(&format!("spec.metrics[{i}].name"));
        At {
            path: format!("spec.metrics[{i}]"),
            pos: at.pos.or(self.positions.metric(i)),
        }
    }

    /// Declared args with a stand-in value for those a caller or a secret supplies, so that
    /// templating and conditions can be checked. `0` keeps `result[0] >= {{args.t}}` and
    /// `count: "{{args.n}}"` well-formed whatever the real value.
    pub(super) fn lint_args(&mut self, declared: &[Argument], is_run: bool) -> Vec<Argument> {
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
            out.push(Argument::with_value(a.name.clone(), value));
        }
        out
    }
}
