//! JSON straight into [`Value`], accepting the non-finite numbers Prometheus results carry
//! (`NaN`, `Infinity`, `-Infinity`, `+Inf`, `-Inf`), which strict JSON parsers refuse.
//!
//! Used for `augur eval --result`, recordings and replay. Going straight to [`Value`] (no
//! intermediate tree) is also what lets replay read a million result lines a second.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::value::Value;

/// How numbers and arrays are typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typing {
    /// As Go's `encoding/json` into `interface{}`: numbers float64, arrays untyped.
    Json,
    /// As Argo's Prometheus provider: a top-level array of numbers is a typed float vector.
    Prometheus,
}

/// A syntax error with its place in the input (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct JsonError {
    /// 1-based line of the error.
    pub line: usize,
    /// 1-based column of the error, in characters.
    pub column: usize,
    /// What was wrong at that spot.
    pub message: String,
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

/// Parses one JSON document (with non-finite numbers allowed) into a [`Value`].
pub fn parse(text: &str, typing: Typing) -> Result<Value, JsonError> {
    if typing == Typing::Prometheus
        && let Some(floats) = float_array(text)
    {
        return Ok(floats);
    }
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
    };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos < p.src.len() {
        return Err(p.error("unexpected data after the JSON value"));
    }
    Ok(match typing {
        Typing::Json => v,
        Typing::Prometheus => as_prometheus(v),
    })
}

/// Types a decoded value as Argo's Prometheus provider would: a number array becomes a float
/// vector (empty arrays included, as an empty vector is what Prometheus answers).
pub fn as_prometheus(v: Value) -> Value {
    match v {
        Value::List(items) if items.iter().all(|i| matches!(i, Value::Float(_))) => Value::Floats(
            items
                .iter()
                .map(|i| match i {
                    Value::Float(f) => *f,
                    _ => f64::NAN,
                })
                .collect(),
        ),
        other => other,
    }
}

/// How many floats [`float_array`] collects before it needs the heap.
const INLINE_FLOATS: usize = 16;

/// The Prometheus fast path: a document that is an array of numbers, read straight into a
/// float vector (one allocation, no per-item `Value`). `None` for anything else, including
/// errors, which the general parser then reports; for accepted input the result is exactly
/// `as_prometheus` of the general parse.
fn float_array(text: &str) -> Option<Value> {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
    };
    p.skip_ws();
    if p.peek() != Some(b'[') {
        return None;
    }
    p.pos += 1;
    let mut inline = [0f64; INLINE_FLOATS];
    let mut len = 0;
    let mut spilled: Vec<f64> = Vec::new();
    p.skip_ws();
    if p.peek() == Some(b']') {
        p.pos += 1;
    } else {
        loop {
            p.skip_ws();
            let Ok(Value::Float(f)) = p.value(1) else {
                return None;
            };
            match inline.get_mut(len) {
                Some(slot) if spilled.is_empty() => {
                    *slot = f;
                    len += 1;
                }
                _ => {
                    if spilled.is_empty() {
                        spilled.extend_from_slice(inline.get(..len)?);
                    }
                    spilled.push(f);
                }
            }
            p.skip_ws();
            match p.peek() {
                Some(b',') => p.pos += 1,
                Some(b']') => {
                    p.pos += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    p.skip_ws();
    if p.pos < p.src.len() {
        return None;
    }
    Some(Value::Floats(if spilled.is_empty() {
        Arc::from(inline.get(..len)?)
    } else {
        Arc::from(spilled)
    }))
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> JsonError {
        let before = &self.text.as_bytes()[..self.pos.min(self.src.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        JsonError {
            line,
            column,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        match self.peek() {
            None => Err(self.error("unexpected end of input, expected a value")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::String(self.string()?.into())),
            Some(b't') if self.eat("true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Value::Bool(false)),
            Some(b'n') if self.eat("null") => Ok(Value::Nil),
            Some(b'N') if self.eat("NaN") => Ok(Value::Float(f64::NAN)),
            Some(b'I') if self.eat("Infinity") => Ok(Value::Float(f64::INFINITY)),
            Some(b'+') if self.eat("+Infinity") || self.eat("+Inf") => {
                Ok(Value::Float(f64::INFINITY))
            }
            Some(b'-') if self.eat("-Infinity") || self.eat("-Inf") => {
                Ok(Value::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
        }
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while let Some(b'0'..=b'9') = p.peek() {
                p.pos += 1;
            }
            p.pos > s
        };
        if !digits(self) {
            return Err(self.error("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("invalid number: digits expected after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("invalid number: digits expected in exponent"));
            }
        }
        self.text[start..self.pos]
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| self.error("invalid number"))
    }

    fn string(&mut self) -> Result<String, JsonError> {
        // Opening quote.
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self
                        .peek()
                        .ok_or_else(|| self.error("unterminated string"))?;
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return Err(self.error("invalid escape in string")),
                    }
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        let v = u32::from_str_radix(hex, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.eat("\\u") {
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            return Ok('\u{FFFD}');
        }
        Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::List(Arc::from(items)));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::List(Arc::from(items)));
                }
                _ => return Err(self.error("expected ',' or ']' in array")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.pos += 1;
        let mut map = BTreeMap::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Map(Arc::new(map)));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key in object"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':' after object key"));
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value(depth + 1)?;
            map.insert(key, v);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Map(Arc::new(map)));
                }
                _ => return Err(self.error("expected ',' or '}' in object")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Value {
        parse(s, Typing::Json).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_plain_json_like_go() {
        let v = json(r#" {"color": "red", "n": [1, 2.5e1, -0.5], "ok": true, "x": null} "#);
        assert_eq!(
            v.to_go_json(),
            r#"{"color":"red","n":[1,25,-0.5],"ok":true,"x":null}"#
        );
    }

    #[test]
    fn accepts_non_finite_numbers() {
        let v = parse(
            "[NaN, Infinity, -Infinity, +Inf, -Inf, 1]",
            Typing::Prometheus,
        );
        let Ok(Value::Floats(f)) = v else {
            panic!("expected a float vector, got {v:?}")
        };
        assert!(f[0].is_nan());
        assert_eq!(
            &f[1..],
            &[
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                1.0
            ]
        );
    }

    #[test]
    fn prometheus_typing_only_touches_number_arrays() {
        assert!(matches!(parse("[]", Typing::Prometheus), Ok(Value::Floats(f)) if f.is_empty()));
        assert!(matches!(parse("0.5", Typing::Prometheus), Ok(Value::Float(f)) if f == 0.5));
        assert!(matches!(
            parse(r#"["a"]"#, Typing::Prometheus),
            Ok(Value::List(_))
        ));
        assert!(matches!(parse("[1]", Typing::Json), Ok(Value::List(_))));
    }

    #[test]
    fn float_arrays_take_the_fast_path_with_the_same_result() {
        let long: Vec<String> = (0..40).map(|i| format!("{i}.5")).collect();
        let long = format!("[{}]", long.join(","));
        for text in [
            "[]",
            " [ ] ",
            "[0.95]",
            "[1, -2.5e3, NaN, +Inf, -Infinity]",
            long.as_str(),
            "[1, \"a\"]",
            "[1, [2]]",
            "[1,]",
            "[1] x",
            "{\"a\": [1]}",
            "3",
        ] {
            let general = {
                let mut p = Parser {
                    src: text.as_bytes(),
                    text,
                    pos: 0,
                };
                p.skip_ws();
                p.value(0).and_then(|v| {
                    p.skip_ws();
                    if p.pos < p.src.len() {
                        Err(p.error("unexpected data after the JSON value"))
                    } else {
                        Ok(as_prometheus(v))
                    }
                })
            };
            assert_eq!(parse(text, Typing::Prometheus), general, "{text}");
            if let Some(fast) = float_array(text) {
                assert_eq!(Ok(fast), general, "{text}");
            }
        }
        assert!(float_array(&long).is_some());
        assert!(float_array("[1, \"a\"]").is_none());
    }

    #[test]
    fn strings_unescape() {
        assert_eq!(
            json(r#""a\"b\\c\nd\u00e9\ud83d\ude00""#),
            Value::string("a\"b\\c\nd\u{e9}\u{1F600}")
        );
    }

    #[test]
    fn errors_point_at_the_spot() {
        let e = parse("{\n  \"a\": tru\n}", Typing::Json).err();
        assert_eq!(
            e.map(|e| (e.line, e.column)),
            Some((2, 8)),
            "error should point at line 2, column 8"
        );
        assert!(parse("[1,", Typing::Json).is_err());
        assert!(parse("1 2", Typing::Json).is_err());
        assert!(parse("\"abc", Typing::Json).is_err());
        assert!(parse(&"[".repeat(10_000), Typing::Json).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s, Typing::Json);
        }

        #[test]
        fn agrees_with_serde_json_on_valid_json(v in proptest::collection::vec(-1e9f64..1e9, 0..8)) {
            let text = serde_json::to_string(&v).unwrap_or_default();
            let ours = parse(&text, Typing::Json).map(|v| v.to_go_json());
            let theirs = serde_json::from_str::<serde_json::Value>(&text)
                .map(|v| Value::from_json(&v).to_go_json());
            proptest::prop_assert_eq!(ours.ok(), theirs.ok());
        }
    }
}
