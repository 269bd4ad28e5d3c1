//! Constant evaluation, in one place: folding constant sub-trees at compile time and the
//! context for expressions whose inputs are all constants (the builtin tests use it too).
//! Both run the evaluator itself, so a folded value is exactly what run time would give.

use chrono::{DateTime, Utc};

use super::ir::Ir;
use super::run::explain::NoTrace;
use super::run::{Budget, Cx, eval};
use crate::value::Value;

/// `nil`, the `result` of an evaluation that has none (constant folding).
static NIL: Value = Value::Nil;

impl<'f> Cx<'static, 'f> {
    /// A context without a result, frames or clock (the Unix epoch): for expressions whose
    /// inputs are all constants.
    pub(crate) fn constant(budget: &'f Budget) -> Self {
        Cx {
            result: &NIL,
            now: DateTime::<Utc>::UNIX_EPOCH,
            frame: None,
            budget,
        }
    }
}

/// Constant folding: a node whose inputs are all constants is evaluated once, at compile
/// time. Anything that fails is left for run time, where it fails with the same message.
pub(crate) fn fold(ir: Ir) -> Ir {
    let foldable = match &ir {
        Ir::Not(x, _) | Ir::Neg(x, _) => x.as_const().is_some(),
        Ir::Bin(b) => b.l.as_const().is_some() && b.r.as_const().is_some(),
        Ir::And(lr, ..) | Ir::Or(lr, ..) => lr.0.as_const().is_some() && lr.1.as_const().is_some(),
        Ir::InStrSet(x, ..) | Ir::MatchConst(x, ..) => x.as_const().is_some(),
        Ir::Call(c) => c.args.iter().all(|a| a.as_const().is_some()),
        _ => false,
    };
    if !foldable {
        return ir;
    }
    let budget = Budget::new(super::step_budget());
    let cx = Cx::constant(&budget);
    let folded = match eval(&ir, &cx, &mut NoTrace) {
        Ok(v) => Some(v.into_owned()),
        Err(_) => None,
    };
    match folded {
        // Large folded ranges would bloat the program; keep them lazy.
        Some(Value::List(l)) if l.len() > 1024 => ir,
        Some(v) => Ir::Const(v),
        None => ir,
    }
}

/// Calls builtin `name` on constant arguments, as folding would.
#[cfg(test)]
pub(crate) fn call_builtin(name: &str, args: &[Value]) -> Result<Value, String> {
    let budget = Budget::new(super::step_budget());
    let cx = Cx::constant(&budget);
    let args: Vec<std::borrow::Cow<'_, Value>> =
        args.iter().map(std::borrow::Cow::Borrowed).collect();
    super::run::call_inner(name, &args, &cx, super::error::Span::default())
}
