//! A validating, non-allocating scanner over one recording line: it splits the top-level
//! object into raw value slices so that cursors can skip other metrics' lines cheaply and
//! only the lines they take are decoded. It accepts exactly what `analysis_core::json` does
//! (JSON plus `NaN`, `Infinity`, `+Inf`, `-Inf`, `-Infinity`).

/// The raw (still encoded) members of one line, borrowed from it.
#[derive(Debug, Default)]
pub(crate) struct RawFields<'a> {
    pub metric: Option<&'a str>,
    pub at: Option<&'a str>,
    pub result: Option<&'a str>,
    pub response: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// The raw members of a `response` object.
#[derive(Debug, Default)]
pub(crate) struct RawResponseFields<'a> {
    pub status: Option<&'a str>,
    pub body: Option<&'a str>,
}

const MAX_DEPTH: usize = 128;

/// Splits a line's top-level object into its known members. Errors name the column.
pub(crate) fn split_line(text: &str) -> Result<RawFields<'_>, String> {
    let mut fields = RawFields::default();
    split_object(text, "a JSON object", |key, raw, col| {
        let slot = match key {
            "metric" => &mut fields.metric,
            "at" => &mut fields.at,
            "result" => &mut fields.result,
            "response" => &mut fields.response,
            "error" => &mut fields.error,
            other => {
                return Err(format!(
                    "column {col}: unknown field {other:?} (expected \"metric\", \"at\", \
                     \"result\", \"response\" or \"error\")"
                ));
            }
        };
        if slot.is_some() {
            return Err(format!("column {col}: duplicate field {key:?}"));
        }
        *slot = Some(raw);
        Ok(())
    })?;
    Ok(fields)
}

/// Splits a `response` member (`{"status": 200, "body": ...}`).
pub(crate) fn split_response(text: &str) -> Result<RawResponseFields<'_>, String> {
    let mut fields = RawResponseFields::default();
    split_object(text, "\"response\" must be an object", |key, raw, _| {
        let slot = match key {
            "status" => &mut fields.status,
            "body" => &mut fields.body,
            other => {
                return Err(format!(
                    "\"response\" has unknown field {other:?} (expected \"status\" and \"body\")"
                ));
            }
        };
        if slot.is_some() {
            return Err(format!("\"response\" has a duplicate field {key:?}"));
        }
        *slot = Some(raw);
        Ok(())
    })?;
    Ok(fields)
}

/// Decodes a raw JSON string slice (with its quotes), borrowing when it has no escapes.
pub(crate) fn decode_string(raw: &str) -> Option<std::borrow::Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw)
            .ok()
            .map(std::borrow::Cow::Owned)
    } else {
        Some(std::borrow::Cow::Borrowed(inner))
    }
}

fn split_object<'a>(
    text: &'a str,
    what: &str,
    mut member: impl FnMut(&str, &'a str, usize) -> Result<(), String>,
) -> Result<(), String> {
    let mut s = Scanner {
        src: text.as_bytes(),
        pos: 0,
    };
    s.skip_ws();
    if s.peek() != Some(b'{') {
        return Err(format!("expected {what}"));
    }
    s.pos += 1;
    s.skip_ws();
    if s.peek() == Some(b'}') {
        s.pos += 1;
    } else {
        loop {
            s.skip_ws();
            if s.peek() != Some(b'"') {
                return Err(s.error("expected a string key"));
            }
            let key_start = s.pos;
            let escaped = s.string()?;
            let key_raw = text.get(key_start..s.pos).unwrap_or("");
            let key = if escaped {
                decode_string(key_raw).unwrap_or_default()
            } else {
                let inner = key_raw.strip_prefix('"').and_then(|k| k.strip_suffix('"'));
                std::borrow::Cow::Borrowed(inner.unwrap_or(""))
            };
            s.skip_ws();
            if s.peek() != Some(b':') {
                return Err(s.error("expected ':' after a key"));
            }
            s.pos += 1;
            s.skip_ws();
            let value_start = s.pos;
            s.value(0)?;
            let raw = text.get(value_start..s.pos).unwrap_or("");
            member(&key, raw, key_start + 1)?;
            s.skip_ws();
            match s.peek() {
                Some(b',') => s.pos += 1,
                Some(b'}') => {
                    s.pos += 1;
                    break;
                }
                _ => return Err(s.error("expected ',' or '}'")),
            }
        }
    }
    s.skip_ws();
    if s.pos < s.src.len() {
        return Err(s.error("unexpected data after the object"));
    }
    Ok(())
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn error(&self, message: &str) -> String {
        format!("column {}: {message}", self.pos + 1)
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        let end = self.pos + word.len();
        if self.src.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        match self.peek() {
            None => Err(self.error("unexpected end of line, expected a value")),
            Some(b'{') => self.container(b'}', true, depth),
            Some(b'[') => self.container(b']', false, depth),
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') if self.eat("true") => Ok(()),
            Some(b'f') if self.eat("false") => Ok(()),
            Some(b'n') if self.eat("null") => Ok(()),
            Some(b'N') if self.eat("NaN") => Ok(()),
            Some(b'I') if self.eat("Infinity") => Ok(()),
            Some(b'+') if self.eat("+Infinity") || self.eat("+Inf") => Ok(()),
            Some(b'-') if self.eat("-Infinity") || self.eat("-Inf") => Ok(()),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
        }
    }

    fn digits(&mut self) -> bool {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos > start
    }

    fn number(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if !self.digits() {
            return Err(self.error("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.digits() {
                return Err(self.error("invalid number: digits expected after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !self.digits() {
                return Err(self.error("invalid number: digits expected in exponent"));
            }
        }
        Ok(())
    }

    /// Skips a string; `true` if it has escapes.
    fn string(&mut self) -> Result<bool, String> {
        self.pos += 1;
        let mut escaped = false;
        loop {
            // Most of a string is plain bytes: skip them in one go.
            let rest = self.src.get(self.pos..).unwrap_or_default();
            self.pos += rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        Some(b'u') => {
                            let hex = self.src.get(self.pos + 1..self.pos + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(self.error("invalid \\u escape"));
                            }
                            self.pos += 5;
                        }
                        _ => return Err(self.error("invalid escape in string")),
                    }
                }
                Some(b) if b < 0x20 => return Err(self.error("control character in string")),
                Some(_) => self.pos += 1,
            }
        }
    }

    fn container(&mut self, close: u8, keyed: bool, depth: usize) -> Result<(), String> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if keyed {
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a string key"));
                }
                self.string()?;
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(self.error("expected ':' after a key"));
                }
                self.pos += 1;
                self.skip_ws();
            }
            self.value(depth + 1)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ if keyed => return Err(self.error("expected ',' or '}'")),
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_members_raw() {
        let f =
            split_line(r#"{"metric":"m", "result": [1, NaN, -Inf], "at":"2024-01-01T00:00:00Z"}"#);
        let f = f.unwrap_or_default();
        assert_eq!(f.metric, Some("\"m\""));
        assert_eq!(f.result, Some("[1, NaN, -Inf]"));
        assert_eq!(f.at, Some("\"2024-01-01T00:00:00Z\""));
    }

    #[test]
    fn rejects_bad_lines_with_columns() {
        for (line, want) in [
            (
                r#"{"metric":"m","result":[1,}"#,
                "column 27: expected a JSON value",
            ),
            (
                r#"{"metric":"m","metric":"n"}"#,
                "column 15: duplicate field \"metric\"",
            ),
            (r#"{"metric":"m","reslt":1}"#, "unknown field \"reslt\""),
            (r#"[1]"#, "expected a JSON object"),
            (r#"{"metric":"m"} x"#, "unexpected data after the object"),
            (r#"{"metric":"m\q"}"#, "invalid escape"),
        ] {
            match split_line(line) {
                Ok(f) => panic!("{line}: accepted as {f:?}"),
                Err(e) => assert!(e.contains(want), "{line}: {e} lacks {want}"),
            }
        }
    }

    #[test]
    fn decodes_strings() {
        assert_eq!(decode_string("\"a\"").as_deref(), Some("a"));
        assert_eq!(decode_string("\"a\\nb\"").as_deref(), Some("a\nb"));
        assert_eq!(decode_string("1"), None);
    }
}
