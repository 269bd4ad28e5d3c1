//! Time for the driver: the wall clock (in `providers`, which has a runtime to sleep on) or a
//! virtual clock that jumps to each pass, so a day of analysis replays in microseconds.

use std::future::Future;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// A clock the driver reads and sleeps on.
pub trait Clock: Send + Sync {
    /// The time now.
    fn now(&self) -> DateTime<Utc>;

    /// Resolves at `at` (at once when `at` is not in the future).
    fn sleep_until(&self, at: DateTime<Utc>) -> impl Future<Output = ()> + Send + '_;
}

/// A clock that moves only when slept on: sleeping until `at` sets the time to `at` (never
/// back) and returns at once. Same inputs, same times: replays are byte-identical.
#[derive(Debug)]
pub struct VirtualClock {
    now: Mutex<DateTime<Utc>>,
}

impl VirtualClock {
    /// A clock reading `start`.
    pub fn new(start: DateTime<Utc>) -> VirtualClock {
        VirtualClock {
            now: Mutex::new(start),
        }
    }

    fn set(&self, at: DateTime<Utc>) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = (*now).max(at);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> impl Future<Output = ()> + Send + '_ {
        self.set(at);
        std::future::ready(())
    }
}
