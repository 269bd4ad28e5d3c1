//! Where two JSON documents first differ, as a field path (`spec.args[0].value`): what a 409
//! names when a retried create brings a different spec. Only the path is told, never the
//! values, which may be secrets.

use serde_json::Value;

/// The path of the first place `a` and `b` differ (keys in sorted order), under `path`;
/// `None` when they are equal.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let sub = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => first_difference(u, v, &sub),
                    _ => Some(sub),
                }
            })
        }
        (Value::Array(x), Value::Array(y)) => {
            let common = x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (u, v))| first_difference(u, v, &format!("{path}[{i}]")));
            match common {
                Some(d) => Some(d),
                None if x.len() != y.len() => Some(format!("{path}[{}]", x.len().min(y.len()))),
                None => None,
            }
        }
        _ if a == b => None,
        _ => Some(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;
    use serde_json::json;

    #[test]
    fn names_the_first_differing_field() {
        let a = json!({"args": [{"name": "x", "value": "1"}], "metrics": [{"name": "m"}]});
        assert_eq!(first_difference(&a, &a.clone(), "spec"), None);
        let b = json!({"args": [{"name": "x", "value": "2"}], "metrics": [{"name": "m"}]});
        assert_eq!(
            first_difference(&a, &b, "spec").as_deref(),
            Some("spec.args[0].value")
        );
        let c = json!({"args": [{"name": "x", "value": "1"}, {"name": "y"}], "metrics": [{"name": "m"}]});
        assert_eq!(
            first_difference(&a, &c, "spec").as_deref(),
            Some("spec.args[1]")
        );
        let d = json!({"metrics": [{"name": "m"}]});
        assert_eq!(
            first_difference(&a, &d, "spec").as_deref(),
            Some("spec.args")
        );
        assert_eq!(
            first_difference(&json!(1), &json!("1"), "spec.count").as_deref(),
            Some("spec.count")
        );
    }
}
