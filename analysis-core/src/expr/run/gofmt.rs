//! Go's text conversions that leak into results and messages: `fmt`'s `%v`,
//! `strconv.ParseFloat` / `ParseInt` (used by `asFloat` / `asInt`) and `time.Time.String()`.

use chrono::{DateTime, Timelike, Utc};

use crate::gostr::go_quote;
use crate::value::Value;

/// Go's `%v` of a value (`string(x)`, messages like `cannot fetch x from ...`).
pub(crate) fn fmt_v(v: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, v);
    out
}

fn write_v(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&fmt_g(*f)),
        Value::String(s) => out.push_str(s),
        Value::Floats(fs) => {
            out.push('[');
            for (i, f) in fs.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&fmt_g(*f));
            }
            out.push(']');
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, item);
            }
            out.push(']');
        }
        Value::Time(t) => out.push_str(&time_string(t)),
        Value::Duration(ns) => out.push_str(&crate::duration::format_duration(
            chrono::TimeDelta::nanoseconds(*ns),
        )),
    }
}

/// `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest digits, exponent
/// form when the decimal exponent is < -4 or >= 6 (`1e+06`), unlike JSON's 1e21 threshold.
pub(crate) fn fmt_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    } else {
        format!("{f}")
    }
}

/// Go's `time.Time.String()` for a UTC time: `2023-08-14 00:00:00 +0000 UTC`.
pub(crate) fn time_string(t: &DateTime<Utc>) -> String {
    let mut s = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push_str(" +0000 UTC");
    s
}

fn parse_error(func: &str, s: &str, what: &str) -> String {
    format!("strconv.{func}: parsing {}: {what}", go_quote(s))
}

/// `strconv.ParseFloat(s, 64)`, with a fast exact path for plain decimals like `"9950"`.
#[inline]
pub(crate) fn parse_float(s: &str) -> Result<f64, String> {
    match fast_decimal(s.as_bytes()) {
        Some(f) => Ok(f),
        None => parse_float_slow(s),
    }
}

#[inline(never)]
fn parse_float_slow(s: &str) -> Result<f64, String> {
    let invalid = || parse_error("ParseFloat", s, "invalid syntax");
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Ok(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower == "nan" {
        return if body.len() == s.len() {
            Ok(f64::NAN)
        } else {
            Err(invalid())
        };
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        return parse_hex_float(hex, neg).ok_or_else(invalid).and_then(|f| {
            if f.is_infinite() {
                Err(parse_error("ParseFloat", s, "value out of range"))
            } else {
                Ok(f)
            }
        });
    }
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return Err(invalid());
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(invalid());
        }
    }
    if i != bytes.len() {
        return Err(invalid());
    }
    let f: f64 = body.parse().map_err(|_| invalid())?;
    if f.is_infinite() {
        return Err(parse_error("ParseFloat", s, "value out of range"));
    }
    Ok(if neg { -f } else { f })
}

#[inline]
/// Exact conversion of short plain decimals (Clinger's fast path): no allocation, no
/// rounding, which is what every SkyWalking/web value looks like.
fn fast_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (neg, rest) = match b.first()? {
        b'-' => (true, b.get(1..)?),
        b'+' => (false, b.get(1..)?),
        _ => (false, b),
    };
    let mut mant: u64 = 0;
    let mut digits = 0usize;
    let mut frac = 0usize;
    let mut seen_dot = false;
    for &c in rest {
        match c {
            b'0'..=b'9' => {
                mant = mant * 10 + u64::from(c - b'0');
                digits += 1;
                if seen_dot {
                    frac += 1;
                }
                if digits > 15 {
                    return None;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    let f = mant as f64 / *POW10.get(frac)?;
    Some(if neg { -f } else { f })
}

fn parse_hex_float(s: &str, neg: bool) -> Option<f64> {
    let (mant, exp) = match s.split_once('p') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exp);
    Some(if neg { -v } else { v })
}

/// `strconv.ParseInt(s, 10, 64)`.
pub(crate) fn parse_int(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(parse_error("ParseInt", s, "invalid syntax"));
    }
    s.parse::<i64>()
        .map_err(|_| parse_error("ParseInt", s, "value out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_v_floats_match_go() {
        assert_eq!(fmt_g(1.0), "1");
        assert_eq!(fmt_g(0.95), "0.95");
        assert_eq!(fmt_g(123456.0), "123456");
        assert_eq!(fmt_g(1_000_000.0), "1e+06");
        assert_eq!(fmt_g(123456789.0), "1.23456789e+08");
        assert_eq!(fmt_g(0.0001), "0.0001");
        assert_eq!(fmt_g(0.00001), "1e-05");
        assert_eq!(fmt_g(f64::INFINITY), "+Inf");
    }

    #[test]
    fn percent_v_values() {
        let v = Value::from_json(&serde_json::json!({"b": [1, "x", null], "a": true}));
        assert_eq!(fmt_v(&v), "map[a:true b:[1 x <nil>]]");
        assert_eq!(fmt_v(&Value::from(vec![1.5, 2.0])), "[1.5 2]");
    }

    #[test]
    fn parse_float_matches_strconv() {
        assert_eq!(parse_float("9950"), Ok(9950.0));
        assert_eq!(parse_float("-1.25"), Ok(-1.25));
        assert_eq!(parse_float("1e3"), Ok(1000.0));
        assert_eq!(parse_float(".5"), Ok(0.5));
        assert_eq!(parse_float("5."), Ok(5.0));
        assert_eq!(parse_float("+Inf"), Ok(f64::INFINITY));
        assert!(parse_float("NaN").unwrap().is_nan());
        assert_eq!(parse_float("0x1p-2"), Ok(0.25));
        assert_eq!(parse_float("0.1"), Ok(0.1));
        assert_eq!(
            parse_float("123456789012345678901234"),
            Ok(1.2345678901234568e23)
        );
        assert_eq!(
            parse_float("NotANum"),
            Err(r#"strconv.ParseFloat: parsing "NotANum": invalid syntax"#.into())
        );
        assert_eq!(
            parse_float("1e400"),
            Err(r#"strconv.ParseFloat: parsing "1e400": value out of range"#.into())
        );
        assert!(parse_float("").is_err());
        assert!(parse_float(" 1").is_err());
        assert!(parse_float("1_000").is_err());
        assert!(parse_float("+nan").is_err());
    }

    #[test]
    fn parse_int_matches_strconv() {
        assert_eq!(parse_int("42"), Ok(42));
        assert_eq!(parse_int("-7"), Ok(-7));
        assert_eq!(
            parse_int("1.1"),
            Err(r#"strconv.ParseInt: parsing "1.1": invalid syntax"#.into())
        );
        assert_eq!(
            parse_int("99999999999999999999"),
            Err(r#"strconv.ParseInt: parsing "99999999999999999999": value out of range"#.into())
        );
    }

    #[test]
    fn time_string_like_go() {
        let t = DateTime::parse_from_rfc3339("2023-08-14T00:00:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(time_string(&t), "2023-08-14 00:00:00.5 +0000 UTC");
    }
}
