//! The persistence contract and an in-memory durable store.
//!
//! What is durable (paper Figure 2, thesis §3.8): the [`HardState`] (term, vote, and a known
//! commit index), the log entries, and the latest snapshot with its configuration. What is
//! volatile and rebuilt after a restart: the role, the leader, per-follower progress, votes
//! received, the applied index (the application rebuilds its state from the snapshot and the
//! committed entries), pending reads.
//!
//! [`MemStorage`] holds exactly what a node has made durable. The [`RawNode`](super::RawNode)
//! owns one and writes to it only in [`advance`](super::RawNode::advance), the moment the
//! application says the Ready's writes reached the disk. A crash is therefore modelled by
//! cloning [`RawNode::storage`](super::RawNode::storage) and building a new node from the clone:
//! everything not yet advanced (the unstable tail, unsent messages) is lost, as it would be.

use super::message::{ConfState, Entry, HardState, Snapshot, SnapshotMetadata};
use super::types::{Index, Term};

/// Why the storage could not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageError {
    /// The index is covered by the snapshot; the entries are gone.
    Compacted,
    /// The index is beyond the last stored entry.
    Unavailable,
    /// A snapshot older than the stored one was offered.
    SnapshotOutOfDate,
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            StorageError::Compacted => "requested index is compacted",
            StorageError::Unavailable => "requested index is unavailable",
            StorageError::SnapshotOutOfDate => "snapshot is older than the stored one",
        };
        f.write_str(text)
    }
}

impl std::error::Error for StorageError {}

/// Durable state of one node, in memory. Clone it to checkpoint a disk: the entries are a
/// persistent vector (`imbl::Vector`, chunks shared until written), and the snapshot's bytes
/// are shared, so a clone costs a few pointers, not the log. A timeline keeps many clones.
///
/// Invariant: `entries[i].index == snapshot.metadata.index + 1 + i` and terms never decrease.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemStorage {
    hard_state: HardState,
    snapshot: Snapshot,
    entries: imbl::Vector<Entry>,
}

impl MemStorage {
    /// An empty store whose initial configuration is `conf_state` (a bootstrapped cluster).
    pub fn new_with_conf_state(conf_state: ConfState) -> MemStorage {
        MemStorage {
            hard_state: HardState::default(),
            snapshot: Snapshot {
                metadata: SnapshotMetadata {
                    conf_state,
                    index: Index(0),
                    term: Term(0),
                },
                data: std::sync::Arc::default(),
            },
            entries: imbl::Vector::new(),
        }
    }

    /// The durable hard state and the snapshot's configuration: what a restart begins from.
    pub fn initial_state(&self) -> (HardState, ConfState) {
        (
            self.hard_state.clone(),
            self.snapshot.metadata.conf_state.clone(),
        )
    }

    /// The durable hard state.
    pub fn hard_state(&self) -> &HardState {
        &self.hard_state
    }

    /// Overwrites the hard state.
    pub fn set_hard_state(&mut self, hard_state: HardState) {
        self.hard_state = hard_state;
    }

    /// The latest snapshot (index 0 when none was taken).
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Makes the snapshot hold `data` instead of its own bytes when they are the same bytes
    /// (nodes that snapshot at the same index serialize the same state): memory only, the
    /// snapshot is unchanged. Returns whether it holds `data` now.
    pub fn share_snapshot_data(&mut self, data: &std::sync::Arc<[u8]>) -> bool {
        share_bytes(&mut self.snapshot.data, data)
    }

    /// Makes the stored entries share `other`'s when they are the same entries, or the first
    /// ones of `other`'s (a follower a few entries behind): nodes replicate the same log, yet
    /// each built its own copy, and a timeline checkpoint keeps every node's. Memory only: the
    /// entries are unchanged.
    pub fn share_entries_with(&mut self, other: &MemStorage) {
        let len = self.entries.len();
        if len == 0 || self.entries.ptr_eq(&other.entries) || len > other.entries.len() {
            return;
        }
        if equal_prefix(&self.entries, &other.entries, len) {
            self.entries = if len == other.entries.len() {
                other.entries.clone()
            } else {
                other.entries.take(len)
            };
        }
    }

    /// The first index still held as an entry.
    pub fn first_index(&self) -> Index {
        self.snapshot.metadata.index.next()
    }

    /// The last index held (the snapshot's index when there are no entries).
    pub fn last_index(&self) -> Index {
        self.snapshot.metadata.index.plus(self.entries.len() as u64)
    }

    /// The term of the entry at `index` (the snapshot's term at its own index).
    pub fn term(&self, index: Index) -> Result<Term, StorageError> {
        let snapshot_index = self.snapshot.metadata.index;
        if index == snapshot_index {
            return Ok(self.snapshot.metadata.term);
        }
        if index < snapshot_index {
            return Err(StorageError::Compacted);
        }
        let offset = index.count_from(self.first_index()) as usize;
        self.entries
            .get(offset)
            .map(|entry| entry.term)
            .ok_or(StorageError::Unavailable)
    }

    /// Entries in `[low, high)`, stopping early once `bytes_max` is exceeded (at least one entry
    /// is always returned when the range is not empty).
    pub fn entries(
        &self,
        low: Index,
        high: Index,
        bytes_max: u64,
    ) -> Result<Vec<Entry>, StorageError> {
        Ok(limit_size(self.entries_in(low, high)?, bytes_max))
    }

    /// The entries in `[low, high)`, borrowed, with [`MemStorage::entries`]'s errors: the log
    /// chains them with its unstable entries and copies once.
    pub fn entries_in(
        &self,
        low: Index,
        high: Index,
    ) -> Result<impl Iterator<Item = &Entry>, StorageError> {
        if low < self.first_index() {
            return Err(StorageError::Compacted);
        }
        if high > self.last_index().next() {
            return Err(StorageError::Unavailable);
        }
        let start = low.count_from(self.first_index()) as usize;
        let end = (high.count_from(self.first_index()) as usize).min(self.entries.len());
        Ok(self.entries.focus().narrow(start.min(end)..end).into_iter())
    }

    /// Appends entries, replacing any stored suffix from the first entry's index on.
    /// Entries already covered by the snapshot are skipped; a gap is refused.
    pub fn append(&mut self, entries: &[Entry]) -> Result<(), StorageError> {
        let first_index = self.first_index();
        let fresh: Vec<&Entry> = entries.iter().filter(|e| e.index >= first_index).collect();
        let Some(first) = fresh.first() else {
            return Ok(());
        };
        if first.index > self.last_index().next() {
            return Err(StorageError::Unavailable);
        }
        let keep = first.index.count_from(first_index) as usize;
        self.entries.truncate(keep);
        for entry in fresh {
            self.entries.push_back(entry.clone());
        }
        Ok(())
    }

    /// Replaces everything with a newer snapshot (a follower installing the leader's snapshot).
    pub fn apply_snapshot(&mut self, snapshot: Snapshot) -> Result<(), StorageError> {
        if snapshot.metadata.index <= self.snapshot.metadata.index {
            return Err(StorageError::SnapshotOutOfDate);
        }
        let index = snapshot.metadata.index;
        let term = snapshot.metadata.term;
        // Keep the suffix only when it continues the snapshot (log matching, §5.3).
        let keep_suffix = self.term(index) == Ok(term);
        let suffix: imbl::Vector<Entry> = if keep_suffix {
            let covered = self.entries.iter().take_while(|e| e.index <= index).count();
            self.entries.skip(covered)
        } else {
            imbl::Vector::new()
        };
        self.snapshot = snapshot;
        self.entries = suffix;
        if self.hard_state.commit < index {
            self.hard_state.commit = index;
        }
        if self.hard_state.term < term {
            self.hard_state.term = term;
        }
        Ok(())
    }

    /// Takes a snapshot at `index` (which must be stored) with the given data and
    /// configuration, and drops the entries it covers (log compaction, §7).
    pub fn compact(
        &mut self,
        index: Index,
        conf_state: ConfState,
        data: impl Into<std::sync::Arc<[u8]>>,
    ) -> Result<(), StorageError> {
        if index <= self.snapshot.metadata.index {
            return Err(StorageError::SnapshotOutOfDate);
        }
        let term = self.term(index)?;
        let drop_count = index.count_from(self.snapshot.metadata.index) as usize;
        self.entries = self.entries.skip(drop_count.min(self.entries.len()));
        self.snapshot = Snapshot {
            metadata: SnapshotMetadata {
                conf_state,
                index,
                term,
            },
            data: data.into(),
        };
        Ok(())
    }

    /// All stored entries, oldest first (for inspection and tests).
    pub fn all_entries(&self) -> impl ExactSizeIterator<Item = &Entry> + DoubleEndedIterator {
        self.entries.iter()
    }
}

/// The longest prefix of `entries` within `bytes_max` (at least one entry).
pub fn limit_size<'a>(entries: impl IntoIterator<Item = &'a Entry>, bytes_max: u64) -> Vec<Entry> {
    let entries = entries.into_iter();
    let mut total_bytes = 0u64;
    // Sized once for the range: the leader slices for every append it sends.
    let mut out = Vec::with_capacity(entries.size_hint().0);
    for entry in entries {
        total_bytes = total_bytes.saturating_add(entry.size_bytes());
        if !out.is_empty() && total_bytes > bytes_max {
            break;
        }
        out.push(entry.clone());
    }
    out
}

/// Makes `mine` point at `theirs` when both hold the same bytes; returns whether they share
/// them now. Bytes are immutable behind an `Arc`, so which copy is held is invisible.
pub fn share_bytes(mine: &mut std::sync::Arc<[u8]>, theirs: &std::sync::Arc<[u8]>) -> bool {
    if std::sync::Arc::ptr_eq(mine, theirs) {
        return true;
    }
    if **mine != **theirs {
        return false;
    }
    *mine = std::sync::Arc::clone(theirs);
    true
}

/// Whether the first `len` items of `a` and `b` are equal (false when either is shorter).
///
/// Compared leaf by leaf: where both vectors hold the same leaf at the same place (they share
/// it, as logs shared at the last checkpoint share everything but the entries appended since),
/// its items are the same memory and are not compared one by one. An item-by-item walk of two
/// nodes' logs at every checkpoint was 3% of the page's step over a 300 sim s run (callgrind).
fn equal_prefix<A: Clone + PartialEq>(
    a: &imbl::Vector<A>,
    b: &imbl::Vector<A>,
    len: usize,
) -> bool {
    if a.len() < len || b.len() < len {
        return false;
    }
    let (mut left_leaves, mut right_leaves) = (a.leaves(), b.leaves());
    let (mut left, mut right): (&[A], &[A]) = (&[], &[]);
    let mut remaining = len;
    while remaining > 0 {
        if left.is_empty() {
            let Some(leaf) = left_leaves.next() else {
                return false;
            };
            left = leaf;
        }
        if right.is_empty() {
            let Some(leaf) = right_leaves.next() else {
                return false;
            };
            right = leaf;
        }
        let n = left.len().min(right.len()).min(remaining);
        if !std::ptr::eq(left.as_ptr(), right.as_ptr()) && left[..n] != right[..n] {
            return false;
        }
        left = &left[n..];
        right = &right[n..];
        remaining -= n;
    }
    true
}
#[cfg(test)]
mod tests {
    use super::*;

    fn entries(range: std::ops::RangeInclusive<u64>, byte: u8) -> Vec<Entry> {
        range
            .map(|i| Entry {
                term: Term(1),
                index: Index(i),
                data: vec![byte; 8].into(),
                ..Entry::default()
            })
            .collect()
    }

    /// `entries` reads `[low, high)` within the byte limit (at least one entry), and refuses
    /// a range below the first stored index or past the last.
    #[test]
    fn entries_reads_the_range_within_the_byte_limit() {
        let mut storage = MemStorage::new_with_conf_state(ConfState::from_voters([1]));
        storage.append(&entries(1..=5, 1)).expect("appends 1 to 5");
        let read = |low: u64, high: u64, bytes_max: u64| {
            let got = storage.entries(Index(low), Index(high), bytes_max);
            got.map(|got| got.iter().map(|entry| entry.index.0).collect::<Vec<_>>())
        };
        assert_eq!(read(2, 5, u64::MAX), Ok(vec![2, 3, 4]));
        assert_eq!(read(1, 6, u64::MAX), Ok(vec![1, 2, 3, 4, 5]));
        assert_eq!(read(3, 3, u64::MAX), Ok(vec![]));
        // 24 bytes an entry (8 of data and 16 more).
        assert_eq!(read(1, 6, 48), Ok(vec![1, 2]));
        assert_eq!(read(2, 6, 0), Ok(vec![2]));
        assert_eq!(read(0, 3, u64::MAX), Err(StorageError::Compacted));
        assert_eq!(read(1, 7, u64::MAX), Err(StorageError::Unavailable));
    }

    fn store(list: &[Entry]) -> MemStorage {
        let mut storage = MemStorage::new_with_conf_state(ConfState::from_voters([1, 2, 3]));
        storage.append(list).expect("appends");
        storage
    }

    #[test]
    fn a_log_shares_an_equal_log_or_its_prefix_and_nothing_else() {
        let leader = store(&entries(1..=200, 7));
        // Equal: the whole log is shared.
        let mut same = store(&entries(1..=200, 7));
        same.share_entries_with(&leader);
        assert!(same.entries.ptr_eq(&leader.entries));
        // Behind: the prefix is kept, with the same entries, and goes on growing on its own.
        let mut behind = store(&entries(1..=150, 7));
        behind.share_entries_with(&leader);
        assert!(behind.all_entries().eq(entries(1..=150, 7).iter()));
        behind.append(&entries(151..=151, 9)).expect("appends");
        assert_eq!(behind.last_index(), Index(151));
        assert!(leader.all_entries().eq(entries(1..=200, 7).iter()));
        // Other bytes, or a longer log: left as they are.
        for (mut other, expected) in [
            (store(&entries(1..=200, 8)), entries(1..=200, 8)),
            (store(&entries(1..=250, 7)), entries(1..=250, 7)),
        ] {
            other.share_entries_with(&leader);
            assert!(!other.entries.ptr_eq(&leader.entries));
            assert!(other.all_entries().eq(expected.iter()));
        }
    }

    /// Vectors built apart, cloned and then grown, split and joined: `equal_prefix` answers
    /// what an item-by-item comparison answers, for every prefix length.
    #[test]
    fn equal_prefix_answers_as_an_item_by_item_comparison() {
        // A small xorshift: the Raft core's tests do not reach into the simulator's streams.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut vectors: Vec<imbl::Vector<u64>> = vec![(0..300).collect()];
        for round in 0..200 {
            let mut v = vectors[(next() % vectors.len() as u64) as usize].clone();
            match round % 4 {
                0 => v.extend((0..next() % 100).map(|i| i % 7)),
                1 => {
                    let at = (next() % (v.len() as u64 + 1)) as usize;
                    v.truncate(at);
                }
                2 => {
                    let at = (next() % (v.len() as u64 + 1)) as usize;
                    v = v.skip(at);
                }
                _ => {
                    let at = (next() % (v.len() as u64 + 1)) as usize;
                    if let Some(item) = v.get_mut(at) {
                        *item += 1;
                    }
                }
            }
            vectors.push(v);
        }
        for a in vectors.iter().step_by(7) {
            for b in vectors.iter().step_by(5) {
                for len in [0, 1, 63, 64, 65, 150, 299, 300, 301, 400] {
                    let expected = a.len() >= len
                        && b.len() >= len
                        && a.iter().take(len).eq(b.iter().take(len));
                    assert_eq!(equal_prefix(a, b, len), expected, "len {len}");
                }
            }
        }
    }

    #[test]
    fn snapshot_bytes_are_shared_only_when_equal() {
        let mut storage = store(&entries(1..=10, 1));
        storage
            .compact(Index(5), ConfState::from_voters([1, 2, 3]), vec![1u8, 2, 3])
            .expect("compacts");
        let other: std::sync::Arc<[u8]> = vec![1u8, 2, 4].into();
        assert!(!storage.share_snapshot_data(&other));
        let equal: std::sync::Arc<[u8]> = vec![1u8, 2, 3].into();
        assert!(storage.share_snapshot_data(&equal));
        assert!(std::sync::Arc::ptr_eq(&storage.snapshot().data, &equal));
    }
}
