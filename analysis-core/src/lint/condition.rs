//! Conditions: each compiled and type-checked against the provider's result shape
//! (semantics §5.2), and the unguarded `result[0]` trap, both asked of the compiled program
//! (its refused types, its unguarded indexes) rather than of the text.

use super::{At, DocLint, Severity};
use crate::expr::{Env, ExprError, Program, Type, compile};
use crate::load::{Pos, Style};
use crate::provider::spec::ResultShape;

impl DocLint<'_> {
    pub(super) fn condition(&mut self, i: usize, field: &str, cond: &str, result: &ResultShape) {
        let path = format!("spec.metrics[{i}].{field}");
        let program = match checked(cond, result.ty.clone()) {
            Ok(p) => p,
            Err(e) => {
                self.compile_error(&path, field, result, &e);
                return;
            }
        };
        if result.empty_without_data
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

    fn compile_error(&mut self, path: &str, field: &str, result: &ResultShape, e: &ExprError) {
        let pos = At {
            path: path.to_string(),
            pos: self.condition_pos(path, e.line() as usize, e.column() as usize),
        };
        let mut message = format!("{field} does not compile for {}: {e}", result.description);
        // The provider's advice is for a vector used where a scalar belongs.
        let vector_as_scalar = e
            .mismatch()
            .is_some_and(|m| m.found().contains(&&Type::floats()));
        if let Some(hint) = result.type_error_hint
            && vector_as_scalar
        {
            message.push_str(hint);
        }
        self.push(pos, Severity::Error, message);
    }

    /// The position of a column inside a condition, when the YAML scalar maps one to one.
    pub(super) fn condition_pos(&self, path: &str, line: usize, col: usize) -> Option<Pos> {
        let field = self.positions.get(path)?;
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
