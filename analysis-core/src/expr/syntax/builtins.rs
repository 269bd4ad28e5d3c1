//! The builtin names of expr v1.17.8 as the parser sees them: which names are builtins
//! (so calls parse as builtin calls and `let` cannot shadow them) and which arguments are closures.

/// Every builtin name (`builtin.Names`), so calls parse as builtins and `let` can't shadow them.
pub(crate) const BUILTINS: &[&str] = &[
    "all",
    "none",
    "any",
    "one",
    "filter",
    "map",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "count",
    "sum",
    "groupBy",
    "sortBy",
    "reduce",
    "len",
    "type",
    "abs",
    "ceil",
    "floor",
    "round",
    "int",
    "float",
    "string",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "upper",
    "lower",
    "split",
    "splitAfter",
    "replace",
    "repeat",
    "join",
    "indexOf",
    "lastIndexOf",
    "hasPrefix",
    "hasSuffix",
    "max",
    "min",
    "mean",
    "median",
    "toJSON",
    "fromJSON",
    "toBase64",
    "fromBase64",
    "now",
    "duration",
    "date",
    "timezone",
    "first",
    "last",
    "get",
    "take",
    "keys",
    "values",
    "toPairs",
    "fromPairs",
    "reverse",
    "uniq",
    "concat",
    "flatten",
    "sort",
    "bitand",
    "bitor",
    "bitxor",
    "bitnand",
    "bitshl",
    "bitshr",
    "bitushr",
    "bitnot",
];

pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// The interned name, so lowered calls carry a `&'static str`.
pub(crate) fn builtin_name(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|n| **n == name).copied()
}

const PRED2: &[(bool, bool)] = &[(false, false), (true, false)];
const PRED_OPT: &[(bool, bool)] = &[(false, false), (true, true)];
const PRED3: &[(bool, bool)] = &[(false, false), (true, false), (false, true)];

/// For closure-taking builtins: each argument as (is a closure, is optional).
pub(crate) fn predicate_args(name: &str) -> Option<&'static [(bool, bool)]> {
    Some(match name {
        "all" | "none" | "any" | "one" | "filter" | "map" | "find" | "findIndex" | "findLast"
        | "findLastIndex" | "groupBy" => PRED2,
        "count" | "sum" => PRED_OPT,
        "sortBy" | "reduce" => PRED3,
        _ => return None,
    })
}
