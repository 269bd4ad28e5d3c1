//! Manifests in: multi-document YAML or JSON into typed [`AnalysisTemplate`]s and
//! [`AnalysisRun`]s, other kinds skipped with a note. Every error names `file:line:col` and
//! the field path, and every document carries a map from field path to position so lint can
//! point at a metric's `successCondition` or `interval`. Keys the model has no field for are
//! kept, placed, as [`UnknownField`]s rather than dropped.

mod de;
mod run;
mod tree;
mod unknown;

pub use run::{Input, LoadRunError, load_run};
pub use unknown::{UnknownField, suggest};

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::model::{AnalysisRun, AnalysisTemplate, AnalysisTemplateSpec};

/// A position in the source: 1-based line and column (in characters), and the byte offset
/// (into the text after a leading byte-order mark, if any).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// 0-based byte offset.
    pub offset: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// How a scalar was written; lint needs it to map a column inside a value back to the file
/// (only plain and single-line quoted scalars map one to one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    /// Unquoted: columns map one to one.
    Plain,
    /// `'...'`: columns map one to one on a single line (`''` aside).
    SingleQuoted,
    /// `"..."`: escapes may shift columns.
    DoubleQuoted,
    /// `|` block: the value starts on the next line.
    Literal,
    /// `>` block: line breaks are folded, so columns do not map back.
    Folded,
}

/// Where one node of a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldPos {
    /// The mapping key naming this node (`successCondition:`), when it is a mapping value.
    pub key: Option<Pos>,
    /// Start of the value (for quoted scalars, the opening quote; for block scalars, the
    /// `|`/`>` indicator). For an alias, the `*name` token.
    pub value: Pos,
    /// End of the value (exclusive).
    pub end: Pos,
    /// The scalar style; `None` for mappings, sequences and aliases.
    pub style: Option<Style>,
}

/// Positions of every node of a document, by field path: `spec.metrics[0].successCondition`,
/// `spec.metrics[1].provider.prometheus.query`, `metadata.name`. Keys that are not plain
/// identifiers are written `["rollout.argoproj.io/revision"]`. A bare `metrics:` snippet is
/// indexed as if it were under `spec`, so lint uses one scheme for both. The root is `""`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Positions(pub BTreeMap<String, FieldPos>);

impl Positions {
    /// Where the node at `path` is, key and value.
    pub fn get(&self, path: &str) -> Option<&FieldPos> {
        self.0.get(path)
    }

    /// The best position to report a field at: its key when it has one, else its value.
    pub fn at(&self, path: &str) -> Option<Pos> {
        self.0.get(path).map(|p| p.key.unwrap_or(p.value))
    }

    /// Position of metric `index`'s item in `spec.metrics`.
    pub fn metric(&self, index: usize) -> Option<Pos> {
        self.at(&format!("spec.metrics[{index}]"))
    }

    /// Position of a metric's field, e.g. `metric_field(0, "successCondition")`.
    pub fn metric_field(&self, index: usize, field: &str) -> Option<Pos> {
        self.at(&format!("spec.metrics[{index}].{field}"))
    }

    fn under_spec(self) -> Positions {
        Positions(
            self.0
                .into_iter()
                .map(|(k, v)| {
                    let k = if k.is_empty() {
                        "spec".to_string()
                    } else if k.starts_with('[') {
                        format!("spec{k}")
                    } else {
                        format!("spec.{k}")
                    };
                    (k, v)
                })
                .collect(),
        )
    }
}

/// What a document holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// `AnalysisTemplate` or `ClusterAnalysisTemplate` (see `kind`); a bare `metrics:` snippet
    /// from Argo's docs loads as a template with `kind: None` and empty metadata.
    Template(AnalysisTemplate),
    /// An `AnalysisRun`.
    Run(AnalysisRun),
    /// Any other kind (Rollout, Service, Secret, Experiment, ...), or a document that is not
    /// an object at all.
    Skipped {
        /// The document's `kind`, or a description when it has none.
        kind: String,
        /// Why it was skipped, for `augur lint` to show.
        note: String,
    },
}

/// One document of a manifest file.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The source name given to the loader (usually the file path).
    pub source: String,
    /// 0-based index among the file's non-empty documents.
    pub index: usize,
    /// Line of the document's first content.
    pub line: usize,
    /// The typed object, or why the document was skipped.
    pub content: Content,
    /// Where every node of the document is, for diagnostics.
    pub positions: Positions,
    /// Keys of typed objects that no field takes, in document order (at most 100). Empty for
    /// skipped documents.
    pub unknown_fields: Vec<UnknownField>,
}

impl Document {
    /// The template, when the document is one (or a bare `metrics:` snippet).
    pub fn template(&self) -> Option<&AnalysisTemplate> {
        match &self.content {
            Content::Template(t) => Some(t),
            _ => None,
        }
    }

    /// The run, when the document is one.
    pub fn run(&self) -> Option<&AnalysisRun> {
        match &self.content {
            Content::Run(r) => Some(r),
            _ => None,
        }
    }

    /// `file:line:col` for a field path, falling back to the document's start line.
    pub fn locate(&self, path: &str) -> String {
        match self.positions.at(path) {
            Some(p) => format!("{}:{}:{}", self.source, p.line, p.col),
            None => format!("{}:{}", self.source, self.line),
        }
    }
}

/// Why a manifest could not be loaded. Display is `file:line:col: path: message`.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{source_name}: {error}")]
    Read {
        /// The name the source was given to the loader (usually the file path).
        source_name: String,
        /// The read failure.
        #[source]
        error: std::io::Error,
    },
    /// The bytes are not UTF-8.
    #[error("{source_name}: file is not valid UTF-8 (byte {offset})")]
    NotUtf8 {
        /// The name the source was given to the loader.
        source_name: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// The text is not well-formed YAML or JSON.
    #[error("{source_name}:{}:{}: {message}", pos.line, pos.col)]
    Syntax {
        /// The name the source was given to the loader.
        source_name: String,
        /// Where the parser stopped.
        pos: Pos,
        /// The parser's complaint.
        message: String,
    },
    /// Well-formed, but a field does not fit the model (wrong type, bad duration, ...).
    #[error("{source_name}:{}:{}: {}{message}", pos.line, pos.col, path_prefix(path))]
    Schema {
        /// The name the source was given to the loader.
        source_name: String,
        /// Where the offending field is.
        pos: Pos,
        /// Field path, e.g. `spec.metrics[0].failureLimit` (empty for the document root).
        path: String,
        /// What the field should have been.
        message: String,
    },
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl LoadError {
    /// Where the error is, when it has a position.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            LoadError::Syntax { pos, .. } | LoadError::Schema { pos, .. } => Some(*pos),
            _ => None,
        }
    }
}

/// Loads every document of a YAML or JSON text. `source` names it in errors and documents.
pub fn load_str(text: &str, source: &str) -> Result<Vec<Document>, LoadError> {
    load_str_as(text, source, None)
}

/// Like [`load_str`], but a document without `kind` is read as `default_kind` (an API body
/// that can only be one kind, e.g. `AnalysisRun`), with the same positioned errors.
pub fn load_str_as(
    text: &str,
    source: &str,
    default_kind: Option<&str>,
) -> Result<Vec<Document>, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw = tree::parse_stream(text).map_err(|e| LoadError::Syntax {
        source_name: source.to_string(),
        pos: e.pos,
        message: e.message,
    })?;
    let mut docs = Vec::new();
    for doc in raw {
        let Some(root) = doc.root else {
            continue;
        };
        if matches!(&root.kind, tree::NodeKind::Scalar(s) if de::is_null(s)) {
            continue;
        }
        let schema_err = |e: de::DeError| {
            let (pos, path) = e.at.unwrap_or((root.start, String::new()));
            LoadError::Schema {
                source_name: source.to_string(),
                pos,
                path,
                message: e.message,
            }
        };
        let kind = root
            .get("kind")
            .and_then(|k| k.scalar_text())
            .or(default_kind)
            .map(str::to_string);
        let mut positions = doc.positions;
        let mut unknown_fields = Vec::new();
        let content = match kind.as_deref() {
            Some("AnalysisTemplate" | "ClusterAnalysisTemplate") => {
                let (t, unknown) = de::from_node(&root, "").map_err(schema_err)?;
                unknown_fields = unknown;
                Content::Template(t)
            }
            Some("AnalysisRun") => {
                let (r, unknown) = de::from_node(&root, "").map_err(schema_err)?;
                unknown_fields = unknown;
                Content::Run(r)
            }
            Some(other) => Content::Skipped {
                kind: other.to_string(),
                note: skip_note(other),
            },
            None if root.get("metrics").is_some() => {
                let (spec, unknown): (AnalysisTemplateSpec, _) =
                    de::from_node(&root, "spec").map_err(schema_err)?;
                unknown_fields = unknown;
                positions = positions.under_spec();
                Content::Template(AnalysisTemplate {
                    spec,
                    ..AnalysisTemplate::default()
                })
            }
            None => Content::Skipped {
                kind: String::new(),
                note: "no `kind` and no `metrics`: not an Argo analysis manifest".to_string(),
            },
        };
        if let Some(e) = secret_ref_error(&content) {
            let path = format!("spec.{}", e.path());
            let parent = format!("spec.args[{}].valueFrom.secretKeyRef", e.arg_index);
            return Err(LoadError::Schema {
                source_name: source.to_string(),
                pos: (positions.at(&path).or(positions.at(&parent))).unwrap_or(root.start),
                path,
                message: e.reason(),
            });
        }
        docs.push(Document {
            source: source.to_string(),
            index: docs.len(),
            line: root.start.line,
            content,
            positions,
            unknown_fields,
        });
    }
    Ok(docs)
}

/// A `secretKeyRef` without a name or key: Kubernetes would refuse the manifest, and serde
/// alone would only say `missing field` (the fields default to empty so this can say which).
fn secret_ref_error(content: &Content) -> Option<crate::secrets::SecretRefError> {
    let args = match content {
        Content::Template(t) => &t.spec.args,
        Content::Run(r) => &r.spec.args,
        Content::Skipped { .. } => return None,
    };
    crate::secrets::check_secret_refs(args).err()
}

fn skip_note(kind: &str) -> String {
    match kind {
        "Rollout" | "Experiment" => format!(
            "{kind} is not run by Augur; load the AnalysisTemplates it references and pass its args"
        ),
        "Secret" => {
            "Secret manifests are not read; secretKeyRef args come from a secrets directory"
                .to_string()
        }
        _ => format!("{kind} is not an Argo analysis resource"),
    }
}

/// Reads and loads a file; its path (as given) names it in errors.
pub fn load_file(path: &Path) -> Result<Vec<Document>, LoadError> {
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| LoadError::Read {
        source_name: source.clone(),
        error,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| LoadError::NotUtf8 {
        source_name: source.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    load_str(&text, &source)
}
