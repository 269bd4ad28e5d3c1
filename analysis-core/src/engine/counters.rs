//! A metric result's counters after one measurement (semantics §3.3, `analysis.go:385-406`).

use crate::model::{MetricResult, Phase};

/// Counts a measurement into `result` ([`MetricResult::tally`], Argo's rule, lives with the
/// model so library users holding a result can record measurements the same way).
pub(crate) fn count(result: &mut MetricResult, phase: Phase) {
    result.tally(phase);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(seq: &[Phase]) -> MetricResult {
        let mut r = MetricResult::new("m");
        for p in seq {
            count(&mut r, *p);
        }
        r
    }

    /// (successful, failed, inconclusive, error, count, consecutiveError, consecutiveSuccess)
    fn counters(r: &MetricResult) -> [i32; 7] {
        [
            r.successful,
            r.failed,
            r.inconclusive,
            r.error,
            r.count,
            r.consecutive_error,
            r.consecutive_success,
        ]
    }

    #[test]
    fn successful_row() {
        let r = after(&[Phase::Error, Phase::Successful, Phase::Successful]);
        assert_eq!(counters(&r), [2, 0, 0, 1, 2, 0, 2]);
    }

    #[test]
    fn failed_row() {
        let r = after(&[Phase::Successful, Phase::Error, Phase::Failed]);
        assert_eq!(counters(&r), [1, 1, 0, 1, 2, 0, 0]);
    }

    #[test]
    fn inconclusive_row() {
        let r = after(&[Phase::Successful, Phase::Error, Phase::Inconclusive]);
        assert_eq!(counters(&r), [1, 0, 1, 1, 2, 0, 0]);
    }

    #[test]
    fn error_row_does_not_count() {
        let r = after(&[Phase::Successful, Phase::Error, Phase::Error]);
        assert_eq!(counters(&r), [1, 0, 0, 2, 1, 2, 0]);
    }

    #[test]
    fn incomplete_measurements_do_not_count() {
        let r = after(&[Phase::Running, Phase::Pending]);
        assert_eq!(counters(&r), [0; 7]);
    }
}
