//! The hand-written snapshot format against `rmp_serde` (what wrote it before): the same bytes
//! for any state, a round trip back to an equal state, and damaged bytes refused, never a panic.

use super::{decode, encode};
use crate::kv::KvStateMachine;
use crate::kv::history::{Change, KeyHistory, Stamp};
use crate::kv::lease::{Lease, Lessor};
use crate::kv::response::{
    DeleteRangeResponse, LeaseTimeToLiveResponse, PutResponse, RangeResponse, Response,
    ResponseBody, ResponseHeader, ResponseOp, TxnResponse,
};
use crate::kv::session::{SessionEntry, Sessions};
use crate::kv::store::MvccStore;
use crate::kv::types::{KeyValue, KvError};
use proptest::prelude::*;
use std::sync::Arc;

/// Raw bytes (rarely UTF-8), short text and text long enough for every string length form.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..5),
        "[a-z]{0,40}".prop_map(String::into_bytes),
        "[a-zé]{250,300}".prop_map(String::into_bytes),
    ]
}

/// Integers of every width, and small ones.
fn int() -> impl Strategy<Value = i64> {
    prop_oneof![any::<i64>(), -300i64..300, Just(i64::MIN), Just(i64::MAX)]
}

fn uint() -> impl Strategy<Value = u64> {
    prop_oneof![any::<u64>(), 0u64..70_000, Just(u64::MAX)]
}

fn key_value() -> impl Strategy<Value = KeyValue> {
    (bytes(), int(), int(), int(), bytes(), int()).prop_map(
        |(key, create_revision, mod_revision, version, value, lease)| KeyValue {
            key,
            create_revision,
            mod_revision,
            version,
            value,
            lease,
        },
    )
}

fn kvs() -> impl Strategy<Value = Vec<KeyValue>> {
    prop::collection::vec(key_value(), 0..3)
}

fn range() -> impl Strategy<Value = RangeResponse> {
    (kvs(), any::<bool>(), int()).prop_map(|(kvs, more, count)| RangeResponse { kvs, more, count })
}

fn put() -> impl Strategy<Value = PutResponse> {
    prop::option::of(key_value()).prop_map(|prev_kv| PutResponse { prev_kv })
}

fn delete_range() -> impl Strategy<Value = DeleteRangeResponse> {
    (int(), kvs()).prop_map(|(deleted, prev_kvs)| DeleteRangeResponse { deleted, prev_kvs })
}

fn body() -> impl Strategy<Value = ResponseBody> {
    let op = prop_oneof![
        range().prop_map(ResponseOp::Range),
        put().prop_map(ResponseOp::Put),
        delete_range().prop_map(ResponseOp::DeleteRange),
    ];
    prop_oneof![
        range().prop_map(ResponseBody::Range),
        put().prop_map(ResponseBody::Put),
        delete_range().prop_map(ResponseBody::DeleteRange),
        (any::<bool>(), prop::collection::vec(op, 0..18)).prop_map(|(succeeded, responses)| {
            ResponseBody::Txn(TxnResponse {
                succeeded,
                responses,
            })
        }),
        Just(ResponseBody::Compact),
        (int(), int()).prop_map(|(id, ttl_seconds)| ResponseBody::LeaseGrant { id, ttl_seconds }),
        Just(ResponseBody::LeaseRevoke),
        (int(), int())
            .prop_map(|(id, ttl_seconds)| ResponseBody::LeaseKeepAlive { id, ttl_seconds }),
        (int(), int(), int(), prop::collection::vec(bytes(), 0..3)).prop_map(
            |(id, ttl_seconds, granted_ttl_seconds, keys)| {
                ResponseBody::LeaseTimeToLive(LeaseTimeToLiveResponse {
                    id,
                    ttl_seconds,
                    granted_ttl_seconds,
                    keys,
                })
            }
        ),
        prop::collection::vec(int(), 0..20).prop_map(ResponseBody::LeaseLeases),
    ]
}

fn error() -> impl Strategy<Value = KvError> {
    prop_oneof![
        (0..super::UNIT_ERRORS.len()).prop_map(|i| super::UNIT_ERRORS[i].1.clone()),
        "[a-z :]{0,40}".prop_map(KvError::BadCommand),
        (uint(), uint(), uint()).prop_map(|(client_id, sequence, latest)| {
            KvError::StaleSequence {
                client_id,
                sequence,
                latest,
            }
        }),
    ]
}

fn outcome() -> impl Strategy<Value = Result<Response, KvError>> {
    prop_oneof![
        (int(), uint(), body()).prop_map(|(revision, raft_index, body)| Ok(Response {
            header: ResponseHeader {
                revision,
                raft_index
            },
            body,
        })),
        error().prop_map(Err),
    ]
}

fn history() -> impl Strategy<Value = KeyHistory> {
    let change = prop_oneof![
        key_value().prop_map(|kv| Change::Put(Arc::new(kv))),
        Just(Change::Tombstone),
    ];
    prop::collection::vec(((int(), int()), change), 0..20).prop_map(|entries| {
        KeyHistory::from_entries(
            entries
                .into_iter()
                .map(|((main, sub), change)| (Stamp { main, sub }, change))
                .collect(),
        )
    })
}

fn lessor() -> impl Strategy<Value = Lessor> {
    let lease = (
        int(),
        int(),
        uint(),
        prop::collection::btree_set(bytes(), 0..3),
    )
        .prop_map(|(id, ttl_seconds, expiry_ms, keys)| Lease {
            id,
            ttl_seconds,
            expiry_ms,
            keys,
        });
    prop::collection::btree_map(int(), lease, 0..3).prop_map(|leases| Lessor {
        leases: leases.into_iter().collect(),
    })
}

fn sessions() -> impl Strategy<Value = Sessions> {
    let entry =
        (uint(), outcome(), uint()).prop_map(|(sequence, outcome, last_index)| SessionEntry {
            sequence,
            outcome,
            last_index,
        });
    prop::collection::btree_map(uint(), entry, 0..4).prop_map(|clients| Sessions {
        clients: std::sync::Arc::new(clients.into_iter().collect()),
    })
}

fn machine() -> impl Strategy<Value = KvStateMachine> {
    (
        int(),
        int(),
        prop::collection::btree_map(bytes(), history(), 0..18),
        lessor(),
        sessions(),
        uint(),
    )
        .prop_map(
            |(current, compacted, keys, leases, sessions, applied_index)| {
                let mut store = MvccStore {
                    current,
                    compacted,
                    keys: std::sync::Arc::new(
                        keys.into_iter().map(|(k, h)| (k.into(), h)).collect(),
                    ),
                    leases,
                    changes_digest: 0,
                };
                store.recompute_digest();
                KvStateMachine {
                    store,
                    sessions,
                    applied_index,
                }
            },
        )
}

fn restored(bytes: &[u8]) -> Result<KvStateMachine, String> {
    let mut machine = decode(bytes)?;
    machine.store.recompute_digest();
    Ok(machine)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn same_bytes_as_rmp_serde_and_round_trips(machine in machine()) {
        let bytes = encode(&machine);
        prop_assert_eq!(&bytes, &rmp_serde::to_vec(&machine).expect("rmp_serde writes it"));
        prop_assert_eq!(&restored(&bytes).expect("reads its own bytes"), &machine);
    }

    #[test]
    fn cut_or_extended_bytes_are_refused(machine in machine(), cut in any::<prop::sample::Index>()) {
        let bytes = encode(&machine);
        let at = cut.index(bytes.len());
        prop_assert!(decode(&bytes[..at]).is_err(), "a cut at {} of {} bytes", at, bytes.len());
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert!(decode(&longer).is_err());
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = bytes;
        if let Some(first) = bytes.first_mut() {
            *first = super::VERSION_1_FIRST_BYTE;
        }
        let _ = decode(&bytes);
    }
}

#[test]
fn the_empty_machine_is_rmp_serdes_bytes() {
    let machine = KvStateMachine::new();
    let bytes = encode(&machine);
    assert_eq!(
        bytes,
        rmp_serde::to_vec(&machine).expect("rmp_serde writes it")
    );
    assert_eq!(restored(&bytes).expect("restores"), machine);
}

#[test]
fn other_formats_are_refused_by_name() {
    let newer = decode(&[0xc1, 2, 0x90]).expect_err("a later format");
    assert!(newer.contains("format 2 is newer"), "{newer}");
    assert!(decode(b"").is_err());
    assert!(decode(b"not a snapshot").is_err());
    // A length far past the end is refused before anything is reserved for it.
    assert!(decode(&[0x93, 0x94, 0x01, 0x00, 0xdf, 0xff, 0xff, 0xff, 0xff]).is_err());
}

/// Damaged bytes are refused or read as some state, never a panic. Run on a thread with a large
/// stack: proptest's generator for a whole state machine nests deeply, and in a debug build its
/// frames overflow a test thread's default 2 MiB (the decoder itself does not recurse).
#[test]
fn damaged_bytes_never_panic() {
    let check = || {
        let flips = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4);
        proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(200))
            .run(&(machine(), flips), |(machine, flips)| {
                let mut bytes = encode(&machine);
                for (at, value) in flips {
                    let at = at.index(bytes.len());
                    bytes[at] = value;
                }
                let _ = decode(&bytes);
                Ok(())
            })
            .expect("damaged bytes return");
    };
    std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(check)
        .expect("a test thread")
        .join()
        .expect("no panic");
}
