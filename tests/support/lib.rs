//! Shared helpers for the end-to-end tests: the replay scenarios under `fixtures/scenarios`
//! and a real Prometheus with backfilled history.

pub mod prometheus;
pub mod scenarios;

use std::path::PathBuf;

/// The workspace root (fixtures live there).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}
