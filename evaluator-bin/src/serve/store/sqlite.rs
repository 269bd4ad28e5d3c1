//! The embedded [`Store`]: one SQLite file (WAL) in `--data-dir`, for one node.
//!
//! Writes go through one writer thread that groups whatever is queued into a single
//! transaction (group commit) and acknowledges each write only after that transaction is
//! committed, so a caller that awaits a write may report it: it survives `kill -9`. Each write
//! runs in its own savepoint, so one failing write (a duplicate name) never sinks its batch.
//!
//! The WAL stays small, so `augur.db` alone is never far behind: SQLite checkpoints every
//! ~4 MiB of WAL, the writer adds a passive checkpoint every [`CHECKPOINT_EVERY`] while writes
//! keep coming, and once its queue has been empty for [`IDLE_AFTER`] it checkpoints
//! everything and truncates the WAL to nothing. The files are created mode 0600: runs hold
//! arguments and provider answers.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use analysis_core::{AnalysisRun, AnalysisTemplate, BoxFuture, Measurement};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use tokio::sync::oneshot;

use super::{
    ClaimedRun, EncodedStatus, Inserted, Lease, Loaded, PassRecord, Saved, Store, StoreError,
    StoredRun, UnreadableRun, phase_of, status_json,
};

fn sql(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Backend {
        context,
        source: Box::new(source),
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    spec        TEXT NOT NULL,   -- the AnalysisRun without its status, JSON
    status      TEXT,            -- AnalysisRunStatus JSON; NULL before the first pass
    phase       TEXT NOT NULL DEFAULT '',
    completed   INTEGER NOT NULL DEFAULT 0,
    next_due_ms INTEGER,         -- when the scheduler must wake the run; NULL when none
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    lease_epoch INTEGER NOT NULL DEFAULT 0 -- raised by every claim; writes must match it
);
-- next_due_ms is informational: nothing queries by it, and an index on a column every pass
-- rewrites costs two random page writes per pass (stores made before this drop it here).
DROP INDEX IF EXISTS runs_active;
CREATE TABLE IF NOT EXISTS templates (
    name       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,    -- the AnalysisTemplate, JSON
    source     TEXT NOT NULL,    -- 'api' or 'dir'
    updated_ms INTEGER NOT NULL
);
-- Every measurement a pass recorded, in order: the full history that status trimming drops.
CREATE TABLE IF NOT EXISTS measurements (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    metric  TEXT NOT NULL,
    phase   TEXT NOT NULL,
    body    TEXT NOT NULL        -- the Measurement, JSON
);
CREATE INDEX IF NOT EXISTS measurements_run ON measurements (run_id, seq);
-- Written by the health probe: a write that needs a page, as any real write does.
CREATE TABLE IF NOT EXISTS probe (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    at_ms   INTEGER NOT NULL
);
";

/// A write to run inside the batch's transaction; it answers with its acknowledgement.
type Job = Box<dyn FnOnce(&Transaction<'_>) -> Ack + Send>;
/// Tells the writer's caller whether the batch holding its write was committed.
type Ack = Box<dyn FnOnce(Result<(), String>) + Send>;

/// While writes keep coming, a passive checkpoint at least this often: `augur.db` then lags
/// the WAL by seconds, not by whatever fits under the autocheckpoint threshold.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(2);
/// After this long with nothing to write, the WAL is checkpointed whole and truncated.
pub const IDLE_AFTER: Duration = Duration::from_millis(500);
/// How long a write waits for a lock held by another connection (a reader, `augur backup`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite store; cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Sender<Job>,
    reader: Arc<Mutex<Connection>>,
}

fn open_conn(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(sql("open database"))?;
    // NORMAL keeps every commit across a process crash (kill -9); FULL would add an fsync per
    // batch for power loss at a large cost in throughput.
    // Memory-mapped reads keep status rewrites from turning into preads; the page cache stays
    // at its default size, as every savepoint walks it (see benches/service_load.md). The
    // autocheckpoint stays at SQLite's default (1000 pages), and a WAL that grew in a burst
    // is cut back to 4 MiB when it restarts.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA mmap_size = 1073741824; PRAGMA journal_size_limit = 4194304;",
    )
    .map_err(sql("set pragmas"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(sql("set busy timeout"))?;
    Ok(conn)
}

/// Creates the database file mode 0600 before SQLite opens it; SQLite gives the `-wal` and
/// `-shm` files it creates the database file's mode. Files left by an older version, created
/// under the umask, are narrowed to 0600 too.
fn create_private_files(db: &Path) -> Result<(), StoreError> {
    let io = |source: std::io::Error| StoreError::Backend {
        context: "create database file",
        source: format!("{}: {source}", db.display()).into(),
    };
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(db)
        .map_err(io)?;
    restrict_permissions(db)
}

/// Sets `augur.db`, `augur.db-wal` and `augur.db-shm` (those that exist) to mode 0600.
fn restrict_permissions(db: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = Path::new(&name);
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StoreError::Backend {
                    context: "restrict file permissions",
                    source: format!("{}: {e}", path.display()).into(),
                });
            }
        }
    }
    Ok(())
}

/// How thoroughly [`checkpoint`] copies the WAL into the database.
#[derive(Clone, Copy, Debug)]
enum Checkpoint {
    /// As much as no reader prevents; never waits.
    Passive,
    /// Everything, then the WAL is truncated to zero bytes; gives up at once if a reader
    /// holds an old snapshot (the writer tries again at the next idle moment).
    Truncate,
}

/// Runs a checkpoint on the writer's connection; `true` when it copied the whole WAL.
fn checkpoint(conn: &Connection, mode: Checkpoint) -> bool {
    let statement = match mode {
        Checkpoint::Passive => "PRAGMA wal_checkpoint(PASSIVE)",
        Checkpoint::Truncate => "PRAGMA wal_checkpoint(TRUNCATE)",
    };
    // TRUNCATE would wait for readers through the busy handler; the writer must not stall.
    let no_wait = matches!(mode, Checkpoint::Truncate);
    if no_wait {
        let _ = conn.busy_timeout(Duration::ZERO);
    }
    let busy = conn.query_row(statement, [], |r| r.get::<_, i64>(0));
    if no_wait {
        let _ = conn.busy_timeout(BUSY_TIMEOUT);
    }
    match busy {
        Ok(busy) => busy == 0,
        Err(e) => {
            tracing::debug!(error = %e, ?mode, "checkpoint did not run");
            false
        }
    }
}

/// The writer thread: group commits, then keeps the WAL small (see the module docs).
fn write_loop(mut conn: Connection, jobs: Receiver<Job>) {
    // Whether the WAL may hold frames that are not truncated away yet.
    let mut wal_dirty = true;
    let mut last_checkpoint = Instant::now();
    loop {
        let first = if wal_dirty {
            match jobs.recv_timeout(IDLE_AFTER) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    wal_dirty = !checkpoint(&conn, Checkpoint::Truncate);
                    last_checkpoint = Instant::now();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match jobs.recv() {
                Ok(job) => job,
                Err(_) => break,
            }
        };
        let mut batch = vec![first];
        while batch.len() < 512 {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, batch);
        wal_dirty = true;
        if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
            checkpoint(&conn, Checkpoint::Passive);
            last_checkpoint = Instant::now();
        }
    }
    // Every handle is gone: leave augur.db whole for whoever copies it next.
    checkpoint(&conn, Checkpoint::Truncate);
}

impl SqliteStore {
    /// Opens (creating if needed) `<dir>/augur.db` and starts the writer thread.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        super::lock::create_private_dir(dir).map_err(|e| StoreError::Backend {
            context: "create data dir",
            source: format!("{}: {e}", dir.display()).into(),
        })?;
        let path = dir.join("augur.db");
        create_private_files(&path)?;
        let write_conn = open_conn(&path)?;
        write_conn
            .execute_batch(SCHEMA)
            .map_err(sql("create schema"))?;
        migrate(&write_conn)?;
        let reader = open_conn(&path)?;
        restrict_permissions(&path)?;
        let (writer, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("augur-store".into())
            .spawn(move || write_loop(write_conn, jobs))
            .map_err(|e| StoreError::Backend {
                context: "start writer thread",
                source: Box::new(e),
            })?;
        Ok(SqliteStore {
            writer,
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    /// Runs `f` in the writer's next transaction and waits until that transaction committed.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |txn| {
            let result = match run_cached(txn, "SAVEPOINT job") {
                Ok(()) => {
                    let r = f(txn);
                    let end = if r.is_ok() {
                        run_cached(txn, "RELEASE job")
                    } else {
                        run_cached(txn, "ROLLBACK TO job").and(run_cached(txn, "RELEASE job"))
                    };
                    end.map_err(sql("end savepoint")).and(r)
                }
                Err(e) => Err(sql("begin savepoint")(e)),
            };
            // Acknowledged only after the batch's COMMIT (see `commit_batch`).
            let ack: Ack = Box::new(move |committed| {
                let _ = tx.send(committed.map_err(StoreError::Commit).and(result));
            });
            ack
        });
        self.writer.send(job).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Reads on the reader connection, off the async runtime.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(PoisonError::into_inner);
            f(&conn)
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    /// Stores a new run; fails with [`StoreError::Duplicate`] when the name is taken.
    pub async fn insert_run(&self, run: &AnalysisRun) -> Result<Inserted, StoreError> {
        let name = run.metadata.name.clone().unwrap_or_default();
        let spec = spec_json(run)?;
        let status = status_json(run.status.as_ref())?;
        let phase = phase_of(run.status.as_ref());
        self.write(move |txn| {
            let now = Utc::now().timestamp_millis();
            let r = txn.execute(
                "INSERT INTO runs (name, spec, status, phase, completed, next_due_ms, created_ms,
                 updated_ms, lease_epoch) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5, ?5, 1)",
                params![name, spec, status, phase, now],
            );
            match r {
                Ok(_) => Ok(Inserted {
                    id: txn.last_insert_rowid(),
                    lease: Lease { epoch: 1 },
                }),
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    Err(StoreError::Duplicate(name))
                }
                Err(e) => Err(sql("insert run")(e)),
            }
        })
        .await
    }

    /// Commits one pass if its lease still holds the run.
    pub async fn save_pass(&self, rec: PassRecord<'_>) -> Result<Saved, StoreError> {
        let EncodedStatus {
            json: status,
            phase,
        } = rec.status;
        let mut rows = Vec::with_capacity(rec.measurements.len());
        for (metric, m) in &rec.measurements {
            let body = serde_json::to_string(m).map_err(|source| StoreError::Json {
                context: format!("encode measurement of {metric}"),
                source,
            })?;
            rows.push((metric.to_string(), m.phase.as_str(), body));
        }
        let (id, completed, epoch) = (rec.id, rec.completed, rec.lease.epoch);
        let next_due = rec.next_due.map(|t| t.timestamp_millis());
        self.write(move |txn| {
            let changed = txn
                .prepare_cached(
                    "UPDATE runs SET status = ?2, phase = ?3, completed = ?4, next_due_ms = ?5,
                     updated_ms = ?6 WHERE id = ?1 AND lease_epoch = ?7",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        id,
                        status.as_deref(),
                        phase,
                        completed,
                        next_due,
                        Utc::now().timestamp_millis(),
                        epoch
                    ])
                })
                .map_err(sql("update run"))?;
            if changed == 0 {
                let exists = txn
                    .query_row("SELECT 1 FROM runs WHERE id = ?1", params![id], |_| Ok(()))
                    .optional()
                    .map_err(sql("look up run"))?
                    .is_some();
                return Ok(if exists { Saved::Fenced } else { Saved::Gone });
            }
            let mut stmt = txn
                .prepare_cached(
                    "INSERT INTO measurements (run_id, metric, phase, body) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(sql("prepare measurement insert"))?;
            for (metric, phase, body) in &rows {
                stmt.execute(params![id, metric, phase, body])
                    .map_err(sql("insert measurement"))?;
            }
            Ok(Saved::Committed)
        })
        .await
    }

    /// Replaces a run's spec (used to persist `spec.terminate` before acting on it).
    pub async fn update_spec(&self, id: i64, run: &AnalysisRun) -> Result<bool, StoreError> {
        let spec = spec_json(run)?;
        self.write(move |txn| {
            txn.execute(
                "UPDATE runs SET spec = ?2, updated_ms = ?3 WHERE id = ?1",
                params![id, spec, Utc::now().timestamp_millis()],
            )
            .map(|n| n > 0)
            .map_err(sql("update spec"))
        })
        .await
    }

    /// Deletes a run and its measurement history; `false` when there was none.
    pub async fn delete_run(&self, id: i64) -> Result<bool, StoreError> {
        self.write(move |txn| {
            txn.execute("DELETE FROM measurements WHERE run_id = ?1", params![id])
                .map_err(sql("delete measurements"))?;
            txn.execute("DELETE FROM runs WHERE id = ?1", params![id])
                .map(|n| n > 0)
                .map_err(sql("delete run"))
        })
        .await
    }

    /// Claims every incomplete run: this process holds the data directory alone, so no other
    /// claim can be live. Each claim raises the run's lease epoch, fencing off any writer left
    /// from before.
    pub async fn claim_runs(&self) -> Loaded<ClaimedRun> {
        let epochs: Vec<(i64, i64)> = self
            .write(|txn| {
                let mut stmt = txn
                    .prepare(
                        "UPDATE runs SET lease_epoch = lease_epoch + 1 WHERE completed = 0
                         RETURNING id, lease_epoch",
                    )
                    .map_err(sql("prepare claim"))?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(sql("claim runs"))?;
                rows.collect::<Result<_, _>>().map_err(sql("claim runs"))
            })
            .await?;
        let (runs, bad) = self.load_runs().await?;
        let claimed = runs
            .into_iter()
            .filter_map(|stored| {
                let (_, epoch) = epochs.iter().find(|(id, _)| *id == stored.id)?;
                Some(ClaimedRun {
                    stored,
                    lease: Lease { epoch: *epoch },
                })
            })
            .collect();
        Ok((claimed, bad))
    }

    /// Every run, in creation order. Rows that no longer decode are reported, not fatal.
    pub async fn load_runs(&self) -> Loaded<StoredRun> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare("SELECT id, name, spec, status, completed FROM runs ORDER BY id")
                .map_err(sql("prepare run scan"))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, bool>(4)?,
                    ))
                })
                .map_err(sql("scan runs"))?;
            let (mut runs, mut bad) = (Vec::new(), Vec::new());
            for row in rows {
                let (id, name, spec, status, completed) = row.map_err(sql("read run row"))?;
                match decode_run(&name, &spec, status.as_deref()) {
                    Ok(run) => runs.push(StoredRun { id, run, completed }),
                    Err(error) => bad.push(UnreadableRun { id, name, error }),
                }
            }
            Ok((runs, bad))
        })
        .await
    }

    /// A run's whole measurement history, oldest first: `(metric, measurement)`.
    pub async fn measurements(&self, id: i64) -> Result<Vec<(String, Measurement)>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare("SELECT metric, body FROM measurements WHERE run_id = ?1 ORDER BY seq")
                .map_err(sql("prepare measurement scan"))?;
            let rows = stmt
                .query_map(params![id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(sql("scan measurements"))?;
            let mut out = Vec::new();
            for row in rows {
                let (metric, body) = row.map_err(sql("read measurement row"))?;
                let m = serde_json::from_str(&body).map_err(|source| StoreError::Json {
                    context: format!("decode measurement of run {id} metric {metric}"),
                    source,
                })?;
                out.push((metric, m));
            }
            Ok(out)
        })
        .await
    }

    /// Stores a template under `name`, replacing any previous one.
    pub async fn put_template(
        &self,
        name: &str,
        template: &AnalysisTemplate,
        source: &str,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_string(template).map_err(|source| StoreError::Json {
            context: format!("encode template {name}"),
            source,
        })?;
        let (name, source) = (name.to_string(), source.to_string());
        self.write(move |txn| {
            txn.execute(
                "INSERT INTO templates (name, body, source, updated_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET body = ?2, source = ?3, updated_ms = ?4",
                params![name, body, source, Utc::now().timestamp_millis()],
            )
            .map(|_| ())
            .map_err(sql("put template"))
        })
        .await
    }

    /// Deletes a template; `false` when there was none.
    pub async fn delete_template(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_string();
        self.write(move |txn| {
            txn.execute("DELETE FROM templates WHERE name = ?1", params![name])
                .map(|n| n > 0)
                .map_err(sql("delete template"))
        })
        .await
    }

    /// A template by name, parsed from its stored body.
    pub async fn get_template(&self, name: &str) -> Result<Option<AnalysisTemplate>, StoreError> {
        let name = name.to_string();
        self.read(move |conn| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM templates WHERE name = ?1",
                    params![name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("get template"))?;
            body.map(|b| decode_template(&name, &b)).transpose()
        })
        .await
    }

    /// Every template, by name.
    pub async fn list_templates(&self) -> Result<Vec<AnalysisTemplate>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare("SELECT name, body FROM templates ORDER BY name")
                .map_err(sql("prepare template scan"))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(sql("scan templates"))?;
            let mut out = Vec::new();
            for row in rows {
                let (name, body) = row.map_err(sql("read template row"))?;
                match decode_template(&name, &body) {
                    Ok(t) => out.push(t),
                    Err(e) => tracing::error!(error = %e, "skipping undecodable template"),
                }
            }
            Ok(out)
        })
        .await
    }
}

/// Runs a statement without parameters through the connection's statement cache.
fn run_cached(txn: &Transaction<'_>, statement: &str) -> rusqlite::Result<()> {
    txn.prepare_cached(statement)?.execute([]).map(|_| ())
}

/// Runs a batch in one transaction, then acknowledges every job with the commit's outcome.
fn commit_batch(conn: &mut Connection, batch: Vec<Job>) {
    let mut acks = Vec::with_capacity(batch.len());
    let outcome = match conn.transaction() {
        Ok(txn) => {
            acks.extend(batch.into_iter().map(|job| job(&txn)));
            txn.commit().map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = &outcome {
        tracing::error!(error = %e, "store commit failed");
    }
    for ack in acks {
        ack(outcome.clone());
    }
}

/// Brings a store made by an earlier version up to this schema.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let has_epoch = conn
        .prepare("SELECT 1 FROM pragma_table_info('runs') WHERE name = 'lease_epoch'")
        .and_then(|mut stmt| stmt.exists([]))
        .map_err(sql("read schema"))?;
    if !has_epoch {
        conn.execute_batch("ALTER TABLE runs ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;")
            .map_err(sql("add lease_epoch"))?;
    }
    Ok(())
}

fn spec_json(run: &AnalysisRun) -> Result<String, StoreError> {
    let mut bare = run.clone();
    bare.status = None;
    serde_json::to_string(&bare).map_err(|source| StoreError::Json {
        context: "encode run spec".into(),
        source,
    })
}

fn decode_run(name: &str, spec: &str, status: Option<&str>) -> Result<AnalysisRun, StoreError> {
    let mut run: AnalysisRun = serde_json::from_str(spec).map_err(|source| StoreError::Json {
        context: format!("decode spec of run {name}"),
        source,
    })?;
    run.status = status
        .map(serde_json::from_str)
        .transpose()
        .map_err(|source| StoreError::Json {
            context: format!("decode status of run {name}"),
            source,
        })?;
    Ok(run)
}

fn decode_template(name: &str, body: &str) -> Result<AnalysisTemplate, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Json {
        context: format!("decode template {name}"),
        source,
    })
}

impl Store for SqliteStore {
    fn insert_run<'a>(
        &'a self,
        run: &'a AnalysisRun,
    ) -> BoxFuture<'a, Result<Inserted, StoreError>> {
        Box::pin(SqliteStore::insert_run(self, run))
    }

    fn claim_runs(&self) -> BoxFuture<'_, Loaded<ClaimedRun>> {
        Box::pin(SqliteStore::claim_runs(self))
    }

    fn save_pass<'a>(&'a self, rec: PassRecord<'a>) -> BoxFuture<'a, Result<Saved, StoreError>> {
        Box::pin(SqliteStore::save_pass(self, rec))
    }

    fn update_spec<'a>(
        &'a self,
        id: i64,
        run: &'a AnalysisRun,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(SqliteStore::update_spec(self, id, run))
    }

    fn delete_run(&self, id: i64) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(SqliteStore::delete_run(self, id))
    }

    fn load_runs(&self) -> BoxFuture<'_, Loaded<StoredRun>> {
        Box::pin(SqliteStore::load_runs(self))
    }

    fn measurements(
        &self,
        id: i64,
    ) -> BoxFuture<'_, Result<Vec<(String, Measurement)>, StoreError>> {
        Box::pin(SqliteStore::measurements(self, id))
    }

    fn put_template<'a>(
        &'a self,
        name: &'a str,
        template: &'a AnalysisTemplate,
        source: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SqliteStore::put_template(self, name, template, source))
    }

    fn delete_template<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(SqliteStore::delete_template(self, name))
    }

    fn get_template<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<AnalysisTemplate>, StoreError>> {
        Box::pin(SqliteStore::get_template(self, name))
    }

    fn list_templates(&self) -> BoxFuture<'_, Result<Vec<AnalysisTemplate>, StoreError>> {
        Box::pin(SqliteStore::list_templates(self))
    }

    fn probe(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.write(|txn| {
            txn.execute(
                "INSERT INTO probe (id, at_ms) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET at_ms = ?1",
                params![Utc::now().timestamp_millis()],
            )
            .map(|_| ())
            .map_err(sql("probe"))
        }))
    }
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
