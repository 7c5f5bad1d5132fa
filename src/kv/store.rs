//! The MVCC store: etcd's key space semantics without Raft. Every write txn gets the next
//! revision; each key keeps its history (see [`KeyHistory`]) so reads at an old revision and
//! watches from an old revision work until a compaction discards that history.
//!
//! Everything is a `BTreeMap` so iteration order, and hence output and the state hash, is the
//! same on every node, natively and in wasm.

use super::compare::all_hold;
use super::history::{Change, KeyHistory, Stamp};
use super::lease::Lessor;
use super::range::{RangeSelector, sort_and_limit};
use super::request::{
    DeleteRangeRequest, PutRequest, RangeRequest, Request, RequestOp, TxnRequest,
};
use super::response::{
    DeleteRangeResponse, LeaseTimeToLiveResponse, PutResponse, RangeResponse, ResponseBody,
    ResponseOp, TxnResponse,
};
use super::state_hash::{DigestHasher, Feed, StateHasher};
use super::types::{Event, EventType, KeyValue, KvError, Revision};
use super::writer::Writer;
use std::collections::BTreeMap;
use std::sync::Arc;

/// etcd 3.4's compacted revision before the first compaction (raftlab keeps 0 there; only
/// negative watch starts can tell the two apart).
const ETCD_NEVER_COMPACTED: Revision = -1;

/// Every key's history, by the key's bytes. A key is shared (`Arc`): every node's first write
/// after a timeline checkpoint copies its map, and a copied key cost an allocation (and its
/// drop a free), about a tenth of the page's engine's allocations (callgrind).
pub type KeyMap = BTreeMap<std::sync::Arc<[u8]>, KeyHistory>;

/// The key space at every kept revision.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MvccStore {
    /// Revision of the latest write txn; 1 for an empty store, like etcd.
    /// Invariant: `compacted <= current`.
    pub(super) current: Revision,
    /// Revision of the latest compaction (0 = never). Reads below it fail.
    pub(super) compacted: Revision,
    /// Every key with a kept history, by key bytes. Behind an `Arc` (copied on write, and
    /// serialized as the plain map): a timeline checkpoint shares the map with the run until
    /// the next write, and nodes holding equal maps share one ([`MvccStore::share_history_with`]).
    pub(super) keys: std::sync::Arc<KeyMap>,
    /// Leases and the keys attached to them.
    pub(super) leases: Lessor,
    /// Running digest of `keys`: the wrapping sum of [`change_digest`] over every kept change,
    /// updated on every write and compaction, so [`MvccStore::digest`] costs O(1) in the
    /// history (the monitors compare it after every apply). Not serialized: a snapshot restore
    /// recomputes it ([`MvccStore::recompute_digest`]). A sum, not a chain, so that it depends
    /// only on what is kept, not on the order things were written or compacted in.
    #[serde(skip)]
    pub(super) changes_digest: u64,
}

impl Default for MvccStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MvccStore {
    /// An empty store at revision 1 (etcd's first write is revision 2).
    pub fn new() -> Self {
        MvccStore {
            current: 1,
            compacted: 0,
            keys: std::sync::Arc::default(),
            leases: Lessor::default(),
            changes_digest: 0,
        }
    }

    /// Makes this store share `other`'s key map when it is equal, else its histories share
    /// `other`'s equal chunks ([`KeyHistory::share_chunks_with`]): memory only, the store's
    /// contents are unchanged. A map that is not this store's alone is left as it is: it was
    /// shared when it was last written, and copying it to share chunks would cost memory.
    pub fn share_history_with(&mut self, other: &MvccStore) {
        if std::sync::Arc::ptr_eq(&self.keys, &other.keys) {
            return;
        }
        if self.keys == other.keys {
            self.keys = std::sync::Arc::clone(&other.keys);
            return;
        }
        let Some(keys) = std::sync::Arc::get_mut(&mut self.keys) else {
            return;
        };
        for (key, history) in keys.iter_mut() {
            if let Some(theirs) = other.keys.get(key) {
                history.share_chunks_with(theirs);
            }
        }
    }

    /// The current revision.
    pub fn revision(&self) -> Revision {
        self.current
    }

    /// The revision of the latest compaction (0 if none).
    pub fn compact_revision(&self) -> Revision {
        self.compacted
    }

    /// Number of live keys now.
    pub fn live_key_count(&self) -> usize {
        self.keys
            .values()
            .filter(|history| history.latest().is_some())
            .count()
    }

    /// The live key-values now, in key order, borrowed: for views that list a bounded number of
    /// keys without copying (and sorting) the whole range as [`MvccStore::range`] does.
    pub fn live(&self) -> impl Iterator<Item = &KeyValue> {
        self.keys.values().filter_map(|history| history.latest())
    }

    /// Number of kept changes over all keys (the MVCC revisions still held): what a compaction
    /// shrinks. For the long-run benchmark and tests.
    pub fn kept_changes(&self) -> usize {
        self.keys.values().map(|history| history.len()).sum()
    }

    /// The leases.
    pub fn leases(&self) -> &Lessor {
        &self.leases
    }

    /// Answer a request that does not change the store (range, read-only txn, lease
    /// time-to-live, lease list) without going through [`MvccStore::execute`]; `None` for any other request.
    pub fn read(&self, request: &Request) -> Option<Result<ResponseBody, KvError>> {
        Some(match request {
            Request::Range(range) => self.range(range).map(ResponseBody::Range),
            Request::Txn(txn) if !request.is_write() => self.read_only_txn(txn),
            Request::LeaseLeases => Ok(ResponseBody::LeaseLeases(self.leases.ids())),
            Request::LeaseTimeToLive(query) => match self.leases.get(query.id) {
                None => Err(KvError::LeaseNotFound),
                Some(lease) => Ok(ResponseBody::LeaseTimeToLive(LeaseTimeToLiveResponse {
                    id: lease.id,
                    ttl_seconds: lease.remaining_seconds(query.now_ms),
                    granted_ttl_seconds: lease.ttl_seconds,
                    keys: if query.keys {
                        lease.keys.iter().cloned().collect()
                    } else {
                        Vec::new()
                    },
                })),
            },
            _ => return None,
        })
    }

    /// A txn whose branches only read: evaluate the compares and run the reads on `&self`,
    /// so it can be served by read-index like a range.
    fn read_only_txn(&self, txn: &TxnRequest) -> Result<ResponseBody, KvError> {
        let succeeded = all_hold(&self.keys, &txn.compare);
        let branch = if succeeded {
            &txn.success
        } else {
            &txn.failure
        };
        let mut responses = Vec::with_capacity(branch.len());
        for op in branch {
            match op {
                RequestOp::Range(range) => responses.push(ResponseOp::Range(self.range(range)?)),
                // `is_write` said no op writes; keep the invariant visible if that ever changes.
                RequestOp::Put(_) | RequestOp::DeleteRange(_) => {
                    debug_assert!(false, "read-only txn with a write op");
                }
            }
        }
        Ok(ResponseBody::Txn(TxnResponse {
            succeeded,
            responses,
        }))
    }

    /// Run one request as one transaction. Returns the body and the watch events it produced;
    /// the header revision is [`MvccStore::revision`] afterwards.
    pub fn execute(&mut self, request: &Request) -> Result<(ResponseBody, Vec<Event>), KvError> {
        match request {
            Request::Range(range) => Ok((ResponseBody::Range(self.range(range)?), Vec::new())),
            Request::Put(put) => {
                let (response, events) = self.put(put)?;
                Ok((ResponseBody::Put(response), events))
            }
            Request::DeleteRange(delete) => {
                let (response, events) = self.delete_range(delete)?;
                Ok((ResponseBody::DeleteRange(response), events))
            }
            Request::Txn(txn) => {
                let mut writer = Writer::begin(self);
                let response = writer.txn(txn);
                let events = writer.finish();
                Ok((ResponseBody::Txn(response?), events))
            }
            Request::Compact(compaction) => {
                self.compact(compaction.revision)?;
                Ok((ResponseBody::Compact, Vec::new()))
            }
            Request::LeaseGrant(grant) => {
                let lease = self
                    .leases
                    .grant(grant.id, grant.ttl_seconds, grant.now_ms)?;
                Ok((
                    ResponseBody::LeaseGrant {
                        id: lease.id,
                        ttl_seconds: lease.ttl_seconds,
                    },
                    Vec::new(),
                ))
            }
            Request::LeaseKeepAlive(keep_alive) => {
                let lease = self.leases.keep_alive(keep_alive.id, keep_alive.now_ms)?;
                Ok((
                    ResponseBody::LeaseKeepAlive {
                        id: lease.id,
                        ttl_seconds: lease.ttl_seconds,
                    },
                    Vec::new(),
                ))
            }
            Request::LeaseRevoke(id) => {
                let mut writer = Writer::begin(self);
                let revoked = writer.revoke(*id);
                let events = writer.finish();
                revoked?;
                Ok((ResponseBody::LeaseRevoke, events))
            }
            Request::LeaseTimeToLive(_) | Request::LeaseLeases => match self.read(request) {
                Some(result) => Ok((result?, Vec::new())),
                None => Ok((ResponseBody::LeaseLeases(Vec::new()), Vec::new())),
            },
        }
    }

    /// Read a key or a range at the request's revision (0 = now).
    pub fn range(&self, request: &RangeRequest) -> Result<RangeResponse, KvError> {
        let read_revision = self.check_read_revision(request.revision)?;
        self.range_at(request, read_revision)
    }

    /// Put one key (one write txn, one new revision).
    pub fn put(&mut self, request: &PutRequest) -> Result<(PutResponse, Vec<Event>), KvError> {
        let mut writer = Writer::begin(self);
        let response = writer.put(request);
        let events = writer.finish();
        Ok((response?, events))
    }

    /// Delete a key or range (a new revision only if something was deleted, like etcd).
    pub fn delete_range(
        &mut self,
        request: &DeleteRangeRequest,
    ) -> Result<(DeleteRangeResponse, Vec<Event>), KvError> {
        let mut writer = Writer::begin(self);
        let response = writer.delete_range(request);
        let events = writer.finish();
        Ok((response?, events))
    }

    /// Forget history before `revision`. Fails like etcd when `revision` is already compacted
    /// or not reached yet. Does not change the current revision.
    pub fn compact(&mut self, revision: Revision) -> Result<(), KvError> {
        if revision <= self.compacted {
            return Err(KvError::Compacted);
        }
        if revision > self.current {
            return Err(KvError::FutureRevision);
        }
        self.compacted = revision;
        let mut digest = self.changes_digest;
        std::sync::Arc::make_mut(&mut self.keys).retain(|key, history| {
            !history.compact(revision, |stamp, change| {
                digest = digest.wrapping_sub(change_digest(key, stamp, change));
            })
        });
        self.changes_digest = digest;
        Ok(())
    }

    /// Every event on keys of the selector at revision `start` or later, in revision order:
    /// the replay a watch from `start` begins with. `start == 0` means "from now on" (no
    /// replay). Fails with [`KvError::Compacted`] when `start` is below the compaction, since
    /// events are missing there and a watcher must not silently skip them.
    ///
    /// Negative starts follow etcd 3.4, whose compacted revision is -1 until the first
    /// compaction: a start below that (-2 or less) is "compacted"; -1 before any compaction is
    /// not, and replays nothing (etcd reads from the revision's bytes as an unsigned number,
    /// past every real revision), so the watch sees events from now on.
    pub fn events_since(
        &self,
        key: &[u8],
        range_end: &[u8],
        start: Revision,
    ) -> Result<Vec<Event>, KvError> {
        if start == 0 {
            return Ok(Vec::new());
        }
        let compacted = if self.compacted == 0 {
            ETCD_NEVER_COMPACTED
        } else {
            self.compacted
        };
        if start < compacted {
            return Err(KvError::Compacted);
        }
        if start < 0 {
            return Ok(Vec::new());
        }
        let selector = RangeSelector::new(key, range_end);
        let mut stamped: Vec<(Stamp, Event)> = Vec::new();
        for (key, history) in selector.select(&self.keys) {
            let mut previous: Option<&Arc<KeyValue>> = None;
            for (stamp, change) in history.iter() {
                if stamp.main >= start {
                    stamped.push((*stamp, event_of(key, *stamp, change, previous)));
                }
                previous = match change {
                    Change::Put(kv) => Some(kv),
                    Change::Tombstone => None,
                };
            }
        }
        crate::sort::sort_by_key(&mut stamped, |(stamp, _)| *stamp);
        Ok(stamped.into_iter().map(|(_, event)| event).collect())
    }

    /// A stable 64-bit hash of the logical contents (revisions and every kept change), equal on
    /// two nodes that applied the same commands. Independent of platform word size.
    pub fn state_hash(&self) -> u64 {
        let mut hasher = StateHasher::new();
        self.hash_into(&mut hasher);
        hasher.finish()
    }

    /// A stable 64-bit digest of the logical contents, like [`MvccStore::state_hash`] (equal on
    /// stores that hold the same revisions, changes and leases) but O(1) in the kept history:
    /// the changes enter through the running sum `changes_digest`. Leases are hashed in full;
    /// they are current state, bounded by [`crate::kv::lease::LEASES_MAX`], not history.
    /// A [`DigestHasher`]'s, not the state hash's FNV-1a: the monitors compare it after every
    /// apply, and nothing else reads it.
    pub fn digest(&self) -> u64 {
        let mut hasher = DigestHasher::new();
        self.digest_into(&mut hasher, self.changes_digest);
        hasher.finish()
    }

    /// The digest computed from scratch (what the running sum must equal; tests check it).
    pub fn digest_from_scratch(&self) -> u64 {
        let mut hasher = DigestHasher::new();
        self.digest_into(&mut hasher, self.changes_digest_from_scratch());
        hasher.finish()
    }

    /// Recomputes the running digest (after deserializing a snapshot, which does not carry it).
    pub fn recompute_digest(&mut self) {
        self.changes_digest = self.changes_digest_from_scratch();
    }

    fn changes_digest_from_scratch(&self) -> u64 {
        let mut sum = 0u64;
        for (key, history) in self.keys.iter() {
            for (stamp, change) in history.iter() {
                sum = sum.wrapping_add(change_digest(key, *stamp, change));
            }
        }
        sum
    }

    fn digest_into(&self, hasher: &mut DigestHasher, changes: u64) {
        self.hash_leases(hasher);
        hasher.i64(self.current);
        hasher.i64(self.compacted);
        hasher.u64(self.keys.len() as u64);
        hasher.u64(changes);
    }

    fn hash_leases<H: Feed>(&self, hasher: &mut H) {
        hasher.u64(self.leases.len() as u64);
        for lease in self.leases.iter() {
            hasher.i64(lease.id);
            hasher.i64(lease.ttl_seconds);
            hasher.u64(lease.expiry_ms);
            hasher.u64(lease.keys.len() as u64);
            for key in &lease.keys {
                hasher.bytes(key);
            }
        }
    }

    /// Feed the store's contents into `hasher` (the state machine adds its sessions after).
    pub fn hash_into(&self, hasher: &mut StateHasher) {
        self.hash_leases(hasher);
        hasher.i64(self.current);
        hasher.i64(self.compacted);
        hasher.u64(self.keys.len() as u64);
        for (key, history) in self.keys.iter() {
            hasher.bytes(key);
            hasher.u64(history.len() as u64);
            for (stamp, change) in history.iter() {
                feed_change(hasher, *stamp, change);
            }
        }
    }

    /// Check a requested read revision and turn 0 into "now".
    pub(super) fn check_read_revision(&self, revision: Revision) -> Result<Revision, KvError> {
        if revision > self.current {
            return Err(KvError::FutureRevision);
        }
        if revision > 0 && revision < self.compacted {
            return Err(KvError::Compacted);
        }
        Ok(if revision <= 0 {
            self.current
        } else {
            revision
        })
    }

    /// Range at an already checked revision.
    pub(super) fn range_at(
        &self,
        request: &RangeRequest,
        read_revision: Revision,
    ) -> Result<RangeResponse, KvError> {
        if request.key.is_empty() {
            return Err(KvError::EmptyKey);
        }
        let selector = RangeSelector::new(&request.key, &request.range_end);
        let live: Vec<KeyValue> = selector
            .select(&self.keys)
            .filter_map(|(_, history)| history.at(read_revision).cloned())
            .collect();
        Ok(sort_and_limit(live, request))
    }
}

/// The digest of one kept change of `key`: a [`DigestHasher`] over its explicit encoding (the
/// same fields [`MvccStore::hash_into`] feeds), finished with a 64-bit mixer so that a wrapping
/// sum of many of them does not let nearby inputs cancel out.
pub(super) fn change_digest(key: &[u8], stamp: Stamp, change: &Change) -> u64 {
    let mut hasher = DigestHasher::new();
    hasher.bytes(key);
    feed_change(&mut hasher, stamp, change);
    mix64(hasher.finish())
}

/// One kept change in its explicit byte encoding: shared by the full state hash and the
/// running digest, so the two can never disagree on what a change is.
fn feed_change<H: Feed>(hasher: &mut H, stamp: Stamp, change: &Change) {
    hasher.i64(stamp.main);
    hasher.i64(stamp.sub);
    match change {
        Change::Tombstone => hasher.u64(0),
        Change::Put(kv) => {
            hasher.u64(1);
            hasher.i64(kv.create_revision);
            hasher.i64(kv.mod_revision);
            hasher.i64(kv.version);
            hasher.i64(kv.lease);
            hasher.bytes(&kv.value);
        }
    }
}

/// SplitMix64's finalizer: every input bit affects every output bit.
fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The watch event for one change; `previous` is the key-value before it, if kept.
fn event_of(key: &[u8], stamp: Stamp, change: &Change, previous: Option<&Arc<KeyValue>>) -> Event {
    match change {
        Change::Put(kv) => Event {
            kind: EventType::Put,
            kv: Arc::clone(kv),
            prev_kv: previous.cloned(),
        },
        Change::Tombstone => Event {
            kind: EventType::Delete,
            kv: Arc::new(KeyValue {
                key: key.to_vec(),
                create_revision: 0,
                mod_revision: stamp.main,
                version: 0,
                value: Vec::new(),
                lease: 0,
            }),
            prev_kv: previous.cloned(),
        },
    }
}
