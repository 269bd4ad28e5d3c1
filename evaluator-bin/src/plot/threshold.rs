//! The threshold line of a condition, to draw it: the one number the condition compares a
//! value of the result against, asked of the compiled program (so guards such as
//! `len(result) > 0 && ...` are seen for what they are).

use analysis_core::expr::{Env, Reading, Type, compile};

/// The comparison a threshold line stands for (`result[0] >= 0.95`, `asFloat(.value) >= 9900`,
/// `0.95 <= result[0]`): its operator with the value on the left, and the number; `None` when
/// the condition compares values against no number or against more than one.
pub fn threshold(condition: &str) -> Option<(&'static str, f64)> {
    // The result's type is not known here; typed as `interface {}` the condition compiles
    // whenever it compiles for some result.
    let program = compile(condition, &Env::condition(Type::Unknown)).ok()?;
    let mut found: Option<(&'static str, f64)> = None;
    for c in program.comparisons() {
        // Lengths are guards and computed quantities have their own units: neither is the
        // plotted value's threshold.
        if !matches!(c.reading, Reading::Value | Reading::Element) || !c.op.is_ordering() {
            continue;
        }
        let op = if c.negated { c.op.negate() } else { c.op };
        match found {
            Some((_, t)) if t != c.threshold => return None,
            Some(_) => {}
            None => found = Some((op.symbol(), c.threshold)),
        }
    }
    found
}
