//! Validation errors as data: which metric (or rule), which field, which of Argo's rules, while
//! `Display` stays Argo's exact text (semantics §4.2), because run messages carry it verbatim.

use std::fmt;

use crate::duration::DurationError;

/// A validation failure. Display is Argo's text without the `Analysis spec invalid: ` prefix:
/// `metrics[<i>]: <kind>` for a metric's problem, the kind alone otherwise
/// (`no metrics specified`, `dryRun[1]: Rule didn't match any metric name(s)`).
///
/// ```
/// use analysis_core::validate::{ValidationError, ValidationErrorKind};
///
/// let e = ValidationError::new(ValidationErrorKind::IntervalRequired).in_metric(2);
/// assert_eq!(e.to_string(), "metrics[2]: interval must be specified when count > 1");
/// assert_eq!(e.path(), "metrics[2]");
/// assert_eq!(e.kind.field(), Some("interval"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// Index of the metric in `spec.metrics`, when the problem is one metric's.
    pub metric_index: Option<usize>,
    /// Which rule was broken.
    pub kind: ValidationErrorKind,
}

/// The rule lists of a run's spec that name metrics by regexp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleList {
    /// `spec.dryRun`.
    DryRun,
    /// `spec.measurementRetention`.
    MeasurementRetention,
}

impl RuleList {
    /// The list's field name in the manifest (`dryRun`, `measurementRetention`).
    pub fn field(self) -> &'static str {
        match self {
            RuleList::DryRun => "dryRun",
            RuleList::MeasurementRetention => "measurementRetention",
        }
    }
}

/// One of Argo's validation rules (`ValidateMetrics`, `GetDryRunMetrics`,
/// `GetMeasurementRetentionMetrics`). Display is Argo's message for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValidationErrorKind {
    /// `spec.metrics` is empty.
    NoMetrics,
    /// Two metrics share a name; the error's index is the second one.
    DuplicateName {
        /// The shared name.
        name: String,
    },
    /// `consecutiveSuccessLimit < 0`.
    ConsecutiveSuccessLimitNegative,
    /// `failureLimit < -1`.
    FailureLimitBelowMinusOne,
    /// `failureLimit: -1` and no `consecutiveSuccessLimit`: nothing could ever decide the metric.
    LimitsBothDisabled,
    /// `inconclusiveLimit < 0`.
    InconclusiveLimitNegative,
    /// `consecutiveErrorLimit < 0`.
    ConsecutiveErrorLimitNegative,
    /// `count < failureLimit + consecutiveSuccessLimit` with `failureLimit >= 0`.
    CountBelowFailureAndSuccessLimits {
        /// `count` as read.
        count: i64,
        /// `failureLimit` as read.
        failure_limit: i64,
        /// `consecutiveSuccessLimit` as read.
        consecutive_success_limit: i64,
    },
    /// `count < consecutiveSuccessLimit` with `failureLimit: -1`.
    CountBelowConsecutiveSuccessLimit,
    /// `count < inconclusiveLimit`.
    CountBelowInconclusiveLimit,
    /// `count > 1` without an `interval`.
    IntervalRequired,
    /// `interval` is not a Go duration.
    InvalidInterval(DurationError),
    /// `initialDelay` is not a Go duration (Argo's message calls it `startDelay`).
    InvalidInitialDelay(DurationError),
    /// The provider block names no provider Argo knows.
    NoProvider,
    /// The provider block names more than one provider.
    MultipleProviders,
    /// A `dryRun` or `measurementRetention` rule matches no metric.
    UnmatchedRule {
        /// Which list the rule is in.
        list: RuleList,
        /// Its index in that list.
        index: usize,
    },
}

impl ValidationErrorKind {
    /// The metric field the rule is about (`interval`, `failureLimit`, `provider`, ...), for
    /// pointing at it; `None` for the spec-level kinds.
    pub fn field(&self) -> Option<&'static str> {
        use ValidationErrorKind as K;
        Some(match self {
            K::NoMetrics | K::UnmatchedRule { .. } => return None,
            K::DuplicateName { .. } => "name",
            K::ConsecutiveSuccessLimitNegative => "consecutiveSuccessLimit",
            K::FailureLimitBelowMinusOne | K::LimitsBothDisabled => "failureLimit",
            K::InconclusiveLimitNegative => "inconclusiveLimit",
            K::ConsecutiveErrorLimitNegative => "consecutiveErrorLimit",
            K::CountBelowFailureAndSuccessLimits { .. }
            | K::CountBelowConsecutiveSuccessLimit
            | K::CountBelowInconclusiveLimit => "count",
            K::IntervalRequired | K::InvalidInterval(_) => "interval",
            K::InvalidInitialDelay(_) => "initialDelay",
            K::NoProvider | K::MultipleProviders => "provider",
        })
    }
}

impl fmt::Display for ValidationErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ValidationErrorKind as K;
        match self {
            K::NoMetrics => f.write_str("no metrics specified"),
            K::DuplicateName { name } => write!(f, "duplicate name '{name}'"),
            K::ConsecutiveSuccessLimitNegative => {
                f.write_str("consecutiveSuccessLimit must be >= 0")
            }
            K::FailureLimitBelowMinusOne => {
                f.write_str("failureLimit must be >= 0, or -1 to be disabled")
            }
            K::LimitsBothDisabled => {
                f.write_str("failureLimit and consecutiveSuccessLimit cannot both be disabled")
            }
            K::InconclusiveLimitNegative => f.write_str("inconclusiveLimit must be >= 0"),
            K::ConsecutiveErrorLimitNegative => f.write_str("consecutiveErrorLimit must be >= 0"),
            K::CountBelowFailureAndSuccessLimits {
                count,
                failure_limit,
                consecutive_success_limit,
            } => write!(
                f,
                "count ({count}) must be >= failureLimit + consecutiveSuccessLimit \
                 ({failure_limit} + {consecutive_success_limit}) if both >= 0"
            ),
            K::CountBelowConsecutiveSuccessLimit => {
                f.write_str("count must be >= consecutiveSuccessLimit")
            }
            K::CountBelowInconclusiveLimit => f.write_str("count must be >= inconclusiveLimit"),
            K::IntervalRequired => f.write_str("interval must be specified when count > 1"),
            K::InvalidInterval(e) => write!(f, "invalid interval string: {e}"),
            K::InvalidInitialDelay(e) => write!(f, "invalid startDelay string: {e}"),
            K::NoProvider => f.write_str("no provider specified"),
            K::MultipleProviders => f.write_str("multiple providers specified"),
            K::UnmatchedRule { list, index } => write!(
                f,
                "{}[{index}]: Rule didn't match any metric name(s)",
                list.field()
            ),
        }
    }
}

impl ValidationError {
    /// An error of `kind`, not tied to a metric.
    pub fn new(kind: ValidationErrorKind) -> ValidationError {
        ValidationError {
            metric_index: None,
            kind,
        }
    }

    /// The same error, about metric `index` of `spec.metrics`.
    pub fn in_metric(self, index: usize) -> ValidationError {
        ValidationError {
            metric_index: Some(index),
            ..self
        }
    }

    /// A `dryRun` / `measurementRetention` rule (by index) that matches no metric.
    pub fn unmatched_rule(list: RuleList, index: usize) -> ValidationError {
        ValidationError::new(ValidationErrorKind::UnmatchedRule { list, index })
    }

    /// Where the error is, relative to the spec: `metrics[0]`, `metrics` (none at all),
    /// `dryRun[1]`; empty when a metric's error was raised without its index.
    pub fn path(&self) -> String {
        match (&self.kind, self.metric_index) {
            (_, Some(i)) => format!("metrics[{i}]"),
            (ValidationErrorKind::NoMetrics, None) => "metrics".to_string(),
            (ValidationErrorKind::UnmatchedRule { list, index }, None) => {
                format!("{}[{index}]", list.field())
            }
            (_, None) => String::new(),
        }
    }

    /// The message without its location (`interval must be specified when count > 1`,
    /// `Rule didn't match any metric name(s)`), for callers that print the path their own way.
    pub fn reason(&self) -> String {
        match &self.kind {
            ValidationErrorKind::UnmatchedRule { .. } => {
                "Rule didn't match any metric name(s)".to_string()
            }
            kind => kind.to_string(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.metric_index {
            Some(i) => write!(f, "metrics[{i}]: {}", self.kind),
            None => self.kind.fmt(f),
        }
    }
}

impl std::error::Error for ValidationError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DryRun, IntOrString, MeasurementRetention, Metric};
    use crate::validate::{dry_run_metrics, measurement_retention_limits, validate_metrics};

    fn job(name: &str) -> Metric {
        let mut m = Metric {
            name: name.into(),
            ..Metric::default()
        };
        m.provider.other.insert("job".into(), serde_json::json!({}));
        m
    }

    #[test]
    fn validation_errors_carry_the_metric_and_the_rule() {
        let mut bad = job("b");
        bad.count = Some(IntOrString::Int(3));
        let e = validate_metrics(&[job("a"), bad]).unwrap_err();
        assert_eq!(e.metric_index, Some(1));
        assert_eq!(e.kind, ValidationErrorKind::IntervalRequired);
        assert_eq!(e.kind.field(), Some("interval"));
        assert_eq!(
            (e.path().as_str(), e.reason().as_str()),
            ("metrics[1]", "interval must be specified when count > 1")
        );

        let e = validate_metrics(&[job("a"), job("a")]).unwrap_err();
        assert_eq!(
            e,
            ValidationError::new(ValidationErrorKind::DuplicateName { name: "a".into() })
                .in_metric(1)
        );
        assert_eq!(e.to_string(), "metrics[1]: duplicate name 'a'");

        let e = validate_metrics(&[]).unwrap_err();
        assert_eq!((e.metric_index, e.path().as_str()), (None, "metrics"));
        assert_eq!(e.to_string(), "no metrics specified");

        let mut bad = job("a");
        bad.interval = Some("5".into());
        let e = validate_metrics(&[bad]).unwrap_err();
        assert!(matches!(e.kind, ValidationErrorKind::InvalidInterval(_)));
        assert_eq!(
            e.to_string(),
            "metrics[0]: invalid interval string: time: missing unit in duration \"5\""
        );
    }

    #[test]
    fn unmatched_rules_name_their_list_and_index() {
        let metrics = [job("rate")];
        let rules = [
            DryRun {
                metric_name: "rate".into(),
            },
            DryRun {
                metric_name: "*".into(),
            },
        ];
        let e = dry_run_metrics(&rules, &metrics).unwrap_err();
        assert_eq!(
            e.kind,
            ValidationErrorKind::UnmatchedRule {
                list: RuleList::DryRun,
                index: 1
            }
        );
        assert_eq!(e.kind.field(), None);
        assert_eq!(
            e.to_string(),
            "dryRun[1]: Rule didn't match any metric name(s)"
        );
        assert_eq!(
            (e.path().as_str(), e.reason().as_str()),
            ("dryRun[1]", "Rule didn't match any metric name(s)")
        );
        let rules = [MeasurementRetention {
            metric_name: "x".into(),
            limit: 2,
        }];
        let e = measurement_retention_limits(&rules, &metrics).unwrap_err();
        assert_eq!(
            e.to_string(),
            "measurementRetention[0]: Rule didn't match any metric name(s)"
        );
    }

    #[test]
    fn every_kind_prints_argos_text() {
        use ValidationErrorKind as K;
        let cases = [
            (
                K::ConsecutiveSuccessLimitNegative,
                "consecutiveSuccessLimit must be >= 0",
            ),
            (
                K::FailureLimitBelowMinusOne,
                "failureLimit must be >= 0, or -1 to be disabled",
            ),
            (
                K::LimitsBothDisabled,
                "failureLimit and consecutiveSuccessLimit cannot both be disabled",
            ),
            (
                K::InconclusiveLimitNegative,
                "inconclusiveLimit must be >= 0",
            ),
            (
                K::ConsecutiveErrorLimitNegative,
                "consecutiveErrorLimit must be >= 0",
            ),
            (
                K::CountBelowFailureAndSuccessLimits {
                    count: 1,
                    failure_limit: 2,
                    consecutive_success_limit: 3,
                },
                "count (1) must be >= failureLimit + consecutiveSuccessLimit (2 + 3) if both >= 0",
            ),
            (
                K::CountBelowConsecutiveSuccessLimit,
                "count must be >= consecutiveSuccessLimit",
            ),
            (
                K::CountBelowInconclusiveLimit,
                "count must be >= inconclusiveLimit",
            ),
            (K::NoProvider, "no provider specified"),
            (K::MultipleProviders, "multiple providers specified"),
        ];
        for (kind, text) in cases {
            assert_eq!(kind.to_string(), text);
            assert!(kind.field().is_some(), "{kind:?}");
            let e = ValidationError::new(kind).in_metric(4);
            assert_eq!(e.to_string(), format!("metrics[4]: {text}"));
        }
    }
}
