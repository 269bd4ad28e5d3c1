//! Tokens of expr-lang's grammar, with Go expr's lexing quirks (`not in` as one operator,
//! `1..2` as a range, `#index` pointers, `//` and `/* */` comments) and its error texts.

use crate::expr::error::{ExprError, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Identifier,
    Number,
    Str,
    Operator,
    Bracket,
    Eof,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Identifier => "Identifier",
            Kind::Number => "Number",
            Kind::Str => "String",
            Kind::Operator => "Operator",
            Kind::Bracket => "Bracket",
            Kind::Eof => "EOF",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub value: String,
    pub span: Span,
}

impl Token {
    pub fn is(&self, kind: Kind, value: &str) -> bool {
        self.kind == kind && self.value == value
    }

    /// Go expr's `Token.String()`: `Operator("*")`, `EOF`.
    pub fn describe(&self) -> String {
        if self.value.is_empty() {
            self.kind.name().to_string()
        } else {
            format!("{}({})", self.kind.name(), go_quote(&self.value))
        }
    }
}

pub(crate) use crate::gostr::go_quote;

pub(crate) fn is_alphabetic(c: char) -> bool {
    c == '_' || c == '$' || c.is_alphabetic()
}

pub(crate) fn is_alphanumeric(c: char) -> bool {
    is_alphabetic(c) || c.is_numeric()
}

/// Splits the whole source into tokens (the last one is `Eof`).
#[cfg(test)]
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    match lex_partial(src) {
        (tokens, None) => Ok(tokens),
        (_, Some(e)) => Err(e),
    }
}

/// Like Go's lazy lexer: the tokens before a lexing error, and the error, which the parser
/// reports only when it gets that far (an earlier syntax error wins, as in Go).
pub(crate) fn lex_partial(src: &str) -> (Vec<Token>, Option<ExprError>) {
    let mut lx = Lexer {
        src,
        pos: 0,
        start: 0,
        tokens: Vec::new(),
    };
    match lx.run() {
        Ok(()) => (lx.tokens, None),
        Err(e) => (lx.tokens, Some(e)),
    }
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    start: usize,
    tokens: Vec<Token>,
}

const OPERATOR_WORDS: &[&str] = &[
    "in",
    "or",
    "and",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "let",
    "if",
    "else",
];

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.pos += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn word(&self) -> &str {
        self.src.get(self.start..self.pos).unwrap_or("")
    }

    fn emit(&mut self, kind: Kind) {
        let value = self.word().to_string();
        self.emit_value(kind, value);
    }

    fn emit_value(&mut self, kind: Kind, value: String) {
        self.tokens.push(Token {
            kind,
            value,
            span: Span::new(self.start, self.pos),
        });
        self.start = self.pos;
    }

    fn error(&self, msg: impl Into<String>) -> ExprError {
        ExprError::syntax(msg, Span::new(self.start, self.pos.max(self.start + 1)))
    }

    fn run(&mut self) -> Result<(), ExprError> {
        loop {
            self.start = self.pos;
            let Some(c) = self.bump() else {
                self.emit_value(Kind::Eof, String::new());
                return Ok(());
            };
            match c {
                c if c.is_whitespace() => {}
                '\'' | '"' => {
                    let s = self.scan_string(c)?;
                    self.emit_value(Kind::Str, s);
                }
                '`' => self.scan_raw()?,
                '0'..='9' => {
                    self.pos = self.start;
                    self.number()?;
                }
                '?' => {
                    self.accept(".?");
                    self.emit(Kind::Operator);
                }
                '/' => {
                    if self.accept("/") {
                        while let Some(c) = self.bump() {
                            if c == '\n' {
                                break;
                            }
                        }
                    } else if self.accept("*") {
                        self.block_comment()?;
                    } else {
                        self.emit(Kind::Operator);
                    }
                }
                '#' => {
                    self.accept("#");
                    self.emit(Kind::Operator);
                    while matches!(self.peek(), Some(c) if is_alphanumeric(c)) {
                        self.bump();
                    }
                    if !self.word().is_empty() {
                        self.emit(Kind::Identifier);
                    }
                }
                '|' => {
                    self.accept("|");
                    self.emit(Kind::Operator);
                }
                ':' => {
                    self.accept(":");
                    self.emit(Kind::Operator);
                }
                '(' | '[' | '{' | ')' | ']' | '}' => self.emit(Kind::Bracket),
                ',' | ';' | '%' | '+' | '-' | '^' => self.emit(Kind::Operator),
                '&' | '!' | '=' | '*' | '<' | '>' => {
                    self.accept("&=*");
                    self.emit(Kind::Operator);
                }
                '.' => {
                    if matches!(self.peek(), Some('0'..='9')) {
                        self.pos = self.start;
                        self.number()?;
                    } else {
                        self.accept(".");
                        self.emit(Kind::Operator);
                    }
                }
                c if is_alphanumeric(c) => self.identifier(),
                c => {
                    return Err(self.error(format!(
                        "unrecognized character: U+{:04X} {}",
                        c as u32,
                        go_char_quote(c)
                    )));
                }
            }
        }
    }

    fn number(&mut self) -> Result<(), ExprError> {
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        let end = self.pos;
        if self.accept(".") {
            if self.peek() == Some('.') {
                self.pos = end;
                self.emit(Kind::Number);
                return Ok(());
            }
            self.accept_run(digits);
        }
        if self.accept("eE") {
            self.accept("+-");
            self.accept_run(digits);
        }
        if matches!(self.peek(), Some(c) if is_alphanumeric(c)) {
            self.bump();
            return Err(self.error(format!("bad number syntax: {}", go_quote(self.word()))));
        }
        self.emit(Kind::Number);
        Ok(())
    }

    fn identifier(&mut self) {
        while matches!(self.peek(), Some(c) if is_alphanumeric(c)) {
            self.bump();
        }
        let w = self.word();
        if w == "not" {
            self.emit(Kind::Operator);
            // `not in`, `not contains`, ... lex as a following operator word.
            let save = self.pos;
            while matches!(self.peek(), Some(c) if c.is_whitespace()) {
                self.bump();
            }
            self.start = self.pos;
            while matches!(self.peek(), Some(c) if is_alphanumeric(c)) {
                self.bump();
            }
            if matches!(
                self.word(),
                "in" | "matches" | "contains" | "startsWith" | "endsWith"
            ) {
                self.emit(Kind::Operator);
            } else {
                self.pos = save;
                self.start = save;
            }
        } else if OPERATOR_WORDS.contains(&w) {
            self.emit(Kind::Operator);
        } else {
            self.emit(Kind::Identifier);
        }
    }

    fn block_comment(&mut self) -> Result<(), ExprError> {
        loop {
            match self.bump() {
                None => return Err(self.error("unclosed comment")),
                Some('*') if self.accept("/") => return Ok(()),
                Some(_) => {}
            }
        }
    }

    fn scan_raw(&mut self) -> Result<(), ExprError> {
        loop {
            match self.bump() {
                None => return Err(self.error("literal not terminated")),
                Some('`') => break,
                Some(_) => {}
            }
        }
        let inner = self
            .src
            .get(self.start + 1..self.pos - 1)
            .unwrap_or("")
            .to_string();
        self.emit_value(Kind::Str, inner);
        Ok(())
    }

    /// Scans a quoted string and decodes Go's escapes.
    fn scan_string(&mut self, quote: char) -> Result<String, ExprError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error("literal not terminated"));
            };
            if c == quote {
                return Ok(out);
            }
            if c == '\n' {
                return Err(self.error("literal not terminated"));
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.bump() else {
                return Err(self.error("literal not terminated"));
            };
            let decoded = match e {
                'a' => '\u{7}',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'v' => '\u{b}',
                '\\' => '\\',
                '\'' | '"' if e == quote => e,
                '\'' | '"' => e,
                'x' => self.hex_escape(2)?,
                'u' => self.hex_escape(4)?,
                'U' => self.hex_escape(8)?,
                '0'..='7' => {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.bump().and_then(|c| c.to_digit(8)) {
                            Some(d) => v = v * 8 + d,
                            None => return Err(self.error("invalid char escape")),
                        }
                    }
                    if v > 255 {
                        return Err(self.error("invalid char escape"));
                    }
                    char::from_u32(v).unwrap_or('\u{fffd}')
                }
                _ => return Err(self.error("invalid char escape")),
            };
            out.push(decoded);
        }
    }

    fn hex_escape(&mut self, n: usize) -> Result<char, ExprError> {
        let mut v: u32 = 0;
        for _ in 0..n {
            match self.bump().and_then(|c| c.to_digit(16)) {
                Some(d) => v = v.wrapping_mul(16).wrapping_add(d),
                None => return Err(self.error("invalid char escape")),
            }
        }
        char::from_u32(v).ok_or_else(|| self.error("invalid char escape"))
    }
}

/// Go's `%#U`-style quoting of a single character: `'@'`.
fn go_char_quote(c: char) -> String {
    format!("'{c}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, String)> {
        lex(src)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.value))
            .collect()
    }

    #[test]
    fn lexes_operators_numbers_and_strings() {
        let t = kinds(r#"result[0] >= 0.95 && "a\tb" != 'c' ** 2"#);
        let values: Vec<&str> = t.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            [
                "result", "[", "0", "]", ">=", "0.95", "&&", "a\tb", "!=", "c", "**", "2", ""
            ]
        );
    }

    #[test]
    fn range_after_integer_is_not_a_float() {
        let v: Vec<String> = kinds("1..3").into_iter().map(|(_, v)| v).collect();
        assert_eq!(v, ["1", "..", "3", ""]);
    }

    #[test]
    fn not_in_is_two_operators() {
        let t = kinds("a not in b");
        assert_eq!(t[1], (Kind::Operator, "not".into()));
        assert_eq!(t[2], (Kind::Operator, "in".into()));
        let t = kinds("not a");
        assert_eq!(t[1], (Kind::Identifier, "a".into()));
    }

    #[test]
    fn pointers_comments_and_raw_strings() {
        let t = kinds("#index // c\n + `a\\n` /* x */");
        assert_eq!(t[0], (Kind::Operator, "#".into()));
        assert_eq!(t[1], (Kind::Identifier, "index".into()));
        assert_eq!(t[3], (Kind::Str, "a\\n".into()));
    }

    #[test]
    fn errors_match_go() {
        assert_eq!(
            lex("'abc").unwrap_err().to_string(),
            "literal not terminated"
        );
        assert_eq!(lex("/* x").unwrap_err().to_string(), "unclosed comment");
        assert_eq!(lex(r"'\q'").unwrap_err().to_string(), "invalid char escape");
        assert_eq!(
            lex("12abc").unwrap_err().to_string(),
            "bad number syntax: \"12a\""
        );
        assert!(
            lex("@")
                .unwrap_err()
                .to_string()
                .starts_with("unrecognized character: U+0040")
        );
    }

    #[test]
    fn token_description_matches_go() {
        let t = lex("*").unwrap();
        assert_eq!(t[0].describe(), "Operator(\"*\")");
        assert_eq!(t[1].describe(), "EOF");
    }
}
