//! Test suites that need a part from outside the repository (a real Prometheus, Argo's example
//! manifests; PostgreSQL and Chromium next) run under libtest-mimic (`harness = false`), so a
//! test whose part is absent shows as *ignored* in cargo's summary instead of as passed.
//!
//! One rule for every part: present, the test runs; absent with its variable unset, the test
//! is ignored and says why; absent with its variable set (`.ci/run` sets them), it fails.
//!
//! A suite's `main` is a list of named test functions:
//!
//! ```text
//! fn main() -> std::process::ExitCode {
//!     let mut trials = gated::plain(&[("parses", parses)]);
//!     trials.extend(gated::requiring(&prometheus::PART, &[("real_query", real_query)]));
//!     gated::run(trials)
//! }
//! ```

use std::process::ExitCode;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// A part from outside the repository that some tests need.
pub struct Part {
    /// What it is, for messages ("Prometheus").
    pub name: &'static str,
    /// The variable that makes an absent part a failure rather than an ignored test; set when
    /// non-empty and not `0`.
    pub variable: &'static str,
    /// Finds the part; `Err` says what is missing, how to point at it and how to require it.
    pub find: fn() -> Result<(), String>,
}

impl Part {
    /// Whether the environment demands the part (its variable is set).
    pub fn required(&self) -> bool {
        std::env::var(self.variable).is_ok_and(|v| !v.is_empty() && v != "0")
    }
}

/// A named test function; a panic fails it.
pub type Test = (&'static str, fn());

/// Trials for tests that need nothing from outside the repository.
pub fn plain(tests: &[Test]) -> Vec<Trial> {
    tests
        .iter()
        .map(|&(name, test)| {
            Trial::test(name, move || {
                test();
                Ok(())
            })
        })
        .collect()
}

/// Trials for tests that need `part`: run when it is present, ignored (with the reason) when it
/// is absent and not required, failed when it is absent and required.
pub fn requiring(part: &'static Part, tests: &[Test]) -> Vec<Trial> {
    tests
        .iter()
        .map(|&(name, test)| {
            Trial::ignorable_test(name, move || match (part.find)() {
                Ok(()) => {
                    test();
                    Ok(Completion::Completed)
                }
                Err(missing) if part.required() => Err(Failed::from(format!(
                    "{} is required ({} is set) but missing: {missing}",
                    part.name, part.variable
                ))),
                Err(missing) => Ok(Completion::ignored_with(format!(
                    "needs {}: {missing}",
                    part.name
                ))),
            })
        })
        .collect()
}

/// Runs `trials` with the built-in harness' flags and summary; a suite's `main`.
pub fn run(trials: Vec<Trial>) -> ExitCode {
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}
