//! Shared helpers for the end-to-end tests: the replay scenarios under `fixtures/scenarios`,
//! a real Prometheus (backfilled history or live scraping), and loopback stand-ins for the
//! systems Augur measures; and `gated`, the harness for suites that need a part from outside
//! the repository.

// Test and bench support: a broken fixture or server should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod gated;
pub mod prometheus;
pub mod scenarios;
pub mod servers;

use std::path::PathBuf;

/// The workspace root (fixtures live there).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Runs a test's async body on a fresh multi-threaded runtime (two workers, like the
/// `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` it replaces in gated suites).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}
