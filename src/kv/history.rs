//! The history of one key: every put and delete still kept, oldest first. This is the "key
//! index" of etcd's mvcc, flattened: instead of generations, a delete is a tombstone entry and
//! the entry after it starts a new incarnation (new create revision, version 1).

use super::types::{KeyValue, Revision};

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

/// All kept changes to one key, in increasing stamp order (invariant, asserted on append).
///
/// A persistent vector (`imbl::Vector`): a copy of the store (a timeline checkpoint) shares
/// the history's chunks, and a write copies only the chunk it touches. It serializes as a plain
/// sequence, exactly as a `Vec` would, so snapshot bytes and hashes do not depend on it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyHistory {
    /// (stamp, change), oldest first.
    pub entries: imbl::Vector<(Stamp, Change)>,
}

impl KeyHistory {
    /// The number of changes with a revision at or below `rev` (they come first).
    fn count_at_or_below(&self, rev: Revision) -> usize {
        match self
            .entries
            .binary_search_by(|(stamp, _)| stamp.main.cmp(&rev).then(std::cmp::Ordering::Less))
        {
            Ok(i) | Err(i) => i,
        }
    }

    /// The key-value visible at revision `rev`, if the key was live then.
    pub fn at(&self, rev: Revision) -> Option<&KeyValue> {
        let position = self.count_at_or_below(rev);
        match self.entries.get(position.checked_sub(1)?) {
            Some((_, Change::Put(kv))) => Some(kv),
            _ => None,
        }
    }

    /// The latest key-value, if the key is live now.
    pub fn latest(&self) -> Option<&KeyValue> {
        match self.entries.back() {
            Some((_, Change::Put(kv))) => Some(kv),
            _ => None,
        }
    }

    /// Append a change; stamps must grow (a violated order is our bug, not the user's).
    pub fn push(&mut self, stamp: Stamp, change: Change) {
        if let Some((last, _)) = self.entries.back() {
            assert!(
                *last < stamp,
                "history of a key must grow: {last:?} then {stamp:?}"
            );
        }
        self.entries.push_back((stamp, change));
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
        let position = self.count_at_or_below(rev);
        let keep_from = match position.checked_sub(1).and_then(|i| self.entries.get(i)) {
            Some((_, Change::Put(_))) => position - 1,
            Some((stamp, Change::Tombstone)) if stamp.main == rev => position - 1,
            _ => position,
        };
        let kept = self.entries.split_off(keep_from);
        for (stamp, change) in &self.entries {
            forget(*stamp, change);
        }
        self.entries = kept;
        self.entries.is_empty()
    }
}
