//! Shared helpers for the end-to-end tests: the replay scenarios under `fixtures/scenarios`,
//! a real Prometheus (backfilled history or live scraping), and loopback stand-ins for the
//! systems Augur measures.

// Test and bench support: a broken fixture or server should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
