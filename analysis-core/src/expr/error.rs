//! Errors of the condition language: Go expr's message text (which Argo shows without the
//! position decoration) plus the span, so `augur lint` can still point at the spot.

use std::fmt;
use std::ops::Range;

use super::Type;

/// Which stage refused the expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The lexer or parser (`unexpected token ...`, `literal not terminated`).
    Syntax,
    /// The type checker (`unknown name x`, `invalid operation: ...`).
    Type,
    /// Evaluation (`index out of range: 0 (array length is 0)`, helper panics).
    Runtime,
}

/// What the type checker refused, in types rather than words, so tools can react without
/// reading the message (lint's hint when a Prometheus vector is used where a scalar belongs).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeMismatch {
    /// An operator given operands it does not take (`>=` on `[]float64` and `float64`).
    Operator {
        /// The operator as written (`>=`, `-`, `in`).
        op: String,
        /// Its operands' types, left to right.
        operands: Vec<Type>,
    },
    /// A function or builtin given an argument of the wrong type (`isNaN` of `[]float64`).
    Argument {
        /// The function's name (`isNaN`, `abs`).
        function: String,
        /// The argument's type.
        found: Type,
    },
    /// A member, index or slice of a type that has none (`type []float64 has no field x`).
    Access {
        /// The type accessed.
        base: Type,
    },
    /// A key of the wrong type for its base (`array elements can only be selected using an
    /// integer (got string)`).
    Key {
        /// The type indexed.
        base: Type,
        /// The key's type.
        key: Type,
    },
    /// A value that must be a bool and is not: a condition's value, a ternary's test, a
    /// closure's result.
    NotBool {
        /// The value's type.
        found: Type,
    },
}

impl TypeMismatch {
    /// The types the checker refused to accept where they were used.
    pub fn found(&self) -> Vec<&Type> {
        match self {
            TypeMismatch::Operator { operands, .. } => operands.iter().collect(),
            TypeMismatch::Argument { found, .. }
            | TypeMismatch::NotBool { found }
            | TypeMismatch::Access { base: found }
            | TypeMismatch::Key { key: found, .. } => vec![found],
        }
    }
}

/// A byte range in the source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// An error from compiling or running an expression. `Display` is the bare message, exactly
/// what Argo puts after `could not evaluate successCondition "...": `.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ExprError {
    kind: ErrorKind,
    message: String,
    span: Span,
    line: u32,
    column: u32,
    /// Set on type errors about a value's type.
    mismatch: Option<Box<TypeMismatch>>,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ExprError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>, span: Span) -> ExprError {
        ExprError {
            kind,
            message: message.into(),
            span,
            line: 0,
            column: 0,
            mismatch: None,
        }
    }

    /// The same error, saying which types were refused.
    pub(crate) fn with_mismatch(mut self, mismatch: TypeMismatch) -> ExprError {
        self.mismatch = Some(Box::new(mismatch));
        self
    }

    pub(crate) fn syntax(message: impl Into<String>, span: Span) -> ExprError {
        ExprError::new(ErrorKind::Syntax, message, span)
    }

    pub(crate) fn type_err(message: impl Into<String>, span: Span) -> ExprError {
        ExprError::new(ErrorKind::Type, message, span)
    }

    pub(crate) fn runtime(message: impl Into<String>, span: Span) -> ExprError {
        ExprError::new(ErrorKind::Runtime, message, span)
    }

    /// Fills line and column from the source the span points into.
    pub(crate) fn locate(mut self, src: &str) -> ExprError {
        let start = (self.span.start as usize).min(src.len());
        let mut line = 1u32;
        let mut col = 1u32;
        for (i, c) in src.char_indices() {
            if i >= start {
                break;
            }
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        self.line = line;
        self.column = col;
        self
    }

    /// Which stage refused the expression.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Go expr's message, without the position decoration (the text Argo shows).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Byte offsets into the expression source.
    pub fn span(&self) -> Range<usize> {
        self.span.range()
    }

    /// 1-based line of the span's start.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// 1-based column (in characters) of the span's start.
    pub fn column(&self) -> u32 {
        self.column
    }

    /// For a type error about a value's type, which types were refused where.
    pub fn mismatch(&self) -> Option<&TypeMismatch> {
        self.mismatch.as_deref()
    }

    pub(crate) fn raw_span(&self) -> Span {
        self.span
    }
}

/// Go's regexp error texts start with `error parsing regexp: `; the detail is the regex
/// crate's (RE2 syntax is the same, the wording may differ).
pub(crate) fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => {
            let detail = s.lines().last().unwrap_or("invalid syntax");
            let detail = detail.trim_start_matches("error: ");
            format!("error parsing regexp: {detail}")
        }
        other => format!("error parsing regexp: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_bare_message_and_position_is_separate() {
        let e = ExprError::type_err("unknown name x", Span::new(4, 5)).locate("1 +\n x");
        assert_eq!(e.to_string(), "unknown name x");
        assert_eq!((e.line(), e.column()), (2, 1));
        assert_eq!(e.span(), 4..5);
        assert_eq!(e.kind(), ErrorKind::Type);
    }
}
