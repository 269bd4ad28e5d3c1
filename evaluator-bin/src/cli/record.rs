//! `augur record`. STUB: being written.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RecordArgs {}

pub fn main(_args: RecordArgs) -> ExitCode {
    ExitCode::from(2)
}
