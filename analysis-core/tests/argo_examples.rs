//! Argo Rollouts' own example manifests (its docs, examples and e2e fixtures, copied outside
//! this repository) all load. The copy's directory comes from `AUGUR_ARGO_TEMPLATES`, which
//! `.ci/run` sets when it finds one beside the clone; unset, the test shows as ignored.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../tests/support/gated.rs"]
#[allow(dead_code)]
mod gated;

use std::path::PathBuf;
use std::process::ExitCode;

use analysis_core::load::{LoadError, load_file};

fn main() -> ExitCode {
    gated::run(gated::requiring(
        &ARGO_TEMPLATES,
        &[("every_argo_example_loads", every_argo_example_loads)],
    ))
}

/// Argo's example manifests, one YAML file each, in the directory `AUGUR_ARGO_TEMPLATES` names.
static ARGO_TEMPLATES: gated::Part = gated::Part {
    name: "Argo's example manifests",
    variable: "AUGUR_ARGO_TEMPLATES",
    find: || match argo_templates_dir() {
        Some(_) => Ok(()),
        None if std::env::var_os("AUGUR_ARGO_TEMPLATES").is_some() => {
            Err("AUGUR_ARGO_TEMPLATES does not name a directory".to_string())
        }
        None => Err("set AUGUR_ARGO_TEMPLATES=<dir> to run it".to_string()),
    },
};

fn argo_templates_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("AUGUR_ARGO_TEMPLATES")?);
    dir.is_dir().then_some(dir)
}

/// Every real manifest copied from Argo Rollouts loads (the malformed-* ones are malformed only
/// inside a Job spec, which Augur keeps verbatim).
fn every_argo_example_loads() {
    let dir = argo_templates_dir().expect("gated on AUGUR_ARGO_TEMPLATES naming a directory");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("readable dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() > 50,
        "only {} files in {}",
        files.len(),
        dir.display()
    );
    let (mut templates, mut runs, mut metrics) = (0, 0, 0);
    for f in &files {
        // Argo's own copy is not valid YAML (a `- name:` at the indentation of a mapping key);
        // go-yaml and PyYAML reject it too, so Augur must report it, with its position.
        if f.ends_with("test__e2e__expectedfailures__analysis-run-failfast.yaml") {
            let err = load_file(f).expect_err("invalid YAML");
            assert!(
                matches!(err, LoadError::Syntax { pos, .. } if pos.line == 20),
                "{err}"
            );
            continue;
        }
        let docs = load_file(f).unwrap_or_else(|e| panic!("{e}"));
        assert!(!docs.is_empty(), "{}", f.display());
        for d in &docs {
            // Real manifests use only fields the model has (or keeps verbatim).
            assert!(
                d.unknown_fields.is_empty(),
                "{}: {:?}",
                f.display(),
                d.unknown_fields
            );
            if let Some(t) = d.template() {
                templates += 1;
                metrics += t.spec.metrics.len();
                for i in 0..t.spec.metrics.len() {
                    assert!(d.positions.metric(i).is_some(), "{}", f.display());
                    assert!(d.positions.metric_field(i, "provider").is_some());
                }
            }
            if d.run().is_some() {
                runs += 1;
            }
        }
    }
    assert!(templates >= 60, "{templates}");
    assert!(runs >= 5, "{runs}");
    assert!(metrics >= templates);
}
