//! The service's durable state behind one trait, so one node runs on embedded SQLite
//! ([`SqliteStore`]) and replicas can share a database.
//!
//! The trait is shaped for claims and leases, not just rows: a replica drives only the runs
//! it has claimed ([`Store::claim_runs`]), each claim carries a [`Lease`] whose epoch grows
//! with every claim, and every write of a pass is conditional on that epoch
//! ([`Store::save_pass`] answers [`Saved::Fenced`] otherwise), so a replica that lost a run
//! can never write to it again.

mod backup;
mod health;
pub mod lock;
mod sqlite;

use std::sync::Arc;

use analysis_core::{AnalysisRun, AnalysisRunStatus, AnalysisTemplate, BoxFuture, Measurement};
use chrono::{DateTime, Utc};

pub use backup::{Copied, backup};
pub use health::{PROBE_EVERY, Watched};
pub use sqlite::SqliteStore;

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The name is taken.
    #[error("an AnalysisRun named \"{0}\" already exists")]
    Duplicate(String),
    /// The database refused (`context` says what was being done).
    #[error("store: {context}: {source}")]
    Backend {
        /// What the store was doing.
        context: &'static str,
        /// The database's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A row could not be encoded or decoded.
    #[error("store: {context}: {source}")]
    Json {
        /// What was being encoded or decoded.
        context: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// The transaction holding a write did not commit.
    #[error("store: commit failed: {0}")]
    Commit(String),
    /// The store is shutting down.
    #[error("store: the writer has stopped")]
    Closed,
}

impl StoreError {
    /// The database itself refused (a full disk, a lost connection, shutting down): the
    /// request may succeed later, unlike a duplicate name or an undecodable row.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Backend { .. } | StoreError::Commit(_) | StoreError::Closed
        )
    }
}

/// A run as stored: its row id (stable across renames and re-creations) and the run itself.
#[derive(Clone, Debug)]
pub struct StoredRun {
    /// The run's row id.
    pub id: i64,
    /// Spec and status.
    pub run: AnalysisRun,
    /// Whether it reached its verdict.
    pub completed: bool,
}

/// The right to write a run's passes: a replica's claim at one epoch. A later claim by anyone
/// raises the epoch, and writes under the old one are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// Raised by every claim of the run.
    pub epoch: i64,
}

/// A run this process now drives, and its lease.
#[derive(Clone, Debug)]
pub struct ClaimedRun {
    /// The run as stored.
    pub stored: StoredRun,
    /// The claim.
    pub lease: Lease,
}

/// A new run, claimed by the process that created it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inserted {
    /// Its row id.
    pub id: i64,
    /// The creator's lease on it.
    pub lease: Lease,
}

/// What became of a pass sent to [`Store::save_pass`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Committed.
    Committed,
    /// The run no longer exists (deleted meanwhile); nothing was written.
    Gone,
    /// Another claim holds the run now; nothing was written and this process must drop it.
    Fenced,
}

/// A run status encoded once per pass: the store writes this JSON and the registry serves
/// the same bytes, so a pass neither clones the status nor encodes it twice.
#[derive(Clone, Debug, Default)]
pub struct EncodedStatus {
    /// The status as JSON (`None` before the first pass).
    pub json: Option<Arc<str>>,
    /// The run's phase.
    pub phase: &'static str,
}

impl EncodedStatus {
    /// Encodes `status`.
    pub fn new(status: Option<&AnalysisRunStatus>) -> Result<EncodedStatus, StoreError> {
        Ok(EncodedStatus {
            json: status_json(status)?.map(Arc::from),
            phase: phase_of(status),
        })
    }
}

/// What one finished pass changed, written atomically. It borrows the pass's measurements:
/// everything is encoded before the write is queued, so nothing is cloned.
#[derive(Clone, Debug)]
pub struct PassRecord<'a> {
    /// The run's row id.
    pub id: i64,
    /// The lease the pass was taken under.
    pub lease: Lease,
    /// Its status after the pass.
    pub status: EncodedStatus,
    /// Whether the pass completed it.
    pub completed: bool,
    /// When it next wants a pass.
    pub next_due: Option<DateTime<Utc>>,
    /// The measurements the pass finished, in order.
    pub measurements: Vec<(&'a str, &'a Measurement)>,
}

/// A stored run whose row no longer decodes (written by another version, or damaged). It
/// keeps its name, so the service can report it and delete it instead of hiding it.
#[derive(Debug)]
pub struct UnreadableRun {
    /// The run's row id.
    pub id: i64,
    /// The name it was stored under.
    pub name: String,
    /// Why it does not decode.
    pub error: StoreError,
}

impl std::fmt::Display for UnreadableRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// Rows read, and the rows that no longer decode (reported, not fatal).
pub type Loaded<T> = Result<(Vec<T>, Vec<UnreadableRun>), StoreError>;

/// Where runs, their measurement history and templates are kept. Every write is durable when
/// its future resolves.
pub trait Store: Send + Sync {
    /// Stores a new run, claimed by this process; [`StoreError::Duplicate`] when the name is
    /// taken.
    fn insert_run<'a>(
        &'a self,
        run: &'a AnalysisRun,
    ) -> BoxFuture<'a, Result<Inserted, StoreError>>;

    /// Claims the runs that still need driving and that no live claim holds, raising each
    /// one's lease epoch. One node on its own data (SQLite) claims every incomplete run.
    fn claim_runs(&self) -> BoxFuture<'_, Loaded<ClaimedRun>>;

    /// Commits one pass if `rec.lease` still holds the run.
    fn save_pass<'a>(&'a self, rec: PassRecord<'a>) -> BoxFuture<'a, Result<Saved, StoreError>>;

    /// Replaces a run's spec (used to persist `spec.terminate` before acting on it); `false`
    /// when the run is gone.
    fn update_spec<'a>(
        &'a self,
        id: i64,
        run: &'a AnalysisRun,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Deletes a run and its measurement history; `false` when there was none.
    fn delete_run(&self, id: i64) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Every run, in creation order. Rows that no longer decode are reported, not fatal.
    fn load_runs(&self) -> BoxFuture<'_, Loaded<StoredRun>>;

    /// A run's whole measurement history, in order, with each measurement's metric.
    fn measurements(
        &self,
        id: i64,
    ) -> BoxFuture<'_, Result<Vec<(String, Measurement)>, StoreError>>;

    /// Stores a template under `name`, from `source` (`api` or `dir`).
    fn put_template<'a>(
        &'a self,
        name: &'a str,
        template: &'a AnalysisTemplate,
        source: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Deletes a template; `false` when there was none.
    fn delete_template<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// A template by name.
    fn get_template<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<AnalysisTemplate>, StoreError>>;

    /// Every template, by name.
    fn list_templates(&self) -> BoxFuture<'_, Result<Vec<AnalysisTemplate>, StoreError>>;

    /// A small write that tells whether the store takes writes (after a full disk, say).
    fn probe(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

pub(crate) fn status_json(
    status: Option<&AnalysisRunStatus>,
) -> Result<Option<String>, StoreError> {
    status
        .map(serde_json::to_string)
        .transpose()
        .map_err(|source| StoreError::Json {
            context: "encode run status".into(),
            source,
        })
}

pub(crate) fn phase_of(status: Option<&AnalysisRunStatus>) -> &'static str {
    status.and_then(|s| s.phase).map_or("", |p| p.as_str())
}
