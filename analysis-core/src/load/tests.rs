use proptest::prelude::*;

use super::*;
use crate::model::IntOrString;

const TEMPLATE: &str = "\
# leading comment
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: service-name
  - name: runs
    value: 5
  - name: flag
    value: true
  metrics:
  - name: success-rate
    interval: 5m
    count: \"{{args.runs}}\"
    successCondition: result[0] >= 0.95
    failureLimit: 3
    provider:
      prometheus:
        address: http://prometheus.example.com:9090
        query: |
          sum(rate(x{service=\"{{args.service-name}}\"}[5m]))
---
kind: Rollout
metadata:
  name: r
---
";

fn one(text: &str) -> Document {
    let mut docs = load_str(text, "t.yaml").expect("loads");
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs.remove(0)
}

#[test]
fn loads_template_and_skips_other_kinds() {
    let docs = load_str(TEMPLATE, "t.yaml").expect("loads");
    assert_eq!(docs.len(), 2);
    let t = docs[0].template().expect("template");
    assert_eq!(t.kind.as_deref(), Some("AnalysisTemplate"));
    assert_eq!(docs[0].line, 2);
    let m = &t.spec.metrics[0];
    assert_eq!(m.count, Some(IntOrString::String("{{args.runs}}".into())));
    assert_eq!(m.failure_limit, Some(IntOrString::Int(3)));
    assert_eq!(m.interval.as_deref(), Some("5m"));
    assert!(m.provider.prometheus.as_ref().is_some_and(|p| {
        p.query
            .as_deref()
            .is_some_and(|q| q.starts_with("sum(rate"))
    }));
    assert_eq!(t.spec.args[0].value, None);
    assert_eq!(t.spec.args[1].value.as_deref(), Some("5"));
    assert_eq!(t.spec.args[2].value.as_deref(), Some("true"));
    match &docs[1].content {
        Content::Skipped { kind, .. } => assert_eq!(kind, "Rollout"),
        other => panic!("{other:?}"),
    }
    assert_eq!(docs[1].line, 25);
}

#[test]
fn positions_of_metrics_and_fields() {
    let docs = load_str(TEMPLATE, "t.yaml").expect("loads");
    let p = &docs[0].positions;
    assert_eq!(p.metric(0).map(|p| (p.line, p.col)), Some((14, 5)));
    let sc = p.get("spec.metrics[0].successCondition").expect("pos");
    assert_eq!(sc.key.map(|k| (k.line, k.col)), Some((17, 5)));
    assert_eq!((sc.value.line, sc.value.col), (17, 23));
    assert_eq!(sc.style, Some(Style::Plain));
    assert_eq!(
        &TEMPLATE[sc.value.offset..sc.end.offset],
        "result[0] >= 0.95"
    );
    assert_eq!(p.metric_field(0, "interval").map(|p| p.line), Some(15));
    assert_eq!(p.metric_field(0, "count").map(|p| p.line), Some(16));
    assert_eq!(p.metric_field(0, "provider").map(|p| p.line), Some(19));
    assert_eq!(
        p.at("spec.metrics[0].provider.prometheus.query")
            .map(|p| p.line),
        Some(22)
    );
    assert_eq!(p.at("metadata.name").map(|p| p.line), Some(5));
    assert_eq!(docs[0].locate("spec.metrics[0].interval"), "t.yaml:15:5");
}

#[test]
fn schema_error_names_file_line_col_and_path() {
    let text = "kind: AnalysisTemplate\nspec:\n  metrics:\n  - name: a\n    failureLimit: [1]\n";
    let err = load_str(text, "templates.yaml").expect_err("bad type");
    let msg = err.to_string();
    assert!(
        msg.starts_with("templates.yaml:5:19: spec.metrics[0].failureLimit: "),
        "{msg}"
    );
    let text = "kind: AnalysisRun\nspec:\n  metrics:\n  - interval: 5s\n";
    let msg = load_str(text, "r.yaml")
        .expect_err("missing name")
        .to_string();
    assert_eq!(msg, "r.yaml:4:5: spec.metrics[0]: missing field `name`");
    let text = "kind: AnalysisRun\nspec:\n  terminate: maybe\n";
    let msg = load_str(text, "r.yaml").expect_err("bad bool").to_string();
    assert!(
        msg.starts_with("r.yaml:3:14: spec.terminate: invalid type"),
        "{msg}"
    );
}

#[test]
fn syntax_error_has_position() {
    let err = load_str("kind: AnalysisTemplate\nspec: [1, 2\n", "x.yaml").expect_err("syntax");
    assert!(matches!(err, LoadError::Syntax { .. }), "{err}");
    assert!(err.to_string().starts_with("x.yaml:"), "{err}");
}

#[test]
fn bare_metrics_snippet_is_a_partial_template() {
    let d = one("metrics:\n- name: web\n  provider:\n    web:\n      url: http://x\n");
    let t = d.template().expect("template");
    assert_eq!(t.kind, None);
    assert_eq!(t.spec.metrics[0].name, "web");
    assert_eq!(d.positions.metric(0).map(|p| p.line), Some(2));
    assert_eq!(
        d.positions.metric_field(0, "provider").map(|p| p.line),
        Some(3)
    );
}

#[test]
fn json_loads_with_positions() {
    let text = "{\n\t\"kind\": \"AnalysisRun\",\n\t\"spec\": {\"metrics\": [{\"name\": \"a\", \"count\": 2,\"interval\":\"1s\",\n\t\"provider\": {\"job\": {}}}]}\n}\n";
    let d = one(text);
    let r = d.run().expect("run");
    assert_eq!(r.spec.metrics[0].count, Some(IntOrString::Int(2)));
    assert!(r.spec.metrics[0].provider.other.contains_key("job"));
    assert_eq!(d.positions.metric(0).map(|p| p.line), Some(3));
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let text = "\
kind: AnalysisTemplate
spec:
  metrics:
  - &base
    name: a
    interval: 1m
    provider: {web: {url: http://x}}
  - <<: *base
    name: b
";
    let d = one(text);
    let t = d.template().expect("template");
    assert_eq!(t.spec.metrics[1].name, "b");
    assert_eq!(t.spec.metrics[1].interval.as_deref(), Some("1m"));
    assert!(t.spec.metrics[1].provider.web.is_some());
}

#[test]
fn alias_bombs_and_deep_nesting_are_refused_not_fatal() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in 'b'..='k' {
        bomb.push_str(&format!(
            "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
        prev = c;
    }
    bomb.push_str(
        "kind: AnalysisTemplate\nspec:\n  metrics:\n  - name: n\n    provider:\n      job: *k\n",
    );
    assert!(load_str(&bomb, "bomb.yaml").is_err());
    let deep = format!(
        "kind: AnalysisRun\nspec:\n  metrics:\n  - name: n\n    provider:\n      job: {}{}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    assert!(load_str(&deep, "deep.yaml").is_err());
}

#[test]
fn empty_documents_and_non_objects() {
    assert!(load_str("", "e.yaml").expect("ok").is_empty());
    assert!(
        load_str("# only a comment\n---\n", "e.yaml")
            .expect("ok")
            .is_empty()
    );
    let d = one("- 1\n- 2\n");
    assert!(matches!(d.content, Content::Skipped { .. }));
}

#[test]
fn yaml_scalars_resolve_like_go_yaml_in_untyped_fields() {
    let d = one(
        "kind: AnalysisRun\nspec:\n  metrics:\n  - name: a\n    count: 0x10\n    failureLimit: '3'\n    provider:\n      web:\n        url: u\n        jsonBody: {a: yes, b: ~, c: 1.5, d: \"1\"}\n",
    );
    let m = &d.run().expect("run").spec.metrics[0];
    assert_eq!(m.count, Some(IntOrString::Int(16)));
    assert_eq!(m.failure_limit, Some(IntOrString::String("3".into())));
    let body = m.provider.web.as_ref().and_then(|w| w.json_body.clone());
    assert_eq!(
        body,
        Some(serde_json::json!({"a": true, "b": null, "c": 1.5, "d": "1"}))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn loader_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = load_str(&text, "fuzz.yaml");
    }

    #[test]
    fn loader_never_panics_on_yamlish_text(
        text in proptest::collection::vec(
            prop_oneof![
                Just("kind: AnalysisTemplate\n"), Just("kind: AnalysisRun\n"), Just("spec:\n"),
                Just("  metrics:\n"), Just("  - name: a\n"), Just("    count: "), Just("5\n"),
                Just("\"x\"\n"), Just("[1, {a: b}]\n"), Just("&a "), Just("*a\n"), Just("<<: *a\n"),
                Just("---\n"), Just("    provider: {web: {url: u}}\n"), Just("  "), Just("- "),
                Just("{"), Just("}"), Just("["), Just("]"), Just(": "), Just("|\n"), Just("\t"),
                Just("!!str "), Just("~\n"), Just("'"), Just("\""), Just("#c\n"), Just("\n"),
            ],
            0..40,
        )
    ) {
        let text: String = text.concat();
        let _ = load_str(&text, "fuzz.yaml");
    }
}

#[test]
fn a_default_kind_reads_kindless_bodies_with_positions() {
    let body = "{\"metadata\": {\"name\": \"r\"},\n \"spec\": {\"metrics\": [{\"name\": \"m\", \"count\": [1]}]}}";
    assert!(matches!(
        load_str(body, "body").map(|d| d.into_iter().next().map(|d| d.content)),
        Ok(Some(Content::Skipped { .. }))
    ));
    let err = load_str_as(body, "body", Some("AnalysisRun"))
        .err()
        .map(|e| (e.pos().map(|p| p.line), e.to_string()));
    let (line, text) = err.unwrap_or_default();
    assert_eq!(line, Some(2));
    assert!(text.starts_with("body:2:"), "{text}");
    assert!(text.contains("spec.metrics[0].count: "), "{text}");
    let ok = load_str_as(
        "metadata: {name: r}\nspec: {metrics: [{name: m}]}",
        "b",
        Some("AnalysisRun"),
    )
    .expect("loads");
    assert_eq!(
        ok.first()
            .and_then(Document::run)
            .map(|r| r.spec.metrics.len()),
        Some(1)
    );
    let kinded = load_str_as(
        "kind: Rollout\nmetadata: {name: r}",
        "b",
        Some("AnalysisRun"),
    )
    .expect("loads");
    assert!(kinded.first().is_some_and(|d| d.run().is_none()));
}

fn unknown(doc: &Document) -> Vec<(String, usize, usize, String)> {
    doc.unknown_fields
        .iter()
        .map(|u| (u.path.clone(), u.pos.line, u.pos.col, u.to_string()))
        .collect()
}

const TYPOS: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: t
  uid: 0b5d
  resourceVersion: \"7\"
  labels: {team: a}
  annotations: {note: b}
  managedFields: [{manager: kubectl}]
spec:
  args:
  - name: host
    valu: x
  metrics:
  - name: ok
    provider:
      web:
        url: http://x/
        method: POST
        jsonBody: {anything: {goes: [here]}}
        headers:
        - key: a
          value: b
          vlaue: c
  - name: typo
    sucessCondition: result == 1
    intervall: 2s
    colour: blue
    provider:
      prometheus:
        qurey: up
        rangeQuery: {step: 1m, stpe: 2m}
  - name: other-providers
    provider:
      datadog: {query: q, anything: 1}
      plugin:
        argoproj-labs/sample: {x: 1}
  templats: []
";

#[test]
fn unknown_fields_are_kept_with_path_position_and_suggestion() {
    let doc = one(TYPOS);
    assert_eq!(
        unknown(&doc),
        vec![
            (
                "spec.args[0].valu".into(),
                13,
                5,
                "unknown field \"valu\" (did you mean \"value\"?)".into()
            ),
            (
                "spec.metrics[0].provider.web.headers[0].vlaue".into(),
                24,
                11,
                "unknown field \"vlaue\" (did you mean \"value\"?)".into()
            ),
            (
                "spec.metrics[1].sucessCondition".into(),
                26,
                5,
                "unknown field \"sucessCondition\" (did you mean \"successCondition\"?)".into()
            ),
            (
                "spec.metrics[1].intervall".into(),
                27,
                5,
                "unknown field \"intervall\" (did you mean \"interval\"?)".into()
            ),
            (
                "spec.metrics[1].colour".into(),
                28,
                5,
                "unknown field \"colour\"".into()
            ),
            (
                "spec.metrics[1].provider.prometheus.qurey".into(),
                31,
                9,
                "unknown field \"qurey\" (did you mean \"query\"?)".into()
            ),
            (
                "spec.metrics[1].provider.prometheus.rangeQuery.stpe".into(),
                32,
                32,
                "unknown field \"stpe\" (did you mean \"step\"?)".into()
            ),
            (
                "spec.templats".into(),
                38,
                3,
                "unknown field \"templats\" (did you mean \"templates\"?)".into()
            ),
        ]
    );
    // The known names at each spot come from the model, not from a list kept by hand.
    let at = |path: &str| doc.unknown_fields.iter().find(|u| u.path == path);
    assert!(at("spec.metrics[1].colour").is_some_and(|u| u.known.contains(&"failureLimit")));
    // Unknown provider kinds stay in `provider.other`, for lint's own warning.
    let t = doc.template().expect("template");
    assert_eq!(
        t.spec.metrics[2].provider.kinds(),
        vec!["datadog", "plugin"]
    );
    assert!(t.metadata.other.contains_key("uid"));
}

#[test]
fn unknown_fields_in_runs_and_their_status() {
    let doc = one(
        "kind: AnalysisRun\nmetadata: {name: r}\nspec:\n  terminat: true\n  metrics: [{name: m, provider: {web: {url: u}}}]\nstatus:\n  phase: Running\n  metricResults:\n  - name: m\n    phase: Running\n    measurements:\n    - phase: Successful\n      valeu: \"1\"\n",
    );
    assert_eq!(
        unknown(&doc),
        vec![
            (
                "spec.terminat".into(),
                4,
                3,
                "unknown field \"terminat\" (did you mean \"terminate\"?)".into()
            ),
            (
                "status.metricResults[0].measurements[0].valeu".into(),
                13,
                7,
                "unknown field \"valeu\" (did you mean \"value\"?)".into()
            ),
        ]
    );
}

#[test]
fn unknown_fields_in_json_and_in_bare_snippets() {
    let json = "{\n  \"kind\": \"AnalysisTemplate\",\n  \"spec\": {\"metrics\": [\n    {\"name\": \"m\", \"Interval\": \"5s\", \"jsonBody\": 1}\n  ]}\n}\n";
    let doc = one(json);
    assert_eq!(
        unknown(&doc),
        vec![
            (
                "spec.metrics[0].Interval".into(),
                4,
                19,
                "unknown field \"Interval\" (did you mean \"interval\"?)".into()
            ),
            (
                "spec.metrics[0].jsonBody".into(),
                4,
                37,
                "unknown field \"jsonBody\"".into()
            ),
        ]
    );
    // A snippet is indexed under `spec`, as its positions are.
    let doc = one("metrics:\n- name: m\n  failureLimt: 1\n");
    assert_eq!(
        unknown(&doc),
        vec![(
            "spec.metrics[0].failureLimt".into(),
            3,
            3,
            "unknown field \"failureLimt\" (did you mean \"failureLimit\"?)".into()
        )]
    );
    assert!(doc.positions.get("spec.metrics[0].failureLimt").is_some());
    // Documents that are not analysis resources are not checked.
    let doc = one("kind: Rollout\nspec: {anything: 1}\n");
    assert!(doc.unknown_fields.is_empty());
}

#[test]
fn unknown_fields_through_aliases_are_bounded() {
    let mut text =
        String::from("kind: AnalysisTemplate\nspec:\n  metrics:\n  - &m {name: m, bogus: 1}\n");
    for _ in 0..300 {
        text.push_str("  - *m\n");
    }
    let doc = one(&text);
    assert_eq!(doc.unknown_fields.len(), 100);
    assert_eq!(doc.unknown_fields[0].path, "spec.metrics[0].bogus");
    assert_eq!(doc.unknown_fields[1].path, "spec.metrics[1].bogus");
    // Every alias use points at the anchored key.
    assert_eq!(doc.unknown_fields[1].pos.line, 4);
}
