//! Explanations: each evaluated sub-expression and its value, so a failed check can say why
//! (`result[0]` = `0.93`, `0.93 >= 0.95` = `false`). A type parameter of the evaluator;
//! [`NoTrace`] compiles to nothing.

use super::error::Span;
use crate::evaluate::ExplainStep;
use crate::value::Value;

/// Steps kept per run; closures over long vectors would otherwise flood the output.
const MAX_STEPS: usize = 64;
/// Longest rendered value.
const MAX_VALUE_LEN: usize = 160;

pub(crate) trait Tracer {
    /// False for [`NoTrace`], so every recording site is compiled out.
    const ON: bool;
    /// Records that the node spanning `ext` evaluated to `value`; `text` replaces the source
    /// text (binary operators show their operands' values).
    fn step(&mut self, ext: Span, text: Option<String>, value: &Value);
    /// The source text of a span (for closure summaries).
    fn source(&self, ext: Span) -> &str;
}

pub(crate) struct NoTrace;

impl Tracer for NoTrace {
    const ON: bool = false;

    #[inline(always)]
    fn step(&mut self, _: Span, _: Option<String>, _: &Value) {}

    fn source(&self, _: Span) -> &str {
        ""
    }
}

pub(crate) struct Trace<'s> {
    pub src: &'s str,
    pub steps: Vec<ExplainStep>,
}

impl Tracer for Trace<'_> {
    const ON: bool = true;

    fn step(&mut self, ext: Span, text: Option<String>, value: &Value) {
        if self.steps.len() >= MAX_STEPS {
            return;
        }
        let expr = text.unwrap_or_else(|| self.source(ext).to_string());
        self.steps.push(ExplainStep {
            expr,
            value: render(value),
        });
    }

    fn source(&self, ext: Span) -> &str {
        self.src.get(ext.range()).unwrap_or("").trim()
    }
}

/// A value as explanations show it: Go JSON (strings quoted), cut when long.
pub(crate) fn render(v: &Value) -> String {
    let mut s = match v {
        Value::Time(t) => super::gofmt::time_string(t),
        Value::Duration(_) => super::gofmt::fmt_v(v),
        other => other.to_go_json(),
    };
    if s.len() > MAX_VALUE_LEN {
        let mut cut = MAX_VALUE_LEN;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}
