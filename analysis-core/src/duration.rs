//! Go's `time.ParseDuration`, exactly (semantics §1.2): `interval`, `initialDelay`,
//! SkyWalking's `interval`, `rangeQuery.step` and the condition language's `duration()` all
//! go through it, so `"30"` is an error here just as it is under Argo.

use chrono::TimeDelta;

/// A duration string Go would reject; Display is Go's error text
/// (`time: invalid duration "30"`, `time: missing unit in duration "30"`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(pub String);

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000;
const MILLISECOND: u64 = 1_000_000;
const SECOND: u64 = 1_000_000_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const LIMIT: u64 = 1 << 63;

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

/// Go's `time.quote`: ASCII printable characters kept (with `"` and `\` escaped), every byte of
/// anything else written as `\xNN`.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if (c as u32) < 0x20 || (c as u32) >= 0x80 {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn invalid(orig: &str) -> DurationError {
    DurationError(format!("time: invalid duration {}", go_quote(orig)))
}

/// Consumes leading ASCII digits; `None` on overflow past 2^63 (Go's `errLeadingInt`).
fn leading_int(s: &str) -> (Option<u64>, &str) {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    let mut x: u64 = 0;
    for b in s[..end].bytes() {
        if x > LIMIT / 10 {
            return (None, &s[end..]);
        }
        x = x * 10 + u64::from(b - b'0');
        if x > LIMIT {
            return (None, &s[end..]);
        }
    }
    (Some(x), &s[end..])
}

/// Consumes leading digits of a fraction, returning the value, its scale and the rest; digits
/// beyond what fits are consumed and ignored, as Go does.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    let (mut x, mut scale, mut overflow) = (0u64, 1.0f64, false);
    for b in s[..end].bytes() {
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(b - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[end..])
}

/// Parses a Go duration (`1h30m`, `1.5s`, `-2m`, `"0"`, `300ms`), with Go's error texts.
pub fn parse_duration(orig: &str) -> Result<TimeDelta, DurationError> {
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(TimeDelta::zero());
    }
    if s.is_empty() {
        return Err(invalid(orig));
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid(orig));
        }
        let before = s.len();
        let (v, rest) = leading_int(s);
        let mut v = v.ok_or_else(|| invalid(orig))?;
        s = rest;
        let pre = before != s.len();
        let (mut f, mut scale, mut post) = (0u64, 1.0f64, false);
        if let Some(rest) = s.strip_prefix('.') {
            let before = rest.len();
            let (ff, sc, rest) = leading_fraction(rest);
            (f, scale, post) = (ff, sc, before != rest.len());
            s = rest;
        }
        if !pre && !post {
            return Err(invalid(orig));
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(DurationError(format!(
                "time: missing unit in duration {}",
                go_quote(orig)
            )));
        }
        let (unit_str, rest) = s.split_at(unit_len);
        s = rest;
        let unit = unit_nanos(unit_str).ok_or_else(|| {
            DurationError(format!(
                "time: unknown unit {} in duration {}",
                go_quote(unit_str),
                go_quote(orig)
            ))
        })?;
        if v > LIMIT / unit {
            return Err(invalid(orig));
        }
        v *= unit;
        if f > 0 {
            // Go computes this in float64 and truncates.
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid(orig));
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid(orig));
        }
    }
    if neg {
        // -2^63 is representable.
        return Ok(TimeDelta::nanoseconds((total as i128).wrapping_neg() as i64));
    }
    if total > LIMIT - 1 {
        return Err(invalid(orig));
    }
    Ok(TimeDelta::nanoseconds(total as i64))
}

/// Formats a duration as Go's `Duration.String()` does (`1h30m0s`, `1.5s`, `300ms`, `0s`), for
/// messages that echo durations back.
pub fn format_duration(d: TimeDelta) -> String {
    let Some(nanos) = d.num_nanoseconds() else {
        return format!("{}s", d.num_seconds());
    };
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let body = if u < SECOND {
        let (unit, div) = if u == 0 {
            return "0s".to_string();
        } else if u < MICROSECOND {
            ("ns", 1)
        } else if u < MILLISECOND {
            ("\u{b5}s", MICROSECOND)
        } else {
            ("ms", MILLISECOND)
        };
        format!("{}{unit}", fraction(u, div))
    } else {
        let hours = u / HOUR;
        let minutes = (u % HOUR) / MINUTE;
        let secs = fraction(u % MINUTE, SECOND);
        match (hours, minutes) {
            (0, 0) => format!("{secs}s"),
            (0, m) => format!("{m}m{secs}s"),
            (h, m) => format!("{h}h{m}m{secs}s"),
        }
    };
    if neg { format!("-{body}") } else { body }
}

/// `n / div` with the remainder as a trimmed decimal fraction.
fn fraction(n: u64, div: u64) -> String {
    let whole = n / div;
    let rem = n % div;
    if rem == 0 {
        return whole.to_string();
    }
    let width = div.ilog10() as usize;
    let frac = format!("{rem:0width$}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> i64 {
        parse_duration(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .num_nanoseconds()
            .unwrap_or(i64::MAX)
    }

    fn err(s: &str) -> String {
        match parse_duration(s) {
            Ok(d) => panic!("{s} parsed as {d:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn accepts_go_forms() {
        assert_eq!(ns("0"), 0);
        assert_eq!(ns("+0"), 0);
        assert_eq!(ns("-0"), 0);
        assert_eq!(ns("5s"), 5_000_000_000);
        assert_eq!(ns("30s"), 30_000_000_000);
        assert_eq!(ns("1m"), 60_000_000_000);
        assert_eq!(ns("1.5h"), 5_400_000_000_000);
        assert_eq!(ns("1h30m"), 5_400_000_000_000);
        assert_eq!(ns("-2m"), -120_000_000_000);
        assert_eq!(ns("300ms"), 300_000_000);
        assert_eq!(ns("1us"), 1_000);
        assert_eq!(ns("1\u{b5}s"), 1_000);
        assert_eq!(ns("1\u{3bc}s"), 1_000);
        assert_eq!(ns("10ns"), 10);
        assert_eq!(ns(".5s"), 500_000_000);
        assert_eq!(ns("5.s"), 5_000_000_000);
        assert_eq!(ns("1h1m1s1ms1us1ns"), 3_661_001_001_001);
        assert_eq!(ns("0.3333333333333333333h"), 1_200_000_000_000);
        assert_eq!(ns("9223372036854775807ns"), i64::MAX);
        assert_eq!(ns("-9223372036854775808ns"), i64::MIN);
    }

    #[test]
    fn rejects_with_go_texts() {
        assert_eq!(err(""), r#"time: invalid duration """#);
        assert_eq!(err("30"), r#"time: missing unit in duration "30""#);
        assert_eq!(err("??"), r#"time: invalid duration "??""#);
        assert_eq!(
            err("60s-typo"),
            r#"time: unknown unit "s-typo" in duration "60s-typo""#
        );
        assert_eq!(err("1d"), r#"time: unknown unit "d" in duration "1d""#);
        assert_eq!(err("."), r#"time: invalid duration ".""#);
        assert_eq!(err("-"), r#"time: invalid duration "-""#);
        assert_eq!(err("s"), r#"time: invalid duration "s""#);
        assert_eq!(
            err("9223372036854775808ns"),
            r#"time: invalid duration "9223372036854775808ns""#
        );
        assert_eq!(err("3000000h"), r#"time: invalid duration "3000000h""#);
        assert_eq!(
            err("1é"),
            r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#
        );
    }

    #[test]
    fn formats_like_go() {
        let f = |s: &str| format_duration(parse_duration(s).unwrap_or_default());
        assert_eq!(f("0"), "0s");
        assert_eq!(f("90m"), "1h30m0s");
        assert_eq!(f("1.5s"), "1.5s");
        assert_eq!(f("300ms"), "300ms");
        assert_eq!(f("5m"), "5m0s");
        assert_eq!(f("-2s"), "-2s");
        assert_eq!(f("1500ns"), "1.5\u{b5}s");
    }
}
