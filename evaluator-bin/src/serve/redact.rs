//! Nothing the service returns or logs shows a secret: every value a run's
//! `valueFrom.secretKeyRef` args resolve to, and inline credentials (the fields providers'
//! specs name, e.g. `password`, `clientSecret`), are replaced with `*****`.

use analysis_core::AnalysisRun;
use analysis_core::secrets::{SecretSource, mask};

pub const MASK: &str = "*****";

/// Whether a field name holds a credential wherever it appears: some provider's spec says so.
fn is_secret_field(name: &str) -> bool {
    providers::specs()
        .iter()
        .any(|spec| spec.credential_fields().contains(&name))
}

/// The secret values a run's arguments resolve to (those that resolve).
pub fn secret_values(run: &AnalysisRun, secrets: &dyn SecretSource) -> Vec<String> {
    run.spec
        .args
        .iter()
        .filter_map(|a| a.value_from.as_ref()?.secret_key_ref.as_ref())
        .filter_map(|r| secrets.get(&r.name, &r.key).ok())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Masks secrets in a JSON value in place.
pub fn mask_value(value: &mut serde_json::Value, secrets: &[String]) {
    match value {
        serde_json::Value::String(s) => {
            // Every form of a secret (trimmed, URL-encoded, JSON-escaped, host part).
            let masked = mask(s, secrets);
            if masked != *s {
                *s = masked;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mask_value(v, secrets)),
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_field(k) && v.as_str().is_some_and(|s| !s.is_empty()) {
                    *v = serde_json::Value::String(MASK.into());
                } else {
                    mask_value(v, secrets);
                }
            }
        }
        _ => {}
    }
}

/// A run as JSON with its secrets masked.
pub fn masked_json<T: serde::Serialize>(value: &T, secrets: &[String]) -> serde_json::Value {
    let mut v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    mask_value(&mut v, secrets);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secret_values_and_credential_fields() {
        let mut v = json!({
            "status": {"message": "GET https://x/?token=s3cr3t failed"},
            "spec": {"metrics": [{"provider": {"web": {"authentication": {"basicAuth":
                {"username": "u", "password": "p"}}}}}]}
        });
        mask_value(&mut v, &["s3cr3t".to_string()]);
        assert_eq!(v["status"]["message"], "GET https://x/?token=***** failed");
        let auth = &v["spec"]["metrics"][0]["provider"]["web"]["authentication"]["basicAuth"];
        assert_eq!(auth["password"], MASK);
        assert_eq!(auth["username"], "u");
    }
}
