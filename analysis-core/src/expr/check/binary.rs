//! Binary operators: Go expr's operand rules and error texts, and their lowering (numeric
//! constants on the right become `CmpConst`, string-literal `in` lists become sets).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::types::Type;
use super::{Checked, Checker, err};
use crate::expr::constant::fold;
use crate::expr::error::{ExprError, Span, TypeMismatch};
use crate::expr::ir::{BinOp, Binary, CmpConst, Ir};
use crate::expr::syntax::ast::{Node, NodeKind};
use crate::value::Value;

fn mismatched(op: &str, l: &Type, r: &Type, span: Span) -> ExprError {
    err(
        span,
        format!("invalid operation: {op} (mismatched types {l} and {r})"),
    )
    .with_mismatch(TypeMismatch::Operator {
        op: op.to_string(),
        operands: vec![l.clone(), r.clone()],
    })
}

/// Go expr's `MaybeCompatible`: one side unknown and the other passes one of the checks.
fn maybe(l: &Type, r: &Type, check: impl Fn(&Type) -> bool) -> bool {
    (l.is_unknown() && r.is_unknown())
        || (l.is_unknown() && check(r))
        || (r.is_unknown() && check(l))
}

fn promote(l: &Type, r: &Type) -> Type {
    if l.is_unknown() || r.is_unknown() {
        Type::Unknown
    } else if l.is_float() || r.is_float() {
        Type::Float
    } else {
        Type::Int
    }
}

impl Checker<'_> {
    pub(super) fn binary(
        &mut self,
        op: &'static str,
        left: &Node,
        right: &Node,
        node: &Node,
    ) -> Result<Checked, ExprError> {
        let (l, li) = self.check(left)?;
        let (r, ri) = self.check(right)?;
        let span = node.span;
        let ext = node.ext;
        let bool_t = Type::Bool;
        let ty = match op {
            "==" | "!=" => l.comparable_to(&r).then_some(bool_t),
            "or" | "||" | "and" | "&&" => {
                ((l.is_bool() && r.is_bool()) || maybe(&l, &r, Type::is_bool)).then_some(bool_t)
            }
            "<" | ">" | ">=" | "<=" => ((l.is_number() && r.is_number())
                || (l.is_string() && r.is_string())
                || (l == Type::Time && r == Type::Time)
                || (l == Type::Duration && r == Type::Duration)
                || maybe(&l, &r, |t| {
                    t.is_number() || t.is_string() || *t == Type::Time || *t == Type::Duration
                }))
            .then_some(bool_t),
            "-" => {
                if l.is_number() && r.is_number() {
                    Some(promote(&l, &r))
                } else if l == Type::Time && r == Type::Time {
                    Some(Type::Duration)
                } else if l == Type::Time && r == Type::Duration {
                    Some(Type::Time)
                } else if l == Type::Duration && r == Type::Duration {
                    Some(Type::Duration)
                } else if maybe(&l, &r, |t| {
                    t.is_number() || *t == Type::Time || *t == Type::Duration
                }) {
                    Some(Type::Unknown)
                } else {
                    None
                }
            }
            "*" => {
                if l.is_number() && r.is_number() {
                    Some(promote(&l, &r))
                } else if (l.is_number() || l == Type::Duration)
                    && (r.is_number() || r == Type::Duration)
                {
                    Some(Type::Duration)
                } else if maybe(&l, &r, |t| t.is_number() || *t == Type::Duration) {
                    Some(Type::Unknown)
                } else {
                    None
                }
            }
            "/" | "**" | "^" => ((l.is_number() && r.is_number())
                || maybe(&l, &r, Type::is_number))
            .then_some(Type::Float),
            "%" => ((l.is_integer() && r.is_integer()) || maybe(&l, &r, Type::is_integer))
                .then_some(Type::Int),
            "+" => {
                if l.is_number() && r.is_number() {
                    Some(promote(&l, &r))
                } else if l.is_string() && r.is_string() {
                    Some(Type::String)
                } else if (l == Type::Time && r == Type::Duration)
                    || (l == Type::Duration && r == Type::Time)
                {
                    Some(Type::Time)
                } else if l == Type::Duration && r == Type::Duration {
                    Some(Type::Duration)
                } else if maybe(&l, &r, |t| {
                    t.is_number() || t.is_string() || *t == Type::Time || *t == Type::Duration
                }) {
                    Some(Type::Unknown)
                } else {
                    None
                }
            }
            "in" => {
                if r.is_map() {
                    if !l.is_unknown() && !l.assignable_to(&Type::String) {
                        return Err(
                            err(span, format!("cannot use {l} as type string in map key"))
                                .with_mismatch(TypeMismatch::Operator {
                                    op: op.to_string(),
                                    operands: vec![l.clone(), r.clone()],
                                }),
                        );
                    }
                    Some(bool_t)
                } else if r.is_array() {
                    let elem = r.elem();
                    if !l.comparable_to(&elem) {
                        return Err(err(span, format!("cannot use {l} as type {elem} in array"))
                            .with_mismatch(TypeMismatch::Operator {
                                op: op.to_string(),
                                operands: vec![l.clone(), r.clone()],
                            }));
                    }
                    Some(bool_t)
                } else if (l.is_unknown() && (r.is_string() || r.is_array() || r.is_map()))
                    || r.is_unknown()
                {
                    Some(bool_t)
                } else {
                    None
                }
            }
            "matches" => {
                if let NodeKind::Str(pattern) = &right.kind
                    && let Err(e) = regex::Regex::new(pattern)
                {
                    return Err(err(span, crate::expr::error::regex_error(&e)));
                }
                ((l.is_string() && r.is_string()) || maybe(&l, &r, Type::is_string))
                    .then_some(bool_t)
            }
            "contains" | "startsWith" | "endsWith" => ((l.is_string() && r.is_string())
                || maybe(&l, &r, Type::is_string))
            .then_some(bool_t),
            ".." => ((l.is_integer() && r.is_integer()) || maybe(&l, &r, Type::is_integer))
                .then(|| Type::Slice(Box::new(Type::Int))),
            "??" => Some(if l.is_nil() && !r.is_nil() {
                r.clone()
            } else if !l.is_nil() && r.is_nil() {
                l.clone()
            } else if l.is_nil() && r.is_nil() {
                Type::Nil
            } else if r.assignable_to(&l) {
                l.clone()
            } else {
                Type::Unknown
            }),
            _ => return Err(err(span, format!("unknown operator ({op})"))),
        };
        let Some(ty) = ty else {
            return Err(mismatched(op, &l, &r, span));
        };
        let ir = match op {
            "and" | "&&" => Ir::And(Box::new((li, ri)), span, ext),
            "or" | "||" => Ir::Or(Box::new((li, ri)), span, ext),
            "??" => Ir::Coalesce(Box::new((li, ri))),
            "in" => lower_in(&l, li, ri, right, span, ext),
            "matches" => match (
                &right.kind,
                regex::Regex::new(match &right.kind {
                    NodeKind::Str(p) => p,
                    _ => "",
                }),
            ) {
                (NodeKind::Str(_), Ok(re)) => Ir::MatchConst(Box::new(li), Box::new(re), span),
                _ => bin(BinOp::Matches, li, ri, span, ext),
            },
            _ => {
                let op = match op {
                    "==" => BinOp::Eq,
                    "!=" => BinOp::Ne,
                    "<" => BinOp::Lt,
                    ">" => BinOp::Gt,
                    "<=" => BinOp::Le,
                    ">=" => BinOp::Ge,
                    "+" => BinOp::Add,
                    "-" => BinOp::Sub,
                    "*" => BinOp::Mul,
                    "/" => BinOp::Div,
                    "%" => BinOp::Mod,
                    "**" | "^" => BinOp::Pow,
                    "contains" => BinOp::Contains,
                    "startsWith" => BinOp::StartsWith,
                    "endsWith" => BinOp::EndsWith,
                    _ => BinOp::Range,
                };
                if op == BinOp::Mod
                    && matches!(ri.as_const(), Some(Value::Int(0)))
                    && matches!(li.as_const(), Some(Value::Int(_)))
                {
                    return Err(err(span, "integer divide by zero"));
                }
                lower_binary(op, &l, li, ri, span, ext)
            }
        };
        Ok((ty, fold(ir)))
    }
}

fn bin(op: BinOp, l: Ir, r: Ir, span: Span, ext: Span) -> Ir {
    Ir::Bin(Box::new(Binary {
        op,
        l,
        r,
        span,
        ext,
    }))
}

/// Picks a specialised node when the right side is a numeric constant.
fn lower_binary(op: BinOp, lt: &Type, l: Ir, r: Ir, span: Span, ext: Span) -> Ir {
    let cmp = matches!(
        op,
        BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge | BinOp::Eq | BinOp::Ne
    );
    if cmp && (lt.is_number() || lt.is_unknown()) && l.as_const().is_none() {
        let c = match r.as_const() {
            Some(Value::Float(f)) => Some((*f, false)),
            Some(Value::Int(i)) if (i.unsigned_abs()) < (1u64 << 53) => Some((*i as f64, true)),
            _ => None,
        };
        if let Some((c, int)) = c {
            return Ir::CmpConst(Box::new(CmpConst {
                op,
                l,
                c,
                int,
                span,
                ext,
            }));
        }
    }
    bin(op, l, r, span, ext)
}

fn lower_in(lt: &Type, li: Ir, ri: Ir, right: &Node, span: Span, ext: Span) -> Ir {
    if let NodeKind::Array(items) = &right.kind
        && !items.is_empty()
        && !lt.is_integer()
        && items.iter().all(|n| matches!(n.kind, NodeKind::Str(_)))
    {
        let set: BTreeSet<String> = items
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        return Ir::InStrSet(Box::new(li), Arc::new(set), span);
    }
    bin(BinOp::In, li, ri, span, ext)
}
