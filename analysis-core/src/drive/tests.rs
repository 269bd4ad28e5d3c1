//! The driver on a virtual clock with scripted sources and observers.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;
use crate::engine::{MeasureOutcome, Outcome, RequestKind};
use crate::model::{AnalysisRun, Phase};
use crate::provider::{ProviderError, ProviderOutput};
use crate::secrets::NoSecrets;
use crate::value::Value;

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_714_564_800 + secs, 0).unwrap_or_default()
}

fn engine(metric: serde_json::Value) -> RunEngine {
    let mut m = json!({"name": "m", "provider": {"web": {"url": "http://svc/"}}});
    if let (Some(m), serde_json::Value::Object(extra)) = (m.as_object_mut(), metric) {
        m.extend(extra);
    }
    let run: AnalysisRun =
        serde_json::from_value(json!({"metadata": {"name": "r"}, "spec": {"metrics": [m]}}))
            .expect("run");
    RunEngine::new(run)
}

/// Answers each request with the next scripted outcome; exhausted when none is left.
struct Script {
    answers: VecDeque<Outcome>,
    seen: Vec<(DateTime<Utc>, RequestKind)>,
}

impl Script {
    fn new(answers: impl IntoIterator<Item = Outcome>) -> Script {
        Script {
            answers: answers.into_iter().collect(),
            seen: Vec::new(),
        }
    }
}

fn value(v: f64) -> Outcome {
    let r: Result<ProviderOutput, ProviderError> = Ok(ProviderOutput::new(Value::Float(v)));
    r.into()
}

impl MeasurementSource for Script {
    fn measure<'a, C: Clock>(
        &'a mut self,
        requests: &'a [MeasureRequest],
        clock: &'a C,
    ) -> impl Future<Output = Vec<MeasureOutcome>> + Send + 'a {
        let now = clock.now();
        let mut out = Vec::new();
        for r in requests {
            self.seen.push((now, r.kind.clone()));
            if let Some(answer) = self.answers.pop_front() {
                out.push(MeasureOutcome::new(r, now, now, answer));
            }
        }
        std::future::ready(out)
    }

    fn exhausted(&self) -> bool {
        self.answers.is_empty()
    }
}

#[test]
fn drives_a_run_to_its_verdict_on_a_virtual_clock() {
    let mut e = engine(json!({"interval": "1m", "count": 3, "successCondition": "result > 0.5"}));
    let clock = VirtualClock::new(t(0));
    let mut source = Script::new([value(0.9), value(0.8), value(0.7), value(0.1)]);
    let end = block_on(drive(
        &mut e,
        &NoSecrets,
        &clock,
        &mut source,
        &mut (),
        None,
    ));
    assert_eq!(end, End::Completed);
    assert_eq!(clock.now(), t(120));
    let times: Vec<_> = source.seen.iter().map(|(at, _)| *at).collect();
    assert_eq!(times, vec![t(0), t(60), t(120)]);
    let status = e.run().status.as_ref().expect("status");
    assert_eq!(status.phase, Some(Phase::Successful));
}

#[test]
fn stops_at_the_horizon_and_when_the_source_runs_out() {
    let mut e = engine(json!({"interval": "1m"}));
    let clock = VirtualClock::new(t(0));
    let mut source = Script::new(std::iter::repeat_n(value(1.0), 100));
    let end = block_on(drive(
        &mut e,
        &NoSecrets,
        &clock,
        &mut source,
        &mut (),
        Some(t(150)),
    ));
    assert_eq!(
        (end, clock.now(), source.seen.len()),
        (End::Horizon, t(120), 3)
    );

    let mut e = engine(json!({"interval": "1m"}));
    let mut source = Script::new([value(1.0), value(1.0)]);
    let clock = VirtualClock::new(t(0));
    let end = block_on(drive(
        &mut e,
        &NoSecrets,
        &clock,
        &mut source,
        &mut (),
        None,
    ));
    assert_eq!((end, source.seen.len()), (End::Exhausted, 2));
}

/// Terminates after `after` passes, through the flow or through an interrupt.
struct Stopper {
    passes: usize,
    after: usize,
    by_interrupt: bool,
}

impl Observer for Stopper {
    fn after_pass<'a>(
        &'a mut self,
        _engine: &'a RunEngine,
        report: &'a mut PassReport,
    ) -> impl Future<Output = Flow> + Send + 'a {
        self.passes += usize::from(!report.measurements.is_empty());
        let flow = if !self.by_interrupt && self.passes == self.after {
            Flow::Terminate
        } else {
            Flow::Continue
        };
        std::future::ready(flow)
    }

    fn interrupt<'a>(
        &'a mut self,
        _engine: &'a RunEngine,
    ) -> impl Future<Output = Interrupt> + Send + 'a {
        let now = self.by_interrupt && self.passes == self.after;
        async move {
            if now {
                Interrupt::Terminate
            } else {
                std::future::pending().await
            }
        }
    }
}

#[test]
fn observers_terminate_runs_and_interrupts_cut_the_wait() {
    for by_interrupt in [false, true] {
        let mut e = engine(json!({"interval": "1h"}));
        let clock = VirtualClock::new(t(0));
        let mut source = Script::new(std::iter::repeat_n(value(1.0), 10));
        let mut stopper = Stopper {
            passes: 0,
            after: 2,
            by_interrupt,
        };
        let end = block_on(drive(
            &mut e,
            &NoSecrets,
            &clock,
            &mut source,
            &mut stopper,
            None,
        ));
        assert_eq!(end, End::Completed);
        let status = e.run().status.as_ref().expect("status");
        assert_eq!(
            status.message, "Run Terminated",
            "by_interrupt {by_interrupt}"
        );
        assert_eq!(source.seen.len(), 2);
        // The interrupt came while waiting for the third measurement, an hour off.
        assert!(clock.now() <= t(3600), "{}", clock.now());
    }
}

#[test]
fn a_source_that_never_answers_leaves_measurements_in_flight_and_time_moves_on() {
    let mut e = engine(json!({"interval": "1m", "count": 2}));
    let clock = VirtualClock::new(t(0));
    // No answers at all, and never exhausted: the drive must not spin at one instant.
    struct Silent(usize);
    impl MeasurementSource for Silent {
        fn measure<'a, C: Clock>(
            &'a mut self,
            requests: &'a [MeasureRequest],
            _clock: &'a C,
        ) -> impl Future<Output = Vec<MeasureOutcome>> + Send + 'a {
            self.0 += requests.len();
            std::future::ready(Vec::new())
        }
    }
    let mut source = Silent(0);
    let end = block_on(drive(
        &mut e,
        &NoSecrets,
        &clock,
        &mut source,
        &mut (),
        Some(t(60)),
    ));
    assert_eq!(end, End::Horizon);
    // Asked at 0, then resumed every 10 s.
    assert_eq!(source.0, 7);
    assert_eq!(clock.now(), t(60));
}
