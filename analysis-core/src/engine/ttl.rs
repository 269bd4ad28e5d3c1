//! When a completed run may be deleted (semantics §4.9, `isAnalysisRunTtlExceeded`).

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{AnalysisRun, Phase};

/// The TTL in seconds that applies to the run's final phase: `secondsAfterSuccess` for
/// Successful, `secondsAfterFailure` for Failed, else `secondsAfterCompletion`.
fn ttl_seconds(run: &AnalysisRun) -> Option<i32> {
    let status = run.status.as_ref()?;
    let phase = status.phase.filter(|p| p.is_completed())?;
    let ttl = run.spec.ttl_strategy.as_ref()?;
    match phase {
        Phase::Successful if ttl.seconds_after_success.is_some() => ttl.seconds_after_success,
        Phase::Failed if ttl.seconds_after_failure.is_some() => ttl.seconds_after_failure,
        _ => ttl.seconds_after_completion,
    }
}

/// Whether the run's TTL is exceeded at `now`: the *whole* seconds since `completedAt`
/// (truncated, as Go's `int32(float)` does) are greater than the TTL. Runs without
/// `completedAt` — including runs that went Error before measuring — never expire, as in Argo.
pub fn ttl_exceeded(run: &AnalysisRun, now: DateTime<Utc>) -> bool {
    let (Some(ttl), Some(completed)) = (
        ttl_seconds(run),
        run.status.as_ref().and_then(|s| s.completed_at),
    ) else {
        return false;
    };
    let elapsed = now.signed_duration_since(completed);
    // Truncating toward zero, like Go's float-to-int conversion.
    let whole_seconds = elapsed.num_seconds();
    whole_seconds > i64::from(ttl)
}

/// The first instant at which [`ttl_exceeded`] holds, so a driver can sleep until then.
pub fn ttl_expires_at(run: &AnalysisRun) -> Option<DateTime<Utc>> {
    let ttl = ttl_seconds(run)?;
    let completed = run.status.as_ref()?.completed_at?;
    // whole_seconds > ttl  <=>  elapsed >= ttl + 1 s (ttl >= 0), or elapsed > ttl (ttl < 0).
    let at = if ttl >= 0 {
        TimeDelta::seconds(i64::from(ttl) + 1)
    } else {
        TimeDelta::seconds(i64::from(ttl)) + TimeDelta::nanoseconds(1)
    };
    completed.checked_add_signed(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AnalysisRunStatus, TtlStrategy};

    fn run(phase: Phase, ttl: TtlStrategy) -> AnalysisRun {
        let mut run = AnalysisRun::default();
        run.spec.ttl_strategy = Some(ttl);
        run.status = Some(AnalysisRunStatus {
            phase: Some(phase),
            completed_at: Some(t(0)),
            ..Default::default()
        });
        run
    }

    fn t(ms: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp_millis(1_700_000_000_000 + ms).unwrap_or_default()
    }

    fn all() -> TtlStrategy {
        TtlStrategy {
            seconds_after_completion: Some(30),
            seconds_after_failure: Some(20),
            seconds_after_success: Some(10),
        }
    }

    #[test]
    fn whole_seconds_must_exceed_the_ttl() {
        let r = run(Phase::Successful, all());
        assert!(!ttl_exceeded(&r, t(10_999)));
        assert!(ttl_exceeded(&r, t(11_000)));
        assert_eq!(ttl_expires_at(&r), Some(t(11_000)));
    }

    #[test]
    fn phase_picks_the_ttl() {
        assert_eq!(ttl_expires_at(&run(Phase::Failed, all())), Some(t(21_000)));
        assert_eq!(ttl_expires_at(&run(Phase::Error, all())), Some(t(31_000)));
        assert_eq!(
            ttl_expires_at(&run(Phase::Inconclusive, all())),
            Some(t(31_000))
        );
        let only_completion = TtlStrategy {
            seconds_after_completion: Some(5),
            ..Default::default()
        };
        assert_eq!(
            ttl_expires_at(&run(Phase::Successful, only_completion)),
            Some(t(6_000))
        );
    }

    #[test]
    fn no_ttl_no_completion_or_running_never_expires() {
        let mut r = run(Phase::Error, TtlStrategy::default());
        assert!(!ttl_exceeded(&r, t(1_000_000)));
        r = run(Phase::Successful, all());
        if let Some(s) = r.status.as_mut() {
            s.completed_at = None;
        }
        assert!(!ttl_exceeded(&r, t(1_000_000)));
        r = run(Phase::Running, all());
        assert!(!ttl_exceeded(&r, t(1_000_000)));
        assert_eq!(ttl_expires_at(&r), None);
    }
}
