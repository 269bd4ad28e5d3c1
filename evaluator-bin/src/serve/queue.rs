//! When each active run is due next: a min-heap with lazy cancellation, so rescheduling or
//! removing one of 10,000 runs is O(log n) and the scheduler needs only one timer.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Due times are microseconds since the Unix epoch; the queue never reads a clock.
#[derive(Default)]
pub struct DueQueue {
    heap: BinaryHeap<Reverse<(i64, u64, i64)>>,
    /// The live generation of each scheduled run; heap entries of older ones are stale.
    live: HashMap<i64, u64>,
    next_gen: u64,
}

impl DueQueue {
    /// Schedules `id` at `due_us`, replacing any earlier schedule of it.
    pub fn schedule(&mut self, id: i64, due_us: i64) {
        self.next_gen += 1;
        self.live.insert(id, self.next_gen);
        self.heap.push(Reverse((due_us, self.next_gen, id)));
    }

    pub fn cancel(&mut self, id: i64) {
        self.live.remove(&id);
    }

    #[cfg(test)]
    pub fn is_scheduled(&self, id: i64) -> bool {
        self.live.contains_key(&id)
    }

    fn drop_stale(&mut self) {
        while let Some(Reverse((_, gen_, id))) = self.heap.peek() {
            if self.live.get(id) == Some(gen_) {
                break;
            }
            self.heap.pop();
        }
    }

    /// The earliest due time, if any run is scheduled.
    pub fn next_due(&mut self) -> Option<i64> {
        self.drop_stale();
        self.heap.peek().map(|Reverse((due, _, _))| *due)
    }

    /// Removes and returns every run due at or before `now_us`, earliest first, with its due
    /// time.
    pub fn pop_due(&mut self, now_us: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        loop {
            self.drop_stale();
            match self.heap.peek() {
                Some(Reverse((due, _, _))) if *due <= now_us => {}
                _ => break,
            }
            if let Some(Reverse((due, _, id))) = self.heap.pop() {
                self.live.remove(&id);
                out.push((id, due));
            }
        }
        out
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.live.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_due_order_and_only_when_due() {
        let mut q = DueQueue::default();
        q.schedule(1, 300);
        q.schedule(2, 100);
        q.schedule(3, 200);
        assert_eq!(q.next_due(), Some(100));
        assert_eq!(q.pop_due(99), vec![]);
        assert_eq!(q.pop_due(200), vec![(2, 100), (3, 200)]);
        assert_eq!(q.len(), 1);
        assert_eq!(q.next_due(), Some(300));
    }

    #[test]
    fn rescheduling_replaces_and_cancel_forgets() {
        let mut q = DueQueue::default();
        q.schedule(1, 100);
        q.schedule(1, 500);
        q.schedule(2, 200);
        q.cancel(2);
        assert_eq!(q.next_due(), Some(500));
        assert_eq!(q.pop_due(1_000), vec![(1, 500)]);
        assert_eq!(q.next_due(), None);
        assert!(!q.is_scheduled(1));
    }

    #[test]
    fn ten_thousand_runs_each_come_due_once_per_round() {
        let mut q = DueQueue::default();
        for id in 0..10_000 {
            q.schedule(id, id % 1_000);
        }
        let first = q.pop_due(499);
        assert_eq!(first.len(), 5_000);
        assert!(first.windows(2).all(|w| w[0].1 <= w[1].1));
        for (id, due) in &first {
            q.schedule(*id, due + 1_000_000);
        }
        assert_eq!(q.pop_due(999).len(), 5_000);
        assert_eq!(q.len(), 5_000);
    }
}
