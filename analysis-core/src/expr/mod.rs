//! The condition language: our own engine for Argo's dialect of expr-lang (expr v1.17.8).
//!
//! [`compile`] parses, type-checks against an [`Env`] (strict: unknown names are errors, and
//! `result`'s static type is its runtime Go type, semantics §5.2) and lowers once; the
//! [`Program`] then runs many times, borrowing from the result, optionally explaining itself.
//!
//! Rooms, each depending only on those before it: `syntax` (lexer, parser, AST) → `check`
//! (types, calls; lowering to `ir`) → `run` (evaluator, operators, builtins, Go formatting,
//! explanations). `constant` is the one place constant sub-trees are evaluated (folding at
//! check time runs the evaluator); `query` answers questions about a compiled program
//! (its comparisons, its unguarded indexes) from its tree.

mod check;
mod constant;
mod error;
mod ir;
mod query;
mod run;
mod syntax;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

pub use check::types::Type;
pub use error::{ErrorKind, ExprError, TypeMismatch};
pub use query::{CmpOp, Comparison, Reading, UnguardedIndex};
pub use run::explain::ExplainStep;

use crate::value::Value;
use error::Span;
use ir::{EnvFn, Ir};
use run::explain::{NoTrace, Trace, Tracer};
use run::{Budget, Cx, Halt};

/// The default step budget: far more than any real condition takes (a closure over 100,000
/// series is 100,000 steps), small enough to stop a runaway one within about a tenth of a second.
pub const DEFAULT_STEP_BUDGET: u64 = 10_000_000;

static STEP_BUDGET: AtomicU64 = AtomicU64::new(DEFAULT_STEP_BUDGET);

/// Sets the step budget of every evaluation in this process (`augur serve --eval-step-budget`):
/// one step is a closure iteration, an operator or builtin call, or 64 bytes or elements it scans.
pub fn set_step_budget(steps: u64) {
    STEP_BUDGET.store(steps, Ordering::Relaxed);
}

/// The step budget evaluations run with (see [`set_step_budget`]).
pub fn step_budget() -> u64 {
    STEP_BUDGET.load(Ordering::Relaxed)
}

/// What an expression may refer to besides the builtins.
#[derive(Clone, Debug, PartialEq)]
pub struct Env {
    result: Option<Type>,
    helpers: &'static [EnvFn],
}

const CONDITION_HELPERS: &[EnvFn] = &[
    EnvFn::AsInt,
    EnvFn::AsFloat,
    EnvFn::IsNaN,
    EnvFn::IsInf,
    EnvFn::IsNil,
    EnvFn::Default,
];

impl Env {
    /// A metric condition's environment: `result` of the given type, Argo's helpers, builtins.
    pub fn condition(result: Type) -> Env {
        Env {
            result: Some(result),
            helpers: CONDITION_HELPERS,
        }
    }

    /// Prometheus `rangeQuery.start`/`end`: `isNaN`, `isInf` and the builtins, no `result`.
    pub fn time() -> Env {
        Env {
            result: None,
            helpers: &[EnvFn::IsNaN, EnvFn::IsInf],
        }
    }

    pub(crate) fn function(&self, name: &str) -> Option<EnvFn> {
        self.helpers.iter().copied().find(|f| f.name() == name)
    }
}

/// A compiled expression: parsed, checked and lowered once, run many times.
#[derive(Debug)]
pub struct Program {
    src: Arc<str>,
    ir: Ir,
    ty: Type,
}

/// Parses, type-checks and lowers `src` against `env`.
pub fn compile(src: &str, env: &Env) -> Result<Program, ExprError> {
    let ast = syntax::parse(src).map_err(|e| e.locate(src))?;
    let mut checker = check::Checker {
        env,
        scopes: Vec::new(),
    };
    let (ty, ir) = checker.check(&ast).map_err(|e| e.locate(src))?;
    Ok(Program {
        src: src.into(),
        ir,
        ty,
    })
}

impl Program {
    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// The static type of the expression's value.
    pub fn output_type(&self) -> &Type {
        &self.ty
    }

    /// Errors unless the value can be a bool (static type bool or `interface {}`), with the
    /// message the run would fail with.
    pub fn check_bool_output(&self) -> Result<(), ExprError> {
        let name = match &self.ty {
            Type::Bool | Type::Unknown => return Ok(()),
            Type::Nil => "<nil>".to_string(),
            other => other.to_string(),
        };
        Err(ExprError::type_err(
            format!("expected bool, but got {name}"),
            Span::new(0, self.src.len()),
        )
        .with_mismatch(TypeMismatch::NotBool {
            found: self.ty.clone(),
        })
        .locate(&self.src))
    }

    /// Evaluates against `result`; `now()` returns `now`, so replays are deterministic.
    pub fn run(&self, result: &Value, now: DateTime<Utc>) -> Result<Value, ExprError> {
        self.run_with(result, now, &mut NoTrace, step_budget())
    }

    /// [`Program::run`] with its own step budget instead of the process-wide one.
    pub fn run_with_step_budget(
        &self,
        result: &Value,
        now: DateTime<Utc>,
        steps: u64,
    ) -> Result<Value, ExprError> {
        self.run_with(result, now, &mut NoTrace, steps)
    }

    /// Like [`Program::run`], also returning each evaluated sub-expression and its value.
    pub fn run_explained(
        &self,
        result: &Value,
        now: DateTime<Utc>,
    ) -> (Result<Value, ExprError>, Vec<ExplainStep>) {
        let mut trace = Trace {
            src: &self.src,
            steps: Vec::new(),
        };
        let r = self.run_with(result, now, &mut trace, step_budget());
        (r, trace.steps)
    }

    /// Runs a condition: the value must be a bool (`expected bool, but got int`).
    pub fn run_condition(&self, result: &Value, now: DateTime<Utc>) -> Result<bool, ExprError> {
        expect_bool(self.run(result, now), self)
    }

    /// [`Program::run_condition`] with an explanation.
    pub fn run_condition_explained(
        &self,
        result: &Value,
        now: DateTime<Utc>,
    ) -> (Result<bool, ExprError>, Vec<ExplainStep>) {
        let (r, steps) = self.run_explained(result, now);
        (expect_bool(r, self), steps)
    }

    fn run_with<T: Tracer>(
        &self,
        result: &Value,
        now: DateTime<Utc>,
        t: &mut T,
        steps: u64,
    ) -> Result<Value, ExprError> {
        let budget = Budget::new(steps);
        let cx = Cx {
            result,
            now,
            frame: None,
            budget: &budget,
        };
        match run::eval(&self.ir, &cx, t) {
            Ok(v) => Ok(v.into_owned()),
            Err(Halt::NilChain) => Ok(Value::Nil),
            Err(Halt::Err(e)) => Err(e.locate(&self.src)),
        }
    }
}

/// Argo's `expected bool, but got %T` check on a condition's value.
fn expect_bool(r: Result<Value, ExprError>, p: &Program) -> Result<bool, ExprError> {
    match r? {
        Value::Bool(b) => Ok(b),
        other => {
            // `asInt` returns a Go int64, which our values don't distinguish from int.
            let name = match (&other, &p.ty) {
                (Value::Int(_), Type::Int64) => "int64",
                _ => other.go_type_name(),
            };
            Err(ExprError::runtime(
                format!("expected bool, but got {name}"),
                Span::new(0, p.src.len()),
            )
            .locate(&p.src))
        }
    }
}

/// Evaluates a Prometheus `rangeQuery` bound (`now() - duration("5m")`) to a time.
pub fn eval_time(src: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ExprError> {
    let program = compile(src, &Env::time())?;
    match program.run(&Value::Nil, now)? {
        Value::Time(t) => Ok(t),
        other => Err(ExprError::runtime(
            format!("expected time.Time, but got {}", other.go_type_name()),
            Span::new(0, src.len()),
        )
        .locate(src)),
    }
}
