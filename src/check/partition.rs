//! Splitting a history by key and interning its values.
//!
//! Linearizability is *local* (Herlihy & Wing 1990): a history of independent objects is
//! linearizable exactly when each object's sub-history is. Keys of a KV map are independent
//! registers, so the checker searches each key on its own, which turns one search exponential
//! in the whole history into many small ones.
//!
//! Values are replaced by dense ids so that a search state is one `Option<u32>`, cheap to
//! copy, compare and hash in the memo cache.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::history::{History, Time};
use super::memo::FxHasher;
use super::model::{Input, Output};

/// One operation of a key's sub-history, with values interned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOp {
    /// Index of the operation in the whole history.
    pub history_index: usize,
    /// Call time.
    pub call: Time,
    /// Return time; `None` for an unknown outcome.
    pub ret: Option<Time>,
    /// Input, with values as ids.
    pub input: Input<u32>,
    /// Output, with values as ids; `None` for an unknown outcome.
    pub output: Option<Output<u32>>,
}

impl KeyOp {
    /// Whether the client got an answer.
    pub fn is_completed(&self) -> bool {
        self.ret.is_some()
    }
}

/// The sub-history of one key.
#[derive(Clone, Debug)]
pub struct KeyHistory<'a> {
    /// The key.
    pub key: &'a str,
    /// Its operations, in history order.
    pub ops: Vec<KeyOp>,
}

/// A history split by key, with its values interned once for all keys.
#[derive(Clone, Debug)]
pub struct Partition<'a> {
    /// One sub-history per key, sorted by key.
    pub keys: Vec<KeyHistory<'a>>,
    /// Interned values: id `i` is `values[i]`.
    pub values: Vec<&'a str>,
}

impl Partition<'_> {
    /// The readable value of a search state, for reports.
    pub fn value(&self, state: Option<u32>) -> Option<String> {
        state
            .and_then(|id| self.values.get(id as usize))
            .map(|value| value.to_string())
    }
}

/// Splits `history` into per-key sub-histories, in key order (sorted at the end, so the order
/// that reaches reports is deterministic whatever the hash maps do inside).
pub fn partition(history: &History) -> Partition<'_> {
    let mut slots: FxHashMap<&str, usize> = FxHashMap::default();
    let mut keys: Vec<KeyHistory<'_>> = Vec::new();
    let mut values = Interner::with_capacity(history.len());
    for (index, op) in history.ops().iter().enumerate() {
        let slot = *slots.entry(op.key.as_str()).or_insert_with(|| {
            keys.push(KeyHistory {
                key: op.key.as_str(),
                ops: Vec::new(),
            });
            keys.len() - 1
        });
        let input = match &op.input {
            Input::Put { value } => Input::Put {
                value: values.intern(value),
            },
            Input::Get => Input::Get,
            Input::Delete => Input::Delete,
            Input::Cas { expect, value } => Input::Cas {
                expect: expect.as_deref().map(|value| values.intern(value)),
                value: values.intern(value),
            },
        };
        let output = op.output.as_ref().map(|output| match output {
            Output::Put => Output::Put,
            Output::Get { value } => Output::Get {
                value: value.as_deref().map(|value| values.intern(value)),
            },
            Output::Delete { deleted } => Output::Delete { deleted: *deleted },
            Output::Cas { succeeded } => Output::Cas {
                succeeded: *succeeded,
            },
        });
        keys[slot].ops.push(KeyOp {
            history_index: index,
            call: op.call,
            ret: op.ret,
            input,
            output,
        });
    }
    keys.sort_unstable_by_key(|key| key.key);
    Partition {
        keys,
        values: values.values,
    }
}

/// Hash maps with the fixed Fx hasher: only looked up, never iterated, so their order cannot
/// reach a report.
type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Hands out value ids in order of first appearance.
struct Interner<'a> {
    values: Vec<&'a str>,
    ids: FxHashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    fn with_capacity(ops: usize) -> Interner<'a> {
        Interner {
            values: Vec::with_capacity(ops),
            ids: FxHashMap::with_capacity_and_hasher(ops, BuildHasherDefault::default()),
        }
    }

    fn intern(&mut self, value: &'a str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        // History::new caps the number of operations far below u32::MAX, and each operation
        // brings at most two values, so ids always fit (and never reach the shrinker's
        // reserved u32::MAX).
        let id = u32::try_from(self.values.len()).unwrap_or(u32::MAX - 1);
        self.values.push(value);
        self.ids.insert(value, id);
        id
    }
}
