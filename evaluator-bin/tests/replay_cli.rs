//! `augur replay` / `augur backtest` through the real binary: flags, output shapes, exit codes,
//! determinism, plots.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn scenario(name: &str) -> (PathBuf, PathBuf) {
    let dir = root().join("fixtures/scenarios").join(name);
    (dir.join("template.yaml"), dir.join("recording.jsonl"))
}

fn augur(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_augur"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("augur: {e}"))
}

fn replay(name: &str, arg: &str, extra: &[&str]) -> Output {
    let (template, recording) = scenario(name);
    let (t, r) = (template.to_string_lossy(), recording.to_string_lossy());
    let mut args = vec!["replay", &t, &r, "--arg", arg];
    args.extend_from_slice(extra);
    augur(&args)
}

const HOST: &str = "host=colorapi.default.svc:8080";

#[test]
fn bad_recording_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"metric\":\"color-status\",\"result\":\"ok\"}\n{\"metric\":\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (template, _) = scenario("colorapi-1.0");
    let out = augur(&[
        "replay",
        &template.to_string_lossy(),
        &bad.to_string_lossy(),
        "--arg",
        HOST,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.jsonl: line 2: column"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_flags_are_refused() {
    let out = replay("colorapi-1.0", HOST, &["--start", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    let out = replay("colorapi-1.0", HOST, &["--mode", "random"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn exit_codes_follow_the_verdict() {
    assert_eq!(replay("colorapi-1.0", HOST, &[]).status.code(), Some(0));
    let out = replay("colorapi-3.0", HOST, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "Metric \"color-status\" assessed Failed due to failed (2) > failureLimit (1)"
        ),
        "{stdout}"
    );
}

#[test]
fn json_output_is_deterministic_and_argo_shaped() {
    let a = replay("colorapi-3.0", HOST, &["--output", "json"]);
    let b = replay("colorapi-3.0", HOST, &["--output", "json"]);
    assert_eq!(a.stdout, b.stdout, "two replays differ");
    let json: serde_json::Value =
        serde_json::from_slice(&a.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["phase"], "Failed");
    assert_eq!(json["mode"], "sequence");
    assert_eq!(json["start"], "2024-05-01T12:00:00Z");
    assert_eq!(json["timeline"].as_array().map(Vec::len), Some(5));
    assert_eq!(json["exhausted"], serde_json::json!([]));
    assert_eq!(json["metricResults"][0]["failed"], 2);
}

#[test]
fn exhaustion_exits_4_and_lists_the_metric() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let short = dir.path().join("short.jsonl");
    let (template, recording) = scenario("colorapi-1.0");
    let text = std::fs::read_to_string(recording).unwrap_or_default();
    let first: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(&short, first).unwrap_or_else(|e| panic!("{e}"));
    let out = augur(&[
        "replay",
        &template.to_string_lossy(),
        &short.to_string_lossy(),
        "--arg",
        HOST,
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["exhausted"], serde_json::json!(["color-status"]));
    assert_eq!(json["phase"], "Running");
}

#[test]
fn plots_are_written_as_svg_and_png() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for name in ["plot.svg", "plot.png"] {
        let path = dir.path().join(name);
        let out = replay(
            "skywalking-apdex-degraded",
            "service-name=canary|reviews|bookinfo|cluster-1|-",
            &["--plot", &path.to_string_lossy()],
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(bytes.len() > 1000, "{name}: {} bytes", bytes.len());
    }
    let svg = std::fs::read_to_string(dir.path().join("plot.svg")).unwrap_or_default();
    assert!(svg.contains("9900"), "threshold line label");
    assert!(svg.contains("failureLimit (3)"), "trip label");
}

#[test]
fn backtest_refuses_an_empty_window() {
    let (template, _) = scenario("prometheus-success-rate-healthy");
    let out = augur(&[
        "backtest",
        &template.to_string_lossy(),
        "--from",
        "2024-01-01T01:00:00Z",
        "--to",
        "2024-01-01T00:00:00Z",
        "--arg",
        "service-name=x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("must be before --to"), "{stderr}");
}

#[test]
fn backtest_refuses_a_template_without_prometheus_metrics() {
    let (template, _) = scenario("colorapi-1.0");
    let out = augur(&[
        "backtest",
        &template.to_string_lossy(),
        "--from",
        "2024-01-01T00:00:00Z",
        "--to",
        "2024-01-01T01:00:00Z",
        "--arg",
        HOST,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "only Prometheus metrics can be backtested, and \"color-status\" is a web metric"
        ),
        "{stderr}"
    );
}

/// Serves colorapi's answer on a free loopback port from a background thread.
fn colorapi_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async move {
            let listener =
                tokio::net::TcpListener::from_std(listener).unwrap_or_else(|e| panic!("{e}"));
            let app = axum::Router::new().route(
                "/",
                axum::routing::get(|| async { r#"{"color":"red","status":"ok"}"# }),
            );
            let _ = axum::serve(listener, app).await;
        });
    });
    port
}

#[test]
fn record_then_replay_gives_the_same_verdict() {
    let port = colorapi_server();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let template = dir.path().join("colorapi.yaml");
    std::fs::write(
        &template,
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: colorapi\n\
         spec:\n  args:\n    - name: host\n  metrics:\n    - name: color-status\n      \
         interval: 1s\n      count: 2\n      successCondition: result == \"ok\"\n      \
         provider:\n        web:\n          url: \"http://{{args.host}}/\"\n          \
         jsonPath: \"{$.status}\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let recording = dir.path().join("rec.jsonl");
    let host = format!("host=127.0.0.1:{port}");
    let t = template.to_string_lossy();
    let r = recording.to_string_lossy();
    let out = augur(&["record", &t, "--out", &r, "--arg", &host]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&recording).unwrap_or_default();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains(r#""response":{"status":200,"body":{"color":"red","status":"ok"}}"#),
        "{text}"
    );
    let out = augur(&["replay", &t, &r, "--arg", &host, "--output", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["phase"], "Successful");
    assert_eq!(json["metricResults"][0]["successful"], 2);
}
