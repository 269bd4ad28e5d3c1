//! `augur lint`. STUB: being written.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct LintArgs {}

pub fn main(_args: LintArgs) -> ExitCode {
    ExitCode::from(2)
}
