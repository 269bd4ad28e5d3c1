//! The web provider against a loopback colorapi (releases 1.0 red/ok, 2.0 blue/ok, 3.0
//! black/nok) and against the faults a real endpoint has: refused connections, slowness, 5xx,
//! HTML, endless bodies, redirect loops, OAuth2, a self-signed certificate.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::convert::Infallible;
use std::time::Duration;

use analysis_core::model::{Authentication, Header, MetricProvider, OAuth2Config, WebMetric};
use analysis_core::{Fetched, MeasureContext, Metric, Value};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{any, get, post};
use chrono::Utc;
use providers::{ProviderOptions, Providers};

fn colorapi() -> axum::Router {
    axum::Router::new()
        .route("/release/{version}", get(release))
        .route("/slow", get(slow))
        .route("/fail", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route(
            "/html",
            get(|| async { Html("<html><body>maintenance</body></html>") }),
        )
        .route("/huge", get(huge))
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route("/echo", any(echo))
        .route("/token", post(token))
        .route("/secure", get(secure))
}

async fn release(Path(version): Path<String>) -> impl IntoResponse {
    let (color, status) = match version.as_str() {
        "1.0" => ("red", "ok"),
        "2.0" => ("blue", "ok"),
        "3.0" => ("black", "nok"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    Json(serde_json::json!({"color": color, "status": status})).into_response()
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "too late"
}

/// 100 MiB, streamed in 64 KiB chunks without a Content-Length.
async fn huge() -> Body {
    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let stream = futures::stream::iter((0..1600).map(move |_| Ok::<_, Infallible>(chunk.clone())));
    Body::from_stream(stream)
}

async fn echo(method: Method, headers: HeaderMap, body: String) -> Json<serde_json::Value> {
    let header = |k: &str| {
        headers
            .get_all(k)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("|")
    };
    Json(serde_json::json!({
        "method": method.as_str(),
        "contentType": header("content-type"),
        "xTeam": header("x-team"),
        "authorization": header("authorization"),
        "body": body,
    }))
}

async fn token(headers: HeaderMap, body: String) -> impl IntoResponse {
    // "augur:s3cret" in a Basic header, as Go's oauth2 sends it first.
    let basic = headers.get("authorization").and_then(|v| v.to_str().ok());
    if basic != Some("Basic YXVndXI6czNjcmV0") || !body.contains("grant_type=client_credentials") {
        return (StatusCode::UNAUTHORIZED, r#"{"message":"bad client"}"#).into_response();
    }
    Json(serde_json::json!({"access_token": "t0k", "token_type": "bearer", "expires_in": 60}))
        .into_response()
}

async fn secure(headers: HeaderMap) -> impl IntoResponse {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some("Bearer t0k") => Json(serde_json::json!({"status": "ok"})).into_response(),
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

fn web(url: String) -> WebMetric {
    WebMetric {
        url,
        ..Default::default()
    }
}

async fn fetch_with(options: ProviderOptions, web: WebMetric) -> Fetched {
    let providers = Providers::new(options).expect("providers");
    let metric: Metric = support::metric(MetricProvider {
        web: Some(web),
        ..Default::default()
    });
    let provider = providers.for_metric(&metric);
    let fetched = support::within(
        30,
        provider.fetch(&metric, &MeasureContext { now: Utc::now() }),
    )
    .await;
    if let Some(raw) = &fetched.raw {
        assert_eq!(provider.parse(&metric, raw), fetched.outcome, "replay");
    }
    fetched
}

async fn fetch(web: WebMetric) -> Fetched {
    fetch_with(ProviderOptions::default(), web).await
}

#[tokio::test]
async fn colorapi_releases() {
    let addr = support::serve(colorapi()).await;
    for (version, color, status) in [
        ("1.0", "red", "ok"),
        ("2.0", "blue", "ok"),
        ("3.0", "black", "nok"),
    ] {
        let status_of = fetch(WebMetric {
            json_path: Some("{$.status}".into()),
            ..web(format!("http://{addr}/release/{version}"))
        })
        .await
        .outcome
        .expect("status");
        assert_eq!(status_of.result, Value::string(status));
        assert_eq!(status_of.value, format!("\"{status}\""));
        let whole = fetch(web(format!("http://{addr}/release/{version}")))
            .await
            .outcome
            .expect("whole body");
        assert_eq!(
            whole.value,
            format!(r#"{{"color":"{color}","status":"{status}"}}"#)
        );
    }
}

#[tokio::test]
async fn faults_become_argo_errors() {
    let addr = support::serve(colorapi()).await;
    let port = support::closed_port();
    let refused = fetch(web(format!("http://127.0.0.1:{port}/release/1.0"))).await;
    assert_eq!(
        support::error_of(refused.outcome),
        format!(
            "Get \"http://127.0.0.1:{port}/release/1.0\": dial tcp 127.0.0.1:{port}: connect: \
             connection refused"
        )
    );

    let slow = fetch(WebMetric {
        timeout_seconds: Some(1),
        ..web(format!("http://{addr}/slow"))
    })
    .await;
    assert_eq!(
        support::error_of(slow.outcome),
        format!(
            "Get \"http://{addr}/slow\": context deadline exceeded (Client.Timeout exceeded while \
             awaiting headers)"
        )
    );

    let fail = fetch(web(format!("http://{addr}/fail"))).await;
    assert_eq!(
        support::error_of(fail.outcome),
        "received non 2xx response code: 503"
    );

    let html = fetch(WebMetric {
        json_path: Some("{$.status}".into()),
        ..web(format!("http://{addr}/html"))
    })
    .await
    .outcome
    .expect("HTML is a string result");
    assert_eq!(
        html.result,
        Value::string("<html><body>maintenance</body></html>")
    );

    let huge = fetch(web(format!("http://{addr}/huge"))).await;
    assert_eq!(
        support::error_of(huge.outcome),
        "response body exceeds 10485760 bytes"
    );

    let looping = fetch(web(format!("http://{addr}/loop"))).await;
    assert_eq!(
        support::error_of(looping.outcome),
        format!("Get \"http://{addr}/loop\": stopped after 10 redirects")
    );

    let scheme = fetch(web("ftp://example.invalid/x".into())).await;
    assert_eq!(
        support::error_of(scheme.outcome),
        r#"Get "ftp://example.invalid/x": unsupported protocol scheme "ftp""#
    );
}

#[tokio::test]
async fn requests_carry_method_headers_and_bodies() {
    let addr = support::serve(colorapi()).await;
    let out = fetch(WebMetric {
        method: Some("POST".into()),
        headers: vec![
            Header {
                key: "X-Team".into(),
                value: "a".into(),
            },
            Header {
                key: "x-team".into(),
                value: "b".into(),
            },
            Header {
                key: "Content-Type".into(),
                value: "text/plain".into(),
            },
        ],
        json_body: Some(serde_json::json!({"color": "red"})),
        ..web(format!("http://{addr}/echo"))
    })
    .await
    .outcome
    .expect("echo");
    let Value::Map(echo) = out.result else {
        panic!("expected an object, got {:?}", out.result)
    };
    assert_eq!(echo.get("method"), Some(&Value::string("POST")));
    assert_eq!(echo.get("xTeam"), Some(&Value::string("b")));
    assert_eq!(
        echo.get("contentType"),
        Some(&Value::string("application/json"))
    );
    assert_eq!(echo.get("body"), Some(&Value::string(r#"{"color":"red"}"#)));

    let get_with_body = fetch(WebMetric {
        body: Some("x".into()),
        ..web(format!("http://{addr}/echo"))
    })
    .await;
    assert_eq!(
        support::error_of(get_with_body.outcome),
        "Body/JSONBody can only be used with POST or PUT WebMetric Method types"
    );
    assert!(get_with_body.raw.is_none(), "no request may be sent");
}

#[tokio::test]
async fn oauth2_client_credentials() {
    let addr = support::serve(colorapi()).await;
    let with_oauth = |secret: &str| WebMetric {
        json_path: Some("{$.status}".into()),
        authentication: Some(Authentication {
            oauth2: Some(OAuth2Config {
                token_url: Some(format!("http://{addr}/token")),
                client_id: Some("augur".into()),
                client_secret: Some(secret.into()),
                scopes: vec!["metrics:read".into()],
            }),
            ..Default::default()
        }),
        ..web(format!("http://{addr}/secure"))
    };
    let ok = fetch(with_oauth("s3cret"))
        .await
        .outcome
        .expect("token works");
    assert_eq!(ok.result, Value::string("ok"));
    let refused = fetch(with_oauth("wrong")).await;
    assert_eq!(
        support::error_of(refused.outcome),
        format!(
            "Get \"http://{addr}/secure\": oauth2: cannot fetch token: 401 Unauthorized\n\
             Response: {{\"message\":\"bad client\"}}"
        )
    );
}

#[tokio::test]
async fn allow_hosts_guards_requests_and_redirects() {
    let addr = support::serve(colorapi()).await;
    let bounce = support::serve(axum::Router::new().route(
        "/out",
        get(move || async move {
            Redirect::temporary(&format!("http://localhost:{}/release/1.0", addr.port()))
        }),
    ))
    .await;
    let options = || ProviderOptions {
        allow_hosts: Some(vec![
            format!("127.0.0.1:{}", bounce.port()),
            addr.to_string(),
        ]),
        ..ProviderOptions::default()
    };
    let allowed = fetch_with(options(), web(format!("http://{addr}/release/2.0"))).await;
    assert!(allowed.outcome.is_ok());
    let redirected = fetch_with(options(), web(format!("http://{bounce}/out"))).await;
    let message = support::error_of(redirected.outcome);
    assert!(
        message.contains(r#"host "localhost" is not in the allowed hosts"#),
        "{message}"
    );
    let direct = fetch_with(
        options(),
        web("http://169.254.169.254/latest/meta-data".into()),
    )
    .await;
    assert_eq!(
        support::error_of(direct.outcome),
        format!(
            "Get \"http://169.254.169.254/latest/meta-data\": host \"169.254.169.254\" is not in \
             the allowed hosts (127.0.0.1:{}, {addr})",
            bounce.port()
        )
    );
}

/// An HTTPS endpoint on loopback with the self-signed certificate under `fixtures/tls/`,
/// answering every request with colorapi 1.0's body. HTTP/1.1 by hand: TLS is what is tested.
async fn serve_self_signed_tls() -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let dir = support::fixtures().join("tls");
    let cert = CertificateDer::from_pem_file(dir.join("self-signed.cert.pem")).expect("cert");
    let key = PrivateKeyDer::from_pem_file(dir.join("self-signed.key.pem")).expect("key");
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(n) if n > 0 => request.extend_from_slice(&buf[..n]),
                        _ => return,
                    }
                }
                let body = r#"{"color":"red","status":"ok"}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn insecure_accepts_a_self_signed_certificate_and_only_then() {
    let addr = serve_self_signed_tls().await;
    let url = format!("https://127.0.0.1:{}/", addr.port());
    let checked = fetch(WebMetric {
        json_path: Some("{$.status}".into()),
        ..web(url.clone())
    })
    .await;
    let message = support::error_of(checked.outcome);
    assert_eq!(
        message,
        format!(
            "Get \"{url}\": tls: failed to verify certificate: x509: certificate signed by \
             unknown authority"
        )
    );
    let insecure = fetch(WebMetric {
        json_path: Some("{$.status}".into()),
        insecure: true,
        ..web(url)
    })
    .await
    .outcome
    .expect("insecure skips verification, as Go's InsecureSkipVerify");
    assert_eq!(insecure.result, Value::string("ok"));
}
