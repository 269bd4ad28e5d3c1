use super::*;
use analysis_core::model::{IntOrString, MetricProvider, Phase, PrometheusMetric};
use analysis_core::secrets::NoSecrets;

use crate::ProviderOptions;

fn run(count: i64, failure_limit: i64) -> AnalysisRun {
    let mut run = AnalysisRun::default();
    run.metadata.name = Some("t".into());
    run.spec.metrics.push(Metric {
        name: "rate".into(),
        interval: Some("1m".into()),
        count: Some(IntOrString::Int(count)),
        failure_limit: Some(IntOrString::Int(failure_limit)),
        success_condition: Some("result[0] >= 0.95".into()),
        provider: MetricProvider {
            prometheus: Some(PrometheusMetric {
                address: Some("http://prometheus.invalid".into()),
                query: Some("q".into()),
                ..PrometheusMetric::default()
            }),
            ..MetricProvider::default()
        },
        ..Metric::default()
    });
    run
}

fn recording(values: &[f64]) -> Recording {
    let text: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{{\"metric\":\"rate\",\"at\":\"2024-01-01T00:{i:02}:00Z\",\"result\":[{v}]}}\n"
            )
        })
        .collect();
    Recording::from_bytes("r.jsonl", text.into_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn go(
    run: AnalysisRun,
    rec: &Recording,
    options: &ReplayOptions,
) -> Result<ReplayReport, ReplayError> {
    let providers = Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    replay(run, rec, &providers, &NoSecrets, options)
}

#[test]
fn unknown_metric_is_refused_before_running() {
    let rec = Recording::from_bytes("r.jsonl", &b"{\"metric\":\"rat\",\"result\":[1]}\n"[..])
        .unwrap_or_else(|e| panic!("{e}"));
    let e = go(run(3, 0), &rec, &ReplayOptions::default())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("r.jsonl: line 1: metric \"rat\" is not in the template (its metrics: rate)")
    );
}

#[test]
fn time_mode_needs_at_everywhere_and_in_order() {
    let opts = ReplayOptions {
        mode: Mode::Time,
        ..ReplayOptions::default()
    };
    let rec = Recording::from_bytes(
        "r.jsonl",
        &b"{\"metric\":\"rate\",\"at\":\"2024-01-01T00:00:00Z\",\"result\":[1]}\n{\"metric\":\"rate\",\"result\":[1]}\n"[..],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let e = go(run(3, 0), &rec, &opts).err().map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("r.jsonl: time mode needs \"at\" on every line; line 2 has none")
    );

    let rec = Recording::from_bytes(
        "r.jsonl",
        &b"{\"metric\":\"rate\",\"at\":\"2024-01-01T00:01:00Z\",\"result\":[1]}\n{\"metric\":\"rate\",\"at\":\"2024-01-01T00:00:00Z\",\"result\":[1]}\n"[..],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let e = go(run(3, 0), &rec, &opts).err().map(|e| e.to_string());
    assert!(
        e.as_deref()
            .is_some_and(|e| e.contains("line 2 (metric \"rate\")")),
        "{e:?}"
    );
}

#[test]
fn sequence_mode_fails_at_the_right_measurement() {
    let rec = recording(&[0.99, 0.97, 0.90, 0.99, 0.80, 0.99]);
    let r = go(run(6, 1), &rec, &ReplayOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status.phase, Some(Phase::Failed));
    assert_eq!(r.timeline.len(), 5, "stops at the second failure");
    assert_eq!(r.timeline.last().and_then(|e| e.line), Some(5));
    assert_eq!(
        r.timeline.last().map(|e| e.metric_phase),
        Some(Phase::Failed)
    );
    assert!(r.exhausted.is_empty());
}

#[test]
fn running_out_of_lines_reports_the_run_as_it_stands() {
    let rec = recording(&[0.99, 0.97]);
    let r = go(run(6, 1), &rec, &ReplayOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status.phase, Some(Phase::Running));
    assert_eq!(r.exhausted, vec!["rate".to_string()]);
    assert_eq!(r.timeline.len(), 2);
}
