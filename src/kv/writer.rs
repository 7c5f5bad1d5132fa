//! One write transaction on the store. Every change made through a [`Writer`] gets the same
//! main revision (the store's next one) and its own sub revision, so a put, a delete or a
//! whole multi-op txn is exactly one revision. The revision only advances if something
//! changed: a delete that matches nothing, or a txn whose branch only reads, leaves it alone.

use super::REQUEST_BYTES_MAX;
use super::compare::all_hold;
use super::history::{Change, KeyHistory, Stamp};
use super::range::RangeSelector;
use super::request::{DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest};
use super::response::{DeleteRangeResponse, PutResponse, RangeResponse, ResponseOp, TxnResponse};
use super::store::{MvccStore, change_digest};
use super::types::{Event, EventType, KeyValue, KvError, Revision};
use std::sync::Arc;

/// An open write transaction. Call [`Writer::finish`] to commit its revision.
pub struct Writer<'s> {
    store: &'s mut MvccStore,
    /// The revision this txn writes at: the store's current revision + 1.
    main: Revision,
    /// Changes made so far (the next change's sub revision).
    sub: i64,
    /// Watch events produced so far, in change order.
    events: Vec<Event>,
}

impl<'s> Writer<'s> {
    /// Open a write txn on `store`.
    pub fn begin(store: &'s mut MvccStore) -> Self {
        let main = store.current + 1;
        Writer {
            store,
            main,
            sub: 0,
            events: Vec::new(),
        }
    }

    /// Close the txn: advance the store's revision if anything changed; return the events.
    pub fn finish(self) -> Vec<Event> {
        if self.sub > 0 {
            self.store.current = self.main;
        }
        self.events
    }

    /// Put one key.
    pub fn put(&mut self, request: &PutRequest) -> Result<PutResponse, KvError> {
        check_put(request)?;
        // etcd looks the lease up before the key a put with `ignore_*` needs.
        self.check_lease(request)?;
        self.check_kept_key(request)?;
        Ok(self.apply_put(request))
    }

    /// Delete a key or a range.
    pub fn delete_range(
        &mut self,
        request: &DeleteRangeRequest,
    ) -> Result<DeleteRangeResponse, KvError> {
        if request.key.is_empty() {
            return Err(KvError::EmptyKey);
        }
        Ok(self.apply_delete(request))
    }

    /// Run a txn: validate both branches first (so an invalid txn changes nothing), evaluate
    /// the compares, then run the chosen branch's ops in order; later ops see earlier writes.
    pub fn txn(&mut self, request: &TxnRequest) -> Result<TxnResponse, KvError> {
        self.check_ops(&request.success)?;
        self.check_ops(&request.failure)?;
        let succeeded = all_hold(&self.store.keys, &request.compare);
        let branch = if succeeded {
            &request.success
        } else {
            &request.failure
        };
        let mut responses = Vec::with_capacity(branch.len());
        for op in branch {
            responses.push(match op {
                RequestOp::Range(range) => ResponseOp::Range(self.apply_range(range)?),
                RequestOp::Put(put) => ResponseOp::Put(self.apply_put(put)),
                RequestOp::DeleteRange(delete) => {
                    ResponseOp::DeleteRange(self.apply_delete(delete))
                }
            });
        }
        Ok(TxnResponse {
            succeeded,
            responses,
        })
    }

    /// Reject a branch etcd would reject: empty keys, oversized puts, unreadable revisions,
    /// and a key written twice (two puts, or a put inside a deleted range).
    fn check_ops(&self, ops: &[RequestOp]) -> Result<(), KvError> {
        let mut put_keys: Vec<&[u8]> = Vec::new();
        for op in ops {
            match op {
                RequestOp::Range(range) => {
                    if range.key.is_empty() {
                        return Err(KvError::EmptyKey);
                    }
                    self.store.check_read_revision(range.revision)?;
                }
                RequestOp::Put(put) => {
                    check_put(put)?;
                    // etcd checks a txn's puts against the state before the txn: key first.
                    self.check_kept_key(put)?;
                    self.check_lease(put)?;
                    if put_keys.contains(&put.key.as_slice()) {
                        return Err(KvError::DuplicateKey);
                    }
                    put_keys.push(&put.key);
                }
                RequestOp::DeleteRange(delete) => {
                    if delete.key.is_empty() {
                        return Err(KvError::EmptyKey);
                    }
                }
            }
        }
        for op in ops {
            if let RequestOp::DeleteRange(delete) = op {
                let selector = RangeSelector::new(&delete.key, &delete.range_end);
                if put_keys.iter().any(|key| selector.contains(key)) {
                    return Err(KvError::DuplicateKey);
                }
            }
        }
        Ok(())
    }

    /// Revoke a lease: delete every key attached to it (one revision) and forget it.
    pub fn revoke(&mut self, id: crate::kv::lease::LeaseId) -> Result<(), KvError> {
        let lease = self.store.leases.remove(id)?;
        for key in &lease.keys {
            self.apply_delete(&DeleteRangeRequest {
                key: key.clone(),
                range_end: Vec::new(),
                prev_kv: false,
            });
        }
        Ok(())
    }

    /// A put may only name a lease that exists.
    fn check_lease(&self, request: &PutRequest) -> Result<(), KvError> {
        if request.lease != 0 && self.store.leases.get(request.lease).is_none() {
            return Err(KvError::LeaseNotFound);
        }
        Ok(())
    }

    /// A put that keeps the key's value or lease (`ignore_value`, `ignore_lease`) needs the key.
    /// A plain put (nearly every one) does not look the key up: that lookup was about 2% of a
    /// timeline seek in wasm (Node's profiler), where it compares the key's bytes with the
    /// map's keys for nothing.
    fn check_kept_key(&self, request: &PutRequest) -> Result<(), KvError> {
        if !(request.ignore_value || request.ignore_lease) {
            return Ok(());
        }
        let exists = self
            .store
            .keys
            .get(request.key.as_slice())
            .is_some_and(|history| history.latest().is_some());
        if !exists {
            return Err(KvError::KeyNotFound);
        }
        Ok(())
    }

    /// A read inside the txn: at revision 0 it sees this txn's own earlier writes.
    fn apply_range(&self, request: &RangeRequest) -> Result<RangeResponse, KvError> {
        let read_revision = if request.revision > 0 {
            self.store.check_read_revision(request.revision)?
        } else if self.sub > 0 {
            self.main
        } else {
            self.store.current
        };
        self.store.range_at(request, read_revision)
    }

    /// Record a put (already validated). The new key-value is built once and shared by the
    /// key's history and the watch event, and the previous one is shared, not copied: every
    /// node applies every put, and those copies were most of a put's allocations.
    fn apply_put(&mut self, request: &PutRequest) -> PutResponse {
        let stamp = self.next_stamp();
        let keys = Arc::make_mut(&mut self.store.keys);
        if !keys.contains_key(request.key.as_slice()) {
            keys.insert(Arc::from(request.key.as_slice()), KeyHistory::default());
        }
        let history = keys
            .get_mut(request.key.as_slice())
            .expect("the key's history exists: inserted above when missing");
        let previous = history.latest_shared().cloned();
        // Validated: with `ignore_*` the key exists, so `previous` is there to keep from.
        let value = match (&previous, request.ignore_value) {
            (Some(kv), true) => kv.value.clone(),
            _ => request.value.clone(),
        };
        let lease = match (&previous, request.ignore_lease) {
            (Some(kv), true) => kv.lease,
            _ => request.lease,
        };
        let kv = Arc::new(KeyValue {
            key: request.key.clone(),
            create_revision: previous
                .as_ref()
                .map_or(stamp.main, |kv| kv.create_revision),
            mod_revision: stamp.main,
            version: previous.as_ref().map_or(1, |kv| kv.version + 1),
            value,
            lease,
        });
        let change = Change::Put(Arc::clone(&kv));
        self.store.changes_digest =
            self.store
                .changes_digest
                .wrapping_add(change_digest(&request.key, stamp, &change));
        history.push(stamp, change);
        let previous_lease = previous.as_ref().map_or(0, |kv| kv.lease);
        if previous_lease != 0 && previous_lease != lease {
            self.store.leases.detach(previous_lease, &request.key);
        }
        if lease != 0 {
            self.store.leases.attach(lease, &request.key);
        }
        // The response copies the previous key-value only when it asks for it (`--prev-kv`; a
        // put rarely does).
        let response_prev = if request.prev_kv {
            previous.as_deref().cloned()
        } else {
            None
        };
        self.events.push(Event {
            kind: EventType::Put,
            kv,
            prev_kv: previous,
        });
        PutResponse {
            prev_kv: response_prev,
        }
    }

    /// Record tombstones for every live key in the range (already validated). Each deleted
    /// key-value is shared with the watch event, as a put shares its previous one; the response
    /// copies them only when it asks for them (`--prev-kv`).
    fn apply_delete(&mut self, request: &DeleteRangeRequest) -> DeleteRangeResponse {
        let selector = RangeSelector::new(&request.key, &request.range_end);
        let doomed: Vec<Arc<KeyValue>> = selector
            .select(&self.store.keys)
            .filter_map(|(_, history)| history.latest_shared().cloned())
            .collect();
        let deleted = doomed.len() as i64;
        let prev_kvs = if request.prev_kv {
            doomed.iter().map(|kv| (**kv).clone()).collect()
        } else {
            Vec::new()
        };
        for kv in doomed {
            let stamp = self.next_stamp();
            if let Some(history) = Arc::make_mut(&mut self.store.keys).get_mut(kv.key.as_slice()) {
                history.push(stamp, Change::Tombstone);
                self.store.changes_digest = self.store.changes_digest.wrapping_add(change_digest(
                    &kv.key,
                    stamp,
                    &Change::Tombstone,
                ));
            }
            if kv.lease != 0 {
                self.store.leases.detach(kv.lease, &kv.key);
            }
            let tombstone = KeyValue {
                key: kv.key.clone(),
                create_revision: 0,
                mod_revision: stamp.main,
                version: 0,
                value: Vec::new(),
                lease: 0,
            };
            self.events.push(Event {
                kind: EventType::Delete,
                kv: Arc::new(tombstone),
                prev_kv: Some(kv),
            });
        }
        DeleteRangeResponse { deleted, prev_kvs }
    }

    /// The stamp for the next change of this txn.
    fn next_stamp(&mut self) -> Stamp {
        let stamp = Stamp {
            main: self.main,
            sub: self.sub,
        };
        self.sub += 1;
        stamp
    }
}

/// Reject a put etcd would reject (empty key) or that is over raftlab's size limit.
fn check_put(request: &PutRequest) -> Result<(), KvError> {
    if request.key.is_empty() {
        return Err(KvError::EmptyKey);
    }
    // etcd's API refuses these before anything is applied (`checkPutRequest`).
    if request.ignore_value && !request.value.is_empty() {
        return Err(KvError::ValueProvided);
    }
    if request.ignore_lease && request.lease != 0 {
        return Err(KvError::LeaseProvided);
    }
    if request.key.len() + request.value.len() > REQUEST_BYTES_MAX {
        return Err(KvError::RequestTooLarge);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str, value: &str) -> PutRequest {
        PutRequest {
            key: key.as_bytes().to_vec(),
            value: value.as_bytes().to_vec(),
            ..PutRequest::default()
        }
    }

    fn live(store: &MvccStore) -> Vec<(Vec<u8>, Vec<u8>)> {
        store
            .live()
            .map(|kv| (kv.key.clone(), kv.value.clone()))
            .collect()
    }

    /// A put that keeps the key's value or lease needs the key (etcd's `ErrKeyNotFound`): a
    /// missing or deleted key refuses it, and the refused put writes nothing, in a txn too.
    /// The plain put skips the lookup; this is what that shortcut must keep refusing.
    #[test]
    fn a_put_keeping_the_value_or_lease_needs_a_live_key() {
        let mut store = MvccStore::new();
        let keep_value = PutRequest {
            ignore_value: true,
            ..put("k", "")
        };
        let keep_lease = PutRequest {
            ignore_lease: true,
            ..put("k", "new")
        };
        for request in [&keep_value, &keep_lease] {
            assert_eq!(store.put(request).err(), Some(KvError::KeyNotFound));
        }
        let txn = TxnRequest {
            success: vec![RequestOp::Put(keep_value.clone())],
            ..TxnRequest::default()
        };
        assert_eq!(
            Writer::begin(&mut store).txn(&txn).err(),
            Some(KvError::KeyNotFound)
        );
        assert_eq!(store.revision(), 1);
        assert!(live(&store).is_empty());

        store.put(&put("k", "old")).expect("plain put");
        store.put(&keep_value).expect("the key exists");
        assert_eq!(live(&store), vec![(b"k".to_vec(), b"old".to_vec())]);
        store.put(&keep_lease).expect("the key exists");
        assert_eq!(live(&store), vec![(b"k".to_vec(), b"new".to_vec())]);
        assert_eq!(store.revision(), 4);

        store
            .delete_range(&DeleteRangeRequest {
                key: b"k".to_vec(),
                ..DeleteRangeRequest::default()
            })
            .expect("delete");
        for request in [&keep_value, &keep_lease] {
            assert_eq!(store.put(request).err(), Some(KvError::KeyNotFound));
        }
        assert_eq!(store.revision(), 5);
        assert!(live(&store).is_empty());
    }
}
