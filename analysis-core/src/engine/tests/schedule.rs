//! When metrics are measured and when the engine wants the next pass (semantics §4.5–4.7).

use std::collections::BTreeMap;

use serde_json::json;

use super::*;

#[test]
fn initial_delay_is_skipped_on_the_first_pass_and_counts_from_started_at() {
    let mut e = engine(vec![
        metric("now", json!({"interval": "1m"})),
        metric("later", json!({"initialDelay": "30s", "interval": "1m"})),
    ]);
    let (requested, _) = pass(&mut e, t(0), &[("now", S, "")]);
    assert_eq!(requested, vec!["now".to_string()]);
    assert_eq!(status(&e).started_at, Some(t(0)));
    // The first pass changed the status: an immediate re-pass, which has nothing to do.
    assert_eq!(e.next_pass_at(), Some(t(0)));
    let (requested, report) = pass(&mut e, t(0), &[]);
    assert!(requested.is_empty());
    assert!(!report.changed);
    assert_eq!(e.next_pass_at(), Some(t(30)));
    assert!(pass(&mut e, t(29), &[]).0.is_empty());
    // Due exactly at startedAt + initialDelay.
    let (requested, _) = pass(&mut e, t(30), &[("later", S, "")]);
    assert_eq!(requested, vec!["later".to_string()]);
}

#[test]
fn zero_initial_delay_still_waits_for_the_first_pass() {
    let mut e = engine(vec![metric("m", json!({"initialDelay": "0s"}))]);
    assert!(pass(&mut e, t(0), &[]).0.is_empty());
    assert_eq!(e.next_pass_at(), Some(t(0)));
    assert_eq!(pass(&mut e, t(0), &[("m", S, "")]).0, vec!["m".to_string()]);
    assert_eq!(status(&e).phase, Some(S));
}

#[test]
fn started_at_is_the_first_pass_even_when_nothing_is_measured() {
    let mut e = engine(vec![metric("m", json!({"initialDelay": "1m"}))]);
    assert_eq!(e.run().status, None);
    pass(&mut e, t(5), &[]);
    assert_eq!(status(&e).started_at, Some(t(5)));
    assert_eq!(status(&e).phase, Some(Phase::Running));
    assert!(status(&e).metric_results.is_empty());
    assert_eq!(e.next_pass_at(), Some(t(5)));
    pass(&mut e, t(5), &[]);
    assert_eq!(e.next_pass_at(), Some(t(65)));
}

#[test]
fn interval_counts_from_the_previous_finish() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m"}))]);
    assert_eq!(e.begin_pass(t(0), &NoSecrets).len(), 1);
    let mut slow = measurement(S, "", t(0));
    slow.finished_at = Some(t(7));
    e.finish_pass_phased(
        t(7),
        vec![Phased {
            metric_name: "m".into(),
            measurement: slow,
            explanation: Vec::new(),
            metric_metadata: BTreeMap::new(),
            origin: None,
        }],
    );
    pass(&mut e, t(7), &[]);
    assert_eq!(e.next_pass_at(), Some(t(67)));
    assert!(pass(&mut e, t(66), &[]).0.is_empty());
    assert_eq!(pass(&mut e, t(67), &[("m", S, "")]).0.len(), 1);
}

#[test]
fn error_retry_is_ten_seconds_whatever_the_interval() {
    let mut e = engine(vec![metric("m", json!({"interval": "5m"}))]);
    pass(&mut e, t(0), &[("m", E, "timeout")]);
    pass(&mut e, t(0), &[]);
    assert_eq!(e.next_pass_at(), Some(t(10)));
    assert_eq!(pass(&mut e, t(10), &[("m", S, "")]).0.len(), 1);
    pass(&mut e, t(10), &[]);
    assert_eq!(e.next_pass_at(), Some(t(310)));
}

#[test]
fn effective_count_is_one_without_interval_or_count() {
    let mut e = engine(vec![metric("m", json!({}))]);
    let taken = drive(&mut e, &[("m", &[S])], 10);
    assert_eq!(taken.len(), 1);
    assert_eq!(status(&e).phase, Some(S));
    assert_eq!(e.next_pass_at(), None);
}

#[test]
fn count_given_as_string_is_read_like_atoi() {
    let mut e = engine(vec![metric("m", json!({"interval": "1s", "count": "2"}))]);
    assert_eq!(drive(&mut e, &[("m", &[S, S])], 10).len(), 2);
    assert_eq!(status(&e).phase, Some(S));
}

#[test]
fn interval_without_count_runs_until_terminated() {
    let mut e = engine(vec![metric("m", json!({"interval": "10s"}))]);
    let taken = drive(&mut e, &[("m", &[S; 20])], 40);
    assert_eq!(taken.len(), 20);
    assert!(!e.is_completed());
    assert_eq!(e.next_pass_at(), Some(t(200)));
}

#[test]
fn zero_interval_never_measures_twice_at_one_instant() {
    let mut e = engine(vec![metric("m", json!({"interval": "0s", "count": 3}))]);
    pass(&mut e, t(0), &[("m", S, "")]);
    assert_eq!(e.next_pass_at(), Some(t(0)));
    assert!(pass(&mut e, t(0), &[]).0.is_empty());
    let next = e.next_pass_at().expect("scheduled");
    assert!(next > t(0) && next < t(1));
    assert_eq!(pass(&mut e, next, &[("m", S, "")]).0.len(), 1);
}

#[test]
fn earliest_metric_decides_the_wake_up() {
    let mut e = engine(vec![
        metric("slow", json!({"interval": "5m"})),
        metric("fast", json!({"interval": "1m"})),
        metric("late", json!({"initialDelay": "2m"})),
    ]);
    pass(&mut e, t(0), &[("slow", S, ""), ("fast", E, "")]);
    pass(&mut e, t(0), &[]);
    assert_eq!(e.next_pass_at(), Some(t(10)));
    pass(&mut e, t(10), &[("fast", S, "")]);
    pass(&mut e, t(10), &[]);
    assert_eq!(e.next_pass_at(), Some(t(70)));
}

#[test]
fn terminate_stops_new_measurements_and_completes_the_run() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m"}))]);
    pass(&mut e, t(0), &[("m", S, "")]);
    pass(&mut e, t(0), &[]);
    assert_eq!(e.next_pass_at(), Some(t(60)));
    e.terminate();
    assert!(e.run().spec.terminate);
    // Argo reconciles at once on the spec change.
    assert_eq!(e.next_pass_at(), Some(t(0)));
    let (requested, report) = pass(&mut e, t(60), &[("m", S, "")]);
    assert!(requested.is_empty());
    assert!(report.changed);
    let st = status(&e);
    assert_eq!(st.phase, Some(S));
    assert_eq!(st.message, "Run Terminated");
    assert_eq!(st.completed_at, Some(t(60)));
    assert_eq!(result(&e, "m").phase, S);
    assert_eq!(e.next_pass_at(), None);
}

#[test]
fn terminate_before_any_measurement_is_successful() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m"}))]);
    e.terminate();
    assert_eq!(
        e.next_pass_at(),
        None,
        "nothing to schedule from before the first pass"
    );
    let (requested, report) = pass(&mut e, t(0), &[]);
    assert!(requested.is_empty());
    assert!(report.changed);
    let st = status(&e);
    assert_eq!(st.phase, Some(S));
    assert_eq!(st.message, "Run Terminated");
    assert!(st.metric_results.is_empty());
    assert_eq!((st.started_at, st.completed_at), (Some(t(0)), Some(t(0))));
    assert_eq!(st.run_summary.count, 1);
    assert_eq!(st.run_summary.successful, 0);
}

#[test]
fn completed_run_does_nothing() {
    let mut e = engine(vec![metric("m", json!({}))]);
    pass(&mut e, t(0), &[("m", S, "")]);
    let before = e.run().clone();
    let (requested, report) = pass(&mut e, t(100), &[("m", F, "")]);
    assert!(requested.is_empty());
    assert!(!report.changed);
    assert_eq!(e.run(), &before);
}

#[test]
fn terminate_during_a_pass_is_seen_by_the_next_pass_at_once() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m"}))]);
    pass(&mut e, t(0), &[("m", S, "")]);
    pass(&mut e, t(0), &[]);
    assert!(e.begin_pass(t(30), &NoSecrets).is_empty());
    e.terminate();
    let report = e.finish_pass(t(30), Vec::new());
    assert!(!report.changed);
    assert!(!e.is_completed(), "the pass had begun before the request");
    assert_eq!(e.next_pass_at(), Some(t(30)));
    pass(&mut e, t(30), &[]);
    assert_eq!(status(&e).phase, Some(S));
    assert_eq!(status(&e).message, "Run Terminated");
}
