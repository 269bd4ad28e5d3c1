//! Manifests in. STUB: owned by the foundation helper.

use std::path::Path;

use crate::model::{AnalysisRun, AnalysisTemplate};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub String);

#[derive(Debug)]
pub enum Document {
    Template(AnalysisTemplate),
    Run(AnalysisRun),
    Skipped { kind: String, note: String },
}

pub fn load_file(path: &Path) -> Result<Vec<Document>, LoadError> {
    Err(LoadError(format!("{}: loader not ready", path.display())))
}
