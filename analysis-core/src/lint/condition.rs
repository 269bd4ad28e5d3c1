//! Conditions: each compiled and type-checked against the provider's result shape
//! (semantics §5.2), and the unguarded `result[0]` trap.

use super::{DocLint, Severity};
use crate::evaluate::check_condition;
use crate::load::{Pos, Style};
use crate::provider::spec::ResultShape;

impl DocLint<'_> {
    pub(super) fn condition(&mut self, i: usize, field: &str, cond: &str, result: &ResultShape) {
        let path = format!("spec.metrics[{i}].{field}");
        let (shape, ty) = (result.description, result.ty.clone());
        if let Err(e) = check_condition(cond, ty) {
            let pos = self.condition_pos(&path, e.line() as usize, e.column() as usize);
            let mut message = format!("{field} does not compile for {shape}: {e}");
            if let Some(hint) = result.type_error_hint
                && e.to_string().contains("[]float64")
            {
                message.push_str(hint);
            }
            self.push(pos, Severity::Error, message);
            return;
        }
        if result.empty_without_data && indexes_without_guard(cond) {
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
