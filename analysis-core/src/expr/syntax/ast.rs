//! The parsed expression, shaped like Go expr's AST so the checker can follow its rules.

use crate::expr::error::Span;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    /// Where Go expr reports errors for this node (an operator's token, a call's name).
    pub span: Span,
    /// The node's whole source text, for explanations.
    pub ext: Span,
    /// Height of the tree under this node, bounded so later passes can recurse safely.
    pub depth: u32,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NodeKind {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    /// `#` (empty name), `#index`, `#acc`; `.field` inside a predicate is `#.field`.
    Pointer(String),
    Unary {
        op: &'static str,
        node: Box<Node>,
    },
    Binary {
        op: &'static str,
        left: Box<Node>,
        right: Box<Node>,
    },
    /// `a.b`, `a["b"]`, `a[0]`; `optional` for `?.`.
    Member {
        node: Box<Node>,
        property: Box<Node>,
        optional: bool,
    },
    /// Wraps an optional chain: a nil met under `?.` makes the whole chain nil.
    Chain(Box<Node>),
    Slice {
        node: Box<Node>,
        from: Option<Box<Node>>,
        to: Option<Box<Node>>,
    },
    /// A call of an environment function (`asFloat(x)`) or of a non-callable (an error).
    Call {
        callee: Box<Node>,
        args: Vec<Node>,
    },
    /// A call of a builtin (`len(x)`, `all(xs, {...})`).
    Builtin {
        name: String,
        args: Vec<Node>,
    },
    /// A closure argument `{ ... }` of a predicate builtin.
    Predicate(Box<Node>),
    Let {
        name: String,
        value: Box<Node>,
        body: Box<Node>,
    },
    Sequence(Vec<Node>),
    Conditional {
        cond: Box<Node>,
        then: Box<Node>,
        otherwise: Box<Node>,
    },
    Array(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn new(kind: NodeKind, span: Span, ext: Span) -> Node {
        let depth = 1 + kind.child_depth();
        Node {
            span,
            ext,
            depth,
            kind,
        }
    }
}

impl NodeKind {
    fn child_depth(&self) -> u32 {
        let d = |n: &Node| n.depth;
        let o = |n: &Option<Box<Node>>| n.as_ref().map_or(0, |n| n.depth);
        match self {
            NodeKind::Nil
            | NodeKind::Bool(_)
            | NodeKind::Int(_)
            | NodeKind::Float(_)
            | NodeKind::Str(_)
            | NodeKind::Ident(_)
            | NodeKind::Pointer(_) => 0,
            NodeKind::Unary { node, .. } => d(node),
            NodeKind::Binary { left, right, .. } => d(left).max(d(right)),
            NodeKind::Member { node, property, .. } => d(node).max(d(property)),
            NodeKind::Chain(n) | NodeKind::Predicate(n) => d(n),
            NodeKind::Slice { node, from, to } => d(node).max(o(from)).max(o(to)),
            NodeKind::Call { callee, args } => args.iter().map(d).max().unwrap_or(0).max(d(callee)),
            NodeKind::Builtin { args, .. } | NodeKind::Array(args) | NodeKind::Sequence(args) => {
                args.iter().map(d).max().unwrap_or(0)
            }
            NodeKind::Let { value, body, .. } => d(value).max(d(body)),
            NodeKind::Conditional {
                cond,
                then,
                otherwise,
            } => d(cond).max(d(then)).max(d(otherwise)),
            NodeKind::Map(pairs) => pairs.iter().map(|(k, v)| d(k).max(d(v))).max().unwrap_or(0),
        }
    }
}
