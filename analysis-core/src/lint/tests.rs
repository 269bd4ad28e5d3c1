use super::*;
use crate::provider::spec::{Endpoint, ResultShape};

/// A provider the linter knows, with nothing to say about its result. The real providers'
/// traps and result types are tested with their specs in `providers/tests/lint.rs`.
struct Opaque(&'static str);

impl ProviderSpec for Opaque {
    fn kind(&self) -> &'static str {
        self.0
    }

    fn result(&self) -> ResultShape {
        ResultShape::unknown()
    }

    fn endpoints<'m>(&self, _metric: &'m Metric) -> Vec<Endpoint<'m>> {
        Vec::new()
    }
}

fn lint(yaml: &str) -> Vec<String> {
    lint_str_with(yaml, "t.yaml", &[&Opaque("web")])
        .iter()
        .map(|d| d.to_string())
        .collect()
}

const HEAD: &str =
    "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\nspec:\n";

#[test]
fn clean_template_has_no_findings() {
    let d = lint(&format!(
        "{HEAD}  args:\n  - name: host\n  metrics:\n  - name: color\n    interval: 5s\n    failureLimit: 1\n    successCondition: result == \"ok\"\n    provider:\n      web:\n        url: http://{{{{args.host}}}}/\n        jsonPath: \"{{$.status}}\"\n"
    ));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn undeclared_arg_bad_interval_star_rule_and_unsupported_provider() {
    let d = lint(&format!(
        "{HEAD}  dryRun:\n  - metricName: \"*\"\n  metrics:\n  - name: a\n    interval: 30\n    successCondition: result == {{{{args.nope}}}}\n    provider:\n      web:\n        url: http://x/\n  - name: b\n    provider:\n      datadog:\n        query: q\n"
    ));
    let all = d.join("\n");
    assert!(
        all.contains("error: failed to resolve {{args.nope}}"),
        "{all}"
    );
    assert!(all.contains("warning: metricName \"*\""), "{all}");
    assert!(
        all.contains("error: dryRun[0]: Rule didn't match any metric name(s)"),
        "{all}"
    );
    assert!(
        all.contains("warning: provider datadog is not supported"),
        "{all}"
    );
}

#[test]
fn invalid_interval_is_reported_with_argo_text() {
    let d = lint(&format!(
        "{HEAD}  metrics:\n  - name: a\n    interval: \"30\"\n    provider:\n      web:\n        url: http://x/\n"
    ));
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].contains("error: invalid interval string: time: missing unit in duration \"30\""),
        "{d:?}"
    );
}

#[test]
fn yaml_errors_point_at_the_spot() {
    let d = lint("metrics:\n  - name: [\n");
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("t.yaml:"), "{d:?}");
    assert!(d[0].contains(": error: "), "{d:?}");
}

#[test]
fn snippets_may_use_undeclared_args_and_composed_templates_have_no_metrics() {
    let d = lint(
        "metrics:\n- name: a\n  successCondition: result == \"{{args.want}}\"\n  provider:\n    web:\n      url: http://x/\n",
    );
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].contains("warning: snippet uses {{args.want}} without declaring it"),
        "{d:?}"
    );
    let composed = lint(&format!("{HEAD}  templates:\n  - templateName: other\n"));
    assert!(composed.is_empty(), "{composed:?}");
}

#[test]
fn run_with_missing_arg_value_is_an_error() {
    let d = lint(
        "kind: AnalysisRun\nmetadata:\n  name: r\nspec:\n  args:\n  - name: host\n  metrics:\n  - name: a\n    provider:\n      web:\n        url: http://{{args.host}}/\n",
    );
    assert!(
        d.iter()
            .any(|l| l.contains("error: argument \"host\" was not supplied")),
        "{d:?}"
    );
}

#[test]
fn the_manifest_alone_knows_no_provider() {
    let text =
        format!("{HEAD}  metrics:\n  - name: b\n    provider:\n      datadog:\n        query: q\n");
    assert!(lint_str(&text, "t.yaml").is_empty());
    assert_eq!(lint(&text).len(), 1);
}

#[test]
fn unknown_fields_are_errors_at_the_key_with_a_suggestion() {
    let text = format!(
        "{HEAD}  metrics:\n  - name: m\n    sucessCondition: result == 1\n    intervall: 2s\n    provider:\n      web:\n        url: http://x/\n        colour: blue\n"
    );
    let d = lint(&text);
    assert_eq!(
        d,
        vec![
            "t.yaml:8:5: error: unknown field \"sucessCondition\" (did you mean \"successCondition\"?)",
            "t.yaml:9:5: error: unknown field \"intervall\" (did you mean \"interval\"?)",
            "t.yaml:13:9: error: unknown field \"colour\"",
        ]
    );
    assert!(has_errors(&lint_str(&text, "t.yaml")));
    // What a manifest may carry freely is not reported: metadata Augur does not model, free
    // maps, and provider kinds Augur does not run (those get their own warning).
    let d = lint(
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\n  uid: x\n  labels: {a: b}\nspec:\n  metrics:\n  - name: m\n    provider:\n      datadog: {query: q}\n",
    );
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].contains("warning: provider datadog is not supported"),
        "{d:?}"
    );
}

/// Issue 10, item 12: the service lints what it is sent with the same checks, without a file.
#[test]
fn runs_and_templates_without_a_file_get_the_same_messages_and_their_field() {
    let text = "kind: AnalysisRun\nmetadata:\n  name: r\nspec:\n  metrics:\n  - name: a\n    count: -5\n    interval: 5s\n    successCondition: result >\n    provider:\n      web:\n        url: http://x/\n";
    let from_file = lint_str_with(text, "r.yaml", &[&Opaque("web")]);
    let docs = crate::load::load_str(text, "r.yaml").unwrap();
    let run = docs[0].run().unwrap();
    let from_object = lint_run(run, &[&Opaque("web")]);
    let messages = |d: &[Diagnostic]| d.iter().map(|d| d.message.clone()).collect::<Vec<_>>();
    assert_eq!(messages(&from_object), messages(&from_file));
    let paths: Vec<&str> = from_object.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        ["spec.metrics[0].count", "spec.metrics[0].successCondition"],
        "{from_object:?}"
    );
    assert!(
        from_object[0]
            .message
            .contains("count must be >= 0, got -5")
    );
    assert!(has_errors(&from_object));

    let template = crate::model::AnalysisTemplate {
        kind: Some("AnalysisTemplate".into()),
        ..Default::default()
    };
    let d = lint_template(&template, &[]);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].message, "no metrics specified");
}
