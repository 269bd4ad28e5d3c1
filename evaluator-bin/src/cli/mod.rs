//! The terminal commands. Each module parses its flags, calls the library crates and renders
//! the result; shared plumbing lives in [`common`].

pub mod backtest;
pub mod backup;
pub mod common;
pub mod eval;
pub mod lint;
pub mod live;
pub mod record;
pub mod replay;
pub mod run;
