//! Go `encoding/json` output, byte for byte: Argo stores a measurement's `value` this way, and
//! users' dashboards and tests compare those strings.

mod float;

use std::fmt::Write as _;

use crate::value::Value;

pub use float::{write_float, write_plain_float};

/// Formats a float as Go's `encoding/json` does: shortest round-trip digits, plain notation
/// unless |x| < 1e-6 or |x| >= 1e21, exponent without leading zeros (`1e-7`, `1e+21`).
pub fn format_float(f: f64) -> String {
    let mut out = String::new();
    write_float(&mut out, f);
    out
}

/// [`format_float`] by way of `format!`: slower, kept as the reference the fast path is
/// tested against and as its fallback.
fn format_float_slow(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        // Rust prints `1e21` / `1e-7`; Go prints `1e+21` / `1e-7`.
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => s,
        }
    } else if f == 0.0 && f.is_sign_negative() {
        "-0".to_string()
    } else {
        format!("{f}")
    }
}

/// Bytes that may start an escape: `"`, `\`, controls, `<`, `>`, `&`, and 0xE2, the first
/// byte of U+2028/U+2029 (E2 80 A8/A9).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[0xE2] = true;
    t
};

/// Writes a JSON string literal with Go's escaping (`<`, `>`, `&`, U+2028, U+2029 as `\uXXXX`).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Runs that need no escaping are copied whole. They end on char boundaries: every byte
    // that starts an escape is ASCII or 0xE2, and both start a char.
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while let Some(skip) = bytes[i..].iter().position(|&b| SPECIAL[usize::from(b)]) {
        i += skip;
        let (escape, width) = match bytes[i] {
            b'"' => ("\\\"", 1),
            b'\\' => ("\\\\", 1),
            b'\n' => ("\\n", 1),
            b'\r' => ("\\r", 1),
            b'\t' => ("\\t", 1),
            0x08 => ("\\b", 1),
            0x0c => ("\\f", 1),
            b'<' => ("\\u003c", 1),
            b'>' => ("\\u003e", 1),
            b'&' => ("\\u0026", 1),
            0xE2 => match bytes.get(i + 1..i + 3) {
                Some([0x80, 0xA8]) => ("\\u2028", 3),
                Some([0x80, 0xA9]) => ("\\u2029", 3),
                _ => {
                    i += 1;
                    continue;
                }
            },
            _ => ("", 1),
        };
        out.push_str(s.get(run..i).unwrap_or_default());
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", bytes[i]);
        } else {
            out.push_str(escape);
        }
        i += width;
        run = i;
    }
    out.push_str(s.get(run..).unwrap_or_default());
    out.push('"');
}

pub(crate) fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            out.push_str(itoa::Buffer::new().format(*i));
        }
        Value::Float(f) => write_float(out, *f),
        Value::String(s) => write_string(out, s),
        Value::Floats(fs) => {
            out.push('[');
            for (i, f) in fs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_float(out, *f);
            }
            out.push(']');
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
        Value::Time(t) => {
            write_string(out, &t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        }
        Value::Duration(ns) => {
            out.push_str(itoa::Buffer::new().format(*ns));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_match_go() {
        assert_eq!(format_float(1.0), "1");
        assert_eq!(format_float(1.1), "1.1");
        assert_eq!(format_float(-1.1), "-1.1");
        assert_eq!(format_float(0.000001), "0.000001");
        assert_eq!(format_float(0.0000001), "1e-7");
        assert_eq!(format_float(1e21), "1e+21");
        assert_eq!(format_float(123456789.0), "123456789");
        assert_eq!(format_float(0.95), "0.95");
    }

    #[test]
    fn strings_escape_like_go() {
        let mut s = String::new();
        write_string(&mut s, "a<b>&\"c\"\n");
        assert_eq!(s, r#""a\u003cb\u003e\u0026\"c\"\n""#);
    }

    #[test]
    fn strings_escape_like_the_char_by_char_original() {
        fn reference(s: &str) -> String {
            let mut out = String::from('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                        out.push_str(&format!("\\u{:04x}", c as u32));
                    }
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        let samples = [
            "",
            "plain",
            "\u{1}\u{1f}\u{7f}é\u{2028}x\u{2029}<>&\"\\/\n\r\t\u{8}\u{c}",
            "ünïcödé 😀 tail",
            "<",
        ];
        for s in samples {
            let mut ours = String::new();
            write_string(&mut ours, s);
            assert_eq!(ours, reference(s), "{s:?}");
        }
        proptest::proptest!(|(s in "\\PC*|[\\x00-\\x7f\u{2028}\u{2029}]*")| {
            let mut ours = String::new();
            write_string(&mut ours, &s);
            proptest::prop_assert_eq!(ours, reference(&s));
        });
    }

    #[test]
    fn maps_are_sorted_and_compact() {
        let v = Value::from_json(&serde_json::json!({"status": "ok", "color": "red", "n": 2}));
        assert_eq!(v.to_go_json(), r#"{"color":"red","n":2,"status":"ok"}"#);
    }
}
