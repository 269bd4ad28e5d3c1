//! The real `finish_pass` path (outcomes → measurements), masking, retention, resuming from a
//! serialized status, TTL.

use serde_json::json;

use super::super::MeasureOutcome;
use super::*;
use crate::provider::{ProviderError, ProviderOutput};
use crate::secrets::MapSecrets;
use crate::value::Value;

fn outcome(
    name: &str,
    at: DateTime<Utc>,
    out: Result<ProviderOutput, ProviderError>,
) -> MeasureOutcome {
    MeasureOutcome {
        metric_name: name.to_string(),
        started_at: at,
        finished_at: at + secs(1),
        outcome: out.into(),
        metric_metadata: BTreeMap::from([("ResolvedPrometheusQuery".into(), "up".into())]),
        origin: None,
    }
}

#[test]
fn provider_output_becomes_a_measurement() {
    let mut e = engine(vec![metric("m", json!({"interval": "1m"}))]);
    let requests = e.begin_pass(t(0), &NoSecrets);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].metric.name, "m");
    let mut out = ProviderOutput::new(Value::Float(0.5));
    out.metadata.insert("warnings".into(), "\"w\"".into());
    let report = e.finish_pass(t(1), vec![outcome("m", t(0), Ok(out))]);
    assert!(report.changed);
    assert_eq!(report.measurements.len(), 1);
    let m = &result(&e, "m").measurements[0];
    assert_eq!(&report.measurements[0].measurement, m);
    assert_eq!(m.phase, S);
    assert_eq!(m.value, "0.5");
    assert_eq!(
        m.metadata.get("warnings").map(String::as_str),
        Some("\"w\"")
    );
    assert_eq!((m.started_at, m.finished_at), (Some(t(0)), Some(t(1))));
    assert_eq!(
        result(&e, "m")
            .metadata
            .get("ResolvedPrometheusQuery")
            .map(String::as_str),
        Some("up")
    );
    // Interval from the finish.
    e.begin_pass(t(1), &NoSecrets);
    e.finish_pass(t(1), Vec::new());
    assert_eq!(e.next_pass_at(), Some(t(61)));
}

#[test]
fn provider_errors_are_error_measurements_with_secrets_masked() {
    let args = json!({"args": [
        {"name": "token", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}},
        {"name": "plain", "value": "x"}
    ]});
    let mut e = engine_with(vec![metric("m", json!({}))], args);
    let mut secrets = MapSecrets::default();
    secrets
        .0
        .insert(("db".into(), "k".into()), "hunter2".into());
    assert_eq!(e.begin_pass(t(0), &secrets).len(), 1);
    let error = ProviderError::new("401 for token hunter2 (hunter2)");
    let report = e.finish_pass(t(1), vec![outcome("m", t(0), Err(error))]);
    let m = &result(&e, "m").measurements[0];
    assert_eq!(m.phase, E);
    assert_eq!(m.message, "401 for token ***** (*****)");
    assert_eq!(m.value, "");
    assert_eq!(report.measurements[0].measurement.message, m.message);
    assert_eq!(result(&e, "m").error, 1);
}

#[test]
fn unrequested_and_duplicate_outcomes_are_ignored() {
    let mut e = engine(vec![
        metric("a", json!({"interval": "1m"})),
        metric("b", json!({"initialDelay": "1m"})),
    ]);
    assert_eq!(e.begin_pass(t(0), &NoSecrets).len(), 1);
    let ok = || Ok(ProviderOutput::new(Value::Float(1.0)));
    let report = e.finish_pass(
        t(0),
        vec![
            outcome("a", t(0), ok()),
            outcome("a", t(0), ok()),
            outcome("b", t(0), ok()),
            outcome("nope", t(0), ok()),
        ],
    );
    assert_eq!(report.measurements.len(), 1);
    assert_eq!(status(&e).metric_results.len(), 1);
    assert_eq!(result(&e, "a").count, 1);
    // No begun pass: nothing happens.
    assert!(!e.finish_pass(t(0), vec![outcome("a", t(0), ok())]).changed);
    assert_eq!(result(&e, "a").count, 1);
}

#[test]
fn history_is_trimmed_to_ten_or_the_retention_limit_and_counters_survive() {
    let mut e = engine_with(
        vec![
            metric("a", json!({"interval": "1s"})),
            metric("b", json!({"interval": "1s"})),
            metric("c", json!({"interval": "1s"})),
        ],
        json!({"measurementRetention": [
            {"metricName": "b|c", "limit": 3},
            {"metricName": "c", "limit": 0},
        ]}),
    );
    drive(
        &mut e,
        &[("a", &[S; 15]), ("b", &[S; 15]), ("c", &[S; 15])],
        30,
    );
    let a = result(&e, "a");
    assert_eq!((a.measurements.len(), a.count, a.successful), (10, 15, 15));
    assert_eq!(
        a.measurements.last().and_then(|m| m.finished_at),
        Some(t(14))
    );
    assert_eq!(a.measurements[0].finished_at, Some(t(5)));
    assert_eq!(result(&e, "b").measurements.len(), 3);
    // The last matching rule wins; limit 0 means the default.
    assert_eq!(result(&e, "c").measurements.len(), 10);
}

#[test]
fn a_run_resumes_from_its_serialized_status() {
    let metrics = || {
        vec![
            metric("a", json!({"interval": "30s", "count": 4})),
            metric(
                "b",
                json!({"interval": "1m", "failureLimit": 1, "initialDelay": "10s"}),
            ),
        ]
    };
    let script: &[(&str, &[Phase])] = &[("a", &[S, E, S, S, S]), ("b", &[F, S, F])];
    let mut whole = engine(metrics());
    let taken_whole = drive(&mut whole, script, 100);

    let mut first = engine(metrics());
    pass(&mut first, t(0), &[("a", S, "")]);
    pass(&mut first, t(0), &[]);
    pass(&mut first, t(10), &[("b", F, "")]);
    pass(&mut first, t(10), &[]);
    let saved = serde_json::to_string(first.run()).expect("serializes");
    let run: AnalysisRun = serde_json::from_str(&saved).expect("deserializes");
    assert_eq!(&run, first.run());
    let mut resumed = RunEngine::new(run);
    // Argo reconciles every run when the controller starts.
    assert_eq!(resumed.next_pass_at(), Some(t(10)));
    let rest: &[(&str, &[Phase])] = &[("a", &[E, S, S, S]), ("b", &[S, F])];
    let mut taken = vec![(0, "a".to_string(), S), (10, "b".to_string(), F)];
    let mut now = t(10);
    let mut queues: BTreeMap<&str, VecDeque<Phase>> = rest
        .iter()
        .map(|(n, p)| (*n, p.iter().copied().collect()))
        .collect();
    while let Some(at) = resumed.next_pass_at() {
        now = now.max(at);
        let requested: Vec<String> = resumed
            .begin_pass(now, &NoSecrets)
            .into_iter()
            .map(|r| r.metric_name)
            .collect();
        let answers: Vec<Phased> = requested
            .iter()
            .map(|n| {
                let phase = queues
                    .get_mut(n.as_str())
                    .and_then(VecDeque::pop_front)
                    .unwrap_or(S);
                taken.push(((now - t(0)).num_seconds(), n.clone(), phase));
                Phased {
                    metric_name: n.clone(),
                    measurement: measurement(phase, "", now),
                    explanation: Vec::new(),
                    metric_metadata: BTreeMap::new(),
                    origin: None,
                }
            })
            .collect();
        resumed.finish_pass_phased(now, answers);
    }
    assert_eq!(taken, taken_whole);
    assert_eq!(resumed.run(), whole.run());
    assert_eq!(status(&resumed).phase, Some(F));
}

#[test]
fn ttl_helpers_follow_the_completed_phase() {
    let mut e = engine_with(
        vec![metric("m", json!({}))],
        json!({"ttlStrategy": {"secondsAfterSuccess": 60}}),
    );
    assert_eq!(e.ttl_expires_at(), None);
    pass(&mut e, t(0), &[("m", S, "")]);
    assert_eq!(e.ttl_expires_at(), Some(t(61)));
    assert!(!e.ttl_exceeded(t(60)));
    assert!(e.ttl_exceeded(t(61)));
    let run = e.into_run();
    assert!(super::super::ttl_exceeded(&run, t(100)));
}

#[test]
fn conditions_decide_the_phase_and_explain() {
    let mut e = engine(vec![metric(
        "m",
        json!({"successCondition": "result[0] >= 0.95", "interval": "1m", "failureLimit": 1}),
    )]);
    e.set_explain(true);
    e.begin_pass(t(0), &NoSecrets);
    let low = Ok(ProviderOutput::new(Value::floats(vec![0.9])));
    let report = e.finish_pass(t(1), vec![outcome("m", t(0), low)]);
    assert_eq!(result(&e, "m").measurements[0].phase, F);
    assert_eq!(result(&e, "m").measurements[0].value, "[0.9]");
    assert!(!report.measurements[0].explanation.is_empty());
    e.begin_pass(t(61), &NoSecrets);
    let empty = Ok(ProviderOutput::new(Value::floats(Vec::<f64>::new())));
    e.finish_pass(t(62), vec![outcome("m", t(61), empty)]);
    let m = &result(&e, "m").measurements[1];
    assert_eq!(m.phase, E);
    assert_eq!(m.value, "");
    assert_eq!(
        m.message,
        "could not evaluate successCondition \"result[0] >= 0.95\": metric result is nil or \
         empty: no data returned from the metric provider"
    );
}

#[test]
fn both_conditions_true_is_failed_and_neither_is_inconclusive() {
    let m = json!({"successCondition": "result > 1", "failureCondition": "result > 5"});
    let mut e = engine(vec![metric("m", m.clone())]);
    e.begin_pass(t(0), &NoSecrets);
    let out = Ok(ProviderOutput::new(Value::Float(9.0)));
    e.finish_pass(t(0), vec![outcome("m", t(0), out)]);
    assert_eq!(status(&e).phase, Some(F));
    let mut e = engine(vec![metric("m", m)]);
    e.begin_pass(t(0), &NoSecrets);
    let out = Ok(ProviderOutput::new(Value::Float(0.0)));
    e.finish_pass(t(0), vec![outcome("m", t(0), out)]);
    assert_eq!(status(&e).phase, Some(I));
}

#[test]
fn a_rotated_secret_is_fetched_again_and_masked() {
    let args = json!({"args": [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}}]});
    let mut e = engine_with(vec![metric("m", json!({"interval": "1m"}))], args);
    let mut secrets = MapSecrets::default();
    secrets
        .0
        .insert(("db".into(), "k".into()), "old-secret".into());
    e.begin_pass(t(0), &secrets);
    let error = ProviderError::new("denied: old-secret");
    e.finish_pass(t(0), vec![outcome("m", t(0), Err(error))]);
    secrets
        .0
        .insert(("db".into(), "k".into()), "new-secret".into());
    assert_eq!(e.begin_pass(t(11), &secrets).len(), 1);
    let error = ProviderError::new("denied: new-secret, not old-secret");
    e.finish_pass(t(11), vec![outcome("m", t(11), Err(error))]);
    let messages: Vec<&str> = result(&e, "m")
        .measurements
        .iter()
        .map(|m| m.message.as_str())
        .collect();
    // Argo masks only the values fetched in the same pass.
    assert_eq!(
        messages,
        vec!["denied: *****", "denied: *****, not old-secret"]
    );
}

#[test]
fn templating_errors_fail_the_run() {
    let mut e = engine(vec![metric(
        "m",
        json!({"interval": "{{args.metric-name}}"}),
    )]);
    assert!(e.begin_pass(t(0), &NoSecrets).is_empty());
    assert!(e.finish_pass(t(0), Vec::new()).changed);
    assert_eq!(status(&e).phase, Some(E));
    assert_eq!(
        status(&e).message,
        "Unable to resolve metric arguments: failed to resolve {{args.metric-name}}"
    );
}

#[test]
fn secret_args_are_templated_into_the_request() {
    let args = json!({"args": [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}}]});
    let mut m = metric("m", json!({}));
    m["provider"]["web"]["url"] = json!("http://svc/metric?token={{args.token}}");
    let mut e = engine_with(vec![m], args);
    let mut secrets = MapSecrets::default();
    secrets.0.insert(("db".into(), "k".into()), "s3cr3t".into());
    let requests = e.begin_pass(t(0), &secrets);
    let url = requests[0]
        .metric
        .provider
        .web
        .as_ref()
        .map(|w| w.url.clone());
    assert_eq!(url.as_deref(), Some("http://svc/metric?token=s3cr3t"));
    // The run's own spec keeps the reference, never the value.
    assert!(
        !serde_json::to_string(e.run())
            .unwrap_or_default()
            .contains("s3cr3t")
    );
}

#[test]
fn validation_errors_fail_the_run() {
    let mut e = engine(vec![metric("m", json!({"count": 2}))]);
    assert!(e.begin_pass(t(0), &NoSecrets).is_empty());
    e.finish_pass(t(0), Vec::new());
    assert_eq!(status(&e).phase, Some(E));
    assert_eq!(
        status(&e).message,
        "Analysis spec invalid: metrics[0]: interval must be specified when count > 1"
    );
}
