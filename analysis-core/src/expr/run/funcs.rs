//! Runtime of the plain builtins and Argo's `asInt`/`asFloat`, with the panics Go expr turns
//! into evaluation errors reproduced as messages.

use std::borrow::Cow;
use std::cell::RefCell;

use super::gofmt::{fmt_v, parse_float, parse_int};
use super::ops::{self, conversion, go_f64_to_i64, tn};
use super::{Cx, Halt, rt};
use super::{funcs_text, funcs_time};
use crate::expr::error::Span;
use crate::expr::ir::BinOp;
use crate::value::Value;

/// Argo's `asFloat`: numbers as float64, strings through `strconv.ParseFloat`.
#[inline]
pub(crate) fn as_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::String(s) => parse_float(s),
        other => Err(not_supported("asFloat", other)),
    }
}

/// Argo's `asInt`: floats truncate, strings through `strconv.ParseInt(s, 10, 64)`.
pub(crate) fn as_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Float(f) => Ok(go_f64_to_i64(*f)),
        Value::Int(i) => Ok(*i),
        Value::String(s) => parse_int(s),
        other => Err(not_supported("asInt", other)),
    }
}

/// Argo's helpers panic with `%v %v` of the value's type and the value.
#[cold]
fn not_supported(helper: &str, v: &Value) -> String {
    format!("{helper}() not supported on {} {}", tn(v), fmt_v(v))
}

pub(crate) fn arg<'a>(args: &'a [Cow<'_, Value>], i: usize) -> &'a Value {
    match args.get(i) {
        Some(v) => v,
        None => &Value::Nil,
    }
}

pub(crate) fn str_arg<'a>(args: &'a [Cow<'_, Value>], i: usize) -> Result<&'a str, String> {
    match arg(args, i) {
        Value::String(s) => Ok(s),
        other => Err(conversion(other, "string")),
    }
}

pub(crate) fn int_arg(args: &[Cow<'_, Value>], i: usize) -> Result<i64, String> {
    ops::to_int(arg(args, i))
}

/// Go `reflect.Kind` names used by some builtins' messages.
pub(crate) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::Floats(_) | Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Time(_) => "struct",
        Value::Duration(_) => "int64",
    }
}

/// The elements of an array value, owned (cheap: `Arc` clones).
pub(crate) fn elements(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.to_vec()),
        Value::Floats(f) => Some(f.iter().map(|x| Value::Float(*x)).collect()),
        _ => None,
    }
}

pub(crate) fn call(
    name: &str,
    args: &[Cow<'_, Value>],
    cx: &Cx,
    span: Span,
) -> Result<Value, Halt> {
    call_inner(name, args, cx, span).map_err(|m| rt(m, span))
}

pub(crate) fn call_inner(
    name: &str,
    args: &[Cow<'_, Value>],
    cx: &Cx,
    span: Span,
) -> Result<Value, String> {
    let a0 = arg(args, 0);
    Ok(match name {
        "$call" => {
            return Err(match a0 {
                Value::Nil => "invalid operation: cannot call nil".to_string(),
                other => format!(
                    "invalid operation: cannot call non-function of type {}",
                    tn(other)
                ),
            });
        }
        "len" => Value::Int(match a0 {
            Value::List(l) => l.len() as i64,
            Value::Floats(f) => f.len() as i64,
            Value::Map(m) => m.len() as i64,
            Value::String(s) => s.chars().count() as i64,
            other => return Err(format!("invalid argument for len (type {})", tn(other))),
        }),
        "type" => Value::from(match a0 {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::List(_) | Value::Floats(_) => "array",
            Value::Map(_) => "map",
            Value::Time(_) => "time.Time",
            Value::Duration(_) => "time.Duration",
        }),
        "abs" => match a0 {
            Value::Int(i) => Value::Int(i.wrapping_abs()),
            Value::Float(f) => Value::Float(if *f < 0.0 { -f } else { *f }),
            Value::Duration(d) => Value::Duration(d.wrapping_abs()),
            other => return Err(format!("invalid argument for abs (type {})", tn(other))),
        },
        "ceil" | "floor" | "round" => {
            let x = match a0 {
                Value::Float(f) => *f,
                Value::Int(i) => return Ok(Value::Float(*i as f64)),
                other => return Err(format!("invalid argument for {name} (type {})", tn(other))),
            };
            Value::Float(match name {
                "ceil" => x.ceil(),
                "floor" => x.floor(),
                _ => x.round(),
            })
        }
        "int" => Value::Int(match a0 {
            Value::Int(i) => *i,
            Value::Float(f) => go_f64_to_i64(*f),
            Value::Duration(d) => *d,
            Value::String(s) => s
                .parse::<i64>()
                .map_err(|_| format!("invalid operation: int({s})"))?,
            other => return Err(format!("invalid operation: int({})", tn(other))),
        }),
        "float" => Value::Float(match a0 {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            Value::String(s) => {
                parse_float(s).map_err(|_| format!("invalid operation: float({s})"))?
            }
            other => return Err(format!("invalid operation: float({})", tn(other))),
        }),
        "string" => Value::string(fmt_v(a0)),
        "max" | "min" => min_max(name, args, 0)?.unwrap_or(Value::Nil),
        "mean" => {
            let mut vals = Vec::new();
            collect_numbers("mean", args, &mut vals, 0)?;
            if vals.is_empty() {
                Value::Float(0.0)
            } else {
                Value::Float(vals.iter().sum::<f64>() / vals.len() as f64)
            }
        }
        "median" => {
            let mut vals = Vec::new();
            collect_numbers("median", args, &mut vals, 0)?;
            vals.sort_by(|a, b| a.total_cmp(b));
            let n = vals.len();
            Value::Float(match n {
                0 => 0.0,
                n if n % 2 == 1 => vals.get(n / 2).copied().unwrap_or(0.0),
                n => {
                    (vals.get(n / 2 - 1).copied().unwrap_or(0.0)
                        + vals.get(n / 2).copied().unwrap_or(0.0))
                        / 2.0
                }
            })
        }
        "first" | "last" => {
            let i = if name == "first" { 0 } else { -1 };
            match a0 {
                Value::List(_) | Value::Floats(_) => match ops::fetch_index(a0, i) {
                    Ok(v) => v.into_owned(),
                    Err(_) => Value::Nil,
                },
                _ => Value::Nil,
            }
        }
        "get" => get(a0, arg(args, 1))?,
        "take" => {
            let n = match arg(args, 1) {
                Value::Int(n) => *n,
                other => return Err(format!("cannot take {} elements", kind_name(other))),
            };
            let Some(items) = elements(a0) else {
                return Err(format!("cannot take from {}", kind_name(a0)));
            };
            if n < 0 {
                return Err("reflect: slice index out of range".into());
            }
            let to = usize::try_from(n).unwrap_or(usize::MAX).min(items.len());
            match a0 {
                Value::Floats(f) => Value::floats(f.get(..to).unwrap_or(&[]).to_vec()),
                _ => Value::list(items.get(..to).unwrap_or(&[]).to_vec()),
            }
        }
        "keys" | "values" | "toPairs" => {
            let Value::Map(m) = a0 else {
                return Err(match name {
                    "toPairs" => format!("cannot transform {} to pairs", kind_name(a0)),
                    _ => format!("cannot get {name} from {}", kind_name(a0)),
                });
            };
            Value::list(
                m.iter()
                    .map(|(k, v)| match name {
                        "keys" => Value::from(k.as_str()),
                        "values" => v.clone(),
                        _ => Value::list(vec![Value::from(k.as_str()), v.clone()]),
                    })
                    .collect::<Vec<_>>(),
            )
        }
        "fromPairs" => {
            let Some(items) = elements(a0) else {
                return Err(format!("cannot transform {} from pairs", fmt_v(a0)));
            };
            let mut out = crate::value::Map::new();
            for pair in items {
                let Some(kv) = elements(&pair) else {
                    return Err(format!("invalid pair {}", fmt_v(&pair)));
                };
                let [k, v] = kv.as_slice() else {
                    return Err(format!("invalid pair length {}", fmt_v(&pair)));
                };
                let key = match k {
                    Value::String(s) => s.to_string(),
                    other => fmt_v(other),
                };
                out.insert(key, v.clone());
            }
            Value::map(out)
        }
        "reverse" | "uniq" | "flatten" => {
            let Some(mut items) = elements(a0) else {
                return Err(format!("cannot {name} {}", kind_name(a0)));
            };
            match name {
                "reverse" => {
                    cx.grow(items.len(), span)
                        .map_err(|_| "memory budget exceeded")?;
                    items.reverse();
                    Value::list(items)
                }
                "uniq" => {
                    let mut out: Vec<Value> = Vec::new();
                    for v in items {
                        if !out.iter().any(|r| ops::equal(&v, r)) {
                            out.push(v);
                        }
                    }
                    Value::list(out)
                }
                _ => {
                    let mut out = Vec::new();
                    flatten(&items, &mut out, 0)?;
                    cx.grow(out.len(), span)
                        .map_err(|_| "memory budget exceeded")?;
                    Value::list(out)
                }
            }
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                let Some(items) = elements(a) else {
                    return Err(format!("cannot concat {}", kind_name(a)));
                };
                out.extend(items);
            }
            cx.grow(out.len(), span)
                .map_err(|_| "memory budget exceeded")?;
            Value::list(out)
        }
        "sort" => sort(args)?,
        "bitand" | "bitor" | "bitxor" | "bitnand" | "bitshl" | "bitshr" | "bitushr" => {
            let x = bit_int(a0, name)?;
            let y = bit_int(arg(args, 1), name)?;
            let shift = || -> Result<u32, String> {
                if y < 0 {
                    return Err(format!(
                        "invalid operation: negative shift count {y} (type int)"
                    ));
                }
                Ok(u32::try_from(y).unwrap_or(u32::MAX))
            };
            Value::Int(match name {
                "bitand" => x & y,
                "bitor" => x | y,
                "bitxor" => x ^ y,
                "bitnand" => x & !y,
                "bitshl" => x.checked_shl(shift()?).unwrap_or(0),
                "bitshr" => x
                    .checked_shr(shift()?)
                    .unwrap_or(if x < 0 { -1 } else { 0 }),
                _ => (x as u64).checked_shr(shift()?).unwrap_or(0) as i64,
            })
        }
        "bitnot" => Value::Int(!bit_int(a0, name)?),
        "now" | "duration" | "date" | "timezone" => funcs_time::call(name, args, cx)?,
        _ => funcs_text::call(name, args, cx, span)?,
    })
}

fn bit_int(v: &Value, name: &str) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Duration(d) => Ok(*d),
        other => Err(format!(
            "cannot use {} as argument (type int) to call {name}",
            tn(other)
        )),
    }
}

/// `get(a, i)`: like indexing, but nil instead of an error when out of range or missing.
fn get(from: &Value, i: &Value) -> Result<Value, String> {
    Ok(match from {
        Value::Nil => Value::Nil,
        Value::List(_) | Value::Floats(_) | Value::String(_) => {
            match ops::fetch_index(from, ops::to_int(i)?) {
                Ok(v) => v.into_owned(),
                Err(_) => Value::Nil,
            }
        }
        Value::Map(_) => ops::fetch(from, i)?.into_owned(),
        _ => Value::Nil,
    })
}

fn flatten(items: &[Value], out: &mut Vec<Value>, depth: usize) -> Result<(), String> {
    if depth > 10_000 {
        return Err("recursion depth exceeded".into());
    }
    for v in items {
        match elements(v) {
            Some(inner) => flatten(&inner, out, depth + 1)?,
            None => out.push(v.clone()),
        }
    }
    Ok(())
}

/// `max`/`min` over numbers and (nested) arrays; nil for no numbers at all.
fn min_max(name: &str, args: &[Cow<'_, Value>], depth: usize) -> Result<Option<Value>, String> {
    if depth > 10_000 {
        return Err("recursion depth exceeded".into());
    }
    let better = |cur: &Value, cand: &Value| -> bool {
        let op = if name == "max" { BinOp::Lt } else { BinOp::Gt };
        ops::compare(op, cur, cand).unwrap_or(false)
    };
    let mut best: Option<Value> = None;
    let consider = |v: Value, best: &mut Option<Value>| {
        if best.as_ref().is_none_or(|b| better(b, &v)) {
            *best = Some(v);
        }
    };
    for a in args {
        match &**a {
            Value::Floats(fs) => {
                for f in fs.iter() {
                    consider(Value::Float(*f), &mut best);
                }
            }
            Value::List(items) => {
                for e in items.iter() {
                    match e {
                        Value::Int(_) | Value::Float(_) => consider(e.clone(), &mut best),
                        Value::List(_) | Value::Floats(_) => {
                            let nested = min_max(name, &[Cow::Borrowed(e)], depth + 1)?;
                            if let Some(n) = nested {
                                consider(n, &mut best);
                            }
                        }
                        other => {
                            return Err(format!(
                                "invalid argument for {name} (type {})",
                                tn(other)
                            ));
                        }
                    }
                }
            }
            Value::Int(_) | Value::Float(_) => consider(a.clone().into_owned(), &mut best),
            other => {
                if args.len() == 1 {
                    return Ok(Some(other.clone()));
                }
                return Err(format!("invalid argument for {name} (type {})", tn(other)));
            }
        }
    }
    Ok(best)
}

fn collect_numbers(
    name: &str,
    args: &[Cow<'_, Value>],
    out: &mut Vec<f64>,
    depth: usize,
) -> Result<(), String> {
    if depth > 10_000 {
        return Err("recursion depth exceeded".into());
    }
    for a in args {
        match &**a {
            Value::Int(i) => out.push(*i as f64),
            Value::Float(f) => out.push(*f),
            Value::Floats(fs) => out.extend(fs.iter()),
            Value::List(items) => {
                let nested: Vec<Cow<'_, Value>> = items.iter().map(Cow::Borrowed).collect();
                collect_numbers(name, &nested, out, depth + 1)?;
            }
            other => return Err(format!("invalid argument for {name} (type {})", tn(other))),
        }
    }
    Ok(())
}

fn sort(args: &[Cow<'_, Value>]) -> Result<Value, String> {
    if args.is_empty() || args.len() > 2 {
        return Err(format!(
            "invalid number of arguments (expected 1 or 2, got {})",
            args.len()
        ));
    }
    let mut items = elements(arg(args, 0)).unwrap_or_default();
    let desc = match args.get(1).map(|v| &**v) {
        None => false,
        Some(Value::String(s)) if &**s == "asc" => false,
        Some(Value::String(s)) if &**s == "desc" => true,
        Some(Value::String(s)) => return Err(format!("invalid order {s}, expected asc or desc")),
        Some(other) => {
            return Err(format!(
                "sort order argument must be a string (got {})",
                tn(other)
            ));
        }
    };
    let failure = RefCell::new(None);
    super::pred::sort_values(&mut items, desc, |v| v, &failure);
    if let Some(m) = failure.into_inner() {
        return Err(m);
    }
    Ok(Value::list(items))
}
