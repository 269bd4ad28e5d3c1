//! Conditions as Argo users write them: the real templates' expressions, Argo's own
//! evaluate tests, result typing (semantics §5.2), helper quirks, numbers, NaN and Inf.

use serde_json::json;

use super::*;

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
