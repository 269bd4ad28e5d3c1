//! The checked, lowered program: a compact tree the evaluator walks. Names are resolved to
//! frame distances, constants are folded, and common shapes get specialised nodes
//! (`result[0] >= 0.95` is `CmpConst(Member(Result, Int 0), >=, 0.95)`).

use std::collections::BTreeSet;
use std::sync::Arc;

use regex::Regex;

use super::error::Span;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    In,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    Range,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Gt => ">",
            BinOp::Le => "<=",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::In => "in",
            BinOp::Contains => "contains",
            BinOp::StartsWith => "startsWith",
            BinOp::EndsWith => "endsWith",
            BinOp::Matches => "matches",
            BinOp::Range => "..",
        }
    }
}

/// Which variable of a predicate frame a pointer reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ptr {
    Item,
    Index,
    Acc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PredKind {
    All,
    None,
    Any,
    One,
    Filter,
    Map,
    Find,
    FindIndex,
    FindLast,
    FindLastIndex,
    Count,
    Sum,
    GroupBy,
    SortBy,
    Reduce,
}

/// Argo's environment helpers (semantics §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnvFn {
    AsInt,
    AsFloat,
    IsNaN,
    IsInf,
    IsNil,
    Default,
}

impl EnvFn {
    pub fn name(self) -> &'static str {
        match self {
            EnvFn::AsInt => "asInt",
            EnvFn::AsFloat => "asFloat",
            EnvFn::IsNaN => "isNaN",
            EnvFn::IsInf => "isInf",
            EnvFn::IsNil => "isNil",
            EnvFn::Default => "default",
        }
    }
}

/// A callable: a helper of the environment or a plain builtin (by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Func {
    Env(EnvFn),
    Builtin(&'static str),
}

#[derive(Debug)]
pub(crate) enum Key {
    Str(Arc<str>),
    Int(i64),
    Dyn(Ir),
}

#[derive(Debug)]
pub(crate) struct Member {
    pub base: Ir,
    pub key: Key,
    pub optional: bool,
    pub span: Span,
    pub ext: Span,
}

/// `#.key` (or `.key`) in a closure: the commonest member access, one node instead of two.
#[derive(Debug)]
pub(crate) struct ItemStr {
    pub up: u32,
    pub key: Arc<str>,
    pub span: Span,
    pub ext: Span,
}

#[derive(Debug)]
pub(crate) struct Binary {
    pub op: BinOp,
    pub l: Ir,
    pub r: Ir,
    pub span: Span,
    pub ext: Span,
}

#[derive(Debug)]
pub(crate) struct CmpConst {
    pub op: BinOp,
    pub l: Ir,
    pub c: f64,
    /// The constant was an int literal (for exact int comparison and Go's messages).
    pub int: bool,
    pub span: Span,
    pub ext: Span,
}

#[derive(Debug)]
pub(crate) struct Call {
    pub f: Func,
    pub args: Vec<Ir>,
    pub span: Span,
    pub ext: Span,
}

#[derive(Debug)]
pub(crate) struct Pred {
    pub kind: PredKind,
    pub coll: Ir,
    pub body: Option<Ir>,
    pub extra: Option<Ir>,
    pub span: Span,
    pub ext: Span,
    /// Source of the collection, for explanations.
    pub coll_ext: Span,
}

#[derive(Debug)]
pub(crate) struct SliceOp {
    pub base: Ir,
    pub from: Option<Ir>,
    pub to: Option<Ir>,
    pub span: Span,
}

#[derive(Debug)]
pub(crate) enum Ir {
    Const(Value),
    Result,
    /// A `let` variable, `up` frames out.
    Var(u32),
    Pointer {
        up: u32,
        which: Ptr,
    },
    Not(Box<Ir>, Span),
    Neg(Box<Ir>, Span),
    And(Box<(Ir, Ir)>, Span, Span),
    Or(Box<(Ir, Ir)>, Span, Span),
    Bin(Box<Binary>),
    CmpConst(Box<CmpConst>),
    /// `x in ["a", "b"]` with string literals: Go expr turns it into a map lookup, which
    /// rejects non-string needles at run time.
    InStrSet(Box<Ir>, Arc<BTreeSet<String>>, Span),
    MatchConst(Box<Ir>, Box<Regex>, Span),
    Coalesce(Box<(Ir, Ir)>),
    Cond(Box<(Ir, Ir, Ir)>, Span),
    Member(Box<Member>),
    ItemStr(Box<ItemStr>),
    /// End of an optional chain: a nil met under `?.` becomes the chain's value.
    Chain(Box<Ir>),
    Slice(Box<SliceOp>),
    Array(Vec<Ir>),
    MapLit(Vec<(Ir, Ir)>, Span),
    Call(Box<Call>),
    Pred(Box<Pred>),
    Let(Box<(Ir, Ir)>),
    Seq(Vec<Ir>),
}

impl CmpConst {
    /// The constant as the value it was written as.
    pub fn value(&self) -> Value {
        if self.int {
            Value::Int(self.c as i64)
        } else {
            Value::Float(self.c)
        }
    }
}

impl Ir {
    pub fn as_const(&self) -> Option<&Value> {
        match self {
            Ir::Const(v) => Some(v),
            _ => None,
        }
    }
}
