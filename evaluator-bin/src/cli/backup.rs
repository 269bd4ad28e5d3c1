//! `augur backup DEST`: a consistent copy of a store, safe while `augur serve` runs on it.
//! Restore: stop the service, copy the file to `<data-dir>/augur.db`, start it again.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::serve::store;

/// `augur backup [--data-dir DIR] DEST`.
#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// The data directory of the store to copy (as given to `augur serve`).
    #[arg(long, default_value = "augur-data")]
    data_dir: PathBuf,
    /// Where to write the copy: one SQLite file, mode 0600, replaced whole if it exists.
    dest: PathBuf,
}

/// Copies a live store consistently (SQLite's online backup) and says what it copied.
pub fn main(args: BackupArgs) -> ExitCode {
    match store::backup(&args.data_dir, &args.dest) {
        Ok(copied) => {
            println!(
                "augur backup: {} runs and {} templates copied from {} to {}",
                copied.runs,
                copied.templates,
                args.data_dir.join("augur.db").display(),
                args.dest.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("augur backup: error: {e}");
            ExitCode::FAILURE
        }
    }
}
