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

use super::fast;
use crate::goerr::{JsonReader, go_quote, json_error};

/// Argo's mapping of a successful answer; `Err` texts are client_golang's and Argo's.
pub(crate) fn parse(status: u16, body: &str) -> Result<ProviderOutput, ProviderError> {
    if status == 200
        && let Some((floats, value)) = fast::success_floats(body)
    {
        return Ok(ProviderOutput {
            result: Value::floats(floats),
            value,
            metadata: BTreeMap::new(),
        });
    }
    decode(status, body)
}

/// The general decoder: every shape and every error client_golang knows.
fn decode(status: u16, body: &str) -> Result<ProviderOutput, ProviderError> {
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
        QueryResult::Floats(fs) => floats_output(fs),
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

/// A vector or matrix result: `[]float64`, its value printed as Argo prints the slice.
fn floats_output(fs: Vec<f64>) -> ProviderOutput {
    let mut value = String::with_capacity(fs.len() * 8 + 2);
    value.push('[');
    for (i, f) in fs.iter().enumerate() {
        if i > 0 {
            value.push(',');
        }
        write_plain_float(&mut value, *f);
    }
    value.push(']');
    ProviderOutput {
        result: Value::floats(fs),
        value,
        metadata: BTreeMap::new(),
    }
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
    Floats(Vec<f64>),
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
        "vector" => Ok(QueryResult::Floats(Floats::<Sample>::deserialize(v)?.0)),
        _ => Ok(QueryResult::Floats(Floats::<Series>::deserialize(v)?.0)),
    }
}

/// What one element of a `result` array adds to the float vector.
trait Element {
    fn extend(self, out: &mut Vec<f64>);
}

impl Element for Sample {
    fn extend(self, out: &mut Vec<f64>) {
        out.push(self.value.map_or(0.0, |p| p.0));
    }
}

impl Element for Series {
    fn extend(self, out: &mut Vec<f64>) {
        out.extend(self.values.unwrap_or_default().into_iter().map(|p| p.0));
    }
}

/// A `result` array of `T` (`null` elements skipped) read straight into floats, without a
/// vector of samples in between; it reads and fails exactly as `Vec<Option<T>>` does.
struct Floats<T>(Vec<f64>, std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de> + Element> Deserialize<'de> for Floats<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Element> Visitor<'de> for V<T> {
            type Value = Floats<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                // serde's own text for a `Vec`.
                f.write_str("a sequence")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Floats<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(element) = seq.next_element::<Option<T>>()? {
                    if let Some(element) = element {
                        element.extend(&mut out);
                    }
                }
                Ok(Floats(out, std::marker::PhantomData))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
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
                                Some("vector") => Decoded::Typed(QueryResult::Floats(
                                    map.next_value::<Floats<Sample>>()?.0,
                                )),
                                Some("matrix") => Decoded::Typed(QueryResult::Floats(
                                    map.next_value::<Floats<Series>>()?.0,
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

/// `[<unix time>, "<value>"]`.
struct Pair(f64);

impl<'de> Deserialize<'de> for Pair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (_, v): (IgnoredAny, SampleValue) = Deserialize::deserialize(d)?;
        Ok(Pair(v.0))
    }
}

/// A sample value: a quoted float, `"NaN"`, `"+Inf"`, `"-Inf"`.
struct SampleValue(f64);

impl<'de> Deserialize<'de> for SampleValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SampleValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("sample value must be a quoted string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<SampleValue, E> {
                s.parse::<f64>().map(SampleValue).map_err(|_| {
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

    #[test]
    fn result_arrays_fail_like_vectors_of_samples() {
        for (kind, result) in [
            ("vector", "null"),
            ("vector", "{}"),
            ("vector", "[1]"),
            ("vector", "[null,{\"value\":[1,\"2\"]}]"),
            ("matrix", "\"x\""),
            (
                "matrix",
                "[{\"values\":null},null,{\"values\":[[1,\"1\"]]}]",
            ),
        ] {
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"{kind}","result":{result}}}}}"#
            );
            let reordered = format!(
                r#"{{"status":"success","data":{{"result":{result},"resultType":"{kind}"}}}}"#
            );
            let reference = serde_json::from_str::<serde_json::Value>(result)
                .map_err(|e| e.to_string())
                .and_then(|v| {
                    let floats: Result<Vec<f64>, _> = if kind == "vector" {
                        Vec::<Option<Sample>>::deserialize(v).map(|s| {
                            s.into_iter()
                                .flatten()
                                .map(|s| s.value.map_or(0.0, |p| p.0))
                                .collect()
                        })
                    } else {
                        Vec::<Option<Series>>::deserialize(v).map(|s| {
                            s.into_iter()
                                .flatten()
                                .flat_map(|s| s.values.unwrap_or_default())
                                .map(|p| p.0)
                                .collect()
                        })
                    };
                    floats.map_err(|e| strip_position(&e))
                });
            for b in [&body, &reordered] {
                let ours = parse(200, b).map(|o| o.result).map_err(|e| e.message);
                assert_eq!(ours, reference.clone().map(Value::floats), "{b}");
            }
        }
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

    mod fast_path_agrees {
        //! The fast reader may only answer what the general decoder answers: generated bodies
        //! in and around the common shape (random whitespace, key orders, escapes, odd
        //! numbers and sample texts), then mutated byte by byte.
        use super::*;
        use proptest::prelude::*;

        fn ws() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec!["", "", "", " ", "\n  ", "\t", "\r\n"])
        }

        /// Mostly what the fast reader accepts, sometimes what it must refuse.
        fn either(
            good: Vec<&'static str>,
            bad: Vec<&'static str>,
        ) -> impl Strategy<Value = String> {
            prop_oneof![
                6 => prop::sample::select(good),
                1 => prop::sample::select(bad),
            ]
            .prop_map(str::to_string)
        }

        fn label_text() -> impl Strategy<Value = String> {
            either(
                vec![
                    "\"job\"",
                    "\"__name__\"",
                    "\"10.0.0.1:8080\"",
                    "\"\"",
                    "\"a\\\"b\"",
                    "\"\\u00e9t\\u00E9\"",
                    "\"caf\u{e9} \u{1f600}\"",
                    "\"\\/\\b\\f\\n\\r\\t\\\\\"",
                ],
                vec!["\"\\x\"", "\"\\u12\"", "\"tab\there\"", "1", "null"],
            )
        }

        fn labels() -> impl Strategy<Value = String> {
            prop::collection::vec((label_text(), label_text(), ws()), 0..4).prop_map(|kv| {
                let members: Vec<String> = kv
                    .iter()
                    .map(|(k, v, w)| format!("{w}{k}{w}:{w}{v}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            })
        }

        fn pair() -> impl Strategy<Value = String> {
            let time = either(
                vec!["1704068400.123", "1", "0", "-0", "1e3", "1.5E-2", "-2.5e+1"],
                vec!["01", "1.", "-", "\"1\"", "null", "[1]"],
            );
            let value = either(
                vec![
                    "\"1\"",
                    "\"0.95\"",
                    "\"NaN\"",
                    "\"+Inf\"",
                    "\"-Inf\"",
                    "\"1e-7\"",
                    "\"-0\"",
                    "\"inf\"",
                    "\"0.1234567890123456789\"",
                    "\"100\"",
                    "\"1.50\"",
                    "\"+1\"",
                    "\".5\"",
                    "\"0.000001\"",
                    "\"1e400\"",
                ],
                vec!["\"x\"", "\" 1\"", "\"\\u0031\"", "1", "null"],
            );
            (time, value, ws()).prop_map(|(t, v, w)| format!("[{w}{t},{w}{v}{w}]"))
        }

        fn series(matrix: bool) -> impl Strategy<Value = String> {
            let values = prop::collection::vec(pair(), 0..3).prop_map(|p| p.join(","));
            let key = if matrix { "values" } else { "value" };
            (
                labels(),
                pair(),
                values,
                prop::sample::select(vec![0u8, 0, 0, 1, 1, 2, 2, 3, 4, 5]),
                ws(),
            )
                .prop_map(move |(labels, pair, values, shape, w)| {
                    let value = if matrix { format!("[{values}]") } else { pair };
                    let metric = format!("\"metric\":{w}{labels}");
                    let sample = format!("\"{key}\":{w}{value}");
                    match shape {
                        0 | 1 => format!("{{{metric},{w}{sample}}}"),
                        2 => format!("{{{sample},{metric}}}"),
                        3 => format!("{{{metric}}}"),
                        4 => format!("{{{sample},{sample}}}"),
                        _ => "null".to_string(),
                    }
                })
        }

        fn body() -> impl Strategy<Value = String> {
            (any::<bool>(), ws())
                .prop_flat_map(|(matrix, w)| {
                    (
                        Just(matrix),
                        prop::collection::vec(series(matrix), 0..4),
                        prop::sample::select(vec![0u8, 0, 0, 0, 1, 1, 1, 2, 3]),
                        Just(w),
                    )
                })
                .prop_map(|(matrix, series, envelope, w)| {
                    let kind = if matrix { "matrix" } else { "vector" };
                    let data = format!(
                        "{{{w}\"resultType\"{w}:{w}\"{kind}\",{w}\"result\":[{w}{}{w}]}}",
                        series.join(&format!(",{w}"))
                    );
                    match envelope {
                        0 => format!("{w}{{\"status\":\"success\",{w}\"data\":{data}}}{w}"),
                        1 => format!("{{\"data\":{data},\"status\":\"success\"}}"),
                        2 => format!("{{\"status\":\"success\",\"warnings\":[],\"data\":{data}}}"),
                        _ => format!(
                            "{{\"status\":\"success\",\"status\":\"success\",\"data\":{data}}}"
                        ),
                    }
                })
        }

        /// `body` with one char removed, replaced or inserted at `at` (per mille of its length;
        /// 1000 appends).
        fn mutate(body: &str, op: u8, at: u16, c: char) -> String {
            let chars: Vec<char> = body.chars().collect();
            let at = chars.len() * usize::from(at) / 1000;
            let last = at.min(chars.len().saturating_sub(1));
            let mut out: Vec<char> = chars.clone();
            match op {
                0 => {}
                1 if !out.is_empty() => {
                    out.remove(last);
                }
                2 if !out.is_empty() => out[last] = c,
                _ => out.insert(at, c),
            }
            out.into_iter().collect()
        }

        fn same(fast: &[f64], general: &Value) -> bool {
            matches!(general, Value::Floats(g) if g.len() == fast.len()
                && g.iter().zip(fast).all(|(a, b)| a.to_bits() == b.to_bits()))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]
            #[test]
            fn fast_reader_never_disagrees(
                body in body(),
                op in prop::sample::select(vec![0u8, 0, 0, 1, 2, 3]),
                at in prop_oneof![0u16..=1000, Just(1000)],
                c in prop::sample::select(vec!['"', '\\', ',', ':', '{', '}', '[', ']', ' ', '1', 'e', '-', '.', '\u{1}', 'x']),
            ) {
                let body = mutate(&body, op, at, c);
                if let Some((floats, value)) = fast::success_floats(&body) {
                    let general = decode(200, &body);
                    prop_assert!(
                        matches!(&general, Ok(o) if same(&floats, &o.result)),
                        "fast {:?} but general {:?} for {}", floats, general, body
                    );
                    prop_assert_eq!(value, general.expect("checked").value);
                }
            }
        }

        #[test]
        fn real_prometheus_answers_take_the_fast_path() {
            // As Prometheus 2.x prints an instant vector and a range matrix.
            let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"localhost:9090","job":"prometheus"},"value":[1704068400.123,"1"]}]}}"#;
            let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[1704068400,"0.5"],[1704068460,"NaN"]]}]}}"#;
            assert_eq!(
                fast::success_floats(vector),
                Some((vec![1.0], "[1]".to_string()))
            );
            assert_eq!(
                fast::success_floats(matrix).map(|(_, text)| text),
                Some("[0.5,NaN]".to_string())
            );
        }
    }
}
