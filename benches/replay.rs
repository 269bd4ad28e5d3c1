//! Replay throughput: measurements per second through the real engine, from `result` lines
//! (target >= 1,000,000/s on one core) and from raw Prometheus API `response` lines, parsed
//! by the Prometheus provider (target >= 200,000/s). Each iteration validates the recording
//! and replays it to exhaustion, as `augur replay` does. Timed in
//! this thread's CPU time (the machine is shared).

// A benchmark on a broken setup should stop loudly, like a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use analysis_core::model::AnalysisRun;
use analysis_core::secrets::NoSecrets;
use augur_benches::{load_average, time_cpu};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use providers::recorded::Recording;
use providers::replay::{ReplayOptions, replay};
use providers::{ProviderOptions, Providers};

const LINES: usize = 100_000;

/// One Prometheus metric measured every minute, forever (no count): it stops when the
/// recording runs out, after exactly `LINES` measurements.
fn run() -> AnalysisRun {
    let json = serde_json::json!({
        "metadata": {"name": "bench"},
        "spec": {"metrics": [{
            "name": "success-rate",
            "interval": "1m",
            "successCondition": "result[0] >= 0.95",
            "provider": {"prometheus": {
                "address": "http://prometheus:9090",
                "query": "sum(rate(ok[5m])) / sum(rate(all[5m]))"
            }}
        }]}
    });
    serde_json::from_value(json).unwrap_or_default()
}

/// A recording of `LINES` lines; `raw` writes Prometheus API bodies instead of results.
pub fn recording(raw: bool) -> Vec<u8> {
    let mut out = String::with_capacity(LINES * if raw { 190 } else { 48 });
    for i in 0..LINES {
        let v = 0.95 + (i % 50) as f64 / 1000.0;
        if raw {
            let ts = 1_714_564_800 + 60 * i;
            out.push_str(&format!(
                "{{\"metric\":\"success-rate\",\"response\":{{\"status\":200,\"body\":{{\"status\":\"success\",\"data\":{{\"resultType\":\"vector\",\"result\":[{{\"metric\":{{}},\"value\":[{ts},\"{v}\"]}}]}}}}}}}}\n"
            ));
        } else {
            out.push_str(&format!(
                "{{\"metric\":\"success-rate\",\"result\":[{v}]}}\n"
            ));
        }
    }
    out.into_bytes()
}

fn bench(c: &mut Criterion) {
    let providers = match Providers::new(ProviderOptions::default()) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let options = ReplayOptions {
        timeline_limit: Some(0),
        ..ReplayOptions::default()
    };
    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LINES as u64));
    for (name, raw) in [("result_lines", false), ("prometheus_response_lines", true)] {
        let bytes: std::sync::Arc<[u8]> = recording(raw).into();
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                time_cpu(iters, || {
                    let rec = Recording::from_bytes("bench.jsonl", bytes.clone())
                        .unwrap_or_else(|e| panic!("{e}"));
                    let report = replay(run(), &rec, &providers, &NoSecrets, &options)
                        .unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(report.timeline_omitted, LINES);
                    report
                })
            })
        });
    }
    group.finish();
    eprintln!("load average: {}", load_average());
}

criterion_group!(benches, bench);
criterion_main!(benches);
