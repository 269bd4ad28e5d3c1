//! Measurements in flight (semantics §4.5–4.7): Argo's asynchronous providers answer Running
//! and are resumed or terminated later; a driver that leaves a request unanswered gets the
//! same treatment, so the schedule always moves forward.

use serde_json::json;

use super::super::{IN_FLIGHT_RESUME, MeasureOutcome, Outcome, RequestKind};
use super::*;
use crate::provider::{ProviderError, ProviderOutput};
use crate::value::Value;

fn answer(e: &mut RunEngine, now: DateTime<Utc>, outcome: Outcome) -> Vec<RequestKind> {
    let requests = e.begin_pass(now, &NoSecrets);
    let kinds = requests.iter().map(|r| r.kind.clone()).collect();
    let outcomes = requests
        .iter()
        .map(|r| MeasureOutcome::new(r, now, now, outcome.clone()))
        .collect();
    e.finish_pass(now, outcomes);
    kinds
}

/// The pass right after a change, which takes nothing.
fn idle(e: &mut RunEngine, now: DateTime<Utc>) {
    assert!(e.begin_pass(now, &NoSecrets).is_empty());
    assert!(!e.finish_pass(now, Vec::new()).changed);
}

fn ok(v: f64) -> Outcome {
    let answer: Result<ProviderOutput, ProviderError> = Ok(ProviderOutput::new(Value::Float(v)));
    answer.into()
}

fn last(e: &RunEngine) -> Measurement {
    let r = &e.run().status.as_ref().expect("status").metric_results[0];
    r.measurements.last().cloned().expect("a measurement")
}

#[test]
fn an_unanswered_request_is_in_flight_and_the_schedule_moves_forward() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m", "count": 2}))]);
    assert_eq!(e.begin_pass(t(0), &NoSecrets).len(), 1);
    // The driver gives no answer (a hung backend, a cancelled pass).
    let report = e.finish_pass(t(3), Vec::new());
    assert!(report.changed);
    assert!(report.measurements.is_empty(), "nothing finished");
    let m = last(&e);
    assert_eq!(m.phase, Phase::Running);
    assert_eq!((m.started_at, m.finished_at), (Some(t(0)), None));
    assert_eq!(m.resume_at, Some(t(3) + IN_FLIGHT_RESUME));
    // The status changed, so Argo re-reconciles at once; that pass has nothing to do.
    assert_eq!(e.next_pass_at(), Some(t(3)));
    idle(&mut e, t(3));
    assert_eq!(e.next_pass_at(), Some(t(13)));
    assert_eq!(e.metric_due_at("m"), Some(t(13)));
    assert_eq!(status(&e).phase, Some(Phase::Running));

    // Not before its resumeAt; then it is resumed, and the answer replaces it.
    assert!(e.begin_pass(t(12), &NoSecrets).is_empty());
    e.finish_pass(t(12), Vec::new());
    let kinds = answer(&mut e, t(13), ok(1.0));
    assert!(matches!(kinds.as_slice(), [RequestKind::Resume(m)] if m.phase == Phase::Running));
    let r = &status(&e).metric_results[0];
    assert_eq!(r.measurements.len(), 1);
    assert_eq!(r.count, 1);
    let m = last(&e);
    assert_eq!(
        (m.phase, m.started_at, m.finished_at),
        (S, Some(t(0)), Some(t(13)))
    );
    idle(&mut e, t(13));
    assert_eq!(e.next_pass_at(), Some(t(73)));
}

#[test]
fn a_running_answer_is_resumed_at_its_resume_at() {
    let mut e = engine(vec![metric("m", json!({}))]);
    let kinds = answer(
        &mut e,
        t(0),
        Outcome::Running {
            resume_at: Some(t(30)),
        },
    );
    assert_eq!(kinds, vec![RequestKind::Measure]);
    idle(&mut e, t(0));
    assert_eq!(e.next_pass_at(), Some(t(30)));
    // Still running at the first resume: asked again at the new resumeAt.
    answer(
        &mut e,
        t(30),
        Outcome::Running {
            resume_at: Some(t(45)),
        },
    );
    idle(&mut e, t(30));
    assert_eq!(e.next_pass_at(), Some(t(45)));
    assert_eq!(status(&e).metric_results[0].count, 0);
    answer(&mut e, t(45), ok(1.0));
    assert_eq!(status(&e).phase, Some(S));
    assert_eq!(last(&e).started_at, Some(t(0)));
}

#[test]
fn terminate_stops_an_in_flight_measurement_at_once() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m"}))]);
    answer(
        &mut e,
        t(0),
        Outcome::Running {
            resume_at: Some(t(600)),
        },
    );
    idle(&mut e, t(0));
    e.terminate();
    let at = e.next_pass_at().expect("a pass at once");
    assert!(at <= t(0), "{at}");
    // The source cancels the measurement: it has no result, so Inconclusive.
    let kinds = answer(
        &mut e,
        t(1),
        Outcome::Decided {
            phase: I,
            message: "Metric Terminated".into(),
        },
    );
    assert!(matches!(kinds.as_slice(), [RequestKind::Terminate(_)]));
    let m = last(&e);
    assert_eq!((m.phase, m.message.as_str()), (I, "Metric Terminated"));
    assert_eq!(m.finished_at, Some(t(1)));
    assert!(e.is_completed());
    assert_eq!(status(&e).phase, Some(I));
    assert_eq!(e.next_pass_at(), None);
}

#[test]
fn a_successful_termination_reads_metric_terminated() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m"}))]);
    answer(&mut e, t(0), Outcome::Running { resume_at: None });
    e.terminate();
    answer(
        &mut e,
        t(1),
        Outcome::Decided {
            phase: S,
            message: String::new(),
        },
    );
    let m = last(&e);
    assert_eq!((m.phase, m.message.as_str()), (S, "Metric Terminated"));
    assert_eq!(status(&e).phase, Some(S));
    assert_eq!(status(&e).message, "Run Terminated");
}
