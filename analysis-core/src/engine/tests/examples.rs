//! Semantics §7's worked examples and §8's traps 4–5, end to end on a virtual clock.

use serde_json::json;

use super::*;

fn times(taken: &[Taken], name: &str) -> Vec<i64> {
    taken
        .iter()
        .filter(|(_, n, _)| n == name)
        .map(|(s, _, _)| *s)
        .collect()
}

/// §7.1: failureLimit 1, interval 1m, F,S,F → the metric fails at the second F; the run fails
/// one pass later, when the sibling is terminated and marked Successful.
#[test]
fn failure_limit_one_fails_at_second_failure_and_terminates_sibling_next_pass() {
    let mut e = engine(vec![
        metric("errors", json!({"interval": "1m", "failureLimit": 1})),
        metric("latency", json!({"interval": "1m"})),
    ]);
    let taken = drive(
        &mut e,
        &[("errors", &[F, S, F]), ("latency", &[S, S, S])],
        50,
    );
    assert_eq!(times(&taken, "errors"), vec![0, 60, 120]);
    assert_eq!(times(&taken, "latency"), vec![0, 60, 120]);
    let st = status(&e);
    assert_eq!(st.phase, Some(F));
    assert_eq!(
        st.message,
        "Metric \"errors\" assessed Failed due to failed (2) > failureLimit (1)"
    );
    assert_eq!(result(&e, "errors").phase, F);
    assert_eq!(result(&e, "latency").phase, S);
    assert_eq!(st.completed_at, Some(t(120)));
    assert_eq!(st.run_summary.count, 2);
    assert_eq!(st.run_summary.failed, 1);
    assert_eq!(st.run_summary.successful, 1);
}

/// §7.1 and §8.5 pass by pass: the lag is one pass, at the same instant.
#[test]
fn failing_metric_terminates_siblings_one_pass_later() {
    let mut e = engine(vec![
        metric("a", json!({"interval": "1m"})),
        metric("b", json!({"interval": "1m"})),
    ]);
    let (_, report) = pass(&mut e, t(0), &[("a", S, ""), ("b", F, "")]);
    assert!(report.changed);
    assert_eq!(result(&e, "b").phase, F);
    assert_eq!(result(&e, "a").phase, Phase::Running);
    assert_eq!(status(&e).phase, Some(Phase::Running));
    assert_eq!(status(&e).message, "");
    // The status changed, so Argo's watch reconciles again at once.
    assert_eq!(e.next_pass_at(), Some(t(0)));
    let (requested, report) = pass(&mut e, t(0), &[]);
    assert!(requested.is_empty());
    assert!(report.changed);
    assert_eq!(result(&e, "a").phase, S);
    assert_eq!(status(&e).phase, Some(F));
    assert_eq!(e.next_pass_at(), None);
}

/// A failing metric whose siblings are all complete fails the run in the same pass.
#[test]
fn failing_metric_fails_run_at_once_when_siblings_are_done() {
    let mut e = engine(vec![metric("a", json!({})), metric("b", json!({}))]);
    pass(&mut e, t(0), &[("a", S, ""), ("b", F, "")]);
    assert_eq!(status(&e).phase, Some(F));
    assert!(e.is_completed());
}

/// §7.2 and §8.4: no interval, Error ×5 → retried every 10 s; the fifth Error decides.
#[test]
fn errors_retry_every_ten_seconds_until_the_limit() {
    let mut e = engine(vec![metric("m", json!({}))]);
    let mut now = t(0);
    for i in 0..5 {
        let (requested, _) = pass(&mut e, now, &[("m", E, "connection refused")]);
        assert_eq!(requested, vec!["m".to_string()], "attempt {i}");
        if i < 4 {
            assert_eq!(result(&e, "m").phase, Phase::Running);
            // The immediate re-pass after the write measures nothing.
            assert_eq!(e.next_pass_at(), Some(now));
            let (again, _) = pass(&mut e, now, &[]);
            assert!(again.is_empty());
            assert_eq!(e.next_pass_at(), Some(now + secs(10)));
            now += secs(10);
        }
    }
    assert_eq!(now, t(40));
    let r = result(&e, "m");
    assert_eq!(
        (r.phase, r.error, r.consecutive_error, r.count),
        (E, 5, 5, 0)
    );
    assert_eq!(r.message, "connection refused");
    let st = status(&e);
    assert_eq!(st.phase, Some(E));
    assert_eq!(
        st.message,
        "Metric \"m\" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): \
         \"Error Message: connection refused\""
    );
    assert_eq!(st.run_summary.error, 1);
}

/// §7.3 and §8.4: count 3, interval 30s, S,E,S,S → the Error does not count and is retried
/// after 10 s, not 30 s; Successful after the fourth measurement.
#[test]
fn errors_do_not_count_toward_count() {
    let mut e = engine(vec![metric("m", json!({"interval": "30s", "count": 3}))]);
    let taken = drive(&mut e, &[("m", &[S, E, S, S])], 50);
    assert_eq!(times(&taken, "m"), vec![0, 30, 40, 70]);
    assert_eq!(result(&e, "m").count, 3);
    assert_eq!(status(&e).phase, Some(S));
    assert_eq!(status(&e).completed_at, Some(t(70)));
}

/// §7.4: failureLimit −1, consecutiveSuccessLimit 2, interval 10s, F,F,S,F,S,S → Successful at
/// the last S.
#[test]
fn consecutive_success_limit_ignores_failures_when_failure_limit_disabled() {
    let spec = json!({"interval": "10s", "failureLimit": -1, "consecutiveSuccessLimit": 2});
    let mut e = engine(vec![metric("m", spec.clone())]);
    let taken = drive(&mut e, &[("m", &[F, F, S, F, S, S])], 50);
    assert_eq!(times(&taken, "m"), vec![0, 10, 20, 30, 40, 50]);
    assert_eq!(status(&e).phase, Some(S));
    assert_eq!(status(&e).message, "");

    // A single Inconclusive (inconclusiveLimit 0) would have decided it.
    let mut e = engine(vec![metric("m", spec)]);
    drive(&mut e, &[("m", &[F, I])], 50);
    assert_eq!(status(&e).phase, Some(I));
    assert_eq!(
        status(&e).message,
        "Metric \"m\" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)"
    );
}
