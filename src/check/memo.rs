//! The memo cache of the search: which (set of linearized operations, register state) pairs
//! were already explored.
//!
//! Lowe (2017) showed that this cache is what makes the Wing & Gong search practical: two
//! search paths that linearized the same operations and reached the same state have the same
//! future, so the second one can be cut. A key is the bitset's words followed by one word for
//! the state.
//!
//! The cache is a `HashSet` with a small fixed hasher (the FxHash mixing step used by rustc):
//! it is only ever queried for membership, never iterated, so no hash order can reach a report,
//! and the fixed hasher makes the run identical natively and in wasm.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// The set of explored (linearized bitset, state) pairs.
#[derive(Default)]
pub struct Memo {
    seen: HashSet<Box<[u64]>, BuildHasherDefault<FxHasher>>,
    scratch: Vec<u64>,
}

impl Memo {
    /// An empty cache sized for a search over `ops` operations (about one entry each when the
    /// history is easy).
    pub fn with_capacity(ops: usize) -> Memo {
        Memo {
            seen: HashSet::with_capacity_and_hasher(ops, BuildHasherDefault::default()),
            scratch: Vec::new(),
        }
    }

    /// Records `(linearized, state_word)`; returns `false` if it was already there.
    pub fn insert(&mut self, linearized: &[u64], state_word: u64) -> bool {
        self.scratch.clear();
        self.scratch.extend_from_slice(linearized);
        self.scratch.push(state_word);
        if self.seen.contains(self.scratch.as_slice()) {
            return false;
        }
        self.seen.insert(self.scratch.clone().into_boxed_slice());
        true
    }
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
    fn memo_remembers_pairs() {
        let mut memo = Memo::default();
        assert!(memo.insert(&[0b101], 3));
        assert!(!memo.insert(&[0b101], 3));
        assert!(memo.insert(&[0b101], 4));
        assert!(memo.insert(&[0b111], 3));
    }
}
