//! The not-yet-durable tail of the log (etcd-io/raft's `log_unstable.go`).
//!
//! New entries (a leader's proposals, a follower's accepted appends) and an incoming snapshot
//! live here until the application persists them and calls `advance`. Until then they are lost
//! on a crash, and (thesis §3.8) nothing that depends on them is acknowledged.

use super::message::{Entry, Snapshot};
use super::types::{Index, Term};

/// Unpersisted snapshot and entries.
///
/// Invariant: `entries[i].index == offset + i`; when `snapshot` is set,
/// `offset == snapshot.metadata.index + 1`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unstable {
    /// An incoming snapshot not yet persisted.
    pub snapshot: Option<Snapshot>,
    /// Entries not yet persisted.
    pub entries: Vec<Entry>,
    /// The index of `entries[0]`.
    pub offset: Index,
}

impl Unstable {
    /// An empty tail that continues a durable log ending at `last_durable`.
    pub fn new(last_durable: Index) -> Unstable {
        Unstable {
            snapshot: None,
            entries: Vec::new(),
            offset: last_durable.next(),
        }
    }

    /// The first index if the tail starts with a snapshot.
    pub fn maybe_first_index(&self) -> Option<Index> {
        self.snapshot.as_ref().map(|s| s.metadata.index.next())
    }

    /// The last index of the tail, if it holds anything.
    pub fn maybe_last_index(&self) -> Option<Index> {
        if !self.entries.is_empty() {
            return Some(self.offset.plus(self.entries.len() as u64 - 1));
        }
        self.snapshot.as_ref().map(|s| s.metadata.index)
    }

    /// The term at `index` if the tail knows it.
    pub fn maybe_term(&self, index: Index) -> Option<Term> {
        if index < self.offset {
            return self
                .snapshot
                .as_ref()
                .filter(|s| s.metadata.index == index)
                .map(|s| s.metadata.term);
        }
        let offset = index.count_from(self.offset) as usize;
        self.entries.get(offset).map(|e| e.term)
    }

    /// Entries up to `index` (whose term is `term`) are now durable. Ignored when the tail was
    /// rewritten since (the term no longer matches).
    pub fn stable_to(&mut self, index: Index, term: Term) {
        if index < self.offset || self.maybe_term(index) != Some(term) {
            return;
        }
        let count = index.next().count_from(self.offset) as usize;
        self.entries.drain(..count.min(self.entries.len()));
        self.offset = index.next();
    }

    /// The snapshot at `index` is now durable.
    pub fn stable_snapshot_to(&mut self, index: Index) {
        if self
            .snapshot
            .as_ref()
            .is_some_and(|s| s.metadata.index == index)
        {
            self.snapshot = None;
        }
    }

    /// Replaces everything with an incoming snapshot.
    pub fn restore(&mut self, snapshot: Snapshot) {
        self.offset = snapshot.metadata.index.next();
        self.entries.clear();
        self.snapshot = Some(snapshot);
    }

    /// Appends `entries` (contiguous, non-empty), truncating the tail at their first index.
    pub fn truncate_and_append(&mut self, entries: &[Entry]) {
        let Some(first) = entries.first() else {
            return;
        };
        let after = first.index;
        let end = self.offset.plus(self.entries.len() as u64);
        if after == end {
            self.entries.extend_from_slice(entries);
        } else if after <= self.offset {
            // The whole tail is replaced; the durable log below `after` is truncated by the
            // caller's view (RaftLog consults the tail first).
            self.offset = after;
            self.entries = entries.to_vec();
        } else {
            let keep = after.count_from(self.offset) as usize;
            self.entries.truncate(keep);
            self.entries.extend_from_slice(entries);
        }
    }

    /// Entries in `[low, high)` that the tail holds.
    pub fn slice(&self, low: Index, high: Index) -> &[Entry] {
        let start = low.count_from(self.offset) as usize;
        let end = high.count_from(self.offset) as usize;
        self.entries
            .get(start..end.min(self.entries.len()))
            .unwrap_or(&[])
    }
}
