//! Plain data shared by the store, the command encoding and the console: key-value records,
//! watch events and errors. Field names follow etcd's `mvccpb` so a reader who knows etcd
//! recognises them; revisions are `i64` because etcd's are (and JSON output must match).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A cluster revision: a logical clock of the key space that advances by one on every write
/// transaction. It is *not* the Raft log index (see the module essay in `kv/mod.rs`).
pub type Revision = i64;

/// One key's value at one revision, as etcd's `mvccpb.KeyValue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    /// The key's bytes.
    #[serde(with = "super::text_bytes")]
    pub key: Vec<u8>,
    /// Revision of the put that created this incarnation of the key (a delete ends it).
    pub create_revision: Revision,
    /// Revision of the latest put to the key.
    pub mod_revision: Revision,
    /// Number of puts since the key was (re)created: 1 after creation.
    pub version: i64,
    /// The value's bytes.
    #[serde(with = "super::text_bytes")]
    pub value: Vec<u8>,
    /// The lease the key is attached to (0 = none).
    #[serde(default)]
    pub lease: i64,
}

/// What happened to a key in a watch event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    /// The key was created or modified.
    Put,
    /// The key was deleted.
    Delete,
}

/// One change to one key, as streamed to watchers (etcd's `mvccpb.Event`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Put or delete.
    pub kind: EventType,
    /// For a put, the new key-value; for a delete, only `key` and `mod_revision` (the delete's
    /// revision) are set, like etcd. Shared with the key's history (`Change::Put`), which holds
    /// the same key-value: every node builds the event of every put it applies, watched or not.
    pub kv: std::sync::Arc<KeyValue>,
    /// The key-value before this event, when the history still holds it (shared likewise).
    pub prev_kv: Option<std::sync::Arc<KeyValue>>,
}

/// Errors the state machine returns to clients. These are operating errors (caused by input),
/// never bugs: apply returns them in the response instead of panicking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvError {
    /// The requested revision is older than the last compaction.
    Compacted,
    /// The requested revision has not happened yet.
    FutureRevision,
    /// A txn writes the same key twice (etcd refuses such a txn before applying it).
    DuplicateKey,
    /// A request without a key.
    EmptyKey,
    /// A key or value above the documented limit ([`crate::kv::REQUEST_BYTES_MAX`]).
    RequestTooLarge,
    /// A log entry whose bytes are not a command (corrupt or from another program).
    BadCommand(String),
    /// A put or keep-alive named a lease that does not exist (or was revoked).
    LeaseNotFound,
    /// A put with `ignore_value` or `ignore_lease` named a key that does not exist.
    KeyNotFound,
    /// A put with `ignore_value` also carried a value.
    ValueProvided,
    /// A put with `ignore_lease` also named a lease.
    LeaseProvided,
    /// A grant asked for an id already in use.
    LeaseExists,
    /// A grant asked for a TTL of zero or less.
    LeaseTtlInvalid,
    /// [`crate::kv::lease::LEASES_MAX`] leases exist.
    TooManyLeases,
    /// A session retry older than the latest request of that client: its cached response is gone.
    StaleSequence {
        /// The client of the session.
        client_id: u64,
        /// The sequence number that arrived.
        sequence: u64,
        /// The latest sequence number applied for that client.
        latest: u64,
    },
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvError::Compacted => write!(f, "mvcc: required revision has been compacted"),
            KvError::FutureRevision => write!(f, "mvcc: required revision is a future revision"),
            KvError::DuplicateKey => write!(f, "duplicate key given in txn request"),
            KvError::EmptyKey => write!(f, "key is not provided"),
            KvError::RequestTooLarge => write!(f, "request is too large"),
            KvError::LeaseNotFound => write!(f, "requested lease not found"),
            KvError::KeyNotFound => write!(f, "key not found"),
            KvError::ValueProvided => write!(f, "value is provided"),
            KvError::LeaseProvided => write!(f, "lease is provided"),
            KvError::LeaseExists => write!(f, "lease already exists"),
            KvError::LeaseTtlInvalid => {
                write!(f, "raftlab: a lease needs a TTL of at least 1 second")
            }
            KvError::TooManyLeases => write!(f, "raftlab: too many leases"),
            KvError::BadCommand(why) => write!(f, "raftlab: undecodable log entry: {why}"),
            KvError::StaleSequence {
                client_id,
                sequence,
                latest,
            } => write!(
                f,
                "raftlab: session {client_id}: sequence {sequence} is older than the latest applied {latest}"
            ),
        }
    }
}

impl std::error::Error for KvError {}
