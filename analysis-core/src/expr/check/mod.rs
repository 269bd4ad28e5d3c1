//! Type checking and lowering in one pass: Go expr's checker rules and error texts decide
//! what compiles; what compiles is lowered to [`Ir`] with names resolved and constants folded.
//! Operators, members and calls each have their own file; names, scopes and the simple forms
//! are here.

mod binary;
mod builtins;
mod call;
mod member;
pub(crate) mod types;

use crate::expr::Env;
use crate::expr::constant::fold;
use crate::expr::error::{ExprError, Span, TypeMismatch};
use crate::expr::ir::{Ir, Ptr};
use crate::expr::syntax::ast::{Node, NodeKind};
use crate::expr::syntax::builtins::is_builtin;
use crate::value::Value;
use types::Type;

pub(crate) type Checked = (Type, Ir);

/// A name the checker can see besides the environment: a predicate's frame or a `let`.
pub(crate) enum Scope {
    Pred {
        coll: Type,
        index: bool,
        acc: Option<Type>,
    },
    Let {
        name: String,
        ty: Type,
    },
}

pub(crate) struct Checker<'e> {
    pub env: &'e Env,
    pub scopes: Vec<Scope>,
}

pub(crate) fn err(span: Span, msg: impl Into<String>) -> ExprError {
    ExprError::type_err(msg, span)
}

impl Checker<'_> {
    pub fn check(&mut self, node: &Node) -> Result<Checked, ExprError> {
        match &node.kind {
            NodeKind::Nil => Ok((Type::Nil, Ir::Const(Value::Nil))),
            NodeKind::Bool(b) => Ok((Type::Bool, Ir::Const(Value::Bool(*b)))),
            NodeKind::Int(i) => Ok((Type::Int, Ir::Const(Value::Int(*i)))),
            NodeKind::Float(f) => Ok((Type::Float, Ir::Const(Value::Float(*f)))),
            NodeKind::Str(s) => Ok((Type::String, Ir::Const(Value::string(s.as_str())))),
            NodeKind::Ident(name) => self.identifier(name, node.span),
            NodeKind::Pointer(name) => self.pointer(name, node.span),
            NodeKind::Unary { op, node: inner } => self.unary(op, inner, node.span),
            NodeKind::Binary { op, left, right } => self.binary(op, left, right, node),
            NodeKind::Member {
                node: base,
                property,
                optional,
            } => self.member(base, property, *optional, node),
            NodeKind::Chain(inner) => {
                let (t, ir) = self.check(inner)?;
                Ok((t, Ir::Chain(Box::new(ir))))
            }
            NodeKind::Slice {
                node: base,
                from,
                to,
            } => self.slice(base, from.as_deref(), to.as_deref(), node.span),
            NodeKind::Call { callee, args } => self.call(callee, args, node),
            NodeKind::Builtin { name, args } => self.builtin(name, args, node),
            NodeKind::Predicate(_) => Err(err(node.span, "unexpected predicate")),
            NodeKind::Let { name, value, body } => self.let_decl(name, value, body, node.span),
            NodeKind::Sequence(nodes) => {
                let mut last = Type::Unknown;
                let mut irs = Vec::with_capacity(nodes.len());
                for n in nodes {
                    let (t, ir) = self.check(n)?;
                    last = t;
                    irs.push(ir);
                }
                if irs.is_empty() {
                    return Err(err(node.span, "empty sequence expression"));
                }
                Ok((last, Ir::Seq(irs)))
            }
            NodeKind::Conditional {
                cond,
                then,
                otherwise,
            } => self.conditional(cond, then, otherwise),
            NodeKind::Array(nodes) => self.array(nodes),
            NodeKind::Map(pairs) => {
                let mut irs = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let (_, k) = self.check(k)?;
                    let (_, v) = self.check(v)?;
                    irs.push((k, v));
                }
                Ok((Type::Map, Ir::MapLit(irs, node.span)))
            }
        }
    }

    fn identifier(&mut self, name: &str, span: Span) -> Result<Checked, ExprError> {
        for (up, scope) in (0u32..).zip(self.scopes.iter().rev()) {
            if let Scope::Let { name: n, ty } = scope
                && n == name
            {
                return Ok((ty.clone(), Ir::Var(up)));
            }
        }
        if name == "result"
            && let Some(t) = &self.env.result
        {
            return Ok((t.clone(), Ir::Result));
        }
        if let Some(f) = self.env.function(name) {
            return Err(err(
                span,
                format!("function {} can only be called", f.name()),
            ));
        }
        if is_builtin(name) {
            return Err(err(span, format!("builtin {name} can only be called")));
        }
        Err(err(span, format!("unknown name {name}")))
    }

    fn pointer(&mut self, name: &str, span: Span) -> Result<Checked, ExprError> {
        for (up, scope) in (0u32..).zip(self.scopes.iter().rev()) {
            if let Scope::Pred { coll, index, acc } = scope {
                return match name {
                    "" => {
                        if coll.is_unknown() || coll.is_array() {
                            Ok((
                                coll.elem(),
                                Ir::Pointer {
                                    up,
                                    which: Ptr::Item,
                                },
                            ))
                        } else {
                            Err(err(span, format!("cannot use {coll} as array"))
                                .with_mismatch(member::access(coll)))
                        }
                    }
                    "index" if *index => Ok((
                        Type::Int,
                        Ir::Pointer {
                            up,
                            which: Ptr::Index,
                        },
                    )),
                    "acc" if acc.is_some() => Ok((
                        acc.clone().unwrap_or(Type::Unknown),
                        Ir::Pointer {
                            up,
                            which: Ptr::Acc,
                        },
                    )),
                    _ => Err(err(span, format!("unknown pointer #{name}"))),
                };
            }
        }
        Err(err(span, "cannot use pointer accessor outside predicate"))
    }

    fn unary(&mut self, op: &str, inner: &Node, span: Span) -> Result<Checked, ExprError> {
        let (t, ir) = self.check(inner)?;
        match op {
            "!" | "not" => {
                if t.is_bool() || t.is_unknown() {
                    return Ok((Type::Bool, fold(Ir::Not(Box::new(ir), span))));
                }
            }
            "-" => {
                if t.is_number() || t.is_unknown() {
                    return Ok((t, fold(Ir::Neg(Box::new(ir), span))));
                }
            }
            "+" => {
                if t.is_number() || t.is_unknown() {
                    return Ok((t, ir));
                }
            }
            _ => return Err(err(span, format!("unknown operator ({op})"))),
        }
        Err(err(
            span,
            format!("invalid operation: {op} (mismatched type {t})"),
        )
        .with_mismatch(TypeMismatch::Operator {
            op: op.to_string(),
            operands: vec![t],
        }))
    }

    fn let_decl(
        &mut self,
        name: &str,
        value: &Node,
        body: &Node,
        span: Span,
    ) -> Result<Checked, ExprError> {
        if name == "result" && self.env.result.is_some() || self.env.function(name).is_some() {
            return Err(err(span, format!("cannot redeclare {name}")));
        }
        if is_builtin(name) {
            return Err(err(span, format!("cannot redeclare builtin {name}")));
        }
        if self
            .scopes
            .iter()
            .any(|s| matches!(s, Scope::Let { name: n, .. } if n == name))
        {
            return Err(err(span, format!("cannot redeclare variable {name}")));
        }
        let (vt, vi) = self.check(value)?;
        self.scopes.push(Scope::Let {
            name: name.to_string(),
            ty: vt,
        });
        let body = self.check(body);
        self.scopes.pop();
        let (bt, bi) = body?;
        Ok((bt, Ir::Let(Box::new((vi, bi)))))
    }

    fn conditional(
        &mut self,
        cond: &Node,
        then: &Node,
        otherwise: &Node,
    ) -> Result<Checked, ExprError> {
        let (ct, ci) = self.check(cond)?;
        if !ct.is_bool() && !ct.is_unknown() {
            return Err(err(
                cond.span,
                format!("non-bool expression (type {ct}) used as condition"),
            )
            .with_mismatch(TypeMismatch::NotBool { found: ct }));
        }
        let (t1, i1) = self.check(then)?;
        let (t2, i2) = self.check(otherwise)?;
        let ty = if t1.is_nil() && !t2.is_nil() {
            t2
        } else if !t1.is_nil() && t2.is_nil() {
            t1
        } else if t1.is_nil() && t2.is_nil() {
            Type::Nil
        } else if t1.assignable_to(&t2) {
            if t1.is_array() && t2.is_array() && t1.elem() != t2.elem() {
                Type::any_array()
            } else {
                t1
            }
        } else {
            Type::Unknown
        };
        let ir = match ci {
            Ir::Const(Value::Bool(true)) => i1,
            Ir::Const(Value::Bool(false)) => i2,
            ci => Ir::Cond(Box::new((ci, i1, i2)), cond.span),
        };
        Ok((ty, ir))
    }

    fn array(&mut self, nodes: &[Node]) -> Result<Checked, ExprError> {
        let mut irs = Vec::with_capacity(nodes.len());
        let mut prev: Option<Type> = None;
        let mut same = true;
        for n in nodes {
            let (t, ir) = self.check(n)?;
            if let Some(p) = &prev
                && p.kind() != t.kind()
            {
                same = false;
            }
            prev = Some(t);
            irs.push(ir);
        }
        let elem = match prev {
            Some(t) if same => t,
            None => Type::Unknown,
            Some(_) => Type::Unknown,
        };
        let ty = Type::Array(Box::new(elem));
        if irs.iter().all(|i| i.as_const().is_some()) {
            let values: Vec<Value> = irs
                .into_iter()
                .filter_map(|i| match i {
                    Ir::Const(v) => Some(v),
                    _ => None,
                })
                .collect();
            return Ok((ty, Ir::Const(Value::list(values))));
        }
        Ok((ty, Ir::Array(irs)))
    }
}
