//! Error texts shaped like the Go libraries Argo uses (`net/http`, `encoding/json`), because a
//! provider error becomes the measurement message verbatim and users grep for those texts.

// Some texts are only for transport errors, which need the `live` feature.
#![cfg_attr(not(feature = "live"), allow(dead_code))]

use url::Url;

/// Go's `url.Error` op for a method: `Get`, `Post`, `Put`.
pub(crate) fn url_error_op(method: &str) -> String {
    let mut chars = method.chars();
    match chars.next() {
        Some(first) => {
            let mut op: String = first.to_uppercase().collect();
            op.push_str(&chars.as_str().to_lowercase());
            op
        }
        None => String::new(),
    }
}

/// Go's `url.Error` text: `Get "http://host/path": <err>`, the password redacted as Go does.
pub(crate) fn url_error(method: &str, url: &str, err: &str) -> String {
    format!("{} {}: {err}", url_error_op(method), go_quote(&redact(url)))
}

/// Replaces a URL's password with `***` (Go's `URL.Redacted`).
pub(crate) fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            if u.set_password(Some("***")).is_ok() {
                u.to_string().replace("%2A%2A%2A", "***")
            } else {
                url.to_string()
            }
        }
        _ => url.to_string(),
    }
}

pub(crate) use analysis_core::gostr::go_quote;

/// How the Go side read the JSON: `json.Unmarshal` (whole body) or `json.Decoder.Decode`
/// (first value only); they word an empty or truncated input differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonReader {
    Unmarshal,
    Decoder,
}

/// The message Go's `encoding/json` gives for an undecodable body, for the common cases
/// (empty, truncated, not JSON at all); other cases fall back to serde_json's wording.
pub(crate) fn json_error(body: &str, reader: JsonReader, err: &serde_json::Error) -> String {
    let first = body
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .chars()
        .next();
    match first {
        None => match reader {
            JsonReader::Unmarshal => "unexpected end of JSON input".to_string(),
            JsonReader::Decoder => "EOF".to_string(),
        },
        Some(c) if !matches!(c, '{' | '[' | '"' | '-' | '0'..='9' | 't' | 'f' | 'n') => {
            format!(
                "invalid character {} looking for beginning of value",
                go_char(c)
            )
        }
        Some(_) if err.is_eof() => match reader {
            JsonReader::Unmarshal => "unexpected end of JSON input".to_string(),
            JsonReader::Decoder => "unexpected EOF".to_string(),
        },
        Some(_) => err.to_string(),
    }
}

/// Go's `quoteChar`: `'<'`, with `'\''` and `'"'` escaped.
fn go_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c if (c as u32) < 0x20 => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(body: &str) -> serde_json::Error {
        match serde_json::from_str::<serde_json::Value>(body) {
            Err(e) => e,
            Ok(v) => panic!("{body} parsed as {v}"),
        }
    }

    #[test]
    fn ops_are_capitalised_like_go() {
        assert_eq!(url_error_op("GET"), "Get");
        assert_eq!(url_error_op("POST"), "Post");
        assert_eq!(
            url_error("GET", "http://u:secret@h/x", "boom"),
            r#"Get "http://u:***@h/x": boom"#
        );
    }

    #[test]
    fn json_errors_read_like_go() {
        let html = "<html>oops</html>";
        assert_eq!(
            json_error(html, JsonReader::Unmarshal, &err_of(html)),
            "invalid character '<' looking for beginning of value"
        );
        assert_eq!(
            json_error("", JsonReader::Unmarshal, &err_of("")),
            "unexpected end of JSON input"
        );
        assert_eq!(json_error(" ", JsonReader::Decoder, &err_of(" ")), "EOF");
        assert_eq!(
            json_error("{\"a\":", JsonReader::Decoder, &err_of("{\"a\":")),
            "unexpected EOF"
        );
    }
}
