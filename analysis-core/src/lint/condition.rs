//! Conditions: each compiled and type-checked against the provider's result shape
//! (semantics §5.2), and the unguarded `result[0]` trap, both asked of the compiled program
//! (its refused types, its unguarded indexes) rather than of the text.

use super::{DocLint, Severity};
use crate::expr::{Env, ExprError, Program, Type, compile};
use crate::load::{Pos, Style};
use crate::value::Value;

impl DocLint<'_> {
    pub(super) fn condition(&mut self, i: usize, field: &str, cond: &str, kind: &str) {
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
        let program = match checked(cond, ty) {
            Ok(p) => p,
            Err(e) => {
                self.compile_error(&path, field, shape, kind, &e);
                return;
            }
        };
        if kind == "prometheus"
            && let Some(index) = program.unguarded_indexes().first()
        {
            let i = index.index;
            self.push(
                self.at(&path),
                Severity::Warning,
                format!(
                    "{field} indexes result[{i}] with no empty-result guard: an empty vector (no series yet) makes the measurement an Error; guard with `len(result) > 0 && ...` or `len(result) == 0 || ...`"
                ),
            );
        }
    }

    fn compile_error(&mut self, path: &str, field: &str, shape: &str, kind: &str, e: &ExprError) {
        let pos = self.condition_pos(path, e.line() as usize, e.column() as usize);
        let mut message = format!("{field} does not compile for {shape}: {e}");
        let vector_as_scalar = e
            .mismatch()
            .is_some_and(|m| m.found().contains(&&Type::floats()));
        if kind == "prometheus" && vector_as_scalar {
            message.push_str(
                " (a Prometheus query returns a vector even for one series: compare result[0], or use all(result, ...))",
            );
        }
        self.push(pos, Severity::Error, message);
    }

    /// The position of a column inside a condition, when the YAML scalar maps one to one.
    pub(super) fn condition_pos(&self, path: &str, line: usize, col: usize) -> Option<Pos> {
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

/// The condition compiled against the result's type, and able to be a bool.
fn checked(cond: &str, ty: Type) -> Result<Program, ExprError> {
    let program = compile(cond, &Env::condition(ty))?;
    program.check_bool_output()?;
    Ok(program)
}

#[cfg(test)]
mod tests {
    use crate::lint::lint_str;

    fn lint_condition(cond: &str) -> Vec<String> {
        let yaml = format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\nspec:\n  metrics:\n  - name: rate\n    successCondition: '{cond}'\n    provider:\n      prometheus:\n        address: http://p:9090\n        query: up\n"
        );
        lint_str(&yaml, "t.yaml")
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

    const HINT: &str = " (a Prometheus query returns a vector even for one series: compare result[0], or use all(result, ...))";

    #[test]
    fn a_vector_used_as_a_scalar_gets_the_hint() {
        assert_eq!(
            lint_condition("result >= 0.95"),
            [format!(
                "t.yaml:8:31: error: successCondition does not compile for a Prometheus vector ([]float64): invalid operation: >= (mismatched types []float64 and float64){HINT}"
            )]
        );
        assert_eq!(
            lint_condition("isNaN(result)"),
            [format!(
                "t.yaml:8:30: error: successCondition does not compile for a Prometheus vector ([]float64): cannot use []float64 as argument (type float64) to call isNaN {HINT}"
            )]
        );
        // Not a vector where a scalar belongs: no hint.
        assert_eq!(
            lint_condition("result.x > 1"),
            [
                "t.yaml:8:31: error: successCondition does not compile for a Prometheus vector ([]float64): array elements can only be selected using an integer (got string)"
            ]
        );
    }

    #[test]
    fn unguarded_indexes_warn_and_guards_are_read_from_the_tree() {
        let warning = |i: i64| {
            format!(
                "t.yaml:8:5: warning: successCondition indexes result[{i}] with no empty-result guard: an empty vector (no series yet) makes the measurement an Error; guard with `len(result) > 0 && ...` or `len(result) == 0 || ...`"
            )
        };
        for (cond, want) in [
            ("result[0] >= 0.95", vec![warning(0)]),
            ("len(result) > 0 && result[0] >= 0.95", vec![]),
            ("len(result) == 0 || result[0] >= 0.95", vec![]),
            ("all(result, {# >= 0.95})", vec![]),
            ("any(result, {# > 0}) && result[0] >= 0.95", vec![]),
            // `len(result)` somewhere is not a guard: here it guards nothing.
            ("len(result) > 0 || result[0] >= 0.95", vec![warning(0)]),
            ("len(result) > 0 && result[1] >= 0.95", vec![warning(1)]),
            // Neither is nil-handling: an empty vector is not nil.
            ("isNil(result) || result[0] >= 0.95", vec![warning(0)]),
        ] {
            assert_eq!(lint_condition(cond), want, "{cond}");
        }
    }
}
