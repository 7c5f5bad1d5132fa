//! Stable sorting with one copy of the sorting code.
//!
//! The standard library's sorts are generic: every element type and comparison gets its own
//! copy of driftsort or ipnsort, 3 to 6 KB of wasm each, and the page's wasm carried ten of
//! them, about 41 KB (issue 13). Here the merge sort itself works on positions and calls the
//! comparison through `dyn`, so it is compiled once; each caller adds only its comparison and
//! the few lines that move its elements into the sorted order.
//!
//! [`sort_by`] is stable, like `slice::sort_by`, and gives exactly its order. It also stands in
//! for `sort_unstable` on values whose equal elements cannot be told apart (numbers, ids),
//! where stable and unstable orders are the same. The library's sorts are short (a node per
//! element, the keys of one range, the events of one step), so an extra indirect call per
//! comparison costs nothing that shows; [`insertion_sort_by`] serves the hot, tiny ones (a
//! quorum's match indexes) without allocating.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, stably (equal elements keep their order).
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = stable_order(items.len(), &mut |a, b| compare(&items[a], &items[b]));
    permute(items, order);
}

/// Sorts `items` by the key `key` gives each, stably.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` in their natural order, stably.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// The set of `items`, built by inserting them one by one. `collect` into a `BTreeSet` sorts the
/// items first, with its own copy of the standard sort for each item type; a set of a few node
/// ids is built as fast either way.
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> std::collections::BTreeSet<T> {
    let mut set = std::collections::BTreeSet::new();
    set.extend(items);
    set
}

/// Sorts a short slice by `compare` in place, stably, without allocating: quadratic, so only
/// for slices of a few elements (a node per element).
pub fn insertion_sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    for end in 1..items.len() {
        let mut at = end;
        while at > 0 && compare(&items[at - 1], &items[at]) == Ordering::Greater {
            items.swap(at - 1, at);
            at -= 1;
        }
    }
}

/// The positions `0..len` in stable sorted order under `compare` (which compares the elements
/// at two positions): a bottom-up merge sort over runs first sorted by insertion.
fn stable_order(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    const RUN: usize = 8;
    let mut order: Vec<usize> = (0..len).collect();
    for start in (0..len).step_by(RUN) {
        let run = &mut order[start..(start + RUN).min(len)];
        for end in 1..run.len() {
            let mut at = end;
            while at > 0 && compare(run[at - 1], run[at]) == Ordering::Greater {
                run.swap(at - 1, at);
                at -= 1;
            }
        }
    }
    let mut merged = vec![0; len];
    let mut width = RUN;
    while width < len {
        for start in (0..len).step_by(2 * width) {
            let middle = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            let (mut left, mut right) = (start, middle);
            for slot in &mut merged[start..end] {
                // Take from the left run unless the right one's head is strictly smaller:
                // equal elements keep their order.
                let take_left = right >= end
                    || (left < middle && compare(order[right], order[left]) != Ordering::Less);
                if take_left {
                    *slot = order[left];
                    left += 1;
                } else {
                    *slot = order[right];
                    right += 1;
                }
            }
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

/// Moves the elements of `items` so that position `k` holds what was at `order[k]`, by
/// following each cycle of the permutation with swaps.
fn permute<T>(items: &mut [T], order: Vec<usize>) {
    let mut placed = vec![false; items.len()];
    for start in 0..items.len() {
        if placed[start] {
            continue;
        }
        let mut at = start;
        loop {
            placed[at] = true;
            let from = order[at];
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the test needs no randomness source.
    fn numbers(seed: u64, len: usize, range: u64) -> Vec<u64> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 33) % range
            })
            .collect()
    }

    #[test]
    fn sorts_as_the_standard_stable_sort_does() {
        for len in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 257, 1000] {
            for range in [1, 3, 50, 1_000_000] {
                // Pairs of (key, original position): stability shows in the positions.
                let items: Vec<(u64, usize)> = numbers(len as u64 * 31 + range, len, range)
                    .into_iter()
                    .enumerate()
                    .map(|(at, key)| (key, at))
                    .collect();
                let mut expected = items.clone();
                expected.sort_by_key(|item| item.0);
                let mut ours = items.clone();
                sort_by_key(&mut ours, |item| item.0);
                assert_eq!(ours, expected, "len {len} range {range}");
                let mut descending = items.clone();
                sort_by(&mut descending, |a, b| b.0.cmp(&a.0));
                let mut expected_descending = items.clone();
                expected_descending.sort_by_key(|item| std::cmp::Reverse(item.0));
                assert_eq!(descending, expected_descending);
                let mut small = items.clone();
                insertion_sort_by(&mut small, |a, b| a.0.cmp(&b.0));
                assert_eq!(small, expected);
                let mut whole = items;
                sort(&mut whole);
                expected.sort();
                assert_eq!(whole, expected);
            }
        }
    }

    #[test]
    fn moves_elements_that_are_not_copies() {
        let mut words: Vec<String> = ["pear", "fig", "apple", "kiwi", "fig"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        sort(&mut words);
        assert_eq!(words, ["apple", "fig", "fig", "kiwi", "pear"]);
    }
}
