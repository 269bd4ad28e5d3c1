//! `augur lint` through the real binary: a misspelled field is an error at its key, with a
//! suggestion when one is close, and the exit code says so.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn lint(files: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_augur"));
    cmd.arg("lint").current_dir(dir.path());
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("write: {e}"));
        cmd.arg(name);
    }
    cmd.output().unwrap_or_else(|e| panic!("augur lint: {e}"))
}

const MISSPELLED: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: typo
spec:
  metrics:
  - name: m
    sucessCondition: result == \"ok\"
    intervall: 2s
    provider:
      web:
        url: http://example.com/
        jsonPath: \"{$.status}\"
        colour: blue
";

#[test]
fn unknown_fields_are_errors_with_a_suggestion_and_exit_1() {
    let out = lint(&[("t.yaml", MISSPELLED)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "t.yaml:8:5: error: unknown field \"sucessCondition\" (did you mean \"successCondition\"?)\n\
         t.yaml:9:5: error: unknown field \"intervall\" (did you mean \"interval\"?)\n\
         t.yaml:14:9: error: unknown field \"colour\"\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "3 error(s), 0 warning(s)\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn json_manifests_are_checked_too_and_a_clean_one_passes() {
    let json = r#"{
  "kind": "AnalysisRun",
  "metadata": {"name": "r"},
  "spec": {"metrics": [{"name": "m", "failureLimt": 1,
    "provider": {"web": {"url": "http://x/", "jsonPath": "{$.a}"}}}]}
}
"#;
    let out = lint(&[("r.json", json)]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "r.json:4:38: error: unknown field \"failureLimt\" (did you mean \"failureLimit\"?)\n"
    );
    assert_eq!(out.status.code(), Some(1));

    let fixed = MISSPELLED
        .replace("sucessCondition", "successCondition")
        .replace("intervall", "interval")
        .replace("        colour: blue\n", "");
    let out = lint(&[("t.yaml", &fixed)]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(out.status.code(), Some(0));
}
