//! The replay scenarios (`fixtures/scenarios/<name>/`): template, recording, expected verdict.

use std::path::{Path, PathBuf};

use analysis_core::load::{self, Document};
use analysis_core::model::{AnalysisRun, Argument};

/// One scenario directory and its expectations.
pub struct Scenario {
    pub name: String,
    pub dir: PathBuf,
    pub expected: serde_json::Value,
}

impl Scenario {
    pub fn template(&self) -> PathBuf {
        self.dir.join("template.yaml")
    }

    pub fn recording(&self) -> PathBuf {
        self.dir.join("recording.jsonl")
    }

    /// `expected.json`'s `args`, as `--arg` values.
    pub fn args(&self) -> Vec<Argument> {
        self.expected
            .get("args")
            .and_then(|a| a.as_object())
            .map(|m| {
                m.iter()
                    .map(|(k, v)| Argument {
                        name: k.clone(),
                        value: v.as_str().map(str::to_string),
                        value_from: None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The run the template makes with the scenario's args.
    pub fn run(&self) -> Result<AnalysisRun, String> {
        load_run(&self.template(), &self.args())
    }
}

/// Every scenario, sorted by name.
pub fn all() -> Vec<Scenario> {
    let root = crate::workspace_root().join("fixtures/scenarios");
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    for entry in entries.flatten() {
        let dir = entry.path();
        let expected = dir.join("expected.json");
        if !expected.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&expected)
            .unwrap_or_else(|e| panic!("{}: {e}", expected.display()));
        let expected =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        out.push(Scenario {
            name: entry.file_name().to_string_lossy().into_owned(),
            dir,
            expected,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// One scenario by name.
pub fn named(name: &str) -> Scenario {
    all()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

/// Loads a template file into a run with `args`, as `augur replay` does.
pub fn load_run(path: &Path, args: &[Argument]) -> Result<AnalysisRun, String> {
    let docs = load::load_file(path).map_err(|e| e.to_string())?;
    let templates: Vec<_> = docs
        .iter()
        .filter_map(Document::template)
        .cloned()
        .collect();
    let name = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".to_string());
    let refs: Vec<_> = templates.iter().collect();
    analysis_core::args::build_run(&name, &refs, args).map_err(|e| e.to_string())
}
