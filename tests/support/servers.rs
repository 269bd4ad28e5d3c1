//! Loopback stand-ins for what Augur measures: the colorapi demo app, a SkyWalking OAP
//! answering `readMetricsValues`, and an app whose request counters Prometheus scrapes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

/// Serves `router` on a free loopback port in the current tokio runtime.
pub async fn spawn(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// The colorapi demo: `GET /` answers `{"color": ..., "status": ...}` as releases 1.0
/// (red/ok), 2.0 (blue/ok) and 3.0 (black/nok) do.
pub fn colorapi(release: &str) -> Router {
    let (color, status) = match release {
        "1.0" => ("red", "ok"),
        "2.0" => ("blue", "ok"),
        _ => ("black", "nok"),
    };
    Router::new().route(
        "/",
        get(move || async move { axum::Json(json!({"color": color, "status": status})) }),
    )
}

/// A SkyWalking OAP stand-in: `POST /graphql` answers `readMetricsValues` under the
/// `service_apdex` alias with `apdex` as the 60 minute points, after checking the request has
/// the shape Argo sends (`query`, `variables.duration` in `yyyy-MM-dd HHmm`, step MINUTE).
/// A malformed request gets a GraphQL error, so a shape regression fails the run.
pub fn skywalking(apdex: Vec<u32>) -> Router {
    let apdex = Arc::new(apdex);
    Router::new().route(
        "/graphql",
        post(move |body: axum::Json<Value>| {
            let apdex = apdex.clone();
            async move { axum::Json(skywalking_answer(&body, &apdex)) }
        }),
    )
}

fn skywalking_answer(request: &Value, apdex: &[u32]) -> Value {
    let duration = &request["variables"]["duration"];
    let minute = |v: &Value| {
        v.as_str().is_some_and(|s| {
            s.len() == 15 && chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H%M").is_ok()
        })
    };
    if !request["query"].is_string()
        || !minute(&duration["start"])
        || !minute(&duration["end"])
        || duration["step"] != "MINUTE"
    {
        return json!({"data": null, "errors": [{"message": format!("bad request shape: {request}")}]});
    }
    let values: Vec<Value> = apdex
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"id": format!("{i}"), "value": v.to_string(), "isEmptyValue": false}))
        .collect();
    json!({"data": {"service_apdex": {"label": null, "values": {"values": values}}}})
}

/// An app whose Prometheus counters grow at every scrape: `ok` requests with code 200 and
/// `errors` with code 500 per scrape, so `rate()` ratios are known in advance.
pub fn scraped_app(ok: u64, errors: u64) -> Router {
    let scrapes = Arc::new(AtomicU64::new(0));
    Router::new().route(
        "/metrics",
        get(move || {
            let n = scrapes.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                (
                    StatusCode::OK,
                    [("content-type", "text/plain; version=0.0.4")],
                    format!(
                        "# TYPE http_requests_total counter\n\
                         http_requests_total{{code=\"200\"}} {}\n\
                         http_requests_total{{code=\"500\"}} {}\n",
                        n * ok,
                        n * errors
                    ),
                )
            }
        }),
    )
}
