//! Goal: the MVCC store agrees with a naive model on random op sequences. The model keeps a
//! full `BTreeMap` copy of the key space for every revision (fine for a test, far too slow
//! for the store), so current reads, historical reads, compaction errors, delete counts, txn
//! outcomes and watch replay can all be checked against it.

use proptest::prelude::*;
use raftlab::kv::{
    Compare, CompareResult, CompareTarget, DeleteRangeRequest, EventType, KeyValue, KvError,
    MvccStore, PutRequest, RangeRequest, Request, RequestOp, ResponseBody, TxnRequest,
};
use std::collections::BTreeMap;

const KEYS: &[&str] = &["a", "b", "c", "p/1", "p/2", "pq"];

#[derive(Clone, Debug)]
enum Op {
    Put(usize, u8),
    Delete(usize),
    DeleteRange(usize, usize),
    /// If version(key) == n then put(key2, value) else delete(key).
    Txn(usize, i64, usize, u8),
    Compact(i64),
    Get(usize, Option<usize>, i64),
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    prop_oneof![
        4 => (key.clone(), any::<u8>()).prop_map(|(k, v)| Op::Put(k, v % 4)),
        1 => key.clone().prop_map(Op::Delete),
        1 => (key.clone(), key.clone()).prop_map(|(a, b)| Op::DeleteRange(a, b)),
        2 => (key.clone(), 0i64..3, key.clone(), any::<u8>()).prop_map(|(a, n, b, v)| Op::Txn(a, n, b, v % 4)),
        1 => (0i64..4).prop_map(Op::Compact),
        3 => (key.clone(), proptest::option::of(key), 0i64..12).prop_map(|(a, b, r)| Op::Get(a, b, r)),
    ]
}

/// The naive model: the whole key space at every revision.
struct Model {
    /// `at[r]` is the key space at revision r (index 0 unused; revision 1 is empty).
    at: Vec<BTreeMap<Vec<u8>, KeyValue>>,
    compacted: i64,
}

impl Model {
    fn new() -> Self {
        Model {
            at: vec![BTreeMap::new(), BTreeMap::new()],
            compacted: 0,
        }
    }
    fn revision(&self) -> i64 {
        self.at.len() as i64 - 1
    }
    fn now(&self) -> &BTreeMap<Vec<u8>, KeyValue> {
        self.at.last().expect("model has revision 1")
    }
    /// Commit a new revision if `next` differs (a write txn that wrote something).
    fn commit(&mut self, next: BTreeMap<Vec<u8>, KeyValue>, wrote: bool) {
        if wrote {
            self.at.push(next);
        }
    }
    fn put(&self, state: &mut BTreeMap<Vec<u8>, KeyValue>, key: &[u8], value: u8) {
        let revision = self.revision() + 1;
        let previous = state.get(key).cloned();
        state.insert(
            key.to_vec(),
            KeyValue {
                key: key.to_vec(),
                create_revision: previous.as_ref().map_or(revision, |kv| kv.create_revision),
                mod_revision: revision,
                version: previous.as_ref().map_or(1, |kv| kv.version + 1),
                value: vec![value],
                lease: 0,
            },
        );
    }
}

fn in_range(key: &[u8], from: &[u8], end: &[u8]) -> bool {
    if end.is_empty() {
        key == from
    } else {
        key >= from && key < end
    }
}

fn range_of(a: usize, b: Option<usize>) -> (Vec<u8>, Vec<u8>) {
    (
        KEYS[a].as_bytes().to_vec(),
        b.map(|b| KEYS[b].as_bytes().to_vec()).unwrap_or_default(),
    )
}

fn check(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut store = MvccStore::new();
    let mut model = Model::new();
    for op in ops {
        match op {
            Op::Put(k, v) => {
                let request = PutRequest {
                    key: KEYS[*k].into(),
                    value: vec![*v],
                    prev_kv: true,
                    lease: 0,
                    ..Default::default()
                };
                let (response, events) = store.put(&request).expect("put");
                prop_assert_eq!(
                    response.prev_kv.as_ref(),
                    model.now().get(KEYS[*k].as_bytes())
                );
                prop_assert_eq!(events.len(), 1);
                let mut next = model.now().clone();
                model.put(&mut next, KEYS[*k].as_bytes(), *v);
                model.commit(next, true);
            }
            Op::Delete(k) | Op::DeleteRange(k, _) => {
                let (key, end) = match op {
                    Op::DeleteRange(a, b) => range_of(*a, Some(*b)),
                    _ => range_of(*k, None),
                };
                let request = DeleteRangeRequest {
                    key: key.clone(),
                    range_end: end.clone(),
                    prev_kv: false,
                };
                let (response, _) = store.delete_range(&request).expect("delete");
                let mut next = model.now().clone();
                next.retain(|candidate, _| !in_range(candidate, &key, &end));
                let deleted = (model.now().len() - next.len()) as i64;
                prop_assert_eq!(response.deleted, deleted);
                model.commit(next, deleted > 0);
            }
            Op::Txn(a, n, b, v) => {
                let request = Request::Txn(TxnRequest {
                    compare: vec![Compare {
                        key: KEYS[*a].into(),
                        range_end: Vec::new(),
                        result: CompareResult::Equal,
                        target: CompareTarget::Version(*n),
                    }],
                    success: vec![RequestOp::Put(PutRequest {
                        key: KEYS[*b].into(),
                        value: vec![*v],
                        prev_kv: false,
                        lease: 0,
                        ..Default::default()
                    })],
                    failure: vec![RequestOp::DeleteRange(DeleteRangeRequest {
                        key: KEYS[*a].into(),
                        ..Default::default()
                    })],
                });
                let (body, _) = store.execute(&request).expect("txn");
                let version = model
                    .now()
                    .get(KEYS[*a].as_bytes())
                    .map_or(0, |kv| kv.version);
                let expect_success = version == *n;
                let ResponseBody::Txn(txn) = body else {
                    return Err(TestCaseError::fail("not a txn response"));
                };
                prop_assert_eq!(txn.succeeded, expect_success);
                let mut next = model.now().clone();
                if expect_success {
                    model.put(&mut next, KEYS[*b].as_bytes(), *v);
                    model.commit(next, true);
                } else {
                    let wrote = next.remove(KEYS[*a].as_bytes()).is_some();
                    model.commit(next, wrote);
                }
            }
            Op::Compact(offset) => {
                let target = (model.compacted + offset).max(1);
                let result = store.compact(target);
                if target <= model.compacted {
                    prop_assert_eq!(result, Err(KvError::Compacted));
                } else if target > model.revision() {
                    prop_assert_eq!(result, Err(KvError::FutureRevision));
                } else {
                    prop_assert_eq!(result, Ok(()));
                    model.compacted = target;
                }
            }
            Op::Get(a, b, revision) => {
                let (key, range_end) = range_of(*a, *b);
                let request = RangeRequest {
                    key: key.clone(),
                    range_end: range_end.clone(),
                    revision: *revision,
                    ..Default::default()
                };
                let result = store.range(&request);
                if *revision > model.revision() {
                    prop_assert_eq!(result, Err(KvError::FutureRevision));
                } else if *revision > 0 && *revision < model.compacted {
                    prop_assert_eq!(result, Err(KvError::Compacted));
                } else {
                    let at = if *revision == 0 {
                        model.revision()
                    } else {
                        *revision
                    };
                    let expected: Vec<KeyValue> = model.at[at as usize]
                        .iter()
                        .filter(|(candidate, _)| in_range(candidate, &key, &range_end))
                        .map(|(_, kv)| kv.clone())
                        .collect();
                    let response = result.expect("readable revision");
                    prop_assert_eq!(response.count, expected.len() as i64);
                    prop_assert_eq!(response.kvs, expected);
                }
            }
        }
        prop_assert_eq!(store.revision(), model.revision());
    }
    check_watch_replay(&store, &model)
}

/// Replaying the events since any readable revision onto the model's state just before it
/// yields the current state.
fn check_watch_replay(store: &MvccStore, model: &Model) -> Result<(), TestCaseError> {
    for start in (model.compacted.max(2))..=model.revision() {
        let events = store.events_since(&[0], &[0], start).expect("replay");
        let mut state = model.at[(start - 1) as usize].clone();
        let mut last_revision = 0;
        for event in events {
            prop_assert!(
                event.kv.mod_revision >= last_revision,
                "events in revision order"
            );
            last_revision = event.kv.mod_revision;
            match event.kind {
                EventType::Put => state.insert(event.kv.key.clone(), (*event.kv).clone()),
                EventType::Delete => state.remove(&event.kv.key),
            };
        }
        prop_assert_eq!(&state, model.now());
    }
    if model.compacted > 1 {
        prop_assert_eq!(
            store.events_since(&[0], &[0], model.compacted - 1),
            Err(KvError::Compacted)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn store_matches_model(ops in proptest::collection::vec(op_strategy(), 1..60)) {
        check(&ops)?;
    }
}
