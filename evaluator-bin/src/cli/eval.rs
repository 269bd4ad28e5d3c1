//! `augur eval`. STUB: being written.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct EvalArgs {}

pub fn main(_args: EvalArgs) -> ExitCode {
    ExitCode::from(2)
}
