//! Member access, indexing and slicing: `a.b`, `a["b"]`, `a[0]`, `a[1:3]`, with Go expr's
//! rules for maps, arrays, nil and unknown types.

use super::types::Type;
use super::{Checked, Checker, err};
use crate::expr::error::{ExprError, Span};
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
            return Err(err(node.span, format!("type nil has no field {name}")));
        }
        if bt.is_map() {
            if !pt.assignable_to(&Type::String) && !pt.is_unknown() {
                return Err(err(
                    property.span,
                    format!("cannot use {pt} to get an element from {bt}"),
                ));
            }
            return Ok((Type::Unknown, ir));
        }
        if bt.is_array() {
            if !pt.is_integer() && !pt.is_unknown() {
                return Err(err(
                    property.span,
                    format!("array elements can only be selected using an integer (got {pt})"),
                ));
            }
            return Ok((bt.elem(), ir));
        }
        Err(match name {
            Some(name) => err(node.span, format!("type {bt} has no field {name}")),
            None => err(node.span, format!("type {bt}[{pt}] is undefined")),
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
            return Err(err(span, format!("cannot slice {t}")));
        }
        let mut bound = |n: Option<&Node>| -> Result<Option<Ir>, ExprError> {
            let Some(n) = n else { return Ok(None) };
            let (bt, ir) = self.check(n)?;
            if !bt.is_integer() && !bt.is_unknown() {
                return Err(err(n.span, format!("non-integer slice index {bt}")));
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
