//! `augur lint` as a library: everything Argo would reject at run time, found before the
//! template guards production, each finding pointing at `file:line:col`.
//!
//! Checks, in the order a run would meet them: loading, templating against the declared args,
//! Argo's validation (§4.2), dry-run / retention rules, each condition compiled and
//! type-checked against the provider's result shape (§5.2), and the classic traps.

use std::fmt;
use std::path::Path;

use crate::args;
use crate::load::{self, Content, Document, Pos};
use crate::model::{Argument, DryRun, MeasurementRetention, Metric};
use crate::provider::spec::ProviderSpec;
use crate::validate;

/// How bad a finding is; any `Error` makes `augur lint` exit non-zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The manifest will not work as intended (Argo would reject it or the run would misbehave).
    Error,
    /// Valid, but likely a mistake (an unguarded `result[0]`, say); the exit code stays 0.
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
    /// The source name the manifest was loaded under (usually its path).
    pub source: String,
    /// 1-based line of the spot the finding is about.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Error or warning.
    pub severity: Severity,
    /// The finding in words, with a suggestion when there is one.
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

/// Lints a manifest file on its own, knowing no provider: no provider traps, no result types,
/// no unsupported-provider warning. [`lint_file_with`] lints it as Augur would run it.
pub fn lint_file(path: &Path) -> Vec<Diagnostic> {
    lint_file_in(path, None)
}

/// Lints a manifest file against the providers `specs` describe (`providers::specs()`): their
/// result types and traps, and a warning for kinds none of them measures.
pub fn lint_file_with(path: &Path, specs: &[&dyn ProviderSpec]) -> Vec<Diagnostic> {
    lint_file_in(path, Some(specs))
}

fn lint_file_in(path: &Path, specs: Option<&[&dyn ProviderSpec]>) -> Vec<Diagnostic> {
    match std::fs::read_to_string(path) {
        Ok(text) => lint_str_in(&text, &path.display().to_string(), specs),
        Err(e) => vec![Diagnostic {
            source: path.display().to_string(),
            line: 1,
            column: 1,
            severity: Severity::Error,
            message: format!("cannot read: {e}"),
        }],
    }
}

/// Lints manifest text on its own (see [`lint_file`]); `source` names it in the findings.
pub fn lint_str(text: &str, source: &str) -> Vec<Diagnostic> {
    lint_str_in(text, source, None)
}

/// Lints manifest text against the providers `specs` describe (see [`lint_file_with`]).
pub fn lint_str_with(text: &str, source: &str, specs: &[&dyn ProviderSpec]) -> Vec<Diagnostic> {
    lint_str_in(text, source, Some(specs))
}

fn lint_str_in(text: &str, source: &str, specs: Option<&[&dyn ProviderSpec]>) -> Vec<Diagnostic> {
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
        let mut lint = DocLint {
            doc,
            specs,
            out: &mut out,
        };
        lint.unknown_fields();
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
pub(super) enum Kind {
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

pub(super) struct DocLint<'a> {
    doc: &'a Document,
    /// The providers known to the caller; `None` lints the manifest alone.
    specs: Option<&'a [&'a dyn ProviderSpec]>,
    out: &'a mut Vec<Diagnostic>,
}

impl DocLint<'_> {
    pub(super) fn push(&mut self, pos: Option<Pos>, severity: Severity, message: String) {
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

    pub(super) fn at(&self, path: &str) -> Option<Pos> {
        self.doc.positions.at(path)
    }

    /// A field Augur (and Argo) would drop without a word: a misspelled `successCondition` makes
    /// a metric that always succeeds, so it is an error, at the key.
    fn unknown_fields(&mut self) {
        for u in &self.doc.unknown_fields {
            self.push(Some(u.pos), Severity::Error, u.to_string());
        }
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
}

mod condition;
mod metric;
mod rules;
mod templating;

#[cfg(test)]
mod tests;
