//! Closure builtins (`all`, `any`, `filter`, `map`, `reduce`, ...) with Go expr's loop
//! semantics: short-circuiting, `findIndex` giving nil when nothing matches, `sum` starting
//! from int 0, `reduce` without an initial value on an empty array failing.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;

use super::explain::{NoTrace, Tracer, render};
use super::gofmt::fmt_v;
use super::ops::{self, as_bool};
use super::{Cx, Frame, Halt, Item, R, eval, eval_bool, rt};
use crate::expr::error::Span;
use crate::expr::ir::{BinOp, Pred, PredKind};
use crate::value::Value;

/// The elements a closure walks over, borrowed from the collection.
enum Elems<'w> {
    List(&'w [Value]),
    Floats(&'w [f64]),
    Bytes(&'w [u8]),
}

impl<'w> Elems<'w> {
    fn len(&self) -> usize {
        match self {
            Elems::List(l) => l.len(),
            Elems::Floats(f) => f.len(),
            Elems::Bytes(b) => b.len(),
        }
    }

    fn item(&self, i: usize) -> Item<'w> {
        match self {
            Elems::List(l) => match l.get(i) {
                Some(v) => Item::Ref(v),
                None => Item::Int(0),
            },
            Elems::Floats(f) => Item::Float(f.get(i).copied().unwrap_or(f64::NAN)),
            Elems::Bytes(b) => Item::Int(i64::from(b.get(i).copied().unwrap_or(0))),
        }
    }
}

/// Go's `reflect.Value.Len`/`Index` errors for things that aren't arrays.
fn elems(coll: &Value, span: Span) -> Result<Elems<'_>, Halt> {
    let kind = match coll {
        Value::List(l) => return Ok(Elems::List(l)),
        Value::Floats(f) => return Ok(Elems::Floats(f)),
        Value::String(s) => return Ok(Elems::Bytes(s.as_bytes())),
        Value::Map(m) if m.is_empty() => return Ok(Elems::List(&[])),
        Value::Map(_) => {
            return Err(rt(
                "reflect: call of reflect.Value.Index on map Value",
                span,
            ));
        }
        Value::Nil => "zero",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float64",
        Value::Time(_) => "struct",
        Value::Duration(_) => "int64",
    };
    Err(rt(
        format!("reflect: call of reflect.Value.Len on {kind} Value"),
        span,
    ))
}

pub(crate) fn eval_pred<'v, T: Tracer>(p: &'v Pred, cx: &Cx<'v, '_>, t: &mut T) -> R<'v> {
    let coll = eval(&p.coll, cx, t)?;
    let extra = match &p.extra {
        Some(e) => Some(eval(e, cx, t)?),
        None => None,
    };
    let extra = extra.as_deref();
    match coll {
        Cow::Borrowed(c) => run(p, c, extra, cx, t),
        Cow::Owned(c) => Ok(Cow::Owned(run(p, &c, extra, cx, t)?.into_owned())),
    }
}

/// Evaluates the closure on element `i`.
fn body<'w, U: Tracer>(
    p: &'w Pred,
    items: &Elems<'w>,
    i: usize,
    cx: &Cx<'w, '_>,
    u: &mut U,
) -> R<'w> {
    cx.step(0, p.span)?;
    let item = items.item(i);
    let Some(b) = &p.body else {
        return Ok(item.value());
    };
    let frame = Frame {
        item,
        index: i,
        acc: None,
        parent: cx.frame,
    };
    eval(b, &cx.with(&frame), u)
}

fn truth(v: &Value, span: Span) -> Result<bool, Halt> {
    as_bool(v).map_err(|m| rt(m, span))
}

/// The closure's verdict on element `i` (or the element itself when there is no closure).
#[inline]
fn test<'w>(p: &'w Pred, items: &Elems<'w>, i: usize, cx: &Cx<'w, '_>) -> Result<bool, Halt> {
    cx.step(0, p.span)?;
    let item = items.item(i);
    let Some(b) = &p.body else {
        return truth(&item.value(), p.span);
    };
    let frame = Frame {
        item,
        index: i,
        acc: None,
        parent: cx.frame,
    };
    eval_bool(b, &cx.with(&frame), &mut NoTrace, p.span)
}

fn run<'w, T: Tracer>(
    p: &'w Pred,
    coll: &'w Value,
    extra: Option<&Value>,
    cx: &Cx<'w, '_>,
    t: &mut T,
) -> R<'w> {
    let items = elems(coll, p.span)?;
    let n = items.len();
    let span = p.span;
    // Which element decided a short-circuiting predicate, for explanations.
    let mut decided: Option<usize> = None;
    let out: Cow<'w, Value> = match p.kind {
        PredKind::All | PredKind::None | PredKind::Any => {
            let stop_on = !matches!(p.kind, PredKind::All);
            let mut result = !stop_on;
            for i in 0..n {
                let b = test(p, &items, i, cx)?;
                if b == stop_on {
                    decided = Some(i);
                    result = p.kind == PredKind::Any;
                    break;
                }
            }
            if decided.is_none() {
                result = p.kind != PredKind::Any;
            }
            Cow::Owned(Value::Bool(result))
        }
        PredKind::One => {
            let mut count = 0usize;
            for i in 0..n {
                if test(p, &items, i, cx)? {
                    count += 1;
                    if count == 2 {
                        decided = Some(i);
                    }
                }
            }
            Cow::Owned(Value::Bool(count == 1))
        }
        PredKind::Count => {
            let mut count = 0i64;
            for i in 0..n {
                if test(p, &items, i, cx)? {
                    count += 1;
                }
            }
            Cow::Owned(Value::Int(count))
        }
        PredKind::Filter => {
            let mut out = Vec::new();
            for i in 0..n {
                if test(p, &items, i, cx)? {
                    out.push(items.item(i).value().into_owned());
                }
            }
            cx.grow(out.len(), span)?;
            Cow::Owned(Value::list(out))
        }
        PredKind::Map => {
            cx.grow(n, span)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                out.push(body(p, &items, i, cx, &mut NoTrace)?.into_owned());
            }
            Cow::Owned(Value::list(out))
        }
        PredKind::Find | PredKind::FindIndex | PredKind::FindLast | PredKind::FindLastIndex => {
            let last = matches!(p.kind, PredKind::FindLast | PredKind::FindLastIndex);
            let mut found = None;
            for k in 0..n {
                let i = if last { n - 1 - k } else { k };
                if test(p, &items, i, cx)? {
                    found = Some(i);
                    break;
                }
            }
            decided = found;
            match (found, p.kind) {
                (None, _) => Cow::Owned(Value::Nil),
                (Some(i), PredKind::Find | PredKind::FindLast) => items.item(i).value(),
                (Some(i), _) => Cow::Owned(Value::Int(i64::try_from(i).unwrap_or(i64::MAX))),
            }
        }
        PredKind::Sum => {
            let mut acc = Value::Int(0);
            for i in 0..n {
                let v = body(p, &items, i, cx, &mut NoTrace)?;
                acc = ops::arith(BinOp::Add, &v, &acc).map_err(|m| rt(m, span))?;
            }
            Cow::Owned(acc)
        }
        PredKind::GroupBy => {
            let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for i in 0..n {
                let k = body(p, &items, i, cx, &mut NoTrace)?;
                groups
                    .entry(fmt_v(&k))
                    .or_default()
                    .push(items.item(i).value().into_owned());
            }
            Cow::Owned(Value::map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::list(v)))
                    .collect(),
            ))
        }
        PredKind::SortBy => Cow::Owned(sort_by(p, &items, extra, cx)?),
        PredKind::Reduce => Cow::Owned(reduce(p, &items, extra, cx)?),
    };
    if T::ON {
        explain(p, &items, decided, &out, cx, t);
    }
    Ok(out)
}

fn sort_by<'w>(
    p: &'w Pred,
    items: &Elems<'w>,
    order: Option<&Value>,
    cx: &Cx<'w, '_>,
) -> Result<Value, Halt> {
    let desc = match order {
        None => false,
        Some(Value::String(s)) if &**s == "asc" => false,
        Some(Value::String(s)) if &**s == "desc" => true,
        Some(Value::String(_)) => return Err(rt("unknown order, use asc or desc", p.span)),
        Some(_) => return Err(rt("sortBy order argument must be a string", p.span)),
    };
    let n = items.len();
    let mut pairs = Vec::with_capacity(n);
    for i in 0..n {
        let key = body(p, items, i, cx, &mut NoTrace)?.into_owned();
        pairs.push((key, items.item(i).value().into_owned()));
    }
    let failure = RefCell::new(None);
    sort_values(&mut pairs, desc, |(k, _)| k, &failure);
    if let Some(m) = failure.into_inner() {
        return Err(rt(m, p.span));
    }
    cx.grow(n, p.span)?;
    Ok(Value::list(
        pairs.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    ))
}

/// Sorts with `runtime.Less`; the first incomparable pair's message lands in `failure`.
pub(crate) fn sort_values<E>(
    items: &mut [E],
    desc: bool,
    key: impl Fn(&E) -> &Value,
    failure: &RefCell<Option<String>>,
) {
    use std::cmp::Ordering;
    items.sort_by(|a, b| {
        let (x, y) = if desc {
            (key(b), key(a))
        } else {
            (key(a), key(b))
        };
        match ops::compare(BinOp::Lt, x, y) {
            Ok(true) => Ordering::Less,
            Ok(false) => match ops::compare(BinOp::Lt, y, x) {
                Ok(true) => Ordering::Greater,
                _ => Ordering::Equal,
            },
            Err(m) => {
                failure.borrow_mut().get_or_insert(m);
                Ordering::Equal
            }
        }
    });
}

fn reduce<'w>(
    p: &'w Pred,
    items: &Elems<'w>,
    init: Option<&Value>,
    cx: &Cx<'w, '_>,
) -> Result<Value, Halt> {
    let n = items.len();
    let (mut acc, start) = match init {
        Some(v) => (v.clone(), 0),
        None => {
            if n == 0 {
                return Err(rt("reduce of empty array with no initial value", p.span));
            }
            (items.item(0).value().into_owned(), 1)
        }
    };
    let Some(b) = &p.body else {
        return Ok(acc);
    };
    for i in start..n {
        cx.step(0, p.span)?;
        let frame = Frame {
            item: items.item(i),
            index: i,
            acc: Some(&acc),
            parent: cx.frame,
        };
        let next = eval(b, &cx.with(&frame), &mut NoTrace)?.into_owned();
        acc = next;
    }
    Ok(acc)
}

/// Explains a closure in bounded space: the element that decided the outcome (re-run with
/// tracing on) and a one-line summary.
fn explain<'w, T: Tracer>(
    p: &'w Pred,
    items: &Elems<'w>,
    decided: Option<usize>,
    out: &Value,
    cx: &Cx<'w, '_>,
    t: &mut T,
) {
    let coll_src = t.source(p.coll_ext).to_string();
    let summary = match decided {
        Some(i) => {
            let _ = body(p, items, i, cx, t);
            format!(
                "{} (decided by {}[{}] = {})",
                t.source(p.ext),
                coll_src,
                i,
                render(&items.item(i).value())
            )
        }
        None => format!("{} (over {} elements)", t.source(p.ext), items.len()),
    };
    t.step(p.ext, Some(summary), out);
}
