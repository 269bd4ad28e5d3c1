//! Engine tests on a virtual clock. Measurements are fed already phased through
//! [`RunEngine::finish_pass_phased`] (the path `finish_pass` takes after evaluating), so the
//! state machine is tested independently of the condition language.

mod examples;
mod in_flight;
mod passes;
mod run;
mod schedule;

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value as Json, json};

use super::{PassReport, Phased, RunEngine};
use crate::model::{AnalysisRun, AnalysisRunStatus, Measurement, MetricResult, Phase};
use crate::secrets::NoSecrets;

pub(super) use Phase::{Error as E, Failed as F, Inconclusive as I, Successful as S};

/// Seconds after a fixed start time.
pub(super) fn t(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_714_564_800 + secs, 0).unwrap_or_default()
}

/// A web metric with extra fields merged in.
pub(super) fn metric(name: &str, extra: Json) -> Json {
    let mut m = json!({"name": name, "provider": {"web": {"url": "http://svc/metric"}}});
    if let (Some(m), Json::Object(extra)) = (m.as_object_mut(), extra) {
        m.extend(extra);
    }
    m
}

/// An engine over a run with these metrics and extra spec fields.
pub(super) fn engine_with(metrics: Vec<Json>, spec_extra: Json) -> RunEngine {
    let mut spec = json!({ "metrics": metrics });
    if let (Some(s), Json::Object(extra)) = (spec.as_object_mut(), spec_extra) {
        s.extend(extra);
    }
    let run: AnalysisRun =
        serde_json::from_value(json!({"metadata": {"name": "run"}, "spec": spec}))
            .expect("test run parses");
    RunEngine::new(run)
}

pub(super) fn engine(metrics: Vec<Json>) -> RunEngine {
    engine_with(metrics, json!({}))
}

pub(super) fn measurement(phase: Phase, message: &str, at: DateTime<Utc>) -> Measurement {
    Measurement::new(phase, at, at).with_message(message)
}

/// One pass at `now`: returns the requested metric names and the report. `answers` gives the
/// phase (and message) for requested metrics; requested metrics without an answer get none.
pub(super) fn pass(
    e: &mut RunEngine,
    now: DateTime<Utc>,
    answers: &[(&str, Phase, &str)],
) -> (Vec<String>, PassReport) {
    let requested: Vec<String> = e
        .begin_pass(now, &NoSecrets)
        .into_iter()
        .map(|r| r.metric_name)
        .collect();
    let phased = answers
        .iter()
        .filter(|(name, _, _)| requested.iter().any(|r| r == name))
        .map(|(name, phase, message)| Phased {
            metric_name: name.to_string(),
            measurement: measurement(*phase, message, now),
            explanation: Vec::new(),
            metric_metadata: BTreeMap::new(),
            origin: None,
        })
        .collect();
    let report = e.finish_pass_phased(now, phased);
    (requested, report)
}

/// One measurement taken by [`drive`]: (seconds, metric, phase).
pub(super) type Taken = (i64, String, Phase);

/// Drives the engine on a virtual clock from `t(0)`, answering each metric's requests from its
/// script in order, until the run completes, nothing is scheduled, or `max_passes`.
pub(super) fn drive(
    e: &mut RunEngine,
    script: &[(&str, &[Phase])],
    max_passes: usize,
) -> Vec<Taken> {
    let mut queues: BTreeMap<&str, VecDeque<Phase>> = script
        .iter()
        .map(|(n, phases)| (*n, phases.iter().copied().collect()))
        .collect();
    let mut taken = Vec::new();
    let mut now = t(0);
    for _ in 0..max_passes {
        let requests = e.begin_pass(now, &NoSecrets);
        let mut phased = Vec::new();
        for r in requests {
            let phase = queues
                .get_mut(r.metric_name.as_str())
                .and_then(VecDeque::pop_front)
                .unwrap_or_else(|| panic!("script for {} ran out at {now}", r.metric_name));
            taken.push(((now - t(0)).num_seconds(), r.metric_name.clone(), phase));
            phased.push(Phased {
                metric_name: r.metric_name,
                measurement: measurement(phase, "", now),
                explanation: Vec::new(),
                metric_metadata: BTreeMap::new(),
                origin: None,
            });
        }
        e.finish_pass_phased(now, phased);
        match e.next_pass_at() {
            Some(next) => {
                assert!(next >= now, "time went backwards: {next} < {now}");
                now = next;
            }
            None => break,
        }
    }
    taken
}

pub(super) fn status(e: &RunEngine) -> &AnalysisRunStatus {
    e.run().status.as_ref().expect("status after a pass")
}

pub(super) fn result<'a>(e: &'a RunEngine, name: &str) -> &'a MetricResult {
    status(e)
        .metric_results
        .iter()
        .find(|r| r.name == name)
        .expect("metric result")
}

pub(super) fn secs(s: i64) -> TimeDelta {
    TimeDelta::seconds(s)
}
