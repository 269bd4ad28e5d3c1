//! The `web` provider (semantics §6.1): one HTTP request, the body read as JSON and narrowed by a
//! Kubernetes JSONPath, or taken verbatim as a string when it is not JSON.

// Without the `live` feature only parsing is built.
#![cfg_attr(not(feature = "live"), allow(dead_code))]

#[cfg(feature = "live")]
use std::sync::Arc;
#[cfg(feature = "live")]
use std::time::Duration;

use analysis_core::lint::Severity;
use analysis_core::model::WebMetric;
use analysis_core::provider::spec::{Endpoint, ProviderSpec, ResultShape, SpecFinding};
use analysis_core::{
    BoxFuture, Fetched, MeasureContext, Metric, Provider, ProviderError, ProviderOutput,
    RawResponse, Value,
};

#[cfg(feature = "live")]
use crate::goerr::url_error;
#[cfg(feature = "live")]
use crate::http::{Exchange, Http, HttpError, TimeoutStyle, deadline_after};
use crate::jsonpath::K8sJsonPath;
use crate::oauth2::ClientCredentials;

/// The provider key in the manifest.
pub const KIND: &str = "web";

/// Argo's default when `timeoutSeconds` is unset or not positive.
#[cfg(feature = "live")]
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Answers larger than this are parsed off the async workers; smaller ones parse in less
/// time than the hand-off takes.
#[cfg(feature = "live")]
const OFF_WORKER_BODY: usize = 64 * 1024;

/// What Augur knows about `web` metrics without calling one.
pub struct WebSpec;

impl ProviderSpec for WebSpec {
    fn kind(&self) -> &'static str {
        KIND
    }

    /// A web result is whatever JSON the endpoint answers, unknown until it answers.
    fn result(&self) -> ResultShape {
        ResultShape::unknown()
    }

    fn endpoints<'m>(&self, metric: &'m Metric) -> Vec<Endpoint<'m>> {
        let Some(web) = &metric.provider.web else {
            return Vec::new();
        };
        let mut out = vec![Endpoint {
            field: "provider.web.url",
            url: web.url.as_str(),
        }];
        let token = web.authentication.as_ref().and_then(|a| a.oauth2.as_ref());
        if let Some(url) = token.and_then(|o| o.token_url.as_deref()) {
            out.push(Endpoint {
                field: "provider.web.authentication.oauth2.tokenUrl",
                url,
            });
        }
        out
    }

    fn credential_fields(&self) -> &'static [&'static str] {
        &["password", "clientSecret"]
    }

    /// Argo refuses a body on anything but POST and PUT, and a jsonPath it cannot parse, at
    /// every measurement; both are found here instead, the jsonPath at its line.
    fn lint(&self, metric: &Metric) -> Vec<SpecFinding> {
        let Some(web) = &metric.provider.web else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let method = web.method.as_deref().unwrap_or("GET");
        if (web.body.is_some() || web.json_body.is_some()) && !matches!(method, "POST" | "PUT") {
            out.push(SpecFinding {
                field: "provider.web",
                severity: Severity::Error,
                message: "Body/JSONBody can only be used with POST or PUT WebMetric Method types"
                    .to_string(),
            });
        }
        if let Some(path) = &web.json_path
            && let Err(e) = K8sJsonPath::parse(path)
        {
            out.push(SpecFinding {
                field: "provider.web.jsonPath",
                severity: Severity::Error,
                message: e,
            });
        }
        out
    }
}

/// Measures `web` metrics.
pub struct WebProvider {
    #[cfg(feature = "live")]
    http: Arc<Http>,
}

/// What Argo's constructor checks before any request: OAuth2 fields, then the JSONPath.
struct Setup<'a> {
    web: &'a WebMetric,
    oauth2: Option<ClientCredentials>,
    json_path: K8sJsonPath,
}

impl<'a> Setup<'a> {
    fn new(metric: &'a Metric) -> Result<Setup<'a>, ProviderError> {
        let web = metric
            .provider
            .web
            .as_ref()
            .ok_or_else(|| ProviderError::new("metric has no web provider"))?;
        let oauth2 = ClientCredentials::from_config(
            web.authentication.as_ref().and_then(|a| a.oauth2.as_ref()),
        )?;
        let json_path = K8sJsonPath::parse(web.json_path.as_deref().unwrap_or(""))
            .map_err(ProviderError::new)?;
        Ok(Setup {
            web,
            oauth2,
            json_path,
        })
    }
}

impl WebProvider {
    #[cfg(feature = "live")]
    pub(crate) fn new(http: Arc<Http>) -> WebProvider {
        WebProvider { http }
    }

    /// A provider that parses recorded answers and cannot fetch.
    #[cfg(not(feature = "live"))]
    pub(crate) fn new() -> WebProvider {
        WebProvider {}
    }

    #[cfg(feature = "live")]
    async fn measure(&self, metric: &Metric) -> Fetched {
        let setup = match Setup::new(metric) {
            Ok(s) => s,
            Err(e) => return Fetched::failed(e),
        };
        let web = setup.web;
        let method = web
            .method
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or("GET");
        let body = match request_body(web, method) {
            Ok(b) => b,
            Err(e) => return Fetched::failed(e),
        };
        let timeout = match web.timeout_seconds {
            Some(s) if s > 0 => Duration::from_secs(s.unsigned_abs()),
            _ => DEFAULT_TIMEOUT,
        };
        let deadline = deadline_after(timeout);
        let mut headers: Vec<(String, String)> = web
            .headers
            .iter()
            .map(|h| (h.key.clone(), h.value.clone()))
            .collect();
        if web.json_body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        if let Some(oauth2) = &setup.oauth2 {
            // Go checks the request URL before its OAuth2 transport asks for a token.
            if let Err(e) = self.http.check_url(method, &web.url) {
                return Fetched::failed(ProviderError::new(e));
            }
            match oauth2
                .authorization(&self.http, web.insecure, deadline, TimeoutStyle::Client)
                .await
            {
                Ok(auth) => headers.push(("Authorization".into(), auth)),
                Err(e) => {
                    return Fetched::failed(ProviderError::new(url_error(method, &web.url, &e)));
                }
            }
        }
        let answer = self
            .http
            .exchange(Exchange {
                method,
                url: &web.url,
                headers,
                body,
                insecure: web.insecure,
                deadline,
                style: TimeoutStyle::Client,
            })
            .await;
        match answer {
            Ok(raw) => Fetched {
                outcome: if raw.body.len() > OFF_WORKER_BODY {
                    crate::driver::off_worker(|| parse_answer(&setup, &raw))
                } else {
                    parse_answer(&setup, &raw)
                },
                raw: Some(raw),
            },
            Err(HttpError::Transport(m)) => Fetched::failed(ProviderError::new(m)),
            // Argo checks the status before it reads the body.
            Err(HttpError::Body { status, .. }) if !(200..300).contains(&status) => {
                Fetched::failed(non_2xx(status))
            }
            Err(HttpError::Body { message, .. }) if message.starts_with("response body") => {
                Fetched::failed(ProviderError::new(message))
            }
            Err(HttpError::Body { message, .. }) => Fetched::failed(ProviderError::new(format!(
                "Received no bytes in response: {message}"
            ))),
        }
    }
}

impl Provider for WebProvider {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn fetch<'a>(&'a self, metric: &'a Metric, _ctx: &'a MeasureContext) -> BoxFuture<'a, Fetched> {
        #[cfg(feature = "live")]
        return Box::pin(self.measure(metric));
        #[cfg(not(feature = "live"))]
        {
            let _ = metric;
            crate::cannot_fetch(KIND)
        }
    }

    fn parse(&self, metric: &Metric, raw: &RawResponse) -> Result<ProviderOutput, ProviderError> {
        parse_answer(&Setup::new(metric)?, raw)
    }
}

/// The payload rules, checked before anything is sent.
fn request_body(web: &WebMetric, method: &str) -> Result<Option<Vec<u8>>, ProviderError> {
    let body = web.body.as_deref().filter(|b| !b.is_empty());
    match (body, &web.json_body) {
        (Some(_), Some(_)) => Err(ProviderError::new(
            "use either Body or JSONBody; both cannot exists for WebMetric payload",
        )),
        (Some(_), None) | (None, Some(_)) if method == "GET" => Err(ProviderError::new(
            "Body/JSONBody can only be used with POST or PUT WebMetric Method types",
        )),
        (Some(b), None) => Ok(Some(b.as_bytes().to_vec())),
        (None, Some(j)) => serde_json::to_vec(j)
            .map(Some)
            .map_err(|e| ProviderError::new(e.to_string())),
        (None, None) => Ok(None),
    }
}

fn non_2xx(status: u16) -> ProviderError {
    ProviderError::new(format!("received non 2xx response code: {status}"))
}

/// Status check, then Argo's `parseResponse`: non-JSON → the raw string; JSON → first JSONPath
/// value with its JSON type, re-encoded as Go would for `value`.
fn parse_answer(setup: &Setup<'_>, raw: &RawResponse) -> Result<ProviderOutput, ProviderError> {
    if !(200..300).contains(&raw.status) {
        return Err(non_2xx(raw.status));
    }
    let doc: serde_json::Value = match serde_json::from_str(&raw.body) {
        Ok(doc) => doc,
        Err(_) => {
            return Ok(ProviderOutput {
                result: Value::string(raw.body.as_str()),
                value: raw.body.clone(),
                metadata: Default::default(),
            });
        }
    };
    match setup.json_path.first_value(&doc) {
        Err(e) => Err(ProviderError::new(format!(
            "Could not find JSONPath in body: {e}"
        ))),
        Ok(None) => Err(ProviderError::new("result of web metric produced no value")),
        Ok(Some(v)) => Ok(ProviderOutput::new(Value::from_json_owned(v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis_core::model::{Authentication, MetricProvider, OAuth2Config};

    fn metric(web: WebMetric) -> Metric {
        Metric {
            name: "web".into(),
            provider: MetricProvider {
                web: Some(web),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn parse(json_path: &str, status: u16, body: &str) -> Result<ProviderOutput, ProviderError> {
        let m = metric(WebMetric {
            url: "http://x/".into(),
            json_path: Some(json_path.into()),
            ..Default::default()
        });
        parse_answer(
            &Setup::new(&m)?,
            &RawResponse {
                status,
                body: body.into(),
            },
        )
    }

    /// Issue 10, item 16: 15 nested `value(` took 22 s to parse at every measurement.
    #[test]
    fn a_deeply_nested_json_path_is_an_error_measurement_at_once() {
        let path = format!("{{[?{}(}}", "value(".repeat(15));
        let e = parse(&path, 200, r#"{"a":1}"#).unwrap_err();
        assert!(e.message.contains("nest more than"), "{}", e.message);
    }

    #[test]
    fn json_values_keep_their_type_and_go_encoding() {
        let out = parse("{$.status}", 200, r#"{"color":"red","status":"ok"}"#).expect("ok");
        assert_eq!(out.result, Value::string("ok"));
        assert_eq!(out.value, r#""ok""#);
        let out = parse("", 200, r#"{"b":1.0,"a":"<x>"}"#).expect("ok");
        assert_eq!(out.value, r#"{"a":"\u003cx\u003e","b":1}"#);
        let out = parse("{.n}", 200, r#"{"n":1.5}"#).expect("ok");
        assert_eq!(out.result, Value::Float(1.5));
        assert_eq!(out.value, "1.5");
    }

    #[test]
    fn non_json_bodies_are_strings_and_ignore_the_path() {
        let out = parse("{$.status}", 200, "<html>hi</html>").expect("ok");
        assert_eq!(out.result, Value::string("<html>hi</html>"));
        assert_eq!(out.value, "<html>hi</html>");
        let out = parse("{$.status}", 200, "").expect("ok");
        assert_eq!(out.result, Value::string(""));
    }

    #[test]
    fn errors_read_like_argo() {
        assert_eq!(
            parse("{$.status}", 503, "{}").err().map(|e| e.message),
            Some("received non 2xx response code: 503".into())
        );
        assert_eq!(
            parse("{$.missing}", 200, "{}").err().map(|e| e.message),
            Some("Could not find JSONPath in body: missing is not found".into())
        );
        assert_eq!(
            parse("{$.a[*]}", 200, r#"{"a":[]}"#)
                .err()
                .map(|e| e.message),
            Some("result of web metric produced no value".into())
        );
    }

    #[test]
    fn payload_rules_are_checked_first() {
        let both = WebMetric {
            method: Some("POST".into()),
            body: Some("x".into()),
            json_body: Some(serde_json::json!({"a": 1})),
            ..Default::default()
        };
        assert_eq!(
            request_body(&both, "POST").err().map(|e| e.message),
            Some("use either Body or JSONBody; both cannot exists for WebMetric payload".into())
        );
        let get = WebMetric {
            body: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(
            request_body(&get, "GET").err().map(|e| e.message),
            Some("Body/JSONBody can only be used with POST or PUT WebMetric Method types".into())
        );
        let json = WebMetric {
            json_body: Some(serde_json::json!({"a": [1, "b"]})),
            ..Default::default()
        };
        assert_eq!(
            request_body(&json, "PUT").ok().flatten(),
            Some(br#"{"a":[1,"b"]}"#.to_vec())
        );
    }

    #[test]
    fn oauth2_without_client_fields_fails_construction() {
        let m = metric(WebMetric {
            url: "http://x/".into(),
            authentication: Some(Authentication {
                oauth2: Some(OAuth2Config {
                    token_url: Some("http://x/token".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(
            Setup::new(&m).err().map(|e| e.message),
            Some("missing mandatory parameter in metric for OAuth2 setup".into())
        );
    }
}
