//! Responses, shaped like etcd's, plus a header that carries both clocks: the store revision
//! (etcd's `header.revision`) and the Raft index of the entry that produced the response.

use super::lease::LeaseId;
use super::types::{KeyValue, Revision};
use serde::{Deserialize, Serialize};

/// Carried by every response. `revision` is the store's revision after the request;
/// `raft_index` is the log index whose apply produced it (0 for reads served outside the log).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseHeader {
    /// Store revision after the request.
    pub revision: Revision,
    /// Raft log index of the applied entry (0 when the request did not go through the log).
    pub raft_index: u64,
}

/// Result of a range read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeResponse {
    /// Matching key-values (after sort and limit; empty with count-only).
    pub kvs: Vec<KeyValue>,
    /// True when the limit cut some keys off.
    pub more: bool,
    /// Number of keys in the range, before the limit.
    pub count: i64,
}

/// Result of a put.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutResponse {
    /// The key-value before the put, when asked for and present.
    pub prev_kv: Option<KeyValue>,
}

/// Result of a delete.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRangeResponse {
    /// How many keys were deleted.
    pub deleted: i64,
    /// The deleted key-values, when asked for.
    pub prev_kvs: Vec<KeyValue>,
}

/// Result of one op in a txn branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseOp {
    /// From a range op.
    Range(RangeResponse),
    /// From a put op.
    Put(PutResponse),
    /// From a delete op.
    DeleteRange(DeleteRangeResponse),
}

/// Result of a txn.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnResponse {
    /// True when every compare held and the success branch ran.
    pub succeeded: bool,
    /// One response per op of the branch that ran, in order.
    pub responses: Vec<ResponseOp>,
}

/// The body of a response, one variant per request kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseBody {
    /// From a range.
    Range(RangeResponse),
    /// From a put.
    Put(PutResponse),
    /// From a delete.
    DeleteRange(DeleteRangeResponse),
    /// From a txn.
    Txn(TxnResponse),
    /// From a compaction (nothing but the header).
    Compact,
    /// From a lease grant.
    LeaseGrant {
        /// The lease id (assigned if the request left it 0).
        id: LeaseId,
        /// Its TTL in seconds.
        ttl_seconds: i64,
    },
    /// From a lease revoke.
    LeaseRevoke,
    /// From a keep-alive.
    LeaseKeepAlive {
        /// The lease id.
        id: LeaseId,
        /// The TTL it was renewed for.
        ttl_seconds: i64,
    },
    /// From a time-to-live query.
    LeaseTimeToLive(LeaseTimeToLiveResponse),
    /// From a lease list.
    LeaseLeases(Vec<LeaseId>),
}

/// How long a lease has left.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseTimeToLiveResponse {
    /// The lease.
    pub id: LeaseId,
    /// Seconds left.
    pub ttl_seconds: i64,
    /// The TTL it was granted with.
    pub granted_ttl_seconds: i64,
    /// Attached keys, when asked for.
    pub keys: Vec<Vec<u8>>,
}

/// A full response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Revision and Raft index.
    pub header: ResponseHeader,
    /// What the request returned.
    pub body: ResponseBody,
}
