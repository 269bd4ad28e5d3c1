//! Shared code for the benchmarks: timing in this thread's CPU time, because the bench machine
//! is shared and wall-clock time would mostly measure the neighbours' load.

// Test and bench support: a broken fixture or server should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

/// This thread's CPU time in ns (Linux `/proc/thread-self/schedstat`); `None` elsewhere.
pub fn cpu_nanos() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Runs `f` `iters` times and returns the CPU time it took (wall-clock where schedstat is
/// unavailable): the body of a criterion `iter_custom`.
pub fn time_cpu<O>(iters: u64, mut f: impl FnMut() -> O) -> Duration {
    let wall = Instant::now();
    let start = cpu_nanos();
    for _ in 0..iters {
        black_box(f());
    }
    match (start, cpu_nanos()) {
        (Some(s), Some(e)) if e > s => Duration::from_nanos(e - s),
        _ => wall.elapsed(),
    }
}

/// The 1-minute load average, printed next to figures so runs can be compared fairly.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}
