//! The live parts of the one driver ([`analysis_core::drive`]): the wall clock, and the
//! providers as a measurement source. `augur run`, `augur record`, the service's scheduler,
//! one-shot evaluations and backtests (with a virtual clock) all measure through
//! [`LiveSource`], so they behave the same.

use std::future::Future;

use analysis_core::drive::{Clock, MeasurementSource};
use analysis_core::engine::{MeasureOutcome, MeasureRequest, Outcome, RequestKind};
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
}
