//! The monitors' records by log index, in shared blocks.
//!
//! The monitors remember something for every index the run stores, commits and applies, and a
//! timeline checkpoint shares those records with the live run. In an `imbl::OrdMap` they took
//! twice their size: its B-tree splits a full leaf in the middle, and records arrive in index
//! order, so every leaf stayed half empty. Here records sit in blocks of [`BLOCK`] consecutive
//! indexes (a presence mask and the values, shared behind an `Arc`, copied on write), found
//! through an `imbl::OrdMap` by block number: a copy of the map shares every block, and the
//! run's next records copy only the block they write. Indexes are dense (every index of a
//! stretch gets a record), so the blocks are full.

use crate::raft::types::{Index, Term};
use std::marker::PhantomData;
use std::sync::Arc;

/// Consecutive indexes per block.
const BLOCK: u64 = 16;

/// A record a [`ByIndex`] keeps, as the `WORDS` words its blocks store. Every record type
/// shares one block type, so the wasm carries one copy of the `imbl::OrdMap` code behind the
/// maps instead of one per record type (each copy was about 8 KB of the page's raw wasm, if
/// little once gzipped).
pub(super) trait Record: Copy {
    /// The words one record takes.
    const WORDS: usize;
    /// Writes the record into `out` (`WORDS` words).
    fn write(self, out: &mut [u64]);
    /// Reads back a record [`Record::write`] wrote.
    fn read(words: &[u64]) -> Self;
}

impl Record for u64 {
    const WORDS: usize = 1;
    fn write(self, out: &mut [u64]) {
        out[0] = self;
    }
    fn read(words: &[u64]) -> Self {
        words[0]
    }
}

impl Record for Term {
    const WORDS: usize = 1;
    fn write(self, out: &mut [u64]) {
        out[0] = self.0;
    }
    fn read(words: &[u64]) -> Self {
        Term(words[0])
    }
}

/// A pair as its first part's words, then its second's: the monitors' records are pairs of
/// terms and digests, and [`ByIndexAndTerm`] pairs a term with each record.
impl<A: Record, B: Record> Record for (A, B) {
    const WORDS: usize = A::WORDS + B::WORDS;
    fn write(self, out: &mut [u64]) {
        self.0.write(&mut out[..A::WORDS]);
        self.1.write(&mut out[A::WORDS..]);
    }
    fn read(words: &[u64]) -> Self {
        (A::read(&words[..A::WORDS]), B::read(&words[A::WORDS..]))
    }
}

/// The blocks of [`BLOCK`] consecutive indexes of one map, whatever its record type, by
/// block number; never an empty block. A block's word 0 is its presence mask (bit `i` set:
/// the block's `i`-th index has a record), then its [`BLOCK`] records of `width` words each.
#[derive(Clone, Debug, Default)]
struct Blocks {
    map: imbl::OrdMap<u64, Arc<[u64]>>,
    len: usize,
}

impl Blocks {
    /// The words of the record of `index`.
    fn get(&self, index: Index, width: usize) -> Option<&[u64]> {
        let (number, bit) = place(index);
        let block = self.map.get(&number)?;
        let start = 1 + (index.0 % BLOCK) as usize * width;
        (block[0] & bit != 0).then(|| &block[start..start + width])
    }

    /// Records `words` at `index` unless it already has a record (the one kept stays).
    fn insert_new(&mut self, index: Index, words: &[u64]) {
        let width = words.len();
        let (number, bit) = place(index);
        let start = 1 + (index.0 % BLOCK) as usize * width;
        match self.map.get_mut(&number) {
            Some(block) if block[0] & bit != 0 => return,
            Some(block) => {
                let block = Arc::make_mut(block);
                block[0] |= bit;
                block[start..start + width].copy_from_slice(words);
            }
            None => {
                let mut block = vec![0; 1 + BLOCK as usize * width];
                block[0] = bit;
                block[start..start + width].copy_from_slice(words);
                self.map.insert(number, Arc::from(block));
            }
        }
        self.len += 1;
    }

    /// The highest index with a record.
    fn last_index(&self) -> Option<Index> {
        let (number, block) = self.map.get_max()?;
        Some(Index(
            number * BLOCK + u64::from(63 - block[0].leading_zeros()),
        ))
    }

    /// The records at `from` and above, in index order, as their words.
    fn range_from(&self, from: Index, width: usize) -> impl Iterator<Item = (Index, &[u64])> {
        let (first_number, _) = place(from);
        self.map
            .range(first_number..)
            .flat_map(move |(number, block)| {
                let number = *number;
                (0..BLOCK)
                    .filter(move |slot| block[0] & (1 << slot) != 0)
                    .map(move |slot| {
                        let start = 1 + slot as usize * width;
                        (Index(number * BLOCK + slot), &block[start..start + width])
                    })
            })
            .filter(move |(index, _)| *index >= from)
    }

    /// Forgets every record below `floor`.
    fn remove_below(&mut self, floor: Index) {
        let (floor_number, _) = place(floor);
        while let Some((number, present)) = self.map.get_min().map(|(n, b)| (*n, b[0])) {
            if number < floor_number {
                self.len -= present.count_ones() as usize;
                self.map.remove(&number);
                continue;
            }
            // The floor's own block: clear the bits below the floor's.
            let below = (1u64 << (floor.0 % BLOCK)) - 1;
            if number == floor_number && present & below != 0 {
                self.len -= (present & below).count_ones() as usize;
                if present & !below == 0 {
                    self.map.remove(&number);
                } else if let Some(block) = self.map.get_mut(&number) {
                    Arc::make_mut(block)[0] &= !below;
                }
            }
            break;
        }
    }
}

/// A persistent map from log index to a record (see the module's doc). Records are only ever
/// added and forgotten below a floor, never changed, which is all the monitors do.
#[derive(Clone, Debug)]
pub(super) struct ByIndex<V> {
    blocks: Blocks,
    record: PhantomData<V>,
}

impl<V> Default for ByIndex<V> {
    fn default() -> Self {
        ByIndex {
            blocks: Blocks::default(),
            record: PhantomData,
        }
    }
}

impl<V: Record> ByIndex<V> {
    /// The number of records.
    pub(super) fn len(&self) -> usize {
        self.blocks.len
    }

    /// The record of `index`.
    pub(super) fn get(&self, index: Index) -> Option<V> {
        self.blocks.get(index, V::WORDS).map(V::read)
    }

    /// Records `value` at `index` unless it already has a record (the one kept stays).
    pub(super) fn insert_new(&mut self, index: Index, value: V) {
        const { assert!(V::WORDS <= 4, "a record of more than 4 words") };
        let mut words = [0; 4];
        value.write(&mut words[..V::WORDS]);
        self.blocks.insert_new(index, &words[..V::WORDS]);
    }

    /// The highest index with a record.
    pub(super) fn last_index(&self) -> Option<Index> {
        self.blocks.last_index()
    }

    /// The records at `from` and above, in index order.
    pub(super) fn range_from(&self, from: Index) -> impl Iterator<Item = (Index, V)> {
        self.blocks
            .range_from(from, V::WORDS)
            .map(|(index, words)| (index, V::read(words)))
    }

    /// Forgets every record below `floor`.
    pub(super) fn remove_below(&mut self, floor: Index) {
        self.blocks.remove_below(floor);
    }
}

/// The block number of `index` and its bit in the block's presence mask.
fn place(index: Index) -> (u64, u64) {
    (index.0 / BLOCK, 1 << (index.0 % BLOCK))
}

/// Records by (index, term), for entries stored anywhere: almost always one term per index,
/// kept in a [`ByIndex`]; a second term at an index (a leader's entry a later leader
/// overwrote on some node) goes to a plain persistent map beside it.
#[derive(Clone, Debug, Default)]
pub(super) struct ByIndexAndTerm<V> {
    /// The first term recorded at each index, with its record.
    first: ByIndex<(Term, V)>,
    /// Records of any other term at an index.
    others: imbl::OrdMap<(Index, Term), V>,
}

impl<V: Record> ByIndexAndTerm<V> {
    /// The number of records.
    pub(super) fn len(&self) -> usize {
        self.first.len() + self.others.len()
    }

    /// The record of `index` in `term`.
    pub(super) fn get(&self, index: Index, term: Term) -> Option<V> {
        match self.first.get(index) {
            Some((first, value)) if first == term => Some(value),
            Some(_) => self.others.get(&(index, term)).copied(),
            None => None,
        }
    }

    /// Records `value` at `index` in `term` unless that has a record (the one kept stays).
    pub(super) fn insert_new(&mut self, index: Index, term: Term, value: V) {
        match self.first.get(index) {
            None => self.first.insert_new(index, (term, value)),
            Some((first, _)) if first == term => {}
            Some(_) => {
                self.others.entry((index, term)).or_insert(value);
            }
        }
    }

    /// Forgets every record below `floor`.
    pub(super) fn remove_below(&mut self, floor: Index) {
        self.first.remove_below(floor);
        while let Some(&(key, _)) = self.others.get_min()
            && key.0 < floor
        {
            self.others.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The block of `number` in `map`, which must have it.
    fn block_of(map: &ByIndex<u64>, number: u64) -> &Arc<[u64]> {
        map.blocks.map.get(&number).expect("the block is there")
    }

    /// A prune whose floor forgets no record of the floor's block leaves that block shared
    /// with a copy taken before (a block is copied only when one of its records goes): the
    /// floor at the first record of a block, and at a block's first slot.
    #[test]
    fn a_prune_that_forgets_nothing_of_the_floors_block_keeps_it_shared() {
        let mut map: ByIndex<u64> = ByIndex::default();
        for index in 20..40 {
            map.insert_new(Index(index), index);
        }
        let copy = map.clone();
        map.remove_below(Index(20));
        assert!(Arc::ptr_eq(block_of(&map, 1), block_of(&copy, 1)));
        map.remove_below(Index(32));
        assert!(Arc::ptr_eq(block_of(&map, 2), block_of(&copy, 2)));
        assert_eq!(map.len(), 8);
        assert_eq!(map.range_from(Index(0)).next(), Some((Index(32), 32)));
    }

    proptest! {
        /// Inserts and prunes, copies taken on the way: the map reads like a `BTreeMap` with
        /// the same operations, and a copy never sees later changes.
        #[test]
        fn reads_like_an_ordered_map(ops in proptest::collection::vec((0u8..8, 0u64..200), 1..300)) {
            let mut map: ByIndex<u64> = ByIndex::default();
            let mut model: BTreeMap<u64, u64> = BTreeMap::new();
            let mut copies: Vec<(ByIndex<u64>, BTreeMap<u64, u64>)> = Vec::new();
            for (step, (kind, index)) in ops.into_iter().enumerate() {
                match kind {
                    0 => {
                        map.remove_below(Index(index));
                        model.retain(|&i, _| i >= index);
                    }
                    1 => copies.push((map.clone(), model.clone())),
                    _ => {
                        map.insert_new(Index(index), step as u64);
                        model.entry(index).or_insert(step as u64);
                    }
                }
                prop_assert_eq!(map.len(), model.len());
                let from = index / 2;
                let ranged: Vec<(Index, u64)> = map.range_from(Index(from)).collect();
                let expected: Vec<(Index, u64)> = model.range(from..).map(|(&i, &v)| (Index(i), v)).collect();
                prop_assert_eq!(ranged, expected);
                prop_assert_eq!(map.last_index(), model.keys().next_back().map(|&i| Index(i)));
            }
            copies.push((map, model));
            for (map, model) in &copies {
                prop_assert_eq!(map.len(), model.len());
                for index in 0..210 {
                    prop_assert_eq!(map.get(Index(index)), model.get(&index).copied());
                }
            }
        }

        /// The same against a `BTreeMap` by (index, term), with several terms at an index.
        #[test]
        fn by_index_and_term_reads_like_an_ordered_map(ops in proptest::collection::vec((0u8..8, 0u64..100, 1u64..4), 1..300)) {
            let mut map: ByIndexAndTerm<u64> = ByIndexAndTerm::default();
            let mut model: BTreeMap<(u64, u64), u64> = BTreeMap::new();
            for (step, (kind, index, term)) in ops.into_iter().enumerate() {
                if kind == 0 {
                    map.remove_below(Index(index));
                    model.retain(|&(i, _), _| i >= index);
                } else {
                    map.insert_new(Index(index), Term(term), step as u64);
                    model.entry((index, term)).or_insert(step as u64);
                }
                prop_assert_eq!(map.len(), model.len());
            }
            for index in 0..110 {
                for term in 0..5 {
                    prop_assert_eq!(map.get(Index(index), Term(term)), model.get(&(index, term)).copied());
                }
            }
        }
    }
}
