//! The event queue: virtual time in milliseconds, ties broken by insertion order.
//!
//! Two events at the same millisecond run in the order they were scheduled, never in an order
//! that depends on a hash or an allocator, so a run is the same everywhere.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Virtual time in milliseconds since the start of the run.
pub type TimeMs = u64;

#[derive(Clone, Debug)]
struct Slot<E> {
    at_ms: TimeMs,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Slot<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at_ms, self.seq) == (other.at_ms, other.seq)
    }
}
impl<E> Eq for Slot<E> {}
impl<E> PartialOrd for Slot<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Slot<E> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at_ms, self.seq).cmp(&(other.at_ms, other.seq))
    }
}

/// A min-queue of events by (time, insertion sequence).
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Slot<E>>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at_ms`.
    pub fn push(&mut self, at_ms: TimeMs, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Slot { at_ms, seq, event }));
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<TimeMs> {
        self.heap.peek().map(|Reverse(slot)| slot.at_ms)
    }

    /// Removes and returns the earliest event with its time.
    pub fn pop(&mut self) -> Option<(TimeMs, E)> {
        self.heap
            .pop()
            .map(|Reverse(slot)| (slot.at_ms, slot.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Removes every event for which `keep` returns false (e.g. a crashed node's timers).
    pub fn retain(&mut self, mut keep: impl FnMut(&E) -> bool) {
        self.heap.retain(|Reverse(slot)| keep(&slot.event));
    }

    /// The pending events in the order they will run (for views and hashing).
    pub fn ordered(&self) -> Vec<(TimeMs, &E)> {
        let mut slots: Vec<&Slot<E>> = self.heap.iter().map(|Reverse(slot)| slot).collect();
        slots.sort();
        slots
            .into_iter()
            .map(|slot| (slot.at_ms, &slot.event))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::default();
        q.push(20, "c");
        q.push(10, "a");
        q.push(10, "b");
        q.push(5, "first");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(5, "first"), (10, "a"), (10, "b"), (20, "c")]);
    }

    #[test]
    fn retain_and_ordered_view() {
        let mut q = EventQueue::default();
        for (t, e) in [(3, 1), (1, 2), (2, 3), (1, 4)] {
            q.push(t, e);
        }
        q.retain(|e| *e != 3);
        let seen: Vec<_> = q.ordered().into_iter().map(|(t, e)| (t, *e)).collect();
        assert_eq!(seen, vec![(1, 2), (1, 4), (3, 1)]);
        assert_eq!(q.len(), 3);
        assert_eq!(q.peek_time(), Some(1));
    }
}
