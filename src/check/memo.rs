//! The memo cache of the search: which (set of linearized operations, register state) pairs
//! were already explored.
//!
//! Lowe (2017) showed that this cache is what makes the Wing & Gong search practical: two
//! search paths that linearized the same operations and reached the same state have the same
//! future, so the second one can be cut. A key is the completed set (in the compact form the
//! search keeps), one word for the state, and the set of unknown-outcome operations taken.
//!
//! The cache is a `HashMap` with a small fixed hasher (the FxHash mixing step used by rustc):
//! it is only ever queried for membership, never iterated, so no hash order can reach a report,
//! and the fixed hasher makes the run identical natively and in wasm.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The explored configurations, bucketed by a hash the search keeps up to date incrementally
/// (Zobrist hashing), so an insert costs a copy of a few words into one arena and no rehash. Entries in a
/// bucket are compared in full: a hash collision costs time, never a wrong answer.
///
/// A configuration is (completed operations linearized, state, unknown-outcome operations
/// linearized). One with the same completed set and state as an explored one, and a superset
/// of its unknown-outcome operations, is *dominated*: the explored one could have left those
/// extra operations out (they may never take effect), so it already had every future this one
/// has. Recognising that keeps timed-out writes from multiplying the search.
///
/// The cache is capped at [`MEMO_WORDS_MAX`]: past it, new configurations are no longer
/// stored. The search stays correct (the cache only prunes) and bounded (by its step budget);
/// it only loses speed, on histories so large that memory matters more.
#[derive(Default)]
pub struct Memo {
    /// Hash of (completed set, state) to the first entry of its chain in `entries`.
    heads: HashMap<u64, usize, BuildHasherDefault<FxHasher>>,
    entries: Vec<Entry>,
    pending_sets: Vec<PendingSet>,
    /// Every stored word, back to back: one allocation instead of several per entry.
    words: Vec<u64>,
}

/// Most 64-bit words the cache stores for one search: 32 MiB.
pub const MEMO_WORDS_MAX: usize = 4 * 1024 * 1024;

const NONE: usize = usize::MAX;

/// One explored (completed set, state), with the unknown-outcome sets explored with it.
struct Entry {
    /// Where the completed set's words, then the state word, start in `words`.
    start: usize,
    /// How many words that is, state word included.
    len: usize,
    /// The next entry with the same hash, or `NONE`.
    next: usize,
    /// The first of its unknown-outcome sets in `pending_sets`, or `NONE`.
    pending_head: usize,
}

/// One explored unknown-outcome set, a linked list per entry.
struct PendingSet {
    start: usize,
    len: usize,
    next: usize,
}

impl Memo {
    /// An empty cache sized for a search over `ops` operations (about one entry each when the
    /// history is easy).
    pub fn with_capacity(ops: usize) -> Memo {
        Memo {
            heads: HashMap::with_capacity_and_hasher(ops, BuildHasherDefault::default()),
            entries: Vec::with_capacity(ops),
            pending_sets: Vec::with_capacity(ops),
            words: Vec::with_capacity(ops * 2),
        }
    }

    /// Records a configuration (`set_hash` is a hash of `completed`); returns `false` if it,
    /// or one that dominates it, was already there.
    pub fn insert(
        &mut self,
        completed: &[u64],
        set_hash: u64,
        state_word: u64,
        pending: &[u64],
    ) -> bool {
        let hash = set_hash ^ state_word.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let full = self.words.len() + completed.len() + 1 + pending.len() > MEMO_WORDS_MAX;
        let head = self.heads.get(&hash).copied().unwrap_or(NONE);
        let mut index = head;
        while index != NONE {
            let entry = &self.entries[index];
            let key = &self.words[entry.start..entry.start + entry.len];
            if key.len() == completed.len() + 1
                && key[..completed.len()] == *completed
                && key[completed.len()] == state_word
            {
                break;
            }
            index = entry.next;
        }
        if index == NONE {
            if !full {
                let start = self.words.len();
                self.words.extend_from_slice(completed);
                self.words.push(state_word);
                self.entries.push(Entry {
                    start,
                    len: completed.len() + 1,
                    next: head,
                    pending_head: NONE,
                });
                let entry = self.entries.len() - 1;
                self.heads.insert(hash, entry);
                self.add_pending_set(entry, pending);
            }
            return true;
        }
        let mut set = self.entries[index].pending_head;
        while set != NONE {
            let PendingSet { start, len, next } = self.pending_sets[set];
            if is_subset(&self.words[start..start + len], pending) {
                return false;
            }
            set = next;
        }
        if !full {
            self.add_pending_set(index, pending);
        }
        true
    }

    fn add_pending_set(&mut self, entry: usize, pending: &[u64]) {
        let start = self.words.len();
        self.words.extend_from_slice(pending);
        self.pending_sets.push(PendingSet {
            start,
            len: pending.len(),
            next: self.entries[entry].pending_head,
        });
        self.entries[entry].pending_head = self.pending_sets.len() - 1;
    }
}

/// Whether every bit of `small` is set in `large` (same length).
fn is_subset(small: &[u64], large: &[u64]) -> bool {
    small
        .iter()
        .zip(large)
        .all(|(small, large)| small & !large == 0)
}

/// FxHash: one rotate, xor and multiply per word. Fast and fixed; not DoS-resistant, which is
/// fine for keys that are bitsets of our own making.
#[derive(Default)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn write_usize(&mut self, word: usize) {
        self.add(word as u64);
    }

    fn finish(&self) -> u64 {
        // hashbrown takes bucket bits from the low end and tag bits from the top; folding the
        // well-mixed high half down gives both ends entropy.
        self.hash ^ (self.hash >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_remembers_pairs_even_when_hashes_collide() {
        let mut memo = Memo::default();
        // Every insert claims the same set hash: buckets must compare the entries themselves.
        assert!(memo.insert(&[0b101], 7, 3, &[]));
        assert!(!memo.insert(&[0b101], 7, 3, &[]));
        assert!(memo.insert(&[0b101], 7, 4, &[]));
        assert!(memo.insert(&[0b111], 7, 3, &[]));
        assert!(!memo.insert(&[0b111], 7, 3, &[]));
    }

    #[test]
    fn more_unknown_outcomes_taken_are_dominated() {
        let mut memo = Memo::default();
        assert!(memo.insert(&[0b1], 1, 0, &[0b01]));
        assert!(
            !memo.insert(&[0b1], 1, 0, &[0b11]),
            "a superset is dominated"
        );
        assert!(
            memo.insert(&[0b1], 1, 0, &[0b10]),
            "an incomparable set is new"
        );
        assert!(memo.insert(&[0b1], 1, 0, &[0b00]), "a subset is new");
        assert!(!memo.insert(&[0b1], 1, 0, &[0b10]));
    }
}
