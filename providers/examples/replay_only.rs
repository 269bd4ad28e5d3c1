//! Replays a recorded scenario through the library with no network stack: builds and runs with
//! `cargo run -p providers --no-default-features --example replay_only [scenario-dir]`.
//!
//! The default scenario is `fixtures/scenarios/prometheus-success-rate-healthy`; the template's
//! args come from the scenario's `expected.json`, as the golden tests take them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use analysis_core::load::{self, Document};
use analysis_core::model::Argument;
use analysis_core::secrets::NoSecrets;
use providers::recorded::Recording;
use providers::replay::{self, ReplayOptions};
use providers::{ProviderOptions, Providers};

fn main() -> ExitCode {
    let dir = std::env::args_os().nth(1).map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures/scenarios/prometheus-success-rate-healthy")
        },
        PathBuf::from,
    );
    match run(&dir) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("replay_only: {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

/// The run's phase and each metric's counts, one line each.
fn run(dir: &Path) -> Result<String, String> {
    let docs = load::load_file(&dir.join("template.yaml")).map_err(|e| e.to_string())?;
    let templates: Vec<_> = docs.iter().filter_map(Document::template).collect();
    let run = analysis_core::args::build_run("replay-only", &templates, &args(dir)?)
        .map_err(|e| e.to_string())?;
    let recording = Recording::open(&dir.join("recording.jsonl")).map_err(|e| e.to_string())?;
    // Without the `live` feature these providers parse recorded answers and never fetch.
    let providers = Providers::new(ProviderOptions::default()).map_err(|e| e.to_string())?;
    let report = replay::replay(
        run,
        &recording,
        &providers,
        &NoSecrets,
        &ReplayOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let phase = report
        .status
        .phase
        .map_or("Pending".to_string(), |p| p.to_string());
    let mut out = format!(
        "{}: {phase} ({} measurements)",
        report.run_name,
        report.timeline.len()
    );
    for m in &report.status.metric_results {
        out.push_str(&format!(
            "\n  {}: {} (successful {}, failed {}, error {})",
            m.name, m.phase, m.successful, m.failed, m.error
        ));
    }
    Ok(out)
}

/// The template args the scenario was recorded with (`expected.json`'s `args`).
fn args(dir: &Path) -> Result<Vec<Argument>, String> {
    let text = std::fs::read_to_string(dir.join("expected.json")).map_err(|e| e.to_string())?;
    let expected: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let args = expected.get("args").and_then(|a| a.as_object());
    Ok(args
        .into_iter()
        .flatten()
        .map(|(name, value)| Argument {
            name: name.clone(),
            value: value.as_str().map(str::to_string),
            value_from: None,
        })
        .collect())
}
