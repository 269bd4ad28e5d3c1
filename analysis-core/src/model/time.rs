//! RFC 3339 timestamps as Kubernetes writes them (`2024-01-01T00:00:00Z`), keeping sub-second
//! precision when there is any so that a resumed run schedules exactly as before.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Writes a timestamp as Kubernetes does (`2024-01-01T00:00:00Z`).
pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Reads an RFC 3339 timestamp into UTC.
pub fn parse(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc))
}

/// Serde helpers for `Option<DateTime<Utc>>` fields: absent or `""` reads as `None`.
pub mod option {
    use super::*;

    /// Writes `Some` as [`format()`](super::format) does, `None` as none.
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format(t)),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional timestamp; empty is `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        match raw.as_deref() {
            None | Some("") => Ok(None),
            Some(s) => parse(s).map(Some).map_err(serde::de::Error::custom),
        }
    }
}
