//! Key-range selection and etcd's result shaping (sort, limit, keys-only, count-only).

use super::history::KeyHistory;
use super::request::{RangeRequest, SortOrder, SortTarget};
use super::response::RangeResponse;
use super::store::KeyMap;
use super::types::KeyValue;
use std::cmp::Ordering;
use std::ops::Bound;

/// Which keys a `(key, range_end)` pair names, in etcd's encoding.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub enum RangeSelector<'a> {
    /// Exactly one key (`range_end` empty).
    Single(&'a [u8]),
    /// Every key `>= from` (`range_end == [0]`).
    From(&'a [u8]),
    /// `[from, to)`.
    Between(&'a [u8], &'a [u8]),
}

impl<'a> RangeSelector<'a> {
    /// Decode etcd's `(key, range_end)` convention.
    pub fn new(key: &'a [u8], range_end: &'a [u8]) -> Self {
        match range_end {
            [] => RangeSelector::Single(key),
            [0] => RangeSelector::From(key),
            end => RangeSelector::Between(key, end),
        }
    }

    /// True when `candidate` is in the range.
    pub fn contains(&self, candidate: &[u8]) -> bool {
        match *self {
            RangeSelector::Single(key) => candidate == key,
            RangeSelector::From(from) => candidate >= from,
            RangeSelector::Between(from, to) => candidate >= from && candidate < to,
        }
    }

    /// The entries of `map` whose keys are in the range, in key order.
    pub fn select<'m>(
        &self,
        map: &'m KeyMap,
    ) -> Box<dyn Iterator<Item = (&'m std::sync::Arc<[u8]>, &'m KeyHistory)> + 'm> {
        match *self {
            RangeSelector::Single(key) => Box::new(map.get_key_value(key).into_iter()),
            RangeSelector::From(from) => {
                Box::new(map.range::<[u8], _>((Bound::Included(from), Bound::Unbounded)))
            }
            RangeSelector::Between(from, to) if from < to => {
                Box::new(map.range::<[u8], _>((Bound::Included(from), Bound::Excluded(to))))
            }
            RangeSelector::Between(_, _) => Box::new(std::iter::empty()),
        }
    }
}

/// Live keys of a history map in a range, as of `revision` (helper for compares and deletes).
pub fn live_in_range<'m>(keys: &'m KeyMap, key: &[u8], range_end: &[u8]) -> Vec<&'m KeyValue> {
    RangeSelector::new(key, range_end)
        .select(keys)
        .filter_map(|(_, history)| history.latest())
        .collect()
}

/// Apply etcd's sort, limit, count, keys-only and count-only to the live key-values of a range
/// (given in key order). Like etcd, `count` is the number of keys before the limit, and a sort
/// other than "by key, ascending" sorts everything first and limits after.
pub fn sort_and_limit(mut kvs: Vec<KeyValue>, request: &RangeRequest) -> RangeResponse {
    let count = kvs.len() as i64;
    let order = match (request.sort_order, request.sort_target) {
        (SortOrder::None, SortTarget::Key) => SortOrder::None,
        (SortOrder::None, _) => SortOrder::Ascend,
        (order, _) => order,
    };
    if order != SortOrder::None {
        // A stable sort keeps key order among equal targets, so output is deterministic.
        crate::sort::sort_by(&mut kvs, |a, b| {
            let ordering = compare_by(a, b, request.sort_target);
            if order == SortOrder::Descend {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }
    let limit = usize::try_from(request.limit).unwrap_or(0);
    let more = limit > 0 && kvs.len() > limit;
    if more {
        kvs.truncate(limit);
    }
    if request.count_only {
        kvs.clear();
    }
    if request.keys_only {
        for kv in &mut kvs {
            kv.value.clear();
        }
    }
    RangeResponse { kvs, more, count }
}

/// Order two key-values by one sort target.
fn compare_by(a: &KeyValue, b: &KeyValue, target: SortTarget) -> Ordering {
    match target {
        SortTarget::Key => a.key.cmp(&b.key),
        SortTarget::Version => a.version.cmp(&b.version),
        SortTarget::Create => a.create_revision.cmp(&b.create_revision),
        SortTarget::Mod => a.mod_revision.cmp(&b.mod_revision),
        SortTarget::Value => a.value.cmp(&b.value),
    }
}
