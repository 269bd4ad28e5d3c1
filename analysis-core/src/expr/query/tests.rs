use chrono::DateTime;

use crate::expr::{CmpOp, Comparison, Env, Program, Reading, Type, compile};
use crate::value::Value;

fn program(src: &str, result: Type) -> Program {
    compile(src, &Env::condition(result)).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn vector(src: &str) -> Program {
    program(src, Type::floats())
}

/// `(operand, op, threshold, reading, negated)` of each comparison.
fn shapes(p: &Program) -> Vec<(String, &'static str, f64, Reading, bool)> {
    p.comparisons()
        .into_iter()
        .map(|c| (c.operand, c.op.symbol(), c.threshold, c.reading, c.negated))
        .collect()
}

fn one(src: &str, result: Type) -> (String, &'static str, f64, Reading, bool) {
    let p = program(src, result);
    let mut all = shapes(&p);
    assert_eq!(all.len(), 1, "{src}: {all:?}");
    all.remove(0)
}

fn value(operand: &str, op: &'static str, t: f64) -> (String, &'static str, f64, Reading, bool) {
    (operand.to_string(), op, t, Reading::Value, false)
}

#[test]
fn a_plain_comparison_and_its_flipped_form() {
    let p = vector("result[0] >= 0.95");
    assert_eq!(
        p.comparisons(),
        [Comparison {
            operand: "result[0]".into(),
            reading: Reading::Value,
            op: CmpOp::Ge,
            threshold: 0.95,
            negated: false,
            span: 0..17,
        }]
    );
    assert_eq!(
        one("0.95 <= result[0]", Type::floats()),
        value("result[0]", ">=", 0.95)
    );
    assert_eq!(
        one("10 > result[0]", Type::floats()),
        value("result[0]", "<", 10.0)
    );
    assert_eq!(
        one("result[0] > -1", Type::floats()),
        value("result[0]", ">", -1.0)
    );
    assert_eq!(
        one("result[0] < 0.9 + 0.05", Type::floats()),
        value("result[0]", "<", 0.9 + 0.05)
    );
    assert_eq!(
        one("result[-1] == 1", Type::floats()),
        value("result[-1]", "==", 1.0)
    );
}

#[test]
fn comparisons_under_guards_logic_and_negation() {
    let guarded = vector("len(result) > 0 && result[0] >= 0.95");
    assert_eq!(
        shapes(&guarded),
        [
            ("len(result)".to_string(), ">", 0.0, Reading::Length, false),
            value("result[0]", ">=", 0.95),
        ]
    );
    let either = vector("len(result) == 0 || result[0] >= 0.95");
    assert_eq!(shapes(&either)[1], value("result[0]", ">=", 0.95));
    assert_eq!(
        one("!(result[0] < 0.5)", Type::floats()),
        ("result[0]".to_string(), "<", 0.5, Reading::Value, true)
    );
    assert_eq!(
        one("not (0.5 > result[0])", Type::floats()),
        ("result[0]".to_string(), "<", 0.5, Reading::Value, true)
    );
    let both = vector("result[0] > 1 && result[1] > 2");
    let t: Vec<f64> = both.comparisons().iter().map(|c| c.threshold).collect();
    assert_eq!(t, [1.0, 2.0]);
    let ternary = vector("len(result) > 0 ? result[0] > 0.9 : true");
    assert_eq!(shapes(&ternary)[1], value("result[0]", ">", 0.9));
}

#[test]
fn comparisons_inside_closures_read_elements() {
    let element = |op, t| ("#".to_string(), op, t, Reading::Element, false);
    assert_eq!(
        one("all(result, {# >= 0.9})", Type::floats()),
        element(">=", 0.9)
    );
    assert_eq!(
        one("all(result, # < 1000)", Type::floats()),
        element("<", 1000.0)
    );
    assert_eq!(
        one(
            "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
            Type::Map
        ),
        (
            "asFloat(.value)".to_string(),
            ">=",
            9900.0,
            Reading::Element,
            false
        )
    );
    assert_eq!(
        one("none(result, {# > 5})", Type::floats()),
        ("#".to_string(), ">", 5.0, Reading::Element, true)
    );
    let counted = vector("count(result, {# > 0.9}) >= 3");
    assert_eq!(
        shapes(&counted),
        [
            (
                "count(result, ...)".to_string(),
                ">=",
                3.0,
                Reading::Length,
                false
            ),
            element(">", 0.9),
        ]
    );
}

#[test]
fn operands_say_what_they_read() {
    assert_eq!(
        one("result.data.successPercent >= 0.9", Type::Map),
        value("result.data.successPercent", ">=", 0.9)
    );
    assert_eq!(
        one("result[\"a b\"] >= 1", Type::Map),
        value("result[\"a b\"]", ">=", 1.0)
    );
    assert_eq!(
        one("default(result, 0) < 5", Type::Unknown),
        value("default(result, 0)", "<", 5.0)
    );
    assert_eq!(
        one("asInt(result) > 0", Type::Unknown),
        value("asInt(result)", ">", 0.0)
    );
    assert_eq!(
        one("let r = result[0]; r > 0.5", Type::floats()),
        value("result[0]", ">", 0.5)
    );
    assert_eq!(
        one("result[0] * 100 >= 95", Type::floats()),
        (
            "result[0] * 100".to_string(),
            ">=",
            95.0,
            Reading::Derived,
            false
        )
    );
    assert_eq!(
        one("max(result) < 0.05", Type::floats()).3,
        Reading::Derived
    );
}

#[test]
fn what_is_not_a_comparison_against_a_number() {
    for (src, ty) in [
        ("result == \"ok\"", Type::Unknown),
        ("result[0] < 0.5 * result[1]", Type::floats()),
        ("result[0] < result[1]", Type::floats()),
        ("1 < 2", Type::floats()),
        ("true", Type::floats()),
        ("isNaN(result[0])", Type::floats()),
        ("all([1, 2], {# > 0})", Type::floats()),
        ("result.ok", Type::Map),
    ] {
        assert_eq!(shapes(&program(src, ty)), [], "{src}");
    }
}

fn unguarded(src: &str) -> Vec<(i64, &str)> {
    vector(src)
        .unguarded_indexes()
        .into_iter()
        .map(|i| (i.index, src.get(i.span).unwrap_or("?")))
        .collect()
}

#[test]
fn unguarded_indexes() {
    for (src, want) in [
        ("result[0] >= 0.95", vec![(0, "result[0]")]),
        ("0.95 <= result[-1]", vec![(-1, "result[-1]")]),
        (
            "result[0] > 1 && result[1] > 2",
            vec![(0, "result[0]"), (1, "result[1]")],
        ),
        ("result?.[0] > 1", vec![(0, "result?.[0]")]),
        ("(result[0] ?? 0) > 1", vec![(0, "result[0]")]),
        ("isNil(result) || result[0] > 1", vec![(0, "result[0]")]),
        (
            "all(result, {# > 0}) && result[0] > 1",
            vec![(0, "result[0]")],
        ),
        ("len(result) > 0 || result[0] > 1", vec![(0, "result[0]")]),
        ("len(result) > 0 && result[1] > 1", vec![(1, "result[1]")]),
        ("len(result) == 0 && result[0] > 1", vec![(0, "result[0]")]),
        ("let r = result; r[0] > 1", vec![(0, "r[0]")]),
        ("len(result[0:1]) > 0", vec![]),
        (
            "len(result) > 0 && result[0] > 1 || result[0] < 0",
            vec![(0, "result[0]")],
        ),
    ] {
        assert_eq!(unguarded(src), want, "{src}");
    }
}

#[test]
fn guards_make_indexes_safe() {
    for src in [
        "len(result) > 0 && result[0] >= 0.95",
        "len(result) >= 1 && result[0] >= 0.95",
        "len(result) != 0 && result[0] >= 0.95",
        "0 < len(result) && result[0] >= 0.95",
        "len(result) == 0 || result[0] >= 0.95",
        "len(result) < 1 || result[0] >= 0.95",
        "!(len(result) == 0) && result[0] >= 0.95",
        "not (len(result) > 0) or result[0] >= 0.95",
        "len(result) > 1 && result[1] > result[0]",
        "len(result) == 2 && result[-2] > 0",
        "len(result) > 0 && len(result) < 10 && result[0] > 1",
        "len(result) > 0 ? result[0] > 1 : false",
        "len(result) == 0 ? true : result[0] > 1",
        "any(result, {# > 1}) && result[0] > 1",
        "count(result, {# > 1}) > 0 && result[0] > 1",
        "all(result, {# >= result[0]})",
        "all(result, # < 1000)",
        "default(result, 0) < 5",
    ] {
        assert_eq!(unguarded(src), [], "{src}");
    }
}

/// The promise behind the guard model: an index it calls guarded never fails on an empty or
/// short vector, and each guard listed is one the evaluator honours.
#[test]
fn guarded_indexes_never_fail_on_short_vectors() {
    let sources = [
        "len(result) > 0 && result[0] >= 0.95",
        "len(result) == 0 || result[0] >= 0.95",
        "len(result) > 1 && result[1] > result[0]",
        "len(result) == 0 ? true : result[0] > 1",
        "any(result, {# > 0}) && result[0] > 1",
        "count(result, {# > 0}) > 0 && result[0] > 1",
        "all(result, {# >= result[0]})",
        "result[0] >= 0.95",
        "result?.[0] > 1",
        "(result[0] ?? 0) > 1",
        "isNil(result) || result[0] > 1",
    ];
    let now = DateTime::UNIX_EPOCH;
    for src in sources {
        let p = vector(src);
        let guarded = p.unguarded_indexes().is_empty();
        for short in [vec![], vec![2.0]] {
            let r = p.run(&Value::from(short.clone()), now);
            let out_of_range =
                matches!(&r, Err(e) if e.message().starts_with("index out of range"));
            if guarded {
                assert!(!out_of_range, "{src} on {short:?}: {r:?}");
            }
        }
        if !guarded {
            let r = p.run(&Value::from(Vec::<f64>::new()), now);
            assert!(r.is_err(), "{src} is called unguarded but ran: {r:?}");
        }
    }
}

/// Every type error that names `[]float64` says so in its types too, and no other does: lint's
/// "vector where a scalar belongs" hint can ask the error instead of reading it.
#[test]
fn type_errors_name_the_refused_types() {
    let floats = Type::floats();
    for src in [
        "result >= 0.95",
        "0.95 <= result",
        "result == \"x\"",
        "result + 1 > 2",
        "-result > 1",
        "!result",
        "result",
        "result && true",
        "isNaN(result)",
        "asFloat(result) > 1 && isInf(result)",
        "abs(result) > 1",
        "ceil(result) > 1",
        "result.x > 1",
        "result[\"x\"] > 1",
        "result ? 1 : 2",
        "1 in result && result in [1]",
        "upper(result) == \"A\"",
        "all(result, {#})",
        "sortBy(result, #, 1) == result",
        "first(result) > take(result, \"a\")",
        "result[0:\"a\"] == result",
        "get(result, \"a\") > 1",
        "len(result[0]) > 0",
        "result[0] == \"x\"",
        "results[0] >= 0.95",
        "result[0] >=",
        "len(result, 1) > 0",
        "result[0].x > 1",
        "int(result) > 1",
        "result in result",
        "keys(result) == []",
        "toPairs(result) == []",
    ] {
        let checked =
            compile(src, &Env::condition(floats.clone())).and_then(|p| p.check_bool_output());
        let Err(e) = checked else {
            panic!("{src} compiled");
        };
        let named = e.to_string().contains("[]float64");
        let typed = e.mismatch().is_some_and(|m| m.found().contains(&&floats));
        assert_eq!(named, typed, "{src}: {e} ({:?})", e.mismatch());
    }
}
