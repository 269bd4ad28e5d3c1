//! Decoding a Prometheus `/api/v1/query[_range]` answer the way client_golang does (envelope
//! checks, then `data`), into Argo's result mapping: scalar → float, vector/matrix → a typed
//! `[]float64`. Hand-rolled serde so label sets are skipped, not built: a 100-series vector is
//! decoded without allocating per label.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use analysis_core::gojson::write_plain_float;
use analysis_core::{ProviderError, ProviderOutput, Value};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::goerr::{JsonReader, go_quote, json_error};

/// Argo's mapping of a successful answer; `Err` texts are client_golang's and Argo's.
pub(crate) fn parse(status: u16, body: &str) -> Result<ProviderOutput, ProviderError> {
    let api_error = status == 400 || status == 422;
    if status / 100 != 2 && !api_error {
        let (kind, msg) = match status / 100 {
            4 => ("client_error", format!("client error: {status}")),
            5 => ("server_error", format!("server error: {status}")),
            _ => ("bad_response", format!("bad response code {status}")),
        };
        return Err(ProviderError::new(format!("{kind}: {msg}")));
    }
    let envelope: Envelope<'_> = if status == 204 {
        Envelope::default()
    } else {
        match serde_json::from_str(body) {
            Ok(e) => e,
            // Slow path: something inside `data` is off; decode loosely to report what Go would.
            Err(_) => loose(body)?,
        }
    };
    if envelope.status == "error" {
        return Err(ProviderError::new(format!(
            "{}: {}",
            envelope.error_type.as_deref().unwrap_or(""),
            envelope.error.as_deref().unwrap_or("")
        )));
    }
    if api_error && envelope.status == "success" {
        return Err(ProviderError::new(
            "bad_response: inconsistent body for response code",
        ));
    }
    let result = match envelope.data {
        DataField::Missing => return Err(ProviderError::new("unexpected end of JSON input")),
        DataField::Null => return Err(ProviderError::new(unexpected_type(None))),
        DataField::Loose(v) => {
            QueryData::deserialize(v).map_err(|e| ProviderError::new(strip_position(&e)))?
        }
        DataField::Typed(d) => d,
    }
    .into_result()?;
    let mut out = match result {
        QueryResult::Scalar(f) => ProviderOutput {
            result: Value::Float(f),
            value: format_sample(f),
            metadata: BTreeMap::new(),
        },
        QueryResult::Floats(pairs) => {
            let mut value = String::with_capacity(pairs.len() * 8 + 2);
            let mut fs = Vec::with_capacity(pairs.len());
            value.push('[');
            for (i, Pair(f, text)) in pairs.iter().enumerate() {
                if i > 0 {
                    value.push(',');
                }
                match text {
                    Some(text) => value.push_str(text.as_str()),
                    None => write_plain_float(&mut value, *f),
                }
                fs.push(*f);
            }
            value.push(']');
            ProviderOutput {
                result: Value::floats(fs),
                value,
                metadata: BTreeMap::new(),
            }
        }
    };
    if let Some(warnings) = envelope.warnings.filter(|w| !w.is_empty()) {
        let joined = warnings
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ");
        out.metadata.insert("warnings".into(), joined);
    }
    Ok(out)
}

/// The envelope with `data` kept as generic JSON, for answers the fast path refused.
fn loose(body: &str) -> Result<Envelope<'static>, ProviderError> {
    #[derive(Deserialize)]
    struct Loose {
        #[serde(default)]
        status: String,
        /// Outer `None`: absent; `Some(None)`: `null`.
        #[serde(default, deserialize_with = "present")]
        data: Option<Option<serde_json::Value>>,
        #[serde(default, rename = "errorType")]
        error_type: Option<String>,
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        warnings: Option<Vec<String>>,
    }
    fn present<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<serde_json::Value>>, D::Error> {
        Option::<serde_json::Value>::deserialize(d).map(Some)
    }
    let l: Loose = serde_json::from_str(body).map_err(|e| {
        ProviderError::new(format!(
            "bad_response: {}",
            json_error(body, JsonReader::Unmarshal, &e)
        ))
    })?;
    Ok(Envelope {
        status: Cow::Owned(l.status),
        data: match l.data {
            Some(Some(v)) => DataField::Loose(v),
            Some(None) => DataField::Null,
            None => DataField::Missing,
        },
        error_type: l.error_type,
        error: l.error,
        warnings: l.warnings,
    })
}

/// Go's `SampleValue.String()`: shortest digits, never an exponent; `NaN`, `+Inf`, `-Inf`.
pub(crate) fn format_sample(f: f64) -> String {
    let mut out = String::new();
    write_plain_float(&mut out, f);
    out
}

fn unexpected_type(t: Option<&str>) -> String {
    format!(
        "unexpected value type {}",
        go_quote(t.unwrap_or("<ValNone>"))
    )
}

/// serde_json appends ` at line L column C` to custom errors; Go's texts have no position.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => s,
    }
}

#[derive(Deserialize, Default)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    status: Cow<'a, str>,
    #[serde(default)]
    data: DataField,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Option<Vec<String>>,
}

/// `data` as Go sees it: absent (empty RawMessage), `null`, or a value.
#[derive(Default)]
enum DataField {
    #[default]
    Missing,
    Null,
    Typed(QueryData),
    Loose(serde_json::Value),
}

impl<'de> Deserialize<'de> for DataField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<QueryData>::deserialize(d)? {
            Some(q) => DataField::Typed(q),
            None => DataField::Null,
        })
    }
}

enum QueryResult {
    Scalar(f64),
    Floats(Vec<Pair>),
}

/// `data`: `resultType` decides how `result` is read, whatever order they come in.
struct QueryData {
    result_type: Option<String>,
    result: Option<Decoded>,
}

enum Decoded {
    Typed(QueryResult),
    Later(serde_json::Value),
}

impl QueryData {
    fn into_result(self) -> Result<QueryResult, ProviderError> {
        let t = self.result_type.as_deref();
        if !matches!(t, None | Some("scalar" | "vector" | "matrix" | "string")) {
            return Err(ProviderError::new(format!(
                "unknown value type {}",
                go_quote(t.unwrap_or(""))
            )));
        }
        match (t, self.result) {
            (Some("scalar" | "vector" | "matrix"), Some(Decoded::Typed(r))) => Ok(r),
            (Some(kind @ ("scalar" | "vector" | "matrix")), Some(Decoded::Later(v))) => {
                decode_result(kind, v).map_err(|e| ProviderError::new(strip_position(&e)))
            }
            // A missing `result` decodes to Go's zero value: an empty vector or matrix.
            (Some("vector" | "matrix"), None) => Ok(QueryResult::Floats(Vec::new())),
            (Some("scalar"), None) => Ok(QueryResult::Scalar(0.0)),
            (t, _) => Err(ProviderError::new(unexpected_type(t))),
        }
    }
}

fn decode_result(kind: &str, v: serde_json::Value) -> Result<QueryResult, serde_json::Error> {
    match kind {
        "scalar" => Ok(QueryResult::Scalar(Pair::deserialize(v)?.0)),
        "vector" => Ok(floats_of_vector(Vec::<Option<Sample>>::deserialize(v)?)),
        _ => Ok(floats_of_matrix(Vec::<Option<Series>>::deserialize(v)?)),
    }
}

fn floats_of_vector(samples: Vec<Option<Sample>>) -> QueryResult {
    QueryResult::Floats(
        samples
            .into_iter()
            .flatten()
            .map(|s| s.value.unwrap_or(Pair(0.0, None)))
            .collect(),
    )
}

fn floats_of_matrix(series: Vec<Option<Series>>) -> QueryResult {
    QueryResult::Floats(
        series
            .into_iter()
            .flatten()
            .flat_map(|s| s.values.unwrap_or_default())
            .collect(),
    )
}

impl<'de> Deserialize<'de> for QueryData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = QueryData;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a query result object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<QueryData, A::Error> {
                let mut data = QueryData {
                    result_type: None,
                    result: None,
                };
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match key.as_ref() {
                        "resultType" => data.result_type = map.next_value()?,
                        "result" => {
                            data.result = Some(match data.result_type.as_deref() {
                                Some("scalar") => {
                                    Decoded::Typed(QueryResult::Scalar(map.next_value::<Pair>()?.0))
                                }
                                Some("vector") => Decoded::Typed(floats_of_vector(
                                    map.next_value::<Vec<Option<Sample>>>()?,
                                )),
                                Some("matrix") => Decoded::Typed(floats_of_matrix(
                                    map.next_value::<Vec<Option<Series>>>()?,
                                )),
                                _ => Decoded::Later(map.next_value()?),
                            });
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(data)
            }
        }
        d.deserialize_map(V)
    }
}

/// One vector sample; its labels are skipped. A native-histogram sample has no `value` and
/// reads as 0, as in Argo.
#[derive(Deserialize)]
struct Sample {
    #[serde(default)]
    value: Option<Pair>,
}

/// One matrix series; only float samples count, as in Argo.
#[derive(Deserialize)]
struct Series {
    #[serde(default)]
    values: Option<Vec<Pair>>,
}

/// `[<unix time>, "<value>"]`: the value, and its text when that is already what
/// [`format_sample`] would print for it.
struct Pair(f64, Option<Text>);

impl<'de> Deserialize<'de> for Pair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (_, v): (IgnoredAny, SampleValue) = Deserialize::deserialize(d)?;
        Ok(Pair(v.0, v.1))
    }
}

/// A short sample text kept inline (no allocation per sample).
#[derive(Clone, Copy)]
struct Text {
    len: u8,
    bytes: [u8; 24],
}

impl Text {
    /// `s` if it is what [`format_sample`] prints for `f` (its parse) and short enough.
    /// Prometheus writes samples with Go's `FormatFloat(f, 'f', -1, 64)`, so most are: plain
    /// digits with no redundant zero and at most 15 significant digits, which a normal float
    /// keeps exactly (DBL_DIG), so no other decimal as short reads back as `f` and the
    /// shortest round-trip digits are `s`'s own.
    fn shortest(s: &str, f: f64) -> Option<Text> {
        if !f.is_normal() || s.len() > 24 {
            return None;
        }
        let unsigned = s.strip_prefix('-').unwrap_or(s);
        let (int, frac) = match unsigned.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (unsigned, None),
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || (int.len() > 1 && int.starts_with('0')) {
            return None;
        }
        if let Some(frac) = frac
            && (!digits(frac) || frac.ends_with('0'))
        {
            return None;
        }
        // Significant digits: from the first non-zero digit to the last.
        let (mut first, mut last) = (None, 0);
        for (i, b) in int.bytes().chain(frac.unwrap_or("").bytes()).enumerate() {
            if b != b'0' {
                first.get_or_insert(i);
                last = i;
            }
        }
        if last + 1 - first? > 15 {
            return None;
        }
        let mut text = Text {
            len: s.len() as u8,
            bytes: [0; 24],
        };
        text.bytes.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
        Some(text)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(self.bytes.get(..usize::from(self.len)).unwrap_or_default())
            .unwrap_or_default()
    }
}

/// A sample value: a quoted float, `"NaN"`, `"+Inf"`, `"-Inf"`.
struct SampleValue(f64, Option<Text>);

impl<'de> Deserialize<'de> for SampleValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SampleValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("sample value must be a quoted string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<SampleValue, E> {
                s.parse::<f64>()
                    .map(|f| SampleValue(f, Text::shortest(s, f)))
                    .map_err(|_| {
                        E::custom(format!(
                            "strconv.ParseFloat: parsing {}: invalid syntax",
                            go_quote(s)
                        ))
                    })
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> ProviderOutput {
        match parse(200, body) {
            Ok(o) => o,
            Err(e) => panic!("{body}: {e}"),
        }
    }

    fn err(status: u16, body: &str) -> String {
        match parse(status, body) {
            Ok(o) => panic!("{body}: unexpectedly {o:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn vectors_matrices_and_scalars_map_like_argo() {
        let v = ok(
            r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","job":"a"},"value":[1704068400,"0.5"]},
            {"metric":{},"value":[1704068400,"NaN"]},
            {"metric":{},"value":[1704068400,"+Inf"]}]}}"#,
        );
        assert_eq!(v.value, "[0.5,NaN,+Inf]");
        assert_eq!(v.result, Value::floats(vec![0.5, f64::NAN, f64::INFINITY]));
        let empty = ok(r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#);
        assert_eq!(empty.value, "[]");
        assert!(empty.result.is_nil_or_empty());
        let m = ok(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"a":"1"},"values":[[1,"1"],[2,"2"]]},{"metric":{},"values":[[1,"3"]]}]}}"#,
        );
        assert_eq!(m.value, "[1,2,3]");
        let s = ok(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"10"]}}"#);
        assert_eq!((s.result, s.value.as_str()), (Value::Float(10.0), "10"));
        let s = ok(r#"{"status":"success","data":{"result":[1,"1e-7"],"resultType":"scalar"}}"#);
        assert_eq!(s.value, "0.0000001");
    }

    /// Where the sample's own text is kept, it is what formatting its value would print.
    fn kept_text_is_the_formatted_value(s: &str) -> bool {
        let Ok(f) = s.parse::<f64>() else {
            return false;
        };
        match Text::shortest(s, f) {
            Some(text) => {
                assert_eq!(text.as_str(), format_sample(f), "{s}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn sample_texts_are_kept_only_when_canonical() {
        for s in [
            "0.95",
            "-2.5",
            "100",
            "1",
            "0.000001",
            "123456789012345",
            "0.1",
            "7.25",
        ] {
            assert!(kept_text_is_the_formatted_value(s), "{s} should be kept");
        }
        for s in [
            "0",
            "-0",
            "0.950",
            "00.5",
            ".5",
            "5.",
            "1e5",
            "+1",
            "1234567890123456",
            "NaN",
            "+Inf",
            "0.30000000000000004",
            "1E3",
            "1_0",
            "5e-324",
        ] {
            assert!(
                !kept_text_is_the_formatted_value(s),
                "{s} should not be kept"
            );
        }
    }

    #[test]
    fn kept_sample_texts_match_formatting() {
        // A fixed pseudo-random walk over plain decimals of every length and scale.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut kept = 0;
        for _ in 0..200_000 {
            let digits: String = (0..1 + next(19))
                .map(|_| char::from(b'0' + next(10) as u8))
                .collect();
            let split = next(digits.len() as u64 + 1) as usize;
            let (int, frac) = digits.split_at(split);
            let int = int.trim_start_matches('0');
            let int = if int.is_empty() { "0" } else { int };
            let frac = frac.trim_end_matches('0');
            let sign = if next(2) == 0 { "-" } else { "" };
            let s = if frac.is_empty() {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            };
            kept += usize::from(kept_text_is_the_formatted_value(&s));
        }
        assert!(kept > 50_000, "only {kept} kept");
        for places in 0..10 {
            for i in 0..2_000 {
                let v = (f64::from(i) * 0.731 - 600.0) * 10f64.powi(places % 4);
                let v = (v * 10f64.powi(places)).round() / 10f64.powi(places);
                let s = format_sample(v);
                assert!(kept_text_is_the_formatted_value(&s) || v == 0.0 || s.len() > 16);
            }
        }
    }

    #[test]
    fn vector_values_are_the_same_with_and_without_kept_texts() {
        let samples = [
            "0.95",
            "0.9501000000000001",
            "1e-7",
            "12",
            "0.000100",
            "NaN",
            "-0",
        ];
        let body = format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            samples
                .iter()
                .map(|s| format!(r#"{{"metric":{{}},"value":[1,"{s}"]}}"#))
                .collect::<Vec<_>>()
                .join(",")
        );
        let out = ok(&body);
        let expected: Vec<String> = samples
            .iter()
            .map(|s| format_sample(s.parse::<f64>().unwrap_or(f64::NAN)))
            .collect();
        assert_eq!(out.value, format!("[{}]", expected.join(",")));
        assert_eq!(
            out.value,
            "[0.95,0.9501000000000001,0.0000001,12,0.0001,NaN,-0]"
        );
    }

    #[test]
    fn warnings_go_into_metadata() {
        let v = ok(
            r#"{"status":"success","warnings":["w1","w2"],"data":{"resultType":"vector","result":[]}}"#,
        );
        assert_eq!(
            v.metadata.get("warnings").map(String::as_str),
            Some(r#""w1", "w2""#)
        );
    }

    #[test]
    fn envelope_errors_match_client_golang() {
        assert_eq!(err(500, "oops"), "server_error: server error: 500");
        assert_eq!(err(404, ""), "client_error: client error: 404");
        assert_eq!(err(302, ""), "bad_response: bad response code 302");
        assert_eq!(
            err(
                400,
                r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#
            ),
            "bad_data: parse error"
        );
        assert_eq!(
            err(200, "<html></html>"),
            "bad_response: invalid character '<' looking for beginning of value"
        );
        assert_eq!(
            err(
                422,
                r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#
            ),
            "bad_response: inconsistent body for response code"
        );
        assert_eq!(
            err(
                200,
                r#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#
            ),
            r#"unexpected value type "string""#
        );
        assert_eq!(
            err(
                200,
                r#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}}"#
            ),
            r#"strconv.ParseFloat: parsing "x": invalid syntax"#
        );
        assert_eq!(
            err(200, r#"{"status":"success"}"#),
            "unexpected end of JSON input"
        );
    }
}
