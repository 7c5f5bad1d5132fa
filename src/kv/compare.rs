//! Txn guards: etcd's compare semantics. A compare over a range must hold for every live key
//! in it; on a missing key, version/create/mod read as 0 and a value compare is always false
//! (etcd cannot tell a missing value from an empty one otherwise).

use super::range::live_in_range;
use super::request::{Compare, CompareResult, CompareTarget};
use super::store::KeyMap;
use super::types::KeyValue;
use std::cmp::Ordering;

/// True when every compare holds on the latest state of `keys`.
pub fn all_hold(keys: &KeyMap, compares: &[Compare]) -> bool {
    compares.iter().all(|compare| holds(keys, compare))
}

/// Evaluate one compare.
fn holds(keys: &KeyMap, compare: &Compare) -> bool {
    let live = live_in_range(keys, &compare.key, &compare.range_end);
    if live.is_empty() {
        if matches!(compare.target, CompareTarget::Value(_)) {
            return false;
        }
        let absent = KeyValue {
            key: compare.key.clone(),
            create_revision: 0,
            mod_revision: 0,
            version: 0,
            value: Vec::new(),
            lease: 0,
        };
        return holds_on(&absent, compare);
    }
    live.into_iter().all(|kv| holds_on(kv, compare))
}

/// Evaluate a compare on one key-value.
fn holds_on(kv: &KeyValue, compare: &Compare) -> bool {
    let ordering = match &compare.target {
        CompareTarget::Version(operand) => kv.version.cmp(operand),
        CompareTarget::Create(operand) => kv.create_revision.cmp(operand),
        CompareTarget::Mod(operand) => kv.mod_revision.cmp(operand),
        CompareTarget::Value(operand) => kv.value.as_slice().cmp(operand.as_slice()),
    };
    match compare.result {
        CompareResult::Equal => ordering == Ordering::Equal,
        CompareResult::NotEqual => ordering != Ordering::Equal,
        CompareResult::Less => ordering == Ordering::Less,
        CompareResult::Greater => ordering == Ordering::Greater,
    }
}
