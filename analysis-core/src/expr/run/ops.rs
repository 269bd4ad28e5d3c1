//! Go expr's runtime operators on dynamic values (`vm/runtime`): numeric promotion, the
//! lenient `==`, ordering, `Fetch` (member/index access), `in`, slicing, with Go's panic texts.

use std::borrow::Cow;
use std::sync::Arc;

use super::gofmt::fmt_v;
use crate::expr::ir::BinOp;
use crate::value::Value;

pub(crate) fn tn(v: &Value) -> &'static str {
    v.go_type_name()
}

/// Go's failed type assertion `x.(T)` on an `interface {}`.
pub(crate) fn conversion(v: &Value, want: &str) -> String {
    let have = match v {
        Value::Nil => "nil",
        other => tn(other),
    };
    format!("interface conversion: interface {{}} is {have}, not {want}")
}

/// `runtime.Equal`: numbers across int/float, arrays element-wise, otherwise deep equality.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
        (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Time(x), Value::Time(y)) => x == y,
        (Value::Duration(x), Value::Duration(y)) => x == y,
        (Value::Nil, Value::Nil) => true,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(p, q))
        }
        (Value::List(x), Value::Floats(y)) | (Value::Floats(y), Value::List(x)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|(p, q)| equal(p, &Value::Float(*q)))
        }
        (Value::Floats(x), Value::Floats(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| p == q)
        }
        (Value::Map(x), Value::Map(y)) => deep_equal_maps(x, y),
        _ => false,
    }
}

/// `reflect.DeepEqual` on decoded JSON: same types all the way down (1 and 1.0 differ).
fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => deep_equal_maps(x, y),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (Value::Int(_), Value::Float(_)) | (Value::Float(_), Value::Int(_)) => false,
        (Value::Float(x), Value::Float(y)) => x == y,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && equal(a, b),
    }
}

fn deep_equal_maps(x: &Arc<crate::value::Map>, y: &Arc<crate::value::Map>) -> bool {
    Arc::ptr_eq(x, y)
        || (x.len() == y.len()
            && x.iter()
                .zip(y.iter())
                .all(|((ka, va), (kb, vb))| ka == kb && deep_equal(va, vb)))
}

/// Ordering comparisons (`runtime.Less` and friends).
pub(crate) fn compare(op: BinOp, a: &Value, b: &Value) -> Result<bool, String> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Time(x), Value::Time(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        _ => {
            return Err(format!(
                "invalid operation: {} {} {}",
                tn(a),
                op.symbol(),
                tn(b)
            ));
        }
    };
    Ok(cmp_result(op, ord))
}

/// The outcome of an ordering; a NaN (no ordering) makes every comparison false.
pub(crate) fn cmp_result(op: BinOp, ord: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (op, ord) {
        (BinOp::Ne, None) => true,
        (_, None) => false,
        (BinOp::Lt, Some(o)) => o == Less,
        (BinOp::Gt, Some(o)) => o == Greater,
        (BinOp::Le, Some(o)) => o != Greater,
        (BinOp::Ge, Some(o)) => o != Less,
        (BinOp::Eq, Some(o)) => o == Equal,
        (BinOp::Ne, Some(o)) => o != Equal,
        _ => false,
    }
}

/// Arithmetic (`runtime.Add`, `Subtract`, `Multiply`, `Divide`, `Modulo`, `Exponent`).
/// Integers wrap like Go's; `/` and `**` always give a float.
pub(crate) fn arith(op: BinOp, a: &Value, b: &Value) -> Result<Value, String> {
    let bad = || {
        let sym = if op == BinOp::Pow { "**" } else { op.symbol() };
        format!("invalid operation: {} {sym} {}", tn(a), tn(b))
    };
    Ok(match (op, a, b) {
        (BinOp::Div, _, _) => Value::Float(num(a).ok_or_else(bad)? / num(b).ok_or_else(bad)?),
        (BinOp::Pow, _, _) => {
            let x = num(a).ok_or_else(|| format!("invalid operation: float({})", tn(a)))?;
            let y = num(b).ok_or_else(|| format!("invalid operation: float({})", tn(b)))?;
            Value::Float(x.powf(y))
        }
        (BinOp::Mod, Value::Int(x), Value::Int(y)) => {
            if *y == 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Value::Int(x.wrapping_rem(*y))
        }
        (BinOp::Mod, _, _) => return Err(bad()),
        (_, Value::Int(x), Value::Int(y)) => Value::Int(match op {
            BinOp::Add => x.wrapping_add(*y),
            BinOp::Sub => x.wrapping_sub(*y),
            BinOp::Mul => x.wrapping_mul(*y),
            _ => return Err(bad()),
        }),
        (_, Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (x, y) = (num(a).unwrap_or(0.0), num(b).unwrap_or(0.0));
            Value::Float(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                _ => return Err(bad()),
            })
        }
        (BinOp::Add, Value::String(x), Value::String(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Value::string(s)
        }
        (BinOp::Add, Value::Time(t), Value::Duration(d))
        | (BinOp::Add, Value::Duration(d), Value::Time(t)) => {
            Value::Time(*t + chrono::TimeDelta::nanoseconds(*d))
        }
        (BinOp::Add, Value::Duration(x), Value::Duration(y)) => Value::Duration(x.wrapping_add(*y)),
        (BinOp::Sub, Value::Time(x), Value::Time(y)) => {
            let d = x.signed_duration_since(*y);
            Value::Duration(
                d.num_nanoseconds()
                    .unwrap_or(if d > chrono::TimeDelta::zero() {
                        i64::MAX
                    } else {
                        i64::MIN
                    }),
            )
        }
        (BinOp::Sub, Value::Time(t), Value::Duration(d)) => {
            Value::Time(*t - chrono::TimeDelta::nanoseconds(*d))
        }
        (BinOp::Sub, Value::Duration(x), Value::Duration(y)) => Value::Duration(x.wrapping_sub(*y)),
        (BinOp::Mul, Value::Duration(x), Value::Duration(y))
        | (BinOp::Mul, Value::Duration(x), Value::Int(y))
        | (BinOp::Mul, Value::Int(x), Value::Duration(y)) => Value::Duration(x.wrapping_mul(*y)),
        (BinOp::Mul, Value::Duration(x), Value::Float(y))
        | (BinOp::Mul, Value::Float(y), Value::Duration(x)) => Value::Float(*x as f64 * y),
        _ => return Err(bad()),
    })
}

pub(crate) fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Unary minus (`runtime.Negate`).
pub(crate) fn negate(v: &Value) -> Result<Value, String> {
    match v {
        Value::Int(i) => Ok(Value::Int(i.wrapping_neg())),
        Value::Float(f) => Ok(Value::Float(-f)),
        Value::Duration(d) => Ok(Value::Duration(d.wrapping_neg())),
        other => Err(format!("invalid operation: - {}", tn(other))),
    }
}

/// `runtime.ToInt`: numbers truncate; anything else is an error.
pub(crate) fn to_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) => Ok(go_f64_to_i64(*f)),
        Value::Duration(d) => Ok(*d),
        other => Err(format!("invalid operation: int({})", tn(other))),
    }
}

/// Go's `int64(f)`: truncation; out-of-range and NaN give the amd64 result (MinInt64).
pub(crate) fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go expr's `Fetch`: `a.b`, `a["b"]`, `a[0]` on a dynamic value.
pub(crate) fn fetch<'v>(base: &'v Value, key: &Value) -> Result<Cow<'v, Value>, String> {
    match (base, key) {
        (Value::Map(m), Value::String(k)) => Ok(fetch_map(m, k)),
        (Value::Map(m), Value::Nil) => Ok(fetch_map(m, "")),
        (Value::Map(_), other) => Err(format!(
            "reflect.Value.MapIndex: value of type {} is not assignable to type string",
            tn(other)
        )),
        (Value::List(_) | Value::Floats(_) | Value::String(_), k) => fetch_index(base, to_int(k)?),
        (b, k) => Err(format!("cannot fetch {} from {}", fmt_v(k), tn(b))),
    }
}

pub(crate) fn fetch_map<'v>(m: &'v crate::value::Map, key: &str) -> Cow<'v, Value> {
    match map_get(m, key) {
        Some(v) => Cow::Borrowed(v),
        None => Cow::Owned(Value::Nil),
    }
}

/// A member of a JSON object. Small objects (the common case: `{"id", "value"}`) are
/// scanned comparing lengths first, which skips most byte comparisons.
#[inline]
pub(crate) fn map_get<'v>(m: &'v crate::value::Map, key: &str) -> Option<&'v Value> {
    if m.len() <= 8 {
        m.iter()
            .find(|(k, _)| k.len() == key.len() && k.as_str() == key)
            .map(|(_, v)| v)
    } else {
        m.get(key)
    }
}

/// `a.b` with a constant name.
pub(crate) fn fetch_str<'v>(base: &'v Value, key: &str) -> Result<Cow<'v, Value>, String> {
    match base {
        Value::Map(m) => Ok(fetch_map(m, key)),
        Value::List(_) | Value::Floats(_) | Value::String(_) => {
            Err("invalid operation: int(string)".into())
        }
        other => Err(format!("cannot fetch {key} from {}", tn(other))),
    }
}

/// `a[i]` with negative indices counting from the end.
pub(crate) fn fetch_index(base: &Value, index: i64) -> Result<Cow<'_, Value>, String> {
    let len = match base {
        Value::List(l) => l.len(),
        Value::Floats(f) => f.len(),
        Value::String(s) => s.len(),
        Value::Map(_) => {
            return Err(
                "reflect.Value.MapIndex: value of type int is not assignable to type string".into(),
            );
        }
        other => return Err(format!("cannot fetch {index} from {}", tn(other))),
    };
    let l = i64::try_from(len).unwrap_or(i64::MAX);
    let i = if index < 0 {
        index.wrapping_add(l)
    } else {
        index
    };
    if i < 0 || i >= l {
        return Err(format!("index out of range: {i} (array length is {l})"));
    }
    let i = i as usize;
    Ok(match base {
        Value::List(items) => match items.get(i) {
            Some(v) => Cow::Borrowed(v),
            None => Cow::Owned(Value::Nil),
        },
        Value::Floats(fs) => Cow::Owned(Value::Float(fs.get(i).copied().unwrap_or(f64::NAN))),
        Value::String(s) => Cow::Owned(Value::Int(i64::from(
            s.as_bytes().get(i).copied().unwrap_or(0),
        ))),
        _ => Cow::Owned(Value::Nil),
    })
}

/// `runtime.In`: element of an array, key of a map.
pub(crate) fn in_op(needle: &Value, hay: &Value) -> Result<bool, String> {
    match hay {
        Value::Nil => Ok(false),
        Value::List(items) => Ok(items.iter().any(|v| equal(v, needle))),
        Value::Floats(fs) => Ok(fs.iter().any(|f| equal(&Value::Float(*f), needle))),
        Value::Map(m) => match needle {
            Value::String(k) => Ok(m.contains_key(&**k)),
            Value::Nil => Ok(m.contains_key("")),
            other => Err(format!(
                "reflect.Value.MapIndex: value of type {} is not assignable to type string",
                tn(other)
            )),
        },
        other => Err(format!("operator \"in\" not defined on {}", tn(other))),
    }
}

/// `contains`, `startsWith`, `endsWith`: nil on either side is false.
pub(crate) fn string_op(op: BinOp, a: &Value, b: &Value) -> Result<bool, String> {
    let (x, y) = match (a, b) {
        (Value::Nil, _) | (_, Value::Nil) => return Ok(false),
        (Value::String(x), Value::String(y)) => (x, y),
        (Value::String(_), other) | (other, _) => return Err(conversion(other, "string")),
    };
    Ok(match op {
        BinOp::Contains => x.contains(&**y),
        BinOp::StartsWith => x.starts_with(&**y),
        _ => x.ends_with(&**y),
    })
}

/// `runtime.Slice` with Go's clamping of out-of-range bounds.
pub(crate) fn slice(
    base: &Value,
    from: Option<&Value>,
    to: Option<&Value>,
) -> Result<Value, String> {
    let len = match base {
        Value::List(l) => l.len(),
        Value::Floats(f) => f.len(),
        Value::String(s) => s.len(),
        other if to.is_none() => {
            return Err(format!("invalid argument for len (type {})", tn(other)));
        }
        _ => {
            let f = from.map_or_else(|| "0".to_string(), fmt_v);
            return Err(format!("cannot slice {f}"));
        }
    };
    let l = i64::try_from(len).unwrap_or(i64::MAX);
    let mut a = match from {
        Some(v) => to_int(v)?,
        None => 0,
    };
    let mut b = match to {
        Some(v) => to_int(v)?,
        None => l,
    };
    if a < 0 {
        a = a.saturating_add(l).max(0);
    }
    if b < 0 {
        b = b.saturating_add(l).max(0);
    }
    b = b.min(l);
    a = a.min(b);
    let (a, b) = (a as usize, b as usize);
    Ok(match base {
        Value::List(items) => Value::list(items.get(a..b).unwrap_or(&[]).to_vec()),
        Value::Floats(fs) => Value::floats(fs.get(a..b).unwrap_or(&[]).to_vec()),
        Value::String(s) => Value::string(String::from_utf8_lossy(
            s.as_bytes().get(a..b).unwrap_or(&[]),
        )),
        _ => Value::Nil,
    })
}

/// A boolean where Go's VM asserts one (`&&`, `!`, ternary, predicate results).
pub(crate) fn as_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(conversion(other, "bool")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_is_lenient_across_numbers_only() {
        assert!(equal(&Value::Int(1), &Value::Float(1.0)));
        assert!(!equal(&Value::from("1"), &Value::Float(1.0)));
        assert!(!equal(&Value::Float(f64::NAN), &Value::Float(f64::NAN)));
        assert!(equal(
            &Value::list(vec![Value::Int(1), Value::Float(2.0)]),
            &Value::from(vec![1.0, 2.0])
        ));
        let a = Value::from_json(&serde_json::json!({"a": 1}));
        let b = Value::from_json(&serde_json::json!({"a": 1.0}));
        assert!(equal(&a, &b));
        let c = Value::map([("a".to_string(), Value::Int(1))].into_iter().collect());
        assert!(!equal(&a, &c));
    }

    #[test]
    fn ordering_errors_name_go_types() {
        assert_eq!(
            compare(BinOp::Lt, &Value::from("a"), &Value::Float(1.0)),
            Err("invalid operation: string < float64".into())
        );
        assert_eq!(
            compare(BinOp::Ge, &Value::Float(f64::NAN), &Value::Int(0)),
            Ok(false)
        );
        assert_eq!(
            compare(BinOp::Ge, &Value::Float(f64::INFINITY), &Value::Float(0.9)),
            Ok(true)
        );
    }

    #[test]
    fn arithmetic_follows_go() {
        assert_eq!(
            arith(BinOp::Add, &Value::Int(1), &Value::Int(2)),
            Ok(Value::Int(3))
        );
        assert_eq!(
            arith(BinOp::Div, &Value::Int(1), &Value::Int(2)),
            Ok(Value::Float(0.5))
        );
        assert_eq!(
            arith(BinOp::Add, &Value::Int(i64::MAX), &Value::Int(1)),
            Ok(Value::Int(i64::MIN))
        );
        assert_eq!(
            arith(BinOp::Mod, &Value::Int(1), &Value::Int(0)),
            Err("runtime error: integer divide by zero".into())
        );
        assert_eq!(
            arith(BinOp::Mod, &Value::Float(1.0), &Value::Int(2)),
            Err("invalid operation: float64 % int".into())
        );
        assert_eq!(
            arith(BinOp::Mod, &Value::Int(i64::MIN), &Value::Int(-1)),
            Ok(Value::Int(0))
        );
        assert_eq!(
            arith(BinOp::Pow, &Value::Int(2), &Value::Int(10)),
            Ok(Value::Float(1024.0))
        );
        assert_eq!(
            arith(BinOp::Add, &Value::from("a"), &Value::from("b")),
            Ok(Value::from("ab"))
        );
    }

    #[test]
    fn fetch_follows_go() {
        let m = Value::from_json(&serde_json::json!({"a": 1}));
        assert!(matches!(fetch_str(&m, "b").unwrap().as_ref(), Value::Nil));
        assert_eq!(
            fetch_str(&Value::Nil, "b").unwrap_err(),
            "cannot fetch b from <nil>"
        );
        let empty = Value::floats(Vec::<f64>::new());
        assert_eq!(
            fetch_index(&empty, 0).unwrap_err(),
            "index out of range: 0 (array length is 0)"
        );
        let v = Value::from(vec![1.0, 2.0, 3.0]);
        assert_eq!(*fetch_index(&v, -1).unwrap(), Value::Float(3.0));
        assert_eq!(
            fetch_index(&v, -4).unwrap_err(),
            "index out of range: -1 (array length is 3)"
        );
    }

    #[test]
    fn slices_clamp() {
        let v = Value::from(vec![1.0, 2.0, 3.0]);
        let one = Value::Int(1);
        let big = Value::Int(10);
        assert_eq!(
            slice(&v, Some(&one), Some(&big)),
            Ok(Value::from(vec![2.0, 3.0]))
        );
        assert_eq!(
            slice(&v, Some(&Value::Int(-2)), None),
            Ok(Value::from(vec![2.0, 3.0]))
        );
    }
}
