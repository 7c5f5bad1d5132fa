//! The Raft log: durable storage joined with the unstable tail (etcd-io/raft's `log.go`).
//!
//! Reads consult the unstable tail first, then storage. Writes only touch the tail; storage
//! changes when the application persists a Ready. Invariant:
//! `first_index - 1 <= applied <= committed <= last_index`.

use super::message::{Entry, Snapshot};
use super::storage::{MemStorage, StorageError, limit_size};
use super::types::{Index, Term};

/// Storage plus unstable tail plus the commit and apply cursors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaftLog {
    /// What is durable.
    pub storage: MemStorage,
    /// What is not yet durable.
    pub unstable: super::unstable::Unstable,
    /// Highest index known committed (paper Figure 2, volatile `commitIndex`).
    pub committed: Index,
    /// Highest index handed to the application (Figure 2, `lastApplied`).
    pub applied: Index,
}

impl RaftLog {
    /// A log over durable storage after a (re)start. The persisted commit is a known fact and is
    /// kept; the application re-applies from the snapshot onwards.
    pub fn new(storage: MemStorage) -> RaftLog {
        let last = storage.last_index();
        let snapshot_index = storage.snapshot().metadata.index;
        let committed = storage.hard_state().commit.clamp(snapshot_index, last);
        RaftLog {
            unstable: super::unstable::Unstable::new(last),
            storage,
            committed,
            applied: snapshot_index,
        }
    }

    /// The first index that is still an entry (not compacted).
    pub fn first_index(&self) -> Index {
        self.unstable
            .maybe_first_index()
            .unwrap_or_else(|| self.storage.first_index())
    }

    /// The last index, durable or not.
    pub fn last_index(&self) -> Index {
        self.unstable
            .maybe_last_index()
            .unwrap_or_else(|| self.storage.last_index())
    }

    /// The term at `index`, or `None` when compacted or beyond the end.
    pub fn term(&self, index: Index) -> Option<Term> {
        if index < self.first_index().prev() || index > self.last_index() {
            return None;
        }
        if let Some(term) = self.unstable.maybe_term(index) {
            return Some(term);
        }
        if index >= self.unstable.offset {
            return None;
        }
        self.storage.term(index).ok()
    }

    /// The term of the last entry.
    pub fn last_term(&self) -> Term {
        self.term(self.last_index()).unwrap_or_default()
    }

    /// Whether the entry at `index` has term `term` (§5.3 consistency check).
    pub fn match_term(&self, index: Index, term: Term) -> bool {
        self.term(index) == Some(term)
    }

    /// §5.4.1 election restriction: a candidate's log is at least as up to date as ours when its
    /// last term is higher, or equal with an index at least as large.
    pub fn is_up_to_date(&self, last_index: Index, last_term: Term) -> bool {
        let our_term = self.last_term();
        last_term > our_term || (last_term == our_term && last_index >= self.last_index())
    }

    /// The index of the first entry that conflicts with ours (same index, different term) or is
    /// new; `Index(0)` when all of them are already present.
    pub fn find_conflict(&self, entries: &[Entry]) -> Index {
        entries
            .iter()
            .find(|e| !self.match_term(e.index, e.term))
            .map(|e| e.index)
            .unwrap_or_default()
    }

    /// The conflict hint for a rejected append (etcd's `findConflictByTerm`): the largest index
    /// `<= index` whose term is `<= term`, with that term. The leader can then skip every entry
    /// of a term the follower does not share, whichever way the tails differ.
    pub fn find_conflict_by_term(&self, index: Index, term: Term) -> (Index, Term) {
        let mut index = index.min(self.last_index());
        loop {
            match self.term(index) {
                None => return (index, Term(0)),
                Some(found) if found <= term => return (index, found),
                Some(_) => {}
            }
            if index.0 == 0 {
                return (index, Term(0));
            }
            index = index.prev();
        }
    }

    /// Handles the entries of an append (§5.3): if our entry at `prev_index` has `prev_term`,
    /// appends the entries from the first conflict on, advances the commit to
    /// `min(leader_commit, last new index)` and returns the last new index. `None` rejects.
    ///
    /// With `truncate_without_conflict` (a teaching switch) the entries overwrite everything
    /// after `prev_index` even when nothing conflicts, so a late, shorter append deletes
    /// entries that may already be committed.
    pub fn maybe_append(
        &mut self,
        prev_index: Index,
        prev_term: Term,
        leader_commit: Index,
        entries: &[Entry],
        truncate_without_conflict: bool,
    ) -> Option<Index> {
        if !self.match_term(prev_index, prev_term) {
            return None;
        }
        let last_new = prev_index.plus(entries.len() as u64);
        if truncate_without_conflict {
            if !entries.is_empty() {
                self.unstable.truncate_and_append(entries);
                if self.committed > self.last_index() {
                    self.committed = self.last_index();
                }
            }
        } else {
            let conflict = self.find_conflict(entries);
            if conflict.0 != 0 {
                if conflict <= self.committed {
                    // A correct leader never conflicts with a committed entry; refuse the
                    // message rather than rewrite history.
                    return None;
                }
                let skip = conflict.count_from(prev_index.next()) as usize;
                self.append(entries.get(skip..).unwrap_or(&[]));
            }
        }
        self.commit_to(leader_commit.min(last_new));
        Some(last_new)
    }

    /// Appends entries at the end (or over an uncommitted suffix); returns the last index.
    pub fn append(&mut self, entries: &[Entry]) -> Index {
        let Some(first) = entries.first() else {
            return self.last_index();
        };
        if first.index <= self.committed || first.index > self.last_index().next() {
            return self.last_index();
        }
        self.unstable.truncate_and_append(entries);
        self.last_index()
    }

    /// Raises the commit index (never lowers it, never past the last entry).
    pub fn commit_to(&mut self, index: Index) {
        if index > self.committed && index <= self.last_index() {
            self.committed = index;
        }
    }

    /// Records that the application has applied up to `index`.
    pub fn applied_to(&mut self, index: Index) {
        if index > self.applied && index <= self.committed {
            self.applied = index;
        }
    }

    /// Leader commit rule (§5.4.2): commit `index` only if its entry is from the current term.
    /// `count_old_terms` (a teaching switch) drops that check, which Figure 8 shows is unsafe.
    pub fn maybe_commit(&mut self, index: Index, term: Term, count_old_terms: bool) -> bool {
        if index <= self.committed {
            return false;
        }
        let term_ok = match self.term(index) {
            Some(found) => found == term || (count_old_terms && found <= term),
            None => false,
        };
        if term_ok {
            self.commit_to(index);
        }
        term_ok
    }

    /// Entries in `[low, high)`, limited to `bytes_max` (at least one entry).
    pub fn slice(
        &self,
        low: Index,
        high: Index,
        bytes_max: u64,
    ) -> Result<Vec<Entry>, StorageError> {
        if low < self.first_index() {
            return Err(StorageError::Compacted);
        }
        if high > self.last_index().next() {
            return Err(StorageError::Unavailable);
        }
        if low >= high {
            return Ok(Vec::new());
        }
        // One pass over the stored entries, then the unstable ones, copying each kept entry
        // once (the leader slices for every append it sends).
        let split = self.unstable.offset;
        let unstable = if high > split {
            self.unstable.slice(low.max(split), high)
        } else {
            &[]
        };
        if low < split {
            let stored = self.storage.entries_in(low, high.min(split))?;
            return Ok(limit_size(stored.chain(unstable), bytes_max));
        }
        Ok(limit_size(unstable, bytes_max))
    }

    /// Entries from `low` to the end, limited by bytes and count.
    pub fn entries_from(
        &self,
        low: Index,
        bytes_max: u64,
        count_max: usize,
    ) -> Result<Vec<Entry>, StorageError> {
        let high = self
            .last_index()
            .next()
            .min(low.plus(count_max.max(1) as u64));
        self.slice(low, high, bytes_max)
    }

    /// Whether committed entries wait to be applied (never while a snapshot is pending).
    pub fn has_next_committed_entries(&self) -> bool {
        self.unstable.snapshot.is_none()
            && self.committed > self.applied.max(self.first_index().prev())
    }

    /// Committed entries not yet applied.
    pub fn next_committed_entries(&self, bytes_max: u64) -> Vec<Entry> {
        if !self.has_next_committed_entries() {
            return Vec::new();
        }
        let low = self.applied.next().max(self.first_index());
        self.slice(low, self.committed.next(), bytes_max)
            .unwrap_or_default()
    }

    /// Installs a snapshot in the unstable tail; the commit index jumps to it.
    pub fn restore(&mut self, snapshot: Snapshot) {
        self.committed = snapshot.metadata.index;
        self.unstable.restore(snapshot);
    }

    /// The latest snapshot (pending or durable).
    pub fn snapshot(&self) -> Snapshot {
        match &self.unstable.snapshot {
            Some(snapshot) => snapshot.clone(),
            None => self.storage.snapshot().clone(),
        }
    }

    /// The last index that is durable and still part of this log.
    pub fn persisted_last_index(&self) -> Index {
        self.storage.last_index().min(self.unstable.offset.prev())
    }

    /// Every entry from the first to the last index (for inspection).
    pub fn all_entries(&self) -> Vec<Entry> {
        self.slice(self.first_index(), self.last_index().next(), u64::MAX)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::message::ConfState;

    /// Entries `first..=last` of term 1, each carrying `size` bytes of data (16 more count).
    fn entries(first: u64, last: u64, size: usize) -> Vec<Entry> {
        (first..=last)
            .map(|index| Entry {
                term: Term(1),
                index: Index(index),
                data: vec![0; size].into(),
                ..Entry::default()
            })
            .collect()
    }

    fn indexes(entries: &[Entry]) -> Vec<u64> {
        entries.iter().map(|entry| entry.index.0).collect()
    }

    /// A log of entries 1 to 3 stored and 4 to 6 not yet durable: a slice reads the stored
    /// part, the unstable part, and across the two, and the byte limit counts over both.
    #[test]
    fn slice_reads_stored_and_unstable_entries_and_across_the_split() {
        let mut storage = MemStorage::new_with_conf_state(ConfState::from_voters([1]));
        storage
            .append(&entries(1, 3, 4))
            .expect("storage appends 1 to 3");
        let mut log = RaftLog::new(storage);
        log.append(&entries(4, 6, 4));
        assert_eq!(log.unstable.offset, Index(4));
        let slice = |low: u64, high: u64, bytes_max: u64| {
            indexes(
                &log.slice(Index(low), Index(high), bytes_max)
                    .expect("in range"),
            )
        };
        assert_eq!(slice(1, 4, u64::MAX), [1, 2, 3]);
        assert_eq!(slice(2, 3, u64::MAX), [2]);
        assert_eq!(slice(4, 7, u64::MAX), [4, 5, 6]);
        assert_eq!(slice(5, 6, u64::MAX), [5]);
        assert_eq!(slice(2, 6, u64::MAX), [2, 3, 4, 5]);
        assert_eq!(slice(1, 7, u64::MAX), [1, 2, 3, 4, 5, 6]);
        assert_eq!(slice(3, 3, u64::MAX), Vec::<u64>::new());
        // 20 bytes an entry: the limit stops in the stored part, at the split, in the
        // unstable part, and at least one entry comes back.
        assert_eq!(slice(1, 7, 40), [1, 2]);
        assert_eq!(slice(1, 7, 60), [1, 2, 3]);
        assert_eq!(slice(2, 7, 60), [2, 3, 4]);
        assert_eq!(slice(4, 7, 40), [4, 5]);
        assert_eq!(slice(3, 7, 0), [3]);
        assert_eq!(slice(5, 7, 0), [5]);
        assert!(log.slice(Index(0), Index(2), u64::MAX).is_err());
        assert!(log.slice(Index(1), Index(8), u64::MAX).is_err());
    }

    /// A snapshot not yet durable, ahead of the stored entries, with entries after it: a
    /// slice from the snapshot's next index reads only the unstable entries (the storage,
    /// which ends before it, is not asked for them).
    #[test]
    fn slice_after_a_pending_snapshot_reads_only_the_unstable_entries() {
        let mut storage = MemStorage::new_with_conf_state(ConfState::from_voters([1]));
        storage
            .append(&entries(1, 3, 4))
            .expect("storage appends 1 to 3");
        let mut log = RaftLog::new(storage);
        log.restore(Snapshot {
            metadata: crate::raft::message::SnapshotMetadata {
                conf_state: ConfState::from_voters([1]),
                index: Index(10),
                term: Term(1),
            },
            ..Snapshot::default()
        });
        log.append(&entries(11, 12, 4));
        assert_eq!(log.first_index(), Index(11));
        let slice = log.slice(Index(11), Index(13), u64::MAX).expect("in range");
        assert_eq!(indexes(&slice), [11, 12]);
    }
}
