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
