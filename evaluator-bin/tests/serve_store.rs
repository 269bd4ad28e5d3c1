//! The data directory through the real binary: one `augur serve` per directory, `augur backup`
//! of a live store and its restore, runs whose stored row no longer decodes, and
//! `?existing=ok` against a different spec.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use serve_support::{
    Augur, TestResult, backend, client, message, send, wait_completed, web_template,
};

/// Runs `augur args...` to its end, killing it after a generous guard (a second `serve` that
/// fails to refuse would otherwise serve forever).
fn augur(args: &[&str]) -> Result<Output, Box<dyn std::error::Error>> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_augur"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let guard = Instant::now() + Duration::from_secs(60);
    while child.try_wait()?.is_none() {
        if Instant::now() > guard {
            child.kill()?;
            child.wait()?;
            return Err(format!("augur {args:?} did not exit").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(child.wait_with_output()?)
}

fn serve_on(data: &Path) -> Result<Output, Box<dyn std::error::Error>> {
    let data = data.to_string_lossy();
    augur(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--grpc-listen",
        "127.0.0.1:0",
        "--data-dir",
        &data,
    ])
}

async fn put_template(augur: &Augur, t: &Value) -> TestResult {
    let name = t["metadata"]["name"].as_str().unwrap_or_default();
    let (s, _, text) = send(
        client()
            .put(augur.url(&format!("/api/v1/analysistemplates/{name}")))
            .json(t),
    )
    .await?;
    assert!(s == 200 || s == 201, "{text}");
    Ok(())
}

fn from_template(name: &str, service: &str) -> Value {
    json!({"name": name, "templateRef": {"name": "rate"},
        "args": [{"name": "service", "value": service}]})
}

#[tokio::test]
async fn a_second_serve_on_the_same_data_dir_refuses_naming_the_holder() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let first = Augur::start(&data, &[])?;
    let second = serve_on(&data)?;
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        !second.status.success(),
        "the second serve started: {stderr}"
    );
    let expected = format!(
        "--data-dir {}: in use by another augur (pid {})",
        data.display(),
        first.pid()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    // The holder is untouched, and a lock file left by a killed holder does not block.
    let (s, _, _) = send(client().get(first.url("/readyz"))).await?;
    assert_eq!(s, 200);
    first.kill9()?;
    assert!(data.join("augur.lock").exists());
    let again = Augur::start(&data, &[])?;
    let (s, _, _) = send(client().get(again.url("/readyz"))).await?;
    assert_eq!(s, 200);
    Ok(())
}

#[tokio::test]
async fn backup_of_a_live_store_restores_every_run() -> TestResult {
    let be = backend(0.97).await?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let live = Augur::start(&data, &[])?;
    put_template(
        &live,
        &web_template("rate", &be.url, Some("100ms"), Some(2)),
    )
    .await?;
    let runs = live.url("/api/v1/analysisruns");
    for i in 0..3 {
        let (s, _, text) = send(
            client()
                .post(&runs)
                .json(&from_template(&format!("r{i}"), "a")),
        )
        .await?;
        assert_eq!(s, 201, "{text}");
        wait_completed(&live, &format!("r{i}")).await?;
    }

    let dest = dir.path().join("copy.db");
    let out = augur(&[
        "backup",
        "--data-dir",
        &data.to_string_lossy(),
        &dest.to_string_lossy(),
    ])?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 runs and 1 templates copied"), "{stdout}");
    assert_eq!(
        std::fs::metadata(&dest)?.permissions().mode() & 0o777,
        0o600
    );
    // The live service keeps going.
    let (s, _, _) = send(client().get(live.url("/readyz"))).await?;
    assert_eq!(s, 200);

    // Restore: the copy as augur.db of a fresh data dir.
    let restored_dir = dir.path().join("restored");
    std::fs::create_dir(&restored_dir)?;
    std::fs::copy(&dest, restored_dir.join("augur.db"))?;
    let restored = Augur::start(&restored_dir, &[])?;
    let (s, list, text) = send(client().get(restored.url("/api/v1/analysisruns"))).await?;
    assert_eq!(s, 200, "{text}");
    let phases: Vec<(&str, &str)> = list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|r| {
                    (
                        r["metadata"]["name"].as_str().unwrap_or(""),
                        r["status"]["phase"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        phases,
        vec![
            ("r0", "Successful"),
            ("r1", "Successful"),
            ("r2", "Successful")
        ]
    );
    let (_, history, _) =
        send(client().get(restored.url("/api/v1/analysisruns/r2/measurements"))).await?;
    assert_eq!(history["items"].as_array().map(Vec::len), Some(2));

    // A store that is not there is an error, not an empty copy.
    let out = augur(&[
        "backup",
        "--data-dir",
        &dir.path().join("nowhere").to_string_lossy(),
        &dir.path().join("x.db").to_string_lossy(),
    ])?;
    assert!(!out.status.success());
    assert!(!dir.path().join("nowhere").exists());
    Ok(())
}

#[tokio::test]
async fn a_run_that_no_longer_decodes_is_reported_and_can_be_deleted() -> TestResult {
    let be = backend(0.97).await?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let augur = Augur::start(&data, &[])?;
    put_template(
        &augur,
        &web_template("rate", &be.url, Some("100ms"), Some(2)),
    )
    .await?;
    let runs = augur.url("/api/v1/analysisruns");
    for name in ["good", "bad"] {
        let (s, _, text) = send(client().post(&runs).json(&from_template(name, "a"))).await?;
        assert_eq!(s, 201, "{text}");
        wait_completed(&augur, name).await?;
    }
    assert!(augur.terminate()?);

    // Damage one row, as a store written by another version might look.
    let db = rusqlite::Connection::open(data.join("augur.db"))?;
    let bad_id: i64 = db.query_row("SELECT id FROM runs WHERE name = 'bad'", [], |r| r.get(0))?;
    db.execute(
        "UPDATE runs SET spec = '{\"spec\": 5}' WHERE id = ?1",
        [bad_id],
    )?;
    let measured: i64 = db.query_row(
        "SELECT count(*) FROM measurements WHERE run_id = ?1",
        [bad_id],
        |r| r.get(0),
    )?;
    assert_eq!(measured, 2);
    drop(db);

    let augur = Augur::start(&data, &[])?;
    let c = client();
    let runs = augur.url("/api/v1/analysisruns");
    let bad = format!("{runs}/bad");
    let unreadable =
        "AnalysisRun \"bad\" is stored but cannot be read (store: decode spec of run bad: ";
    for path in ["", "/verdict", "/measurements"] {
        let (s, body, text) = send(c.get(format!("{bad}{path}"))).await?;
        assert_eq!(s, 422, "GET {path}: {text}");
        assert!(message(&body).starts_with(unreadable), "{text}");
        assert!(
            message(&body).ends_with("; DELETE it to remove it"),
            "{text}"
        );
    }
    let (s, list, text) = send(c.get(&runs)).await?;
    assert_eq!(s, 200, "{text}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["items"][0]["metadata"]["name"], "good");
    assert_eq!(list["unreadable"][0]["name"], "bad");
    let reason = list["unreadable"][0]["reason"].as_str().unwrap_or("");
    assert!(
        reason.starts_with("store: decode spec of run bad: "),
        "{reason}"
    );
    for query in ["", "?existing=ok"] {
        let (s, body, text) = send(
            c.post(format!("{runs}{query}"))
                .json(&from_template("bad", "a")),
        )
        .await?;
        assert_eq!(s, 409, "{text}");
        assert!(message(&body).starts_with(unreadable), "{text}");
        assert!(
            message(&body).ends_with("; DELETE it to reuse the name"),
            "{text}"
        );
    }

    let (s, _, text) = send(c.delete(&bad)).await?;
    assert_eq!(s, 204, "{text}");
    let (s, _, _) = send(c.get(&bad)).await?;
    assert_eq!(s, 404);
    let (_, list, _) = send(c.get(&runs)).await?;
    assert!(list.get("unreadable").is_none(), "{list}");
    let db = rusqlite::Connection::open(data.join("augur.db"))?;
    let rows: i64 = db.query_row(
        "SELECT (SELECT count(*) FROM runs WHERE id = ?1)
              + (SELECT count(*) FROM measurements WHERE run_id = ?1)",
        [bad_id],
        |r| r.get(0),
    )?;
    assert_eq!(rows, 0);
    drop(db);
    // The name is free again.
    let (s, _, text) = send(c.post(&runs).json(&from_template("bad", "a"))).await?;
    assert_eq!(s, 201, "{text}");
    Ok(())
}

#[tokio::test]
async fn existing_ok_returns_the_run_only_for_the_same_spec() -> TestResult {
    let be = backend(0.97).await?;
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    put_template(
        &augur,
        &web_template("rate", &be.url, Some("100ms"), Some(1)),
    )
    .await?;
    let runs = augur.url("/api/v1/analysisruns");
    let retry = format!("{runs}?existing=ok");
    let c = client();
    let (s, _, text) = send(c.post(&runs).json(&from_template("x", "checkout"))).await?;
    assert_eq!(s, 201, "{text}");
    wait_completed(&augur, "x").await?;

    let (s, body, text) = send(c.post(&retry).json(&from_template("x", "checkout"))).await?;
    assert_eq!(
        (s, body["status"]["phase"].as_str()),
        (200, Some("Successful")),
        "{text}"
    );
    let (s, body, text) = send(c.post(&retry).json(&from_template("x", "payments"))).await?;
    assert_eq!(
        (s, message(&body)),
        (
            409,
            "an AnalysisRun named \"x\" already exists with a different spec: \
             spec.args[0].value differs"
                .into()
        ),
        "{text}"
    );
    // Terminating a run is not a change of what it measures.
    let (s, _, text) = send(c.post(&runs).json(&from_template("y", "checkout"))).await?;
    assert_eq!(s, 201, "{text}");
    let (s, _, text) = send(c.post(format!("{runs}/y/terminate"))).await?;
    assert_eq!(s, 200, "{text}");
    let (s, _, text) = send(c.post(&retry).json(&from_template("y", "checkout"))).await?;
    assert_eq!(s, 200, "{text}");
    Ok(())
}
