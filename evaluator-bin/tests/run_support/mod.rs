//! What the `augur run` end-to-end suites share: the binary run on a template, and its exit code.

#![allow(dead_code)]

use std::process::Output;
use std::time::Duration;

use serde_json::Value;

/// Runs `augur run` on `template` with `args`; a generous guard, never a timing assertion.
pub async fn augur_run(template: &str, args: &[String]) -> (Output, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, template).expect("write template");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_augur"));
    cmd.arg("run").arg(&path).args(["--output", "json"]);
    for a in args {
        cmd.args(["--arg", a]);
    }
    cmd.kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("augur run finished")
        .expect("augur run started");
    let status: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is the run's JSON status ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, status)
}

/// The exit code, -1 when killed by a signal.
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}
