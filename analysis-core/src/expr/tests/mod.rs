//! Conformance tests for the condition language: operators, typing, quirks, the real
//! templates' expressions (semantics §5.4) and the traps of §7/§8.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use super::*;

mod builtins;
mod parser;
mod props;

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 13, 7, 0).unwrap()
}

pub(crate) fn j(v: serde_json::Value) -> Value {
    Value::from_json(&v)
}

pub(crate) fn run(src: &str, result: &Value) -> Result<Value, String> {
    let p = compile(src, &Env::condition(Type::of(result))).map_err(|e| e.to_string())?;
    p.run(result, now()).map_err(|e| e.to_string())
}

pub(crate) fn cond(src: &str, result: &Value) -> Result<bool, String> {
    let p = compile(src, &Env::condition(Type::of(result))).map_err(|e| e.to_string())?;
    p.run_condition(result, now()).map_err(|e| e.to_string())
}

pub(crate) fn ok(src: &str, result: &Value) -> Value {
    match run(src, result) {
        Ok(v) => v,
        Err(e) => panic!("{src}: {e}"),
    }
}

pub(crate) fn is_true(src: &str, result: &Value) {
    assert_eq!(cond(src, result), Ok(true), "{src}");
}

pub(crate) fn is_false(src: &str, result: &Value) {
    assert_eq!(cond(src, result), Ok(false), "{src}");
}

pub(crate) fn fails(src: &str, result: &Value, msg: &str) {
    assert_eq!(cond(src, result), Err(msg.to_string()), "{src}");
}

fn compile_err(src: &str, result: &Value) -> ExprError {
    match compile(src, &Env::condition(Type::of(result))) {
        Ok(_) => panic!("{src} compiled"),
        Err(e) => e,
    }
}

fn floats(v: &[f64]) -> Value {
    Value::from(v.to_vec())
}

fn apdex(values: &[&str]) -> Value {
    let points: Vec<serde_json::Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"id": i.to_string(), "value": v}))
        .collect();
    j(json!({"service_apdex": {"label": null, "values": {"values": points}}}))
}

#[test]
fn real_template_expressions() {
    is_true("result[0] >= 0.95", &floats(&[0.97]));
    is_false("result[0] >= 0.95", &floats(&[0.93]));
    is_true("result[0] >= 10", &floats(&[10.0]));
    is_true("result == true", &Value::Bool(true));
    is_true("result == 'It worked!'", &Value::from("It worked!"));
    is_true("result.major == '1'", &j(json!({"major": "1"})));
    is_true("result.Status == 999", &j(json!({"Status": 999})));
    is_true(
        "result.ok && result.successPercent >= 0.90",
        &j(json!({"ok": true, "successPercent": 0.95})),
    );
    is_true("len(result) == 0 || result[0] >= 0.95", &floats(&[]));
    is_false("len(result) > 0 && result[0] >= 0.95", &floats(&[]));
    is_true("isNaN(result) || result >= 0.95", &Value::Float(f64::NAN));
    is_true("isInf(result)", &Value::Float(f64::NEG_INFINITY));
    is_true("default(result, 0) < 0.05", &Value::Nil);
    is_true("default(result, 0) < 0.05", &Value::Float(0.01));
    is_true("all(result, # < 1000)", &floats(&[1.0, 999.0]));
    is_true(
        "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
        &apdex(&["9950", "10000"]),
    );
    is_false(
        "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
        &apdex(&["9950", "9850"]),
    );
    is_true(
        "len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})",
        &j(json!([{"Values": [0.0, 0.01, 0.001, 0.0, 0.002]}])),
    );
    is_true("max(result) < 0.05", &floats(&[0.01, 0.04]));
    is_true("asInt(result) > 0", &Value::from("3"));
    is_true("asFloat(result) > 1.1", &Value::from("1.2"));
    is_true("any(result, {# > 5})", &floats(&[1.0, 6.0]));
    is_true("10 in result", &floats(&[1.0, 10.0]));
}

#[test]
fn argo_evaluate_test_cases() {
    is_true("result == true", &Value::Bool(true));
    is_false("result == false", &Value::Bool(true));
    fails("1", &Value::Bool(true), "expected bool, but got int");
    fails(
        "invalidVariable",
        &Value::Bool(true),
        "unknown name invalidVariable",
    );
    is_true(
        "all(result.service_apdex.values.values, {# > 1})",
        &j(json!({"service_apdex": {"label": null, "values": {"values": [2.0, 2.0]}}})),
    );
    is_true("2 in result", &floats(&[2.0, 2.0]));
    is_true("result > 1", &Value::Float(5.0));
    fails(
        "result.Name() == 'hi'",
        &Value::Bool(true),
        "type bool has no field Name",
    );
    fails(
        "asInt(result) == 1.1",
        &Value::from("1.1"),
        r#"strconv.ParseInt: parsing "1.1": invalid syntax"#,
    );
    is_true("asInt(result) == 1", &Value::from("1"));
    is_true("asInt(result) == 1", &Value::Int(1));
    is_true("asInt(result) == 1", &Value::Float(1.123));
    fails(
        "asFloat(result) == 1.1",
        &Value::from("NotANum"),
        r#"strconv.ParseFloat: parsing "NotANum": invalid syntax"#,
    );
    fails(
        r#"asFloat(result) == "1.1""#,
        &Value::from("1.1"),
        "invalid operation: == (mismatched types float64 and string)",
    );
    for (input, src) in [
        (Value::from("1.1"), "asFloat(result) == 1.1"),
        (Value::from("1.1"), "asFloat(result) >= 1.1"),
        (Value::from("1.1"), "asFloat(result) <= 1.1"),
        (Value::Float(1.1), "asFloat(result) == 1.1"),
        (Value::Int(1), "asFloat(result) == 1"),
        (Value::Int(1), "asFloat(result) >= 1"),
    ] {
        is_true(src, &input);
    }
    fails("a == true", &Value::Bool(true), "unknown name a");
}

#[test]
fn result_typing_follows_the_runtime_go_type() {
    fails(
        r#"result == "x""#,
        &Value::Float(1.0),
        "invalid operation: == (mismatched types float64 and string)",
    );
    fails(
        "result.x",
        &Value::Float(1.0),
        "type float64 has no field x",
    );
    fails(
        "result[0] > 1",
        &Value::Float(1.0),
        "type float64[int] is undefined",
    );
    fails(
        "result >= 0.95",
        &floats(&[1.0]),
        "invalid operation: >= (mismatched types []float64 and float64)",
    );
    fails(
        r#"result[0] == "x""#,
        &floats(&[1.0]),
        "invalid operation: == (mismatched types float64 and string)",
    );
    fails(
        r#"result == "true""#,
        &Value::Bool(true),
        "invalid operation: == (mismatched types bool and string)",
    );
    // Untyped JSON members: anything compiles; `<` mismatches fail at run time, `==` is false.
    fails(
        "result.a < 1",
        &j(json!({"a": "x"})),
        "invalid operation: string < int",
    );
    is_false("result.a == 1", &j(json!({"a": "x"})));
    // A nil result has its own type.
    is_true("result == nil", &Value::Nil);
    fails(
        "result < 0.05",
        &Value::Nil,
        "invalid operation: < (mismatched types unknown and float64)",
    );
    fails(
        "len(result) == 0",
        &Value::Nil,
        "invalid argument for len (type <nil>)",
    );
    is_true("isNil(result)", &Value::Nil);
    is_false("isNil(result)", &Value::Float(1.0));
}

#[test]
fn helper_quirks() {
    // isNil and default look at the top-level result, not their argument.
    is_false("isNil(result.missing)", &j(json!({"a": 1})));
    assert_eq!(
        ok("default(result.foo, 0)", &j(json!({"a": 1}))),
        j(json!({"a": 1}))
    );
    assert_eq!(ok("default(result, 7)", &Value::Nil), Value::Int(7));
    // Their arguments are still evaluated.
    fails(
        "isNil(result.a.b)",
        &j(json!({"x": 1})),
        "cannot fetch b from <nil>",
    );
    fails(
        "asInt(result) > 0",
        &Value::Bool(true),
        "asInt() not supported on bool true",
    );
    fails(
        "asFloat(result) > 0",
        &j(json!({"a": 1})),
        "asFloat() not supported on map[string]interface {} map[a:1]",
    );
    fails(
        "isNaN(result.a)",
        &j(json!({"a": "x"})),
        "interface conversion: interface {} is string, not float64",
    );
    fails(
        "isNaN(result)",
        &floats(&[1.0]),
        "cannot use []float64 as argument (type float64) to call isNaN ",
    );
    fails(
        "isNaN()",
        &Value::Float(1.0),
        "not enough arguments to call isNaN",
    );
    fails(
        "isNaN(1, 2)",
        &Value::Float(1.0),
        "too many arguments to call isNaN",
    );
    fails(
        "isNaN(nil)",
        &Value::Float(1.0),
        "cannot use nil as argument (type float64) to call isNaN",
    );
    // An int literal passed to a float64 parameter becomes a float.
    is_false("isNaN(1)", &Value::Float(1.0));
    fails(
        "asInt(result)",
        &Value::from("5"),
        "expected bool, but got int64",
    );
    is_true("asInt(2.9) == 2 && asInt(-2.9) == -2", &Value::Nil);
}

#[test]
fn numbers_mix_and_promote() {
    let n = Value::Nil;
    is_true("asFloat(1) == 1", &n);
    is_true("2 in [2.0, 2.0]", &n);
    is_true("1 / 2 == 0.5", &n);
    is_true("type(4 / 2) == 'float'", &n);
    is_true("7 % 3 == 1", &n);
    is_true("2 ** 3 == 8 && 2 ^ 3 == 8.0", &n);
    is_true("type(2 ** 2) == 'float'", &n);
    is_true("1 + 2 * 3 == 7", &n);
    is_true("-3 + 1 == -2", &n);
    is_true("1.5 + 1 == 2.5", &n);
    is_true("10 - 2.5 == 7.5", &n);
    is_true("9223372036854775807 + 1 < 0", &n);
    assert!(
        compile_err("-9223372036854775808", &n)
            .to_string()
            .contains("value out of range")
    );
    assert_eq!(
        compile_err("1 % 0", &n).to_string(),
        "integer divide by zero"
    );
    fails(
        "result.a % 0 == 0",
        &j(json!({"a": 1})),
        "invalid operation: float64 % int",
    );
    fails(
        "1.5 % 2 == 0",
        &n,
        "invalid operation: % (mismatched types float64 and int)",
    );
    is_true("1 / 0 > 1000", &n);
    is_true("0x10 == 16 && 1_000 == 1000 && 0b11 == 3 && 0o17 == 15", &n);
    is_true("1e3 == 1000 && .5 == 0.5", &n);
}

#[test]
fn nan_and_inf() {
    let nan = Value::Float(f64::NAN);
    is_false("result >= 0.95", &nan);
    is_false("result < 0.95", &nan);
    is_false("result == result", &nan);
    is_true("result != 0", &nan);
    let inf = Value::Float(f64::INFINITY);
    is_true("result >= 0.9", &inf);
    is_true("isInf(result)", &inf);
    is_false("isNaN(result)", &inf);
    is_false("result[0] >= 0.95", &floats(&[f64::NAN]));
}

#[test]
fn comparison_and_logic_operators() {
    let n = Value::Nil;
    for src in [
        "1 < 2",
        "2 > 1",
        "1 <= 1",
        "1 >= 1",
        "1 == 1.0",
        "1 != 2",
        "'a' < 'b'",
        "'abc' >= 'abb'",
        "true && true",
        "true and true",
        "false || true",
        "false or true",
        "!false",
        "not false",
        "1 < 2 < 3",
        "!(1 > 2)",
        "nil == nil",
        "[1, 2] == [1.0, 2.0]",
        "{'a': 1} == {'a': 1}",
    ] {
        is_true(src, &n);
    }
    is_true("3 > 2 > 1", &n);
    is_false("1 < 3 < 2", &n);
    fails(
        "1 && true",
        &n,
        "invalid operation: && (mismatched types int and bool)",
    );
    fails("!1", &n, "invalid operation: ! (mismatched type int)");
    fails(
        "result.a && true",
        &j(json!({"a": "x"})),
        "interface conversion: interface {} is string, not bool",
    );
    fails(
        "result.missing || true",
        &j(json!({})),
        "interface conversion: interface {} is nil, not bool",
    );
    // Short-circuit: the right side is not evaluated.
    is_false("false && result.a.b.c", &j(json!({})));
    is_true("true || result.a.b.c", &j(json!({})));
    // `&&` returns its right operand as is (Argo then rejects a non-bool).
    fails(
        "true && result.a",
        &j(json!({"a": 5})),
        "expected bool, but got float64",
    );
}

#[test]
fn string_operators() {
    let n = Value::Nil;
    for src in [
        "'hello' contains 'ell'",
        "'hello' startsWith 'he'",
        "'hello' endsWith 'lo'",
        "'hello' matches '^h.*o$'",
        "'hello' not contains 'x'",
        "'a' + 'b' == 'ab'",
        "'a' in ['a', 'b']",
        "'c' not in ['a', 'b']",
        "`raw\\n` == 'raw\\\\n'",
        "\"dq\" == 'dq'",
    ] {
        is_true(src, &n);
    }
    is_false("result.missing contains 'a'", &j(json!({})));
    fails(
        "result.a in ['a', 'b']",
        &j(json!({"a": 1})),
        "reflect.Value.MapIndex: value of type float64 is not assignable to type string",
    );
    fails(
        "1 contains 'a'",
        &n,
        "invalid operation: contains (mismatched types int and string)",
    );
    assert!(
        compile_err("'a' matches '('", &n)
            .to_string()
            .starts_with("error parsing regexp: ")
    );
    fails(
        "'a' in 'abc'",
        &n,
        "invalid operation: in (mismatched types string and string)",
    );
}

#[test]
fn member_access_index_and_slices() {
    let r = j(json!({"a": {"b": [1, 2, 3]}, "s": "hey", "e": []}));
    assert_eq!(ok("result.a.b[0]", &r), Value::Float(1.0));
    assert_eq!(ok("result['a']['b'][-1]", &r), Value::Float(3.0));
    assert_eq!(ok("result.a.b[1:]", &r), j(json!([2, 3])));
    assert_eq!(ok("result.a.b[:2]", &r), j(json!([1, 2])));
    assert_eq!(ok("result.a.b[-2:]", &r), j(json!([2, 3])));
    assert_eq!(ok("result.a.b[5:9]", &r), j(json!([])));
    assert_eq!(ok("result.s[1:]", &r), Value::from("ey"));
    assert_eq!(ok("result.missing", &r), Value::Nil);
    fails("result.missing.x == 1", &r, "cannot fetch x from <nil>");
    fails(
        "result.e[0] == 1",
        &r,
        "index out of range: 0 (array length is 0)",
    );
    fails(
        "result[0] >= 0.95",
        &floats(&[]),
        "index out of range: 0 (array length is 0)",
    );
    is_true("result?.missing?.x == nil", &r);
    is_true("result.missing?.x.y == nil", &r);
    is_true("(result.missing ?? 7) == 7", &r);
    is_true("(result.a ?? 7) != 7", &r);
    is_true("result.a.b[1] == 2 && result.a?.b[2] == 3", &r);
    fails(
        "result[0]",
        &r,
        "cannot use int to get an element from map[string]interface {}",
    );
    fails("result.a.b.c == 1", &r, "invalid operation: int(string)");
    fails(
        r#"result["x"] > 1"#,
        &floats(&[1.0]),
        "array elements can only be selected using an integer (got string)",
    );
    is_true("result.a.b[1.9] == 2", &r);
}

#[test]
fn ternary_let_ranges_pipes_and_sequences() {
    let n = Value::Nil;
    is_true("(1 > 2 ? 'a' : 'b') == 'b'", &n);
    is_true("let x = 2; x * x == 4", &n);
    is_true("let x = 2; let y = x + 1; y == 3", &n);
    is_true("1..3 == [1, 2, 3]", &n);
    is_true("len(5..1) == 0", &n);
    is_true("2 in 1..3", &n);
    is_true("[1, 2, 3] | filter(# > 1) | len() == 2", &n);
    is_true("(1; 2; true)", &n);
    is_true("if 1 > 2 { false } else { true }", &n);
    fails("1 > 2 ? 1 : 2", &n, "expected bool, but got int");
    fails(
        "1 ? true : false",
        &n,
        "non-bool expression (type int) used as condition",
    );
    fails(
        "let result = 1; true",
        &Value::Float(1.0),
        "cannot redeclare result",
    );
    fails("let len = 1; true", &n, "cannot redeclare builtin len");
    fails(
        "let x = 1; let x = 2; true",
        &n,
        "cannot redeclare variable x",
    );
    fails("len(1..2000000) > 0", &n, "memory budget exceeded");
    is_true("let xs = result; all(xs, # > 0)", &floats(&[1.0]));
}

#[test]
fn closures() {
    let xs = floats(&[1.0, 2.0, 3.0]);
    is_true("all(result, {# > 0})", &xs);
    is_true("any(result, # == 2)", &xs);
    is_true("none(result, # > 5)", &xs);
    is_true("one(result, # == 3)", &xs);
    is_false("one(result, # > 1)", &xs);
    is_true("count(result, # > 1) == 2", &xs);
    is_true("filter(result, # > 1) == [2, 3]", &xs);
    is_true("map(result, # * 2) == [2, 4, 6]", &xs);
    is_true("map(result, #index) == [0, 1, 2]", &xs);
    is_true("find(result, # > 1) == 2", &xs);
    is_true("findIndex(result, # > 1) == 1", &xs);
    is_true("findLast(result, # < 3) == 2", &xs);
    is_true("findLastIndex(result, # < 3) == 1", &xs);
    is_true("findIndex(result, # > 5) == nil", &xs);
    is_true("find(result, # > 5) == nil", &xs);
    is_true("sum(result) == 6", &xs);
    is_true("sum(result, # * 2) == 12", &xs);
    is_true("reduce(result, #acc + #) == 6", &xs);
    is_true("reduce(result, #acc + # * #index, 10) == 18", &xs);
    is_true("sortBy(result, -#) == [3, 2, 1]", &xs);
    is_true("sortBy(result, #, 'desc') == [3, 2, 1]", &xs);
    is_true("groupBy(result, # > 1)['true'] == [2, 3]", &xs);
    is_true("all(map(result, {# * 2}), {int(#) % 2 == 0})", &xs);
    fails(
        "all(map(result, {# * 2}), {# % 2 == 0})",
        &xs,
        "invalid operation: % (mismatched types float64 and int)",
    );
    // Nested closures: `#` is the innermost element.
    is_true("all(result, {any(result, {# == 3})})", &xs);
    // Empty collections.
    let e = floats(&[]);
    is_true("all(result, # > 0)", &e);
    is_true("none(result, # > 0)", &e);
    is_false("any(result, # > 0)", &e);
    is_false("one(result, # > 0)", &e);
    is_true("max(result) == nil", &e);
    is_true("sum(result) == 0", &e);
    fails(
        "reduce(result, #acc + #) > 0",
        &e,
        "reduce of empty array with no initial value",
    );
    // The `.field` shorthand anywhere in a closure.
    let pts = j(json!([{"value": "9950", "ok": true}, {"value": "9910", "ok": true}]));
    is_true("all(result, {asFloat(.value) >= 9900 && .ok})", &pts);
    is_true("all(result, .ok)", &pts);
    is_true("map(result, .value) == ['9950', '9910']", &pts);
    is_true("all(result, {float(.value) >= 9900})", &pts);
    is_true("all(result, {#.value != ''})", &pts);
    // Type errors inside closures.
    fails(
        "all(result, # + 1)",
        &xs,
        "predicate should return boolean (got float64)",
    );
    fails("all(result, #index > 0)", &xs, "unknown pointer #index");
    fails(
        "all(result.a, # > 0)",
        &j(json!({"a": 5})),
        "reflect: call of reflect.Value.Len on float64 Value",
    );
    fails(
        "all(result.missing, # > 0)",
        &j(json!({})),
        "reflect: call of reflect.Value.Len on zero Value",
    );
    fails(
        "all(result, # > 0)",
        &Value::Float(1.0),
        "builtin all takes only array (got float64)",
    );
    fails(
        "all(result, {.value > 1})",
        &j(json!([{"value": "x"}])),
        "invalid operation: string > int",
    );
    fails(
        "all(result, {.v})",
        &j(json!([{"v": 1}])),
        "interface conversion: interface {} is float64, not bool",
    );
}

#[test]
fn unknown_names_and_syntax_errors() {
    let n = Value::Nil;
    fails(
        "results[0] >= 0.95",
        &floats(&[1.0]),
        "unknown name results",
    );
    fails("foo(1)", &n, "unknown name foo");
    fails("1 +", &n, "unexpected token EOF");
    fails("result[", &floats(&[1.0]), "unexpected token EOF");
    fails("'abc", &n, "literal not terminated");
    let e = compile_err("1 +\n  foo", &n);
    assert_eq!(e.kind(), ErrorKind::Type);
    assert_eq!((e.line(), e.column()), (2, 3));
    assert_eq!(e.span(), 6..9);
    let e = compile_err("1 ==", &n);
    assert_eq!(e.kind(), ErrorKind::Syntax);
}

#[test]
fn runtime_errors_carry_positions() {
    let r = j(json!({}));
    let p = compile("true && result.a.b", &Env::condition(Type::of(&r))).unwrap();
    let e = p.run(&r, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Runtime);
    assert_eq!(e.to_string(), "cannot fetch b from <nil>");
    assert_eq!(e.column(), 18);
}

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
