//! Argo's asynchronous provider calls through the one driver: a provider whose measurement
//! comes back Running is resumed at its `resumeAt`, and one still in flight when the run
//! terminates is stopped through `terminate`. On a virtual clock no runtime is needed.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use analysis_core::drive::{self, Clock, End, Flow, Observer, VirtualClock};
use analysis_core::engine::{PassReport, RunEngine};
use analysis_core::model::{AnalysisRun, AnalysisRunStatus, Measurement, Phase};
use analysis_core::secrets::NoSecrets;
use analysis_core::{
    BoxFuture, Fetched, MeasureContext, Measured, Metric, Provider, ProviderError, ProviderOutput,
    RawResponse, Value,
};
use chrono::{DateTime, TimeDelta, Utc};
use providers::driver::LiveSource;
use providers::{ProviderOptions, Providers};

/// A job that takes `polls` resumes to finish, then answers 1.
struct Job {
    polls: usize,
    resumed: AtomicUsize,
    terminated: AtomicUsize,
}

impl Provider for Job {
    fn kind(&self) -> &'static str {
        "job"
    }

    fn fetch<'a>(&'a self, _: &'a Metric, _: &'a MeasureContext) -> BoxFuture<'a, Fetched> {
        Box::pin(std::future::ready(Fetched {
            outcome: Ok(ProviderOutput::new(Value::Float(1.0))),
            raw: None,
        }))
    }

    fn run<'a>(&'a self, _: &'a Metric, ctx: &'a MeasureContext) -> BoxFuture<'a, Measured> {
        let resume_at = Some(ctx.now + TimeDelta::seconds(30));
        Box::pin(std::future::ready(Measured::Running { resume_at }))
    }

    fn resume<'a>(
        &'a self,
        metric: &'a Metric,
        _: &'a Measurement,
        ctx: &'a MeasureContext,
    ) -> BoxFuture<'a, Measured> {
        if self.resumed.fetch_add(1, Ordering::SeqCst) + 1 < self.polls {
            return self.run(metric, ctx);
        }
        Box::pin(async move { Measured::Fetched(self.fetch(metric, ctx).await) })
    }

    fn terminate<'a>(
        &'a self,
        _: &'a Metric,
        _: &'a Measurement,
        _: &'a MeasureContext,
    ) -> BoxFuture<'a, Measured> {
        self.terminated.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::ready(Measured::Decided {
            phase: Phase::Successful,
            message: "job deleted".into(),
        }))
    }

    fn parse(&self, _: &Metric, _: &RawResponse) -> Result<ProviderOutput, ProviderError> {
        Ok(ProviderOutput::new(Value::Float(1.0)))
    }
}

fn start() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_714_564_800, 0).unwrap_or_default()
}

fn run(count: i64) -> AnalysisRun {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": "r"},
        "spec": {"metrics": [{"name": "job", "interval": "1m", "count": count,
            "successCondition": "result == 1", "provider": {"job": {}}}]}
    }))
    .unwrap_or_default()
}

/// What a drive of a `count`-measurement run over a job taking `polls` resumes left behind.
struct Driven {
    end: End,
    job: Arc<Job>,
    status: AnalysisRunStatus,
    /// The virtual clock's time at the end.
    now: DateTime<Utc>,
}

/// Drives a run of the job provider on a virtual clock, watched by `observer`.
fn drive_job(polls: usize, count: i64, observer: &mut impl Observer) -> Driven {
    let job = Arc::new(Job {
        polls,
        resumed: AtomicUsize::new(0),
        terminated: AtomicUsize::new(0),
    });
    let mut providers =
        Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    providers.insert(job.clone());
    let mut engine = RunEngine::new(run(count));
    let clock = VirtualClock::new(start());
    let mut source = LiveSource::new(&providers);
    let end = drive::block_on(drive::drive(
        &mut engine,
        &NoSecrets,
        &clock,
        &mut source,
        observer,
        None,
    ));
    let status = engine.run().status.clone().unwrap_or_default();
    Driven {
        end,
        job,
        status,
        now: clock.now(),
    }
}

#[test]
fn a_running_measurement_is_resumed_until_it_finishes() {
    let Driven {
        end,
        job,
        status,
        now,
    } = drive_job(3, 1, &mut ());
    assert_eq!(end, End::Completed);
    assert_eq!(job.resumed.load(Ordering::SeqCst), 3);
    assert_eq!(status.phase, Some(Phase::Successful));
    let m = &status.metric_results[0].measurements[0];
    // One measurement, started at the first pass and finished at the third resume.
    assert_eq!(m.started_at, Some(start()));
    assert_eq!(m.finished_at, Some(start() + TimeDelta::seconds(90)));
    assert_eq!(now, start() + TimeDelta::seconds(90));
}

/// Terminates the run once the first measurement is in flight.
struct TerminateWhileRunning;

impl Observer for TerminateWhileRunning {
    async fn after_pass(&mut self, engine: &RunEngine, _: &mut PassReport) -> Flow {
        let in_flight = engine
            .run()
            .status
            .as_ref()
            .is_some_and(|s| s.metric_results.iter().any(|r| r.phase == Phase::Running));
        if in_flight {
            Flow::Terminate
        } else {
            Flow::Continue
        }
    }
}

#[test]
fn terminating_a_run_stops_its_measurement_in_flight() {
    let Driven {
        end,
        job,
        status,
        now,
    } = drive_job(100, 5, &mut TerminateWhileRunning);
    assert_eq!(end, End::Completed);
    assert_eq!(job.terminated.load(Ordering::SeqCst), 1);
    let m = &status.metric_results[0].measurements[0];
    // Argo: a termination that comes back Successful reads "Metric Terminated".
    assert_eq!(
        (m.phase, m.message.as_str()),
        (Phase::Successful, "Metric Terminated")
    );
    assert_eq!(status.phase, Some(Phase::Successful));
    assert_eq!(status.message, "Run Terminated");
    // Nothing waited for the resumeAt half a minute away.
    assert_eq!(now, start());
}
