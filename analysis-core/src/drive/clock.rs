//! Time for the driver: the wall clock (in `providers`, which has a runtime to sleep on) or a
//! virtual clock that jumps to each pass, so a day of analysis replays in microseconds.

use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// A clock the driver reads and sleeps on.
pub trait Clock: Send + Sync {
    /// The time now.
    fn now(&self) -> DateTime<Utc>;

    /// Resolves at `at` (at once when `at` is not in the future).
    fn sleep_until(&self, at: DateTime<Utc>) -> impl Future<Output = ()> + Send + '_;
}

/// A clock that moves only when slept on: sleeping until `at` sets the time to `at` (never
/// back) and returns at once. Same inputs, same times: replays are byte-identical. The time is
/// kept as nanoseconds since the Unix epoch in an atomic (a replay reads it several times a
/// measurement), so it spans the years 1677 to 2262.
#[derive(Debug)]
pub struct VirtualClock {
    nanos: AtomicI64,
}

/// `t` in nanoseconds since the epoch, saturating outside what an `i64` holds.
fn to_nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

impl VirtualClock {
    /// A clock reading `start`.
    pub fn new(start: DateTime<Utc>) -> VirtualClock {
        VirtualClock {
            nanos: AtomicI64::new(to_nanos(start)),
        }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos(self.nanos.load(Ordering::Relaxed))
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> impl Future<Output = ()> + Send + '_ {
        self.nanos.fetch_max(to_nanos(at), Ordering::Relaxed);
        std::future::ready(())
    }
}
