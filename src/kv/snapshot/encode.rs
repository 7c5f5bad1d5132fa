//! Writes a [`KvStateMachine`] in the snapshot format of [`super`]: one function per type, in
//! field order, each writing exactly what serde's derive wrote through `rmp_serde` (structs as
//! arrays, enums as their name or a one-entry map from it, `Option` as nil or the value).

use super::msgpack::Writer;
use crate::kv::history::{Change, KeyHistory};
use crate::kv::lease::Lessor;
use crate::kv::response::{Response, ResponseBody, ResponseOp};
use crate::kv::session::Sessions;
use crate::kv::store::MvccStore;
use crate::kv::types::{KeyValue, KvError};
use crate::kv::{DeleteRangeResponse, KvStateMachine, PutResponse, RangeResponse};

pub(super) fn state_machine(w: &mut Writer, machine: &KvStateMachine) {
    w.array(3);
    store(w, &machine.store);
    sessions(w, &machine.sessions);
    w.uint(machine.applied_index);
}

/// Four fields: the running digest is not written (restore recomputes it).
fn store(w: &mut Writer, store: &MvccStore) {
    w.array(4);
    w.sint(store.current);
    w.sint(store.compacted);
    w.map(store.keys.len());
    for (key, history) in store.keys.iter() {
        w.byte_array(key);
        key_history(w, history);
    }
    lessor(w, &store.leases);
}

/// A struct of one field, the plain sequence of (stamp, change), whatever the chunking.
fn key_history(w: &mut Writer, history: &KeyHistory) {
    w.array(1);
    w.array(history.len());
    for (stamp, change) in history.iter() {
        w.array(2);
        w.array(2);
        w.sint(stamp.main);
        w.sint(stamp.sub);
        match change {
            Change::Put(kv) => {
                w.variant("Put");
                key_value(w, kv);
            }
            Change::Tombstone => w.unit_variant("Tombstone"),
        }
    }
}

fn lessor(w: &mut Writer, lessor: &Lessor) {
    w.array(1);
    w.map(lessor.leases.len());
    for (id, lease) in &lessor.leases {
        w.sint(*id);
        w.array(4);
        w.sint(lease.id);
        w.sint(lease.ttl_seconds);
        w.uint(lease.expiry_ms);
        w.array(lease.keys.len());
        for key in &lease.keys {
            w.byte_array(key);
        }
    }
}

fn sessions(w: &mut Writer, sessions: &Sessions) {
    w.array(1);
    w.map(sessions.clients.len());
    for (client_id, entry) in sessions.clients.iter() {
        w.uint(*client_id);
        w.array(3);
        w.uint(entry.sequence);
        match &entry.outcome {
            Ok(r) => {
                w.variant("Ok");
                response(w, r);
            }
            Err(e) => {
                w.variant("Err");
                kv_error(w, e);
            }
        }
        w.uint(entry.last_index);
    }
}

fn response(w: &mut Writer, response: &Response) {
    w.array(2);
    w.array(2);
    w.sint(response.header.revision);
    w.uint(response.header.raft_index);
    match &response.body {
        ResponseBody::Range(r) => {
            w.variant("Range");
            range(w, r);
        }
        ResponseBody::Put(r) => {
            w.variant("Put");
            put(w, r);
        }
        ResponseBody::DeleteRange(r) => {
            w.variant("DeleteRange");
            delete_range(w, r);
        }
        ResponseBody::Txn(txn) => {
            w.variant("Txn");
            w.array(2);
            w.bool(txn.succeeded);
            w.array(txn.responses.len());
            for op in &txn.responses {
                match op {
                    ResponseOp::Range(r) => {
                        w.variant("Range");
                        range(w, r);
                    }
                    ResponseOp::Put(r) => {
                        w.variant("Put");
                        put(w, r);
                    }
                    ResponseOp::DeleteRange(r) => {
                        w.variant("DeleteRange");
                        delete_range(w, r);
                    }
                }
            }
        }
        ResponseBody::Compact => w.unit_variant("Compact"),
        ResponseBody::LeaseGrant { id, ttl_seconds } => {
            w.variant("LeaseGrant");
            w.array(2);
            w.sint(*id);
            w.sint(*ttl_seconds);
        }
        ResponseBody::LeaseRevoke => w.unit_variant("LeaseRevoke"),
        ResponseBody::LeaseKeepAlive { id, ttl_seconds } => {
            w.variant("LeaseKeepAlive");
            w.array(2);
            w.sint(*id);
            w.sint(*ttl_seconds);
        }
        ResponseBody::LeaseTimeToLive(r) => {
            w.variant("LeaseTimeToLive");
            w.array(4);
            w.sint(r.id);
            w.sint(r.ttl_seconds);
            w.sint(r.granted_ttl_seconds);
            w.array(r.keys.len());
            for key in &r.keys {
                w.byte_array(key);
            }
        }
        ResponseBody::LeaseLeases(ids) => {
            w.variant("LeaseLeases");
            w.array(ids.len());
            for id in ids {
                w.sint(*id);
            }
        }
    }
}

fn range(w: &mut Writer, r: &RangeResponse) {
    w.array(3);
    key_values(w, &r.kvs);
    w.bool(r.more);
    w.sint(r.count);
}

fn put(w: &mut Writer, r: &PutResponse) {
    w.array(1);
    match &r.prev_kv {
        Some(kv) => key_value(w, kv),
        None => w.nil(),
    }
}

fn delete_range(w: &mut Writer, r: &DeleteRangeResponse) {
    w.array(2);
    w.sint(r.deleted);
    key_values(w, &r.prev_kvs);
}

fn key_values(w: &mut Writer, kvs: &[KeyValue]) {
    w.array(kvs.len());
    for kv in kvs {
        key_value(w, kv);
    }
}

/// Key and value through `kv::text_bytes`: a string when UTF-8.
fn key_value(w: &mut Writer, kv: &KeyValue) {
    w.array(6);
    w.text_bytes(&kv.key);
    w.sint(kv.create_revision);
    w.sint(kv.mod_revision);
    w.sint(kv.version);
    w.text_bytes(&kv.value);
    w.sint(kv.lease);
}

fn kv_error(w: &mut Writer, error: &KvError) {
    match error {
        KvError::BadCommand(why) => {
            w.variant("BadCommand");
            w.str(why);
        }
        KvError::StaleSequence {
            client_id,
            sequence,
            latest,
        } => {
            w.variant("StaleSequence");
            w.array(3);
            w.uint(*client_id);
            w.uint(*sequence);
            w.uint(*latest);
        }
        unit => w.unit_variant(super::unit_error_name(unit)),
    }
}
