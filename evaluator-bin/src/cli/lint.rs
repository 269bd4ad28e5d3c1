//! `augur lint`: every manifest problem Argo would only reveal at run time, as
//! `file:line:col: error|warning: message`. Exit 1 on any error.

use std::path::PathBuf;
use std::process::ExitCode;

use analysis_core::lint::{self, Severity};

/// `augur lint`'s flags.
#[derive(clap::Args)]
pub struct LintArgs {
    /// Manifest files (YAML or JSON, multi-document).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Runs `augur lint`: prints every finding; exits 1 when any is an error.
pub fn main(a: LintArgs) -> ExitCode {
    let mut errors = 0;
    let mut warnings = 0;
    for file in &a.files {
        for d in lint::lint_file_with(file, providers::specs()) {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
            println!("{d}");
        }
    }
    if errors + warnings > 0 {
        eprintln!("{errors} error(s), {warnings} warning(s)");
    }
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
