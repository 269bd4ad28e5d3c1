//! `{{args.x}}` templating over whole metrics (semantics §2.1–2.2) and building runs from
//! templates and caller args (§2.4), with Argo's exact error texts, because those texts end up
//! in run messages users grep for; and [`one_shot`] runs that decide on one measurement.

mod build;
mod error;
mod fasttemplate;
mod one_shot;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::model::{Argument, Metric};

use crate::gostr::go_quote_inner;
pub use build::{
    RunRequest, build_run, build_run_from, flatten_templates, merge_args, resolve_template_refs,
};
pub use error::ArgsError;
pub use one_shot::one_shot;

/// Argo's `ResolveArgs`: expands `{{args.<name>}}` tags (surrounding whitespace inside the
/// braces ignored) with each value inserted verbatim.
///
/// Errors, in Argo's order: an unterminated `{{` (fasttemplate's text); then the first arg
/// without a value (`argument "<name>" was not supplied`, even if unused); then
/// `failed to resolve {{<tag as written>}}` for the *last* tag that names no arg.
pub fn resolve_tags(text: &str, args: &[Argument]) -> Result<String, ArgsError> {
    resolve(text, args, false)
}

/// Argo's `ResolveQuotedArgs`: like [`resolve_tags`], but each value is inserted as Go's
/// `strconv.Quote` would write it, minus the outer quotes, so it is safe inside a JSON string.
pub fn resolve_quoted_tags(text: &str, args: &[Argument]) -> Result<String, ArgsError> {
    resolve(text, args, true)
}

fn resolve(text: &str, args: &[Argument], quoted: bool) -> Result<String, ArgsError> {
    let pieces = fasttemplate::parse(text)?;
    let mut values: HashMap<String, String> = HashMap::new();
    for arg in args {
        let Some(value) = &arg.value else {
            return Err(ArgsError::NotSupplied {
                name: arg.name.clone(),
            });
        };
        let value = if quoted {
            go_quote_inner(value)
        } else {
            value.clone()
        };
        values.insert(format!("args.{}", arg.name), value);
    }
    let mut out = String::with_capacity(text.len());
    let mut unresolved = None;
    for piece in pieces {
        match piece {
            fasttemplate::Piece::Text(t) => out.push_str(t),
            fasttemplate::Piece::Tag(tag) => match values.get(tag.trim()) {
                Some(v) => out.push_str(v),
                None => unresolved = Some(tag),
            },
        }
    }
    match unresolved {
        Some(tag) => Err(ArgsError::UnresolvedTag {
            tag: tag.to_string(),
        }),
        None => Ok(out),
    }
}

/// The JSON Go's `encoding/json` writes for a metric: struct field order, and `<`, `>`, `&`,
/// U+2028, U+2029 escaped inside strings. Tags and the unterminated-tag error see this text.
pub fn metric_json(metric: &Metric) -> Result<String, ArgsError> {
    let json = serde_json::to_string(metric).map_err(|e| ArgsError::Encode {
        metric: metric.name.clone(),
        message: e.to_string(),
    })?;
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string && !escaped {
            match c {
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
        if escaped {
            escaped = false;
        } else if in_string && c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_string = !in_string;
        }
    }
    Ok(out)
}

/// Argo's `ResolveMetricArgs`: the metric serialized to JSON, templated as one string in quoted
/// mode, parsed back. So `count: "{{args.n}}"` works, a `{{` anywhere (a web body, a query) must
/// be an `args.` tag, and values with quotes or newlines arrive verbatim.
pub fn template_metric(metric: &Metric, args: &[Argument]) -> Result<Metric, ArgsError> {
    let json = metric_json(metric)?;
    let resolved = resolve_quoted_tags(&json, args)?;
    serde_json::from_str(&resolved).map_err(|e| ArgsError::Decode {
        message: e.to_string(),
    })
}

/// Templates every metric in order; the first metric that fails decides the error. Every arg
/// must have a `value` by now (secrets already filled in, or replaced by a placeholder).
pub fn template_metrics(metrics: &[Metric], args: &[Argument]) -> Result<Vec<Metric>, ArgsError> {
    metrics.iter().map(|m| template_metric(m, args)).collect()
}
