//! Plumbing shared by the commands: `--arg NAME=VALUE`, loading a template into a run,
//! output formats and Argo-phase exit codes.

use std::future::Future;
use std::path::Path;
use std::process::ExitCode;

use analysis_core::load;
use analysis_core::model::{AnalysisRun, Argument, Phase};
use analysis_core::secrets::{DirSecrets, NoSecrets, SecretSource};

/// Runs an async command on a single-threaded runtime; an `Err` is printed as
/// `augur <command>: <message>` and exits 2 (bad usage or input).
pub fn block_on(command: &str, fut: impl Future<Output = Result<ExitCode, String>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("augur {command}: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(fut) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("augur {command}: {message}");
            ExitCode::from(2)
        }
    }
}

/// `--secrets-dir`: secrets mounted as `<dir>/<secret-name>/<key>`, or none at all.
pub fn secret_source(dir: Option<&Path>) -> Box<dyn SecretSource> {
    match dir {
        Some(dir) => Box::new(DirSecrets::new(dir)),
        None => Box::new(NoSecrets),
    }
}

/// `--output text|json`: `text` is human-readable lines (a live table on a terminal), `json`
/// is machine-readable with Argo's field names.
// Not on the variants: clap turns a variant's doc comment into help text and would change
// every command's `--help`.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    #[default]
    Text,
    Json,
}

/// What a command measuring live backends takes besides the template: `run`, `record` and
/// `backtest` share these flags.
#[derive(clap::Args)]
pub struct LiveInputs {
    /// `NAME=VALUE` for the template's args.
    #[arg(long = "arg", value_name = "NAME=VALUE", value_parser = parse_arg)]
    pub args: Vec<Argument>,
    /// Directory of secrets laid out as Kubernetes mounts them: `<dir>/<secret-name>/<key>`.
    #[arg(long)]
    pub secrets_dir: Option<std::path::PathBuf>,
}

/// Parses `NAME=VALUE` (the value may itself contain `=`).
pub fn parse_arg(s: &str) -> Result<Argument, String> {
    match s.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok(Argument {
            name: name.to_string(),
            value: Some(value.to_string()),
            value_from: None,
        }),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

/// Exit codes shared by `run`, `replay`, `record` and `backtest`:
/// 0 Successful, 1 Failed, 2 Error, 3 Inconclusive.
pub fn exit_code(phase: Option<Phase>) -> ExitCode {
    match phase {
        Some(Phase::Successful) => ExitCode::SUCCESS,
        Some(Phase::Failed) => ExitCode::from(1),
        Some(Phase::Inconclusive) => ExitCode::from(3),
        _ => ExitCode::from(2),
    }
}

/// Loads a file holding one AnalysisTemplate/ClusterAnalysisTemplate (instantiated with
/// `args`, as a Rollout would) or one AnalysisRun (caller args override its own by name).
pub fn load_run(path: &Path, args: &[Argument]) -> Result<AnalysisRun, String> {
    load::load_run(path, args).map_err(|e| e.to_string())
}
