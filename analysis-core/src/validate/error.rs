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
