//! Replay edge cases: bad recordings give errors that name the line (never a panic),
//! exhaustion reports the run as it stands, time mode picks lines by their `at`.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use analysis_core::model::{AnalysisRun, Phase};
use analysis_core::secrets::NoSecrets;
use augur_tests::scenarios;
use providers::recorded::Recording;
use providers::replay::{self, Mode, ReplayError, ReplayOptions, ReplayReport};
use providers::{ProviderOptions, Providers};

fn colorapi() -> AnalysisRun {
    scenarios::named("colorapi-1.0")
        .run()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn go(run: AnalysisRun, text: &str, options: &ReplayOptions) -> Result<ReplayReport, String> {
    let rec =
        Recording::from_bytes("rec.jsonl", text.as_bytes().to_vec()).map_err(|e| e.to_string())?;
    let providers = Providers::new(ProviderOptions::default()).map_err(|e| e.to_string())?;
    replay::replay(run, &rec, &providers, &NoSecrets, options)
        .map_err(|e: ReplayError| e.to_string())
}

fn ok_line(at: &str) -> String {
    format!(
        "{{\"metric\":\"color-status\",\"at\":\"{at}\",\"response\":{{\"status\":200,\"body\":{{\"status\":\"ok\"}}}}}}\n"
    )
}

#[test]
fn bad_recordings_name_the_line() {
    // Recording errors need no engine: they are found before the run starts.
    let good = ok_line("2024-05-01T12:00:00Z");
    let cases = [
        (
            format!("{good}{{\"metric\":\"color-status\",\"result\":\"ok\"\n"),
            "rec.jsonl: line 2: column",
        ),
        (
            format!("{good}{{\"metric\":\"color-status\",\"result\":\"ok\",\"error\":\"x\"}}\n"),
            "rec.jsonl: line 2: has \"result\" and \"error\"; keep exactly one",
        ),
        (
            format!("{good}{good}{{\"result\":\"ok\"}}\n"),
            "rec.jsonl: line 3: missing \"metric\"",
        ),
        (
            "\n{\"metric\":\"colour-status\",\"result\":\"ok\"}\n".to_string(),
            "rec.jsonl: line 2: metric \"colour-status\" is not in the template (its metrics: color-status)",
        ),
        (
            "\u{1}".to_string(),
            "rec.jsonl: line 1: expected a JSON object",
        ),
    ];
    let run = scenarios::named("colorapi-1.0")
        .run()
        .expect("the colorapi-1.0 scenario loads");
    for (text, want) in &cases {
        let e = go(run.clone(), text, &ReplayOptions::default())
            .err()
            .unwrap_or_default();
        assert!(e.starts_with(want), "{e}\nwant {want}");
    }
}

#[test]
fn binary_garbage_never_panics() {
    let inputs: [&[u8]; 5] = [
        b"\xff\xfe{}",
        b"{\"metric\":",
        b"[[[[[[[[",
        b"{\"metric\":\"m\",\"result\":1e99999}",
        b"\n\n\n",
    ];
    for bytes in inputs {
        let _ = Recording::from_bytes("rec.jsonl", bytes.to_vec());
    }
    let deep = format!("{{\"metric\":\"m\",\"result\":{}}}", "[".repeat(100_000));
    let e = Recording::from_bytes("rec.jsonl", deep.into_bytes())
        .err()
        .map(|e| e.to_string());
    assert!(e.is_some_and(|e| e.contains("nested too deeply")));
}

#[test]
fn running_out_of_lines_reports_the_run_as_it_stands() {
    let text: String = (0..3)
        .map(|i| ok_line(&format!("2024-05-01T12:00:{:02}Z", i * 5)))
        .collect();
    let report = go(colorapi(), &text, &ReplayOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.exhausted, vec!["color-status".to_string()]);
    assert_eq!(report.status.phase, Some(Phase::Running));
    assert_eq!(report.timeline.len(), 3);
    let json = serde_json::to_value(&report).unwrap_or_default();
    assert_eq!(json["exhausted"], serde_json::json!(["color-status"]));
}

#[test]
fn time_mode_picks_the_newest_line_at_or_before() {
    // Lines every 5 s; a template measuring every 10 s takes every other line in time mode
    // but consecutive lines in sequence mode.
    let mut run = colorapi();
    if let Some(m) = run.spec.metrics.first_mut() {
        m.interval = Some("10s".into());
        m.count = Some(analysis_core::model::IntOrString::Int(3));
    }
    let mut text = String::new();
    for i in 0..6 {
        let status = if i % 2 == 1 { "nok" } else { "ok" };
        text.push_str(&format!(
            "{{\"metric\":\"color-status\",\"at\":\"2024-05-01T12:00:{:02}Z\",\"response\":{{\"status\":200,\"body\":{{\"status\":\"{status}\"}}}}}}\n",
            i * 5
        ));
    }
    let time = ReplayOptions {
        mode: Mode::Time,
        ..ReplayOptions::default()
    };
    let report = go(run.clone(), &text, &time).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.status.phase, Some(Phase::Successful));
    let lines: Vec<Option<usize>> = report.timeline.iter().map(|t| t.line).collect();
    assert_eq!(lines, vec![Some(1), Some(3), Some(5)]);

    let report = go(run, &text, &ReplayOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let phases: Vec<Phase> = report.timeline.iter().map(|t| t.phase).collect();
    assert_eq!(
        phases,
        vec![Phase::Successful, Phase::Failed, Phase::Successful],
        "sequence mode takes consecutive lines, so it sees a nok"
    );
}

#[test]
fn json_report_has_argo_field_names() {
    let s = scenarios::named("colorapi-3.0");
    let text = std::fs::read_to_string(s.recording()).unwrap_or_default();
    let report = go(colorapi(), &text, &ReplayOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let json = serde_json::to_value(&report).unwrap_or_default();
    for key in [
        "phase",
        "message",
        "startedAt",
        "completedAt",
        "metricResults",
        "timeline",
        "exhausted",
    ] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    let mr = &json["metricResults"][0];
    for key in [
        "name",
        "phase",
        "count",
        "successful",
        "failed",
        "inconclusive",
        "error",
        "consecutiveError",
        "consecutiveSuccess",
        "measurements",
    ] {
        assert!(mr.get(key).is_some(), "metricResults[0] lacks {key}: {mr}");
    }
    let t = &json["timeline"][0];
    for key in ["at", "metric", "phase", "value", "metricPhase", "line"] {
        assert!(t.get(key).is_some(), "timeline[0] lacks {key}: {t}");
    }
}
