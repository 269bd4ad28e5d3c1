//! `augur eval`: one measurement's verdict from conditions and a result, without a provider.
//! The quickest way to try a condition before it goes into a template.

use std::process::ExitCode;

use analysis_core::args;
use analysis_core::evaluate::{Conditions, Evaluation};
use analysis_core::json::{self, Typing};
use chrono::Utc;

use super::common::{Output, parse_arg};

/// `augur eval`'s flags.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// The successCondition, e.g. `result[0] >= 0.95`.
    #[arg(long)]
    success_condition: Option<String>,
    /// The failureCondition.
    #[arg(long)]
    failure_condition: Option<String>,
    /// The provider's result as JSON; `NaN`, `Infinity` and `-Infinity` are accepted.
    #[arg(long)]
    result: String,
    /// How the result is typed: as a web/SkyWalking JSON value, or as Prometheus' float
    /// vector (number array) / scalar (number).
    #[arg(long, value_enum, default_value_t = ResultKind::Json)]
    result_kind: ResultKind,
    /// `NAME=VALUE`, substituted for `{{args.NAME}}` in the conditions.
    #[arg(long = "arg", value_name = "NAME=VALUE", value_parser = parse_arg)]
    args: Vec<analysis_core::Argument>,
    /// Show the value of every sub-expression.
    #[arg(long)]
    explain: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ResultKind {
    Json,
    Prometheus,
}

/// Runs `augur eval`: prints the evaluation; exits 2 when the input cannot be evaluated.
pub fn main(a: EvalArgs) -> ExitCode {
    match evaluate(&a) {
        Ok(evaluation) => {
            print(&a, &evaluation);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("augur eval: {message}");
            ExitCode::from(2)
        }
    }
}

fn evaluate(a: &EvalArgs) -> Result<Evaluation, String> {
    let typing = match a.result_kind {
        ResultKind::Json => Typing::Json,
        ResultKind::Prometheus => Typing::Prometheus,
    };
    let result = json::parse(&a.result, typing).map_err(|e| format!("--result: {e}"))?;
    let template = |flag: &str, cond: &Option<String>| {
        cond.as_deref()
            .map(|c| args::resolve_tags(c, &a.args).map_err(|e| format!("{flag}: {e}")))
            .transpose()
    };
    let success = template("--success-condition", &a.success_condition)?;
    let failure = template("--failure-condition", &a.failure_condition)?;
    let mut conditions = Conditions::new(success.as_deref(), failure.as_deref());
    let now = Utc::now();
    Ok(if a.explain {
        conditions.evaluate_explained(&result, now)
    } else {
        conditions.evaluate(&result, now)
    })
}

fn print(a: &EvalArgs, e: &Evaluation) {
    match a.output {
        Output::Json => {
            let mut out = serde_json::json!({ "phase": e.phase, "message": e.message });
            if a.explain {
                out["explanation"] = serde_json::json!(e.explanation);
            }
            println!("{out}");
        }
        Output::Text => {
            println!("phase: {}", e.phase);
            if !e.message.is_empty() {
                println!("message: {}", e.message);
            }
            if a.explain {
                for step in &e.explanation {
                    println!("  {} = {}", step.expr, step.value);
                }
            }
        }
    }
}
