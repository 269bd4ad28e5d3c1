//! The step budget: a condition that burns CPU without allocating is stopped with a clear
//! error, a budget smaller than a condition needs stops it, and real conditions never notice.

use super::*;
use crate::evaluate::Conditions;
use crate::model::Phase;

/// Found by fuzzing (issue 10, item 17): ~14 s of CPU before the budget, no allocation.
const SCAN_LOOP: &str = r#"let s = repeat("a", 490000); all(1..490000, {!(s contains "b")})"#;

#[test]
fn a_scan_in_a_loop_is_stopped_by_the_default_budget() {
    let e = cond(SCAN_LOOP, &Value::Nil).unwrap_err();
    assert!(e.contains("step budget exceeded"), "{e}");
    assert!(e.contains("--eval-step-budget"), "{e}");
}

#[test]
fn the_engine_reports_it_as_an_error_measurement() {
    let mut c = Conditions::new(Some(SCAN_LOOP), None);
    let e = c.evaluate(&j(json!([1.0])), now());
    assert_eq!(e.phase, Phase::Error, "{}", e.message);
    assert!(e.message.contains("step budget exceeded"), "{}", e.message);
}

#[test]
fn a_budget_smaller_than_needed_errors_and_a_large_enough_one_does_not() {
    let result = j(json!([0.99, 0.98, 0.97, 0.96]));
    let p = compile(
        "all(1..100, {# > 0}) && all(result, {# >= 0.95})",
        &Env::condition(Type::of(&result)),
    )
    .unwrap();
    let small = p.run_with_step_budget(&result, now(), 50).unwrap_err();
    assert!(small.to_string().contains("more than 50 steps"), "{small}");
    let enough = p.run_with_step_budget(&result, now(), 1_000).unwrap();
    assert_eq!(enough, Value::Bool(true));
}

#[test]
fn long_strings_are_charged_by_their_length() {
    // One comparison of two 64 KiB strings costs about 2,000 steps, not one.
    let p = compile(
        r#"let s = repeat("a", 65536); s + "" == s"#,
        &Env::condition(Type::Unknown),
    )
    .unwrap();
    assert!(p.run_with_step_budget(&Value::Nil, now(), 100).is_err());
    assert_eq!(
        p.run_with_step_budget(&Value::Nil, now(), 10_000).unwrap(),
        Value::Bool(true)
    );
}

#[test]
fn real_conditions_fit_the_default_budget_many_times_over() {
    let series: Vec<f64> = (0..100_000).map(|i| f64::from(i % 100) / 100.0).collect();
    let result = j(json!(series));
    for src in [
        "result[0] >= 0.95",
        "all(result, {# >= 0})",
        "len(filter(result, {# > 0.5})) < len(result)",
        "sum(map(result, {# * 2})) > 0",
    ] {
        assert!(cond(src, &result).is_ok(), "{src}");
    }
}
