//! Store round trips against a real SQLite file.

use super::*;
use analysis_core::AnalysisRunStatus;
use analysis_core::{Metric, MetricResult, Phase};

fn run(name: &str) -> AnalysisRun {
    let mut r = AnalysisRun::default();
    r.metadata.name = Some(name.into());
    r.spec.metrics.push(Metric {
        name: "m".into(),
        interval: Some("1s".into()),
        ..Metric::default()
    });
    r
}

fn measurement(value: &str) -> Measurement {
    Measurement {
        phase: Phase::Successful,
        message: String::new(),
        started_at: Some(Utc::now()),
        finished_at: Some(Utc::now()),
        value: value.into(),
        metadata: Default::default(),
        resume_at: None,
    }
}

#[tokio::test]
async fn runs_passes_and_measurements_survive_reopening() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|_| StoreError::Closed)?;
    let store = SqliteStore::open(dir.path())?;
    let Inserted { id, lease } = store.insert_run(&run("a")).await?;
    let mut status = AnalysisRunStatus {
        phase: Some(Phase::Running),
        ..AnalysisRunStatus::default()
    };
    status.metric_results.push(MetricResult::new("m"));
    let (m1, m2) = (measurement("1"), measurement("2"));
    let saved = store
        .save_pass(PassRecord {
            id,
            lease,
            status: EncodedStatus::new(Some(&status))?,
            completed: false,
            next_due: Some(Utc::now()),
            measurements: vec![("m", &m1), ("m", &m2)],
        })
        .await?;
    assert_eq!(saved, Saved::Committed);
    drop(store);

    let store = SqliteStore::open(dir.path())?;
    let (runs, bad) = store.load_runs().await?;
    assert!(bad.is_empty());
    assert_eq!(runs.len(), 1);
    let stored = runs.first().ok_or(StoreError::Closed)?;
    assert_eq!((stored.id, stored.completed), (id, false));
    assert_eq!(stored.run.status.as_ref(), Some(&status));
    assert_eq!(stored.run.metadata.name.as_deref(), Some("a"));
    let values: Vec<String> = store
        .measurements(id)
        .await?
        .into_iter()
        .map(|(_, m)| m.value)
        .collect();
    assert_eq!(values, vec!["1", "2"]);
    Ok(())
}

#[tokio::test]
async fn a_duplicate_fails_alone_in_its_batch() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|_| StoreError::Closed)?;
    let store = SqliteStore::open(dir.path())?;
    // Queued together, so the writer is likely to commit them in one transaction.
    let (x1, x2, y) = (run("x"), run("x"), run("y"));
    let (a, b, c) = tokio::join!(
        store.insert_run(&x1),
        store.insert_run(&x2),
        store.insert_run(&y)
    );
    let dupes = [&a, &b]
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Duplicate(n)) if n == "x"))
        .count();
    assert_eq!(dupes, 1);
    assert!(c.is_ok());
    let (runs, _) = store.load_runs().await?;
    assert_eq!(runs.len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_pass_of_a_deleted_run_writes_nothing() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|_| StoreError::Closed)?;
    let store = SqliteStore::open(dir.path())?;
    let Inserted { id, lease } = store.insert_run(&run("a")).await?;
    assert!(store.delete_run(id).await?);
    let m1 = measurement("1");
    let saved = store
        .save_pass(PassRecord {
            id,
            lease,
            status: EncodedStatus::default(),
            completed: true,
            next_due: None,
            measurements: vec![("m", &m1)],
        })
        .await?;
    assert_eq!(saved, Saved::Gone);
    assert!(store.measurements(id).await?.is_empty());
    assert!(!store.delete_run(id).await?);
    Ok(())
}

#[tokio::test]
async fn templates_round_trip_and_spec_updates_persist() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|_| StoreError::Closed)?;
    let store = SqliteStore::open(dir.path())?;
    let mut t = AnalysisTemplate::default();
    t.metadata.name = Some("t".into());
    store.put_template("t", &t, "api").await?;
    store.put_template("t", &t, "dir").await?;
    assert_eq!(store.get_template("t").await?, Some(t.clone()));
    assert_eq!(store.list_templates().await?.len(), 1);
    assert!(store.delete_template("t").await?);
    assert_eq!(store.get_template("t").await?, None);

    let mut r = run("a");
    let id = store.insert_run(&r).await?.id;
    r.spec.terminate = true;
    assert!(store.update_spec(id, &r).await?);
    let (runs, _) = store.load_runs().await?;
    assert!(runs.first().is_some_and(|s| s.run.spec.terminate));
    Ok(())
}

#[tokio::test]
async fn undecodable_rows_are_reported_not_fatal() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|_| StoreError::Closed)?;
    let store = SqliteStore::open(dir.path())?;
    store.insert_run(&run("good")).await?;
    let conn = Connection::open(dir.path().join("augur.db")).map_err(sql("open"))?;
    conn.execute(
        "INSERT INTO runs (name, spec, created_ms, updated_ms) VALUES ('bad', '{not json', 0, 0)",
        [],
    )
    .map_err(sql("insert"))?;
    let (runs, bad) = store.load_runs().await?;
    assert_eq!(runs.len(), 1);
    assert_eq!(bad.len(), 1);
    assert!(
        bad.iter()
            .any(|e| e.to_string().contains("decode spec of run bad"))
    );
    Ok(())
}

#[tokio::test]
async fn a_claim_fences_off_writes_under_an_older_lease() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|_| StoreError::Closed)?;
    let store = SqliteStore::open(dir.path())?;
    let Inserted { id, lease: first } = store.insert_run(&run("a")).await?;
    let (claimed, bad) = store.claim_runs().await?;
    assert!(bad.is_empty());
    let [claim] = claimed.as_slice() else {
        panic!("one run claimed: {claimed:?}");
    };
    assert_eq!(claim.stored.id, id);
    assert!(claim.lease.epoch > first.epoch);
    let m1 = measurement("1");
    let pass = |lease| PassRecord {
        id,
        lease,
        status: EncodedStatus::default(),
        completed: false,
        next_due: None,
        measurements: vec![("m", &m1)],
    };
    // The writer from before the claim is refused, and writes nothing.
    assert_eq!(store.save_pass(pass(first)).await?, Saved::Fenced);
    assert!(store.measurements(id).await?.is_empty());
    assert_eq!(store.save_pass(pass(claim.lease)).await?, Saved::Committed);
    assert_eq!(store.measurements(id).await?.len(), 1);
    // Completed runs are not claimed again.
    let done = PassRecord {
        completed: true,
        ..pass(claim.lease)
    };
    assert_eq!(store.save_pass(done).await?, Saved::Committed);
    assert!(store.claim_runs().await?.0.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_store_from_before_leases_is_migrated() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|_| StoreError::Closed)?;
    let conn = Connection::open(dir.path().join("augur.db")).map_err(sql("open"))?;
    conn.execute_batch(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
         spec TEXT NOT NULL, status TEXT, phase TEXT NOT NULL DEFAULT '',
         completed INTEGER NOT NULL DEFAULT 0, next_due_ms INTEGER, created_ms INTEGER NOT NULL,
         updated_ms INTEGER NOT NULL);",
    )
    .map_err(sql("old schema"))?;
    let spec = serde_json::to_string(&run("old")).map_err(|source| StoreError::Json {
        context: "spec".into(),
        source,
    })?;
    conn.execute(
        "INSERT INTO runs (name, spec, created_ms, updated_ms) VALUES ('old', ?1, 0, 0)",
        [spec],
    )
    .map_err(sql("old row"))?;
    drop(conn);
    let store = SqliteStore::open(dir.path())?;
    let (claimed, _) = store.claim_runs().await?;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed.first().map(|c| c.lease.epoch), Some(1));
    Ok(())
}

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[tokio::test]
async fn when_idle_the_wal_is_emptied_and_the_db_file_alone_holds_every_run()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(dir.path())?;
    let wal = dir.path().join("augur.db-wal");
    // Enough passes that the old 64 MiB threshold would never have checkpointed them.
    let m1 = measurement("1");
    let mut status = AnalysisRunStatus {
        phase: Some(Phase::Successful),
        ..AnalysisRunStatus::default()
    };
    status.metric_results.push(MetricResult::new("m"));
    let mut largest_wal = 0;
    for i in 0..300 {
        let Inserted { id, lease } = store.insert_run(&run(&format!("r{i}"))).await?;
        store
            .save_pass(PassRecord {
                id,
                lease,
                status: EncodedStatus::new(Some(&status))?,
                completed: true,
                next_due: None,
                measurements: vec![("m", &m1), ("m", &m1)],
            })
            .await?;
        largest_wal = largest_wal.max(file_len(&wal));
    }
    assert!(largest_wal > 0, "the writes went through the WAL");
    // An idle moment: the writer checkpoints everything and truncates the WAL (guarded
    // poll; nothing here is timed).
    let mut waited = 0;
    while file_len(&wal) > 0 && waited < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(file_len(&wal), 0, "the WAL was not truncated when idle");

    // A copy of augur.db alone, as a naive backup would take it, holds every committed run.
    let copy = tempfile::tempdir()?;
    std::fs::copy(dir.path().join("augur.db"), copy.path().join("augur.db"))?;
    let conn = Connection::open(copy.path().join("augur.db"))?;
    let (runs, measurements): (i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM runs WHERE completed = 1),
                (SELECT count(*) FROM measurements)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!((runs, measurements), (300, 600));
    Ok(())
}

#[tokio::test]
async fn the_database_files_are_private() -> Result<(), Box<dyn std::error::Error>> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    // A store left by an older version, created under a permissive umask.
    let db = dir.path().join("augur.db");
    std::fs::write(&db, b"")?;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644))?;
    let store = SqliteStore::open(dir.path())?;
    store.insert_run(&run("a")).await?;
    for name in ["augur.db", "augur.db-wal", "augur.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(name))?
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let fresh = tempfile::tempdir()?;
    let data = fresh.path().join("data");
    let store = SqliteStore::open(&data)?;
    store.insert_run(&run("a")).await?;
    let mode = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
    assert_eq!(mode(&data)?, 0o700);
    for name in ["augur.db", "augur.db-wal", "augur.db-shm"] {
        assert_eq!(mode(&data.join(name))?, 0o600, "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn backup_copies_a_store_in_use() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(dir.path())?;
    for i in 0..5 {
        store.insert_run(&run(&format!("r{i}"))).await?;
    }
    let dest = dir.path().join("copy.db");
    // Writes keep coming while the copy is taken; the copy holds one consistent snapshot.
    let writes = async {
        for i in 5..50 {
            store.insert_run(&run(&format!("r{i}"))).await?;
        }
        Ok::<_, StoreError>(())
    };
    let dest2 = dest.clone();
    let data = dir.path().to_path_buf();
    let copy = tokio::task::spawn_blocking(move || crate::serve::store::backup(&data, &dest2));
    let (written, copied) = tokio::join!(writes, copy);
    written?;
    let copied = copied??;
    assert!((5..=50).contains(&copied.runs), "{copied:?}");
    let conn = Connection::open(&dest)?;
    let n: i64 = conn.query_row("SELECT count(*) FROM runs", [], |r| r.get(0))?;
    assert_eq!(u64::try_from(n)?, copied.runs);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "delete");
    Ok(())
}
