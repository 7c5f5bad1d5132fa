//! What the leader knows about each follower, and the flow control built on it
//! (etcd-io/raft's `tracker/progress.go` and `tracker/inflights.go`).
//!
//! A follower is in one of three states. **Probe**: the leader does not know where the
//! follower's log matches, so it sends one append at a time and waits. **Replicate**: the logs
//! match up to `matched`, so the leader streams appends optimistically, at most
//! `inflight_count_max` unacknowledged. **Snapshot**: the entries the follower needs are
//! compacted; the leader sent a snapshot and sends nothing else until it is acknowledged.

use std::collections::VecDeque;

use super::types::Index;

/// The replication state of one follower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProgressState {
    /// One append in flight until the match point is found.
    #[default]
    Probe,
    /// Pipelined appends within the inflight window.
    Replicate,
    /// A snapshot is on its way; appends pause.
    Snapshot,
}

impl ProgressState {
    /// Stable name for traces: `StateProbe`, `StateReplicate`, `StateSnapshot`.
    pub fn name(self) -> &'static str {
        match self {
            ProgressState::Probe => "StateProbe",
            ProgressState::Replicate => "StateReplicate",
            ProgressState::Snapshot => "StateSnapshot",
        }
    }
}

/// A bounded window of unacknowledged appends, identified by their last index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inflights {
    /// (last index, bytes) of each unacknowledged append, oldest first.
    window: VecDeque<(Index, u64)>,
    /// Bytes in the window.
    bytes_total: u64,
    /// At most this many appends in flight.
    count_max: usize,
    /// At most this many bytes in flight; 0 = unlimited.
    bytes_max: u64,
}

impl Inflights {
    /// An empty window.
    pub fn new(count_max: usize, bytes_max: u64) -> Inflights {
        Inflights {
            window: VecDeque::new(),
            bytes_total: 0,
            count_max: count_max.max(1),
            bytes_max,
        }
    }

    /// Records an append ending at `last_index`.
    pub fn add(&mut self, last_index: Index, bytes: u64) {
        self.window.push_back((last_index, bytes));
        self.bytes_total = self.bytes_total.saturating_add(bytes);
    }

    /// Acknowledges every append ending at or before `index`.
    pub fn free_le(&mut self, index: Index) {
        while let Some(&(last, bytes)) = self.window.front() {
            if last > index {
                break;
            }
            self.window.pop_front();
            self.bytes_total = self.bytes_total.saturating_sub(bytes);
        }
    }

    /// Whether no further append may be sent.
    pub fn full(&self) -> bool {
        self.window.len() >= self.count_max
            || (self.bytes_max != 0 && self.bytes_total >= self.bytes_max)
    }

    /// Number of appends in flight.
    pub fn count(&self) -> usize {
        self.window.len()
    }

    /// Forgets everything in flight.
    pub fn reset(&mut self) {
        self.window.clear();
        self.bytes_total = 0;
    }
}

/// The leader's view of one member.
///
/// Invariant: `matched < next`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Highest index known to match the leader's log (Figure 2, `matchIndex`).
    pub matched: Index,
    /// Next index to send (Figure 2, `nextIndex`).
    pub next: Index,
    /// Replication state.
    pub state: ProgressState,
    /// In Snapshot state: the index of the snapshot sent.
    pub pending_snapshot: Index,
    /// Heard from since the last check-quorum round (thesis §6.2).
    pub recent_active: bool,
    /// In Probe state: an append was sent and not yet answered.
    pub probe_sent: bool,
    /// Unacknowledged appends in Replicate state.
    pub inflights: Inflights,
}

impl Progress {
    /// A fresh progress that will probe from `next`.
    pub fn new(next: Index, inflight_count_max: usize, inflight_bytes_max: u64) -> Progress {
        Progress {
            matched: Index(0),
            next: next.max(Index(1)),
            state: ProgressState::Probe,
            pending_snapshot: Index(0),
            recent_active: true,
            probe_sent: false,
            inflights: Inflights::new(inflight_count_max, inflight_bytes_max),
        }
    }

    fn reset_state(&mut self, state: ProgressState) {
        self.probe_sent = false;
        self.pending_snapshot = Index(0);
        self.state = state;
        self.inflights.reset();
    }

    /// Back to probing, e.g. after a rejection or a snapshot.
    pub fn become_probe(&mut self) {
        if self.state == ProgressState::Snapshot {
            let pending = self.pending_snapshot;
            self.reset_state(ProgressState::Probe);
            self.next = self.matched.next().max(pending.next());
        } else {
            self.reset_state(ProgressState::Probe);
            self.next = self.matched.next();
        }
    }

    /// Start pipelining after a successful probe.
    pub fn become_replicate(&mut self) {
        self.reset_state(ProgressState::Replicate);
        self.next = self.matched.next();
    }

    /// A snapshot at `snapshot_index` was sent.
    pub fn become_snapshot(&mut self, snapshot_index: Index) {
        self.reset_state(ProgressState::Snapshot);
        self.pending_snapshot = snapshot_index;
    }

    /// An append ending at `last_index` (with `count` entries and `bytes`) was sent.
    pub fn sent_entries(&mut self, last_index: Index, count: usize, bytes: u64) {
        match self.state {
            ProgressState::Replicate => {
                if count > 0 {
                    self.next = last_index.next();
                    self.inflights.add(last_index, bytes);
                }
            }
            ProgressState::Probe => {
                if count > 0 {
                    self.probe_sent = true;
                }
            }
            ProgressState::Snapshot => {}
        }
    }

    /// The follower acknowledged up to `index`; returns whether `matched` moved.
    pub fn maybe_update(&mut self, index: Index) -> bool {
        let updated = self.matched < index;
        if updated {
            self.matched = index;
            self.probe_sent = false;
        }
        self.next = self.next.max(index.next());
        updated
    }

    /// The follower rejected the append at `rejected`; `hint` is the next index to try.
    /// Returns false for a stale rejection (reordered or duplicated), which changes nothing.
    pub fn maybe_decr_to(&mut self, rejected: Index, hint: Index) -> bool {
        if self.state == ProgressState::Replicate {
            if rejected <= self.matched {
                return false;
            }
            self.next = self.matched.next();
            return true;
        }
        if self.next.prev() != rejected {
            return false;
        }
        self.next = rejected.min(hint.next()).max(self.matched.next());
        self.probe_sent = false;
        true
    }

    /// Whether the leader must not send an append now.
    pub fn is_paused(&self) -> bool {
        match self.state {
            ProgressState::Probe => self.probe_sent,
            ProgressState::Replicate => self.inflights.full(),
            ProgressState::Snapshot => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trace and the view model show these names; they are etcd's.
    #[test]
    fn state_names_are_etcds() {
        assert_eq!(ProgressState::Probe.name(), "StateProbe");
        assert_eq!(ProgressState::Replicate.name(), "StateReplicate");
        assert_eq!(ProgressState::Snapshot.name(), "StateSnapshot");
    }

    /// The window fills at `count_max` appends and an acknowledgement frees exactly the
    /// appends ending at or before it, oldest first.
    #[test]
    fn window_fills_at_its_count_and_frees_what_an_ack_covers() {
        let mut window = Inflights::new(3, 0);
        window.add(Index(5), 10);
        window.add(Index(7), 10);
        assert!(!window.full(), "two of three");
        window.add(Index(9), 10);
        assert!(window.full(), "three of three");
        assert_eq!(window.count(), 3);
        window.free_le(Index(4));
        assert_eq!(window.count(), 3, "an ack below every append frees none");
        window.free_le(Index(6));
        assert_eq!(window.count(), 2, "frees the append ending at 5 only");
        assert!(!window.full());
        window.free_le(Index(7));
        assert_eq!(window.count(), 1, "an ack at its last index frees it");
        window.free_le(Index(100));
        assert_eq!(window.count(), 0);
    }

    /// A zero count limit still lets one append through, or nothing would ever be sent.
    #[test]
    fn a_zero_count_limit_allows_one_append() {
        let mut window = Inflights::new(0, 0);
        assert!(!window.full());
        window.add(Index(1), 1);
        assert!(window.full());
    }

    /// The byte limit: full once the bytes in flight reach it, not before, and freeing an
    /// append gives its bytes back; 0 means no byte limit at all.
    #[test]
    fn window_fills_at_its_byte_limit_unless_it_has_none() {
        let mut window = Inflights::new(10, 100);
        window.add(Index(1), 60);
        assert!(!window.full(), "60 of 100 bytes");
        window.add(Index(2), 39);
        assert!(!window.full(), "99 of 100 bytes");
        window.add(Index(3), 1);
        assert!(window.full(), "100 of 100 bytes");
        window.free_le(Index(1));
        assert!(!window.full(), "40 of 100 bytes");
        window.add(Index(4), 70);
        assert!(window.full(), "110 of 100 bytes");

        let mut unlimited = Inflights::new(10, 0);
        unlimited.add(Index(1), u64::MAX);
        assert!(!unlimited.full(), "no byte limit");
    }

    #[test]
    fn reset_forgets_appends_and_their_bytes() {
        let mut window = Inflights::new(2, 100);
        window.add(Index(1), 100);
        assert!(window.full());
        window.reset();
        assert_eq!(window.count(), 0);
        assert!(!window.full(), "the bytes are forgotten too");
        window.add(Index(2), 50);
        assert!(!window.full(), "50 of 100 bytes after the reset");
    }

    fn replicating(matched: u64, next: u64) -> Progress {
        let mut pr = Progress::new(Index(next), 2, 0);
        pr.matched = Index(matched);
        pr.state = ProgressState::Replicate;
        pr
    }

    #[test]
    fn a_new_progress_probes_from_at_least_index_1() {
        let pr = Progress::new(Index(0), 4, 0);
        assert_eq!((pr.matched, pr.next), (Index(0), Index(1)));
        assert_eq!(pr.state, ProgressState::Probe);
        assert!(pr.recent_active && !pr.probe_sent);
        assert_eq!(Progress::new(Index(7), 4, 0).next, Index(7));
    }

    /// Replicate streams: each non-empty append moves `next` past it and takes a window slot;
    /// an empty one (a bare commit update) does neither. The window pauses the follower.
    #[test]
    fn replicate_moves_next_and_fills_the_window_only_for_entries() {
        let mut pr = replicating(3, 4);
        pr.sent_entries(Index(3), 0, 0);
        assert_eq!(pr.next, Index(4), "an empty append moves nothing");
        assert_eq!(pr.inflights.count(), 0);
        pr.sent_entries(Index(5), 2, 10);
        assert_eq!(pr.next, Index(6));
        assert!(!pr.is_paused(), "one of two in flight");
        pr.sent_entries(Index(6), 1, 10);
        assert_eq!(pr.next, Index(7));
        assert!(pr.is_paused(), "two of two in flight");
        assert_eq!(pr.inflights.count(), 2);
    }

    /// Probe sends one append with entries and waits; an empty one does not pause it, and
    /// Snapshot records nothing.
    #[test]
    fn probe_pauses_after_an_append_with_entries() {
        let mut pr = Progress::new(Index(4), 2, 0);
        assert!(!pr.is_paused());
        pr.sent_entries(Index(3), 0, 0);
        assert!(!pr.is_paused(), "an empty probe does not pause");
        assert_eq!(pr.next, Index(4), "a probe does not move next");
        pr.sent_entries(Index(5), 2, 10);
        assert!(pr.probe_sent && pr.is_paused());
        assert_eq!((pr.next, pr.inflights.count()), (Index(4), 0));

        let mut pr = Progress::new(Index(4), 2, 0);
        pr.become_snapshot(Index(9));
        pr.sent_entries(Index(5), 2, 10);
        assert_eq!((pr.next, pr.inflights.count()), (Index(4), 0));
        assert!(!pr.probe_sent);
        assert!(pr.is_paused(), "Snapshot sends nothing else");
    }

    /// Only a higher acknowledgement moves `matched` (and unpauses a probe); `next` never
    /// falls below the acknowledgement.
    #[test]
    fn maybe_update_moves_only_forward() {
        let mut pr = Progress::new(Index(6), 2, 0);
        pr.matched = Index(3);
        pr.probe_sent = true;
        assert!(!pr.maybe_update(Index(2)), "a stale ack");
        assert!(!pr.maybe_update(Index(3)), "a repeated ack");
        assert_eq!((pr.matched, pr.next), (Index(3), Index(6)));
        assert!(pr.probe_sent, "no progress, still waiting");
        assert!(pr.maybe_update(Index(4)));
        assert_eq!((pr.matched, pr.next), (Index(4), Index(6)));
        assert!(!pr.probe_sent);
        assert!(pr.maybe_update(Index(9)));
        assert_eq!((pr.matched, pr.next), (Index(9), Index(10)));
    }

    /// In Replicate, a rejection above `matched` sends the follower back to `matched + 1`;
    /// one at or below `matched` is stale.
    #[test]
    fn a_replicate_rejection_falls_back_to_matched() {
        let mut pr = replicating(5, 10);
        assert!(!pr.maybe_decr_to(Index(4), Index(0)));
        assert!(!pr.maybe_decr_to(Index(5), Index(0)));
        assert_eq!(pr.next, Index(10), "stale rejections change nothing");
        assert!(pr.maybe_decr_to(Index(6), Index(0)));
        assert_eq!(pr.next, Index(6));
    }

    /// In Probe, only a rejection of the append just sent (at `next - 1`) counts; `next` goes
    /// to the hint's successor, never above the rejected index nor to or below `matched`.
    #[test]
    fn a_probe_rejection_follows_the_hint_within_bounds() {
        let mut pr = Progress::new(Index(10), 2, 0);
        pr.matched = Index(2);
        pr.probe_sent = true;
        assert!(!pr.maybe_decr_to(Index(8), Index(0)), "not the last probe");
        assert!(!pr.maybe_decr_to(Index(10), Index(0)), "not the last probe");
        assert_eq!(pr.next, Index(10));
        assert!(pr.probe_sent);
        assert!(pr.maybe_decr_to(Index(9), Index(4)));
        assert_eq!(pr.next, Index(5), "the hint's successor");
        assert!(!pr.probe_sent, "the probe was answered");
        assert!(pr.maybe_decr_to(Index(4), Index(0)));
        assert_eq!(pr.next, Index(3), "not at or below matched");
        pr.next = Index(8);
        assert!(pr.maybe_decr_to(Index(7), Index(20)));
        assert_eq!(pr.next, Index(7), "not above the rejected index");
    }

    /// Leaving Snapshot probes from past the snapshot sent (the follower will have it);
    /// leaving Replicate probes from `matched + 1`. Both clear the window.
    #[test]
    fn become_probe_starts_after_the_pending_snapshot_or_the_match() {
        let mut pr = replicating(3, 8);
        pr.sent_entries(Index(9), 2, 0);
        pr.become_probe();
        assert_eq!(pr.state, ProgressState::Probe);
        assert_eq!(pr.next, Index(4));
        assert_eq!(pr.inflights.count(), 0);

        let mut pr = Progress::new(Index(4), 2, 0);
        pr.matched = Index(3);
        pr.become_snapshot(Index(20));
        assert_eq!(
            (pr.state, pr.pending_snapshot),
            (ProgressState::Snapshot, Index(20))
        );
        pr.become_probe();
        assert_eq!(pr.state, ProgressState::Probe);
        assert_eq!((pr.next, pr.pending_snapshot), (Index(21), Index(0)));

        // A snapshot older than the match: probe from the match.
        let mut pr = Progress::new(Index(4), 2, 0);
        pr.matched = Index(30);
        pr.become_snapshot(Index(20));
        pr.become_probe();
        assert_eq!(pr.next, Index(31));
    }

    /// Every state change starts clean: no probe outstanding, no window, no snapshot.
    #[test]
    fn state_changes_reset_probe_window_and_snapshot() {
        let mut pr = replicating(3, 4);
        pr.sent_entries(Index(5), 2, 0);
        pr.sent_entries(Index(6), 1, 0);
        assert!(pr.is_paused());
        pr.become_snapshot(Index(10));
        assert_eq!(pr.inflights.count(), 0);
        pr.become_replicate();
        assert_eq!(pr.state, ProgressState::Replicate);
        assert_eq!((pr.next, pr.pending_snapshot), (Index(4), Index(0)));
        assert!(!pr.is_paused());

        let mut pr = Progress::new(Index(4), 2, 0);
        pr.sent_entries(Index(5), 2, 0);
        assert!(pr.probe_sent);
        pr.become_replicate();
        assert!(!pr.probe_sent);
        pr.next = Index(9);
        pr.become_replicate();
        assert_eq!(pr.next, Index(1), "replicate starts after the match");
    }
}
