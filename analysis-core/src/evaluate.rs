//! A measurement's phase from its success/failure conditions (semantics §3.2,
//! `utils/evaluate/evaluate.go`): success first, any error makes the measurement Error and
//! skips the failure condition, then Argo's combine table.

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use crate::expr::ExplainStep;
use crate::expr::{self, Env, ExprError, Program, Type};
use crate::model::Phase;
use crate::value::Value;

/// The outcome of evaluating a metric's conditions against one result.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Successful, Failed, Inconclusive, or Error when a condition could not be evaluated.
    pub phase: Phase,
    /// Empty unless the phase is Error (`could not evaluate successCondition ...`).
    pub message: String,
    /// Filled by [`Conditions::evaluate_explained`].
    pub explanation: Vec<ExplainStep>,
}

/// Checks a condition for `augur lint`: it must compile against a result of type `result`,
/// and its value must be able to be a bool (a condition typed `int` always fails with
/// `expected bool, but got int`).
pub fn check_condition(src: &str, result: Type) -> Result<(), ExprError> {
    let program = expr::compile(src, &Env::condition(result))?;
    program.check_bool_output()
}

/// The fixed tail Argo uses when there was no data (`evaluate.go:62-67`).
const NO_DATA: &str = "metric result is nil or empty: no data returned from the metric provider";

/// One condition's source and its programs, compiled once per result type.
#[derive(Clone, Debug)]
struct Condition {
    src: String,
    compiled: Vec<(Type, Result<Arc<Program>, ExprError>)>,
}

impl Condition {
    fn new(src: &str) -> Condition {
        Condition {
            src: src.to_string(),
            compiled: Vec::new(),
        }
    }

    fn program(&mut self, ty: Type) -> Result<Arc<Program>, ExprError> {
        if let Some((_, p)) = self.compiled.iter().find(|(t, _)| *t == ty) {
            return p.clone();
        }
        let p = expr::compile(&self.src, &Env::condition(ty.clone())).map(Arc::new);
        self.compiled.push((ty, p.clone()));
        p
    }

    /// Evaluates to a bool or to Argo's error message for `which` condition.
    fn eval(
        &mut self,
        which: &str,
        result: &Value,
        now: DateTime<Utc>,
        steps: Option<&mut Vec<ExplainStep>>,
    ) -> Result<bool, String> {
        let outcome = self.program(Type::of(result)).and_then(|p| match steps {
            Some(steps) => {
                let (r, s) = p.run_condition_explained(result, now);
                steps.extend(s);
                r
            }
            None => p.run_condition(result, now),
        });
        outcome.map_err(|e| {
            let tail = if result.is_nil_or_empty() {
                NO_DATA.to_string()
            } else {
                e.to_string()
            };
            format!("could not evaluate {which} \"{}\": {tail}", self.src)
        })
    }
}

/// A metric's compiled conditions, cached per result type so each is parsed and checked once.
#[derive(Clone, Debug)]
pub struct Conditions {
    success: Option<Condition>,
    failure: Option<Condition>,
}

impl Conditions {
    /// Compiles nothing yet: each condition is compiled on first use, per result type. Empty
    /// strings count as absent, as in Argo.
    pub fn new(success: Option<&str>, failure: Option<&str>) -> Conditions {
        Conditions {
            success: success.filter(|s| !s.is_empty()).map(Condition::new),
            failure: failure.filter(|s| !s.is_empty()).map(Condition::new),
        }
    }

    /// The phase Argo's assessment gives this result (and `now()` reads `now`).
    pub fn evaluate(&mut self, result: &Value, now: DateTime<Utc>) -> Evaluation {
        self.run(result, now, None)
    }

    /// Like [`Conditions::evaluate`], with each sub-expression's value in `explanation`.
    pub fn evaluate_explained(&mut self, result: &Value, now: DateTime<Utc>) -> Evaluation {
        let mut steps = Vec::new();
        let mut e = self.run(result, now, Some(&mut steps));
        e.explanation = steps;
        e
    }

    fn run(
        &mut self,
        result: &Value,
        now: DateTime<Utc>,
        mut steps: Option<&mut Vec<ExplainStep>>,
    ) -> Evaluation {
        let error = |message: String| Evaluation {
            phase: Phase::Error,
            message,
            explanation: Vec::new(),
        };
        let success = match &mut self.success {
            Some(c) => match c.eval("successCondition", result, now, steps.as_deref_mut()) {
                Ok(b) => Some(b),
                Err(m) => return error(m),
            },
            None => None,
        };
        let failure = match &mut self.failure {
            Some(c) => match c.eval("failureCondition", result, now, steps) {
                Ok(b) => Some(b),
                Err(m) => return error(m),
            },
            None => None,
        };
        let phase = match (success, failure) {
            (None, None) => Phase::Successful,
            (Some(s), None) => {
                if s {
                    Phase::Successful
                } else {
                    Phase::Failed
                }
            }
            (None, Some(f)) => {
                if f {
                    Phase::Failed
                } else {
                    Phase::Successful
                }
            }
            (Some(s), Some(f)) => {
                if f {
                    Phase::Failed
                } else if s {
                    Phase::Successful
                } else {
                    Phase::Inconclusive
                }
            }
        };
        Evaluation {
            phase,
            message: String::new(),
            explanation: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Ports of Argo's `utils/evaluate/evaluate_test.go` plus the combine table.

    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap()
    }

    fn eval(success: &str, failure: &str, result: &Value) -> Evaluation {
        Conditions::new(Some(success), Some(failure)).evaluate(result, now())
    }

    const INVALID_REF: &str = "a == true";

    #[test]
    fn combine_table() {
        let t = Value::Bool(true);
        assert_eq!(eval("true", "false", &t).phase, Phase::Successful);
        assert_eq!(eval("true", "true", &t).phase, Phase::Failed);
        assert_eq!(eval("false", "false", &t).phase, Phase::Inconclusive);
        assert_eq!(eval("", "false", &t).phase, Phase::Successful);
        assert_eq!(eval("", "true", &t).phase, Phase::Failed);
        assert_eq!(eval("false", "", &t).phase, Phase::Failed);
        assert_eq!(eval("true", "", &t).phase, Phase::Successful);
        let none = eval("", "", &t);
        assert_eq!(none.phase, Phase::Successful);
        assert!(none.message.is_empty());
    }

    #[test]
    fn errors_in_either_condition_make_an_error() {
        let t = Value::Bool(true);
        let e = eval(INVALID_REF, "true", &t);
        assert_eq!(e.phase, Phase::Error);
        assert_eq!(
            e.message,
            "could not evaluate successCondition \"a == true\": unknown name a"
        );
        let e = eval("true", INVALID_REF, &t);
        assert_eq!(e.phase, Phase::Error);
        assert_eq!(
            e.message,
            "could not evaluate failureCondition \"a == true\": unknown name a"
        );
        let e = eval("true", "invalidVar == true", &t);
        assert!(e.message.contains("could not evaluate failureCondition"));
        assert!(e.message.contains("invalidVar == true"));
    }

    #[test]
    fn failure_is_not_evaluated_after_a_success_error() {
        let e = eval("1", "invalidVar", &Value::Bool(true));
        assert_eq!(
            e.message,
            "could not evaluate successCondition \"1\": expected bool, but got int"
        );
    }

    #[test]
    fn nil_or_empty_results_get_the_no_data_message() {
        for r in [
            Value::Nil,
            Value::floats(Vec::<f64>::new()),
            Value::list(Vec::new()),
        ] {
            let e = Conditions::new(Some("result[0] >= 0.95"), None).evaluate(&r, now());
            assert_eq!(e.phase, Phase::Error);
            assert_eq!(
                e.message,
                "could not evaluate successCondition \"result[0] >= 0.95\": metric result is nil or empty: no data returned from the metric provider"
            );
        }
        // An empty string is not "empty"; neither is an empty map (Go only checks slices).
        let e = Conditions::new(Some("result > 1"), None).evaluate(&Value::from(""), now());
        assert!(
            e.message.ends_with("(mismatched types string and int)"),
            "{}",
            e.message
        );
        let e = Conditions::new(Some("result.a.b"), None)
            .evaluate(&Value::map(Default::default()), now());
        assert!(
            e.message.ends_with("cannot fetch b from <nil>"),
            "{}",
            e.message
        );
        // With data, the expression's own error is kept.
        let e = Conditions::new(Some("result[1] >= 0.95"), None)
            .evaluate(&Value::from(vec![1.0]), now());
        assert!(
            e.message
                .ends_with("index out of range: 1 (array length is 1)")
        );
    }

    #[test]
    fn nan_is_inconclusive_with_both_conditions_and_failed_with_success_only() {
        let nan = Value::from(vec![f64::NAN]);
        let both = Conditions::new(Some("result[0] >= 0.9"), Some("result[0] < 0.5"))
            .evaluate(&nan, now());
        assert_eq!(both.phase, Phase::Inconclusive);
        let success = Conditions::new(Some("result[0] >= 0.9"), None).evaluate(&nan, now());
        assert_eq!(success.phase, Phase::Failed);
        let inf = Value::from(vec![f64::INFINITY]);
        let e = Conditions::new(Some("result[0] >= 0.9"), None).evaluate(&inf, now());
        assert_eq!(e.phase, Phase::Successful);
    }

    #[test]
    fn programs_are_cached_per_result_type() {
        let mut c = Conditions::new(Some("len(result) > 0"), None);
        assert_eq!(
            c.evaluate(&Value::from(vec![1.0]), now()).phase,
            Phase::Successful
        );
        assert_eq!(c.evaluate(&Value::from(vec![]), now()).phase, Phase::Failed);
        assert_eq!(
            c.evaluate(&Value::from("x"), now()).phase,
            Phase::Successful
        );
        let e = c.evaluate(&Value::Nil, now());
        assert_eq!(e.phase, Phase::Error);
        let cached = c.success.as_ref().map_or(0, |s| s.compiled.len());
        assert_eq!(cached, 3);
    }

    #[test]
    fn explanations_cover_both_conditions() {
        let mut c = Conditions::new(Some("result[0] >= 0.95"), Some("result[0] < 0.5"));
        let e = c.evaluate_explained(&Value::from(vec![0.93]), now());
        assert_eq!(e.phase, Phase::Inconclusive);
        let exprs: Vec<&str> = e.explanation.iter().map(|s| s.expr.as_str()).collect();
        assert_eq!(
            exprs,
            ["result[0]", "0.93 >= 0.95", "result[0]", "0.93 < 0.5"]
        );
        assert!(
            c.evaluate(&Value::from(vec![0.93]), now())
                .explanation
                .is_empty()
        );
    }

    #[test]
    fn check_condition_for_lint() {
        assert!(check_condition("result[0] >= 0.95", Type::floats()).is_ok());
        assert!(check_condition("result.a", Type::Map).is_ok());
        let e = check_condition("result >= 0.95", Type::floats()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid operation: >= (mismatched types []float64 and float64)"
        );
        assert_eq!(e.column(), 8);
        let e = check_condition("len(result)", Type::floats()).unwrap_err();
        assert_eq!(e.to_string(), "expected bool, but got int");
        let e = check_condition("results[0] >= 0.95", Type::floats()).unwrap_err();
        assert_eq!(e.to_string(), "unknown name results");
    }

    #[test]
    fn web_and_skywalking_shapes() {
        let web = Value::from_json(&json!({"data": {"ok": true, "successPercent": 0.97}}));
        let e = Conditions::new(
            Some("result.data.ok && result.data.successPercent >= 0.9"),
            None,
        )
        .evaluate(&web, now());
        assert_eq!(e.phase, Phase::Successful);
        let raw = Value::from("It worked!");
        let e = Conditions::new(Some("result == 'It worked!'"), None).evaluate(&raw, now());
        assert_eq!(e.phase, Phase::Successful);
    }
}
