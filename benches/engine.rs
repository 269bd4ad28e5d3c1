//! The cost of one engine step (`begin_pass` + `finish_pass`) on a virtual clock: what the
//! service pays per run per wake-up, and what `backtest` pays per simulated pass.
//!
//! Timed in this thread's CPU time (the machine is shared).
//!
//! Target: <= 2 us for a 3-metric run in which every metric is measured.

// A benchmark on a broken setup should stop loudly, like a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use analysis_core::duration::parse_duration;
use analysis_core::engine::{MeasureOutcome, Outcome, RunEngine};
use analysis_core::model::AnalysisRun;
use analysis_core::model::time::parse;
use analysis_core::secrets::NoSecrets;
use analysis_core::{ProviderOutput, Value};
use augur_benches::{load_average, time_cpu};
use criterion::{Criterion, criterion_group, criterion_main};

/// Steps timed per batch of prepared outcomes (keeps their memory small).
const BATCH: u64 = 1024;

/// Three Prometheus metrics measured every minute, forever (no count), kept at 10 measurements.
fn run(conditions: bool) -> AnalysisRun {
    let metric = |name: &str, query: &str| {
        let mut m = serde_json::json!({
            "name": name,
            "interval": "1m",
            "failureLimit": 3,
            "provider": {"prometheus": {"address": "http://prometheus:9090", "query": query}}
        });
        if conditions && let Some(m) = m.as_object_mut() {
            m.insert("successCondition".into(), "result[0] >= 0.95".into());
        }
        m
    };
    let json = serde_json::json!({
        "metadata": {"name": "bench"},
        "spec": {"metrics": [
            metric("success-rate", "sum(rate(ok[5m])) / sum(rate(all[5m]))"),
            metric("latency", "histogram_quantile(0.99, rate(latency_bucket[5m]))"),
            metric("saturation", "avg(cpu_usage)"),
        ]}
    });
    serde_json::from_value(json).unwrap_or_default()
}

fn bench_step(c: &mut Criterion, id: &str, conditions: bool) {
    let (Ok(start), Ok(interval)) = (parse("2024-05-01T12:00:00Z"), parse_duration("1m")) else {
        return;
    };
    let mut engine = RunEngine::new(run(conditions));
    let names = ["success-rate", "latency", "saturation"];
    let minutes = Cell::new(0i32);
    let measured = Cell::new(0usize);
    let outcomes = || {
        names
            .iter()
            .map(|name| MeasureOutcome {
                metric_name: (*name).to_string(),
                started_at: start,
                finished_at: start,
                outcome: Outcome::Answered(Ok(ProviderOutput::new(Value::floats(vec![0.99])))),
                metric_metadata: Default::default(),
                origin: None,
            })
            .collect::<Vec<_>>()
    };
    c.bench_function(id, |b| {
        // Outcomes are the driver's, built outside the timing in batches; their times are set
        // in the timed step, as the driver would.
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let batch = left.min(BATCH);
                left -= batch;
                let mut prepared: Vec<_> = (0..batch).map(|_| outcomes()).collect();
                total += time_cpu(batch, || {
                    let mut outcomes = prepared.pop().unwrap_or_default();
                    minutes.set(minutes.get() + 1);
                    let now = start + interval * minutes.get();
                    for o in &mut outcomes {
                        o.started_at = now;
                        o.finished_at = now;
                    }
                    let requests = engine.begin_pass(now, &NoSecrets);
                    measured.set(measured.get() + requests.len());
                    black_box(requests);
                    engine.finish_pass(now, outcomes)
                });
            }
            total
        })
    });
    // Every step must measure all three metrics, or this benchmarks idle passes.
    assert_eq!(
        measured.get(),
        3 * usize::try_from(minutes.get()).unwrap_or(0)
    );
}

/// A wake-up at which nothing is due (e.g. the re-pass after a status write).
fn bench_idle(c: &mut Criterion) {
    let Ok(start) = parse("2024-05-01T12:00:00Z") else {
        return;
    };
    let mut engine = RunEngine::new(run(false));
    let requests = engine.begin_pass(start, &NoSecrets);
    let outcomes = requests
        .into_iter()
        .map(|r| MeasureOutcome {
            metric_name: r.metric_name,
            started_at: start,
            finished_at: start,
            outcome: Outcome::Answered(Ok(ProviderOutput::new(Value::floats(vec![0.99])))),
            metric_metadata: Default::default(),
            origin: None,
        })
        .collect();
    engine.finish_pass(start, outcomes);
    c.bench_function("engine_idle_pass_3_metrics", |b| {
        b.iter_custom(|n| {
            time_cpu(n, || {
                black_box(engine.begin_pass(start, &NoSecrets));
                engine.finish_pass(start, Vec::new())
            })
        })
    });
}

/// The part of a step the API itself costs: cloning the three templated metrics handed out in
/// `MeasureRequest`s (and dropping them), for reading the step figure against.
fn bench_request_clones(c: &mut Criterion) {
    let run = run(true);
    c.bench_function("baseline_clone_3_metrics", |b| {
        b.iter_custom(|n| time_cpu(n, || run.spec.metrics.clone()))
    });
}

fn benches(c: &mut Criterion) {
    bench_request_clones(c);
    bench_step(c, "engine_step_3_metrics", false);
    bench_step(c, "engine_step_3_metrics_with_conditions", true);
    bench_idle(c);
    eprintln!("load average: {}", load_average());
}

criterion_group!(engine, benches);
criterion_main!(engine);
