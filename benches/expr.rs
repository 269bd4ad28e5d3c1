//! Condition-language benchmarks against the Go expr v1.17.8 reference figures: evaluating the
//! common Prometheus condition, the SkyWalking apdex closure over 60 points, and compiling a
//! typical condition.

// A benchmark on a broken setup should stop loudly, like a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use analysis_core::Value;
use analysis_core::evaluate::Conditions;
use analysis_core::expr::{Env, Type, compile};
use criterion::{Bencher, Criterion, criterion_group, criterion_main};

/// This thread's CPU time in ns (Linux): the bench machine is shared, and wall-clock time
/// would mostly measure the neighbours' load.
/// `Bencher::iter` measured in this thread's CPU time (see `augur_benches::time_cpu`).
fn iter_cpu<O>(b: &mut Bencher, mut f: impl FnMut() -> O) {
    b.iter_custom(|iters| augur_benches::time_cpu(iters, &mut f))
}

fn apdex_result(points: usize) -> Value {
    let values: Vec<serde_json::Value> = (0..points)
        .map(|i| serde_json::json!({"id": format!("2024-05-01 13{i:02}"), "value": "9950"}))
        .collect();
    Value::from_json(&serde_json::json!({
        "service_apdex": {"label": null, "values": {"values": values}}
    }))
}

fn bench(c: &mut Criterion) {
    // The clock only matters to `now()`; the Unix epoch (chrono's default) will do.
    let now = Default::default();

    let vector = Value::from(vec![0.97]);
    let prom = compile("result[0] >= 0.95", &Env::condition(Type::of(&vector))).unwrap();
    c.bench_function("run result[0] >= 0.95", |b| {
        iter_cpu(b, || prom.run(black_box(&vector), now))
    });

    let apdex = apdex_result(60);
    let closure = compile(
        "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
        &Env::condition(Type::of(&apdex)),
    )
    .unwrap();
    c.bench_function("run apdex closure over 60 points", |b| {
        iter_cpu(b, || closure.run(black_box(&apdex), now))
    });
    c.bench_function("run apdex closure, explained", |b| {
        iter_cpu(b, || closure.run_explained(black_box(&apdex), now))
    });

    c.bench_function("compile result[0] >= 0.95", |b| {
        iter_cpu(b, || {
            compile(
                black_box("result[0] >= 0.95"),
                &Env::condition(Type::floats()),
            )
        })
    });
    c.bench_function("compile apdex closure", |b| {
        iter_cpu(b, || {
            compile(
                black_box("all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"),
                &Env::condition(Type::Map),
            )
        })
    });
    c.bench_function("compile len(result) > 0 && result[0] < 10", |b| {
        iter_cpu(b, || {
            compile(
                black_box("len(result) > 0 && result[0] < 10"),
                &Env::condition(Type::floats()),
            )
        })
    });

    let mut conditions = Conditions::new(Some("result[0] >= 0.95"), Some("result[0] < 0.5"));
    c.bench_function("Conditions::evaluate (cached programs)", |b| {
        iter_cpu(b, || conditions.evaluate(black_box(&vector), now))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
