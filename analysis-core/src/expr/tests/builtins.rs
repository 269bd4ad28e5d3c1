//! Every builtin, through real expressions: results, Go's edge cases and error texts.

use serde_json::json;

use super::{fails, is_false, is_true, j, ok};
use crate::expr::constant::call_builtin as call_for_test;
use crate::value::Value;

const N: &Value = &Value::Nil;

#[test]
fn len_type_and_conversions() {
    is_true("len('héllo') == 5", N);
    is_true("len([1, 2]) == 2 && len({'a': 1}) == 1", N);
    is_true(
        "type(1) == 'int' && type(1.5) == 'float' && type('') == 'string'",
        N,
    );
    is_true(
        "type(nil) == 'nil' && type([]) == 'array' && type({}) == 'map'",
        N,
    );
    is_true("type(true) == 'bool' && type(now()) == 'time.Time'", N);
    is_true("int(2.9) == 2 && int('42') == 42 && int(-2.5) == -2", N);
    is_true("float(2) == 2.0 && float('1.5') == 1.5", N);
    is_true("string(1.5) == '1.5' && string(1000000.0) == '1e+06'", N);
    is_true("string([1, 'a']) == '[1 a]' && string(nil) == '<nil>'", N);
    fails("int('x') == 0", N, "invalid operation: int(x)");
    fails("float('x') == 0", N, "invalid operation: float(x)");
    fails("len(1) == 0", N, "invalid argument for len (type int)");
    fails(
        "len(1, 2) == 0",
        N,
        "invalid number of arguments (expected 1, got 2)",
    );
    fails(
        "len(result.a) == 0",
        &j(json!({"a": 1})),
        "invalid argument for len (type float64)",
    );
}

#[test]
fn math() {
    is_true("abs(-2) == 2 && abs(-2.5) == 2.5 && abs(3) == 3", N);
    is_true(
        "ceil(1.2) == 2 && floor(1.8) == 1 && round(1.5) == 2 && round(-1.5) == -2",
        N,
    );
    is_true("type(ceil(1)) == 'float'", N);
    is_true("max(1, 3, 2) == 3 && min(1, 3, 2) == 1", N);
    is_true("max([1, 5], 3) == 5 && min([4, [2, 9]]) == 2", N);
    is_true(
        "mean([1, 2, 3, 4]) == 2.5 && median([3, 1, 2]) == 2 && median([1, 2, 3, 4]) == 2.5",
        N,
    );
    is_true("mean([]) == 0 && median([]) == 0", N);
    is_true("max([]) == nil", N);
    is_true("max(result) == 3", &Value::from(vec![1.0, 3.0, 2.0]));
    is_true("mean(result) == 2", &Value::from(vec![1.0, 3.0, 2.0]));
    fails(
        "max('a', 1) == 1",
        N,
        "invalid argument for max (type string)",
    );
    fails("max() == 1", N, "not enough arguments to call max");
    fails("abs('x') == 1", N, "invalid argument for abs (type string)");
    fails(
        "max(['a']) == 1",
        N,
        "invalid argument for max (type string)",
    );
}

#[test]
fn strings() {
    is_true("trim('  a  ') == 'a' && trim('xxaxx', 'x') == 'a'", N);
    is_true(
        "trimPrefix('abc', 'a') == 'bc' && trimSuffix('abc', 'c') == 'ab'",
        N,
    );
    is_true("trimPrefix(' a') == 'a'", N);
    is_true("upper('aé') == 'AÉ' && lower('AB') == 'ab'", N);
    is_true(
        "split('a,b,c', ',') == ['a', 'b', 'c'] && split('a,b,c', ',', 2) == ['a', 'b,c']",
        N,
    );
    is_true("splitAfter('a,b', ',') == ['a,', 'b']", N);
    is_true(
        "replace('aaa', 'a', 'b') == 'bbb' && replace('aaa', 'a', 'b', 2) == 'bba'",
        N,
    );
    is_true("repeat('ab', 3) == 'ababab'", N);
    is_true(
        "join(['a', 'b'], '-') == 'a-b' && join(['a', 'b']) == 'ab'",
        N,
    );
    is_true(
        "indexOf('abcb', 'b') == 1 && lastIndexOf('abcb', 'b') == 3 && indexOf('a', 'z') == -1",
        N,
    );
    is_true("hasPrefix('abc', 'ab') && hasSuffix('abc', 'bc')", N);
    fails(
        "repeat('a', -1) == ''",
        N,
        "invalid argument for repeat (expected positive integer, got -1)",
    );
    fails("repeat('ab', 999999) != ''", N, "memory budget exceeded");
    fails("repeat('a', 2000000) != ''", N, "memory budget exceeded");
    fails("trim(1) == ''", N, "not enough arguments to call trim");
    fails(
        "upper(1) == ''",
        N,
        "cannot use int as argument (type string) to call upper ",
    );
    fails(
        "upper(result.a) == ''",
        &j(json!({"a": 1})),
        "interface conversion: interface {} is float64, not string",
    );
    fails(
        "join([1, 2]) == ''",
        N,
        "interface conversion: interface {} is int, not string",
    );
    fails("split('a') == []", N, "not enough arguments to call split");
}

#[test]
fn json_and_base64() {
    is_true(
        "toJSON({'a': [1, 'x']}) == '{\\n  \"a\": [\\n    1,\\n    \"x\"\\n  ]\\n}'",
        N,
    );
    is_true("fromJSON('{\"a\": [1, 2]}').a[1] == 2", N);
    is_true(
        "toBase64('hello') == 'aGVsbG8=' && fromBase64('aGVsbG8=') == 'hello'",
        N,
    );
    is_true("toJSON(1.5) == '1.5' && toJSON(nil) == 'null'", N);
    fails(
        "fromBase64('@@') == ''",
        N,
        "illegal base64 data at input byte 0",
    );
    fails("fromJSON('{') == nil", N, "unexpected end of JSON input");
    fails(
        "toJSON(result) == ''",
        &Value::Float(f64::NAN),
        "json: unsupported value: NaN",
    );
}

#[test]
fn arrays_and_maps() {
    let m = j(json!({"b": 2, "a": 1}));
    is_true(
        "first([1, 2]) == 1 && last([1, 2]) == 2 && first([]) == nil",
        N,
    );
    is_true(
        "get([1, 2], 5) == nil && get([1, 2], -1) == 2 && get({'a': 1}, 'a') == 1",
        N,
    );
    fails(
        "get(nil, 1) == nil",
        N,
        "type unknown does not support indexing",
    );
    is_true("get(result.missing, 1) == nil", &j(json!({})));
    is_true("take([1, 2, 3], 2) == [1, 2] && take([1], 5) == [1]", N);
    is_true("keys(result) == ['a', 'b'] && values(result) == [1, 2]", &m);
    is_true("toPairs(result) == [['a', 1], ['b', 2]]", &m);
    is_true("fromPairs([['a', 1]]).a == 1", N);
    is_true("reverse([1, 2, 3]) == [3, 2, 1]", N);
    is_true("uniq([1, 1.0, 2, 'a', 'a']) == [1, 2, 'a']", N);
    is_true("concat([1], [2, 3], []) == [1, 2, 3]", N);
    is_true("flatten([1, [2, [3]]]) == [1, 2, 3]", N);
    is_true(
        "sort([3, 1, 2]) == [1, 2, 3] && sort([3, 1, 2], 'desc') == [3, 2, 1]",
        N,
    );
    is_true("sort(['b', 'a']) == ['a', 'b']", N);
    is_true("'a' in result && !('z' in result)", &m);
    is_true("first(result) == 1", &Value::from(vec![1.0, 2.0]));
    fails("keys([1]) == []", N, "cannot get keys from []interface {}");
    fails("first(1) == 1", N, "cannot get first element from int");
    fails("take(1, 1) == 1", N, "cannot take from int");
    fails("concat(1) == []", N, "cannot concat int");
    fails("sort([1, 'a']) == []", N, "invalid operation: string < int");
    fails(
        "sort([1], 'up') == []",
        N,
        "invalid order up, expected asc or desc",
    );
    fails("get(1, 1) == 1", N, "type int does not support indexing");
}

#[test]
fn bit_operations() {
    is_true(
        "bitand(6, 3) == 2 && bitor(6, 3) == 7 && bitxor(6, 3) == 5",
        N,
    );
    is_true("bitnand(6, 3) == 4 && bitnot(0) == -1", N);
    is_true(
        "bitshl(1, 3) == 8 && bitshr(8, 3) == 1 && bitushr(-1, 63) == 1",
        N,
    );
    fails(
        "bitshl(1, -1) == 0",
        N,
        "invalid operation: negative shift count -1 (type int)",
    );
    fails(
        "bitand(1.5, 1) == 0",
        N,
        "cannot use float64 as argument (type int) to call bitand ",
    );
}

#[test]
fn time_builtins() {
    is_true("duration('1h30m') == duration('90m')", N);
    is_true(
        "date('2024-01-02T03:04:05Z') == date('2024-01-02 03:04:05')",
        N,
    );
    is_true(
        "date('2024-01-02', '2006-01-02', 'UTC') == date(timezone('UTC'), '2024-01-02', '2006-01-02')",
        N,
    );
    fails(
        "duration('30') > duration('1s')",
        N,
        "time: missing unit in duration \"30\"",
    );
    fails("date('nope') > now()", N, "invalid date nope");
    fails(
        "timezone('Mars/Base') != nil",
        N,
        "unknown time zone Mars/Base",
    );
    is_false("now() < now()", N);
}

#[test]
fn direct_calls() {
    assert_eq!(
        call_for_test("max", &[Value::Int(1), Value::Float(2.5)]),
        Ok(Value::Float(2.5))
    );
    assert_eq!(
        call_for_test("max", &[Value::from("a")]),
        Ok(Value::from("a"))
    );
    assert_eq!(ok("min(2, 1.5)", N), Value::Float(1.5));
}
