//! Ported from Argo's `utils/analysis/factory_test.go` (TestValidateMetrics) and
//! `helpers_test.go` (TestGetDryRunMetrics, TestGetMeasurementRetentionMetrics), plus the
//! rules of semantics §1.2 / §4.2 those tests leave out.

use super::*;
use crate::model::{MetricProvider, PrometheusMetric};

fn int(i: i64) -> Option<IntOrString> {
    Some(IntOrString::Int(i))
}

fn prom(name: &str) -> Metric {
    Metric {
        name: name.to_string(),
        provider: MetricProvider {
            prometheus: Some(PrometheusMetric::default()),
            ..MetricProvider::default()
        },
        ..Metric::default()
    }
}

fn err(metrics: &[Metric]) -> String {
    match validate_metrics(metrics) {
        Err(e) => e.to_string(),
        Ok(()) => "ok".to_string(),
    }
}

#[test]
fn count_must_cover_failure_and_success_limits() {
    let mut m = prom("success-rate");
    m.count = int(1);
    m.failure_limit = int(2);
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: count (1) must be >= failureLimit + consecutiveSuccessLimit (2 + 0) if both >= 0"
    );
    m.count = int(0);
    assert_eq!(err(&[m.clone()]), "ok");
    m.count = int(3);
    m.interval = Some("1m".into());
    m.consecutive_success_limit = int(2);
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: count (3) must be >= failureLimit + consecutiveSuccessLimit (2 + 2) if both >= 0"
    );
    m.failure_limit = int(-1);
    m.consecutive_success_limit = int(4);
    assert_eq!(
        err(&[m]),
        "metrics[0]: count must be >= consecutiveSuccessLimit"
    );
}

#[test]
fn count_must_cover_inconclusive_limit() {
    let mut m = prom("success-rate");
    m.count = int(1);
    m.inconclusive_limit = int(2);
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: count must be >= inconclusiveLimit"
    );
    m.count = int(0);
    assert_eq!(err(&[m]), "ok");
}

#[test]
fn valid_metric_passes() {
    let mut m = prom("success-rate");
    m.count = int(2);
    m.interval = Some("60s".into());
    m.failure_limit = int(2);
    assert_eq!(err(&[m]), "ok");
}

#[test]
fn interval_and_initial_delay_must_parse() {
    let mut m = prom("success-rate");
    m.count = int(2);
    m.failure_limit = int(2);
    m.interval = Some("60s-typo".into());
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: invalid interval string: time: unknown unit \"s-typo\" in duration \"60s-typo\""
    );
    m.interval = Some("60s".into());
    m.initial_delay = Some("60s-typo".into());
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: invalid startDelay string: time: unknown unit \"s-typo\" in duration \"60s-typo\""
    );
    m.initial_delay = Some("30".into());
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: invalid startDelay string: time: missing unit in duration \"30\""
    );
    m.initial_delay = Some(String::new());
    assert_eq!(err(&[m]), "ok");
}

#[test]
fn no_metrics() {
    assert_eq!(err(&[]), "no metrics specified");
}

#[test]
fn interval_required_when_count_above_one() {
    let mut m = prom("success-rate");
    m.count = int(2);
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: interval must be specified when count > 1"
    );
    m.interval = Some(String::new());
    assert_eq!(
        err(&[m]),
        "metrics[0]: interval must be specified when count > 1"
    );
}

#[test]
fn duplicate_names() {
    assert_eq!(
        err(&[prom("success-rate"), prom("success-rate")]),
        "metrics[1]: duplicate name 'success-rate'"
    );
}

#[test]
fn limit_signs() {
    let mut m = prom("success-rate");
    m.failure_limit = int(-2);
    assert_eq!(
        err(&[m]),
        "metrics[0]: failureLimit must be >= 0, or -1 to be disabled"
    );
    let mut m = prom("success-rate");
    m.inconclusive_limit = int(-1);
    assert_eq!(err(&[m]), "metrics[0]: inconclusiveLimit must be >= 0");
    let mut m = prom("success-rate");
    m.consecutive_error_limit = int(-1);
    assert_eq!(err(&[m]), "metrics[0]: consecutiveErrorLimit must be >= 0");
    let mut m = prom("success-rate");
    m.consecutive_success_limit = int(-1);
    assert_eq!(
        err(&[m]),
        "metrics[0]: consecutiveSuccessLimit must be >= 0"
    );
    let mut m = prom("success-rate");
    m.consecutive_success_limit = int(0);
    m.failure_limit = int(-1);
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled"
    );
    m.consecutive_success_limit = int(1);
    assert_eq!(err(&[m]), "ok");
}

#[test]
fn string_limits_read_like_atoi() {
    let mut m = prom("a");
    m.failure_limit = Some(IntOrString::String("-2".into()));
    assert_eq!(
        err(&[m.clone()]),
        "metrics[0]: failureLimit must be >= 0, or -1 to be disabled"
    );
    m.failure_limit = Some(IntOrString::String("abc".into()));
    assert_eq!(failure_limit(&m), 0);
    assert_eq!(err(&[m]), "ok");
}

#[test]
fn provider_counting() {
    let mut m = prom("success-rate");
    m.provider.prometheus = None;
    m.count = int(1);
    assert_eq!(err(&[m.clone()]), "metrics[0]: no provider specified");
    // An unknown key is dropped by Go's decoder; a null provider is absent.
    m.provider.other.insert("foo".into(), serde_json::json!({}));
    m.provider
        .other
        .insert("job".into(), serde_json::Value::Null);
    assert_eq!(err(&[m.clone()]), "metrics[0]: no provider specified");
    m.provider.other.insert("job".into(), serde_json::json!({}));
    assert_eq!(err(&[m.clone()]), "ok");
    for k in [
        "wavefront",
        "kayenta",
        "datadog",
        "newRelic",
        "cloudWatch",
        "graphite",
        "influxdb",
    ] {
        m.provider.other.insert(k.into(), serde_json::json!({}));
    }
    m.provider.prometheus = Some(PrometheusMetric::default());
    assert_eq!(err(&[m]), "metrics[0]: multiple providers specified");
    let mut p = prom("p");
    p.provider.prometheus = None;
    p.provider
        .other
        .insert("plugin".into(), serde_json::json!({"a/b": {}, "c/d": {}}));
    assert_eq!(
        err(&[p.clone()]),
        "metrics[0]: multiple providers specified"
    );
    p.provider
        .other
        .insert("plugin".into(), serde_json::json!({"a/b": {}}));
    assert_eq!(err(&[p]), "ok");
}

#[test]
fn first_failing_metric_wins_and_is_indexed() {
    let mut bad = prom("b");
    bad.count = int(5);
    assert_eq!(
        err(&[prom("a"), bad, prom("a")]),
        "metrics[1]: interval must be specified when count > 1"
    );
}

#[test]
fn effective_count_rules() {
    let mut m = prom("a");
    assert_eq!(effective_count(&m), Some(1));
    m.interval = Some("1m".into());
    assert_eq!(effective_count(&m), None);
    m.count = int(0);
    assert_eq!(effective_count(&m), None);
    m.count = Some(IntOrString::String("abc".into()));
    assert_eq!(effective_count(&m), None);
    m.count = Some(IntOrString::String("5".into()));
    assert_eq!(effective_count(&m), Some(5));
    m.interval = None;
    m.count = int(0);
    assert_eq!(effective_count(&m), Some(1));
    m.count = int(3);
    assert_eq!(effective_count(&m), Some(3));
}

#[test]
fn limit_defaults() {
    let m = prom("a");
    assert_eq!(failure_limit(&m), 0);
    assert_eq!(inconclusive_limit(&m), 0);
    assert_eq!(consecutive_error_limit(&m), 4);
    assert_eq!(consecutive_success_limit(&m), 0);
    let mut m = m;
    m.consecutive_error_limit = Some(IntOrString::String("7".into()));
    assert_eq!(consecutive_error_limit(&m), 7);
}

fn dry(names: &[&str]) -> Vec<DryRun> {
    names
        .iter()
        .map(|n| DryRun {
            metric_name: n.to_string(),
        })
        .collect()
}

#[test]
fn dry_run_matching() {
    let metrics = [prom("success-rate"), prom("error-rate")];
    let set = dry_run_metrics(&dry(&["success-rate"]), &metrics).expect("matches");
    assert_eq!(set.into_iter().collect::<Vec<_>>(), vec!["success-rate"]);
    assert_eq!(
        dry_run_metrics(&dry(&[".*"]), &metrics).expect("all").len(),
        2
    );
    // Unanchored: `rate` matches both.
    assert_eq!(
        dry_run_metrics(&dry(&["rate"]), &metrics)
            .expect("both")
            .len(),
        2
    );
    assert_eq!(
        dry_run_metrics(&dry(&["success-rate", "latency"]), &metrics)
            .expect_err("no match")
            .to_string(),
        "dryRun[1]: Rule didn't match any metric name(s)"
    );
    // `*` is not a Go regexp: it matches nothing.
    assert_eq!(
        dry_run_metrics(&dry(&["*"]), &metrics)
            .expect_err("invalid")
            .to_string(),
        "dryRun[0]: Rule didn't match any metric name(s)"
    );
    assert!(dry_run_metrics(&[], &metrics).expect("empty").is_empty());
    assert!(!go_match("^rate$", "error-rate"));
}

fn keep(name: &str, limit: i32) -> MeasurementRetention {
    MeasurementRetention {
        metric_name: name.to_string(),
        limit,
    }
}

#[test]
fn measurement_retention_matching() {
    let metrics = [prom("success-rate"), prom("error-rate")];
    let limits =
        measurement_retention_limits(&[keep("success-rate", 20)], &metrics).expect("matches");
    assert_eq!(history_limit(&limits, "success-rate"), 20);
    assert_eq!(history_limit(&limits, "error-rate"), 10);
    let limits = measurement_retention_limits(&[keep(".*", 0), keep("error", 3)], &metrics)
        .expect("matches");
    assert_eq!(history_limit(&limits, "success-rate"), 10);
    assert_eq!(history_limit(&limits, "error-rate"), 3);
    // Last matching rule wins.
    let limits = measurement_retention_limits(&[keep("error", 3), keep("rate", 7)], &metrics)
        .expect("matches");
    assert_eq!(history_limit(&limits, "error-rate"), 7);
    assert_eq!(
        measurement_retention_limits(&[keep("latency", 5)], &metrics)
            .expect_err("no match")
            .to_string(),
        "measurementRetention[0]: Rule didn't match any metric name(s)"
    );
    assert!(measurement_retention_limits(&[keep("*", 5)], &metrics).is_err());
}
