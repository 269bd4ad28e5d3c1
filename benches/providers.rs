//! The work one measurement costs besides the network, for the answers Augur sees most (a
//! 60-point SkyWalking `readMetricsValues`, a 100-series Prometheus vector): `Provider::parse`
//! (decode + extract into the typed result) alone, and parse + evaluate the metric's
//! conditions as the engine does (compiled once, cached per result type). Timed in this
//! thread's CPU time (the machine is shared).

// A benchmark on a broken setup should stop loudly, like a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;

use analysis_core::evaluate::Conditions;
use analysis_core::model::{MetricProvider, PrometheusMetric, SkyWalkingMetric};
use analysis_core::{Metric, RawResponse};
use augur_benches::{load_average, time_cpu};
use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use providers::{ProviderOptions, Providers};

/// The allocator the `augur` binary links, so the figures are what `augur run` and the service
/// pay. (With the system allocator, as a library user may have, BENCHMARKS.md gives both.)
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn metric(provider: MetricProvider) -> Metric {
    Metric {
        name: "bench".into(),
        provider,
        ..Default::default()
    }
}

/// A vector answer shaped like Prometheus': 100 series with realistic label sets.
fn prometheus_vector(series: usize) -> String {
    let samples: Vec<String> = (0..series)
        .map(|i| {
            format!(
                r#"{{"metric":{{"__name__":"http_requests_total","code":"200","instance":"10.0.{}.{}:8080","job":"checkout","namespace":"shop","pod":"checkout-7d9f8c-{i:05}"}},"value":[1704068400.123,"{}"]}}"#,
                i / 256,
                i % 256,
                0.95 + (i as f64) * 0.0001
            )
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        samples.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let providers = Providers::new(ProviderOptions::default()).expect("providers");

    let sky = metric(MetricProvider {
        skywalking: Some(SkyWalkingMetric {
            address: Some("http://oap:12800".into()),
            query: Some("query q($duration: Duration!) { x }".into()),
            interval: Some("60m".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/skywalking/read_metrics_values_60.json");
    let pretty = std::fs::read_to_string(path).expect("skywalking fixture");
    // The OAP answers compact JSON; the fixture is pretty-printed for reading.
    let compact = serde_json::from_str::<serde_json::Value>(&pretty)
        .expect("fixture is JSON")
        .to_string();
    let sky_provider = providers.for_metric(&sky);
    for (label, body) in [("compact", compact), ("pretty", pretty)] {
        let sky_raw = RawResponse { status: 200, body };
        assert!(sky_provider.parse(&sky, &sky_raw).is_ok());
        c.bench_function(
            &format!("parse skywalking readMetricsValues 60 points ({label})"),
            |b| {
                b.iter_custom(|n| {
                    time_cpu(n, || {
                        sky_provider.parse(black_box(&sky), black_box(&sky_raw))
                    })
                })
            },
        );
        let mut apdex = Conditions::new(
            Some("all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"),
            None,
        );
        let now = Utc::now();
        c.bench_function(
            &format!("measure skywalking 60 points: parse + extract + evaluate ({label})"),
            |b| {
                b.iter_custom(|n| {
                    time_cpu(n, || {
                        let out = sky_provider.parse(black_box(&sky), black_box(&sky_raw));
                        out.map(|o| apdex.evaluate(&o.result, now).phase)
                    })
                })
            },
        );
    }

    let prom = metric(MetricProvider {
        prometheus: Some(PrometheusMetric {
            address: Some("http://prometheus:9090".into()),
            query: Some("http_requests_total".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    let prom_raw = RawResponse {
        status: 200,
        body: prometheus_vector(100),
    };
    let prom_provider = providers.for_metric(&prom);
    assert!(prom_provider.parse(&prom, &prom_raw).is_ok());
    c.bench_function("parse prometheus vector 100 series", |b| {
        b.iter_custom(|n| {
            time_cpu(n, || {
                prom_provider.parse(black_box(&prom), black_box(&prom_raw))
            })
        })
    });
    let mut rate = Conditions::new(Some("all(result, # >= 0.95)"), Some("len(result) == 0"));
    let now = Utc::now();
    c.bench_function(
        "measure prometheus vector 100 series: parse + extract + evaluate",
        |b| {
            b.iter_custom(|n| {
                time_cpu(n, || {
                    let out = prom_provider.parse(black_box(&prom), black_box(&prom_raw));
                    out.map(|o| rate.evaluate(&o.result, now).phase)
                })
            })
        },
    );
    // Reference point on a shared machine: merely tokenising the same body into serde_json.
    c.bench_function("baseline serde_json::Value of the 100-series body", |b| {
        b.iter_custom(|n| {
            time_cpu(n, || {
                serde_json::from_str::<serde_json::Value>(black_box(&prom_raw.body))
            })
        })
    });
    eprintln!("load average: {}", load_average());
}

criterion_group!(benches, bench);
criterion_main!(benches);
