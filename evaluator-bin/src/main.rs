//! `augur`: a thin binary that wires flags to the library crates (CLI and service).

mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Augur: Argo Rollouts-compatible canary analysis, as a CLI and a service.
#[derive(Parser)]
#[command(name = "augur", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the evaluator service (HTTP + gRPC) on an embedded SQLite store.
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::main(args),
    }
}
