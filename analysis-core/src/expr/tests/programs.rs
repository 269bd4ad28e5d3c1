//! Whole programs: time arithmetic, explanations, reuse across threads, constant folding.

use chrono::{TimeZone, Utc};

use super::*;

#[test]
fn time_arithmetic_and_eval_time() {
    let t = eval_time("now() - duration('5m')", now()).unwrap();
    assert_eq!(t, now() - chrono::TimeDelta::minutes(5));
    let t = eval_time(
        r#"date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC") - duration("1h")"#,
        now(),
    )
    .unwrap();
    assert_eq!(t, Utc.with_ymd_and_hms(2023, 8, 13, 23, 0, 0).unwrap());
    assert_eq!(
        eval_time("hello", now()).unwrap_err().to_string(),
        "unknown name hello"
    );
    assert!(eval_time("now() -- ?", now()).is_err());
    assert_eq!(
        eval_time("1", now()).unwrap_err().to_string(),
        "expected time.Time, but got int"
    );
    assert_eq!(
        eval_time("now() - duration('5x')", now())
            .unwrap_err()
            .to_string(),
        r#"time: unknown unit "x" in duration "5x""#
    );
    let n = Value::Nil;
    is_true("now() > now() - duration('1h')", &n);
    is_true("now() - (now() - duration('90s')) == duration('1m30s')", &n);
    is_true("duration('1h') > duration('59m')", &n);
    is_true("duration('1m') * 2 == duration('2m')", &n);
    is_true("now() + duration('1h') > now()", &n);
    is_true("date('2024-01-02') < date('2024-01-03')", &n);
    fails(
        "now() + 1 > now()",
        &n,
        "invalid operation: + (mismatched types time.Time and int)",
    );
    assert!(eval_time("result", now()).is_err());
    assert!(eval_time("isNaN(1.0) ? now() : now()", now()).is_ok());
}

#[test]
fn explanations_substitute_operands() {
    let r = floats(&[0.93]);
    let p = compile("result[0] >= 0.95", &Env::condition(Type::of(&r))).unwrap();
    let (v, steps) = p.run_explained(&r, now());
    assert_eq!(v, Ok(Value::Bool(false)));
    let pairs: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s.expr.as_str(), s.value.as_str()))
        .collect();
    assert_eq!(pairs, [("result[0]", "0.93"), ("0.93 >= 0.95", "false")]);
}

#[test]
fn explanations_of_closures_are_bounded_and_name_the_deciding_element() {
    let mut vals = vec!["9950"; 100];
    vals[42] = "9850";
    let r = apdex(&vals);
    let src = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})";
    let p = compile(src, &Env::condition(Type::of(&r))).unwrap();
    let (v, steps) = p.run_explained(&r, now());
    assert_eq!(v, Ok(Value::Bool(false)));
    assert!(steps.len() < 10, "{steps:?}");
    assert!(
        steps
            .iter()
            .any(|s| s.expr == "9850 >= 9900" && s.value == "false")
    );
    let last = steps.last().unwrap();
    assert!(
        last.expr
            .contains("decided by result.service_apdex.values.values[42]"),
        "{}",
        last.expr
    );
    assert_eq!(last.value, "false");
}

#[test]
fn programs_are_reusable_and_thread_safe() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Program>();
    let p = compile("result[0] >= 0.95", &Env::condition(Type::floats())).unwrap();
    for (v, want) in [(0.97, true), (0.5, false), (0.95, true)] {
        assert_eq!(p.run_condition(&floats(&[v]), now()), Ok(want));
    }
    assert_eq!(p.source(), "result[0] >= 0.95");
}

#[test]
fn constants_are_folded() {
    let p = compile("1 + 2 * 3 == 7", &Env::condition(Type::Nil)).unwrap();
    assert!(matches!(p.ir, Ir::Const(Value::Bool(true))));
    let p = compile("now() > now()", &Env::condition(Type::Nil)).unwrap();
    assert!(!matches!(p.ir, Ir::Const(_)));
}
