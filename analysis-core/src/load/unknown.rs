//! Fields a manifest names that the model does not have (`sucessCondition:`). Argo's API
//! server drops them silently, so a misspelled condition quietly vanishes and the metric always
//! succeeds; the loader keeps each one with its place and the names that were possible there,
//! so lint and the service can say "did you mean".

use std::fmt;

use super::Pos;

/// One key of a typed object that no field takes. Free-form maps (`metadata.labels`,
/// `jsonBody`) and the objects that keep what they do not know (`metadata`, a metric's
/// `provider`, whose unknown kinds lint reports itself) never produce one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownField {
    /// Field path, e.g. `spec.metrics[0].sucessCondition`.
    pub path: String,
    /// The key as written.
    pub name: String,
    /// Where the key is.
    pub pos: Pos,
    /// The field names the object at that spot has, from the model's own serde derive (so the
    /// list cannot drift from the types).
    pub known: &'static [&'static str],
}

impl UnknownField {
    /// The known field the key was most likely meant to be, when one is close enough to be a
    /// typo (case, a doubled or missing letter, two letters swapped).
    pub fn suggestion(&self) -> Option<&'static str> {
        suggest(&self.name, self.known)
    }
}

/// `unknown field "sucessCondition" (did you mean "successCondition"?)`.
impl fmt::Display for UnknownField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown field {:?}", self.name)?;
        if let Some(s) = self.suggestion() {
            write!(f, " (did you mean {s:?}?)")?;
        }
        Ok(())
    }
}

/// Longest key compared; past this, nothing is a typo of a field name.
const MAX_COMPARED: usize = 64;

/// The closest of `known` to `name`, ignoring case, within a third of the shorter length
/// (at least one edit); ties go to the first in `known`.
pub fn suggest(name: &str, known: &[&'static str]) -> Option<&'static str> {
    if name.chars().count() > MAX_COMPARED {
        return None;
    }
    let name: Vec<char> = name.to_lowercase().chars().collect();
    let mut best: Option<(usize, &'static str)> = None;
    for &field in known {
        let candidate: Vec<char> = field.to_lowercase().chars().collect();
        let limit = (name.len().min(candidate.len()) / 3).max(1);
        let d = distance(&name, &candidate);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, field));
        }
    }
    best.map(|(_, field)| field)
}

/// Edit distance where an insertion, deletion, substitution or swap of two neighbours each
/// costs one (optimal string alignment).
fn distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    // Three rows: two back (for swaps), previous, current.
    let mut before: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca) {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const METRIC: &[&str] = &[
        "name",
        "interval",
        "initialDelay",
        "count",
        "successCondition",
        "failureCondition",
        "failureLimit",
        "inconclusiveLimit",
        "consecutiveErrorLimit",
        "provider",
        "consecutiveSuccessLimit",
    ];

    fn d(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        distance(&a, &b)
    }

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("interval", "intervall"), 1);
        assert_eq!(d("sucess", "success"), 1);
        assert_eq!(d("qurey", "query"), 1);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("ab", "ba"), 1);
    }

    #[test]
    fn typos_get_the_field_they_meant() {
        let s = |n: &str| suggest(n, METRIC);
        assert_eq!(s("sucessCondition"), Some("successCondition"));
        assert_eq!(s("intervall"), Some("interval"));
        assert_eq!(s("Interval"), Some("interval"));
        assert_eq!(s("success_condition"), Some("successCondition"));
        assert_eq!(s("faliureLimit"), Some("failureLimit"));
        assert_eq!(s("nmae"), Some("name"));
        assert_eq!(s("initialdelay"), Some("initialDelay"));
    }

    #[test]
    fn far_names_get_no_suggestion() {
        let s = |n: &str| suggest(n, METRIC);
        assert_eq!(s("query"), None);
        assert_eq!(s("x"), None);
        assert_eq!(s("timeout"), None);
        assert_eq!(s("conditions"), None);
        assert_eq!(s(&"a".repeat(500)), None);
        assert_eq!(suggest("name", &[]), None);
    }

    #[test]
    fn display_reads_as_lint_prints_it() {
        let mut u = UnknownField {
            path: "spec.metrics[0].sucessCondition".into(),
            name: "sucessCondition".into(),
            pos: Pos::default(),
            known: METRIC,
        };
        assert_eq!(
            u.to_string(),
            "unknown field \"sucessCondition\" (did you mean \"successCondition\"?)"
        );
        u.name = "colour".into();
        assert_eq!(u.to_string(), "unknown field \"colour\"");
    }
}
