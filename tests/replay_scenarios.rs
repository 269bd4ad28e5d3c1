//! Golden tests: every scenario under fixtures/scenarios replays to its expected verdict, in
//! sequence and time mode, byte-identically across runs.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use analysis_core::secrets::NoSecrets;
use augur_tests::scenarios::{self, Scenario};
use providers::recorded::Recording;
use providers::replay::{self, Mode, ReplayOptions, ReplayReport};
use providers::{ProviderOptions, Providers};
use serde_json::{Value, json};

fn replay(s: &Scenario, mode: Mode) -> ReplayReport {
    let run = s.run().unwrap_or_else(|e| panic!("{}: {e}", s.name));
    let recording = Recording::open(&s.recording()).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    let providers = Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let options = ReplayOptions {
        mode,
        ..ReplayOptions::default()
    };
    replay::replay(run, &recording, &providers, &NoSecrets, &options)
        .unwrap_or_else(|e| panic!("{}: {e}", s.name))
}

/// The parts of a report `expected.json` pins down.
fn verdict(report: &ReplayReport) -> Value {
    let json = serde_json::to_value(report).unwrap_or_else(|e| panic!("{e}"));
    let timeline = report.timeline.as_slice();
    let decided = timeline
        .iter()
        .position(|t| t.metric_phase.is_completed())
        .and_then(|i| timeline.get(i).map(|t| (i, t)))
        .map(|(i, t)| {
            json!({
                "timelineIndex": i,
                "at": analysis_core::model::time::format(&t.at),
                "line": t.line,
            })
        });
    let metric_results: Vec<Value> = json["metricResults"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    json!({
                        "name": r["name"], "phase": r["phase"], "count": r["count"],
                        "successful": r["successful"], "failed": r["failed"],
                        "inconclusive": r["inconclusive"], "error": r["error"],
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "phase": json["phase"],
        "message": json.get("message").cloned().unwrap_or(json!("")),
        "timelinePhases": timeline.iter().map(|t| t.phase.to_string()).collect::<Vec<_>>(),
        "decidedBy": decided,
        "metricResults": metric_results,
    })
}

fn expected(s: &Scenario) -> Value {
    let mut e = s.expected.clone();
    if let Some(o) = e.as_object_mut() {
        o.remove("args");
    }
    e
}

#[test]
fn there_are_six_scenarios() {
    let names: Vec<String> = scenarios::all().into_iter().map(|s| s.name).collect();
    assert_eq!(names.len(), 6, "{names:?}");
}

#[test]
fn every_scenario_gives_its_expected_verdict() {
    for s in scenarios::all() {
        let report = replay(&s, Mode::Sequence);
        assert_eq!(verdict(&report), expected(&s), "scenario {}", s.name);
        assert!(
            report.exhausted.is_empty(),
            "{}: {:?}",
            s.name,
            report.exhausted
        );
    }
}

#[test]
fn time_mode_agrees_on_every_scenario() {
    // The recordings' `at` follow Argo's schedule, so both modes take the same lines.
    for s in scenarios::all() {
        let report = replay(&s, Mode::Time);
        assert_eq!(
            verdict(&report),
            expected(&s),
            "scenario {} (time mode)",
            s.name
        );
    }
}

#[test]
fn replays_are_byte_identical() {
    for s in scenarios::all() {
        let a = serde_json::to_string_pretty(&replay(&s, Mode::Sequence)).unwrap_or_default();
        let b = serde_json::to_string_pretty(&replay(&s, Mode::Sequence)).unwrap_or_default();
        assert_eq!(a, b, "{}", s.name);
    }
}

#[test]
fn failing_measurements_explain_themselves() {
    let report = replay(&scenarios::named("colorapi-3.0"), Mode::Sequence);
    let failed = report
        .timeline
        .iter()
        .find(|t| t.phase == analysis_core::model::Phase::Failed)
        .unwrap_or_else(|| panic!("no failed measurement"));
    assert_eq!(failed.value, "\"nok\"");
    assert!(
        failed
            .explanation
            .iter()
            .any(|s| s.expr.contains("nok") || s.value.contains("nok")),
        "{:?}",
        failed.explanation
    );

    let report = replay(
        &scenarios::named("prometheus-success-rate-empty-start"),
        Mode::Sequence,
    );
    let first = report
        .timeline
        .first()
        .unwrap_or_else(|| panic!("empty timeline"));
    assert_eq!(first.phase, analysis_core::model::Phase::Error);
    assert!(
        first.message.contains("metric result is nil or empty"),
        "{}",
        first.message
    );
}

#[test]
fn every_recorded_line_parses_through_its_provider() {
    // The raw bodies must read as the real providers read them, so the scenarios exercise
    // the same parsing as a live run.
    let providers = Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    for s in scenarios::all() {
        let run = s.run().unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let metrics = analysis_core::args::template_metrics(&run.spec.metrics, &run.spec.args)
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let recording = Recording::open(&s.recording()).unwrap_or_else(|e| panic!("{e}"));
        recording
            .check_metrics(metrics.iter().map(|m| m.name.as_str()))
            .unwrap_or_else(|e| panic!("{e}"));
        for metric in &metrics {
            let typing = match metric.provider.kind() {
                Some("prometheus") => analysis_core::json::Typing::Prometheus,
                _ => analysis_core::json::Typing::Json,
            };
            let mut cursor = recording
                .cursor(&metric.name, typing)
                .unwrap_or_else(|e| panic!("{e}"));
            let provider = providers.for_metric(metric);
            while let Some(line) = cursor.next().unwrap_or_else(|e| panic!("{e}")) {
                if let providers::recorded::Entry::Response(raw) = &line.entry {
                    let out = provider.parse(metric, raw);
                    let out =
                        out.unwrap_or_else(|e| panic!("{} line {}: {e}", s.name, line.number));
                    assert!(!out.value.is_empty(), "{} line {}", s.name, line.number);
                }
            }
        }
    }
}
