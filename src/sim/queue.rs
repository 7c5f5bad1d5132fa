//! The event queue: virtual time in milliseconds, ties broken by insertion order.
//!
//! Two events at the same millisecond run in the order they were scheduled, never in an order
//! that depends on a hash or an allocator, so a run is the same everywhere.

use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::{Add, AddAssign, Sub};

/// Virtual time in milliseconds since the start of the run, or a span of it (a delay, a
/// latency, a timeout): the simulator measures both in the same unit, so `now + delay` stays
/// one addition. A newtype so that a time cannot be mixed up with an id, a count or a Raft
/// index; written as the bare number (JSON, scripts, trace text) as it always was.
///
/// `+` and `-` behave as they do on `u64`; the simulator saturates explicitly
/// ([`TimeMs::saturating_add`]) where a user-given delay could reach the end of time.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct TimeMs(pub u64);

impl TimeMs {
    /// The start of the run.
    pub const ZERO: TimeMs = TimeMs(0);
    /// The end of time: "never", or "no limit".
    pub const MAX: TimeMs = TimeMs(u64::MAX);

    /// `self + other`, stopping at the end of time instead of wrapping around.
    pub fn saturating_add(self, other: TimeMs) -> TimeMs {
        TimeMs(self.0.saturating_add(other.0))
    }

    /// `self - other`, stopping at zero.
    pub fn saturating_sub(self, other: TimeMs) -> TimeMs {
        TimeMs(self.0.saturating_sub(other.0))
    }

    /// `self * factor`, stopping at the end of time.
    pub fn saturating_mul(self, factor: u64) -> TimeMs {
        TimeMs(self.0.saturating_mul(factor))
    }
}

impl Add for TimeMs {
    type Output = TimeMs;
    fn add(self, other: TimeMs) -> TimeMs {
        TimeMs(self.0 + other.0)
    }
}

impl AddAssign for TimeMs {
    fn add_assign(&mut self, other: TimeMs) {
        self.0 += other.0;
    }
}

impl Sub for TimeMs {
    type Output = TimeMs;
    fn sub(self, other: TimeMs) -> TimeMs {
        TimeMs(self.0 - other.0)
    }
}

impl std::fmt::Display for TimeMs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

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
        q.push(TimeMs(20), "c");
        q.push(TimeMs(10), "a");
        q.push(TimeMs(10), "b");
        q.push(TimeMs(5), "first");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        let order: Vec<(u64, &str)> = order.into_iter().map(|(t, e)| (t.0, e)).collect();
        assert_eq!(order, vec![(5, "first"), (10, "a"), (10, "b"), (20, "c")]);
    }

    #[test]
    fn a_time_is_written_as_its_number_and_saturates_only_when_asked() {
        assert_eq!(
            serde_json::to_string(&TimeMs(1500)).expect("writes"),
            "1500"
        );
        assert_eq!(
            serde_json::from_str::<TimeMs>("1500").expect("reads"),
            TimeMs(1500)
        );
        assert_eq!(TimeMs(1500).to_string(), "1500");
        assert_eq!(TimeMs::MAX.saturating_add(TimeMs(1)), TimeMs::MAX);
        assert_eq!(TimeMs(3).saturating_sub(TimeMs(5)), TimeMs::ZERO);
        assert_eq!(TimeMs(2) + TimeMs(3), TimeMs(5));
        assert_eq!(TimeMs(u64::MAX / 2).saturating_mul(3), TimeMs::MAX);
    }

    #[test]
    fn retain_and_ordered_view() {
        let mut q = EventQueue::default();
        for (t, e) in [(3, 1), (1, 2), (2, 3), (1, 4)] {
            q.push(TimeMs(t), e);
        }
        q.retain(|e| *e != 3);
        let seen: Vec<_> = q.ordered().into_iter().map(|(t, e)| (t.0, *e)).collect();
        assert_eq!(seen, vec![(1, 2), (1, 4), (3, 1)]);
        assert_eq!(q.len(), 3);
        assert_eq!(q.peek_time(), Some(TimeMs(1)));
    }
}
