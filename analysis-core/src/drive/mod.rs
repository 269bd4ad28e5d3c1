//! The one driver: the loop that takes a [`RunEngine`] from its first pass to its verdict.
//!
//! Every way Augur runs an analysis is this loop with different parts plugged in:
//!
//! | configuration | [`Clock`] | [`MeasurementSource`] | [`Observer`] |
//! |---|---|---|---|
//! | `augur run` / `record` | wall | live providers | live table; Ctrl-C terminates |
//! | service scheduler | wall | live providers (shared limits) | commit to the store, publish |
//! | one-shot evaluate | wall | live providers | a deadline that terminates |
//! | `augur replay` | [`VirtualClock`] | a recording | timeline; stops when it runs out |
//! | `augur backtest` | [`VirtualClock`] | Prometheus history | timeline; stops at the horizon |
//!
//! The engine owns the schedule: the driver only sleeps until [`RunEngine::next_pass_at`].
//! Because the engine records every request it was not answered as in flight, that time
//! always moves forward; the one stall policy ([`MAX_IDLE_PASSES`]) is a guard against bugs,
//! never part of the normal flow. Nothing here needs an async runtime: a virtual clock never
//! waits, so [`block_on`] runs such a drive to the end on the calling thread.

mod block;
mod clock;

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use chrono::{DateTime, Utc};

pub use block::block_on;
pub use clock::{Clock, VirtualClock};

use crate::engine::{MeasureOutcome, MeasureRequest, PassReport, RunEngine};
use crate::secrets::SecretSource;

/// Where measurements come from: live providers, a recording, Prometheus history.
pub trait MeasurementSource: Send {
    /// Answers one pass's requests. A request left without an answer stays in flight in the
    /// engine and comes back as a resume (see [`crate::engine::RequestKind`]).
    fn measure<'a, C: Clock>(
        &'a mut self,
        requests: &'a [MeasureRequest],
        clock: &'a C,
    ) -> impl Future<Output = Vec<MeasureOutcome>> + Send + 'a;

    /// True once the source has nothing more to give (a recording ran out): the drive ends
    /// with [`End::Exhausted`] after the pass that found out.
    fn exhausted(&self) -> bool {
        false
    }

    /// Ends the pass with the answers: evaluates the conditions ([`RunEngine::finish_pass`]).
    /// A live source runs this CPU work where it cannot stall other runs' tasks.
    fn finish(
        &mut self,
        engine: &mut RunEngine,
        now: DateTime<Utc>,
        outcomes: Vec<MeasureOutcome>,
    ) -> PassReport {
        engine.finish_pass(now, outcomes)
    }
}

/// What to do after a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Terminate the run (`spec.terminate`), then go on: the next pass completes it.
    Terminate,
    /// Stop driving now, leaving the run as it stands.
    Stop,
}

/// Something that interrupted the wait for the next pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupt {
    /// Terminate the run and take the next pass at once (Ctrl-C, an API terminate).
    Terminate,
    /// Stop driving now (the run was deleted, the process shuts down).
    Stop,
}

/// Watches a drive: renders it, records it, stores it, or stops it.
pub trait Observer: Send {
    /// Right before a pass at `now`; `due` is when the engine wanted it (`None` for the first
    /// pass and passes after an interrupt), so `now - due` is the scheduling lag. It may
    /// adjust the engine (e.g. [`RunEngine::set_explain`]).
    fn before_pass(
        &mut self,
        _engine: &mut RunEngine,
        _due: Option<DateTime<Utc>>,
        _now: DateTime<Utc>,
    ) {
    }

    /// After every pass. The service commits the pass here before anything is reported, so a
    /// slow answer delays only this run. The report is the observer's to take from (a
    /// timeline moves its measurements out rather than copying them).
    fn after_pass<'a>(
        &'a mut self,
        _engine: &'a RunEngine,
        _report: &'a mut PassReport,
    ) -> impl Future<Output = Flow> + Send + 'a {
        std::future::ready(Flow::Continue)
    }

    /// Resolves when the wait for the next pass must be cut short; never, by default.
    fn interrupt<'a>(
        &'a mut self,
        _engine: &'a RunEngine,
    ) -> impl Future<Output = Interrupt> + Send + 'a {
        std::future::pending()
    }
}

/// An observer that only watches passes go by.
impl Observer for () {}

/// Why a drive ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The run reached its verdict.
    Completed,
    /// The next pass would fall after the horizon (backtest's `--to`).
    Horizon,
    /// The source ran out ([`MeasurementSource::exhausted`]).
    Exhausted,
    /// The observer or an interrupt stopped it.
    Stopped,
    /// The engine wants nothing more though the run is not complete, or kept asking for a
    /// pass at once without doing anything ([`MAX_IDLE_PASSES`]).
    Stalled,
}

/// Passes in a row that neither measure nor change anything while the engine asks for the
/// next one at once. The engine asks for one such pass after every change (Argo re-reconciles
/// on every status write), never for more; a run past this bound is stalled.
pub const MAX_IDLE_PASSES: u32 = 4;

/// One pass at the clock's time: begin, measure through `source`, finish.
pub async fn pass<C: Clock, S: MeasurementSource>(
    engine: &mut RunEngine,
    secrets: &dyn SecretSource,
    clock: &C,
    source: &mut S,
) -> PassReport {
    let requests = engine.begin_pass(clock.now(), secrets);
    let outcomes = if requests.is_empty() {
        Vec::new()
    } else {
        source.measure(&requests, clock).await
    };
    source.finish(engine, clock.now(), outcomes)
}

/// Drives `engine` until it completes, the source runs out, the observer stops it or the next
/// pass would fall after `horizon`.
pub async fn drive<C: Clock, S: MeasurementSource, O: Observer>(
    engine: &mut RunEngine,
    secrets: &dyn SecretSource,
    clock: &C,
    source: &mut S,
    observer: &mut O,
    horizon: Option<DateTime<Utc>>,
) -> End {
    let mut due = None;
    let mut idle = 0u32;
    loop {
        let began = clock.now();
        observer.before_pass(engine, due, began);
        let mut report = pass(engine, secrets, clock, source).await;
        let quiet = report.measurements.is_empty() && !report.changed;
        match observer.after_pass(engine, &mut report).await {
            Flow::Continue => {}
            Flow::Terminate => engine.terminate(),
            Flow::Stop => return End::Stopped,
        }
        if engine.is_completed() {
            return End::Completed;
        }
        if source.exhausted() {
            return End::Exhausted;
        }
        let Some(next) = engine.next_pass_at() else {
            return End::Stalled;
        };
        if quiet && next <= began {
            idle += 1;
            if idle > MAX_IDLE_PASSES {
                return End::Stalled;
            }
        } else {
            idle = 0;
        }
        if horizon.is_some_and(|h| next > h) {
            return End::Horizon;
        }
        due = Some(next);
        match wait(clock.sleep_until(next), observer.interrupt(engine)).await {
            None => {}
            Some(Interrupt::Terminate) => {
                engine.terminate();
                due = None;
            }
            Some(Interrupt::Stop) => return End::Stopped,
        }
    }
}

/// Sleeps unless interrupted first; `None` when the sleep ended.
async fn wait(
    sleep: impl Future<Output = ()>,
    interrupt: impl Future<Output = Interrupt>,
) -> Option<Interrupt> {
    let mut sleep = pin!(sleep);
    let mut interrupt = pin!(interrupt);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(i) = interrupt.as_mut().poll(cx) {
            return Poll::Ready(Some(i));
        }
        sleep.as_mut().poll(cx).map(|()| None)
    })
    .await
}

#[cfg(test)]
mod tests;
