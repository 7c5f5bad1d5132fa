//! A small ordered map kept as a sorted `Vec`, for the library's maps of a few entries.
//!
//! Every key and value type a `BTreeMap` is used with compiles its own copy of the B-tree's
//! insert, remove, rebalance, clone and drop code: 5 to 15 KB of wasm each, and the page's
//! wasm carried about forty of them (issue 13). Maps of a few entries (one per node, one per
//! link override, one per term) need none of that: a sorted `Vec` searched by binary search
//! gives the same ordered iteration, the same answers and a fraction of the code, and is at
//! least as fast at these sizes. Keys that arrive in order (terms) are appended at the end.
//!
//! Only what the library calls is here; iteration is always in key order, as a `BTreeMap`'s.

use std::borrow::Borrow;
use std::fmt;

/// An ordered map over a sorted `Vec` of `(key, value)` pairs, each key at most once. Its
/// `Hash` is a `BTreeMap`'s (the length, then each key and value in order), so a hash over a
/// struct that holds one does not change when a `BTreeMap` becomes a `VecMap`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap::new()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl<K, V> VecMap<K, V> {
    /// An empty map (no allocation).
    pub const fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, to change.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The entries in key order, values to change.
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The values in key order, taken out of the map.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    /// Keeps only the entries `keep` accepts, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// Where `key` is (`Ok`), or where it would go (`Err`). The last entry is tried first:
    /// keys that grow (terms, ids) are found or appended without a search.
    fn position<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        match self.entries.last() {
            None => Err(0),
            Some((last, _)) if last.borrow() < key => Err(self.entries.len()),
            _ => self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key)),
        }
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.position(key).ok().map(|at| &self.entries[at].1)
    }

    /// The value of `key`, to change.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.position(key).ok().map(|at| &mut self.entries[at].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.position(key).ok().map(|at| self.entries.remove(at).1)
    }

    /// Removes every entry whose key is below `bound` (the smallest keys first, as a
    /// `BTreeMap`'s `first_entry` loop would); nothing to remove costs one comparison.
    pub fn remove_below(&mut self, bound: &K) {
        if self.entries.first().is_some_and(|(k, _)| k < bound) {
            let end = self.entries.partition_point(|(k, _)| k < bound);
            self.entries.drain(..end);
        }
    }

    /// The value of `key`, made by `make` first when there is none (`entry(key).or_insert_with`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let at = match self.position(&key) {
            Ok(at) => at,
            Err(at) => {
                self.entries.insert(at, (key, make()));
                at
            }
        };
        &mut self.entries[at].1
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

/// `map[&key]`, as a `BTreeMap` has it: for callers that checked the key is there.
impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;

    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for the key in the VecMap")
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    /// By inserting one by one (a later value for a key replaces an earlier one, as in a
    /// `BTreeMap`): no sort is compiled for the pair type.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut map = VecMap::new();
        for (k, v) in items {
            map.insert(k, v);
        }
        map
    }
}

/// As a map, exactly as a `BTreeMap` writes itself (a map of its length, entries in order):
/// the KV snapshot's tests compare the hand-written codec with `rmp_serde`'s bytes.
impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for VecMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// From a map, as a `BTreeMap` reads itself (a later value for a key replaces an earlier one).
impl<'de, K, V> serde::Deserialize<'de> for VecMap<K, V>
where
    K: Ord + serde::Deserialize<'de>,
    V: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K, V> serde::de::Visitor<'de> for MapVisitor<K, V>
        where
            K: Ord + serde::Deserialize<'de>,
            V: serde::Deserialize<'de>,
        {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut map = VecMap::new();
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::VecMap;
    use std::collections::BTreeMap;

    /// The same answers and the same order as a `BTreeMap` under a mixed sequence of
    /// operations, keys in and out of order.
    #[test]
    fn behaves_like_a_btree_map() {
        // Key spaces that keep the map to a few entries (one per node), and past that.
        for key_space in [6, 12, 64] {
            behaves_like_a_btree_map_over(key_space);
        }
    }

    fn behaves_like_a_btree_map_over(key_space: u64) {
        let mut ours = VecMap::new();
        let mut reference = BTreeMap::new();
        let mut state = 12_345u64;
        for step in 0..5_000u64 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let key = (state >> 33) % key_space;
            match state % 7 {
                0..=2 => assert_eq!(ours.insert(key, step), reference.insert(key, step)),
                3 => assert_eq!(ours.remove(&key), reference.remove(&key)),
                4 => {
                    *ours.get_or_insert_with(key, || step) += 1;
                    *reference.entry(key).or_insert_with(|| step) += 1;
                }
                5 if step % 2 == 0 => {
                    ours.remove_below(&key);
                    reference.retain(|k, _| *k >= key);
                }
                5 => {
                    ours.retain(|k, _| k % 5 != step % 5);
                    reference.retain(|k, _| k % 5 != step % 5);
                }
                _ => {
                    assert_eq!(ours.get(&key), reference.get(&key));
                    assert_eq!(ours.get_mut(&key), reference.get_mut(&key));
                    assert_eq!(ours.contains_key(&key), reference.contains_key(&key));
                    if reference.contains_key(&key) {
                        assert_eq!(ours[&key], reference[&key]);
                    }
                }
            }
            if step % 500 == 250 {
                ours.clear();
                reference.clear();
            }
            assert_eq!(ours.len(), reference.len());
            assert_eq!(ours.is_empty(), reference.is_empty());
            assert!(ours.iter().eq(reference.iter()));
            assert!(ours.keys().eq(reference.keys()));
            assert!(ours.values().eq(reference.values()));
            assert_eq!(ours.first_key_value(), reference.first_key_value());
            assert_eq!(ours.last_key_value(), reference.last_key_value());
        }
        assert!(!ours.is_empty());
        ours.values_mut().for_each(|v| *v += 1);
        reference.values_mut().for_each(|v| *v += 1);
        ours.iter_mut().for_each(|(k, v)| *v *= k);
        reference.iter_mut().for_each(|(k, v)| *v *= k);
        assert!(ours.into_values().eq(reference.into_values()));
    }

    /// A struct's derived hash stays the same when its `BTreeMap` becomes a `VecMap` (state
    /// hashes are pinned).
    #[test]
    fn hashes_like_a_btree_map() {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let pairs = [((3u64, 1u64), "c"), ((1, 2), "a"), ((2, 0), "b")];
        let ours: VecMap<_, _> = pairs.into_iter().collect();
        let reference: BTreeMap<_, _> = pairs.into_iter().collect();
        let build = BuildHasherDefault::<DefaultHasher>::default();
        assert_eq!(build.hash_one(&ours), build.hash_one(&reference));
        assert_ne!(
            build.hash_one(&ours),
            build.hash_one(VecMap::<u64, u64>::new())
        );
    }

    /// Written and read as a `BTreeMap` is, byte for byte.
    #[test]
    fn serializes_like_a_btree_map() {
        let pairs = [(3u64, "c".to_string()), (1, "a".to_string())];
        let ours: VecMap<_, _> = pairs.clone().into_iter().collect();
        let reference: BTreeMap<_, _> = pairs.into_iter().collect();
        let bytes = rmp_serde::to_vec(&ours).expect("writes");
        assert_eq!(bytes, rmp_serde::to_vec(&reference).expect("writes"));
        let back: VecMap<u64, String> = rmp_serde::from_slice(&bytes).expect("reads");
        assert_eq!(back, ours);
        assert_eq!(
            serde_json::to_string(&ours).expect("writes"),
            serde_json::to_string(&reference).expect("writes")
        );
    }

    /// Anything but a map is refused, and the error says a map was expected.
    #[test]
    fn reading_a_non_map_says_what_it_expected() {
        let error = serde_json::from_str::<VecMap<u64, u64>>("[1, 2]")
            .expect_err("a list is not a map")
            .to_string();
        assert!(error.contains("expected a map"), "{error}");
    }

    #[test]
    fn collect_keeps_the_last_value_of_a_key() {
        let map: VecMap<u32, &str> = [(2, "a"), (1, "b"), (2, "c")].into_iter().collect();
        assert_eq!(map.iter().collect::<Vec<_>>(), vec![(&1, &"b"), (&2, &"c")]);
        assert_eq!(format!("{map:?}"), "{1: \"b\", 2: \"c\"}");
    }
}
