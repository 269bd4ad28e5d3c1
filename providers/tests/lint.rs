//! Each provider's lint facts (result type, traps) as `augur lint` applies them, through
//! analysis-core's lint and `providers::specs()`. Moved here from analysis-core's lint tests
//! when the provider facts left analysis-core.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use analysis_core::lint::lint_str_with;

fn lint(yaml: &str) -> Vec<String> {
    lint_str_with(yaml, "t.yaml", providers::specs())
        .iter()
        .map(|d| d.to_string())
        .collect()
}

const HEAD: &str =
    "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\nspec:\n";

#[test]
fn prometheus_vector_compared_as_scalar_is_an_error_at_the_condition() {
    let d = lint(&format!(
        "{HEAD}  metrics:\n  - name: rate\n    successCondition: result >= 0.95\n    provider:\n      prometheus:\n        address: http://p:9090\n        query: up\n"
    ));
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].starts_with("t.yaml:8:30: error: successCondition does not compile"),
        "{d:?}"
    );
}

#[test]
fn unguarded_index_warns() {
    let d = lint(&format!(
        "{HEAD}  metrics:\n  - name: rate\n    successCondition: result[0] >= 0.95\n    provider:\n      prometheus:\n        address: http://p:9090\n        query: up\n"
    ));
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].starts_with("t.yaml:8:5: warning: successCondition indexes result[0]"),
        "{d:?}"
    );
    let guarded = lint(&format!(
        "{HEAD}  metrics:\n  - name: rate\n    successCondition: len(result) > 0 && result[0] >= 0.95\n    provider:\n      prometheus:\n        address: http://p:9090\n        query: up\n"
    ));
    assert!(guarded.is_empty(), "{guarded:?}");
}

#[test]
fn skywalking_without_interval_warns_and_closure_compiles() {
    let d = lint(&format!(
        "{HEAD}  metrics:\n  - name: apdex\n    interval: 5m\n    successCondition: \"all(result.service_apdex.values.values, {{asFloat(.value) >= 9900}})\"\n    provider:\n      skywalking:\n        address: http://oap:12800\n        query: q\n"
    ));
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].contains("warning: skywalking metric has no interval"),
        "{d:?}"
    );
}

#[test]
fn web_body_on_get_is_an_error_and_every_kind_is_supported() {
    let d = lint(&format!(
        "{HEAD}  metrics:\n  - name: w\n    provider:\n      web:\n        url: http://x/\n        body: b\n"
    ));
    assert_eq!(
        d,
        [
            "t.yaml:9:7: error: Body/JSONBody can only be used with POST or PUT WebMetric Method types"
        ]
    );
    for spec in providers::specs() {
        let text = format!(
            "{HEAD}  metrics:\n  - name: m\n    provider:\n      {}: {{}}\n",
            spec.kind()
        );
        assert!(
            lint(&text).iter().all(|d| !d.contains("not supported")),
            "{}",
            spec.kind()
        );
    }
}

// The condition checks, asked of the compiled program (moved from analysis-core's
// lint/condition.rs with the provider facts).

fn lint_condition(cond: &str) -> Vec<String> {
    let yaml = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\nspec:\n  metrics:\n  - name: rate\n    successCondition: '{cond}'\n    provider:\n      prometheus:\n        address: http://p:9090\n        query: up\n"
    );
    lint_str_with(&yaml, "t.yaml", providers::specs())
        .iter()
        .map(|d| d.to_string())
        .collect()
}

const HINT: &str = " (a Prometheus query returns a vector even for one series: compare result[0], or use all(result, ...))";

#[test]
fn a_vector_used_as_a_scalar_gets_the_hint() {
    assert_eq!(
        lint_condition("result >= 0.95"),
        [format!(
            "t.yaml:8:31: error: successCondition does not compile for a Prometheus vector ([]float64): invalid operation: >= (mismatched types []float64 and float64){HINT}"
        )]
    );
    assert_eq!(
        lint_condition("isNaN(result)"),
        [format!(
            "t.yaml:8:30: error: successCondition does not compile for a Prometheus vector ([]float64): cannot use []float64 as argument (type float64) to call isNaN {HINT}"
        )]
    );
    // Not a vector where a scalar belongs: no hint.
    assert_eq!(
        lint_condition("result.x > 1"),
        [
            "t.yaml:8:31: error: successCondition does not compile for a Prometheus vector ([]float64): array elements can only be selected using an integer (got string)"
        ]
    );
}

#[test]
fn unguarded_indexes_warn_and_guards_are_read_from_the_tree() {
    let warning = |i: i64| {
        format!(
            "t.yaml:8:5: warning: successCondition indexes result[{i}] with no empty-result guard: an empty vector (no series yet) makes the measurement an Error; guard with `len(result) > 0 && ...` or `len(result) == 0 || ...`"
        )
    };
    for (cond, want) in [
        ("result[0] >= 0.95", vec![warning(0)]),
        ("len(result) > 0 && result[0] >= 0.95", vec![]),
        ("len(result) == 0 || result[0] >= 0.95", vec![]),
        ("all(result, {# >= 0.95})", vec![]),
        ("any(result, {# > 0}) && result[0] >= 0.95", vec![]),
        // `len(result)` somewhere is not a guard: here it guards nothing.
        ("len(result) > 0 || result[0] >= 0.95", vec![warning(0)]),
        ("len(result) > 0 && result[1] >= 0.95", vec![warning(1)]),
        // Neither is nil-handling: an empty vector is not nil.
        ("isNil(result) || result[0] >= 0.95", vec![warning(0)]),
    ] {
        assert_eq!(lint_condition(cond), want, "{cond}");
    }
}

/// Issue 10, item 16: lint passed `{$[[[` and a path whose parse takes exponential time.
#[test]
fn invalid_and_too_deep_json_paths_are_errors_at_their_line() {
    let web = |path: &str| {
        lint(&format!(
            "{HEAD}  metrics:\n  - name: w\n    provider:\n      web:\n        url: http://x/\n        jsonPath: '{path}'\n"
        ))
    };
    let d = web("{$[[[");
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("t.yaml:11:9: error: "), "{d:?}");
    let deep = format!("{{[?{}(}}", "value(".repeat(15));
    let d = web(&deep);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("t.yaml:11:9: error: "), "{d:?}");
    assert!(d[0].contains("nest more than"), "{d:?}");
    assert!(web("{.data.items[?(@.name==\"b\")].v}").is_empty());
}
