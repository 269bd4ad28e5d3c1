//! Pratt parser following Go expr v1.17.8's precedence table, predicate argument rules and
//! error texts. Nesting is bounded so hostile input errors instead of overflowing the stack.

use super::ast::{Node, NodeKind};
use super::lexer::{Kind, Token, is_alphabetic, is_alphanumeric, lex_partial};
use super::parser_calls::number_literal;
use crate::expr::error::{ExprError, Span};

/// Deepest nesting of sub-expressions (and height of the tree) accepted; far beyond any real
/// condition, and low enough for the recursive passes to stay well inside a 2 MiB stack.
pub(crate) const MAX_DEPTH: usize = 64;
/// Go expr's `DefaultMaxNodes`.
const MAX_NODES: usize = 10_000;

pub(crate) fn parse(src: &str) -> Result<Node, ExprError> {
    let (tokens, lex_err) = lex_partial(src);
    if tokens.is_empty()
        && let Some(e) = lex_err
    {
        return Err(e);
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        lex_err,
        predicate_depth: 0,
        nesting: 0,
        nodes: 0,
        eof: Token {
            kind: Kind::Eof,
            value: String::new(),
            span: Span::new(src.len(), src.len()),
        },
    };
    let node = p.sequence()?;
    if p.cur().kind != Kind::Eof {
        return Err(p.unexpected());
    }
    Ok(node)
}

pub(super) struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    lex_err: Option<ExprError>,
    pub(super) predicate_depth: usize,
    nesting: usize,
    nodes: usize,
    eof: Token,
}

#[derive(Clone, Copy)]
enum Assoc {
    Left,
    Right,
}

fn binary_op(op: &str) -> Option<(u16, Assoc, &'static str)> {
    Some(match op {
        "|" => (0, Assoc::Left, "|"),
        "or" => (10, Assoc::Left, "or"),
        "||" => (10, Assoc::Left, "||"),
        "and" => (15, Assoc::Left, "and"),
        "&&" => (15, Assoc::Left, "&&"),
        "==" => (20, Assoc::Left, "=="),
        "!=" => (20, Assoc::Left, "!="),
        "<" => (20, Assoc::Left, "<"),
        ">" => (20, Assoc::Left, ">"),
        ">=" => (20, Assoc::Left, ">="),
        "<=" => (20, Assoc::Left, "<="),
        "in" => (20, Assoc::Left, "in"),
        "matches" => (20, Assoc::Left, "matches"),
        "contains" => (20, Assoc::Left, "contains"),
        "startsWith" => (20, Assoc::Left, "startsWith"),
        "endsWith" => (20, Assoc::Left, "endsWith"),
        ".." => (25, Assoc::Left, ".."),
        "+" => (30, Assoc::Left, "+"),
        "-" => (30, Assoc::Left, "-"),
        "*" => (60, Assoc::Left, "*"),
        "/" => (60, Assoc::Left, "/"),
        "%" => (60, Assoc::Left, "%"),
        "**" => (100, Assoc::Right, "**"),
        "^" => (100, Assoc::Right, "^"),
        "??" => (500, Assoc::Left, "??"),
        _ => return None,
    })
}

fn unary_op(op: &str) -> Option<(u16, &'static str)> {
    Some(match op {
        "not" => (50, "not"),
        "!" => (50, "!"),
        "-" => (90, "-"),
        "+" => (90, "+"),
        _ => return None,
    })
}

fn is_comparison(op: &str) -> bool {
    matches!(op, "<" | ">" | ">=" | "<=")
}

fn allowed_negate_suffix(op: &str) -> bool {
    matches!(
        op,
        "contains" | "matches" | "startsWith" | "endsWith" | "in"
    )
}

fn is_valid_identifier(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if is_alphabetic(c)) && it.all(is_alphanumeric)
}

impl Parser {
    pub(super) fn cur(&self) -> &Token {
        self.tokens.get(self.pos).unwrap_or(&self.eof)
    }

    pub(super) fn prev_end(&self) -> Span {
        match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => Span {
                start: t.span.end,
                end: t.span.end,
            },
            None => Span::default(),
        }
    }

    pub(super) fn next(&mut self) -> Result<(), ExprError> {
        if self.cur().kind == Kind::Eof {
            return Err(ExprError::syntax(
                "unexpected end of expression",
                self.cur().span,
            ));
        }
        self.pos += 1;
        if self.pos >= self.tokens.len()
            && let Some(e) = self.lex_err.take()
        {
            return Err(e);
        }
        Ok(())
    }

    pub(super) fn is(&self, kind: Kind, value: &str) -> bool {
        self.cur().is(kind, value)
    }

    pub(super) fn unexpected(&self) -> ExprError {
        ExprError::syntax(
            format!("unexpected token {}", self.cur().describe()),
            self.cur().span,
        )
    }

    pub(super) fn expect(&mut self, kind: Kind, value: &str) -> Result<(), ExprError> {
        if self.is(kind, value) {
            self.next()
        } else {
            Err(self.unexpected())
        }
    }

    pub(super) fn expect_kind(&mut self, kind: Kind) -> Result<Token, ExprError> {
        if self.cur().kind == kind {
            let t = self.cur().clone();
            self.next()?;
            Ok(t)
        } else {
            Err(self.unexpected())
        }
    }

    pub(super) fn node(
        &mut self,
        kind: NodeKind,
        span: Span,
        start: Span,
    ) -> Result<Node, ExprError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ExprError::syntax(
                "compilation failed: expression exceeds maximum allowed nodes",
                span,
            ));
        }
        let ext = start.to(self.prev_end()).to(span);
        let node = Node::new(kind, span, ext);
        if node.depth as usize > MAX_DEPTH {
            return Err(ExprError::syntax(
                format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
                span,
            ));
        }
        Ok(node)
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(ExprError::syntax(
                format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
                self.cur().span,
            ));
        }
        Ok(())
    }

    pub(super) fn sequence(&mut self) -> Result<Node, ExprError> {
        let first = self.expression(0)?;
        let mut nodes = vec![first];
        while self.is(Kind::Operator, ";") {
            self.next()?;
            if self.cur().kind == Kind::Eof {
                break;
            }
            nodes.push(self.expression(0)?);
        }
        if nodes.len() == 1 {
            return Ok(nodes.remove(0));
        }
        let span = nodes[0].span;
        let start = nodes[0].ext;
        self.node(NodeKind::Sequence(nodes), span, start)
    }

    pub(super) fn expression(&mut self, precedence: u16) -> Result<Node, ExprError> {
        self.enter()?;
        let r = self.expression_inner(precedence);
        self.nesting -= 1;
        r
    }

    fn expression_inner(&mut self, precedence: u16) -> Result<Node, ExprError> {
        if precedence == 0 && self.is(Kind::Operator, "let") {
            return self.let_declaration();
        }
        if precedence == 0 && self.is(Kind::Operator, "if") {
            return self.conditional_if();
        }
        let mut left = self.primary()?;
        let mut prev_op = String::new();
        loop {
            let mut op_tok = self.cur().clone();
            if op_tok.kind != Kind::Operator {
                break;
            }
            let negate = op_tok.value == "not";
            let mut not_tok = None;
            if negate {
                let backup = self.pos;
                self.next()?;
                if allowed_negate_suffix(&self.cur().value) {
                    match binary_op(&self.cur().value) {
                        Some((p, _, _)) if p >= precedence => {
                            not_tok = Some(op_tok.clone());
                            op_tok = self.cur().clone();
                        }
                        _ => {
                            self.pos = backup;
                            break;
                        }
                    }
                } else {
                    return Err(self.unexpected());
                }
            }
            let Some((op_prec, assoc, op)) = binary_op(&op_tok.value) else {
                break;
            };
            if op_prec < precedence {
                break;
            }
            self.next()?;
            if op == "|" {
                let ident = self.expect_kind(Kind::Identifier)?;
                let start = left.ext;
                left = self.call(ident, vec![left], start)?;
            } else {
                if prev_op == "??" && op != "??" && !op_tok.is(Kind::Bracket, "(") {
                    return Err(ExprError::syntax(
                        format!(
                            "Operator ({op}) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses."
                        ),
                        op_tok.span,
                    ));
                }
                if is_comparison(op) {
                    left = self.comparison(left, op_tok.clone(), op_prec)?;
                } else {
                    let right = match assoc {
                        Assoc::Left => self.expression(op_prec + 1)?,
                        Assoc::Right => self.expression(op_prec)?,
                    };
                    let start = left.ext;
                    left = self.node(
                        NodeKind::Binary {
                            op,
                            left: Box::new(left),
                            right: Box::new(right),
                        },
                        op_tok.span,
                        start,
                    )?;
                    if let Some(nt) = &not_tok {
                        let start = left.ext;
                        left = self.node(
                            NodeKind::Unary {
                                op: "not",
                                node: Box::new(left),
                            },
                            nt.span,
                            start,
                        )?;
                    }
                }
            }
            prev_op = op_tok.value.clone();
        }
        if precedence == 0 {
            left = self.conditional(left)?;
        }
        Ok(left)
    }

    fn let_declaration(&mut self) -> Result<Node, ExprError> {
        let start = self.cur().span;
        self.expect(Kind::Operator, "let")?;
        let name = self.expect_kind(Kind::Identifier)?;
        self.expect(Kind::Operator, "=")?;
        let value = self.expression(0)?;
        self.expect(Kind::Operator, ";")?;
        let body = self.sequence()?;
        self.node(
            NodeKind::Let {
                name: name.value,
                value: Box::new(value),
                body: Box::new(body),
            },
            name.span,
            start,
        )
    }

    fn conditional_if(&mut self) -> Result<Node, ExprError> {
        let start = self.cur().span;
        self.next()?;
        let cond = self.expression(0)?;
        self.expect(Kind::Bracket, "{")?;
        let then = self.sequence()?;
        self.expect(Kind::Bracket, "}")?;
        self.expect(Kind::Operator, "else")?;
        let otherwise = if self.is(Kind::Operator, "if") {
            self.enter()?;
            let r = self.conditional_if();
            self.nesting -= 1;
            r?
        } else {
            self.expect(Kind::Bracket, "{")?;
            let e = self.sequence()?;
            self.expect(Kind::Bracket, "}")?;
            e
        };
        let span = cond.span;
        self.node(
            NodeKind::Conditional {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            span,
            start,
        )
    }

    fn conditional(&mut self, mut node: Node) -> Result<Node, ExprError> {
        while self.is(Kind::Operator, "?") {
            self.next()?;
            let (then, otherwise) = if !self.is(Kind::Operator, ":") {
                let a = self.expression(0)?;
                self.expect(Kind::Operator, ":")?;
                let b = self.expression(0)?;
                (a, b)
            } else {
                self.next()?;
                let b = self.expression(0)?;
                (node.clone(), b)
            };
            let span = self.cur().span;
            let start = node.ext;
            node = self.node(
                NodeKind::Conditional {
                    cond: Box::new(node),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                },
                span,
                start,
            )?;
        }
        Ok(node)
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let tok = self.cur().clone();
        if tok.kind == Kind::Operator
            && let Some((prec, op)) = unary_op(&tok.value)
        {
            self.next()?;
            let inner = self.expression(prec)?;
            let node = self.node(
                NodeKind::Unary {
                    op,
                    node: Box::new(inner),
                },
                tok.span,
                tok.span,
            )?;
            return self.postfix(node);
        }
        if tok.is(Kind::Bracket, "(") {
            self.next()?;
            let mut inner = self.sequence()?;
            self.expect(Kind::Bracket, ")")?;
            inner.ext = tok.span.to(self.prev_end());
            return self.postfix(inner);
        }
        if self.predicate_depth > 0 && (tok.is(Kind::Operator, "#") || tok.is(Kind::Operator, "."))
        {
            let mut name = String::new();
            if tok.value == "#" {
                self.next()?;
                if self.cur().kind == Kind::Identifier {
                    name = self.cur().value.clone();
                    self.next()?;
                }
            }
            // For `.field` the `.` is left in place and parsed as a member access of `#`.
            let node = self.node(NodeKind::Pointer(name), tok.span, tok.span)?;
            return self.postfix(node);
        }
        self.secondary()
    }

    fn secondary(&mut self) -> Result<Node, ExprError> {
        let tok = self.cur().clone();
        let node = match tok.kind {
            Kind::Identifier => {
                self.next()?;
                match tok.value.as_str() {
                    "true" => return self.node(NodeKind::Bool(true), tok.span, tok.span),
                    "false" => return self.node(NodeKind::Bool(false), tok.span, tok.span),
                    "nil" => return self.node(NodeKind::Nil, tok.span, tok.span),
                    _ => {
                        if self.is(Kind::Bracket, "(") {
                            self.call(tok.clone(), Vec::new(), tok.span)?
                        } else {
                            self.node(NodeKind::Ident(tok.value.clone()), tok.span, tok.span)?
                        }
                    }
                }
            }
            Kind::Number => {
                self.next()?;
                let kind = number_literal(&tok)?;
                return self.node(kind, tok.span, tok.span);
            }
            Kind::Str => {
                self.next()?;
                self.node(NodeKind::Str(tok.value.clone()), tok.span, tok.span)?
            }
            _ if tok.is(Kind::Bracket, "[") => self.array(&tok)?,
            _ if tok.is(Kind::Bracket, "{") => self.map(&tok)?,
            _ => return Err(self.unexpected()),
        };
        self.postfix(node)
    }

    pub(super) fn postfix(&mut self, mut node: Node) -> Result<Node, ExprError> {
        let mut depth = 0usize;
        loop {
            let tok = self.cur().clone();
            if !matches!(tok.kind, Kind::Operator | Kind::Bracket) {
                break;
            }
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(ExprError::syntax(
                    format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
                    tok.span,
                ));
            }
            let start = node.ext;
            if tok.value == "." || tok.value == "?." {
                let optional = tok.value == "?.";
                self.next()?;
                let prop = self.cur().clone();
                if optional && prop.is(Kind::Bracket, "[") {
                    node = self.index(node, true)?;
                    continue;
                }
                self.next()?;
                if prop.kind != Kind::Identifier
                    && (prop.kind != Kind::Operator || !is_valid_identifier(&prop.value))
                {
                    return Err(ExprError::syntax("expected name", prop.span));
                }
                let property =
                    self.node(NodeKind::Str(prop.value.clone()), prop.span, prop.span)?;
                let (base, was_chain) = match node.kind {
                    NodeKind::Chain(inner) => (*inner, true),
                    _ => (node, false),
                };
                let member = self.node(
                    NodeKind::Member {
                        node: Box::new(base),
                        property: Box::new(property),
                        optional,
                    },
                    prop.span,
                    start,
                )?;
                if self.is(Kind::Bracket, "(") {
                    // Method calls exist in Go expr for struct types; no value here has methods.
                    let args = self.arguments(Vec::new())?;
                    node = self.node(
                        NodeKind::Call {
                            callee: Box::new(member),
                            args,
                        },
                        prop.span,
                        start,
                    )?;
                } else {
                    node = member;
                }
                if was_chain || optional {
                    let span = node.span;
                    node = self.node(NodeKind::Chain(Box::new(node)), span, start)?;
                }
            } else if tok.value == "[" {
                node = self.index(node, false)?;
            } else {
                break;
            }
        }
        Ok(node)
    }

    fn comparison(&mut self, mut left: Node, mut tok: Token, prec: u16) -> Result<Node, ExprError> {
        let mut root: Option<Node> = None;
        loop {
            let right = self.expression(prec + 1)?;
            let start = left.ext;
            let op = binary_op(&tok.value).map_or("<", |(_, _, op)| op);
            let cmp = self.node(
                NodeKind::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right.clone()),
                },
                tok.span,
                start,
            )?;
            root = Some(match root {
                None => cmp,
                Some(r) => {
                    let start = r.ext;
                    self.node(
                        NodeKind::Binary {
                            op: "&&",
                            left: Box::new(r),
                            right: Box::new(cmp),
                        },
                        tok.span,
                        start,
                    )?
                }
            });
            left = right;
            tok = self.cur().clone();
            if !(tok.kind == Kind::Operator && is_comparison(&tok.value)) {
                break;
            }
            self.next()?;
        }
        root.ok_or_else(|| self.unexpected())
    }
}
