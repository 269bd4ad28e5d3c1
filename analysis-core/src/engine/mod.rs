//! The sans-IO run state machine (semantics §3–§4): Argo's `reconcileAnalysisRun`, split in two
//! around the measurements so that any driver can take them.
//!
//! A driver (live `augur run`, the service's scheduler, `replay`, `backtest`) calls
//! [`RunEngine::begin_pass`] at time `now`, takes the requested measurements however it likes,
//! hands them back with [`RunEngine::finish_pass`], and sleeps until
//! [`RunEngine::next_pass_at`]. The engine never sleeps, never reads a clock, never does I/O,
//! so a virtual clock drives it exactly like the wall clock.
//!
//! ```
//! use analysis_core::engine::{MeasureOutcome, RunEngine};
//! use analysis_core::model::{AnalysisRun, Phase};
//! use analysis_core::secrets::NoSecrets;
//! use analysis_core::{ProviderError, ProviderOutput, Value};
//! use chrono::{DateTime, TimeDelta, Utc};
//!
//! // Three measurements a minute apart; no conditions, so every measurement is Successful.
//! let run: AnalysisRun = serde_json::from_value(serde_json::json!({
//!     "apiVersion": "argoproj.io/v1alpha1",
//!     "kind": "AnalysisRun",
//!     "metadata": {"name": "canary"},
//!     "spec": {"metrics": [{
//!         "name": "up", "interval": "1m", "count": 3,
//!         "provider": {"web": {"url": "http://service/health"}}
//!     }]}
//! }))?;
//! let mut engine = RunEngine::new(run);
//! let mut now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")?.with_timezone(&Utc);
//! loop {
//!     let requests = engine.begin_pass(now, &NoSecrets);
//!     // A real driver hands `request.metric` to a provider; here every answer is `1`.
//!     let outcomes = requests
//!         .iter()
//!         .map(|request| {
//!             let answer: Result<_, ProviderError> = Ok(ProviderOutput::new(Value::Float(1.0)));
//!             MeasureOutcome::new(request, now, now, answer)
//!         })
//!         .collect();
//!     engine.finish_pass(now, outcomes);
//!     match engine.next_pass_at() {
//!         Some(at) => now = at,
//!         None => break,
//!     }
//! }
//! let status = engine.run().status.as_ref().ok_or("no status")?;
//! assert_eq!(status.phase, Some(Phase::Successful));
//! assert_eq!(status.metric_results[0].count, 3);
//! assert_eq!(status.completed_at, Some(now));
//! assert_eq!(now - status.started_at.ok_or("not started")?, TimeDelta::minutes(2));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod counters;
mod metric;
mod pass;
mod plan;
mod run;
mod schedule;
mod ttl;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

pub use ttl::{ttl_exceeded, ttl_expires_at};

use crate::evaluate::{Conditions, ExplainStep};
use crate::model::{AnalysisRun, Measurement, Metric, Phase};
use crate::provider::{ProviderError, ProviderOutput};
use crate::secrets::SecretSource;

use plan::MetricPlan;
use schedule::Task;

/// A measurement the driver must take, resume or stop now.
#[derive(Clone, Debug)]
pub struct MeasureRequest {
    /// The metric's name in the spec.
    pub metric_name: String,
    /// The metric templated with the real argument values (secrets included): hand it to the
    /// provider, never show it. Shared with the engine, which templates once per secret
    /// change, so a request costs no deep copy.
    pub metric: Arc<Metric>,
    /// What is asked: Argo's provider interface has the same three calls.
    pub kind: RequestKind,
}

/// What a [`MeasureRequest`] asks of the driver (Argo's `Run`, `Resume` and `Terminate`).
#[derive(Clone, Debug, PartialEq)]
pub enum RequestKind {
    /// Take a new measurement.
    Measure,
    /// Finish this in-flight measurement (it was answered [`Outcome::Running`] before).
    /// Boxed: most requests are [`RequestKind::Measure`], and a request stays small.
    Resume(Box<Measurement>),
    /// The run is terminating: stop this in-flight measurement. A Successful answer gets the
    /// message `Metric Terminated`, as in Argo.
    Terminate(Box<Measurement>),
}

/// How long the engine waits before asking again about a measurement left in flight without
/// a `resumeAt` (unanswered, or [`Outcome::Running`] with none): Argo's error retry gap.
pub const IN_FLIGHT_RESUME: TimeDelta = schedule::ERROR_RETRY_INTERVAL;

/// What the driver got for a [`MeasureRequest`].
#[derive(Clone, Debug)]
pub struct MeasureOutcome {
    /// The request's metric name.
    pub metric_name: String,
    /// When the provider was asked.
    pub started_at: DateTime<Utc>,
    /// When it answered.
    pub finished_at: DateTime<Utc>,
    /// The answer.
    pub outcome: Outcome,
    /// The provider's metric-level metadata (e.g. `ResolvedPrometheusQuery`); stored when the
    /// metric's result is created, as Argo does.
    pub metric_metadata: BTreeMap<String, String>,
    /// Where the answer came from, for the source's own bookkeeping (a recording's line
    /// number); echoed in [`Recorded::origin`].
    pub origin: Option<usize>,
}

impl MeasureOutcome {
    /// An answer to `request` taken between `started_at` and `finished_at`.
    pub fn new(
        request: &MeasureRequest,
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
        outcome: impl Into<Outcome>,
    ) -> MeasureOutcome {
        MeasureOutcome {
            metric_name: request.metric_name.clone(),
            started_at,
            finished_at,
            outcome: outcome.into(),
            metric_metadata: BTreeMap::new(),
            origin: None,
        }
    }
}

/// A provider's answer to a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A result (the conditions decide the phase) or an error (an Error measurement).
    Answered(Result<ProviderOutput, ProviderError>),
    /// Not finished yet (Argo's Running measurement): the engine keeps it in flight and asks
    /// to resume it at `resume_at`, or [`IN_FLIGHT_RESUME`] after this pass when `None`.
    Running {
        /// When to ask again.
        resume_at: Option<DateTime<Utc>>,
    },
    /// The provider decided the phase itself, as Argo's `Terminate` does.
    Decided {
        /// The measurement's phase.
        phase: Phase,
        /// Its message.
        message: String,
    },
}

impl From<Result<ProviderOutput, ProviderError>> for Outcome {
    fn from(answer: Result<ProviderOutput, ProviderError>) -> Outcome {
        Outcome::Answered(answer)
    }
}

/// One measurement recorded by a pass.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The metric the measurement belongs to.
    pub metric_name: String,
    /// As stored in the run: phase from the conditions, secrets masked.
    pub measurement: Measurement,
    /// The conditions' sub-expression values, when explaining is on ([`RunEngine::set_explain`]).
    pub explanation: Vec<ExplainStep>,
    /// [`MeasureOutcome::origin`] of the answer.
    pub origin: Option<usize>,
}

/// What a pass did.
#[derive(Clone, Debug, Default)]
pub struct PassReport {
    /// Every measurement the pass took, in the order the metrics are listed.
    pub measurements: Vec<Recorded>,
    /// The status changed (Argo would re-reconcile at once).
    pub changed: bool,
}

/// A measurement whose phase is already decided, as [`RunEngine::finish_pass`] makes them
/// after evaluating the conditions. Tests and replays of recorded Argo runs feed these to
/// [`RunEngine::finish_pass_phased`].
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct Phased {
    pub metric_name: String,
    pub measurement: Measurement,
    pub explanation: Vec<ExplainStep>,
    pub metric_metadata: BTreeMap<String, String>,
    pub origin: Option<usize>,
}

/// The metrics templated with real secret values, rebuilt only when those values change.
#[derive(Clone, Debug)]
struct Templated {
    /// The argument values (secrets resolved) these metrics were templated with.
    key: Vec<Option<String>>,
    /// Distinct non-empty secret values, masked in measurement messages.
    mask: Vec<String>,
    metrics: Vec<Arc<Metric>>,
    /// Each metric's compiled conditions.
    conditions: Vec<Conditions>,
}

/// The pass between `begin_pass` and `finish_pass`.
#[derive(Clone, Debug)]
enum Pass {
    /// The run completed in `begin_pass` (spec or secret error); `changed` says if it was new.
    Ended { changed: bool },
    Measuring {
        /// Snapshot of `spec.terminate` at the start of the pass, as Argo reads one object.
        terminate: bool,
        /// When the pass began: the start of measurements the driver leaves unanswered.
        began: DateTime<Utc>,
    },
}

/// One AnalysisRun being analysed: its spec and status plus what is cached about them.
#[derive(Clone, Debug)]
pub struct RunEngine {
    run: AnalysisRun,
    /// The prepared spec, or the message the run fails with on its next pass.
    plans: Result<Vec<MetricPlan>, String>,
    /// For each plan, the index of its result in `status.metric_results`.
    result_idx: Vec<Option<usize>>,
    has_secret_args: bool,
    templated: Option<Templated>,
    pass: Option<Pass>,
    /// What each metric (by plan index) was asked for in the current pass; reused.
    tasks: Vec<Option<Task>>,
    explain: bool,
    /// A pass is wanted at once from this time on: the last pass changed the status (Argo's
    /// watch re-reconciles on every status write), `terminate` was called, or the run was
    /// resumed (Argo reconciles every run when the controller starts).
    wake_now: Option<DateTime<Utc>>,
}

impl RunEngine {
    /// Takes over a run. A run with a status resumes from it (e.g. after a service restart).
    pub fn new(run: AnalysisRun) -> RunEngine {
        let plans = plan::prepare(&run.spec);
        let result_idx = match (&plans, &run.status) {
            (Ok(plans), Some(status)) => plans
                .iter()
                .map(|p| status.metric_results.iter().position(|r| r.name == p.name))
                .collect(),
            (Ok(plans), None) => vec![None; plans.len()],
            (Err(_), _) => Vec::new(),
        };
        let wake_now = run
            .status
            .as_ref()
            .filter(|s| !s.phase.is_some_and(Phase::is_completed))
            .and_then(latest_time);
        RunEngine {
            has_secret_args: plan::has_secret_args(&run.spec.args),
            run,
            plans,
            result_idx,
            templated: None,
            pass: None,
            tasks: Vec::new(),
            explain: false,
            wake_now,
        }
    }

    /// The metric `name` templated with the real argument values, as the last pass handed it
    /// to the driver (secrets included: never show it). `None` before the first pass.
    pub fn templated_metric(&self, name: &str) -> Option<&Arc<Metric>> {
        let plans = self.plans.as_ref().ok()?;
        let i = plans.iter().position(|p| p.name == name)?;
        self.templated.as_ref()?.metrics.get(i)
    }

    /// Fill [`Recorded::explanation`] with the conditions' sub-expression values.
    pub fn set_explain(&mut self, explain: bool) {
        self.explain = explain;
    }

    /// Starts a pass at `now` and returns the measurements to take (semantics §4.1 steps 1–5).
    /// Spec and secret errors complete the run with phase Error here; the driver still calls
    /// [`RunEngine::finish_pass`], which then reports the change.
    pub fn begin_pass(
        &mut self,
        now: DateTime<Utc>,
        secrets: &dyn SecretSource,
    ) -> Vec<MeasureRequest> {
        self.pass = None;
        if self.is_completed() {
            return Vec::new();
        }
        let plans = match &self.plans {
            Ok(plans) => plans,
            Err(message) => {
                let message = message.clone();
                self.fail(message);
                return Vec::new();
            }
        };
        let terminate = self.run.spec.terminate;
        let empty = Vec::new();
        let status = self.run.status.as_ref();
        let results = status.map_or(&empty, |s| &s.metric_results);
        let started_at = status.and_then(|s| s.started_at);
        let terminating = run::is_terminating(terminate, results);
        self.tasks.clear();
        self.tasks
            .extend(plans.iter().zip(&self.result_idx).map(|(p, idx)| {
                let result = idx.and_then(|i| results.get(i));
                schedule::task(p, result, started_at, terminating, now)
            }));

        // Argo fetches every secret on every pass, even when nothing is due.
        if let Err(message) = self.template_with_secrets(secrets) {
            self.fail(format!("Unable to resolve metric arguments: {message}"));
            return Vec::new();
        }
        let (Ok(plans), Some(templated)) = (&self.plans, &self.templated) else {
            return Vec::new();
        };
        self.pass = Some(Pass::Measuring {
            terminate,
            began: now,
        });
        // Most passes take nothing (the re-pass after a status write, an early wake-up).
        if self.tasks.iter().all(Option::is_none) {
            return Vec::new();
        }
        let results = self
            .run
            .status
            .as_ref()
            .map_or(&[][..], |s| &s.metric_results[..]);
        self.tasks
            .iter()
            .zip(&self.result_idx)
            .zip(plans.iter().zip(&templated.metrics))
            .filter_map(|((task, idx), (p, m))| {
                let in_flight = || {
                    idx.and_then(|i| results.get(i))
                        .and_then(|r| r.measurements.last())
                        .map(|m| Box::new(m.clone()))
                };
                let kind = match (*task)? {
                    Task::Measure => RequestKind::Measure,
                    Task::Resume => RequestKind::Resume(in_flight()?),
                    Task::Terminate => RequestKind::Terminate(in_flight()?),
                };
                Some(MeasureRequest {
                    metric_name: p.name.clone(),
                    metric: Arc::clone(m),
                    kind,
                })
            })
            .collect()
    }

    /// Ends the pass begun by [`RunEngine::begin_pass`]: records the outcomes, assesses every
    /// metric and the run, trims history (§4.1 steps 5–7). Outcomes for metrics that were not
    /// requested are ignored, as is a call without a begun pass.
    pub fn finish_pass(&mut self, now: DateTime<Utc>, outcomes: Vec<MeasureOutcome>) -> PassReport {
        let phased = match (&self.pass, &self.plans, &mut self.templated) {
            (Some(Pass::Measuring { .. }), Ok(plans), Some(templated)) => {
                pass::evaluate_outcomes(plans, templated, outcomes, self.explain)
            }
            _ => Vec::new(),
        };
        self.finish_pass_phased(now, phased)
    }

    /// [`RunEngine::finish_pass`] after the conditions were evaluated: the code path both share.
    #[doc(hidden)]
    pub fn finish_pass_phased(&mut self, now: DateTime<Utc>, phased: Vec<Phased>) -> PassReport {
        // A terminate() that arrived during the pass is seen by the next one, at once.
        let mut terminated_meanwhile = false;
        let report = match self.pass.take() {
            None => return PassReport::default(),
            Some(Pass::Ended { changed }) => PassReport {
                measurements: Vec::new(),
                changed,
            },
            Some(Pass::Measuring { terminate, began }) => {
                terminated_meanwhile = self.run.spec.terminate && !terminate;
                let Ok(plans) = &self.plans else {
                    return PassReport::default();
                };
                let mask = self.templated.as_ref().map_or(&[][..], |t| &t.mask[..]);
                let status = self.run.status.get_or_insert_with(Default::default);
                pass::finish(
                    pass::Ctx {
                        plans,
                        result_idx: &mut self.result_idx,
                        tasks: &self.tasks,
                        mask,
                        terminate,
                        began,
                    },
                    status,
                    now,
                    phased,
                )
            }
        };
        self.wake_now =
            ((report.changed || terminated_meanwhile) && !self.is_completed()).then_some(now);
        report
    }

    /// When the driver should run the next pass; `None` when the run is complete or nothing is
    /// scheduled. A time in the past means "at once". Before the first pass of a new run there
    /// is nothing to schedule from: start it whenever the analysis starts.
    pub fn next_pass_at(&self) -> Option<DateTime<Utc>> {
        if self.is_completed() {
            return None;
        }
        let Ok(plans) = &self.plans else {
            return self.wake_now;
        };
        let status = self.run.status.as_ref();
        let started_at = status.and_then(|s| s.started_at);
        plans
            .iter()
            .zip(&self.result_idx)
            .filter_map(|(p, idx)| {
                let result = status.zip(*idx).and_then(|(s, i)| s.metric_results.get(i));
                schedule::wake_at(p, result, started_at)
            })
            .chain(self.wake_now)
            .min()
    }

    /// When metric `name` next wants a pass: its next measurement, the resumption of one in
    /// flight, or the end of its initial delay. `None` when it wants none (complete, count
    /// reached, unknown name) or, before the run's first pass, whenever the run starts.
    /// Drivers show this ("next in 12s") instead of re-deriving the schedule.
    pub fn metric_due_at(&self, name: &str) -> Option<DateTime<Utc>> {
        let Ok(plans) = &self.plans else {
            return None;
        };
        let i = plans.iter().position(|p| p.name == name)?;
        let status = self.run.status.as_ref();
        let result = status
            .zip(self.result_idx.get(i).copied().flatten())
            .and_then(|(s, r)| s.metric_results.get(r));
        schedule::wake_at(plans.get(i)?, result, status.and_then(|s| s.started_at))
    }

    /// Requests termination (`spec.terminate: true`): the next pass takes no new measurements
    /// and completes the run (§4.7). Call [`RunEngine::next_pass_at`] for when.
    pub fn terminate(&mut self) {
        if self.run.spec.terminate {
            return;
        }
        self.run.spec.terminate = true;
        if !self.is_completed() {
            let last = self.run.status.as_ref().and_then(latest_time);
            self.wake_now = self.wake_now.or(last);
        }
    }

    /// The run reached Successful, Failed, Error or Inconclusive; no pass will change it again.
    pub fn is_completed(&self) -> bool {
        self.run
            .status
            .as_ref()
            .and_then(|s| s.phase)
            .is_some_and(Phase::is_completed)
    }

    /// The run, spec and status, as Argo would have written it.
    pub fn run(&self) -> &AnalysisRun {
        &self.run
    }

    /// Gives the run back (e.g. to store it).
    pub fn into_run(self) -> AnalysisRun {
        self.run
    }

    /// Whether the completed run's TTL is exceeded at `now` (§4.9).
    pub fn ttl_exceeded(&self, now: DateTime<Utc>) -> bool {
        ttl::ttl_exceeded(&self.run, now)
    }

    /// When the completed run's TTL will be exceeded, if it has one (§4.9).
    pub fn ttl_expires_at(&self) -> Option<DateTime<Utc>> {
        ttl::ttl_expires_at(&self.run)
    }

    /// Fetches the secrets and (re)templates the metrics when their values changed.
    fn template_with_secrets(&mut self, secrets: &dyn SecretSource) -> Result<(), String> {
        if !self.has_secret_args && self.templated.is_some() {
            return Ok(());
        }
        let resolved = crate::secrets::resolve_args(&self.run.spec.args, secrets, false)
            .map_err(|e| e.to_string())?;
        let key: Vec<Option<String>> = resolved.args.iter().map(|a| a.value.clone()).collect();
        if self.templated.as_ref().is_some_and(|t| t.key == key) {
            return Ok(());
        }
        let metrics = crate::args::template_metrics(&self.run.spec.metrics, &resolved.args)
            .map_err(|e| e.to_string())?;
        let metrics: Vec<Arc<Metric>> = metrics.into_iter().map(Arc::new).collect();
        let conditions = metrics
            .iter()
            .map(|m| {
                Conditions::new(
                    m.success_condition.as_deref(),
                    m.failure_condition.as_deref(),
                )
            })
            .collect();
        self.templated = Some(Templated {
            key,
            mask: resolved.secrets,
            metrics,
            conditions,
        });
        Ok(())
    }

    /// Completes the run with phase Error in `begin_pass`. Argo sets neither `startedAt` nor
    /// `completedAt` on this path (so such a run never expires by TTL); neither do we.
    fn fail(&mut self, message: String) {
        let status = self.run.status.get_or_insert_with(Default::default);
        let changed = status.phase != Some(Phase::Error) || status.message != message;
        status.phase = Some(Phase::Error);
        status.message = message;
        self.pass = Some(Pass::Ended { changed });
    }
}

/// The latest time a status records: a lower bound for "now" when a run is resumed.
fn latest_time(status: &crate::model::AnalysisRunStatus) -> Option<DateTime<Utc>> {
    status
        .metric_results
        .iter()
        .filter_map(|r| {
            r.measurements
                .last()
                .and_then(|m| m.finished_at.or(m.started_at))
        })
        .chain(status.started_at)
        .max()
}
