//! Templating and run-building errors as data; `Display` is Argo's exact text (semantics §2.2,
//! §2.4), because those texts end up in run messages users grep for.

use std::fmt;

use crate::gostr::go_quote;

/// A templating or argument-merging error. Display is Argo's exact text.
///
/// ```
/// use analysis_core::args::{ArgsError, resolve_tags};
///
/// let err = resolve_tags("{{args.missing}}", &[]).unwrap_err();
/// assert_eq!(err, ArgsError::UnresolvedTag { tag: "args.missing".into() });
/// assert_eq!(err.to_string(), "failed to resolve {{args.missing}}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgsError {
    /// A `{{` with no `}}` after it (fasttemplate's error, which quotes the whole text).
    UnterminatedTag {
        /// The whole text being templated.
        template: String,
        /// The text after the unterminated `{{`.
        rest: String,
    },
    /// A declared arg has no value when templating (even if no tag uses it).
    NotSupplied {
        /// The arg's name.
        name: String,
    },
    /// A tag that names no declared arg; when several do, the last one in the text.
    UnresolvedTag {
        /// The tag as written between the braces, untrimmed.
        tag: String,
    },
    /// The metric could not be written as JSON for templating.
    Encode {
        /// The metric's name.
        metric: String,
        /// The encoder's error.
        message: String,
    },
    /// The templated JSON no longer reads as a metric (e.g. `count: "{{args.n}}"` with `n`
    /// not a number).
    Decode {
        /// The decoder's error.
        message: String,
    },
    /// Two templates of one run define a metric of the same name.
    DuplicateMetric {
        /// The shared name.
        name: String,
    },
    /// Two `dryRun` or two `measurementRetention` rules have the same `metricName`.
    DuplicateRule {
        /// Which list.
        list: crate::validate::RuleList,
        /// The shared `metricName`.
        metric_name: String,
    },
    /// Two templates give one arg two different values.
    ConflictingArg {
        /// The arg's name.
        name: String,
        /// The first value seen.
        first: String,
        /// The other value.
        second: String,
    },
    /// After merging the caller's args, an arg has neither `value` nor `valueFrom`.
    NotResolved {
        /// The arg's name.
        name: String,
    },
    /// A template reference names no loaded template.
    TemplateNotFound {
        /// The referenced name.
        name: String,
        /// Whether a `ClusterAnalysisTemplate` was asked for.
        cluster_scope: bool,
    },
    /// Template references nest deeper than Augur follows (most likely a cycle).
    ReferencesTooDeep,
}

impl ArgsError {
    /// The arg the error is about, when it is about one.
    pub fn arg_name(&self) -> Option<&str> {
        match self {
            ArgsError::NotSupplied { name }
            | ArgsError::ConflictingArg { name, .. }
            | ArgsError::NotResolved { name } => Some(name),
            _ => None,
        }
    }
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgsError::UnterminatedTag { template, rest } => write!(
                f,
                "Cannot find end tag={} in the template={} starting from {}",
                go_quote("}}"),
                go_quote(template),
                go_quote(rest)
            ),
            ArgsError::NotSupplied { name } => write!(f, "argument \"{name}\" was not supplied"),
            ArgsError::UnresolvedTag { tag } => write!(f, "failed to resolve {{{{{tag}}}}}"),
            ArgsError::Encode { metric, message } => {
                write!(f, "json: cannot encode metric {metric:?}: {message}")
            }
            ArgsError::Decode { message } => write!(f, "json: {message}"),
            ArgsError::DuplicateMetric { name } => {
                write!(f, "two metrics have the same name '{name}'")
            }
            ArgsError::DuplicateRule { list, metric_name } => {
                let what = match list {
                    crate::validate::RuleList::DryRun => "Dry-Run",
                    crate::validate::RuleList::MeasurementRetention => "Measurement Retention",
                };
                write!(
                    f,
                    "two {what} metric rules have the same name '{metric_name}'"
                )
            }
            ArgsError::ConflictingArg {
                name,
                first,
                second,
            } => write!(
                f,
                "Argument `{name}` specified multiple times with different values: '{first}', '{second}'"
            ),
            ArgsError::NotResolved { name } => write!(f, "args.{name} was not resolved"),
            ArgsError::TemplateNotFound {
                name,
                cluster_scope,
            } => {
                let resource = if *cluster_scope {
                    "clusteranalysistemplate"
                } else {
                    "analysistemplate"
                };
                write!(f, "{resource}.argoproj.io \"{name}\" not found")
            }
            ArgsError::ReferencesTooDeep => {
                f.write_str("analysis template references nest too deeply (a reference cycle?)")
            }
        }
    }
}

impl std::error::Error for ArgsError {}
