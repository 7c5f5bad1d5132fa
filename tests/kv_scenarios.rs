//! Goal: the KV behaviours that need the state machine rather than the console: exactly-once
//! with sessions (and twice without), concurrent CAS through a log, revision vs Raft index,
//! deterministic apply and state hash, bad entries, size limits, and watch resume.
//! Each test reads as steps; the comments say what a reader should see.

use raftlab::kv::console::{LocalExecutor, run_line};
use raftlab::kv::{
    Command, Compare, CompareResult, CompareTarget, KvError, KvStateMachine, LeaseGrantRequest,
    MvccStore, PutRequest, REQUEST_BYTES_MAX, RangeRequest, Request, RequestOp, ResponseBody,
    TxnRequest, WatchHub,
};

fn put(key: &str, value: &str) -> Request {
    Request::Put(PutRequest {
        key: key.into(),
        value: value.into(),
        prev_kv: false,
        lease: 0,
        ..Default::default()
    })
}

fn get(key: &str) -> RangeRequest {
    RangeRequest {
        key: key.into(),
        ..Default::default()
    }
}

/// The value and version of a key, or None.
fn read(machine: &KvStateMachine, key: &str) -> Option<(String, i64)> {
    let response = machine.read(&get(key)).ok()?;
    match response.body {
        ResponseBody::Range(range) => range
            .kvs
            .first()
            .map(|kv| (String::from_utf8_lossy(&kv.value).into_owned(), kv.version)),
        _ => None,
    }
}

/// A CAS: if `key`'s mod revision is `expected`, put `value`.
fn cas(key: &str, expected: i64, value: &str) -> Request {
    Request::Txn(TxnRequest {
        compare: vec![Compare {
            key: key.into(),
            range_end: Vec::new(),
            result: CompareResult::Equal,
            target: CompareTarget::Mod(expected),
        }],
        success: vec![RequestOp::Put(PutRequest {
            key: key.into(),
            value: value.into(),
            prev_kv: false,
            lease: 0,
            ..Default::default()
        })],
        failure: Vec::new(),
    })
}

fn succeeded(outcome: &raftlab::kv::ApplyOutcome) -> bool {
    matches!(&outcome.response, Ok(response) if matches!(&response.body, ResponseBody::Txn(txn) if txn.succeeded))
}

#[test]
fn retried_command_applies_twice_without_sessions_and_once_with_them() {
    // A client's put times out; it retries; the leader had in fact committed the first try,
    // so the log holds the command twice (indexes 1 and 2).
    let without = Command::new(put("counter", "x")).encode();
    let mut machine = KvStateMachine::new();
    machine.apply(1, &without);
    machine.apply(2, &without);
    // Without a session both copies apply: two revisions, version 2.
    assert_eq!(read(&machine, "counter"), Some(("x".to_string(), 2)));
    assert_eq!(machine.store().revision(), 3);

    // With a session (client 7, sequence 1) the retry is recognised and answered from cache.
    let with = Command::with_session(put("counter", "x"), 7, 1).encode();
    let mut machine = KvStateMachine::new();
    let first = machine.apply(1, &with);
    let retry = machine.apply(2, &with);
    assert_eq!(read(&machine, "counter"), Some(("x".to_string(), 1)));
    assert_eq!(machine.store().revision(), 2);
    assert!(retry.deduplicated);
    assert_eq!(
        first.response, retry.response,
        "the retry gets the original answer, header included"
    );
    assert!(retry.events.is_empty(), "watchers see the write once");

    // The client's next request (sequence 2) applies normally; a late copy of sequence 1 is stale.
    machine.apply(
        3,
        &Command::with_session(put("counter", "y"), 7, 2).encode(),
    );
    let late = machine.apply(4, &with);
    assert!(matches!(
        late.response,
        Err(KvError::StaleSequence {
            client_id: 7,
            sequence: 1,
            latest: 2
        })
    ));
    assert_eq!(read(&machine, "counter"), Some(("y".to_string(), 2)));
}

#[test]
fn of_two_concurrent_cas_on_one_mod_revision_exactly_one_succeeds() {
    // Both clients read counter at mod_revision 2 and propose a CAS on it. Raft orders the two
    // entries one way or the other; in either order exactly one wins, on every node.
    let setup = Command::new(put("counter", "0")).encode();
    let from_a = Command::new(cas("counter", 2, "a")).encode();
    let from_b = Command::new(cas("counter", 2, "b")).encode();
    for (first, second, winner) in [(&from_a, &from_b, "a"), (&from_b, &from_a, "b")] {
        let mut nodes = vec![
            KvStateMachine::new(),
            KvStateMachine::new(),
            KvStateMachine::new(),
        ];
        for node in &mut nodes {
            node.apply(1, &setup);
            let one = node.apply(2, first);
            let two = node.apply(3, second);
            assert!(
                succeeded(&one) && !succeeded(&two),
                "first committed CAS wins, second fails"
            );
            assert_eq!(
                read(node, "counter").map(|(value, _)| value),
                Some(winner.to_string())
            );
        }
        let hashes: Vec<u64> = nodes.iter().map(KvStateMachine::state_hash).collect();
        assert!(
            hashes.windows(2).all(|pair| pair[0] == pair[1]),
            "same log, same hash: {hashes:?}"
        );
    }
}

#[test]
fn revision_and_raft_index_are_different_clocks() {
    let mut machine = KvStateMachine::new();
    machine.skip(1); // the new leader's no-op entry: an index, no revision
    let write = machine.apply(2, &Command::new(put("a", "1")).encode());
    let header = write.response.expect("put applies").header;
    assert_eq!((header.raft_index, header.revision), (2, 2));
    // A txn that only reads, and a delete that matches nothing: new indexes, same revision.
    let read_only = Request::Txn(TxnRequest {
        success: vec![RequestOp::Range(get("a"))],
        ..Default::default()
    });
    let txn = machine
        .apply(3, &Command::new(read_only).encode())
        .response
        .expect("txn applies");
    assert_eq!((txn.header.raft_index, txn.header.revision), (3, 2));
    let delete = Request::DeleteRange(raftlab::kv::DeleteRangeRequest {
        key: "zzz".into(),
        ..Default::default()
    });
    let deleted = machine
        .apply(4, &Command::new(delete).encode())
        .response
        .expect("delete applies");
    assert_eq!((deleted.header.raft_index, deleted.header.revision), (4, 2));
    // A txn with three puts: one index, one revision.
    let three = Request::Txn(TxnRequest {
        success: ["x", "y", "z"]
            .iter()
            .map(|key| {
                RequestOp::Put(PutRequest {
                    key: key.as_bytes().to_vec(),
                    value: b"v".to_vec(),
                    prev_kv: false,
                    lease: 0,
                    ..Default::default()
                })
            })
            .collect(),
        ..Default::default()
    });
    let applied = machine.apply(5, &Command::new(three).encode());
    assert_eq!(applied.response.expect("txn applies").header.revision, 3);
    assert_eq!(applied.events.len(), 3, "three events at one revision");
    assert_eq!(machine.applied_index(), 5);
}

#[test]
fn bad_entries_become_error_responses_on_every_node_alike() {
    let mut one = KvStateMachine::new();
    let mut two = KvStateMachine::new();
    for (index, bytes) in [
        (1u64, &b"not json"[..]),
        (2, b""),
        (3, &[0xff, 0x00, 0x7b][..]),
        (4, b"{\"session\":null}"),
    ] {
        let a = one.apply(index, bytes);
        let b = two.apply(index, bytes);
        assert!(
            matches!(a.response, Err(KvError::BadCommand(_))),
            "{:?}",
            a.response
        );
        assert_eq!(a, b);
    }
    assert_eq!(one.state_hash(), two.state_hash());
    assert_eq!(one.applied_index(), 4);
    assert_eq!(one.store().revision(), 1, "nothing was written");
}

#[test]
fn state_hash_tells_different_states_apart_and_survives_clone() {
    let mut a = KvStateMachine::new();
    let mut b = KvStateMachine::new();
    a.apply(1, &Command::new(put("k", "v")).encode());
    b.apply(1, &Command::new(put("k", "w")).encode());
    assert_ne!(a.state_hash(), b.state_hash());
    let copy = a.clone();
    assert_eq!(copy.state_hash(), a.state_hash());
    // Compaction changes the kept history, hence the hash.
    let mut store: MvccStore = a.store().clone();
    let before = store.state_hash();
    store.compact(2).expect("compact at the current revision");
    assert_ne!(before, store.state_hash());
}

/// Two stores whose keys agree but whose leases or sessions differ hash differently: the state
/// hash covers the lessor (its numbers as well as its keys) and every session's numbers.
#[test]
fn state_hash_covers_leases_and_sessions() {
    let grant = |ttl_seconds| {
        let mut machine = KvStateMachine::new();
        let request = Request::LeaseGrant(LeaseGrantRequest {
            id: 7,
            ttl_seconds,
            now_ms: 0,
        });
        machine.apply(1, &Command::new(request).encode());
        machine
    };
    assert_ne!(grant(10).state_hash(), grant(20).state_hash());
    let with_session = |client, sequence| {
        let mut machine = KvStateMachine::new();
        machine.apply(
            1,
            &Command::with_session(put("k", "v"), client, sequence).encode(),
        );
        machine
    };
    let plain = {
        let mut machine = KvStateMachine::new();
        machine.apply(1, &Command::new(put("k", "v")).encode());
        machine
    };
    assert_eq!(with_session(1, 1).store(), plain.store());
    assert_ne!(with_session(1, 1).state_hash(), plain.state_hash());
    assert_ne!(
        with_session(1, 1).state_hash(),
        with_session(2, 1).state_hash()
    );
    assert_ne!(
        with_session(1, 1).state_hash(),
        with_session(1, 2).state_hash()
    );
}

/// The monitors' running digest of a store tells different contents apart, moves with every
/// write, and always equals the digest recounted from the kept changes.
#[test]
fn the_running_digest_tells_stores_apart_and_matches_a_recount() {
    let mut a = KvStateMachine::new();
    let mut b = KvStateMachine::new();
    a.apply(1, &Command::new(put("k", "v")).encode());
    b.apply(1, &Command::new(put("k", "w")).encode());
    assert_ne!(a.store().digest(), b.store().digest());
    assert_ne!(
        a.store().digest_from_scratch(),
        b.store().digest_from_scratch()
    );
    let before = a.store().digest();
    a.apply(2, &Command::new(put("k2", "v")).encode());
    assert_ne!(before, a.store().digest());
    for machine in [&a, &b] {
        assert_eq!(
            machine.store().digest(),
            machine.store().digest_from_scratch()
        );
    }
}

#[test]
fn commands_survive_encoding() {
    let command = Command::with_session(cas("k", 4, "v"), 3, 9);
    assert_eq!(Command::decode(&command.encode()), Ok(command));
}

#[test]
fn oversized_values_get_a_clear_error_and_change_nothing() {
    let mut executor = LocalExecutor::new();
    let huge = "x".repeat(REQUEST_BYTES_MAX + 1);
    let output = run_line(&mut executor, &format!("put big {huge}"));
    assert!(!output.success);
    assert!(
        output.stderr.contains("raftlab accepts at most 65536"),
        "{}",
        &output.stderr[..200.min(output.stderr.len())]
    );
    assert!(
        output.stderr.len() < 2000,
        "the error does not echo the megabyte back"
    );
    let megabyte = "y".repeat(1 << 20);
    let output = run_line(&mut executor, &format!("put big {megabyte}"));
    assert!(
        !output.success && output.stderr.contains("bytes per line"),
        "{}",
        &output.stderr[..200.min(output.stderr.len())]
    );
    // The store refuses it too, if a command arrives through the log.
    let mut machine = KvStateMachine::new();
    let outcome = machine.apply(1, &Command::new(put("big", &huge)).encode());
    assert_eq!(outcome.response, Err(KvError::RequestTooLarge));
    // And the session goes on.
    assert_eq!(run_line(&mut executor, "put small v").stdout, "OK\n");
}

#[test]
fn watch_resumed_from_last_seen_revision_plus_one_has_no_gap_and_no_repeat() {
    let mut machine = KvStateMachine::new();
    let mut hub = WatchHub::default();
    let mut index = 0;
    let mut apply = |machine: &mut KvStateMachine, request: Request| {
        index += 1;
        machine.apply(index, &Command::new(request).encode())
    };
    apply(&mut machine, put("a", "1"));
    let (_, replay) = hub
        .create(machine.store(), b"a", b"", 2, false)
        .expect("watch from 2");
    let mut seen: Vec<i64> = replay.iter().map(|event| event.kv.mod_revision).collect();
    // Live events reach the watch; then the client is partitioned away and misses two writes.
    let live = apply(&mut machine, put("a", "2"));
    seen.extend(
        hub.notify(&live.events)
            .iter()
            .map(|(_, event)| event.kv.mod_revision),
    );
    apply(&mut machine, put("a", "3"));
    apply(&mut machine, put("a", "4"));
    // It reconnects with a new watch from its last seen revision + 1.
    let last_seen = *seen.last().expect("saw something");
    let (_, resumed) = hub
        .create(machine.store(), b"a", b"", last_seen + 1, false)
        .expect("resume");
    seen.extend(resumed.iter().map(|event| event.kv.mod_revision));
    assert_eq!(seen, vec![2, 3, 4, 5], "every revision once, in order");
}

#[test]
fn entries_show_keys_and_values_as_text_and_binary_round_trips() {
    let text = Command::new(put("mykey", "myvalue")).encode();
    let shown = String::from_utf8(text).expect("json is utf-8");
    assert!(
        shown.contains("\"mykey\"") && shown.contains("\"myvalue\""),
        "{shown}"
    );
    let binary = Command::new(Request::Put(PutRequest {
        key: vec![0xff, 0],
        value: vec![0x80],
        prev_kv: false,
        lease: 0,
        ..Default::default()
    }));
    assert_eq!(Command::decode(&binary.encode()), Ok(binary));
}

#[test]
fn leases_expire_only_when_the_leader_proposes_the_revoke() {
    use raftlab::kv::{LeaseGrantRequest, LeaseTimeToLiveRequest};
    // The leader proposes a grant stamped with its logical time 1000 ms, TTL 5 s, and a put
    // attached to it. Two nodes apply the same entries.
    let grant = Command::new(Request::LeaseGrant(LeaseGrantRequest {
        id: 0,
        ttl_seconds: 5,
        now_ms: 1000,
    }));
    let mut nodes = [KvStateMachine::new(), KvStateMachine::new()];
    let mut lease_id = 0;
    for node in &mut nodes {
        let outcome = node.apply(1, &grant.encode());
        if let Ok(raftlab::kv::Response {
            body: ResponseBody::LeaseGrant { id, .. },
            ..
        }) = outcome.response
        {
            lease_id = id;
        }
    }
    assert_ne!(lease_id, 0, "the grant assigned an id");
    let put = Command::new(Request::Put(PutRequest {
        key: "lock".into(),
        value: "me".into(),
        prev_kv: false,
        lease: lease_id,
        ..Default::default()
    }));
    for node in &mut nodes {
        node.apply(2, &put.encode());
    }
    // Long after expiry, the follower still has the lease and the key: nobody applies time.
    let follower = &nodes[1];
    assert_eq!(follower.store().leases().expired(60_000), vec![lease_id]);
    assert!(
        read(follower, "lock").is_some(),
        "apply never reads a clock"
    );
    let remaining = follower.query(&Request::LeaseTimeToLive(LeaseTimeToLiveRequest {
        id: lease_id,
        keys: true,
        now_ms: 3000,
    }));
    assert!(
        matches!(remaining, Some(Ok(raftlab::kv::Response { body: ResponseBody::LeaseTimeToLive(ref ttl), .. })) if ttl.ttl_seconds == 3 && ttl.keys == vec![b"lock".to_vec()])
    );
    // The leader sees the expiry with its clock and proposes the revoke; every node applies it:
    // the key is deleted in one revision, the same on both nodes.
    let revoke = Command::new(Request::LeaseRevoke(lease_id));
    for node in &mut nodes {
        let outcome = node.apply(3, &revoke.encode());
        assert_eq!(outcome.events.len(), 1);
        assert_eq!(read(node, "lock"), None);
    }
    assert_eq!(nodes[0].state_hash(), nodes[1].state_hash());
}

#[test]
fn snapshot_bytes_round_trip_and_damaged_bytes_are_refused() {
    use raftlab::kv::command::Command;
    use raftlab::kv::request::Request;
    use raftlab::kv::state_machine::KvStateMachine;
    let mut machine = KvStateMachine::new();
    for (index, line) in ["put a 1", "put b 2", "del a"].iter().enumerate() {
        let parsed = raftlab::kv::console::parse_line(line)
            .expect("console line")
            .expect("a command");
        let request: Request = parsed.action.request().expect("a request");
        machine.apply(index as u64 + 1, &Command::new(request).encode());
    }
    let bytes = machine.snapshot_bytes();
    let restored = KvStateMachine::from_snapshot_bytes(&bytes).expect("restore");
    assert_eq!(restored, machine);
    assert_eq!(restored.state_hash(), machine.state_hash());
    assert!(KvStateMachine::from_snapshot_bytes(&bytes[..bytes.len() / 2]).is_err());
    assert!(KvStateMachine::from_snapshot_bytes(b"not a snapshot").is_err());
}
