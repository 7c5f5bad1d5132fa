//! Goal: exactly-once as a property. Clients send stamped commands; the network and retries
//! duplicate some of them in the log (a retry reuses its stamp and lands right after the
//! original). Whatever the duplication, the store ends up as if
//! every command had been applied once; without stamps, duplicates do change the outcome.
//! Also: nodes that apply the same log have equal hashes, and a clone taken midway (a
//! checkpoint) that applies the rest reaches the same hash.

use proptest::prelude::*;
use raftlab::kv::{Command, KvStateMachine, PutRequest, Request};

/// (client, key, value, copies in the log)
type Send = (u64, u8, u8, usize);

fn put(key: u8, value: u8) -> Request {
    Request::Put(PutRequest {
        key: vec![b'a' + key % 3],
        value: vec![value],
        prev_kv: false,
        lease: 0,
        ..Default::default()
    })
}

/// Build the log: each client's requests get increasing sequence numbers; each is repeated
/// `copies` times in a row (a retry of a timed-out request).
fn log(sends: &[Send], stamped: bool) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut sequence = [0u64; 3];
    let mut with_duplicates = Vec::new();
    let mut once = Vec::new();
    for (client, key, value, copies) in sends {
        let client = (*client % 3) as usize;
        sequence[client] += 1;
        let command = if stamped {
            Command::with_session(put(*key, *value), client as u64 + 1, sequence[client])
        } else {
            Command::new(put(*key, *value))
        };
        let bytes = command.encode();
        once.push(bytes.clone());
        for _ in 0..*copies {
            with_duplicates.push(bytes.clone());
        }
    }
    (with_duplicates, once)
}

fn apply_all(entries: &[Vec<u8>]) -> KvStateMachine {
    let mut machine = KvStateMachine::new();
    for (position, entry) in entries.iter().enumerate() {
        machine.apply(position as u64 + 1, entry);
    }
    machine
}

fn sends() -> impl Strategy<Value = Vec<Send>> {
    proptest::collection::vec((0u64..3, any::<u8>(), any::<u8>(), 1usize..4), 1..30)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn stamped_duplicates_leave_the_store_as_if_applied_once(sends in sends()) {
        let (with_duplicates, once) = log(&sends, true);
        let duplicated = apply_all(&with_duplicates);
        let clean = apply_all(&once);
        prop_assert_eq!(duplicated.store().state_hash(), clean.store().state_hash());
        prop_assert_eq!(duplicated.store().revision(), once.len() as i64 + 1);
    }

    #[test]
    fn unstamped_duplicates_apply_again(sends in sends()) {
        let (with_duplicates, once) = log(&sends, false);
        let duplicated = apply_all(&with_duplicates);
        prop_assert_eq!(duplicated.store().revision(), with_duplicates.len() as i64 + 1);
        if with_duplicates.len() > once.len() {
            prop_assert_ne!(duplicated.store().state_hash(), apply_all(&once).store().state_hash());
        }
    }

    #[test]
    fn same_log_same_hash_and_checkpoints_replay_identically(sends in sends(), cut in 0usize..40) {
        let (entries, _) = log(&sends, true);
        let cut = cut.min(entries.len());
        let mut node = KvStateMachine::new();
        for (position, entry) in entries[..cut].iter().enumerate() {
            node.apply(position as u64 + 1, entry);
        }
        let mut checkpoint = node.clone();
        for (position, entry) in entries.iter().enumerate().skip(cut) {
            node.apply(position as u64 + 1, entry);
            checkpoint.apply(position as u64 + 1, entry);
        }
        prop_assert_eq!(node.state_hash(), checkpoint.state_hash());
        prop_assert_eq!(node.state_hash(), apply_all(&entries).state_hash());
    }
}
