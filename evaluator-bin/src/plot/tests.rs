use super::*;

#[test]
fn thresholds_of_simple_comparisons() {
    assert_eq!(threshold("result[0] >= 0.95"), Some((">=", 0.95)));
    assert_eq!(
        threshold("all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"),
        Some((">=", 9900.0))
    );
    assert_eq!(
        threshold("len(result) == 0 || result[0] >= 0.95"),
        Some((">=", 0.95))
    );
    assert_eq!(threshold("0.95 <= result[0]"), Some((">=", 0.95)));
    assert_eq!(threshold("result == \"ok\""), None);
    assert_eq!(threshold("result[0] < 0.5 * result[1]"), None);
    assert_eq!(threshold("result[0] > 1 && result[1] > 2"), None);
    assert_eq!(threshold("result[0] > -1"), Some((">", -1.0)));
}

#[test]
fn thresholds_of_guarded_and_nested_conditions() {
    for (condition, want) in [
        ("len(result) > 0 && result[0] >= 0.95", Some((">=", 0.95))),
        ("len(result) >= 1 and 0.95 <= result[0]", Some((">=", 0.95))),
        (
            "len(result) > 0 ? result[0] < 0.5 : false",
            Some(("<", 0.5)),
        ),
        ("!(result[0] < 0.95)", Some((">=", 0.95))),
        ("all(result, {# >= 0.9})", Some((">=", 0.9))),
        (
            "len(result) > 0 && all(result, # < 1000)",
            Some(("<", 1000.0)),
        ),
        ("default(result, 0) < 5", Some(("<", 5.0))),
        (
            "result.data.ok && result.data.successPercent >= 0.9",
            Some((">=", 0.9)),
        ),
        ("result[0] >= 0.95 || result[1] < 0.95", Some((">=", 0.95))),
        // A scaled value is in other units than the plotted one.
        ("result[0] * 100 >= 95", None),
        ("len(result) > 2", None),
        ("result[0] == 1", None),
        ("not a condition (", None),
    ] {
        assert_eq!(threshold(condition), want, "{condition}");
    }
}

/// `augur replay --plot` draws the line of the guard lint recommends, too.
#[test]
fn guarded_condition_draws_its_threshold() {
    let (status, timeline, mut metrics, start) = sample();
    metrics[0].success_condition = Some("len(result) > 0 && result[0] >= 0.95".into());
    let input = PlotInput {
        what: "replay",
        run_name: "sample",
        status: &status,
        timeline: &timeline,
        metrics: &metrics,
        start,
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("guarded.svg");
    write(&path, &input).unwrap_or_else(|e| panic!("{e}"));
    let svg = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        svg.contains("successCondition: &gt;= 0.95") || svg.contains("successCondition: >= 0.95"),
        "threshold label missing"
    );
}

#[test]
fn values_become_numbers_or_categories() {
    assert!(matches!(y_of("[0.97,0.5]"), Y::Numbers(n) if n == vec![0.97, 0.5]));
    assert!(matches!(y_of("\"ok\""), Y::Category(c) if c == "ok"));
    assert!(matches!(y_of("[]"), Y::Missing));
    assert!(matches!(y_of(""), Y::Missing));
    assert!(matches!(y_of("NaN"), Y::Missing));
    assert!(
        matches!(y_of(r#"{"a":{"values":[{"value":9950},{"value":9800}]}}"#), Y::Numbers(n) if n == vec![9950.0, 9800.0])
    );
}

fn sample() -> (
    AnalysisRunStatus,
    Vec<TimelineEntry>,
    Vec<MetricInfo>,
    DateTime<Utc>,
) {
    let start = time::parse("2024-05-01T12:00:00Z").unwrap_or_default();
    let values = [0.99, 0.97, 0.93, 0.98, f64::NAN, 0.91];
    let mut timeline = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let phase = if v.is_nan() {
            Phase::Error
        } else if *v >= 0.95 {
            Phase::Successful
        } else {
            Phase::Failed
        };
        timeline.push(TimelineEntry {
            at: start + chrono::TimeDelta::minutes(i as i64),
            metric: "success-rate".into(),
            phase,
            value: if v.is_nan() {
                String::new()
            } else {
                format!("[{v}]")
            },
            message: String::new(),
            explanation: Vec::new(),
            metric_phase: if i == 5 {
                Phase::Failed
            } else {
                Phase::Running
            },
            line: Some(i + 1),
        });
        timeline.push(TimelineEntry {
            at: start + chrono::TimeDelta::minutes(i as i64),
            metric: "color".into(),
            phase: if i == 2 {
                Phase::Failed
            } else {
                Phase::Successful
            },
            value: if i == 2 {
                "\"nok\"".into()
            } else {
                "\"ok\"".into()
            },
            message: String::new(),
            explanation: Vec::new(),
            metric_phase: Phase::Running,
            line: None,
        });
    }
    let status = AnalysisRunStatus {
        phase: Some(Phase::Failed),
        message: "Metric \"success-rate\" assessed Failed due to failed (2) > failureLimit (1)"
            .into(),
        ..AnalysisRunStatus::default()
    };
    let metrics = vec![
        MetricInfo {
            name: "success-rate".into(),
            provider: "prometheus".into(),
            success_condition: Some("result[0] >= 0.95".into()),
            failure_condition: None,
        },
        MetricInfo {
            name: "color".into(),
            provider: "web".into(),
            success_condition: Some("result == \"ok\"".into()),
            failure_condition: None,
        },
    ];
    (status, timeline, metrics, start)
}

#[test]
fn draws_svg_and_png() {
    let (status, timeline, metrics, start) = sample();
    let input = PlotInput {
        what: "replay",
        run_name: "sample",
        status: &status,
        timeline: &timeline,
        metrics: &metrics,
        start,
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let keep = std::env::var_os("AUGUR_PLOT_PREVIEW_DIR").map(std::path::PathBuf::from);
    let out = keep.unwrap_or_else(|| dir.path().to_path_buf());
    for name in ["sample.svg", "sample.png"] {
        let path = out.join(name);
        write(&path, &input).unwrap_or_else(|e| panic!("{e}"));
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(len > 1000, "{name} is only {len} bytes");
    }
    let svg = std::fs::read_to_string(out.join("sample.svg")).unwrap_or_default();
    assert!(
        svg.contains("successCondition: &gt;= 0.95") || svg.contains("successCondition: >= 0.95"),
        "threshold label missing"
    );
    assert!(write(&out.join("x.gif"), &input).is_err());
}
