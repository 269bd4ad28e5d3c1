//! The skywalking provider against a loopback GraphQL stand-in that answers
//! `readMetricsValues` like the OAP and records each request so its shape can be checked.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};

use analysis_core::model::{Header, MetricProvider, SkyWalkingMetric};
use analysis_core::{Fetched, MeasureContext, Value};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, TimeZone, Utc};
use providers::{ProviderOptions, Providers};

const QUERY: &str = r#"query queryData($duration: Duration!) {
  service_apdex: readMetricsValues(
    condition: { name: "service_apdex", entity: { scope: Service, serviceName: "checkout", normal: true } },
    duration: $duration) { label values { values { value } } }
}"#;

/// One request as the stand-in saw it.
#[derive(Clone, Debug)]
struct Seen {
    content_type: String,
    accept: String,
    authorization: String,
    body: serde_json::Value,
}

/// Serves `answer` (a fixture file) at `/graphql`, recording every request.
async fn oap(status: StatusCode, answer: String) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let router = axum::Router::new().route(
        "/graphql",
        post(move |headers: HeaderMap, body: String| {
            let log = log.clone();
            let answer = answer.clone();
            async move {
                let h = |k: &str| {
                    headers
                        .get(k)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                let parsed = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
                if let Ok(mut l) = log.lock() {
                    l.push(Seen {
                        content_type: h("content-type"),
                        accept: h("accept"),
                        authorization: h("authorization"),
                        body: parsed,
                    });
                }
                (status, answer)
            }
        }),
    );
    let addr = support::serve(router).await;
    (format!("http://{addr}"), seen)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(support::fixtures().join("skywalking").join(name))
        .expect("skywalking fixture")
}

async fn measure(address: &str, zone: Option<&str>, now: DateTime<Utc>) -> Fetched {
    let providers = Providers::new(ProviderOptions::default()).expect("providers");
    let metric = support::metric(MetricProvider {
        skywalking: Some(SkyWalkingMetric {
            address: Some(address.into()),
            query: Some(QUERY.into()),
            interval: Some("3m".into()),
            headers: vec![Header {
                key: "Authorization".into(),
                value: "Bearer gateway".into(),
            }],
            time_zone: zone.map(Into::into),
        }),
        ..Default::default()
    });
    let provider = providers.for_metric(&metric);
    let fetched = support::within(30, provider.fetch(&metric, &MeasureContext { now })).await;
    if let Some(raw) = &fetched.raw {
        assert_eq!(provider.parse(&metric, raw), fetched.outcome, "replay");
    }
    fetched
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 13, 7, 42)
        .single()
        .expect("valid time")
}

#[tokio::test]
async fn read_metrics_values_round_trip() {
    let (address, seen) = oap(StatusCode::OK, fixture("read_metrics_values_60.json")).await;
    let out = measure(&address, None, now()).await.outcome.expect("apdex");

    let seen = seen.lock().map(|l| l.clone()).unwrap_or_default();
    let [request] = seen.as_slice() else {
        panic!("expected one request, saw {seen:?}")
    };
    assert_eq!(request.content_type, "application/json; charset=utf-8");
    assert_eq!(request.accept, "application/json; charset=utf-8");
    assert_eq!(request.authorization, "Bearer gateway");
    assert_eq!(
        request.body,
        serde_json::json!({
            "query": QUERY,
            "variables": {"duration": {"start": "2024-05-01 1304", "end": "2024-05-01 1307", "step": "MINUTE"}},
        })
    );

    let Value::Map(data) = &out.result else {
        panic!("expected an object, got {:?}", out.result)
    };
    let Some(Value::Map(apdex)) = data.get("service_apdex") else {
        panic!("no service_apdex in {data:?}")
    };
    let Some(Value::Map(values)) = apdex.get("values") else {
        panic!("no values in {apdex:?}")
    };
    let Some(Value::List(points)) = values.get("values") else {
        panic!("no points in {values:?}")
    };
    assert_eq!(points.len(), 60);
    assert!(out.value.starts_with(r#"{"service_apdex":{"label":null,"values":{"values":[{"id":"202405011208","isEmptyValue":false,"value":9900}"#));
}

#[tokio::test]
async fn time_zone_extension_shapes_the_duration() {
    let (address, seen) = oap(StatusCode::OK, fixture("read_metrics_values_60.json")).await;
    measure(&address, Some("Asia/Kolkata"), now())
        .await
        .outcome
        .expect("apdex");
    let seen = seen.lock().map(|l| l.clone()).unwrap_or_default();
    let duration = seen
        .first()
        .map(|s| s.body["variables"]["duration"].clone());
    assert_eq!(
        duration,
        Some(
            serde_json::json!({"start": "2024-05-01 1834", "end": "2024-05-01 1837", "step": "MINUTE"})
        )
    );
}

#[tokio::test]
async fn oap_errors_read_like_argo() {
    let (address, _) = oap(StatusCode::OK, fixture("read_metrics_values_error.json")).await;
    let failed = measure(&address, None, now()).await;
    assert_eq!(
        support::error_of(failed.outcome),
        "graphql: Exception while fetching data (/service_apdex) : metrics service_apdex_typo not found"
    );

    let (address, _) = oap(StatusCode::BAD_GATEWAY, "<html>502</html>".into()).await;
    let gateway = measure(&address, None, now()).await;
    assert_eq!(
        support::error_of(gateway.outcome),
        "graphql: server returned a non-200 status code: 502"
    );

    let (address, _) = oap(StatusCode::OK, r#"{"data":null}"#.into()).await;
    let empty = measure(&address, None, now()).await;
    assert_eq!(
        support::error_of(empty.outcome),
        "no results returned from SkyWalking query"
    );

    let port = support::closed_port();
    let refused = measure(&format!("http://127.0.0.1:{port}"), None, now()).await;
    assert_eq!(
        support::error_of(refused.outcome),
        format!(
            "Post \"http://127.0.0.1:{port}/graphql\": dial tcp 127.0.0.1:{port}: connect: \
             connection refused"
        )
    );
}
