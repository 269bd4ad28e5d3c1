//! Decodes JSON straight into [`Value`] the way Go's `encoding/json` fills an `interface{}`
//! (numbers → float64, untyped lists and maps), skipping the `serde_json::Value` detour that
//! doubled the cost of a SkyWalking answer.

use std::fmt;
use std::sync::Arc;

use analysis_core::Value;
use analysis_core::value::Map;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON document decoded as Go would decode it into `interface{}`.
pub(crate) struct GoJson(pub Value);

impl<'de> Deserialize<'de> for GoJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<GoJson, D::Error> {
        d.deserialize_any(GoJsonVisitor).map(GoJson)
    }
}

struct GoJsonVisitor;

impl<'de> Visitor<'de> for GoJsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Float(n as f64))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Float(n as f64))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Float(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::string(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(GoJson(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::list(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        // Duplicate keys: the last one wins, as in Go.
        while let Some((k, GoJson(v))) = map.next_entry::<String, GoJson>()? {
            members.insert(k, v);
        }
        Ok(Value::Map(Arc::new(members)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_value_from_json() {
        let text = r#"{"b":[1,2.5,"x",null,true],"a":{"n":-3},"a":{"n":4}}"#;
        let direct: GoJson = serde_json::from_str(text).expect("valid JSON");
        let via_serde =
            Value::from_json(&serde_json::from_str::<serde_json::Value>(text).expect("valid"));
        assert_eq!(direct.0, via_serde);
        assert_eq!(
            direct.0.to_go_json(),
            r#"{"a":{"n":4},"b":[1,2.5,"x",null,true]}"#
        );
    }
}
