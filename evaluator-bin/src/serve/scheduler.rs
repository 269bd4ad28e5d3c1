//! One scheduler drives every active run through the one engine.
//!
//! A single task owns every idle [`RunEngine`] and a [`DueQueue`] of when each is next due;
//! it sleeps until the earliest, then hands each due engine to a pass task that calls
//! [`providers::driver::run_pass`] (the providers bound their own concurrency), commits the
//! result to the store and only then publishes it. The engine comes back with the pass's
//! outcome and is queued again at [`RunEngine::next_pass_at`]. Nothing here decides what to
//! measure or when: that is the engine's job, so the service behaves exactly like `augur run`.
//!
//! Completed runs with a `spec.ttlStrategy` wait in a second queue until
//! [`RunEngine::ttl_expires_at`], then are deleted from the store and from memory, as Argo's
//! controller garbage-collects them.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use analysis_core::engine::{RunEngine, ttl_expires_at};
use analysis_core::{AnalysisRun, Measurement};
use chrono::Utc;
use providers::driver::{SystemClock, run_pass};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::core::Core;
use super::queue::DueQueue;
use super::store::{EncodedStatus, PassRecord};

/// How long to wait before retrying a pass whose commit failed.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// The shortest gap after a pass that neither measured nor changed anything, so an engine
/// that keeps answering "due now" cannot spin the scheduler.
const IDLE_FLOOR: Duration = Duration::from_millis(50);

enum Command {
    Add {
        id: i64,
        run: Box<AnalysisRun>,
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
        at_us: i64,
    },
    Shutdown {
        grace: Duration,
        reply: oneshot::Sender<usize>,
    },
}

/// Sends work to the scheduler task; cheap to clone.
#[derive(Clone)]
pub struct SchedulerHandle {
    tx: mpsc::UnboundedSender<Command>,
}

impl SchedulerHandle {
    /// Starts driving a run (new, or resumed from the store) with a pass now.
    pub fn add(&self, id: i64, run: AnalysisRun) -> bool {
        self.tx
            .send(Command::Add {
                id,
                run: Box::new(run),
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

    pub fn remove(&self, id: i64) {
        let _ = self.tx.send(Command::Remove { id });
    }

    /// Deletes a completed run (loaded from the store) once its `ttlStrategy` expires; a run
    /// without one is kept.
    pub fn expire_later(&self, id: i64, run: &AnalysisRun) {
        if let (Some(at), Some(name)) = (ttl_expires_at(run), run.metadata.name.clone()) {
            let at_us = at.timestamp_micros();
            let _ = self.tx.send(Command::Expire { id, name, at_us });
        }
    }

    /// Starts no new passes, lets those in flight finish within `grace`, then stops. Returns
    /// how many passes were abandoned (they will be taken again after a restart).
    pub async fn shutdown(&self, grace: Duration) -> usize {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::Shutdown { grace, reply }).is_err() {
            return 0;
        }
        rx.await.unwrap_or(0)
    }
}

/// Measurements of a pass whose commit failed. The engine has already advanced past them, so
/// they are committed (and only then reported) before the run measures anything new: none is
/// lost while the process lives, and none is taken twice.
type Unsaved = Vec<(String, Measurement)>;

struct Slot {
    /// `None` while a pass holds the engine.
    engine: Option<RunEngine>,
    unsaved: Option<Unsaved>,
    /// Terminate arrived during a pass: apply it when the engine comes back.
    pending_terminate: bool,
    waiters: Vec<oneshot::Sender<()>>,
}

enum Outcome {
    Committed {
        completed: bool,
        next_due_us: Option<i64>,
        idle: bool,
    },
    Deleted,
    StoreFailed(Unsaved),
}

struct Done {
    id: i64,
    engine: RunEngine,
    outcome: Outcome,
}

struct Scheduler {
    core: Arc<Core>,
    slots: HashMap<i64, Slot>,
    queue: DueQueue,
    tasks: JoinSet<Done>,
    task_runs: HashMap<tokio::task::Id, i64>,
    /// Completed runs with a TTL, by when they expire, and their names.
    expiry: DueQueue,
    expiring: HashMap<i64, String>,
}

/// Starts the scheduler task.
pub fn spawn(core: Arc<Core>) -> SchedulerHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let scheduler = Scheduler {
        core,
        slots: HashMap::new(),
        queue: DueQueue::default(),
        tasks: JoinSet::new(),
        task_runs: HashMap::new(),
        expiry: DueQueue::default(),
        expiring: HashMap::new(),
    };
    tokio::spawn(scheduler.run(rx));
    SchedulerHandle { tx }
}

fn now_us() -> i64 {
    Utc::now().timestamp_micros()
}

fn instant_at(due_us: i64) -> Instant {
    let wait = u64::try_from(due_us.saturating_sub(now_us())).unwrap_or(0);
    Instant::now() + Duration::from_micros(wait)
}

impl Scheduler {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        loop {
            let next = match (self.queue.next_due(), self.expiry.next_due()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let deadline =
                next.map_or_else(|| Instant::now() + Duration::from_secs(3600), instant_at);
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
                Some(joined) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                    self.joined(joined);
                }
                _ = tokio::time::sleep_until(deadline), if next.is_some() => {
                    self.dispatch();
                    self.expire();
                }
            }
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Add { id, run } => {
                self.slots.insert(
                    id,
                    Slot {
                        engine: Some(RunEngine::new(*run)),
                        unsaved: None,
                        pending_terminate: false,
                        waiters: Vec::new(),
                    },
                );
                self.queue.schedule(id, now_us());
            }
            Command::Terminate { id, reply } => match self.slots.get_mut(&id) {
                None => {
                    let _ = reply.send(());
                }
                Some(slot) => {
                    slot.waiters.push(reply);
                    match slot.engine.as_mut() {
                        Some(engine) => {
                            engine.terminate();
                            self.queue.schedule(id, now_us());
                        }
                        None => slot.pending_terminate = true,
                    }
                }
            },
            Command::Remove { id } => {
                self.slots.remove(&id);
                self.queue.cancel(id);
                self.expiry.cancel(id);
                self.expiring.remove(&id);
            }
            Command::Expire { id, name, at_us } => {
                self.expiring.insert(id, name);
                self.expiry.schedule(id, at_us);
            }
            Command::Shutdown { .. } => {}
        }
    }

    /// Deletes every completed run whose TTL has expired: store first, then memory. A failed
    /// delete is logged and left to the next start, which expires it again.
    fn expire(&mut self) {
        for (id, _) in self.expiry.pop_due(now_us()) {
            let Some(name) = self.expiring.remove(&id) else {
                continue;
            };
            let core = self.core.clone();
            tokio::spawn(async move {
                match core.store.delete_run(id).await {
                    Ok(_) => {
                        core.registry.remove_if_id(&name, id);
                        core.metrics.forget_run(&name);
                        tracing::info!(run = %name, "ttlStrategy expired; run deleted");
                    }
                    Err(e) => {
                        tracing::error!(run = %name, error = %e, "could not delete an expired run");
                    }
                }
            });
        }
    }

    /// Starts a pass for every run now due.
    fn dispatch(&mut self) {
        for (id, due_us) in self.queue.pop_due(now_us()) {
            let Some(slot) = self.slots.get_mut(&id) else {
                continue;
            };
            let Some(engine) = slot.engine.take() else {
                continue;
            };
            let unsaved = slot.unsaved.take();
            let handle = self
                .tasks
                .spawn(pass(self.core.clone(), id, engine, due_us, unsaved));
            self.task_runs.insert(handle.id(), id);
        }
    }

    fn joined(&mut self, joined: Result<(tokio::task::Id, Done), tokio::task::JoinError>) {
        let done = match joined {
            Ok((task, done)) => {
                self.task_runs.remove(&task);
                done
            }
            Err(e) => {
                // A panicking pass loses its engine; the run resumes from the store on restart.
                let run = self.task_runs.remove(&e.id());
                tracing::error!(run_id = ?run, error = %e, "pass task failed");
                if let Some(id) = run {
                    self.slots.remove(&id);
                }
                return;
            }
        };
        let id = done.id;
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        match done.outcome {
            Outcome::Deleted => {
                self.slots.remove(&id);
            }
            Outcome::StoreFailed(unsaved) => {
                slot.engine = Some(done.engine);
                slot.unsaved = Some(unsaved);
                let retry = i64::try_from(STORE_RETRY.as_micros()).unwrap_or(i64::MAX);
                self.queue.schedule(id, now_us().saturating_add(retry));
            }
            Outcome::Committed {
                completed: true, ..
            } => {
                for w in slot.waiters.drain(..) {
                    let _ = w.send(());
                }
                self.slots.remove(&id);
                let name = done.engine.run().metadata.name.clone();
                if let (Some(at), Some(name)) = (done.engine.ttl_expires_at(), name) {
                    self.expiring.insert(id, name);
                    self.expiry.schedule(id, at.timestamp_micros());
                }
            }
            Outcome::Committed {
                completed: false,
                next_due_us,
                idle,
            } => {
                let mut engine = done.engine;
                if std::mem::take(&mut slot.pending_terminate) {
                    engine.terminate();
                    slot.engine = Some(engine);
                    self.queue.schedule(id, now_us());
                    return;
                }
                slot.engine = Some(engine);
                if let Some(mut due) = next_due_us {
                    if idle {
                        let floor = i64::try_from(IDLE_FLOOR.as_micros()).unwrap_or(0);
                        due = due.max(now_us().saturating_add(floor));
                    }
                    self.queue.schedule(id, due);
                }
            }
        }
    }

    /// Lets in-flight passes finish (and commit) within `grace`; abandons the rest.
    async fn drain(&mut self, grace: Duration) -> usize {
        let deadline = Instant::now() + grace;
        while !self.tasks.is_empty() {
            match tokio::time::timeout_at(deadline, self.tasks.join_next_with_id()).await {
                Ok(Some(joined)) => self.joined(joined),
                Ok(None) => break,
                Err(_) => break,
            }
        }
        let abandoned = self.tasks.len();
        self.tasks.abort_all();
        abandoned
    }
}

/// How many passes the engine may ask for "at once" in a row before the run goes back to the
/// queue (it asks after every change; the pass that follows almost never measures).
const MAX_INLINE_PASSES: usize = 4;

/// A run's turn: one pass, then the passes the engine wants at once (Argo re-reconciles after
/// every status change), taken here rather than through the queue.
async fn pass(
    core: Arc<Core>,
    id: i64,
    mut engine: RunEngine,
    due_us: i64,
    unsaved: Option<Unsaved>,
) -> Done {
    let mut outcome = one_pass(&core, id, &mut engine, Some(due_us), unsaved).await;
    for _ in 0..MAX_INLINE_PASSES {
        match outcome {
            Outcome::Committed {
                completed: false,
                next_due_us: Some(due),
                idle: false,
            } if due <= now_us() => {
                outcome = one_pass(&core, id, &mut engine, None, None).await;
            }
            _ => break,
        }
    }
    Done {
        id,
        engine,
        outcome,
    }
}

/// One pass of one run: measure, commit, then publish. With `unsaved`, the previous pass's
/// commit failed: commit that first and measure nothing new. `due_us`, for passes the queue
/// woke, is when the pass was due, for the lag histogram.
async fn one_pass(
    core: &Core,
    id: i64,
    engine: &mut RunEngine,
    due_us: Option<i64>,
    unsaved: Option<Unsaved>,
) -> Outcome {
    let (measurements, changed) = match unsaved {
        Some(unsaved) => (unsaved, true),
        None => {
            let lag = due_us.map(|due| now_us().saturating_sub(due) as f64 / 1e6);
            core.metrics.pass_started(lag);
            core.in_flight.fetch_add(1, Ordering::Relaxed);
            let report = run_pass(
                engine,
                &core.providers,
                core.secrets.as_ref(),
                &SystemClock,
                None,
            )
            .await;
            core.in_flight.fetch_sub(1, Ordering::Relaxed);
            let measurements: Unsaved = report
                .measurements
                .into_iter()
                .map(|r| (r.metric_name, r.measurement))
                .collect();
            (measurements, report.changed)
        }
    };

    let completed = engine.is_completed();
    let next_due_us = if completed {
        None
    } else {
        // One microsecond past the due instant: Argo's "due" is strictly after it.
        engine
            .next_pass_at()
            .map(|t| t.timestamp_micros().saturating_add(1))
    };
    let idle = measurements.is_empty() && !changed;
    if idle && !completed {
        return Outcome::Committed {
            completed,
            next_due_us,
            idle,
        };
    }
    let status = match EncodedStatus::new(engine.run().status.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            core.metrics.store_error();
            tracing::error!(run_id = id, error = %e, "could not encode a pass; retrying it");
            return Outcome::StoreFailed(measurements);
        }
    };
    let record = PassRecord {
        id,
        status: status.clone(),
        completed,
        next_due: engine.next_pass_at().filter(|_| !completed),
        measurements: measurements.iter().map(|(n, m)| (n.as_str(), m)).collect(),
    };
    match core.store.save_pass(record).await {
        Ok(true) => {}
        Ok(false) => {
            return Outcome::Deleted;
        }
        Err(e) => {
            core.metrics.store_error();
            tracing::error!(run_id = id, error = %e, "could not commit a pass; retrying it");
            return Outcome::StoreFailed(measurements);
        }
    }
    // Committed: now it may be reported (unless the run was deleted or replaced meanwhile).
    let name = engine.run().metadata.name.as_deref().unwrap_or("");
    let Some(prev) = core.registry.get(name).filter(|s| s.id == id) else {
        return Outcome::Committed {
            completed,
            next_due_us,
            idle,
        };
    };
    let snap = prev.after_pass(engine.run(), status.json, completed, core.secrets.as_ref());
    for (metric_name, m) in &measurements {
        let provider = engine
            .run()
            .spec
            .metrics
            .iter()
            .find(|m| &m.name == metric_name)
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
    Outcome::Committed {
        completed,
        next_due_us,
        idle,
    }
}
