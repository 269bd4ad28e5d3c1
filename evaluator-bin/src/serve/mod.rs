//! `augur serve`. STUB: owned by the service helper.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ServeArgs {}

pub fn main(_args: ServeArgs) -> ExitCode {
    ExitCode::FAILURE
}
