//! `augur backtest`. STUB: being written.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BacktestArgs {}

pub fn main(_args: BacktestArgs) -> ExitCode {
    ExitCode::from(2)
}
