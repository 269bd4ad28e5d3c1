//! Ported from Argo's `utils/template/template_test.go`, `utils/analysis/factory_test.go`
//! (TestResolveMetricArgs*), `helpers_test.go` (TestFlattenTemplates, TestMergeArgs) and
//! `analysis/analysis_test.go` (TestResolveMetricArgsUnableToSubstitute), plus §2's other rules.

use proptest::prelude::*;

use super::*;
use crate::model::{
    AnalysisTemplate, DryRun, IntOrString, MeasurementRetention, MetricProvider, PrometheusMetric,
    TemplateRef, WebMetric,
};

fn arg(name: &str, value: Option<&str>) -> Argument {
    Argument {
        name: name.to_string(),
        value: value.map(str::to_string),
        value_from: None,
    }
}

fn err_text<T: std::fmt::Debug>(r: Result<T, ArgsError>) -> String {
    r.expect_err("error").to_string()
}

#[test]
fn resolve_without_tags_or_args() {
    assert_eq!(resolve_tags("test", &[]).expect("ok"), "test");
}

#[test]
fn resolve_trims_whitespace_inside_braces() {
    let args = [arg("var", Some("foo"))];
    assert_eq!(
        resolve_tags("test-{{ args.var }}", &args).expect("ok"),
        "test-foo"
    );
    assert_eq!(
        resolve_tags("test-{{args.var}}", &args).expect("ok"),
        "test-foo"
    );
    assert_eq!(resolve_tags("{{\targs.var\n}}", &args).expect("ok"), "foo");
}

#[test]
fn unterminated_tag_is_fasttemplates_error() {
    assert_eq!(
        err_text(resolve_tags("test-{{args.var", &[])),
        "Cannot find end tag=\"}}\" in the template=\"test-{{args.var\" starting from \"args.var\""
    );
    // Parsing comes first: it wins over a missing value.
    assert!(
        err_text(resolve_tags("{{args.var", &[arg("x", None)])).starts_with("Cannot find end tag")
    );
}

#[test]
fn unknown_tag_and_missing_value() {
    assert_eq!(
        err_text(resolve_tags("test-{{args.var}}", &[])),
        "failed to resolve {{args.var}}"
    );
    assert_eq!(
        err_text(resolve_tags("{{args.test}}", &[arg("test", None)])),
        "argument \"test\" was not supplied"
    );
    // Even when the template never uses it.
    assert_eq!(
        err_text(resolve_tags(
            "plain",
            &[arg("a", Some("1")), arg("b", None)]
        )),
        "argument \"b\" was not supplied"
    );
    // The tag is quoted as written (untrimmed); the last failing tag wins.
    assert_eq!(
        err_text(resolve_tags("{{ secrets.x }} {{workflow.name}}", &[])),
        "failed to resolve {{workflow.name}}"
    );
}

#[test]
fn quoted_mode_escapes_values() {
    let args = [arg("var", Some("double quotes\"newline\nand tab\t"))];
    assert_eq!(
        resolve_quoted_tags("test-{{args.var}}", &args).expect("ok"),
        "test-double quotes\\\"newline\\nand tab\\t"
    );
    assert_eq!(
        resolve_tags("test-{{args.var}}", &args).expect("ok"),
        "test-double quotes\"newline\nand tab\t"
    );
}

#[test]
fn names_with_dashes_and_dots() {
    let args = [
        arg("service-name", Some("s")),
        arg("restarts.max-restarts", Some("3")),
    ];
    assert_eq!(
        resolve_tags(
            "{{args.service-name}} > {{ args.restarts.max-restarts }}",
            &args
        )
        .expect("ok"),
        "s > 3"
    );
}

fn prom_metric(name: &str, query: &str) -> Metric {
    Metric {
        name: name.to_string(),
        provider: MetricProvider {
            prometheus: Some(PrometheusMetric {
                query: Some(query.to_string()),
                ..PrometheusMetric::default()
            }),
            ..MetricProvider::default()
        },
        ..Metric::default()
    }
}

#[test]
fn metric_args_resolve() {
    let args = [
        arg("metric-name", Some("success-rate")),
        arg("metric-name2", Some("success-rate2")),
    ];
    let m1 = Metric {
        name: "metric-name".into(),
        success_condition: Some("result > {{args.metric-name}}".into()),
        ..Metric::default()
    };
    let out = template_metrics(&[m1], &args).expect("ok");
    assert_eq!(
        out[0].success_condition.as_deref(),
        Some("result > success-rate")
    );
}

#[test]
fn metric_args_with_quotes_arrive_verbatim() {
    let value = "foo \"bar\" baz\nline2\ttab \\ back <&>";
    let m = Metric {
        name: "rate".into(),
        success_condition: Some("{{args.rate}}".into()),
        ..Metric::default()
    };
    let out = template_metric(&m, &[arg("rate", Some(value))]).expect("ok");
    assert_eq!(out.success_condition.as_deref(), Some(value));
}

#[test]
fn whole_metric_is_templated_including_count_and_provider() {
    let mut m = prom_metric("{{args.name}}", "up{job=\"{{ args.job }}\"}");
    m.count = Some(IntOrString::String("{{args.n}}".into()));
    m.interval = Some("{{args.every}}".into());
    m.provider.prometheus = None;
    m.provider.web = Some(WebMetric {
        url: "http://x/{{args.job}}".into(),
        json_body: Some(serde_json::json!({"q": "{{args.job}}", "n": 1})),
        ..WebMetric::default()
    });
    let args = [
        arg("name", Some("m")),
        arg("job", Some("api")),
        arg("n", Some("5")),
        arg("every", Some("30s")),
    ];
    let out = template_metric(&m, &args).expect("ok");
    assert_eq!(out.name, "m");
    assert_eq!(out.count.as_ref().map(IntOrString::int_value), Some(5));
    assert_eq!(out.interval.as_deref(), Some("30s"));
    let web = out.provider.web.expect("web");
    assert_eq!(web.url, "http://x/api");
    assert_eq!(web.json_body, Some(serde_json::json!({"q": "api", "n": 1})));
}

#[test]
fn last_failing_tag_in_json_field_order_wins() {
    // Argo's TestResolveMetricArgsUnableToSubstitute: provider comes after successCondition.
    let mut m = prom_metric("rate", "{{args.metric-name}}");
    m.success_condition = Some("{{args.does-not-exist}}".into());
    assert_eq!(
        err_text(template_metric(&m, &[])),
        "failed to resolve {{args.metric-name}}"
    );
    // consecutiveSuccessLimit is after provider in Argo's struct.
    m.consecutive_success_limit = Some(IntOrString::String("{{args.csl}}".into()));
    assert_eq!(
        err_text(template_metric(&m, &[])),
        "failed to resolve {{args.csl}}"
    );
    // Across metrics the first failing metric decides.
    let a = prom_metric("a", "{{args.first}}");
    let b = prom_metric("b", "{{args.second}}");
    assert_eq!(
        err_text(template_metrics(&[a, b], &[])),
        "failed to resolve {{args.first}}"
    );
}

#[test]
fn tags_see_go_json_escaping() {
    let m = prom_metric("a", "{{args.a&b}} <x>");
    assert_eq!(
        err_text(template_metric(&m, &[])),
        "failed to resolve {{args.a\\u0026b}}"
    );
    let json = metric_json(&m).expect("json");
    assert_eq!(
        json,
        r#"{"name":"a","provider":{"prometheus":{"query":"{{args.a\u0026b}} \u003cx\u003e"}}}"#
    );
}

#[test]
fn unclosed_tag_in_a_metric_closes_on_the_json_braces() {
    // The metric's JSON always ends in `}}`, so an unclosed `{{` swallows JSON syntax.
    let m = prom_metric("a", "x{{args.q");
    assert_eq!(
        err_text(template_metric(&m, &[])),
        r#"failed to resolve {{args.q"}}"#
    );
}

#[test]
fn unused_missing_arg_fails_metric_templating() {
    let m = prom_metric("a", "up");
    assert_eq!(
        err_text(template_metrics(&[m], &[arg("field", None)])),
        "argument \"field\" was not supplied"
    );
}

#[test]
fn metric_without_tags_round_trips() {
    let mut m = prom_metric("a", "sum(x) / 2 > 0.5 && y < 3");
    m.failure_limit = Some(IntOrString::Int(-1));
    m.consecutive_success_limit = Some(IntOrString::Int(2));
    m.provider.other.insert(
        "job".into(),
        serde_json::json!({"spec": {"x": [1, 2.5, "s"]}}),
    );
    assert_eq!(template_metric(&m, &[]).expect("ok"), m);
}

fn template(kind: &str, name: &str, metrics: &[&str], args: &[Argument]) -> AnalysisTemplate {
    let mut t = AnalysisTemplate {
        kind: Some(kind.to_string()),
        ..AnalysisTemplate::default()
    };
    t.metadata.name = Some(name.to_string());
    t.spec.metrics = metrics.iter().map(|m| prom_metric(m, "up")).collect();
    t.spec.args = args.to_vec();
    t
}

const AT: &str = "AnalysisTemplate";
const CAT: &str = "ClusterAnalysisTemplate";

#[test]
fn flatten_concatenates_namespaced_then_cluster() {
    let a = template(CAT, "c", &["cluster"], &[]);
    let b = template(AT, "n", &["namespaced"], &[]);
    let run = build_run("r", &[&a, &b], &[]).expect("ok");
    let names: Vec<&str> = run.spec.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["namespaced", "cluster"]);
    assert_eq!(run.metadata.name.as_deref(), Some("r"));
    assert_eq!(run.kind.as_deref(), Some("AnalysisRun"));
    assert!(
        flatten_templates(&[], &[])
            .expect("empty")
            .metrics
            .is_empty()
    );
}

#[test]
fn flatten_errors() {
    let a = template(AT, "a", &["foo"], &[]);
    assert_eq!(
        err_text(flatten_templates(&[&a, &a], &[])),
        "two metrics have the same name 'foo'"
    );
    let mut x = template(AT, "x", &["foo"], &[]);
    let mut y = template(AT, "y", &["bar"], &[]);
    x.spec.dry_run = vec![DryRun {
        metric_name: "foo".into(),
    }];
    y.spec.dry_run = x.spec.dry_run.clone();
    assert_eq!(
        err_text(flatten_templates(&[&x, &y], &[])),
        "two Dry-Run metric rules have the same name 'foo'"
    );
    x.spec.dry_run.clear();
    y.spec.dry_run.clear();
    x.spec.measurement_retention = vec![MeasurementRetention {
        metric_name: "foo".into(),
        limit: 0,
    }];
    y.spec.measurement_retention = x.spec.measurement_retention.clone();
    assert_eq!(
        err_text(flatten_templates(&[&x, &y], &[])),
        "two Measurement Retention metric rules have the same name 'foo'"
    );
}

#[test]
fn flatten_merges_args() {
    let x = template(AT, "x", &[], &[arg("foo", Some("true"))]);
    let y = template(AT, "y", &[], &[arg("bar", Some("true"))]);
    let spec = flatten_templates(&[&x, &y], &[]).expect("ok");
    assert_eq!(
        spec.args,
        vec![arg("foo", Some("true")), arg("bar", Some("true"))]
    );
    // A value is not replaced by a later arg without one, and fills an earlier nil.
    let y = template(AT, "y", &[], &[arg("foo", None)]);
    let spec = flatten_templates(&[&x, &y], &[]).expect("ok");
    assert_eq!(spec.args, vec![arg("foo", Some("true"))]);
    let spec = flatten_templates(&[&y, &x], &[]).expect("ok");
    assert_eq!(spec.args, vec![arg("foo", Some("true"))]);
    let z = template(AT, "z", &[], &[arg("foo", Some("false"))]);
    assert_eq!(
        err_text(flatten_templates(&[&x, &z], &[])),
        "Argument `foo` specified multiple times with different values: 'true', 'false'"
    );
}

#[test]
fn merge_args_rules() {
    assert!(merge_args(&[], &[]).expect("empty").is_empty());
    let secret = Argument::from_secret("my-secret", "name", "key");
    let out = merge_args(&[], &[arg("foo", Some("bar")), secret.clone()]).expect("defaults");
    assert_eq!(out, vec![arg("foo", Some("bar")), secret.clone()]);
    let out = merge_args(&[arg("foo", Some("overwrite"))], &[arg("foo", Some("bar"))]).expect("ok");
    assert_eq!(out, vec![arg("foo", Some("overwrite"))]);
    assert_eq!(
        err_text(merge_args(&[arg("foo", None)], &[arg("foo", None)])),
        "args.foo was not resolved"
    );
    let out = merge_args(
        &[
            arg("foo", Some("my-value")),
            arg("extra-arg", Some("extra-value")),
        ],
        &[arg("foo", None)],
    )
    .expect("extra dropped");
    assert_eq!(out, vec![arg("foo", Some("my-value"))]);
    // A caller valueFrom fills an arg without a value.
    let mut from = secret.clone();
    from.name = "foo".into();
    let out = merge_args(&[from.clone()], &[arg("foo", None)]).expect("valueFrom");
    assert_eq!(out[0].value_from, from.value_from);
}

#[test]
fn build_run_merges_caller_rules_first_and_rejects_duplicates() {
    let mut t = template(AT, "t", &["a", "b"], &[arg("x", None)]);
    t.spec.dry_run = vec![DryRun {
        metric_name: "a".into(),
    }];
    let caller_dry = [DryRun {
        metric_name: "b".into(),
    }];
    let run = build_run_from(
        "r",
        &[&t],
        &[],
        RunRequest {
            args: &[arg("x", Some("1"))],
            dry_run: &caller_dry,
            measurement_retention: &[],
        },
    )
    .expect("ok");
    let rules: Vec<&str> = run
        .spec
        .dry_run
        .iter()
        .map(|r| r.metric_name.as_str())
        .collect();
    assert_eq!(rules, vec!["b", "a"]);
    assert_eq!(run.spec.args, vec![arg("x", Some("1"))]);
    let dup = [DryRun {
        metric_name: "a".into(),
    }];
    let req = RunRequest {
        args: &[arg("x", Some("1"))],
        dry_run: &dup,
        measurement_retention: &[],
    };
    assert_eq!(
        err_text(build_run_from("r", &[&t], &[], req)),
        "two Dry-Run metric rules have the same name 'a'"
    );
    assert_eq!(
        err_text(build_run("r", &[&t], &[])),
        "args.x was not resolved"
    );
}

#[test]
fn template_refs_resolve_nested_and_report_missing() {
    let mut outer = template(AT, "outer", &["o"], &[]);
    outer.spec.templates = vec![
        TemplateRef {
            template_name: "inner".into(),
            cluster_scope: true,
        },
        TemplateRef {
            template_name: "leaf".into(),
            cluster_scope: false,
        },
    ];
    let inner = template(CAT, "inner", &["i"], &[]);
    let leaf = template(AT, "leaf", &["l"], &[]);
    let all = vec![outer, inner, leaf];
    let refs = [
        TemplateRef {
            template_name: "outer".into(),
            cluster_scope: false,
        },
        TemplateRef {
            template_name: "leaf".into(),
            cluster_scope: false,
        },
    ];
    let (ns, cl) = resolve_template_refs(&refs, &all).expect("ok");
    let names = |v: &[&AnalysisTemplate]| -> Vec<String> {
        v.iter().filter_map(|t| t.metadata.name.clone()).collect()
    };
    assert_eq!(names(&ns), vec!["outer", "leaf"]);
    assert_eq!(names(&cl), vec!["inner"]);
    let missing = [TemplateRef {
        template_name: "nope".into(),
        cluster_scope: true,
    }];
    assert_eq!(
        err_text(resolve_template_refs(&missing, &all)),
        "clusteranalysistemplate.argoproj.io \"nope\" not found"
    );
    let mut cyc = template(AT, "cyc", &[], &[]);
    cyc.spec.templates = vec![TemplateRef {
        template_name: "cyc".into(),
        cluster_scope: false,
    }];
    let refs = cyc.spec.templates.clone();
    assert!(resolve_template_refs(&refs, &[cyc]).is_err());
}

proptest! {
    #[test]
    fn templating_never_panics(text in "\\PC{0,80}", value in "\\PC{0,20}") {
        let args = [arg("x", Some(&value)), arg("a-b.c", Some("v"))];
        let _ = resolve_tags(&text, &args);
        let _ = resolve_quoted_tags(&text, &args);
        let m = prom_metric(&text, &text);
        let _ = template_metric(&m, &args);
    }

    #[test]
    fn any_value_round_trips_through_a_metric(value in "\\PC{0,40}") {
        let m = prom_metric("m", "q {{args.v}} q");
        let out = template_metric(&m, &[arg("v", Some(&value))]);
        // Go's quoting can produce escapes JSON rejects (`\a`, `\x01`); otherwise exact.
        if let Ok(out) = out {
            let q = out.provider.prometheus.and_then(|p| p.query);
            prop_assert_eq!(q, Some(format!("q {value} q")));
        }
    }
}
