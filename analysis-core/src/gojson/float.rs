//! Go's float formatting without `format!`: every measurement's `value` holds floats, and
//! `format!("{f}")` plus a `String` per number was the largest cost of replaying a recording.
//!
//! The shortest round-trip digits come from serde_json's float writer: the same digits
//! `format!` chooses (shortest, then closest) except on an exact tie between two closest
//! candidates, where the two may round differently. A tie needs two n-digit decimals half a
//! last-place unit either side of the float to both read back as it, so that unit is at most
//! the float's ulp, which is at most 2^-52 of its value: n >= 16. Such outputs are checked
//! for an exact tie ([`Decimal::is_tie`]); ties and subnormals (fewer bits) go through
//! `format!`. Only where the decimal point and exponent go is decided here. The tests hold
//! both formats to the `format!`-based originals.

use std::fmt::Write as _;

/// Shortest outputs this long may be a rounding tie (see the module docs).
const TIE_DIGITS: usize = 16;

/// The largest magnitude below which every integral float is printed exactly as its integer.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53

/// A finite non-zero float's shortest digits: `0.d1d2...dn × 10^point`.
struct Decimal {
    negative: bool,
    digits: [u8; 24],
    len: usize,
    point: i32,
}

impl Decimal {
    /// `None` for subnormals, possible ties, and anything unexpected from serde_json: the
    /// caller then falls back to `format!`.
    fn of(f: f64) -> Option<Decimal> {
        if !f.is_normal() {
            return None;
        }
        let mut buf = [0u8; 32];
        let written = {
            let mut w = &mut buf[..];
            serde_json::to_writer(&mut w, &f).ok()?;
            32 - w.len()
        };
        let text = buf.get(..written)?;
        let (negative, text) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let (mantissa, exp) = match text.iter().position(|b| *b == b'e') {
            Some(e) => {
                let exp = std::str::from_utf8(text.get(e + 1..)?).ok()?;
                (text.get(..e)?, exp.parse::<i32>().ok()?)
            }
            None => (text, 0),
        };
        let mut d = Decimal {
            negative,
            digits: [0; 24],
            len: 0,
            point: 0,
        };
        let mut seen_point = false;
        for &b in mantissa {
            match b {
                b'.' => seen_point = true,
                b'0'..=b'9' => {
                    if !seen_point {
                        d.point += 1;
                    }
                    if b == b'0' && d.len == 0 {
                        // A leading zero: the number is below one.
                        d.point -= 1;
                        continue;
                    }
                    *d.digits.get_mut(d.len)? = b;
                    d.len += 1;
                }
                _ => return None,
            }
        }
        while d.len > 0 && d.digits.get(d.len - 1) == Some(&b'0') {
            d.len -= 1;
        }
        if d.len == 0 || (d.len >= TIE_DIGITS && d.is_tie(f)) {
            return None;
        }
        d.point += exp;
        Some(d)
    }

    /// Whether `f` (normal) is exactly halfway between these digits `D` and a neighbour one
    /// last-place unit away: `mant · 2^exp == (10·D ± 5) · 10^q`. Both sides' odd parts and
    /// powers of two must match; with `10·D ± 5` odd and above 2^53 (16+ digits), that leaves
    /// only `exp == q < 0` and `mant · 5^-q == 10·D ± 5`.
    fn is_tie(&self, f: f64) -> bool {
        let bits = f.to_bits();
        let mut mant = (bits & ((1 << 52) - 1)) | (1 << 52);
        let mut exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
        let zeros = mant.trailing_zeros();
        mant >>= zeros;
        exp += zeros as i32;
        let q = self.point - self.len as i32 - 1;
        if exp != q || !(-27..0).contains(&q) {
            // 5^28 > 10^19 > 10·D + 5: no odd mantissa reaches it.
            return false;
        }
        let d = self
            .digits()
            .bytes()
            .fold(0u128, |d, b| d * 10 + u128::from(b - b'0'));
        let lhs = u128::from(mant) * 5u128.pow(q.unsigned_abs());
        lhs == d * 10 + 5 || lhs + 5 == d * 10
    }

    fn digits(&self) -> &str {
        std::str::from_utf8(self.digits.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }

    /// Plain notation (Go's `'f'` with precision -1).
    fn write_plain(&self, out: &mut String) {
        if self.negative {
            out.push('-');
        }
        let digits = self.digits();
        let len = self.len as i32;
        if self.point <= 0 {
            out.push_str("0.");
            push_zeros(out, -self.point);
            out.push_str(digits);
        } else if self.point >= len {
            out.push_str(digits);
            push_zeros(out, self.point - len);
        } else {
            let (int, frac) = digits.split_at(self.point as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    }

    /// Exponent notation as Go's `encoding/json` leaves it: `1e+21`, `1.5e-7`, `1e-10`.
    fn write_exponent(&self, out: &mut String) {
        if self.negative {
            out.push('-');
        }
        let digits = self.digits();
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let exp = self.point - 1;
        let _ = if exp < 0 {
            write!(out, "e{exp}")
        } else {
            write!(out, "e+{exp:02}")
        };
    }
}

fn push_zeros(out: &mut String, n: i32) {
    for _ in 0..n {
        out.push('0');
    }
}

/// An integral float small enough to print as its integer; `-0` is not one (Go keeps its sign).
fn small_integer(f: f64) -> Option<i64> {
    (f.trunc() == f && f.abs() < EXACT_INTEGERS && f != 0.0).then_some(f as i64)
}

/// Appends `f` as Go's `encoding/json` writes a float64 (non-finite as `NaN`, `+Inf`, `-Inf`).
pub fn write_float(out: &mut String, f: f64) {
    if write_without_digits(out, f) {
        return;
    }
    match Decimal::of(f) {
        Some(d) if !(1e-6..1e21).contains(&f.abs()) => d.write_exponent(out),
        Some(d) => d.write_plain(out),
        None => out.push_str(&super::format_float_slow(f)),
    }
}

/// Appends `f` in plain notation with the shortest round-trip digits (Go's
/// `strconv.FormatFloat(f, 'f', -1, 64)`, Prometheus' `SampleValue.String()`): never an
/// exponent; `NaN`, `+Inf`, `-Inf`.
pub fn write_plain_float(out: &mut String, f: f64) {
    if write_without_digits(out, f) {
        return;
    }
    match Decimal::of(f) {
        Some(d) => d.write_plain(out),
        None => {
            let _ = write!(out, "{f}");
        }
    }
}

/// Writes what both notations print alike (non-finite values, integers, zeros) and says
/// whether it did; other floats need their shortest digits.
fn write_without_digits(out: &mut String, f: f64) -> bool {
    if let Some(special) = non_finite(f) {
        out.push_str(special);
    } else if let Some(i) = small_integer(f) {
        out.push_str(itoa::Buffer::new().format(i));
    } else if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0" } else { "0" });
    } else {
        return false;
    }
    true
}

fn non_finite(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f == f64::INFINITY {
        Some("+Inf")
    } else if f == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_reference(f: f64) -> String {
        if f.is_nan() {
            "NaN".into()
        } else if f.is_infinite() {
            if f > 0.0 { "+Inf" } else { "-Inf" }.into()
        } else {
            format!("{f}")
        }
    }

    fn json(f: f64) -> String {
        let mut s = String::new();
        write_float(&mut s, f);
        s
    }

    fn plain(f: f64) -> String {
        let mut s = String::new();
        write_plain_float(&mut s, f);
        s
    }

    fn check(f: f64) {
        assert_eq!(json(f), super::super::format_float_slow(f), "{f:e}");
        assert_eq!(plain(f), plain_reference(f), "{f:e}");
    }

    #[test]
    fn edges_match_the_format_based_originals() {
        let mut cases = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.95,
            9950.0,
            1e-6,
            0.999_999_9e-6,
            1e-7,
            1.5e-7,
            1e-10,
            1e-100,
            1e21,
            0.999_999_999_999_999_9e21,
            1e20,
            123_456_789.0,
            EXACT_INTEGERS,
            EXACT_INTEGERS - 1.0,
            EXACT_INTEGERS + 2.0,
            1_152_921_504_606_846_976.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            f64::EPSILON,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1704068400.123,
            // Exact ties between two 16-digit candidates (rounded to even by serde_json).
            90_863_654_963_594.0 + 0.625,
            90_845_715_233_323.0 + 0.125,
            0.300_000_000_000_000_04,
        ];
        // Exact midpoints between two large doubles with many trailing zeros: short decimals on
        // a rounding boundary (an even mantissa includes it).
        for e in 54..=120u32 {
            for a in 1..=12u32 {
                for c in [1u128, 3, 7, 9, 11, 13, 17, 19, 21, 23] {
                    let mid = (c * 5u128.pow(a)) << (e - 53);
                    let scale = (1u128 << e) / mid.max(1);
                    let mid = mid * (scale | 1);
                    if let Ok(f) = mid.to_string().parse::<f64>() {
                        cases.push(f);
                        cases.push(f64::from_bits(f.to_bits() + 1));
                        cases.push(f64::from_bits(f.to_bits() - 1));
                    }
                }
            }
        }
        for k in 0..2000u32 {
            // Values with short exact binary fractions at 16-17 significant digits.
            let base = 70_368_744_177_664.0 + f64::from(k) * 1_048_577.0;
            cases.extend([base + 0.125, base + 0.375, base + 0.625, base + 0.875]);
        }
        for e in -330..310 {
            let p: f64 = format!("1e{e}").parse().unwrap_or(0.0);
            cases.extend([p, -p, p * 1.5, p * 9.999, p * 3.0, p / 3.0]);
        }
        for f in cases {
            check(f);
        }
    }

    #[test]
    fn exact_ties_are_found() {
        for f in [90_863_654_963_594.0 + 0.625, 90_845_715_233_323.0 + 0.125] {
            assert!(Decimal::of(f).is_none(), "{f}: a tie");
        }
        for f in [0.300_000_000_000_000_04, 0.9501000000000001, 1704068400.123] {
            assert!(Decimal::of(f).is_some(), "{f}: no tie");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bits_match_the_format_based_originals(bits in proptest::prelude::any::<u64>()) {
            check(f64::from_bits(bits));
        }

        /// Up to 15 significant digits at every exponent: the fast path's territory.
        #[test]
        fn short_decimals_match(m in 1u64..1_000_000_000_000_000, e in -340i32..320, neg: bool) {
            let f: f64 = format!("{}{m}e{e}", if neg { "-" } else { "" }).parse().unwrap_or(0.0);
            check(f);
        }

        #[test]
        fn usual_measurements_match(v in -1e7f64..1e7, scale in 0u32..6) {
            let v = (v * 10f64.powi(scale as i32)).round() / 10f64.powi(scale as i32);
            check(v);
        }
    }
}
