//! The latest committed state of every run, in memory, for reads and watchers.
//!
//! Readers (GET, the verdict endpoint, WatchRun) never touch SQLite: the scheduler publishes
//! each pass here only after the store committed it. A snapshot pre-renders what the hot
//! path serves (the verdict bytes) once per pass instead of once per request, shares the
//! run's spec between passes and keeps the status as the JSON the store wrote; the full masked
//! run is rendered on demand, so a pass clones no run and 10,000 runs are not held twice.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

use analysis_core::secrets::SecretSource;
use analysis_core::{AnalysisRun, AnalysisRunStatus, Phase};
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::redact;

/// One committed state of one run.
pub struct Snapshot {
    /// The store's row id; a re-created run of the same name has another.
    pub id: i64,
    /// The run's name, unique among the service's runs.
    pub name: String,
    /// `None` until the run has a status.
    pub phase: Option<Phase>,
    /// The run message, masked.
    pub message: String,
    /// Whether the run has reached a final phase.
    pub completed: bool,
    /// The status' `startedAt`.
    pub started_at: Option<DateTime<Utc>>,
    /// The status' `completedAt`.
    pub completed_at: Option<DateTime<Utc>>,
    /// The run without its status (unmasked; never serialize this to a client). Shared by a
    /// run's snapshots: only terminating changes it.
    pub spec: Arc<AnalysisRun>,
    /// The committed status as the store holds it (JSON, unmasked), parsed only on reads.
    status: Option<Arc<str>>,
    /// The secret values the run's args resolve to, masked wherever the run is shown.
    pub secrets: Arc<[String]>,
    /// `{"phase", "message", "completed"}`, rendered.
    pub verdict: Bytes,
}

/// The verdict endpoint's body, rendered once per pass without building a JSON tree.
#[derive(serde::Serialize)]
struct VerdictBody<'a> {
    phase: &'a str,
    message: &'a str,
    completed: bool,
}

impl Snapshot {
    /// A run as created or loaded from the store.
    pub fn new(
        id: i64,
        mut run: AnalysisRun,
        completed: bool,
        secrets: &dyn SecretSource,
    ) -> Snapshot {
        let status = run.status.take();
        let json = status
            .as_ref()
            .and_then(|s| serde_json::to_string(s).ok())
            .map(Arc::from);
        Snapshot::build(id, Arc::new(run), status.as_ref(), json, completed, secrets)
    }

    /// The state a pass of `run` committed (`status` is what the store wrote). The spec is
    /// `self`'s unless the pass changed it.
    pub fn after_pass(
        &self,
        run: &AnalysisRun,
        status: Option<Arc<str>>,
        completed: bool,
        secrets: &dyn SecretSource,
    ) -> Snapshot {
        let spec = if self.spec.spec.terminate == run.spec.terminate {
            self.spec.clone()
        } else {
            let mut bare = run.clone();
            bare.status = None;
            Arc::new(bare)
        };
        Snapshot::build(
            self.id,
            spec,
            run.status.as_ref(),
            status,
            completed,
            secrets,
        )
    }

    fn build(
        id: i64,
        spec: Arc<AnalysisRun>,
        status: Option<&AnalysisRunStatus>,
        status_json: Option<Arc<str>>,
        completed: bool,
        secrets: &dyn SecretSource,
    ) -> Snapshot {
        let values = redact::secret_values(&spec, secrets);
        let phase = status.and_then(|s| s.phase);
        let message = status
            .map(|s| analysis_core::secrets::mask(&s.message, &values))
            .unwrap_or_default();
        // Argo leaves a run's phase empty until its first pass; readers get Pending.
        let verdict = VerdictBody {
            phase: phase.map_or("Pending", Phase::as_str),
            message: &message,
            completed,
        };
        let verdict = serde_json::to_vec(&verdict).unwrap_or_default();
        Snapshot {
            id,
            name: spec.metadata.name.clone().unwrap_or_default(),
            phase,
            message,
            completed,
            started_at: status.and_then(|s| s.started_at),
            completed_at: status.and_then(|s| s.completed_at),
            spec,
            status: status_json,
            secrets: values.into(),
            verdict: Bytes::from(verdict),
        }
    }

    /// The run as clients see it: Argo-shaped JSON with secrets masked.
    pub fn masked(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(&*self.spec).unwrap_or(serde_json::Value::Null);
        let status = self
            .status
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
        if let (Some(o), Some(status)) = (v.as_object_mut(), status) {
            o.insert("status".into(), status);
        }
        redact::mask_value(&mut v, &self.secrets);
        v
    }

    /// The phase as the API reports it (`Pending` before the first pass).
    pub fn phase_str(&self) -> &'static str {
        self.phase.map_or("Pending", Phase::as_str)
    }
}

struct Entry {
    snap: Arc<Snapshot>,
    tx: watch::Sender<Arc<Snapshot>>,
}

/// A stored run whose row no longer decodes: its name stays taken and reported until it is
/// deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// The store's row id.
    pub id: i64,
    /// Its name, which stays taken.
    pub name: String,
    /// Why it does not decode.
    pub reason: String,
}

/// Every run's latest committed snapshot, with a watch channel per run for streams and
/// waiters. Readers never touch the store.
#[derive(Default)]
pub struct Registry {
    runs: RwLock<HashMap<String, Entry>>,
    unreadable: RwLock<BTreeMap<String, Unreadable>>,
}

impl Registry {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Entry>> {
        self.runs.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Entry>> {
        self.runs.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a run; `false` when the name is taken.
    pub fn insert(&self, snap: Snapshot) -> bool {
        let mut map = self.write();
        if map.contains_key(&snap.name) {
            return false;
        }
        let snap = Arc::new(snap);
        let (tx, _) = watch::channel(snap.clone());
        map.insert(snap.name.clone(), Entry { snap, tx });
        true
    }

    /// Replaces a run's snapshot and wakes its watchers, unless the run was deleted (or
    /// replaced by a new run of the same name) meanwhile.
    pub fn publish(&self, snap: Snapshot) {
        let mut map = self.write();
        if let Some(entry) = map.get_mut(&snap.name)
            && entry.snap.id == snap.id
        {
            let snap = Arc::new(snap);
            entry.snap = snap.clone();
            entry.tx.send_replace(snap);
        }
    }

    /// The run's latest committed snapshot.
    pub fn get(&self, name: &str) -> Option<Arc<Snapshot>> {
        self.read().get(name).map(|e| e.snap.clone())
    }

    /// A receiver woken at every commit of the run; closed when it is removed.
    pub fn subscribe(&self, name: &str) -> Option<watch::Receiver<Arc<Snapshot>>> {
        self.read().get(name).map(|e| e.tx.subscribe())
    }

    /// Removes a run; its watchers see their channel close.
    pub fn remove(&self, name: &str) -> Option<Arc<Snapshot>> {
        self.write().remove(name).map(|e| e.snap)
    }

    /// Removes a run only if it is still the one with store id `id` (not a re-creation of the
    /// same name); its watchers see their channel close.
    pub fn remove_if_id(&self, name: &str, id: i64) -> bool {
        let mut map = self.write();
        if map.get(name).is_some_and(|e| e.snap.id == id) {
            map.remove(name);
            true
        } else {
            false
        }
    }

    /// Every run (optionally only those in `phase`), oldest first.
    pub fn list(&self, phase: Option<&str>) -> Vec<Arc<Snapshot>> {
        let mut out: Vec<_> = self
            .read()
            .values()
            .filter(|e| phase.is_none_or(|p| e.snap.phase_str() == p))
            .map(|e| e.snap.clone())
            .collect();
        out.sort_by_key(|s| s.id);
        out
    }

    /// Records a stored run that could not be decoded.
    pub fn insert_unreadable(&self, id: i64, name: String, reason: String) {
        let entry = Unreadable {
            id,
            name: name.clone(),
            reason,
        };
        self.unreadable
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, entry);
    }

    /// The unreadable run stored under `name`, if any.
    pub fn unreadable(&self, name: &str) -> Option<Unreadable> {
        self.unreadable
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// Every unreadable run, by name.
    pub fn list_unreadable(&self) -> Vec<Unreadable> {
        self.unreadable
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// Forgets an unreadable run (once its row is deleted).
    pub fn remove_unreadable(&self, name: &str) -> Option<Unreadable> {
        self.unreadable
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name)
    }

    /// How many runs are in each phase, for `/metrics`.
    pub fn count_by_phase(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for e in self.read().values() {
            *out.entry(e.snap.phase_str().to_string()).or_default() += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis_core::secrets::NoSecrets;

    fn run(name: &str) -> AnalysisRun {
        let mut r = AnalysisRun::default();
        r.metadata.name = Some(name.into());
        r
    }

    #[test]
    fn publish_only_reaches_the_same_run() {
        let reg = Registry::default();
        assert!(reg.insert(Snapshot::new(1, run("a"), false, &NoSecrets)));
        assert!(!reg.insert(Snapshot::new(2, run("a"), false, &NoSecrets)));
        let mut rx = reg
            .subscribe("a")
            .map(|mut r| r.borrow_and_update().completed);
        assert_eq!(rx.take(), Some(false));
        // A late pass of a deleted-and-recreated run must not overwrite the new one.
        reg.remove("a");
        assert!(reg.insert(Snapshot::new(3, run("a"), false, &NoSecrets)));
        reg.publish(Snapshot::new(1, run("a"), true, &NoSecrets));
        assert_eq!(reg.get("a").map(|s| (s.id, s.completed)), Some((3, false)));
        reg.publish(Snapshot::new(3, run("a"), true, &NoSecrets));
        assert_eq!(reg.get("a").map(|s| s.completed), Some(true));
        assert_eq!(reg.list(Some("Pending")).len(), 1);
        assert_eq!(reg.list(Some("Running")).len(), 0);
    }

    #[test]
    fn verdict_before_the_first_pass_is_pending() {
        let s = Snapshot::new(1, run("a"), false, &NoSecrets);
        let v: serde_json::Value =
            serde_json::from_slice(&s.verdict).unwrap_or(serde_json::Value::Null);
        assert_eq!(
            v,
            serde_json::json!({"phase": "Pending", "message": "", "completed": false})
        );
    }
}
