//! The live parts of the one driver ([`analysis_core::drive`]): the wall clock, and the
//! providers as a measurement source. `augur run`, `augur record`, the service's scheduler,
//! one-shot evaluations and backtests (with a virtual clock) all measure through
//! [`LiveSource`], so they behave the same.

use std::future::Future;

use analysis_core::drive::{Clock, MeasurementSource};
use analysis_core::engine::{
    MeasureOutcome, MeasureRequest, Outcome, PassReport, RequestKind, RunEngine,
};
use analysis_core::{Fetched, MeasureContext, Measured};
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

/// Measures through the providers, every request of a pass concurrently. The measurement
/// time handed to providers is the clock's: the wall clock live, a virtual one in backtests
/// (Prometheus' `time=`).
pub struct LiveSource<'a> {
    providers: &'a Providers,
    observer: Option<&'a dyn FetchObserver>,
    #[cfg(feature = "live")]
    cut: Option<tokio::sync::watch::Receiver<u64>>,
}

impl<'a> LiveSource<'a> {
    /// A source over `providers`.
    pub fn new(providers: &'a Providers) -> LiveSource<'a> {
        LiveSource {
            providers,
            observer: None,
            #[cfg(feature = "live")]
            cut: None,
        }
    }

    /// Also hands every raw answer to `observer`.
    pub fn observed(mut self, observer: &'a dyn FetchObserver) -> LiveSource<'a> {
        self.observer = Some(observer);
        self
    }

    /// Cuts a pass short whenever `cut`'s value changes (a terminate): the answers so far are
    /// returned and the measurements still waiting on their backends are dropped, so the
    /// engine keeps them in flight and the next pass terminates them (Argo's `Terminate`).
    #[cfg(feature = "live")]
    pub fn cut_by(mut self, cut: tokio::sync::watch::Receiver<u64>) -> LiveSource<'a> {
        self.cut = Some(cut);
        self
    }
}

/// One request measured through its provider, with Argo's three calls.
async fn measure_one<C: Clock>(
    providers: &Providers,
    observer: Option<&dyn FetchObserver>,
    request: &MeasureRequest,
    clock: &C,
) -> MeasureOutcome {
    let started_at = clock.now();
    let provider = providers.for_metric(&request.metric);
    let ctx = MeasureContext { now: started_at };
    let metric = &request.metric;
    let measured = match &request.kind {
        RequestKind::Measure => provider.run(metric, &ctx).await,
        RequestKind::Resume(in_flight) => provider.resume(metric, in_flight, &ctx).await,
        RequestKind::Terminate(in_flight) => provider.terminate(metric, in_flight, &ctx).await,
    };
    let outcome = match measured {
        Measured::Fetched(fetched) => {
            if let Some(observer) = observer {
                observer.observe(request, started_at, &fetched);
            }
            Outcome::Answered(fetched.outcome)
        }
        Measured::Running { resume_at } => Outcome::Running { resume_at },
        Measured::Decided { phase, message } => Outcome::Decided { phase, message },
    };
    let mut outcome = MeasureOutcome::new(request, started_at, clock.now(), outcome);
    outcome.metric_metadata = provider.metric_metadata(metric);
    outcome
}

impl MeasurementSource for LiveSource<'_> {
    fn measure<'a, C: Clock>(
        &'a mut self,
        requests: &'a [MeasureRequest],
        clock: &'a C,
    ) -> impl Future<Output = Vec<MeasureOutcome>> + Send + 'a {
        let (providers, observer) = (self.providers, self.observer);
        let fetches = requests
            .iter()
            .map(move |request| measure_one(providers, observer, request, clock));
        #[cfg(feature = "live")]
        let cut = self.cut.as_mut();
        async move {
            #[cfg(feature = "live")]
            if let Some(cut) = cut {
                return until_cut(fetches, cut).await;
            }
            futures::future::join_all(fetches).await
        }
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

/// Every answer that arrives before `cut` changes.
#[cfg(feature = "live")]
async fn until_cut<F: Future<Output = MeasureOutcome>>(
    fetches: impl Iterator<Item = F>,
    cut: &mut tokio::sync::watch::Receiver<u64>,
) -> Vec<MeasureOutcome> {
    use futures::StreamExt;
    cut.borrow_and_update();
    let mut pending: futures::stream::FuturesUnordered<F> = fetches.collect();
    let mut done = Vec::with_capacity(pending.len());
    loop {
        tokio::select! {
            next = pending.next() => match next {
                Some(outcome) => done.push(outcome),
                None => return done,
            },
            changed = cut.changed() => {
                if changed.is_ok() {
                    return done;
                }
                // The sender is gone: nothing can cut this pass any more.
                done.extend(pending.collect::<Vec<_>>().await);
                return done;
            }
        }
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
