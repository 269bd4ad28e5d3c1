//! `augur replay`. STUB: being written.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ReplayArgs {}

pub fn main(_args: ReplayArgs) -> ExitCode {
    ExitCode::from(2)
}
