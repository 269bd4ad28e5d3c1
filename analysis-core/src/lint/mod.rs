//! `augur lint` as a library: everything Argo would reject at run time, found before the
//! template guards production, each finding pointing at `file:line:col`.
//!
//! Checks, in the order a run would meet them: loading, templating against the declared args,
//! Argo's validation (§4.2), dry-run / retention rules, each condition compiled and
//! type-checked against the provider's result shape (§5.2), and the classic traps.

use std::fmt;
use std::path::Path;

use crate::args;
use crate::load::{self, Content, Pos, Positions};
use crate::model::{AnalysisRun, AnalysisTemplate, Argument, DryRun, MeasurementRetention, Metric};
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
    /// The field the finding is about (`spec.metrics[0].successCondition`), so a finding on
    /// an object without positions (an API request) can still say where; empty when unknown.
    pub path: String,
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
            path: String::new(),
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
                path: String::new(),
                severity: Severity::Error,
                message,
            }];
        }
    };
    let mut out = Vec::new();
    for doc in &docs {
        let mut lint = DocLint {
            source: &doc.source,
            line: doc.line,
            positions: &doc.positions,
            specs,
            out: &mut out,
        };
        for u in &doc.unknown_fields {
            // A field Augur (and Argo) would drop without a word: a misspelled
            // `successCondition` makes a metric that always succeeds, so it is an error.
            lint.push(At::pos(u.pos), Severity::Error, u.to_string());
        }
        match &doc.content {
            Content::Template(t) => lint.template(t),
            Content::Run(r) => lint.run(r),
            Content::Skipped { .. } => {}
        }
    }
    out.sort_by_key(|d| (d.line, d.column));
    out
}

/// Positions of nothing: what an object that did not come from a file has.
static NO_POSITIONS: Positions = Positions(std::collections::BTreeMap::new());

/// Lints an AnalysisRun that did not come from a file (an API request): the checks
/// [`lint_str_with`] makes on a run document, each finding naming its field in
/// [`Diagnostic::path`] (lines and columns are 1, the source empty).
pub fn lint_run(run: &AnalysisRun, specs: &[&dyn ProviderSpec]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    object_lint(specs, &mut out).run(run);
    out
}

/// Lints an AnalysisTemplate that did not come from a file, as [`lint_run`] does a run.
pub fn lint_template(template: &AnalysisTemplate, specs: &[&dyn ProviderSpec]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    object_lint(specs, &mut out).template(template);
    out
}

fn object_lint<'a>(specs: &'a [&'a dyn ProviderSpec], out: &'a mut Vec<Diagnostic>) -> DocLint<'a> {
    DocLint {
        source: "",
        line: 1,
        positions: &NO_POSITIONS,
        specs: Some(specs),
        out,
    }
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
    /// The file name findings carry.
    source: &'a str,
    /// The document's first line: where findings without a position of their own go.
    line: usize,
    positions: &'a Positions,
    /// The providers known to the caller; `None` lints the manifest alone.
    specs: Option<&'a [&'a dyn ProviderSpec]>,
    out: &'a mut Vec<Diagnostic>,
}

/// Where a finding is: its field path, and its position in the file when there is one.
#[derive(Clone)]
pub(super) struct At {
    path: String,
    pos: Option<Pos>,
}

impl At {
    fn pos(pos: Pos) -> At {
        At {
            path: String::new(),
            pos: Some(pos),
        }
    }

    /// `self`, at `other`'s position (and path) when `self` has none.
    pub(super) fn or(self, other: At) -> At {
        if self.pos.is_some() { self } else { other }
    }
}

impl DocLint<'_> {
    pub(super) fn push(&mut self, at: At, severity: Severity, message: String) {
        let pos = at.pos.unwrap_or(Pos {
            line: self.line,
            col: 1,
            offset: 0,
        });
        self.out.push(Diagnostic {
            source: self.source.to_string(),
            line: pos.line,
            column: pos.col,
            path: at.path,
            severity,
            message,
        });
    }

    pub(super) fn at(&self, path: &str) -> At {
        At {
            path: path.to_string(),
            pos: self.positions.at(path),
        }
    }

    fn template(&mut self, t: &AnalysisTemplate) {
        let s = &t.spec;
        let kind = Kind::of_template(t);
        self.spec(
            &s.metrics,
            &s.args,
            &s.dry_run,
            &s.measurement_retention,
            kind,
        );
    }

    fn run(&mut self, r: &AnalysisRun) {
        let s = &r.spec;
        let kind = Kind::Run;
        self.spec(
            &s.metrics,
            &s.args,
            &s.dry_run,
            &s.measurement_retention,
            kind,
        );
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
