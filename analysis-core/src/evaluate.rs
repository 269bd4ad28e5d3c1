//! A measurement's phase from its success/failure conditions (semantics §3.2).
//! STUB: owned by the condition-language helper.

use chrono::{DateTime, Utc};

use crate::model::Phase;
use crate::value::Value;

/// One sub-expression's value, for "why did this check fail" output.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExplainStep {
    /// The sub-expression as written (`result[0]`, `result[0] >= 0.95`).
    pub expr: String,
    /// Its value, rendered (`0.93`, `false`).
    pub value: String,
}

/// The outcome of evaluating a metric's conditions against one result.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub phase: Phase,
    /// Empty unless the phase is Error (`could not evaluate successCondition ...`).
    pub message: String,
    /// Filled by [`Conditions::evaluate_explained`].
    pub explanation: Vec<ExplainStep>,
}

/// A metric's compiled conditions, cached per result type so each is parsed and checked once.
#[derive(Clone, Debug)]
pub struct Conditions {
    success: Option<String>,
    failure: Option<String>,
}

impl Conditions {
    pub fn new(success: Option<&str>, failure: Option<&str>) -> Conditions {
        Conditions {
            success: success.filter(|s| !s.is_empty()).map(str::to_string),
            failure: failure.filter(|s| !s.is_empty()).map(str::to_string),
        }
    }

    pub fn evaluate(&mut self, result: &Value, now: DateTime<Utc>) -> Evaluation {
        let _ = (result, now, &self.success, &self.failure);
        Evaluation {
            phase: Phase::Successful,
            message: String::new(),
            explanation: Vec::new(),
        }
    }

    pub fn evaluate_explained(&mut self, result: &Value, now: DateTime<Utc>) -> Evaluation {
        self.evaluate(result, now)
    }
}
