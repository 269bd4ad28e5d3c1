//! Running a program: the evaluator (here), Go's operators (`ops`), the builtins and helpers
//! (`funcs*`), closures (`pred`), Go's value formatting (`gofmt`) and explanations (`explain`).
//!
//! The evaluator walks the lowered tree, borrowing from the result wherever it can (a
//! closure's element, a `.value` lookup and `asFloat` of a string allocate nothing).
//! Tracing is a type parameter, so explanations cost nothing when not asked for.

pub(crate) mod explain;
mod funcs;
mod funcs_text;
mod funcs_time;
mod gofmt;
mod ops;
mod pred;

#[cfg(test)]
pub(crate) use funcs::call_inner;

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::expr::error::{ExprError, Span, regex_error};
use crate::expr::ir::{BinOp, Call, CmpConst, EnvFn, Func, Ir, ItemStr, Key, Member, Ptr};
use crate::value::Value;
use explain::{Tracer, render};
use ops::{as_bool, conversion};

/// Go expr's default memory budget: ranges, `repeat` and built arrays beyond it fail.
pub(crate) const MEMORY_BUDGET: usize = 1_000_000;

/// What one evaluation may spend: Go's memory budget, and Augur's step budget, which bounds
/// the CPU a condition may burn without allocating (closure iterations and string work).
pub(crate) struct Budget {
    mem: Cell<usize>,
    steps: Cell<u64>,
    max_steps: u64,
}

impl Budget {
    pub(crate) fn new(max_steps: u64) -> Budget {
        Budget {
            mem: Cell::new(0),
            steps: Cell::new(0),
            max_steps,
        }
    }
}

/// Bytes (or elements) of work that cost one step: a scan of a long string is charged by its
/// length, so a loop over it cannot hide behind one step per iteration.
const BYTES_PER_STEP: usize = 64;

/// The work an operand takes to scan: its bytes or elements.
pub(crate) fn size_of(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::List(l) => l.len(),
        Value::Floats(f) => f.len(),
        Value::Map(m) => m.len(),
        _ => 0,
    }
}

/// Why evaluation stopped early.
#[derive(Debug)]
pub(crate) enum Halt {
    Err(Box<ExprError>),
    /// A nil met under `?.`: the enclosing chain evaluates to nil.
    NilChain,
}

pub(crate) type R<'v> = Result<Cow<'v, Value>, Halt>;

pub(crate) fn rt(msg: impl Into<String>, span: Span) -> Halt {
    Halt::Err(Box::new(ExprError::runtime(msg, span)))
}

/// The current element of a predicate (or a `let` value).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Item<'v> {
    Ref(&'v Value),
    Float(f64),
    Int(i64),
}

impl<'v> Item<'v> {
    pub fn value(self) -> Cow<'v, Value> {
        match self {
            Item::Ref(v) => Cow::Borrowed(v),
            Item::Float(f) => Cow::Owned(Value::Float(f)),
            Item::Int(i) => Cow::Owned(Value::Int(i)),
        }
    }
}

pub(crate) struct Frame<'v, 'f> {
    pub item: Item<'v>,
    pub index: usize,
    pub acc: Option<&'v Value>,
    pub parent: Option<&'f Frame<'v, 'f>>,
}

/// What an expression can see: the result, the clock, the enclosing frames.
pub(crate) struct Cx<'v, 'f> {
    pub result: &'v Value,
    pub now: DateTime<Utc>,
    pub frame: Option<&'f Frame<'v, 'f>>,
    pub budget: &'f Budget,
}

impl<'v, 'f> Cx<'v, 'f> {
    fn frame(&self, up: u32) -> Option<&'f Frame<'v, 'f>> {
        let mut f = self.frame?;
        for _ in 0..up {
            f = f.parent?;
        }
        Some(f)
    }

    /// Go's `memGrow`: counts allocations against the budget.
    pub fn grow(&self, n: usize, span: Span) -> Result<(), Halt> {
        let used = self.budget.mem.get().saturating_add(n);
        self.budget.mem.set(used);
        if used > MEMORY_BUDGET {
            return Err(rt("memory budget exceeded", span));
        }
        Ok(())
    }

    /// Counts one step plus `size` bytes or elements of work against the step budget.
    #[inline]
    pub fn step(&self, size: usize, span: Span) -> Result<(), Halt> {
        let cost = 1 + (size / BYTES_PER_STEP) as u64;
        let used = self.budget.steps.get().saturating_add(cost);
        self.budget.steps.set(used);
        if used > self.budget.max_steps {
            return Err(over_budget(self.budget.max_steps, span));
        }
        Ok(())
    }

    /// A context whose innermost frame is `frame`.
    pub fn with<'g>(&self, frame: &'g Frame<'v, 'g>) -> Cx<'v, 'g>
    where
        'f: 'g,
    {
        Cx {
            result: self.result,
            now: self.now,
            frame: Some(frame),
            budget: self.budget,
        }
    }
}

/// The step budget's error, out of the hot loops.
#[cold]
#[inline(never)]
fn over_budget(max_steps: u64, span: Span) -> Halt {
    rt(
        format!(
            "step budget exceeded: the expression did more than {max_steps} steps of work (closure iterations, string and array scans); Augur stops it so one condition cannot stall the others (the budget is set by --eval-step-budget)"
        ),
        span,
    )
}

/// Evaluates `ir`; the value may borrow from the program and from the result.
/// The hot shapes are dispatched here; the rest lives in [`eval_rest`], which keeps this
/// function's frame small for the deep recursion of closures.
#[inline]
pub(crate) fn eval<'v, T: Tracer>(ir: &'v Ir, cx: &Cx<'v, '_>, t: &mut T) -> R<'v> {
    match ir {
        Ir::Const(v) => Ok(Cow::Borrowed(v)),
        Ir::Result => Ok(Cow::Borrowed(cx.result)),
        Ir::ItemStr(f) => eval_item_str(f, cx, t),
        Ir::CmpConst(c) => eval_cmp_const(c, cx, t),
        Ir::Member(m) => eval_member(m, cx, t),
        Ir::Call(c) if matches!(c.f, Func::Env(_)) => eval_call(c, cx, t),
        _ => eval_rest(ir, cx, t),
    }
}

/// `#.key` / `.key` inside a closure: the element's member, borrowed.
fn eval_item_str<'v, T: Tracer>(f: &'v ItemStr, cx: &Cx<'v, '_>, t: &mut T) -> R<'v> {
    let out = match cx.frame(f.up).map(|fr| fr.item) {
        Some(Item::Ref(v)) => ops::fetch_str(v, &f.key),
        Some(other) => ops::fetch_str(&other.value(), &f.key).map(|v| Cow::Owned(v.into_owned())),
        None => ops::fetch_str(&Value::Nil, &f.key).map(|v| Cow::Owned(v.into_owned())),
    }
    .map_err(|m| rt(m, f.span))?;
    if T::ON {
        t.step(f.ext, None, &out);
    }
    Ok(out)
}

/// The element's member for `#.key` as a plain reference (`None`: missing, i.e. nil), so the
/// hot path returns in registers.
#[inline]
fn item_str_ref<'v>(f: &'v ItemStr, cx: &Cx<'v, '_>) -> Result<Option<&'v Value>, Halt> {
    match cx.frame(f.up).map(|fr| fr.item) {
        Some(Item::Ref(Value::Map(m))) => Ok(ops::map_get(m, &f.key)),
        Some(Item::Ref(v)) => match ops::fetch_str(v, &f.key) {
            Ok(Cow::Borrowed(v)) => Ok(Some(v)),
            Ok(Cow::Owned(_)) => Ok(None),
            Err(m) => Err(rt(m, f.span)),
        },
        Some(other) => Err(rt(
            ops::fetch_str(&other.value(), &f.key)
                .err()
                .unwrap_or_default(),
            f.span,
        )),
        None => Err(rt(
            ops::fetch_str(&Value::Nil, &f.key)
                .err()
                .unwrap_or_default(),
            f.span,
        )),
    }
}

fn eval_cmp_const<'v, T: Tracer>(c: &'v CmpConst, cx: &Cx<'v, '_>, t: &mut T) -> R<'v> {
    Ok(Cow::Owned(Value::Bool(cmp_const(c, cx, t)?)))
}

/// A comparison with a numeric constant, straight to a bool. `asFloat(x) >= 9900` reads the
/// float without boxing it into a value first.
#[inline]
fn cmp_const<'v, T: Tracer>(c: &'v CmpConst, cx: &Cx<'v, '_>, t: &mut T) -> Result<bool, Halt> {
    if !T::ON
        && let Ir::Call(call) = &c.l
        && call.f == Func::Env(EnvFn::AsFloat)
        && let [arg] = call.args.as_slice()
    {
        let x = match arg {
            // `asFloat(.value)`: read the element's member in place.
            Ir::ItemStr(f) => match item_str_ref(f, cx)? {
                Some(v) => funcs::as_float(v),
                None => funcs::as_float(&Value::Nil),
            },
            _ => funcs::as_float(eval(arg, cx, t)?.as_ref()),
        }
        .map_err(|m| rt(m, call.span))?;
        return Ok(ops::cmp_result(c.op, x.partial_cmp(&c.c)));
    }
    let l = eval(&c.l, cx, t)?;
    let out = match &*l {
        Value::Float(f) => ops::cmp_result(c.op, f.partial_cmp(&c.c)),
        Value::Int(i) if c.int => ops::cmp_result(c.op, Some(i.cmp(&(c.c as i64)))),
        Value::Int(i) => ops::cmp_result(c.op, (*i as f64).partial_cmp(&c.c)),
        other => {
            let rv = c.value();
            match c.op {
                BinOp::Eq => ops::equal(other, &rv),
                BinOp::Ne => !ops::equal(other, &rv),
                op => ops::compare(op, other, &rv).map_err(|m| rt(m, c.span))?,
            }
        }
    };
    if T::ON {
        let text = format!("{} {} {}", render(&l), c.op.symbol(), render(&c.value()));
        t.step(c.ext, Some(text), &Value::Bool(out));
    }
    Ok(out)
}

/// Evaluates a closure body that must be a bool (Go asserts `.(bool)` on it); comparisons
/// never build a value.
#[inline]
pub(crate) fn eval_bool<'v, T: Tracer>(
    ir: &'v Ir,
    cx: &Cx<'v, '_>,
    t: &mut T,
    span: Span,
) -> Result<bool, Halt> {
    match ir {
        Ir::CmpConst(c) => cmp_const(c, cx, t),
        _ => {
            let v = eval(ir, cx, t)?;
            as_bool(&v).map_err(|m| rt(m, span))
        }
    }
}

fn eval_member<'v, T: Tracer>(m: &'v Member, cx: &Cx<'v, '_>, t: &mut T) -> R<'v> {
    let base = eval(&m.base, cx, t)?;
    if m.optional && matches!(*base, Value::Nil) {
        return Err(Halt::NilChain);
    }
    let out = match base {
        Cow::Borrowed(b) => member(b, &m.key, cx, t).map_err(|e| at(e, m.span))?,
        Cow::Owned(b) => Cow::Owned(
            member(&b, &m.key, cx, t)
                .map_err(|e| at(e, m.span))?
                .into_owned(),
        ),
    };
    if T::ON {
        t.step(m.ext, None, &out);
    }
    Ok(out)
}

fn eval_call<'v, T: Tracer>(c: &'v Call, cx: &Cx<'v, '_>, t: &mut T) -> R<'v> {
    let out = match c.f {
        Func::Env(f) => env_call(f, &c.args, cx, t, c.span)?,
        Func::Builtin(name) => {
            let r = match c.args.as_slice() {
                [] => funcs::call(name, &[], cx, c.span),
                [a] => {
                    let a = eval(a, cx, t)?;
                    cx.step(size_of(&a), c.span)?;
                    funcs::call(name, std::slice::from_ref(&a), cx, c.span)
                }
                [a, b] => {
                    let a = eval(a, cx, t)?;
                    let b = eval(b, cx, t)?;
                    cx.step(size_of(&a).saturating_add(size_of(&b)), c.span)?;
                    funcs::call(name, &[a, b], cx, c.span)
                }
                many => {
                    let mut args = Vec::with_capacity(many.len());
                    for a in many {
                        args.push(eval(a, cx, t)?);
                    }
                    let size = args
                        .iter()
                        .fold(0usize, |n, a| n.saturating_add(size_of(a)));
                    cx.step(size, c.span)?;
                    funcs::call(name, &args, cx, c.span)
                }
            };
            Cow::Owned(r?)
        }
    };
    if T::ON {
        t.step(c.ext, None, &out);
    }
    Ok(out)
}

#[inline(never)]
fn eval_rest<'v, T: Tracer>(ir: &'v Ir, cx: &Cx<'v, '_>, t: &mut T) -> R<'v> {
    match ir {
        Ir::ItemStr(f) => eval_item_str(f, cx, t),
        Ir::Const(v) => Ok(Cow::Borrowed(v)),
        Ir::Result => Ok(Cow::Borrowed(cx.result)),
        Ir::Var(up)
        | Ir::Pointer {
            up,
            which: Ptr::Item,
        } => match cx.frame(*up) {
            Some(f) => Ok(f.item.value()),
            None => Ok(Cow::Owned(Value::Nil)),
        },
        Ir::Pointer { up, which } => {
            let f = cx.frame(*up);
            Ok(match (which, f) {
                (Ptr::Index, Some(f)) => {
                    Cow::Owned(Value::Int(i64::try_from(f.index).unwrap_or(i64::MAX)))
                }
                (Ptr::Acc, Some(Frame { acc: Some(a), .. })) => Cow::Borrowed(*a),
                _ => Cow::Owned(Value::Nil),
            })
        }
        Ir::Not(x, span) => {
            let v = eval(x, cx, t)?;
            let b = as_bool(&v).map_err(|m| rt(m, *span))?;
            Ok(Cow::Owned(Value::Bool(!b)))
        }
        Ir::Neg(x, span) => {
            let v = eval(x, cx, t)?;
            Ok(Cow::Owned(ops::negate(&v).map_err(|m| rt(m, *span))?))
        }
        Ir::And(lr, span, ext) | Ir::Or(lr, span, ext) => {
            let is_and = matches!(ir, Ir::And(..));
            let l = eval(&lr.0, cx, t)?;
            let lb = as_bool(&l).map_err(|m| rt(m, *span))?;
            let out = if lb != is_and {
                Cow::Owned(Value::Bool(lb))
            } else {
                eval(&lr.1, cx, t)?
            };
            if T::ON {
                t.step(*ext, None, &out);
            }
            Ok(out)
        }
        Ir::Bin(b) => {
            let l = eval(&b.l, cx, t)?;
            let r = eval(&b.r, cx, t)?;
            let out = binary(b.op, &l, &r, cx, b.span)?;
            if T::ON {
                let text = format!("{} {} {}", render(&l), b.op.symbol(), render(&r));
                t.step(b.ext, Some(text), &out);
            }
            Ok(Cow::Owned(out))
        }
        Ir::CmpConst(c) => eval_cmp_const(c, cx, t),
        Ir::InStrSet(needle, set, span) => {
            let v = eval(needle, cx, t)?;
            cx.step(size_of(&v), *span)?;
            let found = match &*v {
                Value::String(s) => set.contains(&**s),
                Value::Nil => set.contains(""),
                other => {
                    return Err(rt(
                        format!(
                            "reflect.Value.MapIndex: value of type {} is not assignable to type string",
                            ops::tn(other)
                        ),
                        *span,
                    ));
                }
            };
            Ok(Cow::Owned(Value::Bool(found)))
        }
        Ir::MatchConst(x, re, span) => {
            let v = eval(x, cx, t)?;
            cx.step(size_of(&v), *span)?;
            let m = match &*v {
                Value::Nil => false,
                Value::String(s) => re.is_match(s),
                other => return Err(rt(conversion(other, "[]uint8"), *span)),
            };
            Ok(Cow::Owned(Value::Bool(m)))
        }
        Ir::Coalesce(lr) => {
            let l = eval(&lr.0, cx, t)?;
            if matches!(*l, Value::Nil) {
                eval(&lr.1, cx, t)
            } else {
                Ok(l)
            }
        }
        Ir::Cond(c, span) => {
            let v = eval(&c.0, cx, t)?;
            if as_bool(&v).map_err(|m| rt(m, *span))? {
                eval(&c.1, cx, t)
            } else {
                eval(&c.2, cx, t)
            }
        }
        Ir::Member(m) => eval_member(m, cx, t),
        Ir::Chain(x) => match eval(x, cx, t) {
            Err(Halt::NilChain) => Ok(Cow::Owned(Value::Nil)),
            other => other,
        },
        Ir::Slice(s) => {
            let base = eval(&s.base, cx, t)?;
            let from = s.from.as_ref().map(|f| eval(f, cx, t)).transpose()?;
            let to = s.to.as_ref().map(|f| eval(f, cx, t)).transpose()?;
            let out =
                ops::slice(&base, from.as_deref(), to.as_deref()).map_err(|m| rt(m, s.span))?;
            Ok(Cow::Owned(out))
        }
        Ir::Array(items) => {
            cx.grow(items.len(), Span::default())?;
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(eval(i, cx, t)?.into_owned());
            }
            Ok(Cow::Owned(Value::list(out)))
        }
        Ir::MapLit(pairs, span) => {
            cx.grow(pairs.len(), *span)?;
            let mut out = BTreeMap::new();
            for (k, v) in pairs {
                let k = eval(k, cx, t)?;
                let Value::String(k) = &*k else {
                    return Err(rt(conversion(&k, "string"), *span));
                };
                let k = k.to_string();
                out.insert(k, eval(v, cx, t)?.into_owned());
            }
            Ok(Cow::Owned(Value::map(out)))
        }
        Ir::Call(c) => eval_call(c, cx, t),
        Ir::Pred(p) => pred::eval_pred(p, cx, t),
        Ir::Let(lv) => {
            let v = eval(&lv.0, cx, t)?;
            match v {
                Cow::Borrowed(r) => {
                    let f = Frame {
                        item: Item::Ref(r),
                        index: 0,
                        acc: None,
                        parent: cx.frame,
                    };
                    eval(&lv.1, &cx.with(&f), t)
                }
                Cow::Owned(o) => {
                    let f = Frame {
                        item: Item::Ref(&o),
                        index: 0,
                        acc: None,
                        parent: cx.frame,
                    };
                    let out = eval(&lv.1, &cx.with(&f), t)?.into_owned();
                    Ok(Cow::Owned(out))
                }
            }
        }
        Ir::Seq(items) => {
            let mut last = Cow::Owned(Value::Nil);
            for i in items {
                last = eval(i, cx, t)?;
            }
            Ok(last)
        }
    }
}

fn at(h: Halt, span: Span) -> Halt {
    match h {
        Halt::Err(e) if e.raw_span() == Span::default() => {
            Halt::Err(Box::new(ExprError::runtime(e.message().to_string(), span)))
        }
        other => other,
    }
}

fn member<'v, T: Tracer>(base: &'v Value, key: &'v Key, cx: &Cx<'v, '_>, t: &mut T) -> R<'v> {
    let r = match key {
        Key::Str(k) => ops::fetch_str(base, k),
        Key::Int(i) => match base {
            Value::List(_) | Value::Floats(_) | Value::String(_) => ops::fetch_index(base, *i),
            other => ops::fetch(other, &Value::Int(*i)),
        },
        Key::Dyn(k) => {
            let k = eval(k, cx, t)?;
            match ops::fetch(base, &k) {
                Ok(Cow::Borrowed(v)) => Ok(Cow::Borrowed(v)),
                Ok(Cow::Owned(v)) => Ok(Cow::Owned(v)),
                Err(e) => Err(e),
            }
        }
    };
    r.map_err(|m| rt(m, Span::default()))
}

/// Binary operators on evaluated operands.
pub(crate) fn binary(op: BinOp, l: &Value, r: &Value, cx: &Cx, span: Span) -> Result<Value, Halt> {
    cx.step(size_of(l).saturating_add(size_of(r)), span)?;
    let e = |m: String| rt(m, span);
    Ok(match op {
        BinOp::Eq => Value::Bool(ops::equal(l, r)),
        BinOp::Ne => Value::Bool(!ops::equal(l, r)),
        BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => {
            Value::Bool(ops::compare(op, l, r).map_err(e)?)
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow => {
            ops::arith(op, l, r).map_err(e)?
        }
        BinOp::In => Value::Bool(ops::in_op(l, r).map_err(e)?),
        BinOp::Contains | BinOp::StartsWith | BinOp::EndsWith => {
            Value::Bool(ops::string_op(op, l, r).map_err(e)?)
        }
        BinOp::Matches => match (l, r) {
            (Value::Nil, _) | (_, Value::Nil) => Value::Bool(false),
            (Value::String(s), Value::String(p)) => {
                let re = regex::Regex::new(p).map_err(|err| e(regex_error(&err)))?;
                Value::Bool(re.is_match(s))
            }
            (Value::String(_), other) => return Err(e(conversion(other, "string"))),
            (other, _) => return Err(e(conversion(other, "[]uint8"))),
        },
        BinOp::Range => {
            let a = ops::to_int(l).map_err(e)?;
            let b = ops::to_int(r).map_err(e)?;
            let size = b.saturating_sub(a).saturating_add(1).max(0);
            cx.grow(usize::try_from(size).unwrap_or(usize::MAX), span)?;
            Value::list((a..=b).map(Value::Int).collect::<Vec<_>>())
        }
    })
}

fn env_call<'v, T: Tracer>(
    f: EnvFn,
    args: &'v [Ir],
    cx: &Cx<'v, '_>,
    t: &mut T,
    span: Span,
) -> R<'v> {
    let e = |m: String| rt(m, span);
    // The checker guarantees the arity; a missing argument reads as nil.
    let first = match args.first() {
        Some(a) => eval(a, cx, t)?,
        None => Cow::Owned(Value::Nil),
    };
    Ok(match f {
        EnvFn::AsFloat => Cow::Owned(Value::Float(funcs::as_float(&first).map_err(e)?)),
        EnvFn::AsInt => Cow::Owned(Value::Int(funcs::as_int(&first).map_err(e)?)),
        EnvFn::IsNaN | EnvFn::IsInf => {
            let Value::Float(x) = *first else {
                return Err(e(conversion(&first, "float64")));
            };
            Cow::Owned(Value::Bool(if f == EnvFn::IsNaN {
                x.is_nan()
            } else {
                x.is_infinite()
            }))
        }
        EnvFn::IsNil => Cow::Owned(Value::Bool(matches!(cx.result, Value::Nil))),
        EnvFn::Default => {
            // Go evaluates both arguments, then ignores the first (semantics §5.1).
            let fallback = match args.get(1) {
                Some(a) => eval(a, cx, t)?,
                None => Cow::Owned(Value::Nil),
            };
            if matches!(cx.result, Value::Nil) {
                fallback
            } else {
                Cow::Borrowed(cx.result)
            }
        }
    })
}
