//! One live pass of a run: ask the engine what to measure, measure it concurrently through
//! the providers, hand the outcomes back. `augur run`, `augur record` and the service's
//! scheduler all call this, so they behave the same.

use analysis_core::engine::{MeasureOutcome, MeasureRequest, PassReport, RunEngine};
use analysis_core::secrets::SecretSource;
use analysis_core::{Fetched, MeasureContext};
use chrono::{DateTime, Utc};

use crate::Providers;

/// A clock the driver reads; live drivers use [`SystemClock`].
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Observes every raw provider answer (used by `augur record`).
pub trait FetchObserver: Send + Sync {
    fn observe(&self, request: &MeasureRequest, at: DateTime<Utc>, fetched: &Fetched);
}

/// Runs one pass at the clock's current time and returns what it recorded.
pub async fn run_pass(
    engine: &mut RunEngine,
    providers: &Providers,
    secrets: &dyn SecretSource,
    clock: &dyn Clock,
    observer: Option<&dyn FetchObserver>,
) -> PassReport {
    let now = clock.now();
    let requests = engine.begin_pass(now, secrets);
    let fetches = requests.iter().map(|request| async move {
        let provider = providers.for_metric(&request.metric);
        let started_at = clock.now();
        let ctx = MeasureContext { now: started_at };
        let fetched = provider.fetch(&request.metric, &ctx).await;
        let finished_at = clock.now();
        if let Some(observer) = observer {
            observer.observe(request, started_at, &fetched);
        }
        MeasureOutcome {
            metric_name: request.metric_name.clone(),
            started_at,
            finished_at,
            outcome: fetched.outcome,
            metric_metadata: provider.metric_metadata(&request.metric),
        }
    });
    let outcomes = futures::future::join_all(fetches).await;
    engine.finish_pass(clock.now(), outcomes)
}
