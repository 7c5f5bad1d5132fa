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
