//! # evaluator-bin
//!
//! Everything behind the `augur` binary, as a library: the terminal commands ([`cli`]), the
//! plots they draw ([`plot`]) and the evaluator service ([`serve`]). `main.rs` only parses
//! the command line and calls into these modules, so a program that gates its own deploys
//! can embed the same service, scheduler and store.

// Every public item says what it promises; the library crates are the API users hold.
#![deny(missing_docs)]

pub mod cli;
pub mod plot;
pub mod serve;
