//! The run's phase, messages and summaries (semantics §4.4), and spec errors (§4.1).

use serde_json::json;

use super::*;

#[test]
fn phase_is_empty_then_running_then_completed() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m", "count": 2}))]);
    assert!(e.run().status.is_none());
    assert!(!e.is_completed());
    pass(&mut e, t(0), &[("m", S, "")]);
    let st = status(&e);
    assert_eq!(st.phase, Some(Phase::Running));
    assert_eq!((st.started_at, st.completed_at), (Some(t(0)), None));
    assert_eq!(st.run_summary.count, 1);
    assert_eq!(st.dry_run_summary, Some(Default::default()));
    pass(&mut e, t(60), &[("m", S, "")]);
    assert_eq!(status(&e).phase, Some(S));
    assert_eq!(status(&e).completed_at, Some(t(60)));
    assert_eq!(status(&e).started_at, Some(t(0)));
}

#[test]
fn metric_message_follows_the_last_measurement_when_its_phase_changes() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m", "count": 2}))]);
    pass(&mut e, t(0), &[("m", S, "first")]);
    // Created Running, assessed Running: no change, no message.
    assert_eq!(result(&e, "m").message, "");
    pass(&mut e, t(60), &[("m", S, "second")]);
    assert_eq!(result(&e, "m").phase, S);
    assert_eq!(result(&e, "m").message, "second");
}

#[test]
fn run_message_carries_the_metric_error_message() {
    let mut e = engine(vec![metric("m", json!({}))]);
    pass(&mut e, t(0), &[("m", F, "")]);
    assert_eq!(
        status(&e).message,
        "Metric \"m\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    let mut e = engine(vec![metric("m", json!({}))]);
    pass(&mut e, t(0), &[("m", I, "odd")]);
    assert_eq!(
        status(&e).message,
        "Metric \"m\" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0): \
         \"Error Message: odd\""
    );
}

#[test]
fn worst_phase_wins_and_ties_keep_the_first_metric() {
    let mut e = engine(vec![
        metric("ok", json!({})),
        metric("odd", json!({})),
        metric("bad1", json!({})),
        metric("err", json!({"consecutiveErrorLimit": 0})),
        metric("bad2", json!({})),
    ]);
    pass(
        &mut e,
        t(0),
        &[
            ("ok", S, ""),
            ("odd", I, ""),
            ("bad1", F, ""),
            ("err", E, "x"),
            ("bad2", F, ""),
        ],
    );
    let st = status(&e);
    assert_eq!(st.phase, Some(F));
    assert_eq!(
        st.message,
        "Metric \"bad1\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    let s = &st.run_summary;
    assert_eq!(
        (s.count, s.successful, s.failed, s.inconclusive, s.error),
        (5, 1, 2, 1, 1)
    );
}

#[test]
fn error_is_worse_than_inconclusive() {
    let mut e = engine(vec![
        metric("odd", json!({})),
        metric("err", json!({"consecutiveErrorLimit": 0})),
    ]);
    pass(&mut e, t(0), &[("odd", I, ""), ("err", E, "boom")]);
    assert_eq!(status(&e).phase, Some(E));
    assert_eq!(
        status(&e).message,
        "Metric \"err\" assessed Error due to consecutiveErrors (1) > consecutiveErrorLimit (0): \
         \"Error Message: boom\""
    );
}

#[test]
fn unmet_consecutive_success_limit_fails_without_a_message_and_tallies_successful() {
    let spec =
        json!({"interval": "1s", "count": 2, "failureLimit": -1, "consecutiveSuccessLimit": 2});
    let mut e = engine(vec![metric("m", spec)]);
    drive(&mut e, &[("m", &[F, S])], 10);
    let st = status(&e);
    assert_eq!(st.phase, Some(F));
    assert_eq!(st.message, "");
    assert_eq!((st.run_summary.failed, st.run_summary.successful), (0, 1));
}

#[test]
fn unmet_streak_keeps_an_earlier_metric_message() {
    let spec =
        json!({"interval": "1s", "count": 1, "failureLimit": -1, "consecutiveSuccessLimit": 1});
    let mut e = engine(vec![metric("odd", json!({})), metric("streak", spec)]);
    pass(&mut e, t(0), &[("odd", I, ""), ("streak", F, "")]);
    assert_eq!(status(&e).phase, Some(F));
    assert_eq!(
        status(&e).message,
        "Metric \"odd\" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)"
    );
}

#[test]
fn terminate_message_is_replaced_by_a_limit_message() {
    let mut e = engine(vec![
        metric("a", json!({"interval": "1m"})),
        metric("b", json!({"interval": "1m"})),
    ]);
    pass(&mut e, t(0), &[("a", S, ""), ("b", F, "")]);
    e.terminate();
    pass(&mut e, t(0), &[]);
    assert_eq!(status(&e).phase, Some(F));
    assert_eq!(
        status(&e).message,
        "Metric \"b\" assessed Failed due to failed (1) > failureLimit (0)"
    );
}

#[test]
fn dry_run_metrics_never_terminate_and_get_their_own_message() {
    let mut e = engine_with(
        vec![
            metric("error-rate", json!({})),
            metric("latency", json!({"interval": "1m", "count": 2})),
        ],
        json!({"dryRun": [{"metricName": "rate"}]}),
    );
    pass(&mut e, t(0), &[("error-rate", F, ""), ("latency", S, "")]);
    assert!(result(&e, "error-rate").dry_run);
    assert_eq!(result(&e, "error-rate").phase, F);
    assert_eq!(
        result(&e, "error-rate").message,
        "Metric assessed Failed due to failed (1) > failureLimit (0)"
    );
    pass(&mut e, t(0), &[]);
    assert_eq!(status(&e).phase, Some(Phase::Running));
    assert_eq!(e.next_pass_at(), Some(t(60)));
    pass(&mut e, t(60), &[("latency", S, "")]);
    let st = status(&e);
    assert_eq!(st.phase, Some(S));
    assert_eq!(st.message, "");
    assert_eq!((st.run_summary.count, st.run_summary.successful), (1, 1));
    let dry = st.dry_run_summary.clone().unwrap_or_default();
    assert_eq!((dry.count, dry.failed, dry.successful), (1, 1, 0));
}

#[test]
fn only_dry_run_metrics_complete_successful() {
    let mut e = engine_with(
        vec![metric("a", json!({})), metric("b", json!({}))],
        json!({"dryRun": [{"metricName": ".*"}]}),
    );
    pass(&mut e, t(0), &[("a", F, ""), ("b", S, "")]);
    let st = status(&e);
    assert_eq!(st.phase, Some(S));
    assert_eq!(st.message, "");
    assert_eq!(st.run_summary.count, 0);
    let dry = st.dry_run_summary.clone().unwrap_or_default();
    assert_eq!((dry.count, dry.successful, dry.failed), (2, 1, 1));
}

#[test]
fn unmatched_or_invalid_rules_are_spec_errors() {
    let cases = [
        (
            json!({"dryRun": [{"metricName": "*"}]}),
            "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)",
        ),
        (
            json!({"dryRun": [{"metricName": "m"}, {"metricName": "nope"}]}),
            "Analysis spec invalid: dryRun[1]: Rule didn't match any metric name(s)",
        ),
        (
            json!({"measurementRetention": [{"metricName": "x", "limit": 3}]}),
            "Analysis spec invalid: measurementRetention[0]: Rule didn't match any metric name(s)",
        ),
    ];
    for (spec, message) in cases {
        let mut e = engine_with(vec![metric("m", json!({}))], spec);
        let (requested, report) = pass(&mut e, t(0), &[("m", S, "")]);
        assert!(requested.is_empty());
        assert!(report.changed);
        let st = status(&e);
        assert_eq!(st.phase, Some(E));
        assert_eq!(st.message, message);
        // Argo leaves both unset on this path.
        assert_eq!((st.started_at, st.completed_at), (None, None));
        assert!(e.is_completed());
        assert_eq!(e.next_pass_at(), None);
    }
}

#[test]
fn secret_errors_fail_the_run_on_every_pass_even_with_nothing_due() {
    let args = json!({"args": [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}}]});
    let mut e = engine_with(vec![metric("m", json!({}))], args.clone());
    let (requested, report) = pass(&mut e, t(0), &[]);
    assert!(requested.is_empty() && report.changed);
    assert_eq!(
        status(&e).message,
        "Unable to resolve metric arguments: secrets \"db\" not found"
    );
    assert_eq!(status(&e).phase, Some(E));

    let mut secrets = crate::secrets::MapSecrets::default();
    secrets.0.insert(("db".into(), "other".into()), "v".into());
    let mut e = engine_with(vec![metric("m", json!({}))], args);
    assert!(e.begin_pass(t(0), &secrets).is_empty());
    assert!(e.finish_pass(t(0), Vec::new()).changed);
    assert_eq!(
        status(&e).message,
        "Unable to resolve metric arguments: key 'k' does not exist in secret 'db'"
    );
}
