//! Questions about a compiled program, answered from its lowered tree, never from its text:
//! which comparisons read the result against a constant number (a plot's threshold lines, see
//! [`Program::comparisons`]) and which constant indexes into `result` have no guard for an
//! empty vector (lint's `result[0]` trap, see [`Program::unguarded_indexes`]).

mod guard;
#[cfg(test)]
mod tests;

use std::ops::Range;

use super::Program;
use super::ir::{BinOp, EnvFn, Func, Ir, Key, PredKind, Ptr};
use crate::value::Value;

pub use guard::UnguardedIndex;

/// A comparison operator, read with the result-derived operand on the left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl CmpOp {
    fn of(op: BinOp) -> Option<CmpOp> {
        Some(match op {
            BinOp::Lt => CmpOp::Lt,
            BinOp::Le => CmpOp::Le,
            BinOp::Gt => CmpOp::Gt,
            BinOp::Ge => CmpOp::Ge,
            BinOp::Eq => CmpOp::Eq,
            BinOp::Ne => CmpOp::Ne,
            _ => return None,
        })
    }

    /// The operator as written (`>=`).
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }

    /// The same comparison with its sides swapped: `0.95 <= x` is `x >= 0.95`.
    pub fn flip(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }

    /// The comparison that holds when this one does not (NaN aside): `!(x < 0.5)` is `x >= 0.5`.
    pub fn negate(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
        }
    }

    /// `<`, `<=`, `>`, `>=`: the ones a threshold line stands for.
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }
}

/// What a compared operand reads from `result`, so a plot can tell a measured value from a
/// guard or a computed quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// A value of the result itself: `result[0]`, `result.data.rate`, `asFloat(result.x)`,
    /// `default(result, 0)`.
    Value,
    /// Each element of a collection in the result, inside a closure: `#` in
    /// `all(result, {# >= 0.9})`, `asFloat(.value)`.
    Element,
    /// A length: `len(result)`, `count(result, ...)`; a guard rather than a measurement.
    Length,
    /// Anything else computed from the result: `result[0] * 100`, `sum(result)`.
    Derived,
}

/// A comparison of a result-derived operand against a constant number.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The operand, rendered from the tree (`result[0]`, `asFloat(.value)`).
    pub operand: String,
    /// What the operand reads from the result.
    pub reading: Reading,
    /// The operator with the operand on the left (`0.95 <= result[0]` reads `>=`).
    pub op: CmpOp,
    /// The constant (after folding: `-1`, `0.9 + 0.05` are constants).
    pub threshold: f64,
    /// Under an odd number of `!`: the condition wants the comparison false.
    pub negated: bool,
    /// The whole comparison's byte range in the source.
    pub span: Range<usize>,
}

impl Program {
    /// Every comparison of a result-derived operand against a constant number, in source
    /// order, wherever it sits (under `&&`, `||`, `!`, guards, closures, `let`).
    pub fn comparisons(&self) -> Vec<Comparison> {
        let mut out = Vec::new();
        let mut w = Walk { scopes: Vec::new() };
        w.comparisons(&self.ir, false, &mut out);
        out.sort_by_key(|c| (c.span.start, c.span.end));
        out
    }

    /// Constant indexes into `result` (`result[0]`, `result[-1]`) that can run on a result
    /// too short for them: no `len(result) > 0 &&`, `len(result) == 0 ||`, `any(result, ...) &&`
    /// or enclosing closure over `result` makes the index safe.
    pub fn unguarded_indexes(&self) -> Vec<UnguardedIndex> {
        let mut out = Vec::new();
        let mut w = Walk { scopes: Vec::new() };
        w.indexes(&self.ir, 0, &mut out);
        out.sort_by_key(|i| (i.span.start, i.span.end));
        out
    }
}

/// What a `let` or a closure frame makes its variable stand for.
struct Frame {
    /// The variable's reading (a closure's element: [`Reading::Element`] over a result-derived
    /// collection), `None` when it does not come from the result.
    reading: Option<Reading>,
    /// The variable is `result` itself (`let r = result`), so `r[0]` indexes the result.
    is_result: bool,
    /// A closure over `result` itself: its body only runs when the result has an element.
    over_result: bool,
    /// How the variable renders in an operand.
    text: String,
}

/// A walk over the tree with the frames of the enclosing `let`s and closures, innermost last
/// (`Ir::Var(up)` and `Ir::Pointer { up }` count from the end).
pub(super) struct Walk {
    scopes: Vec<Frame>,
}

impl Walk {
    fn frame(&self, up: u32) -> Option<&Frame> {
        let i = self.scopes.len().checked_sub(1 + up as usize)?;
        self.scopes.get(i)
    }

    fn with<T>(&mut self, frame: Frame, f: impl FnOnce(&mut Walk) -> T) -> T {
        self.scopes.push(frame);
        let out = f(self);
        self.scopes.pop();
        out
    }

    fn pred_frame(&mut self, coll: &Ir) -> Frame {
        Frame {
            reading: self.reading(coll).map(|_| Reading::Element),
            is_result: false,
            over_result: self.is_result(coll),
            text: "#".into(),
        }
    }

    fn let_frame(&mut self, value: &Ir) -> Frame {
        Frame {
            reading: self.reading(value),
            is_result: self.is_result(value),
            over_result: false,
            text: self.render(value),
        }
    }

    /// The node is `result` itself (or a `let` bound to it).
    fn is_result(&self, ir: &Ir) -> bool {
        match ir {
            Ir::Result => true,
            Ir::Var(up) => self.frame(*up).is_some_and(|f| f.is_result),
            _ => false,
        }
    }

    /// What the node reads from the result; `None` when it does not depend on it.
    fn reading(&mut self, ir: &Ir) -> Option<Reading> {
        let derived = |r: Option<Reading>| r.map(|_| Reading::Derived);
        match ir {
            Ir::Result => Some(Reading::Value),
            Ir::Var(up)
            | Ir::Pointer {
                up,
                which: Ptr::Item,
            } => self.frame(*up).and_then(|f| f.reading),
            Ir::Pointer { up, which } => match which {
                Ptr::Acc => derived(self.frame(*up).and_then(|f| f.reading)),
                _ => None,
            },
            Ir::ItemStr(f) => self.frame(f.up).and_then(|f| f.reading),
            Ir::Member(m) => match (self.reading(&m.base), &m.key) {
                (Some(Reading::Value), _) => Some(Reading::Value),
                (Some(Reading::Element), _) => Some(Reading::Element),
                (Some(_), _) => Some(Reading::Derived),
                (None, Key::Dyn(k)) => derived(self.reading(k)),
                (None, _) => None,
            },
            Ir::Chain(x) => self.reading(x),
            Ir::Coalesce(lr) => self.reading(&lr.0).or_else(|| derived(self.reading(&lr.1))),
            Ir::Call(c) => match (c.f, c.args.as_slice()) {
                // `default` and `isNil` look at the top-level result, whatever their arguments.
                (Func::Env(EnvFn::Default), _) => Some(Reading::Value),
                (Func::Env(EnvFn::AsFloat | EnvFn::AsInt), [x])
                | (Func::Builtin("float" | "int" | "first" | "last"), [x]) => self.reading(x),
                (Func::Builtin("len"), [x]) => self.reading(x).map(|_| Reading::Length),
                _ => derived(self.any_reading(ir)),
            },
            Ir::Pred(p) if p.kind == PredKind::Count => {
                self.reading(&p.coll).map(|_| Reading::Length)
            }
            _ => derived(self.any_reading(ir)),
        }
    }

    /// Whether anything under the node reads the result.
    fn any_reading(&mut self, ir: &Ir) -> Option<Reading> {
        match ir {
            Ir::Result | Ir::Var(_) | Ir::Pointer { .. } | Ir::ItemStr(_) => self.reading(ir),
            Ir::Call(c) => c.args.iter().find_map(|a| self.any_reading(a)).or(
                // `isNil` reads the result whatever its argument.
                (c.f == Func::Env(EnvFn::IsNil)).then_some(Reading::Derived),
            ),
            Ir::Pred(p) => {
                let outside = self.any_reading(&p.coll).or_else(|| {
                    let extra = p.extra.as_ref()?;
                    self.any_reading(extra)
                });
                match (outside, &p.body) {
                    (Some(r), _) => Some(r),
                    (None, Some(body)) => {
                        let frame = self.pred_frame(&p.coll);
                        self.with(frame, |w| w.any_reading(body))
                    }
                    (None, None) => None,
                }
            }
            Ir::Let(lv) => match self.any_reading(&lv.0) {
                Some(r) => Some(r),
                None => {
                    let frame = self.let_frame(&lv.0);
                    self.with(frame, |w| w.any_reading(&lv.1))
                }
            },
            other => {
                let mut found = None;
                for_each_child(other, &mut |c| {
                    if found.is_none() {
                        found = self.any_reading(c);
                    }
                });
                found
            }
        }
    }

    /// The operand as an expression, from the tree (names of `let`s are gone; their values
    /// stand in).
    fn render(&self, ir: &Ir) -> String {
        match ir {
            Ir::Const(v) => v.to_go_json(),
            Ir::Result => "result".into(),
            Ir::Var(up) => self.frame(*up).map_or("?".into(), |f| f.text.clone()),
            Ir::Pointer { which, .. } => match which {
                Ptr::Item => "#",
                Ptr::Index => "#index",
                Ptr::Acc => "#acc",
            }
            .into(),
            Ir::ItemStr(f) => field("", &f.key),
            Ir::Member(m) => {
                let base = self.render(&m.base);
                let base = if m.optional { format!("{base}?") } else { base };
                match &m.key {
                    Key::Str(k) => field(&base, k),
                    Key::Int(i) => format!("{base}[{i}]"),
                    Key::Dyn(k) => format!("{base}[{}]", self.render(k)),
                }
            }
            Ir::Chain(x) => self.render(x),
            Ir::Neg(x, _) => format!("-{}", self.render(x)),
            Ir::Not(x, _) => format!("!{}", self.render(x)),
            Ir::Bin(b) => format!(
                "{} {} {}",
                self.render(&b.l),
                b.op.symbol(),
                self.render(&b.r)
            ),
            Ir::Call(c) => {
                let name = match c.f {
                    Func::Env(f) => f.name(),
                    Func::Builtin(n) => n,
                };
                let args: Vec<String> = c.args.iter().map(|a| self.render(a)).collect();
                format!("{name}({})", args.join(", "))
            }
            Ir::Pred(p) => format!("{}({}, ...)", pred_name(p.kind), self.render(&p.coll)),
            _ => "...".into(),
        }
    }

    fn comparisons(&mut self, ir: &Ir, negated: bool, out: &mut Vec<Comparison>) {
        match ir {
            Ir::CmpConst(c) => {
                if let (Some(op), Some(reading)) = (CmpOp::of(c.op), self.reading(&c.l)) {
                    out.push(Comparison {
                        operand: self.render(&c.l),
                        reading,
                        op,
                        threshold: c.c,
                        negated,
                        span: c.ext.range(),
                    });
                }
                self.comparisons(&c.l, negated, out);
            }
            Ir::Bin(b) => {
                let hit = match (CmpOp::of(b.op), number(&b.l), number(&b.r)) {
                    (Some(op), None, Some(n)) => Some((op, n, &b.l)),
                    (Some(op), Some(n), None) => Some((op.flip(), n, &b.r)),
                    _ => None,
                };
                if let Some((op, threshold, operand)) = hit
                    && let Some(reading) = self.reading(operand)
                {
                    out.push(Comparison {
                        operand: self.render(operand),
                        reading,
                        op,
                        threshold,
                        negated,
                        span: b.ext.range(),
                    });
                }
                self.comparisons(&b.l, negated, out);
                self.comparisons(&b.r, negated, out);
            }
            Ir::Not(x, _) => self.comparisons(x, !negated, out),
            Ir::Pred(p) => {
                self.comparisons(&p.coll, negated, out);
                if let Some(e) = &p.extra {
                    self.comparisons(e, negated, out);
                }
                if let Some(body) = &p.body {
                    // `none(xs, {# > 1})` wants every element's comparison false.
                    let negated = negated ^ (p.kind == PredKind::None);
                    let frame = self.pred_frame(&p.coll);
                    self.with(frame, |w| w.comparisons(body, negated, out));
                }
            }
            Ir::Let(lv) => {
                self.comparisons(&lv.0, negated, out);
                let frame = self.let_frame(&lv.0);
                self.with(frame, |w| w.comparisons(&lv.1, negated, out));
            }
            other => for_each_child(other, &mut |c| self.comparisons(c, negated, out)),
        }
    }
}

/// A numeric constant.
fn number(ir: &Ir) -> Option<f64> {
    match ir.as_const()? {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// `base.key`, or `base["key"]` when the key is not a name.
fn field(base: &str, key: &str) -> String {
    let name = key.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && key.chars().all(|c| c.is_alphanumeric() || c == '_');
    if name {
        format!("{base}.{key}")
    } else {
        let base = if base.is_empty() { "#" } else { base };
        format!("{base}[{}]", crate::gostr::go_quote(key))
    }
}

fn pred_name(kind: PredKind) -> &'static str {
    match kind {
        PredKind::All => "all",
        PredKind::None => "none",
        PredKind::Any => "any",
        PredKind::One => "one",
        PredKind::Filter => "filter",
        PredKind::Map => "map",
        PredKind::Find => "find",
        PredKind::FindIndex => "findIndex",
        PredKind::FindLast => "findLast",
        PredKind::FindLastIndex => "findLastIndex",
        PredKind::Count => "count",
        PredKind::Sum => "sum",
        PredKind::GroupBy => "groupBy",
        PredKind::SortBy => "sortBy",
        PredKind::Reduce => "reduce",
    }
}

/// Calls `f` on each direct child of a node that opens no frame (`Pred` and `Let` are the
/// callers' to handle, since their bodies see one more variable).
fn for_each_child(ir: &Ir, f: &mut impl FnMut(&Ir)) {
    match ir {
        Ir::Const(_) | Ir::Result | Ir::Var(_) | Ir::Pointer { .. } | Ir::ItemStr(_) => {}
        Ir::Not(x, _) | Ir::Neg(x, _) | Ir::Chain(x) => f(x),
        Ir::InStrSet(x, ..) | Ir::MatchConst(x, ..) => f(x),
        Ir::And(lr, ..) | Ir::Or(lr, ..) | Ir::Coalesce(lr) => {
            f(&lr.0);
            f(&lr.1);
        }
        Ir::Bin(b) => {
            f(&b.l);
            f(&b.r);
        }
        Ir::CmpConst(c) => f(&c.l),
        Ir::Cond(c, _) => {
            f(&c.0);
            f(&c.1);
            f(&c.2);
        }
        Ir::Member(m) => {
            f(&m.base);
            if let Key::Dyn(k) = &m.key {
                f(k);
            }
        }
        Ir::Slice(s) => {
            f(&s.base);
            if let Some(x) = &s.from {
                f(x);
            }
            if let Some(x) = &s.to {
                f(x);
            }
        }
        Ir::Array(items) | Ir::Seq(items) => items.iter().for_each(f),
        Ir::MapLit(pairs, _) => {
            for (k, v) in pairs {
                f(k);
                f(v);
            }
        }
        Ir::Call(c) => c.args.iter().for_each(f),
        // Frames: the walkers handle these before falling back here; their parts outside
        // the frame are still children.
        Ir::Pred(p) => {
            f(&p.coll);
            if let Some(e) = &p.extra {
                f(e);
            }
        }
        Ir::Let(lv) => f(&lv.0),
    }
}
