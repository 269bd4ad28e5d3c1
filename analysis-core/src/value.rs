//! The typed result model shared by providers, the condition language and the engine.
//!
//! Argo's conditions are type-checked against the *runtime Go type* of the provider's result
//! (semantics §5.2): a Prometheus vector is a typed `[]float64`, a web/SkyWalking JSON object is
//! an untyped `map[string]interface{}`. [`Value`] keeps that distinction (`Floats` vs `List`) so
//! the checker can reproduce it, and clones cheaply (`Arc`) so evaluation never deep-copies.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// A JSON object's members, sorted by key (Go's `encoding/json` sorts map keys on output).
pub type Map = BTreeMap<String, Value>;

/// A value a provider produced or an expression computed.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// Go `nil`: no data, JSON `null`.
    #[default]
    Nil,
    /// Go `bool`.
    Bool(bool),
    /// An integer (expression literals, `len`, `asInt`); JSON numbers are always `Float`.
    Int(i64),
    /// Go `float64`; every JSON number decodes to this.
    Float(f64),
    /// Go `string`.
    String(Arc<str>),
    /// A typed float vector: Prometheus vectors and matrices (`[]float64` in Argo).
    Floats(Arc<[f64]>),
    /// An untyped list (`[]interface{}`): JSON arrays, expression arrays.
    List(Arc<[Value]>),
    /// An untyped object (`map[string]interface{}`).
    Map(Arc<Map>),
    /// A point in time (`now()`, `date()`), for range-query bounds.
    Time(DateTime<Utc>),
    /// A span of time in nanoseconds (`duration()`), as Go's `time.Duration`.
    Duration(i64),
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A typed `[]float64`, as Argo's Prometheus provider produces.
    pub fn floats(v: impl Into<Arc<[f64]>>) -> Value {
        Value::Floats(v.into())
    }

    /// An untyped `[]interface{}`.
    pub fn list(v: impl Into<Arc<[Value]>>) -> Value {
        Value::List(v.into())
    }

    /// An untyped `map[string]interface{}`.
    pub fn map(m: Map) -> Value {
        Value::Map(Arc::new(m))
    }

    /// Converts decoded JSON into a value the way Go's `encoding/json` decodes into `interface{}`:
    /// every number becomes a float64, arrays and objects are untyped.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.as_str().into()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(Arc::new(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            )),
        }
    }

    /// Like [`Value::from_json`] but owning, avoiding string copies for large responses.
    pub fn from_json_owned(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.into()),
            serde_json::Value::Array(a) => {
                Value::List(a.into_iter().map(Value::from_json_owned).collect())
            }
            serde_json::Value::Object(o) => Value::Map(Arc::new(
                o.into_iter()
                    .map(|(k, v)| (k, Value::from_json_owned(v)))
                    .collect(),
            )),
        }
    }

    /// Argo's "metric result is nil or empty" test (`isNilOrEmpty`): nil, or an empty slice.
    /// An empty string or an empty map is *not* empty (semantics §3.2).
    pub fn is_nil_or_empty(&self) -> bool {
        match self {
            Value::Nil => true,
            Value::Floats(v) => v.is_empty(),
            Value::List(v) => v.is_empty(),
            _ => false,
        }
    }

    /// The Go type name Argo's messages use (`expected bool, but got float64`).
    pub fn go_type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::Floats(_) => "[]float64",
            Value::List(_) => "[]interface {}",
            Value::Map(_) => "map[string]interface {}",
            Value::Time(_) => "time.Time",
            Value::Duration(_) => "time.Duration",
        }
    }

    /// Encodes the value as Go's `encoding/json` would (compact, sorted keys, `<>&` escaped,
    /// Go's float formatting). Non-finite floats, which Go refuses to encode, are written as
    /// `NaN`, `+Inf`, `-Inf` so that nothing is lost.
    pub fn to_go_json(&self) -> String {
        let mut out = String::new();
        self.write_go_json(&mut out);
        out
    }

    /// [`Value::to_go_json`] appended to `out` (which the caller may have sized).
    pub fn write_go_json(&self, out: &mut String) {
        crate::gojson::write_value(out, self);
    }
}

impl PartialEq for Value {
    /// Structural equality used by tests and recordings; the condition language has its own
    /// (Go expr) equality rules.
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Floats(a), Value::Floats(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
            }
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            (Value::Time(a), Value::Time(b)) => a == b,
            (Value::Duration(a), Value::Duration(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => f.write_str(s),
            other => f.write_str(&other.to_go_json()),
        }
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::String(v.into())
    }
}

impl From<Vec<f64>> for Value {
    fn from(v: Vec<f64>) -> Value {
        Value::Floats(v.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_become_floats_and_objects_untyped() {
        let v = Value::from_json(&serde_json::json!({"a": 1, "b": [true, "x", null]}));
        let Value::Map(m) = &v else {
            panic!("expected a map, got {v:?}")
        };
        assert!(matches!(m.get("a"), Some(Value::Float(f)) if *f == 1.0));
        assert!(matches!(m.get("b"), Some(Value::List(l)) if l.len() == 3));
        assert_eq!(v.go_type_name(), "map[string]interface {}");
    }

    #[test]
    fn emptiness_follows_argo() {
        assert!(Value::Nil.is_nil_or_empty());
        assert!(Value::floats(Vec::<f64>::new()).is_nil_or_empty());
        assert!(Value::list(Vec::<Value>::new()).is_nil_or_empty());
        assert!(!Value::string("").is_nil_or_empty());
        assert!(!Value::Float(0.0).is_nil_or_empty());
        assert!(!Value::map(Map::new()).is_nil_or_empty());
    }
}
