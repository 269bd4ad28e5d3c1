//! The service's scheduler: every active run is the one driver ([`analysis_core::drive`]) on
//! the wall clock with the live providers, in a task of its own, with `Commit` as its
//! observer. Nothing here decides what to measure or when: that is the engine's job, so the
//! service behaves exactly like `augur run`.
//!
//! After each pass the observer commits the pass to the store and only then publishes it; a
//! commit that fails is retried before the run measures anything new, so nothing is lost
//! while the process lives and nothing is measured twice. Terminate and delete reach a run's
//! task through its control channel: while it waits for its next pass at once, during a pass
//! right after it. Completed runs with a `spec.ttlStrategy` wait in their task until
//! [`RunEngine::ttl_expires_at`], then are deleted from the store and from memory, as Argo's
//! controller garbage-collects them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use analysis_core::drive::{self, End, Flow, Interrupt, Observer};
use analysis_core::engine::{PassReport, RunEngine, ttl_expires_at};
use analysis_core::{AnalysisRun, Measurement};
use chrono::{DateTime, Utc};
use providers::driver::{LiveSource, WallClock};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::{AbortHandle, JoinSet};

use analysis_core::secrets::mask;

use super::core::Core;
use super::redact::mask_value;
use super::store::{EncodedStatus, Lease, PassRecord, Saved};

/// How long to wait before retrying a pass whose commit failed.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// How long a run the driver reports stalled waits before it is driven again (a guard
/// against engine bugs: a correct engine never stalls).
const STALL_BACKOFF: Duration = Duration::from_secs(1);

enum Command {
    Add {
        id: i64,
        lease: Lease,
        run: Box<AnalysisRun>,
        /// How long to wait before the first pass.
        delay: Duration,
    },
    Terminate {
        id: i64,
        reply: oneshot::Sender<()>,
    },
    Remove {
        id: i64,
    },
    Expire {
        id: i64,
        name: String,
        at: DateTime<Utc>,
    },
    Shutdown {
        grace: Duration,
        reply: oneshot::Sender<usize>,
    },
}

/// What a run's task hears from the scheduler: commands, and the signal that cuts a pass.
struct Inbox {
    control: mpsc::UnboundedReceiver<Control>,
    cut: watch::Receiver<u64>,
}

/// A command for a run's task.
enum Control {
    /// Terminate; the reply goes once the terminating pass is committed.
    Terminate(oneshot::Sender<()>),
}

/// Sends work to the scheduler task; cheap to clone.
#[derive(Clone)]
pub struct SchedulerHandle {
    tx: mpsc::UnboundedSender<Command>,
}

impl SchedulerHandle {
    /// Starts driving a run this process holds under `lease` (new, or claimed from the
    /// store) with a pass now.
    pub fn add(&self, id: i64, lease: Lease, run: AnalysisRun) -> bool {
        self.tx
            .send(Command::Add {
                id,
                lease,
                run: Box::new(run),
                delay: Duration::ZERO,
            })
            .is_ok()
    }

    /// Drives a run taken back from the store after a restart. Its first pass waits a share
    /// of its interval ([`spread`]), so that after a restart the runs do not all measure at
    /// once: a backend with a small listen backlog would time most of them out.
    pub fn resume(&self, id: i64, lease: Lease, run: AnalysisRun) -> bool {
        let delay = spread(id, &run);
        self.tx
            .send(Command::Add {
                id,
                lease,
                run: Box::new(run),
                delay,
            })
            .is_ok()
    }

    /// Terminates a run; resolves once the terminating pass is committed (or the run is gone).
    pub async fn terminate(&self, id: i64) {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::Terminate { id, reply }).is_ok() {
            let _ = rx.await;
        }
    }

    /// Stops driving a run (it was deleted).
    pub fn remove(&self, id: i64) {
        let _ = self.tx.send(Command::Remove { id });
    }

    /// Deletes a completed run (loaded from the store) once its `ttlStrategy` expires; a run
    /// without one is kept.
    pub fn expire_later(&self, id: i64, run: &AnalysisRun) {
        if let (Some(at), Some(name)) = (ttl_expires_at(run), run.metadata.name.clone()) {
            let _ = self.tx.send(Command::Expire { id, name, at });
        }
    }

    /// Starts no new passes, lets those in flight finish within `grace`, then stops. Returns
    /// how many runs were abandoned mid-pass (they will be taken again after a restart).
    pub async fn shutdown(&self, grace: Duration) -> usize {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::Shutdown { grace, reply }).is_err() {
            return 0;
        }
        rx.await.unwrap_or(0)
    }
}

/// A run's task as the scheduler holds it.
struct Task {
    control: mpsc::UnboundedSender<Control>,
    /// Bumped on terminate: cuts the run's pass in flight short (see [`LiveSource::cut_by`]).
    cut: watch::Sender<u64>,
    abort: AbortHandle,
}

struct Scheduler {
    core: Arc<Core>,
    tasks: HashMap<i64, Task>,
    joins: JoinSet<i64>,
    /// Set on shutdown: every run stops at its next wait.
    stopping: watch::Sender<bool>,
}

/// Starts the scheduler task.
pub fn spawn(core: Arc<Core>) -> SchedulerHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let scheduler = Scheduler {
        core,
        tasks: HashMap::new(),
        joins: JoinSet::new(),
        stopping: watch::channel(false).0,
    };
    tokio::spawn(scheduler.run(rx));
    SchedulerHandle { tx }
}

impl Scheduler {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(Command::Shutdown { grace, reply }) => {
                        let abandoned = self.drain(grace).await;
                        let _ = reply.send(abandoned);
                        return;
                    }
                    Some(cmd) => self.command(cmd),
                    None => return,
                },
                Some(joined) = self.joins.join_next(), if !self.joins.is_empty() => {
                    self.joined(joined);
                }
            }
        }
    }

    fn start(
        &mut self,
        id: i64,
        work: impl Future<Output = ()> + Send + 'static,
        control: mpsc::UnboundedSender<Control>,
        cut: watch::Sender<u64>,
    ) {
        if let Some(old) = self.tasks.remove(&id) {
            old.abort.abort();
        }
        let abort = self.joins.spawn(async move {
            work.await;
            id
        });
        self.tasks.insert(
            id,
            Task {
                control,
                cut,
                abort,
            },
        );
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Add {
                id,
                lease,
                run,
                delay,
            } => {
                let (control, rx) = mpsc::unbounded_channel();
                let (cut, cut_rx) = watch::channel(0);
                let work = drive_run(
                    self.core.clone(),
                    id,
                    lease,
                    *run,
                    Inbox {
                        control: rx,
                        cut: cut_rx,
                    },
                    self.stopping.subscribe(),
                    delay,
                );
                self.start(id, work, control, cut);
            }
            Command::Terminate { id, reply } => {
                let reply = match self.tasks.get(&id) {
                    Some(task) => match task.control.send(Control::Terminate(reply)) {
                        Ok(()) => {
                            // A pass waiting on a backend stops waiting: its measurements are
                            // terminated by the next pass, at once.
                            task.cut.send_modify(|n| *n = n.wrapping_add(1));
                            return;
                        }
                        Err(mpsc::error::SendError(Control::Terminate(reply))) => reply,
                    },
                    None => reply,
                };
                let _ = reply.send(());
            }
            Command::Remove { id } => {
                if let Some(task) = self.tasks.remove(&id) {
                    task.abort.abort();
                }
            }
            Command::Expire { id, name, at } => {
                let (control, _) = mpsc::unbounded_channel();
                let work = expire_at(self.core.clone(), id, name, at, self.stopping.subscribe());
                self.start(id, work, control, watch::channel(0).0);
            }
            Command::Shutdown { .. } => {}
        }
    }

    fn joined(&mut self, joined: Result<i64, tokio::task::JoinError>) {
        match joined {
            Ok(id) => {
                // A task replaced by a newer one for the same id has already been removed.
                if self.tasks.get(&id).is_some_and(|t| t.abort.is_finished()) {
                    self.tasks.remove(&id);
                }
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                // A panicking run loses its engine; it resumes from the store on restart.
                tracing::error!(error = %e, "a run's task failed");
                self.tasks.retain(|_, t| !t.abort.is_finished());
            }
        }
    }

    /// Lets passes in flight finish (and commit) within `grace`; abandons the rest.
    async fn drain(&mut self, grace: Duration) -> usize {
        let _ = self.stopping.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        while !self.joins.is_empty() {
            match tokio::time::timeout_at(deadline, self.joins.join_next()).await {
                Ok(Some(joined)) => self.joined(joined),
                Ok(None) | Err(_) => break,
            }
        }
        let abandoned = self.joins.len();
        self.joins.abort_all();
        abandoned
    }
}

/// One run's task: the driver until the run completes, then its TTL, if any.
async fn drive_run(
    core: Arc<Core>,
    id: i64,
    lease: Lease,
    run: AnalysisRun,
    inbox: Inbox,
    stopping: watch::Receiver<bool>,
    delay: Duration,
) {
    if !delay.is_zero() {
        let mut stop = stopping.clone();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
    let mut engine = RunEngine::new(run);
    let mut commit = Commit {
        core: core.clone(),
        id,
        lease,
        control: inbox.control,
        stopping: stopping.clone(),
        waiters: Vec::new(),
    };
    let mut source = LiveSource::new(&core.providers).cut_by(inbox.cut);
    loop {
        let end = drive::drive(
            &mut engine,
            core.secrets.as_ref(),
            &WallClock,
            &mut source,
            &mut commit,
            None,
        )
        .await;
        match end {
            End::Completed => break,
            End::Stalled => {
                tracing::error!(
                    run_id = id,
                    "the engine stalled; driving the run again shortly"
                );
                let mut stop = stopping.clone();
                tokio::select! {
                    _ = tokio::time::sleep(STALL_BACKOFF) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
            }
            End::Horizon | End::Exhausted | End::Stopped => return,
        }
    }
    for w in commit.waiters.drain(..) {
        let _ = w.send(());
    }
    let name = engine.run().metadata.name.clone();
    if let (Some(at), Some(name)) = (engine.ttl_expires_at(), name) {
        expire_at(core, id, name, at, stopping).await;
    }
}

/// Where in its shortest interval a resumed run takes its first pass: spread evenly by its
/// id (the same place after every restart), never more than a minute away.
pub fn spread(id: i64, run: &AnalysisRun) -> Duration {
    let interval = run
        .spec
        .metrics
        .iter()
        .filter_map(|m| m.interval.as_deref())
        .filter_map(|i| analysis_core::duration::parse_duration(i).ok())
        .filter_map(|d| d.to_std().ok())
        .filter(|d| !d.is_zero())
        .min()
        .unwrap_or(Duration::ZERO)
        .min(Duration::from_secs(60));
    let slots = u64::try_from(interval.as_millis()).unwrap_or(0);
    if slots == 0 {
        return Duration::ZERO;
    }
    // Fibonacci hashing spreads consecutive ids across the interval.
    let h = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Duration::from_millis(((u128::from(h) * u128::from(slots)) >> 64) as u64)
}

/// `m` with every form of the run's secrets masked in its message, value and metadata.
fn mask_measurement(m: &Measurement, secrets: &[String]) -> Measurement {
    let mut m = m.clone();
    m.message = mask(&m.message, secrets);
    m.value = mask(&m.value, secrets);
    for v in m.metadata.values_mut() {
        *v = mask(v, secrets);
    }
    m
}

/// Deletes a completed run when its TTL expires: store first, then memory. A failed delete
/// is logged and left to the next start, which expires it again.
async fn expire_at(
    core: Arc<Core>,
    id: i64,
    name: String,
    at: DateTime<Utc>,
    mut stopping: watch::Receiver<bool>,
) {
    let wait = (at - Utc::now()).to_std().unwrap_or_default();
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = stopping.wait_for(|s| *s) => return,
    }
    match core.store.delete_run(id).await {
        Ok(_) => {
            core.registry.remove_if_id(&name, id);
            core.metrics.forget_run(&name);
            tracing::info!(run = %name, "ttlStrategy expired; run deleted");
        }
        Err(e) => tracing::error!(run = %name, error = %e, "could not delete an expired run"),
    }
}

/// The service's observer of a run's drive: commits every pass, then publishes it.
struct Commit {
    core: Arc<Core>,
    id: i64,
    /// The claim every write is conditional on.
    lease: Lease,
    control: mpsc::UnboundedReceiver<Control>,
    stopping: watch::Receiver<bool>,
    /// Terminate calls waiting for the run to complete.
    waiters: Vec<oneshot::Sender<()>>,
}

impl Observer for Commit {
    fn before_pass(
        &mut self,
        _engine: &mut RunEngine,
        due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) {
        let lag = due.map(|due| (now - due).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6);
        self.core.metrics.pass_started(lag);
        self.core.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    async fn after_pass(&mut self, engine: &RunEngine, report: &mut PassReport) -> Flow {
        self.core.in_flight.fetch_sub(1, Ordering::Relaxed);
        let completed = engine.is_completed();
        let idle = report.measurements.is_empty() && !report.changed;
        if (!idle || completed) && !self.save(engine, report).await {
            return Flow::Stop;
        }
        // A terminate that came during the pass: the next pass completes the run.
        let mut terminate = false;
        while let Ok(Control::Terminate(reply)) = self.control.try_recv() {
            self.waiters.push(reply);
            terminate = true;
        }
        if terminate && !completed {
            Flow::Terminate
        } else {
            Flow::Continue
        }
    }

    async fn interrupt(&mut self, _engine: &RunEngine) -> Interrupt {
        tokio::select! {
            control = self.control.recv() => match control {
                Some(Control::Terminate(reply)) => {
                    self.waiters.push(reply);
                    Interrupt::Terminate
                }
                None => Interrupt::Stop,
            },
            _ = self.stopping.wait_for(|s| *s) => Interrupt::Stop,
        }
    }
}

impl Commit {
    /// Commits the pass, retrying until the store takes it (or the service stops), then
    /// publishes it. `false` when the run must stop: deleted, or shutting down unsaved.
    async fn save(&mut self, engine: &RunEngine, report: &PassReport) -> bool {
        let completed = engine.is_completed();
        // Resolved secret values are never written: a backend that echoes one, or a resolved
        // query holding one, is stored masked in every form (see `secrets::secret_forms`).
        let secrets = self.secrets(engine);
        let masked: Vec<Measurement>;
        let measurements: Vec<(&str, &Measurement)> = if secrets.is_empty() {
            report
                .measurements
                .iter()
                .map(|r| (r.metric_name.as_str(), &r.measurement))
                .collect()
        } else {
            masked = report
                .measurements
                .iter()
                .map(|r| mask_measurement(&r.measurement, &secrets))
                .collect();
            report
                .measurements
                .iter()
                .zip(&masked)
                .map(|(r, m)| (r.metric_name.as_str(), m))
                .collect()
        };
        let status = loop {
            match self
                .try_save(engine, &measurements, &secrets, completed)
                .await
            {
                Ok(Some(status)) => break status,
                Ok(None) => return false,
                Err(e) => {
                    self.core.metrics.store_error();
                    tracing::error!(run_id = self.id, error = %e, "could not commit a pass; retrying it");
                    tokio::select! {
                        _ = tokio::time::sleep(STORE_RETRY) => {}
                        // The pass is lost to this process; a restart takes it again.
                        _ = self.stopping.wait_for(|s| *s) => return false,
                    }
                }
            }
        };
        self.publish(engine, &measurements, status, completed);
        true
    }

    /// One commit, with `secrets` masked in the status: `Ok(None)` when the run is no longer
    /// this process's to write.
    async fn try_save(
        &self,
        engine: &RunEngine,
        measurements: &[(&str, &Measurement)],
        secrets: &[String],
        completed: bool,
    ) -> Result<Option<EncodedStatus>, String> {
        let mut status =
            EncodedStatus::new(engine.run().status.as_ref()).map_err(|e| e.to_string())?;
        if let (false, Some(json)) = (secrets.is_empty(), status.json.as_deref()) {
            let mut value: serde_json::Value =
                serde_json::from_str(json).map_err(|e| e.to_string())?;
            mask_value(&mut value, secrets);
            status.json = Some(Arc::from(value.to_string()));
        }
        let record = PassRecord {
            id: self.id,
            lease: self.lease,
            status: status.clone(),
            completed,
            next_due: engine.next_pass_at().filter(|_| !completed),
            measurements: measurements.to_vec(),
        };
        match self.core.store.save_pass(record).await {
            Ok(Saved::Committed) => Ok(Some(status)),
            Ok(Saved::Gone) => Ok(None),
            Ok(Saved::Fenced) => {
                tracing::warn!(run_id = self.id, "another claim holds the run; dropping it");
                Ok(None)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// The run's resolved secret values, as its snapshot holds them.
    fn secrets(&self, engine: &RunEngine) -> Arc<[String]> {
        let name = engine.run().metadata.name.as_deref().unwrap_or("");
        self.core
            .registry
            .get(name)
            .filter(|s| s.id == self.id)
            .map_or_else(|| Arc::from(Vec::new()), |s| s.secrets.clone())
    }

    /// Reports a committed pass: the run's snapshot, its measurements' series, its verdict.
    fn publish(
        &self,
        engine: &RunEngine,
        measurements: &[(&str, &Measurement)],
        status: EncodedStatus,
        completed: bool,
    ) {
        let core = &self.core;
        let name = engine.run().metadata.name.as_deref().unwrap_or("");
        // Unless the run was deleted or replaced meanwhile.
        let Some(prev) = core.registry.get(name).filter(|s| s.id == self.id) else {
            return;
        };
        let snap = prev.after_pass(engine.run(), status.json, completed, core.secrets.as_ref());
        for (metric_name, m) in measurements {
            let provider = engine
                .run()
                .spec
                .metrics
                .iter()
                .find(|m| m.name == *metric_name)
                .and_then(|m| m.provider.kind())
                .unwrap_or("");
            let seconds = m
                .started_at
                .zip(m.finished_at)
                .map(|(s, f)| (f - s).num_microseconds().unwrap_or(0) as f64 / 1e6);
            core.metrics.measurement(
                &snap.name,
                metric_name,
                provider,
                m.phase.as_str(),
                seconds,
                // A value holding a secret (a backend echoing it) is not exported at all.
                if snap.secrets.iter().any(|s| m.value.contains(s.as_str())) {
                    ""
                } else {
                    &m.value
                },
            );
        }
        if completed {
            tracing::info!(run = %snap.name, phase = snap.phase_str(), message = %snap.message, "run completed");
        }
        core.registry.publish(snap);
    }
}
