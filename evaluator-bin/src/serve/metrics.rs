//! The service's own Prometheus metrics, rendered in the text exposition format.
//!
//! Hand-rolled (a few counters, gauges and fixed-bucket histograms) to avoid another
//! dependency; runs by phase are counted at scrape time from the live registry.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, PoisonError};

const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const LAG_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Clone, Debug)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, v: f64) {
        for (bound, c) in self.bounds.iter().zip(self.counts.iter_mut()) {
            if v <= *bound {
                *c += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    /// provider → phase → count; nested so a hit needs no key allocation.
    measurements: BTreeMap<String, BTreeMap<String, u64>>,
    latency: BTreeMap<String, Histogram>,
    /// run → metric → value.
    last_value: BTreeMap<String, BTreeMap<String, f64>>,
    lag: Option<Histogram>,
    store_errors: u64,
    passes: u64,
}

/// Counters the scheduler and handlers update; cheap to share.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// Escapes a label value as the exposition format requires.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A measurement's value as a number, when it is one (`0.97` or a one-element `[0.97]`).
pub fn numeric_value(value: &str) -> Option<f64> {
    let v = value.trim();
    let v = v
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(v);
    if v.contains(',') {
        return None;
    }
    v.trim().parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The slot for `outer`/`inner`, allocating keys only the first time they are seen.
fn slot<'a, T: Default>(
    map: &'a mut BTreeMap<String, BTreeMap<String, T>>,
    outer: &str,
    inner: &str,
) -> Option<&'a mut T> {
    if !map.contains_key(outer) {
        map.insert(outer.to_string(), BTreeMap::new());
    }
    let inner_map = map.get_mut(outer)?;
    if !inner_map.contains_key(inner) {
        inner_map.insert(inner.to_string(), T::default());
    }
    inner_map.get_mut(inner)
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records one finished measurement of `run`/`metric` taken by `provider`.
    pub fn measurement(
        &self,
        run: &str,
        metric: &str,
        provider: &str,
        phase: &str,
        seconds: Option<f64>,
        value: &str,
    ) {
        let value = numeric_value(value);
        let mut g = self.lock();
        if let Some(n) = slot(&mut g.measurements, provider, phase) {
            *n += 1;
        }
        if let Some(s) = seconds {
            match g.latency.get_mut(provider) {
                Some(h) => h.observe(s.max(0.0)),
                None => {
                    let mut h = Histogram::new(LATENCY_BUCKETS);
                    h.observe(s.max(0.0));
                    g.latency.insert(provider.to_string(), h);
                }
            }
        }
        if let Some((v, last)) = value.zip(slot(&mut g.last_value, run, metric)) {
            *last = v;
        }
    }

    /// A pass started; `lag` is how late, for passes the queue woke (not the ones the engine
    /// asked for at once, which run straight after the previous pass's commit).
    pub fn pass_started(&self, lag: Option<f64>) {
        let mut g = self.lock();
        g.passes += 1;
        if let Some(seconds) = lag {
            g.lag
                .get_or_insert_with(|| Histogram::new(LAG_BUCKETS))
                .observe(seconds.max(0.0));
        }
    }

    pub fn store_error(&self) {
        self.lock().store_errors += 1;
    }

    /// Forgets a deleted run's gauges.
    pub fn forget_run(&self, run: &str) {
        self.lock().last_value.remove(run);
    }

    /// The exposition text; `runs_by_phase` comes from the live registry.
    pub fn render(&self, runs_by_phase: &BTreeMap<String, u64>, in_flight: u64) -> String {
        let g = self.lock();
        let mut out = String::new();
        out.push_str("# HELP augur_analysis_runs AnalysisRuns known to the service, by phase.\n");
        out.push_str("# TYPE augur_analysis_runs gauge\n");
        for (phase, n) in runs_by_phase {
            let _ = writeln!(out, "augur_analysis_runs{{phase=\"{}\"}} {n}", esc(phase));
        }
        out.push_str(
            "# HELP augur_measurements_total Measurements taken, by provider and phase.\n",
        );
        out.push_str("# TYPE augur_measurements_total counter\n");
        let counts = g
            .measurements
            .iter()
            .flat_map(|(provider, m)| m.iter().map(move |(phase, n)| (provider, phase, n)));
        for (provider, phase, n) in counts {
            let _ = writeln!(
                out,
                "augur_measurements_total{{provider=\"{}\",phase=\"{}\"}} {n}",
                esc(provider),
                esc(phase)
            );
        }
        out.push_str(
            "# HELP augur_provider_latency_seconds Time a provider took per measurement.\n",
        );
        out.push_str("# TYPE augur_provider_latency_seconds histogram\n");
        for (provider, h) in &g.latency {
            let labels = format!("provider=\"{}\"", esc(provider));
            h.render(&mut out, "augur_provider_latency_seconds", &labels);
        }
        out.push_str(
            "# HELP augur_metric_last_value The last numeric value measured, per run and metric.\n",
        );
        out.push_str("# TYPE augur_metric_last_value gauge\n");
        let last = g
            .last_value
            .iter()
            .flat_map(|(run, m)| m.iter().map(move |(metric, v)| (run, metric, v)));
        for (run, metric, v) in last {
            let _ = writeln!(
                out,
                "augur_metric_last_value{{run=\"{}\",metric=\"{}\"}} {v}",
                esc(run),
                esc(metric)
            );
        }
        out.push_str(
            "# HELP augur_scheduler_lag_seconds How late passes the queue woke started after they were due.\n",
        );
        out.push_str("# TYPE augur_scheduler_lag_seconds histogram\n");
        g.lag
            .clone()
            .unwrap_or_else(|| Histogram::new(LAG_BUCKETS))
            .render(&mut out, "augur_scheduler_lag_seconds", "");
        out.push_str("# HELP augur_passes_total Passes the scheduler ran.\n");
        out.push_str("# TYPE augur_passes_total counter\n");
        let _ = writeln!(out, "augur_passes_total {}", g.passes);
        out.push_str("# HELP augur_passes_in_flight Passes running now.\n");
        out.push_str("# TYPE augur_passes_in_flight gauge\n");
        let _ = writeln!(out, "augur_passes_in_flight {in_flight}");
        out.push_str("# HELP augur_store_errors_total Passes whose commit failed (retried).\n");
        out.push_str("# TYPE augur_store_errors_total counter\n");
        let _ = writeln!(out, "augur_store_errors_total {}", g.store_errors);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let m = Metrics::default();
        m.measurement("r\"1", "m", "web", "Successful", Some(0.02), "[0.5]");
        m.measurement("r\"1", "m", "web", "Failed", None, "not a number");
        m.pass_started(Some(0.003));
        let runs = BTreeMap::from([("Running".to_string(), 2)]);
        let text = m.render(&runs, 1);
        assert!(text.contains("augur_analysis_runs{phase=\"Running\"} 2\n"));
        assert!(text.contains("augur_measurements_total{provider=\"web\",phase=\"Failed\"} 1\n"));
        assert!(
            text.contains(
                "augur_provider_latency_seconds_bucket{provider=\"web\",le=\"0.025\"} 1\n"
            )
        );
        assert!(
            text.contains(
                "augur_provider_latency_seconds_bucket{provider=\"web\",le=\"0.01\"} 0\n"
            )
        );
        assert!(text.contains("augur_metric_last_value{run=\"r\\\"1\",metric=\"m\"} 0.5\n"));
        assert!(text.contains("augur_scheduler_lag_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("augur_scheduler_lag_seconds_count 1\n"));
        m.forget_run("r\"1");
        assert!(!m.render(&runs, 0).contains("augur_metric_last_value{"));
    }

    #[test]
    fn numeric_values() {
        assert_eq!(numeric_value("0.97"), Some(0.97));
        assert_eq!(numeric_value("[3]"), Some(3.0));
        assert_eq!(numeric_value("[1,2]"), None);
        assert_eq!(numeric_value("NaN"), None);
        assert_eq!(numeric_value("{\"a\":1}"), None);
    }
}
