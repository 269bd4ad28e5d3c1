//! Operators, member access, closures and errors, each against Go expr's behaviour.

use serde_json::json;

use super::*;

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
