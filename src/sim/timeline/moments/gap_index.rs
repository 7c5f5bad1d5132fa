//! The moments' thinning, kept as an index: the timeline's `thin` drops the movable item whose
//! neighbours are closest together (the oldest on a tie); this finds that item with a few map
//! operations per push instead of a scan of the list.

use super::chunk_list::ChunkList;
use std::collections::BTreeSet;

/// The merged gaps of a list's movable items: (gap, step), where the list is ordered by
/// strictly growing steps and the movable items are all but the newest `recent` (at least 1).
#[derive(Clone, Debug, Default)]
pub(super) struct GapIndex {
    /// Whether `gaps` describes the list (built on the first push over the cap; a fork that
    /// splits or joins the list drops it, and the next push over the cap builds it again).
    built: bool,
    gaps: BTreeSet<(u64, u64)>,
}

impl GapIndex {
    /// Forgets the index: the list changed other than through [`GapIndex::push_and_thin`].
    pub(super) fn invalidate(&mut self) {
        self.built = false;
        self.gaps.clear();
    }

    /// `items` just had one item pushed at its end: drops items as `thin(items, max, recent,
    /// at)` would, and keeps the index right.
    pub(super) fn push_and_thin<T>(
        &mut self,
        items: &mut ChunkList<T>,
        max: usize,
        recent: usize,
        at: impl Fn(&T) -> u64,
    ) {
        let recent = recent.max(1);
        let cap = max.max(recent);
        if !self.built {
            if items.len() <= cap {
                return;
            }
            // Inserted one by one: `collect` into a set sorts first, a copy of the sort code
            // in the wasm (sort.rs).
            self.gaps = BTreeSet::new();
            self.gaps.extend(
                (0..items.len().saturating_sub(recent))
                    .map(|i| (merged_gap(items, i, &at), at(&items[i]))),
            );
            self.built = true;
        } else if let Some(new) = items.len().checked_sub(recent + 1) {
            // The pushed item makes one more item movable; no other gap of a movable item
            // reaches the end of the list.
            self.gaps
                .insert((merged_gap(items, new, &at), at(&items[new])));
        }
        while items.len() > cap {
            let Some((_, step)) = self.gaps.pop_first() else {
                return;
            };
            let drop = items.partition_point(|item| at(item) < step);
            let movable = items.len() - recent;
            // The neighbours' gaps change: the one before (if any) and the one after (if it is
            // movable; it keeps its movability, as the list's end stays where it is).
            let before = drop.checked_sub(1);
            let after = (drop + 1 < movable).then_some(drop + 1);
            for i in before.into_iter().chain(after) {
                self.gaps
                    .remove(&(merged_gap(items, i, &at), at(&items[i])));
            }
            items.remove(drop);
            // After the removal the old `after` sits at `drop`.
            let after = after.map(|_| drop);
            for i in before.into_iter().chain(after) {
                self.gaps.insert((merged_gap(items, i, &at), at(&items[i])));
            }
        }
    }
}

/// The distance between item `i`'s neighbours (from 0 for the first item), as `thin` measures.
fn merged_gap<T>(items: &ChunkList<T>, i: usize, at: &impl Fn(&T) -> u64) -> u64 {
    let before = if i == 0 { 0 } else { at(&items[i - 1]) };
    at(&items[i + 1]).saturating_sub(before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Stream;

    /// Random pushes (with random step jumps), forks that cut the list and joins, several caps:
    /// the index thins exactly as `thin` does.
    #[test]
    fn the_index_drops_exactly_what_thin_drops() {
        let mut rng = Stream::new(11, 0);
        for (max, recent) in [(64, 8), (16, 16), (8, 1), (5, 0), (2_048, 512), (40, 39)] {
            let mut plain: Vec<u64> = Vec::new();
            let mut indexed: ChunkList<u64> = ChunkList::default();
            let mut index = GapIndex::default();
            let mut step = 0;
            for round in 0..6_000u64 {
                step += 1 + rng.next_u64() % if round % 7 == 0 { 40 } else { 3 };
                plain.push(step);
                crate::sim::timeline::thin(&mut plain, max, recent, |s| *s);
                indexed.push(step);
                index.push_and_thin(&mut indexed, max, recent, |s| *s);
                let held: Vec<u64> = indexed.iter().copied().collect();
                assert_eq!(held, plain, "max {max}, recent {recent}, round {round}");
                if round % 1_500 == 1_499 {
                    // A fork keeps the first part; an undo puts the rest back.
                    let cut = indexed.len() / 3;
                    let rest = indexed.split_off(cut);
                    plain.truncate(cut);
                    index.invalidate();
                    if round % 3_000 == 1_499 {
                        plain.extend(rest.iter().copied());
                        indexed.append(rest);
                    }
                    step = indexed.iter().last().copied().unwrap_or(0);
                }
            }
        }
    }
}
