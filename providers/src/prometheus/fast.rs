//! A one-pass reader for the answer Prometheus nearly always sends:
//! `{"status":"success","data":{"resultType":"vector"|"matrix","result":[...]}}`.
//!
//! Label sets are most of such a body and Argo ignores them; serde_json still tokenises every
//! label through its visitor machinery, which was 85% of a 100-series decode. Here they are
//! skipped by a byte loop that checks JSON's string grammar and nothing more.
//!
//! The reader is deliberately narrow: anything outside that shape (other envelope keys such as
//! `warnings`, `null` elements, native histograms, escapes in keys or sample values, scalars,
//! malformed JSON) answers `None`, and the serde decoder reads the body instead and reports
//! exactly what client_golang would. So the only obligation of this module is: when it answers
//! `Some`, the serde decoder would have produced the same floats and the same value text. A
//! differential property test (`response.rs`) holds it to that.

use analysis_core::gojson::write_plain_float;

/// The floats of a successful vector or matrix answer in the common shape, and their text as
/// Argo prints the `[]float64`; or `None`.
pub(super) fn success_floats(body: &str) -> Option<(Vec<f64>, String)> {
    let mut r = Reader {
        s: body,
        b: body.as_bytes(),
        i: 0,
        floats: Vec::new(),
        text: String::from("["),
    };
    r.envelope()?;
    r.ws();
    (r.i == r.b.len()).then(|| {
        r.text.push(']');
        (r.floats, r.text)
    })
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    floats: Vec<f64>,
    /// `[v1,v2,...` so far: each sample's own text when it is already what Go prints.
    text: String,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// JSON whitespace, exactly the four bytes serde_json accepts.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Whitespace, then `c`.
    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Whitespace, then `c` if it is next; whether it was.
    fn try_eat(&mut self, c: u8) -> bool {
        self.ws();
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    /// A string without escapes (keys, `resultType`, sample values), borrowed.
    fn plain_str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let len = self.b[start..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        self.i += len;
        if self.b[self.i] != b'"' {
            return None;
        }
        self.i += 1;
        // Both ends sit next to an ASCII quote: char boundaries.
        self.s.get(start..start + len)
    }

    /// Any valid JSON string (label names and values), unread.
    fn skip_str(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            self.i += self.b[self.i..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => {
                    self.i += 1;
                    match *self.b.get(self.i)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let hex = self.b.get(self.i + 1..self.i + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// A JSON number (a sample's timestamp), unread.
    fn skip_number(&mut self) -> Option<()> {
        self.ws();
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.i;
        self.digits();
        (self.i > start).then_some(())
    }

    /// `{"name":"value",...}`: a label set whose values are all strings, unread.
    fn skip_labels(&mut self) -> Option<()> {
        self.eat(b'{')?;
        if self.try_eat(b'}') {
            return Some(());
        }
        loop {
            self.skip_str()?;
            self.eat(b':')?;
            self.skip_str()?;
            if !self.try_eat(b',') {
                return self.eat(b'}');
            }
        }
    }

    /// `[<timestamp>, "<value>"]`, the value read as the serde decoder reads it.
    fn pair(&mut self) -> Option<()> {
        self.eat(b'[')?;
        self.skip_number()?;
        self.eat(b',')?;
        let text = self.plain_str()?;
        let v = text.parse::<f64>().ok()?;
        self.eat(b']')?;
        self.push(v, text);
        Some(())
    }

    /// One float of the result and its text.
    fn push(&mut self, v: f64, text: &str) {
        if !self.floats.is_empty() {
            self.text.push(',');
        }
        if is_canonical(text) {
            self.text.push_str(text);
        } else {
            write_plain_float(&mut self.text, v);
        }
        self.floats.push(v);
    }

    /// `{"metric":{...},"value":[...]}` (vector) or `{"metric":{...},"values":[[...],...]}`
    /// (matrix), keys in any order.
    fn series(&mut self, matrix: bool) -> Option<()> {
        self.eat(b'{')?;
        let mut seen_value = false;
        if !self.try_eat(b'}') {
            loop {
                match self.plain_str()? {
                    "metric" => {
                        self.eat(b':')?;
                        self.skip_labels()?;
                    }
                    // A second value: the general decoder's (the last wins there, as in Go).
                    "value" if !matrix && !seen_value => {
                        self.eat(b':')?;
                        self.pair()?;
                        seen_value = true;
                    }
                    "values" if matrix && !seen_value => {
                        self.eat(b':')?;
                        self.eat(b'[')?;
                        if !self.try_eat(b']') {
                            loop {
                                self.pair()?;
                                if !self.try_eat(b',') {
                                    self.eat(b']')?;
                                    break;
                                }
                            }
                        }
                        seen_value = true;
                    }
                    _ => return None,
                }
                if !self.try_eat(b',') {
                    self.eat(b'}')?;
                    break;
                }
            }
        }
        // A vector sample without a value (a native histogram) counts as 0, as in Argo.
        if !matrix && !seen_value {
            self.push(0.0, "0");
        }
        Some(())
    }

    /// `{"resultType":"vector"|"matrix","result":[...]}`, in that order.
    fn data(&mut self) -> Option<()> {
        self.eat(b'{')?;
        if self.plain_str()? != "resultType" {
            return None;
        }
        self.eat(b':')?;
        let matrix = match self.plain_str()? {
            "vector" => false,
            "matrix" => true,
            _ => return None,
        };
        self.eat(b',')?;
        if self.plain_str()? != "result" {
            return None;
        }
        self.eat(b':')?;
        self.eat(b'[')?;
        if !self.try_eat(b']') {
            loop {
                self.series(matrix)?;
                if !self.try_eat(b',') {
                    self.eat(b']')?;
                    break;
                }
            }
        }
        self.eat(b'}')
    }

    /// `{"status":"success","data":{...}}`, keys in either order, nothing else.
    fn envelope(&mut self) -> Option<()> {
        self.eat(b'{')?;
        let (mut success, mut data) = (false, false);
        loop {
            match self.plain_str()? {
                "status" if !success => {
                    self.eat(b':')?;
                    if self.plain_str()? != "success" {
                        return None;
                    }
                    success = true;
                }
                "data" if !data => {
                    self.eat(b':')?;
                    self.data()?;
                    data = true;
                }
                _ => return None,
            }
            if !self.try_eat(b',') {
                self.eat(b'}')?;
                break;
            }
        }
        (success && data).then_some(())
    }
}

/// Whether `text` is exactly what Go's `strconv.FormatFloat(v, 'f', -1, 64)` prints for the
/// float it parses to: `NaN`, `±Inf`, or plain decimal digits without redundant zeros, at
/// most 15 of them significant (a decimal that short survives the round trip through a
/// normal float, so it is also the shortest), and at most 64 long (far from overflow and
/// subnormals). Prometheus prints its samples this way, so the common sample's text is
/// reused instead of formatted again.
fn is_canonical(text: &str) -> bool {
    if matches!(text, "NaN" | "+Inf" | "-Inf") {
        return true;
    }
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    if digits.len() > 64 {
        return false;
    }
    let (int, frac) = match digits.iter().position(|&c| c == b'.') {
        Some(dot) => (&digits[..dot], Some(&digits[dot + 1..])),
        None => (digits, None),
    };
    let all_digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    if int.is_empty() || (int.len() > 1 && int[0] == b'0') || !all_digits(int) {
        return false;
    }
    let significant = match frac {
        None => int
            .iter()
            .rposition(|&c| c != b'0')
            .map_or(0, |last| last + 1),
        Some(frac) => {
            if frac.last().is_none_or(|&c| c == b'0') || !all_digits(frac) {
                return false;
            }
            let lead = if int == b"0" {
                frac.iter().take_while(|&&c| c == b'0').count()
            } else {
                0
            };
            let int_digits = if int == b"0" { 0 } else { int.len() };
            int_digits + frac.len() - lead
        }
    };
    significant <= 15
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_common_shapes() {
        let v = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","path":"/a\"b\u00e9"},"value":[1704068400.5,"0.5"]},
            {"value":[1,"NaN"],"metric":{}},{"metric":{}}]}}"#;
        let (got, text) = success_floats(v).expect("common shape");
        assert_eq!(got.len(), 3);
        assert_eq!((got[0], got[2]), (0.5, 0.0));
        assert!(got[1].is_nan());
        assert_eq!(text, "[0.5,NaN,0]");
        let m = r#" { "data" : { "resultType" : "matrix" , "result" : [ { "metric" : { } ,
            "values" : [ [ 1 , "1" ] , [ 2e3 , "-Inf" ] ] } , {"values":[]} ] } ,
            "status" : "success" } "#;
        assert_eq!(
            success_floats(m),
            Some((vec![1.0, f64::NEG_INFINITY], "[1,-Inf]".to_string()))
        );
    }

    #[test]
    fn leaves_everything_else_to_serde() {
        for body in [
            r#"{"status":"success","warnings":["w"],"data":{"resultType":"vector","result":[]}}"#,
            r#"{"status":"error","data":{"resultType":"vector","result":[]}}"#,
            r#"{"status":"success","data":{"result":[],"resultType":"vector"}}"#,
            r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[null]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1"],"value":[1,"2"]}]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1}}]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"value":[01,"1"]}]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"\x"}}]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[]}} x"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[]}"#,
            r#"{"status":"success"}"#,
        ] {
            assert_eq!(success_floats(body), None, "{body}");
        }
    }

    #[test]
    fn canonical_texts_are_what_go_prints() {
        for text in [
            "0",
            "-0",
            "1",
            "100",
            "0.5",
            "-12.25",
            "0.000001",
            "123456789012345",
            "NaN",
            "+Inf",
            "-Inf",
            "1000000000000000000000000",
            "0.1",
        ] {
            assert!(is_canonical(text), "{text}");
            let mut go = String::new();
            write_plain_float(&mut go, text.parse().expect("a float"));
            assert_eq!(go, text);
        }
        for text in [
            "",
            "-",
            "01",
            "1.",
            ".5",
            "1.50",
            "+1",
            "1e3",
            "0.30000000000000004",
            "1234567890123456",
            "inf",
            "nan",
            "1 ",
            &format!("1{}", "0".repeat(400)),
            &format!("0.{}1", "0".repeat(400)),
        ] {
            assert!(!is_canonical(text), "{text}");
        }
    }
}
