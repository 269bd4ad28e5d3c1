//! Go's `time.ParseDuration`, exactly (semantics §1.2). STUB: owned by the foundation helper.

use chrono::TimeDelta;

/// A duration string Go would reject; Display is Go's error text
/// (`time: invalid duration "30"`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(pub String);

/// Parses a Go duration (`1h30m`, `1.5s`, `-2m`, `"0"`).
pub fn parse_duration(s: &str) -> Result<TimeDelta, DurationError> {
    Err(DurationError(format!("time: invalid duration \"{s}\"")))
}
