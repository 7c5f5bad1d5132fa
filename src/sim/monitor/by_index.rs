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
use std::sync::Arc;

/// Consecutive indexes per block.
const BLOCK: u64 = 16;

/// The records of [`BLOCK`] consecutive indexes; never empty while in a map.
#[derive(Clone, Debug)]
struct Block<V> {
    /// Bit `i` set: `values[i]` is the record of the block's `i`-th index.
    present: u16,
    values: [V; BLOCK as usize],
}

/// A persistent map from log index to a record (see the module's doc). Records are only ever
/// added and forgotten below a floor, never changed, which is all the monitors do.
#[derive(Clone, Debug)]
pub(super) struct ByIndex<V> {
    blocks: imbl::OrdMap<u64, Arc<Block<V>>>,
    len: usize,
}

impl<V> Default for ByIndex<V> {
    fn default() -> Self {
        ByIndex {
            blocks: imbl::OrdMap::new(),
            len: 0,
        }
    }
}

/// The block number of `index` and its bit in the block.
fn place(index: Index) -> (u64, u16) {
    (index.0 / BLOCK, 1 << (index.0 % BLOCK))
}

impl<V: Copy + Default> ByIndex<V> {
    /// The number of records.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The record of `index`.
    pub(super) fn get(&self, index: Index) -> Option<&V> {
        let (number, bit) = place(index);
        let block = self.blocks.get(&number)?;
        (block.present & bit != 0).then(|| &block.values[(index.0 % BLOCK) as usize])
    }

    /// Records `value` at `index` unless it already has a record (the one kept stays).
    pub(super) fn insert_new(&mut self, index: Index, value: V) {
        let (number, bit) = place(index);
        let slot = (index.0 % BLOCK) as usize;
        match self.blocks.get_mut(&number) {
            Some(block) if block.present & bit != 0 => return,
            Some(block) => {
                let block = Arc::make_mut(block);
                block.present |= bit;
                block.values[slot] = value;
            }
            None => {
                let mut values = [V::default(); BLOCK as usize];
                values[slot] = value;
                self.blocks.insert(
                    number,
                    Arc::new(Block {
                        present: bit,
                        values,
                    }),
                );
            }
        }
        self.len += 1;
    }

    /// The highest index with a record.
    pub(super) fn last_index(&self) -> Option<Index> {
        let (number, block) = self.blocks.get_max()?;
        Some(Index(
            number * BLOCK + u64::from(15 - block.present.leading_zeros()),
        ))
    }

    /// The records at `from` and above, in index order.
    pub(super) fn range_from(&self, from: Index) -> impl Iterator<Item = (Index, &V)> {
        let (first_number, _) = place(from);
        self.blocks
            .range(first_number..)
            .flat_map(|(number, block)| {
                let number = *number;
                (0..BLOCK)
                    .filter(move |slot| block.present & (1 << slot) != 0)
                    .map(move |slot| (Index(number * BLOCK + slot), &block.values[slot as usize]))
            })
            .filter(move |(index, _)| *index >= from)
    }

    /// Forgets every record below `floor`.
    pub(super) fn remove_below(&mut self, floor: Index) {
        let (floor_number, _) = place(floor);
        while let Some((number, present)) = self.blocks.get_min().map(|(n, b)| (*n, b.present)) {
            if number < floor_number {
                self.len -= present.count_ones() as usize;
                self.blocks.remove(&number);
                continue;
            }
            // The floor's own block: clear the bits below the floor's.
            let below = (1u16 << (floor.0 % BLOCK)) - 1;
            if number == floor_number && present & below != 0 {
                self.len -= (present & below).count_ones() as usize;
                if present & !below == 0 {
                    self.blocks.remove(&number);
                } else if let Some(block) = self.blocks.get_mut(&number) {
                    Arc::make_mut(block).present &= !below;
                }
            }
            break;
        }
    }
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

impl<V: Copy + Default> ByIndexAndTerm<V> {
    /// The number of records.
    pub(super) fn len(&self) -> usize {
        self.first.len() + self.others.len()
    }

    /// The record of `index` in `term`.
    pub(super) fn get(&self, index: Index, term: Term) -> Option<V> {
        match self.first.get(index) {
            Some(&(first, value)) if first == term => Some(value),
            Some(_) => self.others.get(&(index, term)).copied(),
            None => None,
        }
    }

    /// Records `value` at `index` in `term` unless that has a record (the one kept stays).
    pub(super) fn insert_new(&mut self, index: Index, term: Term, value: V) {
        match self.first.get(index) {
            None => self.first.insert_new(index, (term, value)),
            Some(&(first, _)) if first == term => {}
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
                let ranged: Vec<(Index, u64)> = map.range_from(Index(from)).map(|(i, v)| (i, *v)).collect();
                let expected: Vec<(Index, u64)> = model.range(from..).map(|(&i, &v)| (Index(i), v)).collect();
                prop_assert_eq!(ranged, expected);
                prop_assert_eq!(map.last_index(), model.keys().next_back().map(|&i| Index(i)));
            }
            copies.push((map, model));
            for (map, model) in &copies {
                prop_assert_eq!(map.len(), model.len());
                for index in 0..210 {
                    prop_assert_eq!(map.get(Index(index)), model.get(&index));
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
