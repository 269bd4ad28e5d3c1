//! Robustness: arbitrary text and grammar-generated expressions never panic or overflow the
//! stack, whatever the result they run against.

use proptest::prelude::*;
use serde_json::json;

use super::{j, now};
use crate::expr::*;

fn results() -> Vec<Value> {
    vec![
        Value::Nil,
        Value::Float(0.5),
        Value::Float(f64::NAN),
        Value::from("9950"),
        Value::Bool(true),
        Value::from(vec![0.93, 1.0]),
        Value::floats(Vec::<f64>::new()),
        j(json!({"a": {"b": [1, "x", null]}, "value": "1.5", "ok": true})),
        j(json!([{"value": "9950"}, {"value": 3}, null, []])),
    ]
}

fn exercise(src: &str) {
    for r in results() {
        if let Ok(p) = compile(src, &Env::condition(Type::of(&r))) {
            let _ = p.run(&r, now());
            let _ = p.run_explained(&r, now());
        }
    }
    let _ = eval_time(src, now());
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("result".to_string()),
        Just("#".to_string()),
        Just(".value".to_string()),
        Just("#index".to_string()),
        Just("nil".to_string()),
        Just("true".to_string()),
        Just("'9950'".to_string()),
        Just("[1, 2.5, 'a']".to_string()),
        Just("{'a': 1}".to_string()),
        Just("now()".to_string()),
        Just("duration('1m')".to_string()),
        (-1000i64..1000).prop_map(|i| i.to_string()),
        (-1e6f64..1e6).prop_map(|f| format!("{f:?}")),
        "[a-z]{1,6}",
    ]
}

const BINARY: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "%",
    "**",
    "==",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "&&",
    "||",
    "in",
    "not in",
    "contains",
    "startsWith",
    "matches",
    "..",
    "??",
    "|",
];
const FUNCS: &[&str] = &[
    "len", "abs", "int", "float", "string", "asFloat", "asInt", "isNaN", "isNil", "default", "max",
    "min", "mean", "upper", "first", "last", "keys", "reverse", "sort", "toJSON", "fromJSON",
    "type", "split", "repeat", "get", "take", "flatten",
];
const PREDICATES: &[&str] = &[
    "all",
    "any",
    "none",
    "one",
    "filter",
    "map",
    "count",
    "sum",
    "find",
    "findIndex",
    "groupBy",
    "sortBy",
    "reduce",
];

fn expr() -> impl Strategy<Value = String> {
    atom().prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            (inner.clone(), 0..BINARY.len(), inner.clone())
                .prop_map(|(l, op, r)| format!("({l} {} {r})", BINARY[op])),
            (0..FUNCS.len(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, args)| format!("{}({})", FUNCS[f], args.join(", "))),
            (0..PREDICATES.len(), inner.clone(), inner.clone())
                .prop_map(|(f, c, b)| format!("{}({c}, {{{b}}})", PREDICATES[f])),
            (inner.clone(), inner.clone()).prop_map(|(b, i)| format!("{b}[{i}]")),
            (inner.clone(), "[a-z]{1,5}").prop_map(|(b, f)| format!("{b}?.{f}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("{c} ? {a} : {b}")),
            (inner.clone(), inner.clone()).prop_map(|(v, b)| format!("let x = {v}; {b}")),
            inner.clone().prop_map(|e| format!("!{e}")),
            inner.prop_map(|e| format!("-{e}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_text_never_panics(src in "\\PC{0,40}") {
        exercise(&src);
    }

    #[test]
    fn random_operator_soup_never_panics(src in "[-+*/%()\\[\\]{}#.?:!<>=&|,;'\"` a-z0-9]{0,40}") {
        exercise(&src);
    }

    #[test]
    fn generated_expressions_never_panic(src in expr()) {
        exercise(&src);
    }
}

#[test]
fn hostile_shapes_error_cleanly() {
    for src in [
        "(".repeat(100_000),
        "[".repeat(100_000),
        "{".repeat(100_000),
        "-".repeat(100_000) + "1",
        "!".repeat(100_000) + "true",
        "1".to_string() + &"+1".repeat(50_000),
        "a".to_string() + &".b".repeat(50_000),
        "a".to_string() + &"[0]".repeat(50_000),
        "all(x, ".repeat(10_000),
        "let x = 1; ".repeat(10_000) + "x",
        "1 ? ".repeat(10_000) + "1",
        "f(".repeat(10_000),
    ] {
        exercise(&src);
    }
    // Runs that would allocate without bound are refused.
    let big = compile("len(1..100000000) > 0", &Env::condition(Type::Nil)).unwrap();
    assert!(big.run(&Value::Nil, now()).is_err());
    let rep = compile("len(repeat('x', 1000000)) > 0", &Env::condition(Type::Nil)).unwrap();
    assert!(rep.run(&Value::Nil, now()).is_ok());
}
