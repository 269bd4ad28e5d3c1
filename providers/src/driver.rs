//! The live parts of the one driver ([`analysis_core::drive`]): the wall clock, and the
//! providers as a measurement source. `augur run`, `augur record`, the service's scheduler,
//! one-shot evaluations and backtests (with a virtual clock) all measure through
//! [`LiveSource`], so they behave the same.

use std::future::Future;

use analysis_core::drive::{Clock, MeasurementSource};
use analysis_core::engine::{
    MeasureOutcome, MeasureRequest, Outcome, PassReport, RequestKind, RunEngine,
};
use analysis_core::{Fetched, MeasureContext, Phase};
use chrono::{DateTime, Utc};

use crate::Providers;

/// The wall clock; sleeps on tokio's timer (feature `live`).
#[cfg(feature = "live")]
#[derive(Clone, Copy, Debug, Default)]
pub struct WallClock;

#[cfg(feature = "live")]
impl Clock for WallClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> impl Future<Output = ()> + Send + '_ {
        let wait = (at - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait)
    }
}

/// Runs CPU-heavy work (condition evaluation, parsing a large answer) off tokio's async
/// workers when on a multi-threaded runtime ([`tokio::task::block_in_place`]: the worker hands
/// its other tasks to another thread first), so one slow measurement never stalls the others.
/// Elsewhere (a current-thread runtime, no runtime: replays) it runs `f` in place. Either
/// way `f` runs exactly once, on the calling task, so results are the same.
pub fn off_worker<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "live")]
    {
        use tokio::runtime::{Handle, RuntimeFlavor};
        if Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread) {
            return tokio::task::block_in_place(f);
        }
    }
    f()
}

/// Observes every raw provider answer (used by `augur record`).
pub trait FetchObserver: Send + Sync {
    /// Called once per fetch, with the request and when it started.
    fn observe(&self, request: &MeasureRequest, at: DateTime<Utc>, fetched: &Fetched);
}

/// The message of a measurement cut short by termination.
pub const TERMINATED: &str = "Metric Terminated";

/// Measures through the providers, every request of a pass concurrently. The measurement
/// time handed to providers is the clock's: the wall clock live, a virtual one in backtests
/// (Prometheus' `time=`).
pub struct LiveSource<'a> {
    providers: &'a Providers,
    observer: Option<&'a dyn FetchObserver>,
}

impl<'a> LiveSource<'a> {
    /// A source over `providers`.
    pub fn new(providers: &'a Providers) -> LiveSource<'a> {
        LiveSource {
            providers,
            observer: None,
        }
    }

    /// Also hands every raw answer to `observer`.
    pub fn observed(mut self, observer: &'a dyn FetchObserver) -> LiveSource<'a> {
        self.observer = Some(observer);
        self
    }
}

impl MeasurementSource for LiveSource<'_> {
    fn measure<'a, C: Clock>(
        &'a mut self,
        requests: &'a [MeasureRequest],
        clock: &'a C,
    ) -> impl Future<Output = Vec<MeasureOutcome>> + Send + 'a {
        let providers = self.providers;
        let observer = self.observer;
        let fetches = requests.iter().map(move |request| async move {
            let started_at = clock.now();
            // Augur's providers answer within one fetch, so a measurement is in flight only
            // when its pass was cut short (a restart): it is taken again. Stopping one has
            // nothing to cancel and no result: Inconclusive.
            if let RequestKind::Terminate(_) = request.kind {
                let outcome = Outcome::Decided {
                    phase: Phase::Inconclusive,
                    message: TERMINATED.to_string(),
                };
                return MeasureOutcome::new(request, started_at, started_at, outcome);
            }
            let provider = providers.for_metric(&request.metric);
            let ctx = MeasureContext { now: started_at };
            let fetched = provider.fetch(&request.metric, &ctx).await;
            if let Some(observer) = observer {
                observer.observe(request, started_at, &fetched);
            }
            let mut outcome =
                MeasureOutcome::new(request, started_at, clock.now(), fetched.outcome);
            outcome.metric_metadata = provider.metric_metadata(&request.metric);
            outcome
        });
        futures::future::join_all(fetches)
    }

    /// Conditions are evaluated off the async workers (see [`off_worker`]).
    fn finish(
        &mut self,
        engine: &mut RunEngine,
        now: DateTime<Utc>,
        outcomes: Vec<MeasureOutcome>,
    ) -> PassReport {
        off_worker(|| engine.finish_pass(now, outcomes))
    }
}

#[cfg(all(test, feature = "live"))]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use super::off_worker;

    /// With one async worker, a task inside `off_worker` waits for another task to run: it
    /// can only see it run if the worker was handed over (the 10 s bound only guards a hang).
    #[test]
    fn work_off_the_worker_lets_other_tasks_run() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicBool::new(false));
        let seen = rt.block_on(async {
            let busy = {
                let (ran, started) = (ran.clone(), started.clone());
                tokio::spawn(async move {
                    off_worker(|| {
                        started.store(true, Ordering::Release);
                        let until = Instant::now() + Duration::from_secs(10);
                        while !ran.load(Ordering::Acquire) && Instant::now() < until {
                            std::thread::yield_now();
                        }
                        ran.load(Ordering::Acquire)
                    })
                })
            };
            // The busy task holds the worker before the other one is spawned.
            while !started.load(Ordering::Acquire) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let other = {
                let ran = ran.clone();
                tokio::spawn(async move { ran.store(true, Ordering::Release) })
            };
            let seen = busy.await.unwrap();
            other.await.unwrap();
            seen
        });
        assert!(
            seen,
            "the other task never ran while the work was in progress"
        );
    }

    #[test]
    fn without_a_multi_threaded_runtime_the_work_runs_in_place() {
        assert_eq!(off_worker(|| 7), 7);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(rt.block_on(async { off_worker(|| 8) }), 8);
    }
}
