//! Unguarded indexes: `result[0]` on a path where nothing has shown the result to be long
//! enough. The walk carries the least length the result is known to have, learnt from the
//! conditions that must hold to get there: the left of `&&` (true), of `||` (false), a
//! ternary's test, or a closure over `result` (which runs only on an element).
//!
//! `?.`, `??`, `isNil` and `default` are not guards here: on an empty (non-nil) vector
//! `result?.[0]`, `result[0] ?? 0`, `isNil(result) || result[0] > 1` and
//! `default(result[0], 0)` all still fail with `index out of range`.

use std::ops::Range;

use super::{CmpOp, Walk, number};
use crate::expr::ir::{Func, Ir, Key, PredKind};

/// A constant index into `result` that may run on a result too short for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnguardedIndex {
    /// The index as written (`0`, `-1`).
    pub index: i64,
    /// The indexing expression's byte range in the source (`result[0]`).
    pub span: Range<usize>,
}

/// The least length of `result` known when a condition is true, and when it is false.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Known {
    when_true: u64,
    when_false: u64,
}

impl Walk {
    pub(super) fn indexes(&mut self, ir: &Ir, min_len: u64, out: &mut Vec<UnguardedIndex>) {
        match ir {
            Ir::Member(m) => {
                if let Key::Int(i) = m.key
                    && self.is_result(&m.base)
                    && min_len < needed(i)
                {
                    out.push(UnguardedIndex {
                        index: i,
                        span: m.ext.range(),
                    });
                }
                self.indexes(&m.base, min_len, out);
                if let Key::Dyn(k) = &m.key {
                    self.indexes(k, min_len, out);
                }
            }
            Ir::And(lr, ..) | Ir::Or(lr, ..) => {
                self.indexes(&lr.0, min_len, out);
                let k = self.known(&lr.0);
                let learnt = if matches!(ir, Ir::And(..)) {
                    k.when_true
                } else {
                    k.when_false
                };
                self.indexes(&lr.1, min_len.max(learnt), out);
            }
            Ir::Cond(c, _) => {
                self.indexes(&c.0, min_len, out);
                let k = self.known(&c.0);
                self.indexes(&c.1, min_len.max(k.when_true), out);
                self.indexes(&c.2, min_len.max(k.when_false), out);
            }
            Ir::Pred(p) => {
                self.indexes(&p.coll, min_len, out);
                if let Some(e) = &p.extra {
                    self.indexes(e, min_len, out);
                }
                if let Some(body) = &p.body {
                    let frame = self.pred_frame(&p.coll);
                    let inner = if frame.over_result {
                        min_len.max(1)
                    } else {
                        min_len
                    };
                    self.with(frame, |w| w.indexes(body, inner, out));
                }
            }
            Ir::Let(lv) => {
                self.indexes(&lv.0, min_len, out);
                let frame = self.let_frame(&lv.0);
                self.with(frame, |w| w.indexes(&lv.1, min_len, out));
            }
            other => super::for_each_child(other, &mut |c| self.indexes(c, min_len, out)),
        }
    }

    /// What a condition tells about the result's length.
    fn known(&mut self, ir: &Ir) -> Known {
        match ir {
            Ir::Not(x, _) => {
                let k = self.known(x);
                Known {
                    when_true: k.when_false,
                    when_false: k.when_true,
                }
            }
            Ir::And(lr, ..) => {
                let (a, b) = (self.known(&lr.0), self.known(&lr.1));
                Known {
                    when_true: a.when_true.max(b.when_true),
                    when_false: a.when_false.min(b.when_false),
                }
            }
            Ir::Or(lr, ..) => {
                let (a, b) = (self.known(&lr.0), self.known(&lr.1));
                Known {
                    when_true: a.when_true.min(b.when_true),
                    when_false: a.when_false.max(b.when_false),
                }
            }
            Ir::CmpConst(c) if self.bounds_len(&c.l) => match CmpOp::of(c.op) {
                Some(op) => from_comparison(op, c.c),
                None => Known::default(),
            },
            Ir::Bin(b) => match (CmpOp::of(b.op), number(&b.l), number(&b.r)) {
                (Some(op), None, Some(n)) if self.bounds_len(&b.l) => from_comparison(op, n),
                (Some(op), Some(n), None) if self.bounds_len(&b.r) => from_comparison(op.flip(), n),
                _ => Known::default(),
            },
            // `any`/`one` over the result are true only with an element to be true of.
            Ir::Pred(p) if matches!(p.kind, PredKind::Any | PredKind::One) => Known {
                when_true: u64::from(self.is_result(&p.coll)),
                when_false: 0,
            },
            _ => Known::default(),
        }
    }

    /// A count that is at most the result's length: `len(result)`, `count(result, ...)`.
    fn bounds_len(&mut self, ir: &Ir) -> bool {
        match ir {
            Ir::Call(c) => match (c.f, c.args.as_slice()) {
                (Func::Builtin("len"), [x]) => self.is_result(x),
                _ => false,
            },
            Ir::Pred(p) => p.kind == PredKind::Count && self.is_result(&p.coll),
            _ => false,
        }
    }
}

/// The length an index needs: `[0]` one element, `[-1]` one, `[2]` three.
fn needed(i: i64) -> u64 {
    if i >= 0 {
        i.unsigned_abs().saturating_add(1)
    } else {
        i.unsigned_abs()
    }
}

/// What `n <op> c` tells about a count `n` (a whole number, at least 0) that is at most the
/// result's length.
fn from_comparison(op: CmpOp, c: f64) -> Known {
    Known {
        when_true: least(op, c),
        when_false: least(op.negate(), c),
    }
}

/// The least `n` with `n <op> c`, when `n <op> c` bounds `n` from below.
fn least(op: CmpOp, c: f64) -> u64 {
    if c.is_nan() {
        return 0;
    }
    // `as` saturates: huge constants give u64::MAX, negative ones 0.
    match op {
        CmpOp::Gt => (c.floor() + 1.0).max(0.0) as u64,
        CmpOp::Ge => c.ceil().max(0.0) as u64,
        CmpOp::Eq if c.fract() == 0.0 => c.max(0.0) as u64,
        CmpOp::Ne if c == 0.0 => 1,
        _ => 0,
    }
}
