//! The history of one key: every put and delete still kept, oldest first. This is the "key
//! index" of etcd's mvcc, flattened: instead of generations, a delete is a tombstone entry and
//! the entry after it starts a new incarnation (new create revision, version 1).

use super::types::{KeyValue, Revision};
use std::sync::Arc;

/// Where in the revision sequence a change happened: `main` is the store revision of the write
/// txn, `sub` orders the changes inside that txn (etcd's `revision{main, sub}`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Stamp {
    /// The store revision of the write txn.
    pub main: Revision,
    /// The change's position inside that txn, from 0.
    pub sub: i64,
}

/// One change to a key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// The key got this key-value (shared: copying a chunk of history copies pointers).
    Put(std::sync::Arc<KeyValue>),
    /// The key was deleted.
    Tombstone,
}

/// Changes per shared chunk of a key's history: a copy of the store (a timeline checkpoint)
/// shares every chunk, and a write after it copies at most one small chunk of this key.
/// Small, because every checkpoint holds its own copy of each key's partly filled last chunk:
/// on the one-hour `raftlab bench` run (100 keys, 192 checkpoints) the heap was 84.0 MB with
/// chunks of 16, 80.3 MB with 8 and 79.1 MB with 4 (the counting allocator's live bytes).
const CHUNK: usize = 4;

/// All kept changes to one key, in increasing stamp order (invariant, asserted on append).
///
/// Kept in small shared chunks (`Arc`, copied on write), so that a copy of the store costs a
/// few pointers per key and a later write copies at most [`CHUNK`] changes of the key it
/// touches. Every chunk is full but the last (and the first after a compaction). It compares,
/// serializes and hashes as the plain sequence of changes, so snapshot bytes do not depend on
/// the chunking.
#[derive(Clone, Debug, Default)]
pub struct KeyHistory {
    /// (stamp, change), oldest first, in chunks.
    chunks: Vec<Arc<Vec<(Stamp, Change)>>>,
    /// Total number of changes.
    len: usize,
}

impl PartialEq for KeyHistory {
    /// The same changes in the same order, whatever the chunking. When both histories are cut
    /// into chunks of the same lengths (nodes that applied the same changes, the case of every
    /// timeline checkpoint's sharing pass), they are compared chunk by chunk, and a chunk the
    /// two share is equal without reading it: the item-by-item walk of every key's whole
    /// history at each checkpoint compared each `KeyValue`'s bytes, a byte at a time in wasm.
    fn eq(&self, other: &KeyHistory) -> bool {
        if self.len != other.len {
            return false;
        }
        let same_cuts = self.chunks.len() == other.chunks.len()
            && self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(mine, theirs)| mine.len() == theirs.len());
        if same_cuts {
            return self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(mine, theirs)| Arc::ptr_eq(mine, theirs) || **mine == **theirs);
        }
        self.iter().eq(other.iter())
    }
}

impl Eq for KeyHistory {}

impl serde::Serialize for KeyHistory {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Entries<'a>(&'a KeyHistory);
        impl serde::Serialize for Entries<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter())
            }
        }
        let mut state = serializer.serialize_struct("KeyHistory", 1)?;
        state.serialize_field("entries", &Entries(self))?;
        state.end()
    }
}

impl<'de> serde::Deserialize<'de> for KeyHistory {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Plain {
            entries: Vec<(Stamp, Change)>,
        }
        let plain = Plain::deserialize(deserializer)?;
        Ok(KeyHistory::from_entries(plain.entries))
    }
}

impl KeyHistory {
    /// A history holding `entries` (in stamp order).
    pub(super) fn from_entries(entries: Vec<(Stamp, Change)>) -> KeyHistory {
        let len = entries.len();
        let chunks = entries
            .chunks(CHUNK)
            .map(|chunk| Arc::new(chunk.to_vec()))
            .collect();
        KeyHistory { chunks, len }
    }

    /// The number of kept changes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no change is kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The kept changes, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &(Stamp, Change)> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// The newest change at or below revision `rev`, if any.
    fn last_at_or_below(&self, rev: Revision) -> Option<&(Stamp, Change)> {
        // Chunks are in order: the last chunk starting at or below `rev` holds the answer.
        let chunk = self
            .chunks
            .partition_point(|chunk| chunk.first().is_some_and(|(s, _)| s.main <= rev));
        let chunk = self.chunks.get(chunk.checked_sub(1)?)?;
        let position = chunk.partition_point(|(stamp, _)| stamp.main <= rev);
        chunk.get(position.checked_sub(1)?)
    }

    /// The key-value visible at revision `rev`, if the key was live then.
    pub fn at(&self, rev: Revision) -> Option<&KeyValue> {
        match self.last_at_or_below(rev) {
            Some((_, Change::Put(kv))) => Some(kv),
            _ => None,
        }
    }

    /// The newest change.
    fn last(&self) -> Option<&(Stamp, Change)> {
        self.chunks.last().and_then(|chunk| chunk.last())
    }

    /// The latest key-value, if the key is live now.
    pub fn latest(&self) -> Option<&KeyValue> {
        self.latest_shared().map(|kv| &**kv)
    }

    /// [`KeyHistory::latest`] as the history holds it, to share rather than copy.
    pub fn latest_shared(&self) -> Option<&Arc<KeyValue>> {
        match self.last() {
            Some((_, Change::Put(kv))) => Some(kv),
            _ => None,
        }
    }

    /// Makes this history share `other`'s chunks where they hold the same changes: nodes that
    /// applied the same entries hold equal histories in separate allocations, and a timeline
    /// checkpoint keeps every node's. Sharing equal chunks keeps one copy for all of them (a
    /// shared last chunk is copied by the next write, as it is anyway once a checkpoint holds
    /// it). What the history holds, and so every read, hash and snapshot, is unchanged.
    pub fn share_chunks_with(&mut self, other: &KeyHistory) {
        let mut theirs = other.chunks.iter().peekable();
        for chunk in &mut self.chunks {
            let Some(first) = chunk.first().map(|(stamp, _)| *stamp) else {
                continue;
            };
            while theirs
                .next_if(|c| c.first().is_none_or(|(stamp, _)| *stamp < first))
                .is_some()
            {}
            if let Some(candidate) = theirs.peek()
                && !Arc::ptr_eq(chunk, candidate)
                && **chunk == ***candidate
            {
                *chunk = Arc::clone(candidate);
            }
        }
    }

    /// Append a change; stamps must grow (a violated order is our bug, not the user's).
    pub fn push(&mut self, stamp: Stamp, change: Change) {
        if let Some((last, _)) = self.last() {
            assert!(
                *last < stamp,
                "history of a key must grow: {last:?} then {stamp:?}"
            );
        }
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => {
                // A chunk shared with a checkpoint or another node is copied before the write,
                // with room for a full chunk: `make_mut`'s exactly sized copy had to grow at
                // once, a second allocation on most writes after a timeline checkpoint.
                if Arc::get_mut(chunk).is_none() {
                    let mut own = Vec::with_capacity(CHUNK);
                    own.extend(chunk.iter().cloned());
                    *chunk = Arc::new(own);
                }
                Arc::make_mut(chunk).push((stamp, change));
            }
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push((stamp, change));
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }

    /// Drop what a compaction at `rev` makes unreachable: every change before `rev` except the
    /// newest change at or below `rev` when that change is a put (reads at `rev` and later
    /// still need it). A tombstone below `rev` goes too. Returns true when nothing is left, so
    /// the caller can forget the key. `forget` sees every dropped change (the store keeps its
    /// running digest up to date with it).
    ///
    /// One deliberate difference from etcd: a tombstone *at* `rev` is kept until the next
    /// compaction. etcd drops it, so a watch from the compaction revision (which etcd allows)
    /// silently misses that delete; raftlab's watch replay from `rev` stays complete.
    pub fn compact(&mut self, rev: Revision, mut forget: impl FnMut(Stamp, &Change)) -> bool {
        let position = self
            .iter()
            .take_while(|(stamp, _)| stamp.main <= rev)
            .count();
        let keep_from = match position.checked_sub(1).and_then(|i| self.iter().nth(i)) {
            Some((_, Change::Put(_))) => position - 1,
            Some((stamp, Change::Tombstone)) if stamp.main == rev => position - 1,
            _ => position,
        };
        let mut dropping = keep_from;
        while dropping > 0 {
            let Some(first) = self.chunks.first_mut() else {
                break;
            };
            if first.len() <= dropping {
                dropping -= first.len();
                for (stamp, change) in first.iter() {
                    forget(*stamp, change);
                }
                self.chunks.remove(0);
            } else {
                let first = Arc::make_mut(first);
                for (stamp, change) in first.drain(..dropping) {
                    forget(stamp, &change);
                }
                dropping = 0;
            }
        }
        self.len -= keep_from;
        self.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn put(rev: Revision, value: u8) -> Change {
        Change::Put(Arc::new(KeyValue {
            key: b"k".to_vec(),
            create_revision: 2,
            mod_revision: rev,
            version: 1,
            value: vec![value],
            lease: 0,
        }))
    }

    /// The plain `Vec` the chunks stand for, with its reads written the simple way.
    #[derive(serde::Serialize)]
    struct Model {
        entries: Vec<(Stamp, Change)>,
    }

    impl Model {
        fn at(&self, rev: Revision) -> Option<&KeyValue> {
            match self.entries.iter().rev().find(|(s, _)| s.main <= rev) {
                Some((_, Change::Put(kv))) => Some(kv),
                _ => None,
            }
        }
    }

    #[test]
    fn histories_are_equal_only_with_the_same_changes() {
        let mut a = KeyHistory::default();
        let mut b = KeyHistory::default();
        assert_eq!(a, b);
        a.push(Stamp { main: 2, sub: 0 }, put(2, 1));
        assert_ne!(a, b, "different lengths");
        b.push(Stamp { main: 2, sub: 0 }, put(2, 2));
        assert_ne!(a, b, "same length, another value");
        let mut c = KeyHistory::default();
        c.push(Stamp { main: 2, sub: 0 }, put(2, 1));
        assert_eq!(a, c);
        // Equal whatever the chunking: one built by pushes, one read back from a sequence.
        for rev in 3..40 {
            c.push(Stamp { main: rev, sub: 0 }, put(rev, 1));
        }
        let bytes = rmp_serde::to_vec(&c).expect("serializes");
        let mut back: KeyHistory = rmp_serde::from_slice(&bytes).expect("deserializes");
        assert_eq!(back, c);
        back.compact(20, |_, _| {});
        assert_ne!(back, c);
    }

    #[test]
    fn histories_cut_alike_compare_chunk_by_chunk_and_shared_chunks_are_equal() {
        let build = |last_value: u8| {
            let mut history = KeyHistory::default();
            for rev in 2..12 {
                let value = if rev == 11 { last_value } else { 1 };
                history.push(Stamp { main: rev, sub: 0 }, put(rev, value));
            }
            history
        };
        let (a, b, other) = (build(1), build(1), build(2));
        assert_eq!(a.chunks.len(), 3, "cut alike: 4 + 4 + 2 changes");
        assert_eq!(a, b, "equal changes, no chunk shared");
        assert_ne!(a, other, "the last change differs");
        let mut shared = b.clone();
        shared.share_chunks_with(&a);
        assert!(
            shared
                .chunks
                .iter()
                .zip(&a.chunks)
                .all(|(x, y)| Arc::ptr_eq(x, y))
        );
        assert_eq!(shared, a);
        assert_ne!(shared, other);
        // Cut otherwise (compacted, then the same changes again): compared change by change.
        let mut compacted = build(1);
        compacted.compact(4, |_, _| {});
        let mut recut = KeyHistory::default();
        for (stamp, change) in compacted.iter() {
            recut.push(*stamp, change.clone());
        }
        assert_ne!(compacted.chunks.len(), recut.chunks.len());
        assert_eq!(compacted, recut);
        assert_ne!(compacted, a);
    }

    #[test]
    fn sharing_equal_chunks_keeps_the_history_and_later_writes_apart() {
        // Two nodes' histories: the same changes, built separately, one lagging a write and
        // one compacted differently from a third.
        let build = |revs: std::ops::Range<i64>| {
            let mut history = KeyHistory::default();
            for rev in revs {
                history.push(Stamp { main: rev, sub: 0 }, put(rev, rev as u8));
            }
            history
        };
        let leader = build(2..42);
        let mut follower = build(2..41);
        let before = follower.clone();
        follower.share_chunks_with(&leader);
        assert_eq!(follower, before, "the same changes");
        let shared: Vec<bool> = follower
            .chunks
            .iter()
            .zip(&leader.chunks)
            .map(|(a, b)| Arc::ptr_eq(a, b))
            .collect();
        let mut all_but_the_last = vec![true; leader.chunks.len() - 1];
        all_but_the_last.push(false);
        assert_eq!(shared, all_but_the_last, "the lagging last chunk differs");
        // A write after sharing copies the shared chunk, leaving the other history as it was.
        let mut caught_up = build(2..42);
        caught_up.share_chunks_with(&leader);
        assert!(
            caught_up
                .chunks
                .iter()
                .zip(&leader.chunks)
                .all(|(a, b)| Arc::ptr_eq(a, b))
        );
        caught_up.push(Stamp { main: 42, sub: 0 }, put(42, 9));
        assert_eq!(leader, build(2..42));
        let mut expected = build(2..42);
        expected.push(Stamp { main: 42, sub: 0 }, put(42, 9));
        assert_eq!(caught_up, expected);
        // Chunks are matched by their first change: a history compacted at another revision
        // shares the chunks that line up and no other.
        // Compacted in the middle of the leader's second chunk.
        let mut compacted = build(2..42);
        compacted.compact(2 + (CHUNK + CHUNK / 2) as Revision, |_, _| {});
        let kept = compacted.clone();
        compacted.share_chunks_with(&leader);
        assert_eq!(compacted, kept);
        assert!(!Arc::ptr_eq(&compacted.chunks[0], &leader.chunks[1]));
        assert!(Arc::ptr_eq(&compacted.chunks[1], &leader.chunks[2]));
        // Different values at the same stamps are never shared.
        let mut other = KeyHistory::default();
        for rev in 2..42 {
            other.push(Stamp { main: rev, sub: 0 }, put(rev, 0));
        }
        other.share_chunks_with(&leader);
        assert!(
            other
                .chunks
                .iter()
                .zip(&leader.chunks)
                .all(|(a, b)| !Arc::ptr_eq(a, b))
        );
    }

    #[test]
    fn a_copy_shares_every_chunk_but_the_one_a_later_write_touches() {
        // Two full chunks and a partly filled third.
        let count = 2 * CHUNK + CHUNK / 2;
        let end = 2 + count as Revision;
        let mut history = KeyHistory::default();
        for rev in 2..end {
            history.push(Stamp { main: rev, sub: 0 }, put(rev, 1));
        }
        let sizes: Vec<usize> = history.chunks.iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![CHUNK, CHUNK, CHUNK / 2]);
        let copy = history.clone();
        history.push(Stamp { main: end, sub: 0 }, put(end, 1));
        let shared: Vec<bool> = history
            .chunks
            .iter()
            .zip(&copy.chunks)
            .map(|(a, b)| Arc::ptr_eq(a, b))
            .collect();
        assert_eq!(
            shared,
            vec![true, true, false],
            "only the last chunk was copied"
        );
        assert_eq!(copy.len(), count);
    }

    proptest! {
        /// Pushes (puts and tombstones, sometimes several in one txn), compactions, copies
        /// taken on the way: reads, length, serialized bytes and the forgotten changes are
        /// those of a plain vector, and a copy never sees later changes.
        #[test]
        fn chunks_behave_as_a_plain_vector(ops in proptest::collection::vec((0u8..10, 1i64..4), 1..120)) {
            let mut history = KeyHistory::default();
            let mut model = Model { entries: Vec::new() };
            let mut rev: Revision = 1;
            let mut copies: Vec<(KeyHistory, Vec<(Stamp, Change)>)> = Vec::new();
            for (i, (what, step)) in ops.into_iter().enumerate() {
                match what {
                    0 => {
                        let at = rev.saturating_sub(step * 3).max(1);
                        let mut forgotten = Vec::new();
                        let empty = history.compact(at, |s, c| forgotten.push((s, c.clone())));
                        let position = model.entries.iter().take_while(|(s, _)| s.main <= at).count();
                        let keep_from = match position.checked_sub(1).map(|i| &model.entries[i]) {
                            Some((_, Change::Put(_))) => position - 1,
                            Some((s, Change::Tombstone)) if s.main == at => position - 1,
                            _ => position,
                        };
                        let dropped: Vec<_> = model.entries.drain(..keep_from).collect();
                        prop_assert_eq!(forgotten, dropped);
                        prop_assert_eq!(empty, model.entries.is_empty());
                    }
                    1 => copies.push((history.clone(), model.entries.clone())),
                    _ => {
                        rev += step;
                        let change = if what == 2 { Change::Tombstone } else { put(rev, what) };
                        for sub in 0..if what == 9 { 1 } else { 0 } + 1 {
                            let stamp = Stamp { main: rev, sub };
                            history.push(stamp, change.clone());
                            model.entries.push((stamp, change.clone()));
                        }
                    }
                }
                prop_assert_eq!(history.len(), model.entries.len(), "after op {}", i);
                prop_assert!(history.iter().eq(model.entries.iter()));
                for probe in 0..=rev + 1 {
                    prop_assert_eq!(history.at(probe), model.at(probe), "at {}", probe);
                }
                prop_assert_eq!(history.latest(), model.at(Revision::MAX));
            }
            let bytes = rmp_serde::to_vec(&history).expect("serializes");
            prop_assert_eq!(&bytes, &rmp_serde::to_vec(&model).expect("serializes"));
            let back: KeyHistory = rmp_serde::from_slice(&bytes).expect("deserializes");
            prop_assert_eq!(&back, &history);
            for (copy, entries) in copies {
                prop_assert!(copy.iter().eq(entries.iter()), "a copy keeps its own changes");
            }
        }
    }
}
