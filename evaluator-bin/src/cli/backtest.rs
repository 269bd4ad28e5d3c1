//! `augur backtest`: a template run over Prometheus history as if it had started at `--from`
//! (providers::backtest), answering "would this have caught last week's bad release?".

use std::path::PathBuf;
use std::process::ExitCode;

use analysis_core::model::time;
use chrono::{DateTime, Utc};
use providers::backtest::{self, BacktestOptions};
use providers::{ProviderOptions, Providers};

use super::common::{LiveInputs, Output, block_on, exit_code, load_run, secret_source};
use super::replay::{EXIT_INCOMPLETE, display_name, parse_time, print_text};
use crate::plot::{self, PlotInput};

/// `augur backtest`'s flags.
#[derive(clap::Args)]
pub struct BacktestArgs {
    /// An AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun manifest (YAML or JSON).
    template: PathBuf,
    /// When the run starts (RFC 3339).
    #[arg(long, value_parser = parse_time)]
    from: DateTime<Utc>,
    /// When to stop if the run has not completed (RFC 3339).
    #[arg(long, value_parser = parse_time)]
    to: DateTime<Utc>,
    #[command(flatten)]
    inputs: LiveInputs,
    /// `json` prints the AnalysisRun status with Argo's field names and the timeline.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Draw the run to FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

/// Runs `augur backtest`; the exit code carries the verdict.
pub fn main(a: BacktestArgs) -> ExitCode {
    block_on("backtest", run(a))
}

async fn run(a: BacktestArgs) -> Result<ExitCode, String> {
    let run = load_run(&a.template, &a.inputs.args)?;
    let providers = Providers::new(ProviderOptions::from_env()).map_err(|e| e.to_string())?;
    let secrets = secret_source(a.inputs.secrets_dir.as_deref());
    let options = BacktestOptions {
        from: a.from,
        to: a.to,
        timeline_limit: None,
    };
    let report = backtest::backtest(run, &providers, secrets.as_ref(), &options)
        .await
        .map_err(|e| e.to_string())?;
    let name = display_name(&a.template, &report.run_name);
    if let Some(path) = &a.plot {
        plot::write(
            path,
            &PlotInput {
                what: "backtest",
                run_name: &name,
                status: &report.status,
                timeline: &report.timeline,
                metrics: &report.metrics,
                start: a.from,
            },
        )?;
    }
    for n in &report.not_backtestable {
        eprintln!(
            "augur backtest: metric {:?} ({}) is not backtestable: left out of the run",
            n.metric, n.provider
        );
    }
    match a.output {
        Output::Json => {
            let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            println!("{json}");
        }
        Output::Text => {
            println!(
                "backtest from {} to {}",
                time::format(&a.from),
                time::format(&a.to)
            );
            print_text(&name, &report.status, &report.timeline, a.from);
            if report.reached_end {
                println!("reached --to before the run completed");
            }
        }
    }
    let complete = report.status.phase.is_some_and(|p| p.is_completed());
    if !complete && report.reached_end {
        return Ok(ExitCode::from(EXIT_INCOMPLETE));
    }
    Ok(exit_code(report.status.phase))
}
