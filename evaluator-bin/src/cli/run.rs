//! `augur run`: one AnalysisRun, live, with the real clock, driving the same engine and
//! providers as the service. Ctrl-C terminates the run the way `spec.terminate` does.

use std::path::PathBuf;
use std::process::ExitCode;

use analysis_core::engine::RunEngine;
use analysis_core::secrets::SecretSource;
use providers::driver::{FetchObserver, LiveSource, WallClock};
use providers::{ProviderOptions, Providers};

use super::common::{LiveInputs, Output, block_on, exit_code, load_run, secret_source};
use super::live::Progress;

/// `augur run`'s flags.
#[derive(clap::Args)]
pub struct RunArgs {
    /// An AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun manifest (YAML or JSON).
    template: PathBuf,
    #[command(flatten)]
    inputs: LiveInputs,
    /// `json` prints the final AnalysisRun status with Argo's field names.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// Runs `augur run`; the exit code carries the verdict.
pub fn main(a: RunArgs) -> ExitCode {
    block_on("run", run(a))
}

/// Everything a live run needs besides the engine: used by `run` and `record`.
pub struct LiveSetup {
    /// The run, instantiated from the manifest and its args.
    pub engine: RunEngine,
    /// Live providers, configured from the environment.
    pub providers: Providers,
    /// Where `secretKeyRef`s are resolved.
    pub secrets: Box<dyn SecretSource>,
}

/// Loads the manifest, instantiates the run and sets up providers and secrets.
pub fn setup(template: &std::path::Path, inputs: &LiveInputs) -> Result<LiveSetup, String> {
    let run = load_run(template, &inputs.args)?;
    let providers = Providers::new(ProviderOptions::from_env()).map_err(|e| e.to_string())?;
    let secrets = secret_source(inputs.secrets_dir.as_deref());
    Ok(LiveSetup {
        engine: RunEngine::new(run),
        providers,
        secrets,
    })
}

/// Drives the run until it completes or Ctrl-C terminates it: the one driver with the wall
/// clock, the live providers and the live table as its observer.
pub async fn drive(
    setup: &mut LiveSetup,
    progress: &mut Progress,
    observer: Option<&dyn FetchObserver>,
) {
    let mut source = LiveSource::new(&setup.providers);
    if let Some(observer) = observer {
        source = source.observed(observer);
    }
    analysis_core::drive::drive(
        &mut setup.engine,
        setup.secrets.as_ref(),
        &WallClock,
        &mut source,
        progress,
        None,
    )
    .await;
    progress.finish(&setup.engine);
}

async fn run(a: RunArgs) -> Result<ExitCode, String> {
    let mut setup = setup(&a.template, &a.inputs)?;
    let mut progress = Progress::new(a.output);
    drive(&mut setup, &mut progress, None).await;
    let run = setup.engine.run();
    let phase = run.status.as_ref().and_then(|s| s.phase);
    if a.output == Output::Json {
        let status = serde_json::to_string_pretty(&run.status).map_err(|e| e.to_string())?;
        println!("{status}");
    }
    Ok(exit_code(phase))
}
