//! Explanations: each evaluated sub-expression and its value, so a failed check can say why
//! (`result[0]` = `0.93`, `0.93 >= 0.95` = `false`). A type parameter of the evaluator;
//! [`NoTrace`] compiles to nothing.

use crate::expr::error::Span;
use crate::value::Value;

/// One sub-expression's value, for "why did this check fail" output.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExplainStep {
    /// The sub-expression as written (`result[0]`), or with operand values substituted
    /// (`0.93 >= 0.95`).
    pub expr: String,
    /// Its value, rendered (`0.93`, `false`).
    pub value: String,
}

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

/// A value as explanations show it: Go JSON (strings quoted), cut when long. Collections are
/// rendered only as far as shown, so explaining a 10k-point vector stays cheap.
pub(crate) fn render(v: &Value) -> String {
    let mut s = String::new();
    write_bounded(&mut s, v);
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

fn write_bounded(out: &mut String, v: &Value) {
    let full = |out: &String| out.len() > MAX_VALUE_LEN;
    match v {
        Value::Time(t) => out.push_str(&super::gofmt::time_string(t)),
        Value::Duration(_) => out.push_str(&super::gofmt::fmt_v(v)),
        Value::Floats(fs) => {
            out.push('[');
            for (i, f) in fs.iter().enumerate() {
                if full(out) {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&crate::gojson::format_float(*f));
            }
            out.push(']');
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if full(out) {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                write_bounded(out, item);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if full(out) {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                crate::gojson::write_string(out, k);
                out.push(':');
                write_bounded(out, item);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_go_json()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut() {
        let v = Value::from(vec![0.5; 10_000]);
        let r = render(&v);
        assert!(r.len() <= MAX_VALUE_LEN + 4);
        assert!(r.starts_with("[0.5,0.5"));
        assert!(r.ends_with('…'));
        assert_eq!(render(&Value::from("a")), "\"a\"");
        assert_eq!(render(&Value::from(vec![1.0, 2.5])), "[1,2.5]");
    }
}
