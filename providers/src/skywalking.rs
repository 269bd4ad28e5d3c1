//! The `skywalking` provider (semantics §6.3): the metric's GraphQL document POSTed to the
//! OAP's `/graphql` with `$duration` = the last `interval`, minute steps; `result` is `data`.
//! Answers are read as `graphql_client::Response`, with `data` decoded straight into a Go-typed
//! [`Value`].

// Without the `live` feature only parsing is built; the request helpers stay for their tests.
#![cfg_attr(not(feature = "live"), allow(dead_code))]

#[cfg(feature = "live")]
use std::sync::Arc;
#[cfg(feature = "live")]
use std::time::Duration;

use analysis_core::duration::parse_duration;
use analysis_core::gojson::write_string;
use analysis_core::lint::Severity;
use analysis_core::model::SkyWalkingMetric;
use analysis_core::provider::spec::{Endpoint, ProviderSpec, ResultShape, SpecFinding};
use analysis_core::{
    BoxFuture, Fetched, MeasureContext, Metric, Provider, ProviderError, ProviderOutput,
    RawResponse, Value,
};
use chrono::{DateTime, FixedOffset, TimeDelta, Utc};

use crate::goerr::{JsonReader, json_error};
#[cfg(feature = "live")]
use crate::http::{Exchange, Http, HttpError, TimeoutStyle, deadline_after};
use crate::json_value::GoJson;

/// The provider key in the manifest.
pub const KIND: &str = "skywalking";

/// machinebox/graphql has no timeout of its own; Argo's query context allows 30 s.
#[cfg(feature = "live")]
const TIMEOUT: Duration = Duration::from_secs(30);
/// Go layout `2006-01-02 1504`.
const DURATION_FORMAT: &str = "%Y-%m-%d %H%M";

/// What Augur knows about `skywalking` metrics without querying an OAP.
pub struct SkyWalkingSpec;

impl ProviderSpec for SkyWalkingSpec {
    fn kind(&self) -> &'static str {
        KIND
    }

    /// `result` is the GraphQL answer's `data` object.
    fn result(&self) -> ResultShape {
        ResultShape {
            description: "SkyWalking's GraphQL data (map)",
            ty: analysis_core::expr::Type::of(&Value::Map(Default::default())),
            ..ResultShape::unknown()
        }
    }

    fn endpoints<'m>(&self, metric: &'m Metric) -> Vec<Endpoint<'m>> {
        let address = metric.provider.skywalking.as_ref();
        match address.and_then(|s| s.address.as_deref()) {
            Some(url) => vec![Endpoint {
                field: "provider.skywalking.address",
                url,
            }],
            None => Vec::new(),
        }
    }

    /// Argo builds the provider from `interval`; without one, every measurement is an Error.
    fn lint(&self, metric: &Metric) -> Vec<SpecFinding> {
        match &metric.provider.skywalking {
            Some(sw) if sw.interval.as_deref().is_none_or(str::is_empty) => vec![SpecFinding {
                field: "provider.skywalking",
                severity: Severity::Warning,
                message: "skywalking metric has no interval: Argo cannot build the provider (`time: invalid duration \"\"`), so every measurement is an Error; set provider.skywalking.interval (e.g. 5m)".to_string(),
            }],
            _ => Vec::new(),
        }
    }
}

/// Measures `skywalking` metrics.
pub struct SkyWalkingProvider {
    #[cfg(feature = "live")]
    http: Arc<Http>,
}

/// Where the OAP's minute buckets are written: an IANA zone or a fixed offset.
#[derive(Clone, Copy, Debug)]
enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

struct Setup<'a> {
    sky: &'a SkyWalkingMetric,
    interval: TimeDelta,
    zone: Zone,
}

impl<'a> Setup<'a> {
    fn new(metric: &'a Metric) -> Result<Setup<'a>, ProviderError> {
        let sky = metric
            .provider
            .skywalking
            .as_ref()
            .ok_or_else(|| ProviderError::new("metric has no skywalking provider"))?;
        let interval = parse_duration(sky.interval.as_deref().unwrap_or(""))
            .map_err(|e| ProviderError::new(e.to_string()))?;
        let zone = parse_zone(sky.time_zone.as_deref().unwrap_or(""))?;
        Ok(Setup {
            sky,
            interval,
            zone,
        })
    }

    /// The request body, byte for byte as machinebox/graphql's `json.Encoder` writes it.
    fn body(&self, now: DateTime<Utc>) -> String {
        let start = now.checked_sub_signed(self.interval).unwrap_or(now);
        let mut body = String::from("{\"query\":");
        write_string(&mut body, self.sky.query.as_deref().unwrap_or(""));
        body.push_str(",\"variables\":{\"duration\":{\"start\":");
        write_string(&mut body, &self.format(start));
        body.push_str(",\"end\":");
        write_string(&mut body, &self.format(now));
        body.push_str(",\"step\":\"MINUTE\"}}}\n");
        body
    }

    fn format(&self, t: DateTime<Utc>) -> String {
        match self.zone {
            Zone::Named(tz) => t.with_timezone(&tz).format(DURATION_FORMAT).to_string(),
            Zone::Fixed(off) => t.with_timezone(&off).format(DURATION_FORMAT).to_string(),
        }
    }
}

/// `""`/`UTC` → UTC, `Europe/Berlin` (IANA), or `+05:30` / `-08:00`.
fn parse_zone(s: &str) -> Result<Zone, ProviderError> {
    if s.is_empty() {
        return Ok(Zone::Fixed(
            FixedOffset::east_opt(0).ok_or_else(|| unknown_zone(s))?,
        ));
    }
    if let Some(rest) = s.strip_prefix(['+', '-']) {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let (h, m) = rest.split_once(':').ok_or_else(|| unknown_zone(s))?;
        let h: i32 = h.parse().map_err(|_| unknown_zone(s))?;
        let m: i32 = m.parse().map_err(|_| unknown_zone(s))?;
        if h > 23 || m > 59 {
            return Err(unknown_zone(s));
        }
        return FixedOffset::east_opt(sign * (h * 3600 + m * 60))
            .map(Zone::Fixed)
            .ok_or_else(|| unknown_zone(s));
    }
    s.parse::<chrono_tz::Tz>()
        .map(Zone::Named)
        .map_err(|_| unknown_zone(s))
}

fn unknown_zone(s: &str) -> ProviderError {
    ProviderError::new(format!("unknown time zone {s}"))
}

impl SkyWalkingProvider {
    #[cfg(feature = "live")]
    pub(crate) fn new(http: Arc<Http>) -> SkyWalkingProvider {
        SkyWalkingProvider { http }
    }

    /// A provider that parses recorded answers and cannot fetch.
    #[cfg(not(feature = "live"))]
    pub(crate) fn new() -> SkyWalkingProvider {
        SkyWalkingProvider {}
    }

    #[cfg(feature = "live")]
    async fn measure(&self, metric: &Metric, now: DateTime<Utc>) -> Fetched {
        let setup = match Setup::new(metric) {
            Ok(s) => s,
            Err(e) => return Fetched::failed(e),
        };
        let url = format!("{}/graphql", setup.sky.address.as_deref().unwrap_or(""));
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "application/json; charset=utf-8".to_string(),
            ),
            (
                "Accept".to_string(),
                "application/json; charset=utf-8".to_string(),
            ),
        ];
        headers.extend(
            setup
                .sky
                .headers
                .iter()
                .map(|h| (h.key.clone(), h.value.clone())),
        );
        let answer = self
            .http
            .exchange(Exchange {
                method: "POST",
                url: &url,
                headers,
                body: Some(setup.body(now).into_bytes()),
                insecure: false,
                deadline: deadline_after(TIMEOUT),
                style: TimeoutStyle::Context,
            })
            .await;
        match answer {
            Ok(raw) => Fetched {
                outcome: parse_answer(&raw),
                raw: Some(raw),
            },
            Err(HttpError::Transport(m)) => Fetched::failed(ProviderError::new(m)),
            Err(HttpError::Body { message, .. }) if message.starts_with("response body") => {
                Fetched::failed(ProviderError::new(message))
            }
            Err(HttpError::Body { message, .. }) => {
                Fetched::failed(ProviderError::new(format!("reading body: {message}")))
            }
        }
    }
}

impl Provider for SkyWalkingProvider {
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
        Setup::new(metric)?;
        parse_answer(raw)
    }
}

/// machinebox/graphql's decoding (first JSON value only, any status if decodable) and Argo's
/// mapping of `data`.
fn parse_answer(raw: &RawResponse) -> Result<ProviderOutput, ProviderError> {
    let mut values = serde_json::Deserializer::from_str(&raw.body)
        .into_iter::<graphql_client::Response<GoJson>>();
    let response = match values.next() {
        Some(Ok(r)) => r,
        failed => {
            if raw.status != 200 {
                return Err(ProviderError::new(format!(
                    "graphql: server returned a non-200 status code: {}",
                    raw.status
                )));
            }
            let text = match failed {
                Some(Err(e)) => json_error(&raw.body, JsonReader::Decoder, &e),
                _ => "EOF".to_string(),
            };
            return Err(ProviderError::new(format!("decoding response: {text}")));
        }
    };
    if let Some(first) = response.errors.as_ref().and_then(|e| e.first()) {
        return Err(ProviderError::new(format!("graphql: {}", first.message)));
    }
    match response.data {
        None | Some(GoJson(Value::Nil)) => Err(ProviderError::new(
            "no results returned from SkyWalking query",
        )),
        Some(GoJson(data)) => {
            // The value is `data` re-encoded: about as long as the body, so sized once.
            let mut value = String::with_capacity(raw.body.len());
            data.write_go_json(&mut value);
            Ok(ProviderOutput {
                result: data,
                value,
                metadata: Default::default(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis_core::model::MetricProvider;
    use chrono::TimeZone;

    fn metric(interval: Option<&str>, zone: Option<&str>) -> Metric {
        Metric {
            name: "apdex".into(),
            provider: MetricProvider {
                skywalking: Some(SkyWalkingMetric {
                    address: Some("http://oap:12800".into()),
                    query: Some("query q($duration: Duration!) { x }".into()),
                    interval: interval.map(Into::into),
                    time_zone: zone.map(Into::into),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            body: body.into(),
        }
    }

    #[test]
    fn body_has_the_duration_in_the_zone() {
        let now = Utc
            .with_ymd_and_hms(2024, 5, 1, 13, 7, 42)
            .single()
            .expect("time");
        let m = metric(Some("3m"), None);
        let setup = Setup::new(&m).expect("valid");
        assert_eq!(
            setup.body(now),
            "{\"query\":\"query q($duration: Duration!) { x }\",\"variables\":{\"duration\":\
             {\"start\":\"2024-05-01 1304\",\"end\":\"2024-05-01 1307\",\"step\":\"MINUTE\"}}}\n"
        );
        let berlin = metric(Some("1h"), Some("Europe/Berlin"));
        let setup = Setup::new(&berlin).expect("valid");
        assert_eq!(setup.format(now), "2024-05-01 1507");
        let fixed = metric(Some("1h"), Some("-08:00"));
        assert_eq!(
            Setup::new(&fixed).expect("valid").format(now),
            "2024-05-01 0507"
        );
    }

    #[test]
    fn interval_and_zone_are_construction_errors() {
        let err = |m: Metric| Setup::new(&m).err().map(|e| e.message);
        assert_eq!(
            err(metric(None, None)).as_deref(),
            Some("time: invalid duration \"\"")
        );
        assert_eq!(
            err(metric(Some("5"), None)).as_deref(),
            Some("time: missing unit in duration \"5\"")
        );
        assert_eq!(
            err(metric(Some("5m"), Some("Mars/Olympus"))).as_deref(),
            Some("unknown time zone Mars/Olympus")
        );
    }

    #[test]
    fn responses_map_like_argo() {
        let out = parse_answer(&raw(
            200,
            r#"{"data":{"b":{"values":{"values":[{"value":9950}]}},"a":null}}"#,
        ))
        .expect("ok");
        assert_eq!(
            out.value,
            r#"{"a":null,"b":{"values":{"values":[{"value":9950}]}}}"#
        );
        assert_eq!(out.result.go_type_name(), "map[string]interface {}");
        let err = |status, body| parse_answer(&raw(status, body)).err().map(|e| e.message);
        assert_eq!(
            err(
                200,
                r#"{"errors":[{"message":"boom"},{"message":"two"}],"data":null}"#
            )
            .as_deref(),
            Some("graphql: boom")
        );
        assert_eq!(
            err(200, r#"{"data":null}"#).as_deref(),
            Some("no results returned from SkyWalking query")
        );
        assert_eq!(
            err(502, "<html>bad gateway</html>").as_deref(),
            Some("graphql: server returned a non-200 status code: 502")
        );
        assert_eq!(
            err(200, "<html>").as_deref(),
            Some("decoding response: invalid character '<' looking for beginning of value")
        );
        assert_eq!(err(200, "").as_deref(), Some("decoding response: EOF"));
        // A decodable body counts whatever the status, and trailing text is ignored.
        assert!(parse_answer(&raw(500, r#"{"data":{"x":1}} trailing"#)).is_ok());
    }
}
