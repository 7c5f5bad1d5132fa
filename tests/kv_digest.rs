//! The store's running digest (what the state-machine monitor compares after every apply) must
//! always equal the digest computed from scratch over the kept state, whatever sequence of
//! writes, deletes, transactions, lease operations and compactions produced it.

use proptest::prelude::*;
use raftlab::kv::MvccStore;
use raftlab::kv::request::Request;
use raftlab::kv::state_machine::KvStateMachine;

fn request(line: &str) -> Request {
    raftlab::kv::console::parse_line(line)
        .ok()
        .flatten()
        .and_then(|c| c.action.request())
        .unwrap_or_else(|| panic!("'{line}' is a request"))
}

/// One random operation as an etcdctl line (a compaction is chosen relative to the revision).
fn op() -> impl Strategy<Value = (u8, u8, u8)> {
    (0u8..7, 0u8..6, 0u8..4)
}

fn line_for(kind: u8, key: u8, value: u8, store: &MvccStore) -> String {
    match kind {
        0 | 1 => format!("put k{key} v{value}"),
        2 => format!("del k{key}"),
        3 => "del k --prefix".to_string(),
        4 => format!(
            "txn <<< 'value(\"k{key}\") = \"v{value}\"\nput k{key} w{value}\n\nput k{} x\n'",
            (key + 1) % 6
        ),
        5 => format!("compact {}", store.revision() - i64::from(value)),
        _ => format!("put k{key} v{value} --prev-kv"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn running_digest_equals_digest_from_scratch(ops in proptest::collection::vec(op(), 0..60)) {
        let mut store = MvccStore::new();
        for (kind, key, value) in ops {
            let line = line_for(kind, key, value, &store);
            let Some(parsed) = raftlab::kv::console::parse_line(&line).ok().flatten() else {
                continue;
            };
            let Some(req) = parsed.action.request() else { continue };
            let _ = store.execute(&req);
            prop_assert_eq!(store.digest(), store.digest_from_scratch(), "after '{}'", line);
        }
    }

    #[test]
    fn equal_states_have_equal_digests_and_snapshots_keep_them(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let mut a = KvStateMachine::new();
        let mut index = 0;
        for (kind, key, value) in ops {
            let line = line_for(kind, key, value, a.store());
            let Some(req) = raftlab::kv::console::parse_line(&line)
                .ok()
                .flatten()
                .and_then(|c| c.action.request())
            else {
                continue;
            };
            index += 1;
            a.apply(index, &raftlab::kv::command::Command::new(req).encode());
        }
        let b = KvStateMachine::from_snapshot_bytes(&a.snapshot_bytes()).expect("restores");
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.digest(), b.digest());
        prop_assert_eq!(a.store().digest(), a.store().digest_from_scratch());
    }
}

#[test]
fn different_states_have_different_digests() {
    let mut a = MvccStore::new();
    let mut b = MvccStore::new();
    a.execute(&request("put x 1")).expect("put");
    b.execute(&request("put x 2")).expect("put");
    assert_ne!(a.digest(), b.digest(), "same revision, different value");
    let mut c = MvccStore::new();
    c.execute(&request("put y 1")).expect("put");
    assert_ne!(a.digest(), c.digest(), "same value, different key");
    // Compaction changes the kept history, and the digest with it.
    a.execute(&request("put x 3")).expect("put");
    let before = a.digest();
    a.execute(&request("compact 3")).expect("compact");
    assert_ne!(a.digest(), before);
    assert_eq!(a.digest(), a.digest_from_scratch());
}
