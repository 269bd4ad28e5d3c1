//! String, JSON and base64 builtins, following Go's `strings`, `encoding/json` and
//! `encoding/base64` behaviour.

use std::borrow::Cow;

use super::Cx;
use super::funcs::{arg, int_arg, str_arg};
use super::ops::{conversion, tn};
use crate::expr::error::Span;
use crate::gojson::{format_float, write_string};
use crate::value::Value;

pub(crate) fn call(
    name: &str,
    args: &[Cow<'_, Value>],
    cx: &Cx,
    span: Span,
) -> Result<Value, String> {
    let s0 = || str_arg(args, 0);
    Ok(match name {
        "trim" => Value::from(match args.len() {
            1 => s0()?.trim(),
            2 => {
                let cut = str_arg(args, 1)?;
                s0()?.trim_matches(|c| cut.contains(c))
            }
            n => {
                return Err(format!(
                    "invalid number of arguments for trim (expected 1 or 2, got {n})"
                ));
            }
        }),
        "trimPrefix" | "trimSuffix" => {
            let s = s0()?;
            let p = if args.len() == 2 {
                str_arg(args, 1)?
            } else {
                " "
            };
            Value::from(if name == "trimPrefix" {
                s.strip_prefix(p).unwrap_or(s)
            } else {
                s.strip_suffix(p).unwrap_or(s)
            })
        }
        "upper" => Value::string(s0()?.to_uppercase()),
        "lower" => Value::string(s0()?.to_lowercase()),
        "split" | "splitAfter" => {
            let n = if args.len() == 3 {
                int_arg(args, 2)?
            } else {
                -1
            };
            let parts = split(s0()?, str_arg(args, 1)?, n, name == "splitAfter");
            Value::list(parts.into_iter().map(Value::string).collect::<Vec<_>>())
        }
        "replace" => {
            let (s, old, new) = (s0()?, str_arg(args, 1)?, str_arg(args, 2)?);
            match args.len() {
                3 => Value::string(s.replace(old, new)),
                4 => {
                    let n = int_arg(args, 3)?;
                    if n < 0 {
                        Value::string(s.replace(old, new))
                    } else {
                        Value::string(s.replacen(old, new, usize::try_from(n).unwrap_or(0)))
                    }
                }
                n => {
                    return Err(format!(
                        "invalid number of arguments for replace (expected 3 or 4, got {n})"
                    ));
                }
            }
        }
        "repeat" => {
            let s = s0()?;
            let n = int_arg(args, 1)?;
            if n < 0 {
                return Err(format!(
                    "invalid argument for repeat (expected positive integer, got {n})"
                ));
            }
            if n > 1_000_000 {
                return Err("memory budget exceeded".into());
            }
            let n = usize::try_from(n).unwrap_or(0);
            cx.grow(s.len().saturating_mul(n), span)
                .map_err(|_| "memory budget exceeded")?;
            Value::string(s.repeat(n))
        }
        "join" => {
            let glue = if args.len() == 2 {
                str_arg(args, 1)?
            } else {
                ""
            };
            match arg(args, 0) {
                Value::List(items) => {
                    let mut parts = Vec::with_capacity(items.len());
                    for i in items.iter() {
                        match i {
                            Value::String(s) => parts.push(&**s),
                            other => return Err(conversion(other, "string")),
                        }
                    }
                    Value::string(parts.join(glue))
                }
                other => return Err(format!("invalid argument for join (type {})", tn(other))),
            }
        }
        "indexOf" | "lastIndexOf" => {
            let (s, sub) = (s0()?, str_arg(args, 1)?);
            let found = if name == "indexOf" {
                s.find(sub)
            } else {
                s.rfind(sub)
            };
            Value::Int(found.map_or(-1, |i| i64::try_from(i).unwrap_or(-1)))
        }
        "hasPrefix" => Value::Bool(s0()?.starts_with(str_arg(args, 1)?)),
        "hasSuffix" => Value::Bool(s0()?.ends_with(str_arg(args, 1)?)),
        "toJSON" => {
            let mut out = String::new();
            to_json(&mut out, arg(args, 0), 0)?;
            Value::string(out)
        }
        "fromJSON" => {
            let v: serde_json::Value = serde_json::from_str(s0()?).map_err(|e| json_error(&e))?;
            Value::from_json_owned(v)
        }
        "toBase64" => Value::string(base64_encode(s0()?.as_bytes())),
        "fromBase64" => {
            let bytes = base64_decode(s0()?)?;
            Value::string(String::from_utf8_lossy(&bytes))
        }
        other => return Err(format!("unknown builtin {other}")),
    })
}

/// Go's `strings.SplitN` / `SplitAfterN` (n < 0: all; n == 0: none; "" splits runes).
fn split(s: &str, sep: &str, n: i64, after: bool) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 {
        usize::MAX
    } else {
        usize::try_from(n).unwrap_or(usize::MAX)
    };
    let mut out = Vec::new();
    if sep.is_empty() {
        let mut rest = s;
        while !rest.is_empty() {
            if out.len() + 1 == limit {
                out.push(rest.to_string());
                return out;
            }
            let len = rest.chars().next().map_or(1, char::len_utf8);
            out.push(rest[..len].to_string());
            rest = &rest[len..];
        }
        return out;
    }
    let mut rest = s;
    while out.len() + 1 < limit {
        let Some(i) = rest.find(sep) else { break };
        let cut = if after { i + sep.len() } else { i };
        out.push(rest[..cut].to_string());
        rest = &rest[i + sep.len()..];
    }
    out.push(rest.to_string());
    out
}

/// Go's `json.MarshalIndent(v, "", "  ")`.
fn to_json(out: &mut String, v: &Value, indent: usize) -> Result<(), String> {
    let pad = |out: &mut String, n: usize| {
        out.push('\n');
        for _ in 0..n {
            out.push_str("  ");
        }
    };
    match v {
        Value::Float(f) if !f.is_finite() => {
            return Err(format!("json: unsupported value: {}", format_float(*f)));
        }
        Value::Floats(fs) => {
            let items: Vec<Value> = fs.iter().map(|f| Value::Float(*f)).collect();
            return to_json(out, &Value::list(items), indent);
        }
        Value::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, indent + 1);
                to_json(out, item, indent + 1)?;
            }
            pad(out, indent);
            out.push(']');
        }
        Value::Map(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, indent + 1);
                write_string(out, k);
                out.push_str(": ");
                to_json(out, item, indent + 1)?;
            }
            pad(out, indent);
            out.push('}');
        }
        Value::Time(t) => {
            write_string(out, &t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        }
        other => out.push_str(&other.to_go_json()),
    }
    Ok(())
}

/// A JSON syntax error, phrased like Go's `encoding/json` where the cases line up.
fn json_error(e: &serde_json::Error) -> String {
    if e.is_eof() {
        return "unexpected end of JSON input".into();
    }
    let msg = e.to_string();
    match msg.split(" at line ").next() {
        Some(m) => m.to_string(),
        None => msg,
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(B64.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base64.StdEncoding.DecodeString` (padding required, newlines ignored).
fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let bytes: Vec<(usize, u8)> = s
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b != b'\n' && *b != b'\r')
        .collect();
    let illegal = |i: usize| format!("illegal base64 data at input byte {i}");
    if !bytes.len().is_multiple_of(4) {
        let at = bytes.len() - bytes.len() % 4;
        return Err(illegal(bytes.get(at).map_or(s.len(), |(i, _)| *i)));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (ci, chunk) in bytes.chunks(4).enumerate() {
        let last = ci + 1 == bytes.len() / 4;
        let mut n = 0u32;
        let mut pad = 0;
        for (j, (pos, b)) in chunk.iter().enumerate() {
            let v = match b {
                b'A'..=b'Z' => b - b'A',
                b'a'..=b'z' => b - b'a' + 26,
                b'0'..=b'9' => b - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if last && j >= 2 => {
                    pad += 1;
                    0
                }
                _ => return Err(illegal(*pos)),
            };
            if pad > 0 && *b != b'=' {
                return Err(illegal(*pos));
            }
            n = (n << 6) | u32::from(v);
        }
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(decoded.get(..3 - pad).unwrap_or(&[]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_go() {
        assert_eq!(split("a,b,c", ",", -1, false), ["a", "b", "c"]);
        assert_eq!(split("a,b,c", ",", 2, false), ["a", "b,c"]);
        assert_eq!(split("a,b", ",", -1, true), ["a,", "b"]);
        assert_eq!(split("abc", "", -1, false), ["a", "b", "c"]);
        assert!(split("abc", ",", 0, false).is_empty());
        assert_eq!(split("", ",", -1, false), [""]);
    }

    #[test]
    fn base64_round_trip() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(
            base64_decode("aGVsbG8").unwrap_err(),
            "illegal base64 data at input byte 4"
        );
    }

    #[test]
    fn to_json_is_indented_like_go() {
        let v = Value::from_json(&serde_json::json!({"b": [1, "x<"], "a": {}}));
        let mut s = String::new();
        to_json(&mut s, &v, 0).unwrap();
        assert_eq!(
            s,
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    \"x\\u003c\"\n  ]\n}"
        );
    }
}
