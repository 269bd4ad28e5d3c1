//! One-shot runs: a run reduced to one decisive measurement per metric, for answering "is it
//! good right now?" synchronously (the service's `/api/v1/evaluate` and Flagger webhooks, or a
//! library user gating a deploy) through the same engine as scheduled runs.

use crate::model::{AnalysisRun, IntOrString};

/// Rewrites a run so each metric takes exactly one measurement and that measurement decides
/// it: no interval, count or initial delay, no failure/inconclusive tolerance, and the first
/// Error ends the metric (`consecutiveErrorLimit: 0`) instead of being retried.
pub fn one_shot(run: &mut AnalysisRun) {
    for m in &mut run.spec.metrics {
        m.interval = None;
        m.count = None;
        m.initial_delay = None;
        m.failure_limit = None;
        m.inconclusive_limit = None;
        m.consecutive_success_limit = None;
        m.consecutive_error_limit = Some(IntOrString::Int(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Metric;

    #[test]
    fn one_shot_leaves_one_decisive_measurement() {
        let mut run = AnalysisRun::default();
        run.spec.metrics.push(Metric {
            name: "m".into(),
            interval: Some("1m".into()),
            count: Some(IntOrString::Int(5)),
            initial_delay: Some("30s".into()),
            failure_limit: Some(IntOrString::Int(2)),
            inconclusive_limit: Some(IntOrString::Int(1)),
            consecutive_success_limit: Some(IntOrString::Int(3)),
            ..Metric::default()
        });
        one_shot(&mut run);
        let m = &run.spec.metrics[0];
        assert_eq!((m.interval.as_ref(), m.count.as_ref()), (None, None));
        assert_eq!(m.initial_delay, None);
        assert_eq!(m.failure_limit, None);
        assert_eq!(m.inconclusive_limit, None);
        assert_eq!(m.consecutive_success_limit, None);
        assert_eq!(m.consecutive_error_limit, Some(IntOrString::Int(0)));
    }
}
