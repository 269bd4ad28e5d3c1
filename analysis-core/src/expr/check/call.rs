//! Checking calls: Argo's helpers (typed Go functions), expr's builtins (validators and
//! overload lists) and predicate builtins (closures), with Go expr's error texts.

use super::builtins::{signatures, validate};
use super::member::{access, key_of};
use super::types::Type;
use super::{Checked, Checker, Scope, err};
use crate::expr::constant::fold;
use crate::expr::error::{ExprError, Span, TypeMismatch};
use crate::expr::ir::{Call, EnvFn, Func, Ir, Pred, PredKind};
use crate::expr::syntax::ast::{Node, NodeKind};
use crate::expr::syntax::builtins::builtin_name;
use crate::value::Value;

/// Checked arguments: each one's type and span, and the lowered arguments.
type Args = (Vec<(Type, Span)>, Vec<Ir>);

/// One Go function signature: parameter types and result type.
pub(crate) struct Sig {
    pub params: &'static [Param],
    pub ret: Type,
}

/// A Go parameter type as the checker compares it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Param {
    Any,
    Int,
    Float,
    Str,
    Floats,
    Ints,
    Strings,
    AnyArray,
}

impl Param {
    fn ty(self) -> Type {
        match self {
            Param::Any => Type::Unknown,
            Param::Int => Type::Int,
            Param::Float => Type::Float,
            Param::Str => Type::String,
            Param::Floats => Type::floats(),
            Param::Ints => Type::Slice(Box::new(Type::Int)),
            Param::Strings => Type::Slice(Box::new(Type::String)),
            Param::AnyArray => Type::any_array(),
        }
    }
}

pub(crate) fn env_sig(f: EnvFn) -> Sig {
    match f {
        EnvFn::AsInt => Sig {
            params: &[Param::Any],
            ret: Type::Int64,
        },
        EnvFn::AsFloat => Sig {
            params: &[Param::Any],
            ret: Type::Float,
        },
        EnvFn::IsNaN | EnvFn::IsInf => Sig {
            params: &[Param::Float],
            ret: Type::Bool,
        },
        EnvFn::IsNil => Sig {
            params: &[Param::Any],
            ret: Type::Bool,
        },
        EnvFn::Default => Sig {
            params: &[Param::Any, Param::Any],
            ret: Type::Unknown,
        },
    }
}

/// Go expr's `checkArguments` for one signature, given the arguments' types.
fn match_sig(name: &str, sig: &Sig, args: &[(Type, Span)], span: Span) -> Result<(), ExprError> {
    let n = sig.params.len();
    if args.len() > n {
        return Err(err(span, format!("too many arguments to call {name}")));
    }
    if args.len() < n {
        return Err(err(span, format!("not enough arguments to call {name}")));
    }
    for ((t, aspan), p) in args.iter().zip(sig.params) {
        let want = p.ty();
        if want.is_float() && t.is_integer() {
            continue;
        }
        if want.is_integer() && t.is_integer() {
            continue;
        }
        if t.is_nil() {
            if want.is_unknown() {
                continue;
            }
            return Err(err(
                *aspan,
                format!("cannot use nil as argument (type {want}) to call {name}"),
            )
            .with_mismatch(argument(name, t)));
        }
        if !t.assignable_to(&want) && !t.is_unknown() {
            return Err(err(
                *aspan,
                format!("cannot use {t} as argument (type {want}) to call {name} "),
            )
            .with_mismatch(argument(name, t)));
        }
    }
    Ok(())
}

/// The mismatch of an argument of type `found` given to `function`.
fn argument(function: &str, found: &Type) -> TypeMismatch {
    TypeMismatch::Argument {
        function: function.to_string(),
        found: found.clone(),
    }
}

/// Go expr rewrites integer literals passed to float parameters into float literals.
fn int_literals_to_float(ir: Ir) -> Ir {
    match ir {
        Ir::Const(Value::Int(i)) => Ir::Const(Value::Float(i as f64)),
        other => other,
    }
}

fn call_ir(f: Func, args: Vec<Ir>, node: &Node) -> Ir {
    Ir::Call(Box::new(Call {
        f,
        args,
        span: node.span,
        ext: node.ext,
    }))
}

impl Checker<'_> {
    fn args(&mut self, args: &[Node]) -> Result<Args, ExprError> {
        let mut types = Vec::with_capacity(args.len());
        let mut irs = Vec::with_capacity(args.len());
        for a in args {
            let (t, ir) = self.check(a)?;
            types.push((t, a.span));
            irs.push(ir);
        }
        Ok((types, irs))
    }

    pub(crate) fn call(
        &mut self,
        callee: &Node,
        args: &[Node],
        node: &Node,
    ) -> Result<Checked, ExprError> {
        if let NodeKind::Ident(name) = &callee.kind {
            let shadowed = self
                .scopes
                .iter()
                .any(|s| matches!(s, Scope::Let { name: n, .. } if n == name));
            if !shadowed && let Some(f) = self.env.function(name) {
                let sig = env_sig(f);
                let (types, irs) = self.args(args)?;
                match_sig(f.name(), &sig, &types, node.span)?;
                let irs = irs
                    .into_iter()
                    .zip(sig.params)
                    .map(|(ir, p)| {
                        if *p == Param::Float {
                            int_literals_to_float(ir)
                        } else {
                            ir
                        }
                    })
                    .collect();
                let ir = call_ir(Func::Env(f), irs, node);
                let ir = if matches!(f, EnvFn::IsNil | EnvFn::Default) {
                    ir
                } else {
                    fold(ir)
                };
                return Ok((sig.ret, ir));
            }
        }
        let (ct, ci) = self.check(callee)?;
        let (_, irs) = self.args(args)?;
        let name = match &callee.kind {
            NodeKind::Ident(n) => n.clone(),
            NodeKind::Member { property, .. } => match &property.kind {
                NodeKind::Str(s) => s.clone(),
                _ => "function".into(),
            },
            _ => "function".into(),
        };
        if ct.is_unknown() {
            // A member of an untyped map: Go expr calls whatever is there at run time.
            let mut all = vec![ci];
            all.extend(irs);
            return Ok((Type::Unknown, call_ir(Func::Builtin("$call"), all, node)));
        }
        if ct.is_nil() {
            return Err(err(
                node.span,
                format!("{name} is nil; cannot call nil as function"),
            ));
        }
        Err(err(node.span, format!("{ct} is not callable")))
    }

    pub(crate) fn builtin(
        &mut self,
        name: &str,
        args: &[Node],
        node: &Node,
    ) -> Result<Checked, ExprError> {
        if let Some(kind) = pred_kind(name) {
            return self.predicate(kind, name, args, node);
        }
        let Some(sname) = builtin_name(name) else {
            return Err(err(node.span, format!("unknown builtin {name}")));
        };
        if name == "get" {
            return self.get(args, node);
        }
        let (types, irs) = self.args(args)?;
        let ret = if let Some(sigs) = signatures(name) {
            let mut last = None;
            let mut found = None;
            for sig in &sigs {
                match match_sig(name, sig, &types, node.span) {
                    Ok(()) => {
                        found = Some(sig.ret.clone());
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            match (found, last) {
                (Some(t), _) => t,
                (None, Some(e)) => return Err(e),
                (None, None) => {
                    return Err(err(node.span, format!("no matching overload for {name}")));
                }
            }
        } else {
            let ts: Vec<Type> = types.into_iter().map(|(t, _)| t).collect();
            validate(name, &ts).map_err(|(m, found)| match found {
                Some(t) => err(node.span, m).with_mismatch(argument(name, &t)),
                None => err(node.span, m),
            })?
        };
        let ir = call_ir(Func::Builtin(sname), irs, node);
        let ir = if name == "now" { ir } else { fold(ir) };
        Ok((ret, ir))
    }

    fn get(&mut self, args: &[Node], node: &Node) -> Result<Checked, ExprError> {
        if args.len() != 2 {
            return Err(err(
                node.span,
                format!(
                    "invalid number of arguments (expected 2, got {})",
                    args.len()
                ),
            ));
        }
        let (types, irs) = self.args(args)?;
        let (base, prop) = (&types[0].0, &types[1].0);
        let ty = if base.is_unknown() {
            Type::Unknown
        } else if base.is_array() {
            if !prop.is_integer() && !prop.is_unknown() {
                return Err(err(types[1].1, format!("non-integer slice index {prop}"))
                    .with_mismatch(key_of(base, prop)));
            }
            base.elem()
        } else if base.is_map() {
            if !prop.assignable_to(&Type::String) && !prop.is_unknown() {
                return Err(err(
                    types[1].1,
                    format!("cannot use {prop} to get an element from {base}"),
                )
                .with_mismatch(key_of(base, prop)));
            }
            Type::Unknown
        } else {
            return Err(
                err(types[0].1, format!("type {base} does not support indexing"))
                    .with_mismatch(access(base)),
            );
        };
        Ok((ty, call_ir(Func::Builtin("get"), irs, node)))
    }

    fn predicate(
        &mut self,
        kind: PredKind,
        name: &str,
        args: &[Node],
        node: &Node,
    ) -> Result<Checked, ExprError> {
        let Some(coll_node) = args.first() else {
            return Err(err(node.span, "expected at least 2 arguments"));
        };
        let (ct, ci) = self.check(coll_node)?;
        if !ct.is_array() && !ct.is_unknown() {
            return Err(err(
                coll_node.span,
                format!("builtin {name} takes only array (got {ct})"),
            )
            .with_mismatch(argument(name, &ct)));
        }
        let body_node = args.get(1);
        let (index, acc) = match kind {
            PredKind::Map => (true, None),
            PredKind::Reduce => (true, Some(Type::Unknown)),
            _ => (false, None),
        };
        let mut body = None;
        if let Some(b) = body_node {
            let inner = match &b.kind {
                NodeKind::Predicate(inner) => inner.as_ref(),
                _ => b,
            };
            self.scopes.push(Scope::Pred {
                coll: ct.clone(),
                index,
                acc,
            });
            let r = self.check(inner);
            self.scopes.pop();
            let (bt, bi) = r?;
            if bt.is_nil() {
                return Err(err(
                    b.span,
                    "predicate should has one input and one output param",
                ));
            }
            let wants_bool = matches!(
                kind,
                PredKind::All
                    | PredKind::None
                    | PredKind::Any
                    | PredKind::One
                    | PredKind::Filter
                    | PredKind::Count
                    | PredKind::Find
                    | PredKind::FindLast
                    | PredKind::FindIndex
                    | PredKind::FindLastIndex
            );
            if wants_bool && !bt.is_bool() && !bt.is_unknown() {
                return Err(err(
                    b.span,
                    format!("predicate should return boolean (got {bt})"),
                )
                .with_mismatch(TypeMismatch::NotBool { found: bt }));
            }
            body = Some((bt, bi));
        }
        let mut extra = None;
        if let Some(e) = args.get(2) {
            let (et, ei) = self.check(e)?;
            if kind == PredKind::SortBy && !et.is_string() && !et.is_unknown() {
                return Err(err(
                    e.span,
                    format!("sortBy order argument must be a string (got {et})"),
                )
                .with_mismatch(argument("sortBy", &et)));
            }
            extra = Some(ei);
        }
        let elem = || {
            if ct.is_unknown() {
                Type::Unknown
            } else {
                ct.elem()
            }
        };
        let body_t = body.as_ref().map(|(t, _)| t.clone());
        let ty = match kind {
            PredKind::All | PredKind::None | PredKind::Any | PredKind::One => Type::Bool,
            PredKind::Filter => {
                if ct.is_unknown() {
                    Type::any_array()
                } else {
                    Type::Array(Box::new(ct.elem()))
                }
            }
            PredKind::Map => Type::Array(Box::new(body_t.unwrap_or(Type::Unknown))),
            PredKind::Count | PredKind::FindIndex | PredKind::FindLastIndex => Type::Int,
            PredKind::Sum => match body_t {
                Some(t) => t,
                None => elem(),
            },
            PredKind::Find | PredKind::FindLast => elem(),
            PredKind::GroupBy => Type::Map,
            PredKind::SortBy => ct.clone(),
            PredKind::Reduce => body_t.unwrap_or(Type::Unknown),
        };
        let ir = Ir::Pred(Box::new(Pred {
            kind,
            coll: ci,
            body: body.map(|(_, i)| i),
            extra,
            span: node.span,
            ext: node.ext,
            coll_ext: coll_node.ext,
        }));
        Ok((ty, ir))
    }
}

pub(crate) fn pred_kind(name: &str) -> Option<PredKind> {
    Some(match name {
        "all" => PredKind::All,
        "none" => PredKind::None,
        "any" => PredKind::Any,
        "one" => PredKind::One,
        "filter" => PredKind::Filter,
        "map" => PredKind::Map,
        "find" => PredKind::Find,
        "findIndex" => PredKind::FindIndex,
        "findLast" => PredKind::FindLast,
        "findLastIndex" => PredKind::FindLastIndex,
        "count" => PredKind::Count,
        "sum" => PredKind::Sum,
        "groupBy" => PredKind::GroupBy,
        "sortBy" => PredKind::SortBy,
        "reduce" => PredKind::Reduce,
        _ => return None,
    })
}
