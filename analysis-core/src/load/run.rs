//! From a manifest to a run: what `augur run`, `replay`, `record` and `backtest` do with the
//! file they are given, and what a library user gating a deploy needs first.

use std::path::Path;

use super::{Content, LoadError, load_file, load_str};
use crate::args::{ArgsError, build_run};
use crate::model::{AnalysisRun, Argument};

/// Where a manifest comes from: a file, or text with the name errors should give it.
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    /// A file, read as YAML or JSON.
    Path(&'a Path),
    /// Text, named `source` in errors.
    Text {
        /// The manifest.
        text: &'a str,
        /// Its name in errors (`source:line:col: ...`).
        source: &'a str,
    },
}

impl<'a> From<&'a Path> for Input<'a> {
    fn from(path: &'a Path) -> Input<'a> {
        Input::Path(path)
    }
}

/// Why a manifest did not give a run.
#[derive(Debug, thiserror::Error)]
pub enum LoadRunError {
    /// It does not load (its error points at the line and column).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// It holds no AnalysisTemplate and no AnalysisRun.
    #[error("{input}: no AnalysisTemplate or AnalysisRun found")]
    Empty {
        /// The input's name.
        input: String,
    },
    /// It holds both templates and runs.
    #[error("{input}: holds both templates and runs; give one or the other")]
    Mixed {
        /// The input's name.
        input: String,
    },
    /// Its templates do not make a run with these args (Argo's error text).
    #[error(transparent)]
    Build(#[from] ArgsError),
}

/// Loads one AnalysisTemplate/ClusterAnalysisTemplate (or several, merged as a Rollout's
/// `templates` list is) instantiated with `args`, or one AnalysisRun whose own args `args`
/// override by name. A run without a name takes the template's name, else the file's stem.
pub fn load_run<'a>(
    input: impl Into<Input<'a>>,
    args: &[Argument],
) -> Result<AnalysisRun, LoadRunError> {
    let input = input.into();
    let (docs, input, stem) = match input {
        Input::Path(path) => (
            load_file(path)?,
            path.display().to_string(),
            path.file_stem().map(|s| s.to_string_lossy().into_owned()),
        ),
        Input::Text { text, source } => (load_str(text, source)?, source.to_string(), None),
    };
    let name = stem.unwrap_or_else(|| "analysis".to_string());
    let mut templates = Vec::new();
    let mut runs = Vec::new();
    for doc in docs {
        match doc.content {
            Content::Template(t) => templates.push(t),
            Content::Run(r) => runs.push(r),
            Content::Skipped { .. } => {}
        }
    }
    match (templates.len(), runs.len()) {
        (0, 1) => {
            let mut run = runs.remove(0);
            for a in args {
                match run.spec.args.iter_mut().find(|x| x.name == a.name) {
                    Some(existing) => *existing = a.clone(),
                    None => run.spec.args.push(a.clone()),
                }
            }
            if run.metadata.name.is_none() {
                run.metadata.name = Some(name);
            }
            Ok(run)
        }
        (0, 0) => Err(LoadRunError::Empty { input }),
        (_, 0) => {
            // A single template names the run, as a Rollout's runs are named after theirs.
            let name = match templates.as_slice() {
                [only] => only.metadata.name.clone().unwrap_or(name),
                _ => name,
            };
            let refs: Vec<_> = templates.iter().collect();
            Ok(build_run(&name, &refs, args)?)
        }
        _ => Err(LoadRunError::Mixed { input }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(name: &str, value: &str) -> Argument {
        Argument {
            name: name.into(),
            value: Some(value.into()),
            value_from: None,
        }
    }

    const TEMPLATE: &str = "kind: AnalysisTemplate\nmetadata: {name: rate}\nspec:\n  args: [{name: host}]\n  metrics:\n  - name: m\n    provider: {web: {url: 'http://{{args.host}}/'}}\n";

    #[test]
    fn a_template_becomes_a_run_named_after_it() -> Result<(), LoadRunError> {
        let input = Input::Text {
            text: TEMPLATE,
            source: "t.yaml",
        };
        let run = load_run(input, &[arg("host", "svc")])?;
        assert_eq!(run.metadata.name.as_deref(), Some("rate"));
        assert_eq!(
            run.spec.args.first().and_then(|a| a.value.as_deref()),
            Some("svc")
        );
        Ok(())
    }

    #[test]
    fn caller_args_override_a_runs_own_and_errors_name_the_input() -> Result<(), LoadRunError> {
        let text = TEMPLATE
            .replace("AnalysisTemplate", "AnalysisRun")
            .replace("{name: host}", "{name: host, value: a}");
        let run = load_run(
            Input::Text {
                text: &text,
                source: "r.yaml",
            },
            &[arg("host", "b")],
        )?;
        assert_eq!(
            run.spec.args.first().and_then(|a| a.value.as_deref()),
            Some("b")
        );
        let both = format!("{TEMPLATE}---\n{text}");
        let e = load_run(
            Input::Text {
                text: &both,
                source: "b.yaml",
            },
            &[],
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("b.yaml: holds both templates and runs; give one or the other")
        );
        let e = load_run(
            Input::Text {
                text: "kind: ConfigMap\n",
                source: "c.yaml",
            },
            &[],
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("c.yaml: no AnalysisTemplate or AnalysisRun found")
        );
        Ok(())
    }
}
