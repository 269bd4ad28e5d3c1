//! The parser's member access: `node[...]` as an index or a slice, and `?.[...]` chains.

use super::ast::{Node, NodeKind};
use super::lexer::Kind;
use super::parser::Parser;
use crate::expr::error::{ExprError, Span};

impl Parser {
    /// `node[...]` (the current token is `[`): an index or a slice.
    pub(super) fn index(&mut self, node: Node, optional: bool) -> Result<Node, ExprError> {
        let open = self.cur().span;
        let start = node.ext;
        self.next()?;
        if self.is(Kind::Operator, ":") {
            return self.slice(node, None, open, start);
        }
        let from = self.expression(0)?;
        if self.is(Kind::Operator, ":") {
            return self.slice(node, Some(Box::new(from)), open, start);
        }
        self.expect(Kind::Bracket, "]")?;
        let (base, was_chain) = match node.kind {
            NodeKind::Chain(inner) if !optional => (*inner, true),
            kind => (
                Node {
                    kind,
                    span: node.span,
                    ext: node.ext,
                    depth: node.depth,
                },
                false,
            ),
        };
        let member = self.node(
            NodeKind::Member {
                node: Box::new(base),
                property: Box::new(from),
                optional,
            },
            open,
            start,
        )?;
        if optional || was_chain {
            return self.node(NodeKind::Chain(Box::new(member)), open, start);
        }
        Ok(member)
    }

    /// The rest of `node[from:to]` (the current token is `:`).
    fn slice(
        &mut self,
        node: Node,
        from: Option<Box<Node>>,
        open: Span,
        start: Span,
    ) -> Result<Node, ExprError> {
        self.next()?;
        let to = if self.is(Kind::Bracket, "]") {
            None
        } else {
            Some(Box::new(self.expression(0)?))
        };
        self.expect(Kind::Bracket, "]")?;
        self.node(
            NodeKind::Slice {
                node: Box::new(node),
                from,
                to,
            },
            open,
            start,
        )
    }
}
