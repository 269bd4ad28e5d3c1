//! `augur record`: `augur run` with a [`RecordingWriter`] on the live driver, so every raw
//! provider answer is kept and the run can be replayed later against a changed template.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use providers::recorded::RecordingWriter;

use super::common::{LiveInputs, Output, block_on, exit_code};
use super::live::Progress;
use super::run::{drive, setup};

/// `augur record`'s flags.
#[derive(clap::Args)]
pub struct RecordArgs {
    /// An AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun manifest (YAML or JSON).
    template: PathBuf,
    /// Where to write the recording (JSON Lines); an existing file is replaced.
    #[arg(long, value_name = "FILE.jsonl")]
    out: PathBuf,
    #[command(flatten)]
    inputs: LiveInputs,
    /// `json` prints the final AnalysisRun status with Argo's field names.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// Runs `augur record`; the exit code carries the verdict.
pub fn main(a: RecordArgs) -> ExitCode {
    block_on("record", run(a))
}

async fn run(a: RecordArgs) -> Result<ExitCode, String> {
    let mut setup = setup(&a.template, &a.inputs)?;
    let file = File::create(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    let writer = RecordingWriter::new(BufWriter::new(file));
    let mut progress = Progress::new(a.output);
    drive(&mut setup, &mut progress, Some(&writer)).await;
    let lines = writer.lines();
    writer
        .finish()
        .map_err(|e| format!("{}: {e}", a.out.display()))?;
    eprintln!("recorded {lines} lines to {}", a.out.display());
    let run = setup.engine.run();
    if a.output == Output::Json {
        let status = serde_json::to_string_pretty(&run.status).map_err(|e| e.to_string())?;
        println!("{status}");
    }
    Ok(exit_code(run.status.as_ref().and_then(|s| s.phase)))
}
