//! Member access, indexing and slicing: `a.b`, `a["b"]`, `a[0]`, `a[1:3]`, with Go expr's
//! rules for maps, arrays, nil and unknown types.

use super::types::Type;
use super::{Checked, Checker, err};
use crate::expr::error::{ExprError, Span, TypeMismatch};
use crate::expr::ir::{Ir, ItemStr, Key, Member, Ptr, SliceOp};
use crate::expr::syntax::ast::{Node, NodeKind};
use crate::value::Value;

impl Checker<'_> {
    pub(super) fn member(
        &mut self,
        base: &Node,
        property: &Node,
        optional: bool,
        node: &Node,
    ) -> Result<Checked, ExprError> {
        let (bt, bi) = self.check(base)?;
        let (pt, pi) = self.check(property)?;
        let key = match pi {
            Ir::Const(Value::String(s)) => Key::Str(s),
            Ir::Const(Value::Int(i)) => Key::Int(i),
            other => Key::Dyn(other),
        };
        let ir = match (bi, key) {
            (
                Ir::Pointer {
                    up,
                    which: Ptr::Item,
                },
                Key::Str(key),
            ) if !optional => Ir::ItemStr(Box::new(ItemStr {
                up,
                key,
                span: node.span,
                ext: node.ext,
            })),
            (base, key) => Ir::Member(Box::new(Member {
                base,
                key,
                optional,
                span: node.span,
                ext: node.ext,
            })),
        };
        if bt.is_unknown() {
            return Ok((Type::Unknown, ir));
        }
        let name = match &property.kind {
            NodeKind::Str(s) => Some(s.as_str()),
            _ => None,
        };
        if let Some(name) = name
            && bt.is_nil()
        {
            return Err(
                err(node.span, format!("type nil has no field {name}")).with_mismatch(access(&bt))
            );
        }
        if bt.is_map() {
            if !pt.assignable_to(&Type::String) && !pt.is_unknown() {
                return Err(err(
                    property.span,
                    format!("cannot use {pt} to get an element from {bt}"),
                )
                .with_mismatch(key_of(&bt, &pt)));
            }
            return Ok((Type::Unknown, ir));
        }
        if bt.is_array() {
            if !pt.is_integer() && !pt.is_unknown() {
                return Err(err(
                    property.span,
                    format!("array elements can only be selected using an integer (got {pt})"),
                )
                .with_mismatch(key_of(&bt, &pt)));
            }
            return Ok((bt.elem(), ir));
        }
        Err(match name {
            Some(name) => {
                err(node.span, format!("type {bt} has no field {name}")).with_mismatch(access(&bt))
            }
            None => {
                err(node.span, format!("type {bt}[{pt}] is undefined")).with_mismatch(access(&bt))
            }
        })
    }

    pub(super) fn slice(
        &mut self,
        base: &Node,
        from: Option<&Node>,
        to: Option<&Node>,
        span: Span,
    ) -> Result<Checked, ExprError> {
        let (t, bi) = self.check(base)?;
        if !t.is_unknown() && !t.is_string() && !t.is_array() {
            return Err(err(span, format!("cannot slice {t}")).with_mismatch(access(&t)));
        }
        let mut bound = |n: Option<&Node>| -> Result<Option<Ir>, ExprError> {
            let Some(n) = n else { return Ok(None) };
            let (bt, ir) = self.check(n)?;
            if !bt.is_integer() && !bt.is_unknown() {
                return Err(err(n.span, format!("non-integer slice index {bt}"))
                    .with_mismatch(key_of(&t, &bt)));
            }
            Ok(Some(ir))
        };
        let from = bound(from)?;
        let to = bound(to)?;
        let ty = if t.is_unknown() { Type::Unknown } else { t };
        Ok((
            ty,
            Ir::Slice(Box::new(SliceOp {
                base: bi,
                from,
                to,
                span,
            })),
        ))
    }
}

/// The mismatch of an access to `base`, which has no such member.
pub(super) fn access(base: &Type) -> TypeMismatch {
    TypeMismatch::Access { base: base.clone() }
}

/// The mismatch of a key of type `key`, which `base` cannot be indexed with.
pub(super) fn key_of(base: &Type, key: &Type) -> TypeMismatch {
    TypeMismatch::Key {
        base: base.clone(),
        key: key.clone(),
    }
}
