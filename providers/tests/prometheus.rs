//! The prometheus provider against a real Prometheus serving backfilled history
//! (fixtures/prometheus/history.om), plus a stand-in for what a real one cannot be made to do.
//! The real-Prometheus tests are gated (`support::gated`): without one they show as ignored.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::future::Future;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use analysis_core::model::{MetricProvider, PrometheusMetric, RangeQuery};
use analysis_core::{Fetched, MeasureContext, Value};
use axum::http::{Method, StatusCode};
use axum::routing::any;
use chrono::{DateTime, TimeZone, Utc};
use providers::{ProviderOptions, Providers};
use support::{gated, prometheus};

fn main() -> ExitCode {
    let mut trials = gated::plain(&[
        ("bad_addresses_read_like_go", bad_addresses_read_like_go),
        (
            "post_refused_falls_back_to_get",
            post_refused_falls_back_to_get,
        ),
    ]);
    trials.extend(gated::requiring(
        &prometheus::PART,
        &[
            (
                "real_prometheus_answers_like_argo_expects",
                real_prometheus_answers_like_argo_expects,
            ),
            ("real_prometheus_range_query", real_prometheus_range_query),
        ],
    ));
    gated::run(trials)
}

/// Runs a test's async body on a current-thread runtime, as `#[tokio::test]` would.
fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}

/// 2024-01-01T00:20:00Z, inside the fixture's history (00:00–00:30, one sample a minute).
fn at_0020() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 20, 0)
        .single()
        .expect("valid time")
}

async fn query_at(address: &str, query: &str, now: DateTime<Utc>) -> Fetched {
    let providers = Providers::new(ProviderOptions::default()).expect("providers");
    let metric = support::metric(MetricProvider {
        prometheus: Some(PrometheusMetric {
            address: Some(address.into()),
            query: Some(query.into()),
            timeout: Some(10),
            ..Default::default()
        }),
        ..Default::default()
    });
    let provider = providers.for_metric(&metric);
    let fetched = support::within(30, provider.fetch(&metric, &MeasureContext { now })).await;
    if let Some(raw) = &fetched.raw {
        // Replaying the raw answer must give exactly what the fetch gave.
        assert_eq!(
            provider.parse(&metric, raw),
            fetched.outcome,
            "replay of {query}"
        );
    }
    fetched
}

fn floats(fetched: &Fetched) -> Vec<f64> {
    match &fetched.outcome {
        Ok(out) => match &out.result {
            Value::Floats(f) => f.to_vec(),
            other => panic!("expected []float64, got {other:?}"),
        },
        Err(e) => panic!("query failed: {e}"),
    }
}

fn real_prometheus_answers_like_argo_expects() {
    let prom = prometheus::start_backfilled(&support::fixtures().join("prometheus/history.om"));
    block_on(answers_like_argo_expects(&prom));
}

async fn answers_like_argo_expects(prom: &prometheus::Prometheus) {
    let url = prom.url();
    let url = url.as_str();

    // Error ratio: 5 of every 105 requests fail.
    let ratio = query_at(
        url,
        r#"sum(rate(http_requests_total{code="500"}[5m])) / sum(rate(http_requests_total[5m]))"#,
        at_0020(),
    )
    .await;
    let got = floats(&ratio);
    assert_eq!(got.len(), 1);
    assert!((got[0] - 5.0 / 105.0).abs() < 1e-12, "{got:?}");
    let value = ratio
        .outcome
        .as_ref()
        .map(|o| o.value.clone())
        .unwrap_or_default();
    assert!(value.starts_with("[0.0476190476"), "{value}");

    // The gauge at a fixed historic time: 0.99 - 0.001 * 20.
    let apdex = query_at(url, r#"apdex{service="checkout"}"#, at_0020()).await;
    assert_eq!(floats(&apdex), vec![0.97]);
    assert_eq!(
        apdex.outcome.map(|o| o.value).ok().as_deref(),
        Some("[0.97]")
    );

    // Before the history starts there is nothing: an empty vector, `[]`.
    let before = Utc
        .with_ymd_and_hms(2023, 12, 31, 0, 0, 0)
        .single()
        .expect("time");
    let empty = query_at(url, r#"apdex{service="checkout"}"#, before).await;
    assert!(floats(&empty).is_empty());
    assert_eq!(empty.outcome.map(|o| o.value).ok().as_deref(), Some("[]"));

    let nan = query_at(url, "vector(0)/0", at_0020()).await;
    assert!(floats(&nan).first().is_some_and(|f| f.is_nan()));
    assert_eq!(nan.outcome.map(|o| o.value).ok().as_deref(), Some("[NaN]"));

    let scalar = query_at(url, r#"scalar(apdex{service="checkout"}) * 100"#, at_0020()).await;
    let out = scalar.outcome.expect("scalar query");
    assert_eq!(out.result, Value::Float(97.0));
    assert_eq!(out.value, "97");

    // A range selector in an instant query answers a matrix: 00:18, 00:19, 00:20.
    let matrix = query_at(url, r#"apdex{service="checkout"}[150s]"#, at_0020()).await;
    assert_eq!(floats(&matrix), vec![0.972, 0.971, 0.97]);
    assert_eq!(
        matrix.outcome.map(|o| o.value).ok().as_deref(),
        Some("[0.972,0.971,0.97]")
    );

    let bad = query_at(url, "sum(", at_0020()).await;
    let message = support::error_of(bad.outcome);
    assert!(
        message.starts_with(r#"bad_data: invalid parameter "query": "#),
        "{message}"
    );
    assert!(bad.raw.is_some_and(|r| r.status == 400));
}

fn real_prometheus_range_query() {
    let prom = prometheus::start_backfilled(&support::fixtures().join("prometheus/history.om"));
    block_on(range_query(&prom));
}

async fn range_query(prom: &prometheus::Prometheus) {
    let providers = Providers::new(ProviderOptions::default()).expect("providers");
    let metric = support::metric(MetricProvider {
        prometheus: Some(PrometheusMetric {
            address: Some(prom.url()),
            query: Some(r#"apdex{service="checkout"}"#.into()),
            range_query: Some(RangeQuery {
                start: Some(r#"now() - duration("3m")"#.into()),
                end: Some("now()".into()),
                step: Some("1m".into()),
            }),
            ..Default::default()
        }),
        ..Default::default()
    });
    let fetched = providers
        .for_metric(&metric)
        .fetch(&metric, &MeasureContext { now: at_0020() })
        .await;
    assert_eq!(floats(&fetched), vec![0.973, 0.972, 0.971, 0.97]);
}

fn bad_addresses_read_like_go() {
    block_on(addresses_read_like_go());
}

async fn addresses_read_like_go() {
    let port = support::closed_port();
    let refused = query_at(&format!("http://127.0.0.1:{port}"), "up", at_0020()).await;
    assert_eq!(
        support::error_of(refused.outcome),
        format!(
            "Post \"http://127.0.0.1:{port}/api/v1/query\": dial tcp 127.0.0.1:{port}: connect: \
             connection refused"
        )
    );
    let not_url = query_at("localhost:9090", "up", at_0020()).await;
    assert_eq!(
        support::error_of(not_url.outcome),
        "prometheus address is not is url format"
    );
}

/// client_golang retries a refused POST (405) as a GET with the same parameters.
fn post_refused_falls_back_to_get() {
    block_on(refused_post_falls_back_to_get());
}

async fn refused_post_falls_back_to_get() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let router = axum::Router::new().route(
        "/prom/api/v1/query",
        any(move |method: Method, uri: axum::http::Uri, body: String| {
            let log = log.clone();
            async move {
                let line = format!("{method} {} {body}", uri.query().unwrap_or(""));
                if let Ok(mut l) = log.lock() {
                    l.push(line);
                }
                if method == Method::POST {
                    return (StatusCode::METHOD_NOT_ALLOWED, String::new());
                }
                (
                    StatusCode::OK,
                    r#"{"status":"success","warnings":["partial"],"data":{"resultType":"scalar","result":[1,"0.5"]}}"#
                        .to_string(),
                )
            }
        }),
    );
    let addr = support::serve(router).await;
    let fetched = query_at(&format!("http://{addr}/prom/"), "up", at_0020()).await;
    let out = fetched.outcome.expect("fallback answer");
    assert_eq!(out.value, "0.5");
    assert_eq!(
        out.metadata.get("warnings").map(String::as_str),
        Some(r#""partial""#)
    );
    let seen = seen.lock().map(|l| l.clone()).unwrap_or_default();
    assert_eq!(
        seen,
        vec![
            "POST  query=up&time=1704068400".to_string(),
            "GET query=up&time=1704068400 ".to_string(),
        ]
    );
}
