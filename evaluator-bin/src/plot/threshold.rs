//! The threshold of a simple comparison, to draw it: the number a condition compares the
//! result against, when there is exactly one.

/// A comparison against one number literal (`result[0] >= 0.95`, `asFloat(.value) >= 9900`):
/// its operator as written with the number on the right, and the number.
pub fn threshold(condition: &str) -> Option<(&'static str, f64)> {
    let bytes = condition.as_bytes();
    let mut found: Option<(&'static str, f64)> = None;
    let mut i = 0;
    while i < bytes.len() {
        let (op, len) = match (bytes.get(i), bytes.get(i + 1)) {
            (Some(b'>'), Some(b'=')) => (">=", 2),
            (Some(b'<'), Some(b'=')) => ("<=", 2),
            (Some(b'>'), _) => (">", 1),
            (Some(b'<'), _) => ("<", 1),
            _ => {
                i += 1;
                continue;
            }
        };
        let after = condition.get(i + len..).unwrap_or("");
        let before = condition.get(..i).unwrap_or("");
        let hit = leading_number(after)
            .map(|n| (op, n))
            .or_else(|| trailing_number(before).map(|n| (flip(op), n)));
        if let Some(hit) = hit {
            match found {
                Some(prev) if prev.1 != hit.1 => return None,
                _ => found = Some(hit),
            }
        }
        i += len;
    }
    found
}

fn flip(op: &'static str) -> &'static str {
    match op {
        ">=" => "<=",
        "<=" => ">=",
        ">" => "<",
        _ => ">",
    }
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '_')
}

fn leading_number(s: &str) -> Option<f64> {
    let s = s.trim_start();
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, s),
    };
    let end = rest
        .find(|c: char| !is_number_char(c))
        .unwrap_or(rest.len());
    let tail = rest.get(end..).unwrap_or("").trim_start();
    // `x > 0.5 * y` is not a constant threshold.
    if tail.starts_with(['*', '/', '+', '-', '%', '[', '(', '.']) {
        return None;
    }
    let n: f64 = rest.get(..end)?.replace('_', "").parse().ok()?;
    Some(sign * n)
}

fn trailing_number(s: &str) -> Option<f64> {
    let s = s.trim_end();
    let start = s
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_number_char(*c) || *c == '-')
        .last()
        .map(|(i, _)| i)?;
    let head = s.get(..start).unwrap_or("").trim_end();
    if head.ends_with(['*', '/', '+', '%', ']', ')', '.']) || head.ends_with(char::is_alphanumeric)
    {
        return None;
    }
    s.get(start..)?.replace('_', "").parse().ok()
}
