//! Client requests, shaped like etcd's `etcdserverpb` messages (Range, Put, DeleteRange, Txn,
//! Compaction). They are plain data: the store executes them, the command layer encodes them
//! into Raft log entries, the console builds them from etcdctl syntax.
//!
//! Key ranges follow etcd: an empty `range_end` means the single key `key`; `range_end == [0]`
//! means every key `>= key`; otherwise the half-open range `[key, range_end)`.

use super::lease::LeaseId;
use super::types::Revision;
use serde::{Deserialize, Serialize};

/// How to order range results (etcd's `SortOrder`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortOrder {
    /// Store order: by key, ascending.
    #[default]
    None,
    /// Ascending by the sort target.
    Ascend,
    /// Descending by the sort target.
    Descend,
}

/// What to sort range results by (etcd's `SortTarget`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortTarget {
    /// The key bytes.
    #[default]
    Key,
    /// The version.
    Version,
    /// The create revision.
    Create,
    /// The mod revision.
    Mod,
    /// The value bytes.
    Value,
}

/// Read keys (etcd's `RangeRequest`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeRequest {
    /// First key (or the only key when `range_end` is empty).
    #[serde(with = "super::text_bytes")]
    pub key: Vec<u8>,
    /// End of the range, see the module docs.
    #[serde(with = "super::text_bytes")]
    pub range_end: Vec<u8>,
    /// At most this many keys; 0 means no limit.
    pub limit: i64,
    /// Read the key space as of this revision; 0 means the current revision.
    pub revision: Revision,
    /// Result order.
    pub sort_order: SortOrder,
    /// Result sort key.
    pub sort_target: SortTarget,
    /// Return keys without values.
    pub keys_only: bool,
    /// Return only the count.
    pub count_only: bool,
    /// Serializable (local, possibly stale) read instead of linearizable; the store ignores it,
    /// the simulator uses it to decide whether the read goes through read-index.
    pub serializable: bool,
}

/// Write one key (etcd's `PutRequest`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutRequest {
    /// The key.
    #[serde(with = "super::text_bytes")]
    pub key: Vec<u8>,
    /// The new value.
    #[serde(with = "super::text_bytes")]
    pub value: Vec<u8>,
    /// Return the previous key-value in the response.
    pub prev_kv: bool,
    /// Attach the key to this lease (0 = none; a put without a lease detaches the key).
    #[serde(default)]
    pub lease: LeaseId,
    /// Keep the key's current value (etcd's `ignore_value`; the key must exist and `value`
    /// must be empty). Left out of the encoding when false, so older log entries and their
    /// hashes stay byte-identical.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ignore_value: bool,
    /// Keep the key's current lease (etcd's `ignore_lease`; the key must exist and `lease`
    /// must be 0). Left out of the encoding when false, like `ignore_value`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ignore_lease: bool,
}

/// For `skip_serializing_if`: a flag that is off is not written.
fn is_false(flag: &bool) -> bool {
    !flag
}

/// Delete a key or a range (etcd's `DeleteRangeRequest`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRangeRequest {
    /// First key (or the only key).
    #[serde(with = "super::text_bytes")]
    pub key: Vec<u8>,
    /// End of the range, see the module docs.
    #[serde(with = "super::text_bytes")]
    pub range_end: Vec<u8>,
    /// Return the deleted key-values.
    pub prev_kv: bool,
}

/// One operation inside a txn branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestOp {
    /// A read.
    Range(RangeRequest),
    /// A write.
    Put(PutRequest),
    /// A delete.
    DeleteRange(DeleteRangeRequest),
}

/// The relation a compare checks (etcd's `Compare.CompareResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareResult {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `<`
    Less,
    /// `>`
    Greater,
}

/// The field a compare reads, with the operand to compare it against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareTarget {
    /// The key's version (0 when absent).
    Version(i64),
    /// The key's create revision (0 when absent).
    Create(Revision),
    /// The key's mod revision (0 when absent).
    Mod(Revision),
    /// The key's value (a compare on an absent key's value is always false, like etcd).
    Value(#[serde(with = "super::text_bytes")] Vec<u8>),
}

/// One guard of a txn (etcd's `Compare`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compare {
    /// The key compared.
    #[serde(with = "super::text_bytes")]
    pub key: Vec<u8>,
    /// If set, every key in `[key, range_end)` must satisfy the compare.
    #[serde(with = "super::text_bytes")]
    pub range_end: Vec<u8>,
    /// The relation.
    pub result: CompareResult,
    /// The field and operand.
    pub target: CompareTarget,
}

/// An atomic if/then/else (etcd's `TxnRequest`): all compares true => `success`, else `failure`.
/// The whole txn is one revision, whatever it writes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnRequest {
    /// Guards, all must hold.
    pub compare: Vec<Compare>,
    /// Ops run when every compare holds.
    pub success: Vec<RequestOp>,
    /// Ops run otherwise.
    pub failure: Vec<RequestOp>,
}

/// Discard history before a revision (etcd's `CompactionRequest`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactionRequest {
    /// Reads and watches below this revision fail afterwards.
    pub revision: Revision,
}

/// Grant a lease. `now_ms` is the proposing leader's logical time (see `kv/lease.rs`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseGrantRequest {
    /// The id wanted; 0 lets the state machine assign one from the entry's Raft index.
    pub id: LeaseId,
    /// Time to live in seconds.
    pub ttl_seconds: i64,
    /// The leader's logical time when proposing.
    pub now_ms: u64,
}

/// Renew a lease for its TTL from `now_ms`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseKeepAliveRequest {
    /// The lease.
    pub id: LeaseId,
    /// The leader's logical time when proposing.
    pub now_ms: u64,
}

/// Ask how long a lease has left (a read: it does not go through the log).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseTimeToLiveRequest {
    /// The lease.
    pub id: LeaseId,
    /// Also list its keys.
    pub keys: bool,
    /// The time to measure from.
    pub now_ms: u64,
}

/// Every request the state machine applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Read.
    Range(RangeRequest),
    /// Write.
    Put(PutRequest),
    /// Delete.
    DeleteRange(DeleteRangeRequest),
    /// Transaction.
    Txn(TxnRequest),
    /// Compaction.
    Compact(CompactionRequest),
    /// Grant a lease.
    LeaseGrant(LeaseGrantRequest),
    /// Revoke a lease and delete its keys (one revision).
    LeaseRevoke(LeaseId),
    /// Renew a lease.
    LeaseKeepAlive(LeaseKeepAliveRequest),
    /// Read a lease's remaining time.
    LeaseTimeToLive(LeaseTimeToLiveRequest),
    /// List leases.
    LeaseLeases,
}

impl Request {
    /// True when the request may change the store. Read-only requests need not go through the
    /// Raft log (they can be served by read-index), and a txn counts as a write only if one of
    /// its branches writes.
    pub fn is_write(&self) -> bool {
        match self {
            Request::Range(_) | Request::LeaseTimeToLive(_) | Request::LeaseLeases => false,
            Request::Put(_)
            | Request::DeleteRange(_)
            | Request::Compact(_)
            | Request::LeaseGrant(_)
            | Request::LeaseRevoke(_)
            | Request::LeaseKeepAlive(_) => true,
            Request::Txn(txn) => txn
                .success
                .iter()
                .chain(txn.failure.iter())
                .any(|op| !matches!(op, RequestOp::Range(_))),
        }
    }
}

impl Request {
    /// Stamp lease requests with the proposer's logical time (other requests ignore it).
    /// The leader calls this when proposing; apply never reads a clock.
    pub fn stamp_time(&mut self, now_ms: u64) {
        match self {
            Request::LeaseGrant(grant) => grant.now_ms = now_ms,
            Request::LeaseKeepAlive(keep_alive) => keep_alive.now_ms = now_ms,
            Request::LeaseTimeToLive(time_to_live) => time_to_live.now_ms = now_ms,
            _ => {}
        }
    }
}

/// The end of the range that holds every key starting with `prefix` (etcd's `GetPrefixRangeEnd`):
/// the prefix with its last byte below 0xff incremented; `[0]` (all keys) if there is none.
pub fn prefix_range_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.last().copied() {
        if last < 0xff {
            if let Some(slot) = end.last_mut() {
                *slot = last + 1;
            }
            return end;
        }
        end.pop();
    }
    vec![0]
}
