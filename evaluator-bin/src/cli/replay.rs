//! `augur replay`: a recording through a template on a virtual clock (providers::replay), in
//! milliseconds and deterministically; prints the verdict, a timeline, and optionally a plot.

use std::path::PathBuf;
use std::process::ExitCode;

use analysis_core::model::{AnalysisRunStatus, time};
use analysis_core::secrets::NoSecrets;
use chrono::{DateTime, Utc};
use providers::recorded::Recording;
use providers::replay::{self, Mode, ReplayOptions, TimelineEntry};
use providers::{ProviderOptions, Providers};

use super::common::{Output, exit_code, load_run, parse_arg};
use crate::plot::{self, PlotInput};

/// `augur replay`'s flags.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// An AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun manifest (YAML or JSON).
    template: PathBuf,
    /// A recording (JSON Lines), e.g. from `augur record`.
    recording: PathBuf,
    /// `NAME=VALUE` for the template's args.
    #[arg(long = "arg", value_name = "NAME=VALUE", value_parser = parse_arg)]
    args: Vec<analysis_core::Argument>,
    /// `sequence`: the k-th measurement of a metric takes its k-th line; `time`: the newest
    /// line with `at` at or before the measurement's virtual time.
    #[arg(long, value_enum, default_value_t = ModeArg::Sequence)]
    mode: ModeArg,
    /// The virtual start (RFC 3339); default: the recording's first `at`, else 1970-01-01.
    #[arg(long, value_parser = parse_time)]
    start: Option<DateTime<Utc>>,
    /// `json` prints the AnalysisRun status with Argo's field names, the timeline and the
    /// exhausted metrics.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Draw the run to FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ModeArg {
    Sequence,
    Time,
}

/// Parses an RFC 3339 time flag.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    time::parse(s).map_err(|e| format!("expected an RFC 3339 time like 2024-05-01T12:00:00Z: {e}"))
}

/// Text output shows at most this many timeline rows; JSON and plots show all.
const TEXT_TIMELINE_ROWS: usize = 200;

/// Exit code when the recording ran out before the run completed (no verdict).
pub const EXIT_INCOMPLETE: u8 = 4;

/// Runs `augur replay`; the exit code carries the verdict ([`EXIT_INCOMPLETE`] when the
/// recording ran out first).
pub fn main(a: ReplayArgs) -> ExitCode {
    match run(a) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("augur replay: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(a: ReplayArgs) -> Result<ExitCode, String> {
    let run = load_run(&a.template, &a.args)?;
    let recording = Recording::open(&a.recording).map_err(|e| e.to_string())?;
    let providers = Providers::new(ProviderOptions::from_env()).map_err(|e| e.to_string())?;
    let keep_all = a.output == Output::Json || a.plot.is_some();
    let options = ReplayOptions {
        mode: match a.mode {
            ModeArg::Sequence => Mode::Sequence,
            ModeArg::Time => Mode::Time,
        },
        start: a.start,
        timeline_limit: (!keep_all).then_some(TEXT_TIMELINE_ROWS),
    };
    let report = replay::replay(run, &recording, &providers, &NoSecrets, &options)
        .map_err(|e| e.to_string())?;
    let name = display_name(&a.template, &report.run_name);
    if let Some(path) = &a.plot {
        plot::write(
            path,
            &PlotInput {
                what: "replay",
                run_name: &name,
                status: &report.status,
                timeline: &report.timeline,
                metrics: &report.metrics,
                start: report.start,
            },
        )?;
    }
    match a.output {
        Output::Json => {
            let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            println!("{json}");
        }
        Output::Text => {
            let mode = match report.mode {
                Mode::Sequence => "sequence",
                Mode::Time => "time",
            };
            println!(
                "replay of {} ({mode} mode, from {})",
                recording.name(),
                time::format(&report.start)
            );
            print_text(&name, &report.status, &report.timeline, report.start);
            if report.timeline_omitted > 0 {
                println!(
                    "  … {} more measurements (--output json shows them all)",
                    report.timeline_omitted
                );
            }
            if !report.exhausted.is_empty() {
                println!(
                    "recording ran out for: {} (the run is reported as it stood)",
                    report.exhausted.join(", ")
                );
            }
        }
    }
    let complete = report.status.phase.is_some_and(|p| p.is_completed());
    if !complete && !report.exhausted.is_empty() {
        return Ok(ExitCode::from(EXIT_INCOMPLETE));
    }
    Ok(exit_code(report.status.phase))
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// A name for titles: the run's, unless that is just the generic file name `template`, then
/// the template's directory (`fixtures/scenarios/<name>/template.yaml`).
pub fn display_name(template: &std::path::Path, run_name: &str) -> String {
    if run_name == "template"
        && let Some(dir) = template.parent().and_then(|p| p.file_name())
    {
        return dir.to_string_lossy().into_owned();
    }
    run_name.to_string()
}

/// The human view shared by replay and backtest: one row per measurement, then per-metric
/// tallies and the verdict.
pub fn print_text(
    run_name: &str,
    status: &AnalysisRunStatus,
    timeline: &[TimelineEntry],
    start: DateTime<Utc>,
) {
    let width = timeline
        .iter()
        .map(|t| t.metric.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    println!(
        "  {:<10} {:<20}  {:<width$}  {:<12} {:<12} VALUE",
        "AFTER", "AT", "METRIC", "PHASE", "METRIC PHASE"
    );
    for t in timeline {
        let after = analysis_core::duration::format_duration(t.at - start);
        let mut row = format!(
            "  {:<10} {:<20}  {:<width$}  {:<12} {:<12} {}",
            after,
            time::format(&t.at),
            t.metric,
            t.phase.to_string(),
            t.metric_phase.to_string(),
            clip(&t.value, 80)
        );
        if !t.message.is_empty() {
            row.push_str(&format!("  ({})", t.message));
        }
        println!("{row}");
        if t.phase != analysis_core::model::Phase::Successful && !t.explanation.is_empty() {
            // The short steps are the telling ones (`.value = 9870`, `9870 >= 9900 = false`);
            // JSON output has them all.
            let why: Vec<String> = t
                .explanation
                .iter()
                .filter(|s| s.value.chars().count() <= 40 && s.expr.chars().count() <= 120)
                .map(|s| format!("{} = {}", s.expr, s.value))
                .collect();
            println!("  {:<10} because {}", "", why.join(", "));
        }
    }
    for r in &status.metric_results {
        println!(
            "metric {}: {}  count {} successful {} failed {} inconclusive {} error {}",
            r.name, r.phase, r.count, r.successful, r.failed, r.inconclusive, r.error
        );
    }
    let phase = status
        .phase
        .map_or("Running".to_string(), |p| p.to_string());
    if status.message.is_empty() {
        println!("run {run_name}: {phase}");
    } else {
        println!("run {run_name}: {phase}: {}", status.message);
    }
}
