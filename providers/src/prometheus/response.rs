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
        QueryResult::Floats(fs) => {
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
}
