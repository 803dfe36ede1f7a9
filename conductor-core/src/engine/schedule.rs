//! [`Schedule`]: runs waiting on a `Delay`, ordered by when they are due. Runs due at
//! the same time keep the order they were scheduled in.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::run::Run;

struct Entry<T> {
    due: T,
    seq: u64,
    run: Box<Run>,
}

impl<T: Ord> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<T: Ord> Eq for Entry<T> {}
impl<T: Ord> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: Ord> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.due, self.seq).cmp(&(&other.due, other.seq))
    }
}

/// A timer queue keyed by `T`: wall-clock `Instant`s on the dispatcher, event-time
/// microseconds for `process`.
pub(crate) struct Schedule<T: Ord> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    seq: u64,
}

impl<T: Ord + Copy> Schedule<T> {
    pub(crate) fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    pub(crate) fn push(&mut self, due: T, run: Box<Run>) {
        self.seq += 1;
        self.heap.push(Reverse(Entry {
            due,
            seq: self.seq,
            run,
        }));
    }

    /// When the earliest run is due.
    pub(crate) fn next_due(&self) -> Option<T> {
        self.heap.peek().map(|e| e.0.due)
    }

    /// The earliest run if it is due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: T) -> Option<Box<Run>> {
        if self.next_due()? <= now {
            self.heap.pop().map(|e| e.0.run)
        } else {
            None
        }
    }

    /// Drops every waiting run; returns how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        let n = self.heap.len();
        self.heap.clear();
        n
    }
}
