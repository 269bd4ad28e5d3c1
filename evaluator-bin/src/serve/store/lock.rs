//! One `augur serve` per data directory: two processes on one store would both drive every
//! run (each claim fences the other only after both measured). An OS advisory lock on
//! `<dir>/augur.lock` is held for the process's lifetime; the kernel drops it when the process
//! dies, so the file a `kill -9` leaves behind never blocks the next start.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The lock file's name inside the data directory.
pub const LOCK_FILE: &str = "augur.lock";

/// The data directory, held: dropping it (or exiting) releases the lock.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    path: PathBuf,
}

/// Why the data directory could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another live process holds the lock; `pid` is what it wrote into the lock file.
    #[error("in use by another augur (pid {})", .pid.map_or_else(|| "unknown".into(), |p| p.to_string()))]
    Held {
        /// The holder's process id, when its lock file says.
        pid: Option<u32>,
    },
    /// The directory or the lock file could not be created, read or written.
    #[error("{context} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// Creates `dir` (and its parents) readable by its owner only, unless it exists.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

impl DirLock {
    /// Takes `dir` (created if missing) for this process and writes our PID into the lock
    /// file, or says which process holds it.
    pub fn acquire(dir: &Path) -> Result<DirLock, LockError> {
        let io = |context, path: &Path| {
            let path = path.to_path_buf();
            move |source| LockError::Io {
                context,
                path,
                source,
            }
        };
        create_private_dir(dir).map_err(io("create", dir))?;
        let path = dir.join(LOCK_FILE);
        // Not truncated on open: until we hold the lock, the PID in it is the holder's.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io("open", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let pid = file
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| text.trim().parse().ok());
                return Err(LockError::Held { pid });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &path)(e)),
        }
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.flush())
            .map_err(io("write", &path))?;
        Ok(DirLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_pid() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        let first = DirLock::acquire(&data)?;
        // flock locks belong to the open file, so a second open in this process conflicts too.
        match DirLock::acquire(&data) {
            Err(LockError::Held { pid }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        let again = DirLock::acquire(&data)?;
        let text = std::fs::read_to_string(again.path())?;
        assert_eq!(text, format!("{}\n", std::process::id()));
        Ok(())
    }

    #[test]
    fn a_stale_lock_file_does_not_block() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join(LOCK_FILE), "999999999\n")?;
        let lock = DirLock::acquire(dir.path())?;
        let text = std::fs::read_to_string(lock.path())?;
        assert_eq!(text.trim(), std::process::id().to_string());
        Ok(())
    }
}
