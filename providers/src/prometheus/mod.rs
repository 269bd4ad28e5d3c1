//! The `prometheus` provider (semantics §6.2): an instant query at the measurement time (or a
//! range query), POSTed as a form with client_golang's GET fallback, mapped to Argo's result.

// Without the `live` feature only parsing is built; the request helpers stay for their tests.
#![cfg_attr(not(feature = "live"), allow(dead_code))]

mod fast;
mod response;
mod spec;

use std::collections::BTreeMap;
#[cfg(feature = "live")]
use std::sync::Arc;
use std::time::Duration;

use analysis_core::duration::parse_duration;
use analysis_core::expr::eval_time;
use analysis_core::model::PrometheusMetric;
use analysis_core::{
    BoxFuture, Fetched, MeasureContext, Metric, Provider, ProviderError, ProviderOutput,
    RawResponse,
};
use chrono::{DateTime, Utc};
use url::Url;

use crate::ProviderOptions;
#[cfg(feature = "live")]
use crate::goerr::url_error;
#[cfg(feature = "live")]
use crate::http::{Exchange, Http, HttpError, TimeoutStyle, deadline_after};
use crate::oauth2::{ClientCredentials, base64};

pub(crate) use response::format_sample;
pub use spec::{KIND, PrometheusSpec};

/// Argo's metric-result metadata key for the templated query.
pub const RESOLVED_QUERY_KEY: &str = "ResolvedPrometheusQuery";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Measures `prometheus` metrics.
pub struct PrometheusProvider {
    #[cfg(feature = "live")]
    http: Arc<Http>,
    default_address: Option<String>,
}

/// A metric's validated settings (Argo's `NewPrometheusAPI` + `NewPrometheusProvider`).
struct Setup<'a> {
    prom: &'a PrometheusMetric,
    address: String,
    basic_auth: Option<String>,
    oauth2: Option<ClientCredentials>,
    timeout: Duration,
}

impl<'a> Setup<'a> {
    fn new(metric: &'a Metric, default_address: Option<&str>) -> Result<Setup<'a>, ProviderError> {
        let prom = metric
            .provider
            .prometheus
            .as_ref()
            .ok_or_else(|| ProviderError::new("metric has no prometheus provider"))?;
        let address = match prom.address.as_deref().filter(|a| !a.is_empty()) {
            Some(a) if is_url(a) => a.to_string(),
            Some(_) => {
                return Err(ProviderError::new(
                    "prometheus address is not is url format",
                ));
            }
            None => match default_address.filter(|a| !a.is_empty()) {
                Some(a) if is_url(a) => a.to_string(),
                Some(_) => {
                    return Err(ProviderError::new(
                        "prometheus address is not is url format",
                    ));
                }
                None => return Err(ProviderError::new("prometheus address is not configured")),
            },
        };
        let auth = prom.authentication.clone().unwrap_or_default();
        let basic = auth.basic_auth.unwrap_or_default();
        let (user, pass) = (
            basic.username.unwrap_or_default(),
            basic.password.unwrap_or_default(),
        );
        let basic_auth = match (user.is_empty(), pass.is_empty()) {
            (true, true) => None,
            (true, false) => {
                return Err(ProviderError::new(
                    "missing mandatory parameter in metric for basic auth setup: username",
                ));
            }
            (false, true) => {
                return Err(ProviderError::new(
                    "missing mandatory parameter in metric for basic auth setup: password",
                ));
            }
            (false, false) => Some(format!(
                "Basic {}",
                base64(format!("{user}:{pass}").as_bytes())
            )),
        };
        if address.contains("aps-workspaces") && auth.sigv4.is_some_and(|s| s != Default::default())
        {
            return Err(ProviderError::new(
                "prometheus sigv4 authentication is not supported by Augur",
            ));
        }
        let oauth2 = ClientCredentials::from_config(auth.oauth2.as_ref())?;
        let timeout = match prom.timeout {
            None => DEFAULT_TIMEOUT,
            Some(t) if t < 0 => {
                return Err(ProviderError::new(
                    "prometheus timeout should not be negative",
                ));
            }
            Some(t) => Duration::from_secs(t.unsigned_abs()),
        };
        Ok(Setup {
            prom,
            address,
            basic_auth,
            oauth2,
            timeout,
        })
    }

    /// The endpoint and its form arguments, sorted by key as Go's `url.Values.Encode` does.
    fn query(&self, now: DateTime<Utc>) -> Result<(String, String), ProviderError> {
        let query = self.prom.query.clone().unwrap_or_default();
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        let endpoint = match &self.prom.range_query {
            None => {
                form.append_pair("query", &query);
                form.append_pair("time", &format_time(now));
                "/api/v1/query"
            }
            Some(range) => {
                let start = eval_time(range.start.as_deref().unwrap_or(""), now)
                    .map_err(|e| e.to_string())
                    .map_err(|e| {
                        ProviderError::new(format!("failed to parse rangeQuery.start as time: {e}"))
                    })?;
                let end = eval_time(range.end.as_deref().unwrap_or(""), now)
                    .map_err(|e| e.to_string())
                    .map_err(|e| {
                        ProviderError::new(format!("failed to parse rangeQuery.end as time: {e}"))
                    })?;
                let step = parse_duration(range.step.as_deref().unwrap_or("")).map_err(|e| {
                    ProviderError::new(format!("failed to parse rangeQuery.step as duration: {e}"))
                })?;
                let step_secs = step.num_nanoseconds().map_or(f64::MAX, |n| n as f64 / 1e9);
                form.append_pair("end", &format_time(end));
                form.append_pair("query", &query);
                form.append_pair("start", &format_time(start));
                form.append_pair("step", &format_sample(step_secs));
                "/api/v1/query_range"
            }
        };
        Ok((endpoint_url(&self.address, endpoint), form.finish()))
    }
}

impl PrometheusProvider {
    #[cfg(feature = "live")]
    pub(crate) fn new(http: Arc<Http>, options: &ProviderOptions) -> PrometheusProvider {
        PrometheusProvider {
            http,
            default_address: options.prometheus_default_address.clone(),
        }
    }

    /// A provider that parses recorded answers and cannot fetch.
    #[cfg(not(feature = "live"))]
    pub(crate) fn new(options: &ProviderOptions) -> PrometheusProvider {
        PrometheusProvider {
            default_address: options.prometheus_default_address.clone(),
        }
    }

    #[cfg(feature = "live")]
    async fn measure(&self, metric: &Metric, now: DateTime<Utc>) -> Fetched {
        let setup = match Setup::new(metric, self.default_address.as_deref()) {
            Ok(s) => s,
            Err(e) => return Fetched::failed(e),
        };
        let (url, form) = match setup.query(now) {
            Ok(q) => q,
            Err(e) => return Fetched::failed(e),
        };
        let deadline = deadline_after(setup.timeout);
        let insecure = setup.prom.insecure;
        // Precedence as in Argo's round-tripper stack: custom headers > OAuth2 > basic auth.
        let mut auth_headers = Vec::new();
        if let Some(basic) = &setup.basic_auth {
            auth_headers.push(("Authorization".to_string(), basic.clone()));
        }
        if let Some(oauth2) = &setup.oauth2 {
            if let Err(e) = self.http.check_url("POST", &url) {
                return Fetched::failed(ProviderError::new(e));
            }
            match oauth2
                .authorization(&self.http, insecure, deadline, TimeoutStyle::Context)
                .await
            {
                Ok(auth) => auth_headers.push(("Authorization".into(), auth)),
                Err(e) => return Fetched::failed(ProviderError::new(url_error("POST", &url, &e))),
            }
        }
        let custom = setup
            .prom
            .headers
            .iter()
            .map(|h| (h.key.clone(), h.value.clone()));
        let mut post_headers = vec![(
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        )];
        post_headers.extend(auth_headers.iter().cloned());
        post_headers.extend(custom.clone());
        let post = self
            .http
            .exchange(Exchange {
                method: "POST",
                url: &url,
                headers: post_headers,
                body: Some(form.clone().into_bytes()),
                insecure,
                deadline,
                style: TimeoutStyle::Context,
            })
            .await;
        let status = match &post {
            Ok(raw) => Some(raw.status),
            Err(HttpError::Body { status, .. }) => Some(*status),
            Err(HttpError::Transport(_)) => None,
        };
        let answer = if matches!(status, Some(403 | 405 | 501)) {
            let get_url = with_query(&url, &form);
            let mut get_headers = auth_headers;
            get_headers.extend(custom);
            self.http
                .exchange(Exchange {
                    method: "GET",
                    url: &get_url,
                    headers: get_headers,
                    body: None,
                    insecure,
                    deadline,
                    style: TimeoutStyle::Context,
                })
                .await
        } else {
            post
        };
        match answer {
            Ok(raw) => Fetched {
                outcome: response::parse(raw.status, &raw.body),
                raw: Some(raw),
            },
            Err(e) => Fetched::failed(ProviderError::new(e.to_string())),
        }
    }
}

impl Provider for PrometheusProvider {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn fetch<'a>(&'a self, metric: &'a Metric, ctx: &'a MeasureContext) -> BoxFuture<'a, Fetched> {
        #[cfg(feature = "live")]
        return Box::pin(self.measure(metric, ctx.now));
        #[cfg(not(feature = "live"))]
        {
            let _ = (metric, ctx);
            crate::cannot_fetch(KIND)
        }
    }

    fn parse(&self, metric: &Metric, raw: &RawResponse) -> Result<ProviderOutput, ProviderError> {
        Setup::new(metric, self.default_address.as_deref())?;
        response::parse(raw.status, &raw.body)
    }

    fn metric_metadata(&self, metric: &Metric) -> BTreeMap<String, String> {
        let mut meta = BTreeMap::new();
        if let Some(q) = metric
            .provider
            .prometheus
            .as_ref()
            .and_then(|p| p.query.as_deref())
            .filter(|q| !q.is_empty())
        {
            meta.insert(RESOLVED_QUERY_KEY.to_string(), q.to_string());
        }
        meta
    }
}

/// Argo's `IsUrl`: parses, with a scheme and a host.
fn is_url(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()))
}

/// The API URL under the address, keeping its path prefix (client_golang's `path.Join`).
fn endpoint_url(address: &str, endpoint: &str) -> String {
    match Url::parse(address) {
        Ok(mut u) => {
            let path = format!("{}{endpoint}", u.path().trim_end_matches('/'));
            u.set_path(&path);
            u.to_string()
        }
        Err(_) => format!("{}{endpoint}", address.trim_end_matches('/')),
    }
}

/// The GET fallback's URL: the form replaces the query string.
fn with_query(url: &str, form: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            u.set_query(Some(form));
            u.to_string()
        }
        Err(_) => format!("{url}?{form}"),
    }
}

/// client_golang's `formatTime`: unix seconds with the fraction, shortest digits.
fn format_time(t: DateTime<Utc>) -> String {
    let secs = t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9;
    format_sample(secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis_core::model::{Authentication, BasicAuth, MetricProvider, Sigv4Config};
    use chrono::TimeZone;

    fn metric(prom: PrometheusMetric) -> Metric {
        Metric {
            name: "m".into(),
            provider: MetricProvider {
                prometheus: Some(prom),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn setup_err(prom: PrometheusMetric, env: Option<&str>) -> Option<String> {
        Setup::new(&metric(prom), env).err().map(|e| e.message)
    }

    #[test]
    fn construction_errors_match_argo() {
        let none = PrometheusMetric::default();
        assert_eq!(
            setup_err(none.clone(), None).as_deref(),
            Some("prometheus address is not configured")
        );
        assert_eq!(
            setup_err(none.clone(), Some("localhost:9090")).as_deref(),
            Some("prometheus address is not is url format")
        );
        assert_eq!(setup_err(none, Some("http://p:9090")), None);
        let at = |address: &str| PrometheusMetric {
            address: Some(address.into()),
            ..Default::default()
        };
        assert_eq!(
            setup_err(at("not a url"), None).as_deref(),
            Some("prometheus address is not is url format")
        );
        let negative = PrometheusMetric {
            timeout: Some(-1),
            ..at("http://p")
        };
        assert_eq!(
            setup_err(negative, None).as_deref(),
            Some("prometheus timeout should not be negative")
        );
        let half_basic = PrometheusMetric {
            authentication: Some(Authentication {
                basic_auth: Some(BasicAuth {
                    username: Some("u".into()),
                    password: None,
                }),
                ..Default::default()
            }),
            ..at("http://p")
        };
        assert_eq!(
            setup_err(half_basic, None).as_deref(),
            Some("missing mandatory parameter in metric for basic auth setup: password")
        );
        let sigv4 = PrometheusMetric {
            authentication: Some(Authentication {
                sigv4: Some(Sigv4Config {
                    region: Some("eu-west-1".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..at("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1")
        };
        assert_eq!(
            setup_err(sigv4, None).as_deref(),
            Some("prometheus sigv4 authentication is not supported by Augur")
        );
    }

    #[test]
    fn instant_query_form_and_url() {
        let m = metric(PrometheusMetric {
            address: Some("http://p:9090/prefix/".into()),
            query: Some("sum(up) by (job)".into()),
            ..Default::default()
        });
        let setup = Setup::new(&m, None).expect("valid");
        let now = Utc
            .timestamp_opt(1_704_068_400, 250_000_000)
            .single()
            .expect("valid time");
        let (url, form) = setup.query(now).expect("query");
        assert_eq!(url, "http://p:9090/prefix/api/v1/query");
        assert_eq!(form, "query=sum%28up%29+by+%28job%29&time=1704068400.25");
        assert_eq!(
            with_query(&url, &form),
            "http://p:9090/prefix/api/v1/query?query=sum%28up%29+by+%28job%29&time=1704068400.25"
        );
    }

    #[test]
    fn range_query_errors_name_the_field() {
        let range = |start: &str, end: &str, step: &str| {
            metric(PrometheusMetric {
                address: Some("http://p".into()),
                query: Some("up".into()),
                range_query: Some(analysis_core::model::RangeQuery {
                    start: Some(start.into()),
                    end: Some(end.into()),
                    step: Some(step.into()),
                }),
                ..Default::default()
            })
        };
        for (m, expected) in [
            (
                range("now() -", "now()", "1m"),
                "failed to parse rangeQuery.start as time: unexpected token EOF",
            ),
            (
                range("now()", "\"yesterday\"", "1m"),
                "failed to parse rangeQuery.end as time: expected time.Time, but got string",
            ),
            (
                range("now()", "now()", "a minute"),
                "failed to parse rangeQuery.step as duration: time: invalid duration \"a minute\"",
            ),
        ] {
            let setup = Setup::new(&m, None).expect("valid until queried");
            let message = match setup.query(Utc::now()) {
                Ok(q) => panic!("{expected}: unexpectedly {q:?}"),
                Err(e) => e.message,
            };
            assert_eq!(message, expected);
        }
    }

    #[test]
    fn range_query_form_with_real_expressions() {
        let m = metric(PrometheusMetric {
            address: Some("http://p".into()),
            query: Some("up".into()),
            range_query: Some(analysis_core::model::RangeQuery {
                start: Some("now() - duration(\"5m\")".into()),
                end: Some("now()".into()),
                step: Some("1m".into()),
            }),
            ..Default::default()
        });
        let setup = Setup::new(&m, None).expect("valid");
        let now = Utc.timestamp_opt(1_704_068_400, 0).single().expect("time");
        let (url, form) = setup.query(now).expect("query");
        assert_eq!(url, "http://p/api/v1/query_range");
        assert_eq!(form, "end=1704068400&query=up&start=1704068100&step=60");
    }

    #[test]
    #[cfg(feature = "live")]
    fn resolved_query_metadata() {
        let p = PrometheusProvider {
            http: Arc::new(Http::new(&ProviderOptions::default()).expect("client")),
            default_address: None,
        };
        let m = metric(PrometheusMetric {
            query: Some("up".into()),
            ..Default::default()
        });
        assert_eq!(
            p.metric_metadata(&m)
                .get(RESOLVED_QUERY_KEY)
                .map(String::as_str),
            Some("up")
        );
    }
}
