use std::fmt;

use serde::{Deserialize, Serialize};

/// Kubernetes `IntOrString`, as Argo reads it with `IntValue()`: a string is parsed with Go's
/// `strconv.Atoi` and silently becomes 0 when it is not an integer (semantics §1.2). This is what
/// lets templates write `count: "{{args.runs}}"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An integer.
    Int(i64),
    /// A string, read with Go's `strconv.Atoi` (0 when not an integer).
    String(String),
}

impl IntOrString {
    /// Go's `IntOrString.IntValue()`.
    pub fn int_value(&self) -> i64 {
        match self {
            IntOrString::Int(i) => *i,
            IntOrString::String(s) => go_atoi(s).unwrap_or(0),
        }
    }
}

impl Default for IntOrString {
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, nothing else; the result must fit an
/// `int` (64-bit on Argo's platforms).
pub fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_parse_like_atoi() {
        assert_eq!(IntOrString::String("5".into()).int_value(), 5);
        assert_eq!(IntOrString::String("+5".into()).int_value(), 5);
        assert_eq!(IntOrString::String("-1".into()).int_value(), -1);
        assert_eq!(IntOrString::String("abc".into()).int_value(), 0);
        assert_eq!(IntOrString::String("50%".into()).int_value(), 0);
        assert_eq!(IntOrString::String(" 5".into()).int_value(), 0);
        assert_eq!(IntOrString::String("".into()).int_value(), 0);
    }
}
