//! Type checking and lowering in one pass: Go expr's checker rules and error texts decide
//! what compiles; what compiles is lowered to [`Ir`] with names resolved and constants folded.

mod builtins;
mod call;
pub(crate) mod types;

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::expr::Env;
use crate::expr::constant::fold;
use crate::expr::error::{ExprError, Span};
use crate::expr::ir::{BinOp, Binary, CmpConst, Ir, ItemStr, Key, Member, Ptr, SliceOp};
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

fn mismatched(op: &str, l: &Type, r: &Type, span: Span) -> ExprError {
    err(
        span,
        format!("invalid operation: {op} (mismatched types {l} and {r})"),
    )
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
                            Err(err(span, format!("cannot use {coll} as array")))
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
        ))
    }

    fn binary(
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
                        return Err(err(
                            span,
                            format!("cannot use {l} as type string in map key"),
                        ));
                    }
                    Some(bool_t)
                } else if r.is_array() {
                    let elem = r.elem();
                    if !l.comparable_to(&elem) {
                        return Err(err(span, format!("cannot use {l} as type {elem} in array")));
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

    fn member(
        &mut self,
        base: &Node,
        property: &Node,
        optional: bool,
        node: &Node,
    ) -> Result<Checked, ExprError> {
        let (bt, bi) = self.check(base)?;
        let (pt, pi) = self.check(property)?;
        let key = match pi {
            Ir::Const(Value::String(s)) => Key::Str(s),
            Ir::Const(Value::Int(i)) => Key::Int(i),
            other => Key::Dyn(other),
        };
        let ir = match (bi, key) {
            (
                Ir::Pointer {
                    up,
                    which: Ptr::Item,
                },
                Key::Str(key),
            ) if !optional => Ir::ItemStr(Box::new(ItemStr {
                up,
                key,
                span: node.span,
                ext: node.ext,
            })),
            (base, key) => Ir::Member(Box::new(Member {
                base,
                key,
                optional,
                span: node.span,
                ext: node.ext,
            })),
        };
        if bt.is_unknown() {
            return Ok((Type::Unknown, ir));
        }
        let name = match &property.kind {
            NodeKind::Str(s) => Some(s.as_str()),
            _ => None,
        };
        if let Some(name) = name
            && bt.is_nil()
        {
            return Err(err(node.span, format!("type nil has no field {name}")));
        }
        if bt.is_map() {
            if !pt.assignable_to(&Type::String) && !pt.is_unknown() {
                return Err(err(
                    property.span,
                    format!("cannot use {pt} to get an element from {bt}"),
                ));
            }
            return Ok((Type::Unknown, ir));
        }
        if bt.is_array() {
            if !pt.is_integer() && !pt.is_unknown() {
                return Err(err(
                    property.span,
                    format!("array elements can only be selected using an integer (got {pt})"),
                ));
            }
            return Ok((bt.elem(), ir));
        }
        Err(match name {
            Some(name) => err(node.span, format!("type {bt} has no field {name}")),
            None => err(node.span, format!("type {bt}[{pt}] is undefined")),
        })
    }

    fn slice(
        &mut self,
        base: &Node,
        from: Option<&Node>,
        to: Option<&Node>,
        span: Span,
    ) -> Result<Checked, ExprError> {
        let (t, bi) = self.check(base)?;
        if !t.is_unknown() && !t.is_string() && !t.is_array() {
            return Err(err(span, format!("cannot slice {t}")));
        }
        let mut bound = |n: Option<&Node>| -> Result<Option<Ir>, ExprError> {
            let Some(n) = n else { return Ok(None) };
            let (bt, ir) = self.check(n)?;
            if !bt.is_integer() && !bt.is_unknown() {
                return Err(err(n.span, format!("non-integer slice index {bt}")));
            }
            Ok(Some(ir))
        };
        let from = bound(from)?;
        let to = bound(to)?;
        let ty = if t.is_unknown() { Type::Unknown } else { t };
        Ok((
            ty,
            Ir::Slice(Box::new(SliceOp {
                base: bi,
                from,
                to,
                span,
            })),
        ))
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
            ));
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
