//! The parser's calls, closures and literals: builtin predicate argument rules
//! (`all(xs, {...})`, `count(xs)`), array and map literals, number literals.

use super::ast::{Node, NodeKind};
use super::builtins::{is_builtin, predicate_args};
use super::lexer::{Kind, Token, go_quote};
use super::parser::Parser;
use crate::expr::error::{ExprError, Span};

impl Parser {
    pub(super) fn call(
        &mut self,
        name: Token,
        mut args: Vec<Node>,
        start: Span,
    ) -> Result<Node, ExprError> {
        if let Some(kinds) = predicate_args(&name.value) {
            self.expect(Kind::Bracket, "(")?;
            let rest = kinds.get(args.len()..).unwrap_or(&[]);
            for (i, &(is_predicate, optional)) in rest.iter().enumerate() {
                if self.is(Kind::Bracket, ")") {
                    if optional {
                        break;
                    }
                    return Err(ExprError::syntax(
                        format!("expected at least {} arguments", rest.len()),
                        self.cur().span,
                    ));
                }
                if i > 0 {
                    self.expect(Kind::Operator, ",")?;
                }
                let arg = if is_predicate {
                    self.predicate()?
                } else {
                    self.expression(0)?
                };
                args.push(arg);
            }
            if self.is(Kind::Operator, ",") {
                self.next()?;
            }
            self.expect(Kind::Bracket, ")")?;
            return self.node(
                NodeKind::Builtin {
                    name: name.value,
                    args,
                },
                name.span,
                start,
            );
        }
        let args = self.arguments(args)?;
        if is_builtin(&name.value) {
            return self.node(
                NodeKind::Builtin {
                    name: name.value,
                    args,
                },
                name.span,
                start,
            );
        }
        let callee = self.node(NodeKind::Ident(name.value.clone()), name.span, name.span)?;
        self.node(
            NodeKind::Call {
                callee: Box::new(callee),
                args,
            },
            name.span,
            start,
        )
    }

    pub(super) fn arguments(&mut self, mut args: Vec<Node>) -> Result<Vec<Node>, ExprError> {
        let offset = args.len();
        self.expect(Kind::Bracket, "(")?;
        while !self.is(Kind::Bracket, ")") {
            if args.len() > offset {
                self.expect(Kind::Operator, ",")?;
            }
            if self.is(Kind::Bracket, ")") {
                break;
            }
            args.push(self.expression(0)?);
        }
        self.expect(Kind::Bracket, ")")?;
        Ok(args)
    }

    fn predicate(&mut self) -> Result<Node, ExprError> {
        let start = self.cur().clone();
        let braces = start.is(Kind::Bracket, "{");
        if braces {
            self.next()?;
        }
        self.predicate_depth += 1;
        let body = if braces {
            self.sequence()
        } else {
            let r = self.expression(0);
            if r.is_ok() && self.is(Kind::Operator, ";") {
                Err(ExprError::syntax(
                    "wrap predicate with brackets { and }",
                    self.cur().span,
                ))
            } else {
                r
            }
        };
        self.predicate_depth -= 1;
        let body = body?;
        if braces {
            self.expect(Kind::Bracket, "}")?;
        }
        self.node(NodeKind::Predicate(Box::new(body)), start.span, start.span)
    }

    pub(super) fn array(&mut self, tok: &Token) -> Result<Node, ExprError> {
        self.expect(Kind::Bracket, "[")?;
        let mut nodes = Vec::new();
        while !self.is(Kind::Bracket, "]") {
            if !nodes.is_empty() {
                self.expect(Kind::Operator, ",")?;
                if self.is(Kind::Bracket, "]") {
                    break;
                }
            }
            nodes.push(self.expression(0)?);
        }
        self.expect(Kind::Bracket, "]")?;
        self.node(NodeKind::Array(nodes), tok.span, tok.span)
    }

    pub(super) fn map(&mut self, tok: &Token) -> Result<Node, ExprError> {
        self.expect(Kind::Bracket, "{")?;
        let mut pairs = Vec::new();
        while !self.is(Kind::Bracket, "}") {
            if !pairs.is_empty() {
                self.expect(Kind::Operator, ",")?;
                if self.is(Kind::Bracket, "}") {
                    break;
                }
                if self.is(Kind::Operator, ",") {
                    return Err(self.unexpected());
                }
            }
            let cur = self.cur().clone();
            let key = if matches!(cur.kind, Kind::Number | Kind::Str | Kind::Identifier) {
                self.next()?;
                self.node(NodeKind::Str(cur.value.clone()), cur.span, cur.span)?
            } else if cur.is(Kind::Bracket, "(") {
                self.expression(0)?
            } else {
                return Err(ExprError::syntax(
                    format!(
                        "a map key must be a quoted string, a number, a identifier, or an expression enclosed in parentheses (unexpected token {})",
                        cur.describe()
                    ),
                    cur.span,
                ));
            };
            self.expect(Kind::Operator, ":")?;
            let value = self.expression(0)?;
            pairs.push((key, value));
        }
        self.expect(Kind::Bracket, "}")?;
        self.node(NodeKind::Map(pairs), tok.span, tok.span)
    }
}

/// Go expr's number literal rules: hex/octal/binary ints, floats, `_` separators.
pub(super) fn number_literal(tok: &Token) -> Result<NodeKind, ExprError> {
    let value = tok.value.replace('_', "");
    let lower = value.to_ascii_lowercase();
    let int = |digits: &str, radix: u32, what: &str| -> Result<NodeKind, ExprError> {
        i64::from_str_radix(digits, radix)
            .map(NodeKind::Int)
            .map_err(|_| {
                ExprError::syntax(
                    format!(
                        "invalid {what} literal: strconv.ParseInt: parsing {}: {}",
                        go_quote(&value),
                        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                            "invalid syntax"
                        } else {
                            "value out of range"
                        }
                    ),
                    tok.span,
                )
            })
    };
    if let Some(d) = lower.strip_prefix("0x") {
        return int(d, 16, "hex");
    }
    if lower.contains('.') || lower.contains('e') {
        return match value.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(NodeKind::Float(f)),
            Ok(_) => Err(ExprError::syntax(
                format!(
                    "invalid float literal: strconv.ParseFloat: parsing {}: value out of range",
                    go_quote(&value)
                ),
                tok.span,
            )),
            Err(_) => Err(ExprError::syntax(
                format!(
                    "invalid float literal: strconv.ParseFloat: parsing {}: invalid syntax",
                    go_quote(&value)
                ),
                tok.span,
            )),
        };
    }
    if let Some(d) = lower.strip_prefix("0b") {
        return int(d, 2, "binary");
    }
    if let Some(d) = lower.strip_prefix("0o") {
        return int(d, 8, "octal");
    }
    int(&value, 10, "integer")
}
