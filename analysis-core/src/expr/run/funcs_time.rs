//! Time builtins: `now()` (the caller's clock, so replays are deterministic), `duration()`
//! (Go's `time.ParseDuration`), `date()` with Go reference layouts, `timezone()`.
//! Only UTC-equivalent zones are known here (`UTC`, `Local`, `""`); the engine runs in UTC.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use super::Cx;
use super::funcs::{arg, str_arg};
use crate::gostr::go_quote;
use crate::value::Value;

/// Runtime stand-in for a `*time.Location`: a string only `timezone()` can make.
const LOCATION_MARK: char = '\u{1}';

fn location(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => s.strip_prefix(LOCATION_MARK),
        _ => None,
    }
}

fn load_location(name: &str) -> Result<(), String> {
    match name {
        "" | "UTC" | "Local" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Zulu" => Ok(()),
        other => Err(format!("unknown time zone {other}")),
    }
}

pub(crate) fn call(name: &str, args: &[Cow<'_, Value>], cx: &Cx) -> Result<Value, String> {
    Ok(match name {
        "now" => {
            if args.len() > 1 || (args.len() == 1 && location(arg(args, 0)).is_none()) {
                return Err(format!(
                    "invalid number of arguments (expected 0, got {})",
                    args.len()
                ));
            }
            Value::Time(cx.now)
        }
        "duration" => {
            let d =
                crate::duration::parse_duration(str_arg(args, 0)?).map_err(|e| e.to_string())?;
            Value::Duration(d.num_nanoseconds().unwrap_or(i64::MAX))
        }
        "timezone" => {
            let n = str_arg(args, 0)?;
            load_location(n)?;
            Value::string(format!("{LOCATION_MARK}{n}"))
        }
        _ => {
            let args = match args.first().map(|a| location(a).is_some()) {
                Some(true) => args.get(1..).unwrap_or(&[]),
                _ => args,
            };
            let s = str_arg(args, 0)?;
            match args.len() {
                2 | 3 => {
                    if args.len() == 3 {
                        load_location(str_arg(args, 2)?)?;
                    }
                    Value::Time(parse_layout(s, str_arg(args, 1)?)?)
                }
                _ => {
                    const LAYOUTS: [&str; 7] = [
                        "2006-01-02",
                        "15:04:05",
                        "2006-01-02 15:04:05",
                        "2006-01-02T15:04:05Z07:00",
                        "02 Jan 06 15:04 MST",
                        "Monday, 02-Jan-06 15:04:05 MST",
                        "Mon, 02 Jan 2006 15:04:05 MST",
                    ];
                    match LAYOUTS.iter().find_map(|l| parse_layout(s, l).ok()) {
                        Some(t) => Value::Time(t),
                        None => return Err(format!("invalid date {s}")),
                    }
                }
            }
        }
    })
}

/// Go reference-layout chunks and their chrono equivalents, longest first.
const CHUNKS: &[(&str, &str)] = &[
    ("January", "%B"),
    ("Monday", "%A"),
    ("Z07:00", "%:z"),
    ("-07:00", "%:z"),
    ("Z0700", "%z"),
    ("-0700", "%z"),
    ("2006", "%Y"),
    ("Jan", "%b"),
    ("Mon", "%a"),
    ("MST", "%Z"),
    ("002", "%j"),
    (".000000000", "%.f"),
    (".999999999", "%.f"),
    (".000000", "%.f"),
    (".999999", "%.f"),
    (".000", "%.f"),
    (".999", "%.f"),
    ("_2", "%e"),
    ("01", "%m"),
    ("02", "%d"),
    ("03", "%I"),
    ("04", "%M"),
    ("05", "%S"),
    ("06", "%y"),
    ("15", "%H"),
    ("PM", "%p"),
    ("pm", "%P"),
    ("1", "%m"),
    ("2", "%d"),
    ("3", "%I"),
    ("4", "%M"),
    ("5", "%S"),
];

fn translate(layout: &str) -> String {
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (go, chrono_fmt) in CHUNKS {
            if let Some(r) = rest.strip_prefix(go) {
                out.push_str(chrono_fmt);
                rest = r;
                continue 'outer;
            }
        }
        let Some(c) = rest.chars().next() else { break };
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Go's `time.Parse(layout, value)` for the layouts conditions use; zone names are read as UTC.
pub(crate) fn parse_layout(value: &str, layout: &str) -> Result<DateTime<Utc>, String> {
    let fmt = translate(layout);
    let value_fixed = if layout.contains("Z07") && value.ends_with('Z') {
        let mut v = value[..value.len() - 1].to_string();
        v.push_str(if layout.contains("Z07:00") {
            "+00:00"
        } else {
            "+0000"
        });
        v
    } else {
        value.to_string()
    };
    if let Ok(t) = DateTime::parse_from_str(&value_fixed, &fmt) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(&value_fixed, &fmt) {
        return Ok(t.and_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(&value_fixed, &fmt) {
        return Ok(d.and_time(NaiveTime::MIN).and_utc());
    }
    if let Ok(t) = NaiveTime::parse_from_str(&value_fixed, &fmt) {
        let day = NaiveDate::from_ymd_opt(0, 1, 1).unwrap_or_default();
        return Ok(day.and_time(t).and_utc());
    }
    Err(format!(
        "parsing time {} as {}: cannot parse {} as {}",
        go_quote(value),
        go_quote(layout),
        go_quote(value),
        go_quote(layout)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd_hms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, s))
            .map(|t| t.and_utc())
            .unwrap()
    }

    #[test]
    fn go_layouts() {
        assert_eq!(
            parse_layout("2023-08-14 00:00:00", "2006-01-02 15:04:05").unwrap(),
            ymd_hms(2023, 8, 14, 0, 0, 0)
        );
        assert_eq!(
            parse_layout("2023-08-14T10:00:00Z", "2006-01-02T15:04:05Z07:00").unwrap(),
            ymd_hms(2023, 8, 14, 10, 0, 0)
        );
        assert_eq!(
            parse_layout("2023-08-14T10:00:00+02:00", "2006-01-02T15:04:05Z07:00").unwrap(),
            ymd_hms(2023, 8, 14, 8, 0, 0)
        );
        assert_eq!(
            parse_layout("2023-08-14", "2006-01-02").unwrap(),
            ymd_hms(2023, 8, 14, 0, 0, 0)
        );
        assert!(parse_layout("nope", "2006-01-02").is_err());
    }
}
