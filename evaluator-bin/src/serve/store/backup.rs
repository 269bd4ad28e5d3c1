//! `augur backup`: a consistent copy of a store that may be in use. SQLite's online backup API
//! copies one snapshot (the WAL included) while `augur serve` keeps writing; copying
//! `augur.db` with `cp` could miss what is still in `augur.db-wal` or catch a half-written
//! checkpoint.

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// What a backup holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    /// Runs in the copy.
    pub runs: u64,
    /// Templates in the copy.
    pub templates: u64,
}

fn fail(context: &'static str, path: &Path) -> impl FnOnce(rusqlite::Error) -> StoreError {
    let path = path.display().to_string();
    move |e| StoreError::Backend {
        context,
        source: format!("{path}: {e}").into(),
    }
}

fn io(context: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.display().to_string();
    move |e| StoreError::Backend {
        context,
        source: format!("{path}: {e}").into(),
    }
}

/// Copies `<data_dir>/augur.db` to `dest` (mode 0600) as one self-contained file. It is
/// written beside `dest` and renamed into place, so `dest` is either the old file or a whole
/// new copy. Needs no lock on the data directory: it reads as any reader does.
pub fn backup(data_dir: &Path, dest: &Path) -> Result<Copied, StoreError> {
    let src_path = data_dir.join("augur.db");
    if !src_path.is_file() {
        return Err(StoreError::Backend {
            context: "open store",
            source: format!(
                "{}: no store there (is --data-dir right?)",
                src_path.display()
            )
            .into(),
        });
    }
    // Not SQLITE_OPEN_CREATE: a mistyped --data-dir must not back up an empty new store.
    let src = Connection::open_with_flags(
        &src_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Backend {
        context: "open store",
        source: Box::new(e),
    })?;
    src.busy_timeout(Duration::from_secs(5))
        .map_err(fail("open store", &src_path))?;

    let partial = partial_path(dest);
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(io("remove old partial copy", &partial)(e));
        }
        _ => {}
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(io("create", &partial))?;
    let result = copy_into(&src, &partial);
    let copied = match result {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", &partial))?;
    std::fs::rename(&partial, dest).map_err(io("rename into place", dest))?;
    Ok(copied)
}

/// `<dest>.partial`, in `dest`'s directory, so the final rename stays on one file system.
fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn copy_into(src: &Connection, partial: &Path) -> Result<Copied, StoreError> {
    let mut dst = Connection::open(partial).map_err(fail("open copy", partial))?;
    {
        let backup = Backup::new(src, &mut dst).map_err(fail("start backup", partial))?;
        // All pages in one step: one read snapshot, so the copy is consistent, and under WAL
        // the service's writer is never blocked by it.
        loop {
            match backup.step(-1).map_err(fail("copy", partial))? {
                StepResult::Done => break,
                StepResult::More => {}
                // Busy or Locked: another connection holds a lock for a moment.
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
    // A rollback journal instead of WAL: the copy is one file, nothing beside it.
    let check: String = dst
        .query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })
        .and_then(|_| dst.query_row("PRAGMA quick_check", [], |r| r.get(0)))
        .map_err(fail("check copy", partial))?;
    if check != "ok" {
        return Err(StoreError::Backend {
            context: "check copy",
            source: format!("{}: {check}", partial.display()).into(),
        });
    }
    let count = |table: &str| -> Result<u64, StoreError> {
        dst.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| u64::try_from(n).unwrap_or(0))
        .map_err(fail("count rows in copy", partial))
    };
    Ok(Copied {
        runs: count("runs")?,
        templates: count("templates")?,
    })
}
