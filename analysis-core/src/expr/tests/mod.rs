//! Conformance tests for the condition language: operators, typing, quirks, the real
//! templates' expressions (semantics §5.4) and the traps of §7/§8.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use super::*;

mod budget;
mod builtins;
mod conditions;
mod operators;
mod parser;
mod programs;
mod props;

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 13, 7, 0).unwrap()
}

pub(crate) fn j(v: serde_json::Value) -> Value {
    Value::from_json(&v)
}

pub(crate) fn run(src: &str, result: &Value) -> Result<Value, String> {
    let p = compile(src, &Env::condition(Type::of(result))).map_err(|e| e.to_string())?;
    p.run(result, now()).map_err(|e| e.to_string())
}

pub(crate) fn cond(src: &str, result: &Value) -> Result<bool, String> {
    let p = compile(src, &Env::condition(Type::of(result))).map_err(|e| e.to_string())?;
    p.run_condition(result, now()).map_err(|e| e.to_string())
}

pub(crate) fn ok(src: &str, result: &Value) -> Value {
    match run(src, result) {
        Ok(v) => v,
        Err(e) => panic!("{src}: {e}"),
    }
}

pub(crate) fn is_true(src: &str, result: &Value) {
    assert_eq!(cond(src, result), Ok(true), "{src}");
}

pub(crate) fn is_false(src: &str, result: &Value) {
    assert_eq!(cond(src, result), Ok(false), "{src}");
}

pub(crate) fn fails(src: &str, result: &Value, msg: &str) {
    assert_eq!(cond(src, result), Err(msg.to_string()), "{src}");
}

fn compile_err(src: &str, result: &Value) -> ExprError {
    match compile(src, &Env::condition(Type::of(result))) {
        Ok(_) => panic!("{src} compiled"),
        Err(e) => e,
    }
}

fn floats(v: &[f64]) -> Value {
    Value::from(v.to_vec())
}

fn apdex(values: &[&str]) -> Value {
    let points: Vec<serde_json::Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"id": i.to_string(), "value": v}))
        .collect();
    j(json!({"service_apdex": {"label": null, "values": {"values": points}}}))
}
