//! Helpers shared by the providers' integration tests.

#![allow(dead_code)]

/// The one real-Prometheus harness, shared with the workspace tests crate.
#[path = "../../../tests/support/prometheus.rs"]
pub mod prometheus;

/// Gating for suites that need a part from outside the repository, shared likewise.
#[path = "../../../tests/support/gated.rs"]
pub mod gated;

/// The loopback stand-ins (colorapi, SkyWalking OAP, a scraped app), shared likewise.
#[path = "../../../tests/support/servers.rs"]
pub mod servers;

/// Serves an axum router on a free loopback port for the rest of the test.
pub use servers::spawn as serve;

use std::future::Future;
use std::path::PathBuf;

use analysis_core::model::MetricProvider;
use analysis_core::{Metric, RawResponse};

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// A metric named `m` with the given provider block.
pub fn metric(provider: MetricProvider) -> Metric {
    Metric {
        name: "m".into(),
        provider,
        ..Default::default()
    }
}

/// Guards a test against hanging: a bounded wait, never a timing assertion.
pub async fn within<T>(secs: u64, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(secs), f)
        .await
        .expect("the provider did not finish at all")
}

/// The outcome's message, or a panic naming the unexpected success.
pub fn error_of(
    outcome: Result<analysis_core::ProviderOutput, analysis_core::ProviderError>,
) -> String {
    match outcome {
        Ok(o) => panic!("expected an error, got {o:?}"),
        Err(e) => e.message,
    }
}

/// A raw response for `Provider::parse`.
pub fn raw(status: u16, body: &str) -> RawResponse {
    RawResponse {
        status,
        body: body.into(),
    }
}
