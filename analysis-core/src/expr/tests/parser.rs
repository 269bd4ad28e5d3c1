//! Parser tests: precedence, Go expr's syntax error texts, nesting limits, extents.

use crate::expr::syntax::ast::{Node, NodeKind};
use crate::expr::syntax::parse;

fn err(src: &str) -> String {
    parse(src).unwrap_err().to_string()
}

fn shape(n: &Node) -> String {
    match &n.kind {
        NodeKind::Nil => "nil".into(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => format!("{f:?}"),
        NodeKind::Str(s) => format!("{s:?}"),
        NodeKind::Ident(s) => s.clone(),
        NodeKind::Pointer(s) => format!("#{s}"),
        NodeKind::Unary { op, node } => format!("({op} {})", shape(node)),
        NodeKind::Binary { op, left, right } => {
            format!("({} {op} {})", shape(left), shape(right))
        }
        NodeKind::Member {
            node,
            property,
            optional,
        } => format!(
            "{}{}[{}]",
            shape(node),
            if *optional { "?" } else { "" },
            shape(property)
        ),
        NodeKind::Chain(n) => format!("chain({})", shape(n)),
        NodeKind::Slice { node, from, to } => format!(
            "{}[{}:{}]",
            shape(node),
            from.as_ref().map(|n| shape(n)).unwrap_or_default(),
            to.as_ref().map(|n| shape(n)).unwrap_or_default()
        ),
        NodeKind::Call { callee, args } => format!(
            "{}({})",
            shape(callee),
            args.iter().map(shape).collect::<Vec<_>>().join(", ")
        ),
        NodeKind::Builtin { name, args } => format!(
            "{name}({})",
            args.iter().map(shape).collect::<Vec<_>>().join(", ")
        ),
        NodeKind::Predicate(b) => format!("{{{}}}", shape(b)),
        NodeKind::Let { name, value, body } => {
            format!("let {name} = {}; {}", shape(value), shape(body))
        }
        NodeKind::Sequence(ns) => ns.iter().map(shape).collect::<Vec<_>>().join("; "),
        NodeKind::Conditional {
            cond,
            then,
            otherwise,
        } => format!("({} ? {} : {})", shape(cond), shape(then), shape(otherwise)),
        NodeKind::Array(ns) => {
            format!("[{}]", ns.iter().map(shape).collect::<Vec<_>>().join(", "))
        }
        NodeKind::Map(ps) => format!(
            "{{{}}}",
            ps.iter()
                .map(|(k, v)| format!("{}: {}", shape(k), shape(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn p(src: &str) -> String {
    shape(&parse(src).unwrap())
}

#[test]
fn precedence_follows_go_expr() {
    assert_eq!(p("1 + 2 * 3"), "(1 + (2 * 3))");
    assert_eq!(p("2 ** 3 ** 2"), "(2 ** (3 ** 2))");
    assert_eq!(p("a || b && c"), "(a || (b && c))");
    assert_eq!(p("-a ** 2"), "(- (a ** 2))");
    assert_eq!(p("not a == b"), "((not a) == b)");
    assert_eq!(p("!a && b"), "((! a) && b)");
    assert_eq!(p("1..3"), "(1 .. 3)");
    assert_eq!(p("a ?? b ?? c"), "((a ?? b) ?? c)");
}

#[test]
fn comparisons_chain_into_and() {
    assert_eq!(p("1 < x < 3"), "((1 < x) && (x < 3))");
}

#[test]
fn not_in_becomes_negation() {
    assert_eq!(p("a not in b"), "(not (a in b))");
}

#[test]
fn members_indexes_slices_and_chains() {
    assert_eq!(p("result[0]"), "result[0]");
    assert_eq!(p("a.b.c"), "a[\"b\"][\"c\"]");
    assert_eq!(p("a?.b.c"), "chain(a?[\"b\"][\"c\"])");
    assert_eq!(p("a[1:3]"), "a[1:3]");
    assert_eq!(p("a[:]"), "a[:]");
    assert_eq!(p("a?.[0]"), "chain(a?[0])");
}

#[test]
fn predicates_with_and_without_braces_and_dot_shorthand() {
    assert_eq!(
        p("all(xs, {asFloat(.value) >= 9900})"),
        "all(xs, {(asFloat(#[\"value\"]) >= 9900)})"
    );
    assert_eq!(p("all(result, # < 1000)"), "all(result, {(# < 1000)})");
    assert_eq!(p("map(xs, #index)"), "map(xs, {#index})");
    assert_eq!(
        p("xs | filter(# > 1) | len()"),
        "len(filter(xs, {(# > 1)}))"
    );
    assert_eq!(p("reduce(xs, #acc + #, 0)"), "reduce(xs, {(#acc + #)}, 0)");
    assert_eq!(p("count(xs)"), "count(xs)");
}

#[test]
fn let_ternary_if_and_literals() {
    assert_eq!(p("let x = 1; x + 1"), "let x = 1; (x + 1)");
    assert_eq!(p("a ? 1 : 2"), "(a ? 1 : 2)");
    assert_eq!(p("a ?: 2"), "(a ? a : 2)");
    assert_eq!(p("if a { 1 } else { 2 }"), "(a ? 1 : 2)");
    assert_eq!(p("[1, 'a', nil,]"), "[1, \"a\", nil]");
    assert_eq!(p("{a: 1, 'b': 2, (c): 3}"), "{\"a\": 1, \"b\": 2, c: 3}");
    assert_eq!(p("0x1F + 0b11 + 0o7 + 1_000"), "(((31 + 3) + 7) + 1000)");
    assert_eq!(p(".5 + 1e3"), "(0.5 + 1000.0)");
}

#[test]
fn syntax_errors_match_go() {
    assert_eq!(err("1 +"), "unexpected token EOF");
    assert_eq!(err("(1"), "unexpected token EOF");
    assert_eq!(err("1 2"), "unexpected token Number(\"2\")");
    assert_eq!(err("now() -- ?"), "unexpected token Operator(\"?\")");
    assert_eq!(err("a.(b)"), "expected name");
    assert_eq!(err("all(xs)"), "expected at least 2 arguments");
    assert_eq!(
        err("all(xs, # > 1; true)"),
        "wrap predicate with brackets { and }"
    );
    assert_eq!(
        err("a ?? b + c"),
        "Operator (+) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses."
    );
    assert_eq!(
        err("99999999999999999999"),
        "invalid integer literal: strconv.ParseInt: parsing \"99999999999999999999\": value out of range"
    );
    assert_eq!(err("a not b"), "unexpected token Identifier(\"b\")");
}

#[test]
fn pointer_outside_predicate_is_a_syntax_error() {
    assert_eq!(err("# > 1"), "unexpected token Operator(\"#\")");
    assert_eq!(err(".value"), "unexpected token Operator(\".\")");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = "(".repeat(10_000) + "1" + &")".repeat(10_000);
    assert!(err(&src).contains("nested too deeply"));
    let src = "-".repeat(10_000) + "1";
    assert!(err(&src).contains("nested too deeply"));
    let src = "a".to_string() + &"[0]".repeat(5_000);
    assert!(parse(&src).is_err());
}

#[test]
fn extents_cover_the_whole_node() {
    let src = "result[0] >= 0.95";
    let n = parse(src).unwrap();
    assert_eq!(&src[n.ext.range()], src);
    let NodeKind::Binary { left, .. } = &n.kind else {
        panic!()
    };
    assert_eq!(&src[left.ext.range()], "result[0]");
    let src = "asFloat(result) > 1";
    let n = parse(src).unwrap();
    let NodeKind::Binary { left, .. } = &n.kind else {
        panic!()
    };
    assert_eq!(&src[left.ext.range()], "asFloat(result)");
}
