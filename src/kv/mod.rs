//! The key-value state machine: etcd's semantics, no Raft inside.
//!
//! # Two clocks: the Raft index and the revision
//!
//! Raft orders *log entries*: every entry the leader appends gets the next **index**, and a
//! node applies committed entries in index order (Raft paper §5.3). The KV store orders
//! *changes to the key space*: every write transaction gets the next **revision** (etcd's
//! MVCC, "mvcc" package). They are different clocks on purpose:
//!
//! - Not every entry is a write. A leader's no-op entry (§5.4.2, §8), a configuration change, a
//!   txn whose compare failed and whose else-branch only reads, a delete that matched nothing,
//!   a compaction, a retried command that a session deduplicates: each takes an index and leaves
//!   the revision alone. So the revision is at most the number of applied entries, and usually
//!   less.
//! - One entry is never more than one revision: a txn with ten puts is one revision, its
//!   changes told apart by a sub-revision.
//! - Reads do not go through the log at all when served by read-index (thesis §6.4): they see
//!   the revision of the node's applied state, with no index of their own.
//!
//! Both clocks are deterministic functions of the applied log, so two nodes that applied the
//! same entries have the same revision and the same state hash. Every response header carries
//! both: `revision` (what etcd calls `header.revision`) and `raft_index` (the entry that
//! produced it), so the page can show a client's answer next to the log entry behind it.
//!
//! # Revisions in the store
//!
//! The empty store is at revision 1 (etcd's convention: the first write is revision 2). Each
//! key has a `create_revision` (the put that created this incarnation), a `mod_revision` (the
//! latest put) and a `version` (puts since creation; a delete resets the key and the next put
//! starts again at version 1 with a new create revision). The store keeps each key's history,
//! so a read at an older revision and a watch from an older revision work until a compaction
//! discards history below a revision; afterwards both fail with etcd's "required revision has
//! been compacted". A revision above the current one is "a future revision".
//!
//! # Map
//!
//! - [`store`] the MVCC store; [`writer`] one write txn; [`history`] one key's history;
//!   [`range`] key ranges, sort and limit; [`compare`] txn guards; [`lease`] leases with
//!   leader-proposed time.
//! - [`request`], [`response`], [`types`]: plain data shaped like etcd's API.
//! - [`command`] encoding into log entries; [`state_machine`] `apply(index, bytes)`;
//!   [`session`] exactly-once; [`watch`] a node's watchers; [`state_hash`] the hash;
//!   [`text_bytes`] keys and values as text in entries.
//! - [`console`] the etcdctl console: parser, executor trait, etcdctl-like output.

pub mod command;
mod command_json;
pub mod compare;
pub mod console;
pub mod history;
pub mod lease;
pub mod range;
pub mod request;
pub mod response;
pub mod session;
mod snapshot;
pub mod state_hash;
pub mod state_machine;
pub mod store;
pub mod text_bytes;
pub mod types;
pub mod watch;
pub mod writer;

pub use command::Command;
pub use lease::{Lease, LeaseId, Lessor};
pub use request::{
    CompactionRequest, Compare, CompareResult, CompareTarget, DeleteRangeRequest,
    LeaseGrantRequest, LeaseKeepAliveRequest, LeaseTimeToLiveRequest, PutRequest, RangeRequest,
    Request, RequestOp, SortOrder, SortTarget, TxnRequest, prefix_range_end,
};
pub use response::{
    DeleteRangeResponse, LeaseTimeToLiveResponse, PutResponse, RangeResponse, Response,
    ResponseBody, ResponseHeader, ResponseOp, TxnResponse,
};
pub use session::SessionStamp;
pub use state_machine::{ApplyOutcome, KvStateMachine};
pub use store::MvccStore;
pub use types::{Event, EventType, KeyValue, KvError, Revision};
pub use watch::{WatchHub, WatchId};

/// Largest put raftlab accepts, key plus value bytes: 64 KiB. etcd's default request limit
/// is 1.5 MiB; the playground is deliberately smaller because every value is copied into every
/// node's log, snapshots, trace and view model at every step, and a pasted megabyte should get
/// a clear error instead of slowing the page to a crawl.
pub const REQUEST_BYTES_MAX: usize = 64 * 1024;
