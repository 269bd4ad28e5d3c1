//! `augur`: a thin binary that parses the command line and hands it to the library
//! ([`evaluator_bin`]), where the commands and the service live.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use evaluator_bin::{cli, serve};

/// mimalloc instead of glibc's malloc: a pass allocates and frees many small objects across
/// threads (workers and the store writer), where glibc spent a quarter of the service's CPU
/// (benches/service_load.md). Declared here, it serves the whole `augur` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Augur: Argo Rollouts-compatible canary analysis, as a CLI and a service.
#[derive(Parser)]
#[command(name = "augur", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the largest variant (serve's flags) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Evaluate conditions against one result, as a measurement would.
    Eval(cli::eval::EvalArgs),
    /// Check manifests: loading, templating, validation, conditions and the classic traps.
    Lint(cli::lint::LintArgs),
    /// Run an analysis live from a terminal with the real clock.
    Run(cli::run::RunArgs),
    /// Replay a recording through a template on a virtual clock.
    Replay(cli::replay::ReplayArgs),
    /// Run live like `run` and record every raw provider answer.
    Record(cli::record::RecordArgs),
    /// Run a template against Prometheus history as if it had started in the past.
    Backtest(cli::backtest::BacktestArgs),
    /// Run the evaluator service (HTTP + gRPC) on an embedded SQLite store.
    Serve(serve::ServeArgs),
    /// Copy the service's store consistently, even while `augur serve` runs on it.
    Backup(cli::backup::BackupArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Eval(args) => cli::eval::main(args),
        Command::Lint(args) => cli::lint::main(args),
        Command::Run(args) => cli::run::main(args),
        Command::Replay(args) => cli::replay::main(args),
        Command::Record(args) => cli::record::main(args),
        Command::Backtest(args) => cli::backtest::main(args),
        Command::Serve(args) => serve::main(args),
        Command::Backup(args) => cli::backup::main(args),
    }
}
