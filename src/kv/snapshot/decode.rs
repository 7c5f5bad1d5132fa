//! Reads what [`super::encode`] wrote, type by type, refusing anything else with an error that
//! says what was wrong. Never panics and never trusts a length further than the bytes left.

use super::msgpack::{Reader, Result};
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
use crate::vec_map::VecMap;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub(super) fn state_machine(r: &mut Reader) -> Result<KvStateMachine> {
    r.array_of(3, "the state machine")?;
    Ok(KvStateMachine {
        store: store(r)?,
        sessions: sessions(r)?,
        applied_index: r.uint()?,
    })
}

/// The store without its running digest: the caller recomputes it.
fn store(r: &mut Reader) -> Result<MvccStore> {
    r.array_of(4, "the store")?;
    let current = r.sint()?;
    let compacted = r.sint()?;
    let mut keys = BTreeMap::new();
    for _ in 0..r.map()? {
        let key = r.bytes()?;
        keys.insert(std::sync::Arc::from(key), key_history(r)?);
    }
    Ok(MvccStore {
        current,
        compacted,
        keys: std::sync::Arc::new(keys),
        leases: lessor(r)?,
        changes_digest: 0,
    })
}

fn key_history(r: &mut Reader) -> Result<KeyHistory> {
    r.array_of(1, "a key's history")?;
    let len = r.array()?;
    let mut entries = Vec::with_capacity(len);
    for _ in 0..len {
        r.array_of(2, "a change")?;
        r.array_of(2, "a stamp")?;
        let stamp = Stamp {
            main: r.sint()?,
            sub: r.sint()?,
        };
        let change = match r.variant()? {
            ("Put", true) => Change::Put(Arc::new(key_value(r)?)),
            ("Tombstone", false) => Change::Tombstone,
            (name, _) => return Err(format!("'{name}' is not a change")),
        };
        entries.push((stamp, change));
    }
    Ok(KeyHistory::from_entries(entries))
}

fn lessor(r: &mut Reader) -> Result<Lessor> {
    r.array_of(1, "the leases")?;
    let mut leases = VecMap::new();
    for _ in 0..r.map()? {
        let id = r.sint()?;
        r.array_of(4, "a lease")?;
        let lease = Lease {
            id: r.sint()?,
            ttl_seconds: r.sint()?,
            expiry_ms: r.uint()?,
            keys: {
                let mut keys = BTreeSet::new();
                for _ in 0..r.array()? {
                    keys.insert(r.bytes()?);
                }
                keys
            },
        };
        leases.insert(id, lease);
    }
    Ok(Lessor { leases })
}

fn sessions(r: &mut Reader) -> Result<Sessions> {
    r.array_of(1, "the sessions")?;
    let mut clients = VecMap::new();
    for _ in 0..r.map()? {
        let client_id = r.uint()?;
        r.array_of(3, "a session")?;
        let sequence = r.uint()?;
        let outcome = match r.variant()? {
            ("Ok", true) => Ok(response(r)?),
            ("Err", true) => Err(kv_error(r)?),
            (name, _) => return Err(format!("'{name}' is not an outcome")),
        };
        let entry = SessionEntry {
            sequence,
            outcome,
            last_index: r.uint()?,
        };
        clients.insert(client_id, entry);
    }
    Ok(Sessions {
        clients: std::sync::Arc::new(clients),
    })
}

fn response(r: &mut Reader) -> Result<Response> {
    r.array_of(2, "a response")?;
    r.array_of(2, "a response header")?;
    let header = ResponseHeader {
        revision: r.sint()?,
        raft_index: r.uint()?,
    };
    let body = match r.variant()? {
        ("Range", true) => ResponseBody::Range(range(r)?),
        ("Put", true) => ResponseBody::Put(put(r)?),
        ("DeleteRange", true) => ResponseBody::DeleteRange(delete_range(r)?),
        ("Txn", true) => {
            r.array_of(2, "a txn response")?;
            let succeeded = r.bool()?;
            let len = r.array()?;
            let mut responses = Vec::with_capacity(len);
            for _ in 0..len {
                responses.push(match r.variant()? {
                    ("Range", true) => ResponseOp::Range(range(r)?),
                    ("Put", true) => ResponseOp::Put(put(r)?),
                    ("DeleteRange", true) => ResponseOp::DeleteRange(delete_range(r)?),
                    (name, _) => return Err(format!("'{name}' is not a txn response")),
                });
            }
            ResponseBody::Txn(TxnResponse {
                succeeded,
                responses,
            })
        }
        ("Compact", false) => ResponseBody::Compact,
        ("LeaseGrant", true) => {
            r.array_of(2, "a lease grant response")?;
            ResponseBody::LeaseGrant {
                id: r.sint()?,
                ttl_seconds: r.sint()?,
            }
        }
        ("LeaseRevoke", false) => ResponseBody::LeaseRevoke,
        ("LeaseKeepAlive", true) => {
            r.array_of(2, "a lease keep-alive response")?;
            ResponseBody::LeaseKeepAlive {
                id: r.sint()?,
                ttl_seconds: r.sint()?,
            }
        }
        ("LeaseTimeToLive", true) => {
            r.array_of(4, "a lease time-to-live response")?;
            ResponseBody::LeaseTimeToLive(LeaseTimeToLiveResponse {
                id: r.sint()?,
                ttl_seconds: r.sint()?,
                granted_ttl_seconds: r.sint()?,
                keys: {
                    let len = r.array()?;
                    let mut keys = Vec::with_capacity(len);
                    for _ in 0..len {
                        keys.push(r.bytes()?);
                    }
                    keys
                },
            })
        }
        ("LeaseLeases", true) => {
            let len = r.array()?;
            let mut ids = Vec::with_capacity(len);
            for _ in 0..len {
                ids.push(r.sint()?);
            }
            ResponseBody::LeaseLeases(ids)
        }
        (name, _) => return Err(format!("'{name}' is not a response")),
    };
    Ok(Response { header, body })
}

fn range(r: &mut Reader) -> Result<RangeResponse> {
    r.array_of(3, "a range response")?;
    Ok(RangeResponse {
        kvs: key_values(r)?,
        more: r.bool()?,
        count: r.sint()?,
    })
}

fn put(r: &mut Reader) -> Result<PutResponse> {
    r.array_of(1, "a put response")?;
    let prev_kv = if r.nil() { None } else { Some(key_value(r)?) };
    Ok(PutResponse { prev_kv })
}

fn delete_range(r: &mut Reader) -> Result<DeleteRangeResponse> {
    r.array_of(2, "a delete response")?;
    Ok(DeleteRangeResponse {
        deleted: r.sint()?,
        prev_kvs: key_values(r)?,
    })
}

fn key_values(r: &mut Reader) -> Result<Vec<KeyValue>> {
    let len = r.array()?;
    let mut kvs = Vec::with_capacity(len);
    for _ in 0..len {
        kvs.push(key_value(r)?);
    }
    Ok(kvs)
}

fn key_value(r: &mut Reader) -> Result<KeyValue> {
    r.array_of(6, "a key-value")?;
    Ok(KeyValue {
        key: r.bytes()?,
        create_revision: r.sint()?,
        mod_revision: r.sint()?,
        version: r.sint()?,
        value: r.bytes()?,
        lease: r.sint()?,
    })
}

fn kv_error(r: &mut Reader) -> Result<KvError> {
    match r.variant()? {
        ("BadCommand", true) => Ok(KvError::BadCommand(r.str()?.to_string())),
        ("StaleSequence", true) => {
            r.array_of(3, "a stale-sequence error")?;
            Ok(KvError::StaleSequence {
                client_id: r.uint()?,
                sequence: r.uint()?,
                latest: r.uint()?,
            })
        }
        (name, false) => super::unit_error(name).ok_or_else(|| format!("'{name}' is not an error")),
        (name, true) => Err(format!("'{name}' is not an error with data")),
    }
}
