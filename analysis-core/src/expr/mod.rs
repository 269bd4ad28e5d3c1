//! (in progress)

use chrono::{DateTime, Utc};

/// STUB until the condition language lands: evaluates a range-query bound to a time.
pub fn eval_time(src: &str, _now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    Err(format!("cannot evaluate {src:?} yet"))
}
