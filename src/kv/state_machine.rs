//! The replicated state machine one node runs: the MVCC store plus client sessions, fed with
//! committed log entries in index order. This is the only entry point the simulator needs for
//! writes: `apply(index, bytes)`. Apply is a pure function of the state and the entry, so nodes
//! that applied the same log have equal [`KvStateMachine::state_hash`]es.

use super::command::Command;
use super::lease::LEASE_ID_BASE;
use super::request::{RangeRequest, Request};
use super::response::{Response, ResponseBody, ResponseHeader};
use super::session::{SessionVerdict, Sessions};
use super::state_hash::{DigestHasher, Feed, StateHasher};
use super::store::MvccStore;
use super::types::{Event, KvError};

/// What applying one entry produced.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApplyOutcome {
    /// The Raft index applied.
    pub index: u64,
    /// The response for the client that proposed the entry (or an error, e.g. a compacted
    /// revision or undecodable bytes).
    pub response: Result<Response, KvError>,
    /// Watch events the entry produced, for this node's watchers.
    pub events: Vec<Event>,
    /// True when a session recognised a retry and returned the cached response unapplied.
    pub deduplicated: bool,
}

/// One node's KV state: store, sessions and the applied index.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KvStateMachine {
    pub(super) store: MvccStore,
    pub(super) sessions: Sessions,
    /// Highest Raft index applied (or skipped as a non-KV entry). Never goes backwards.
    pub(super) applied_index: u64,
}

impl KvStateMachine {
    /// An empty state machine (store at revision 1, nothing applied).
    pub fn new() -> Self {
        Self::default()
    }

    /// The store, for reads and watches.
    pub fn store(&self) -> &MvccStore {
        &self.store
    }

    /// Shares `other`'s equal MVCC history chunks ([`MvccStore::share_history_with`]) and
    /// its sessions when equal ([`Sessions::share_with`]).
    pub fn share_history_with(&mut self, other: &KvStateMachine) {
        self.store.share_history_with(&other.store);
        self.sessions.share_with(&other.sessions);
    }

    /// The sessions (for the page's view).
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// The whole state as bytes, for a Raft snapshot: the same on every platform, so a
    /// snapshot taken natively restores in wasm (format: [`super::snapshot`]).
    pub fn snapshot_bytes(&self) -> Vec<u8> {
        super::snapshot::encode(self)
    }

    /// Rebuilds a state machine from [`snapshot_bytes`](Self::snapshot_bytes). Damaged bytes are
    /// refused with an error; nothing is half-restored.
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<KvStateMachine, String> {
        let mut state =
            super::snapshot::decode(bytes).map_err(|e| format!("damaged KV snapshot: {e}"))?;
        state.store.recompute_digest();
        Ok(state)
    }

    /// The highest applied Raft index.
    pub fn applied_index(&self) -> u64 {
        self.applied_index
    }

    /// Apply the committed entry at `index` whose data is `bytes`. Never panics on bad bytes.
    pub fn apply(&mut self, index: u64, bytes: &[u8]) -> ApplyOutcome {
        self.apply_decoded(index, Command::decode(bytes).as_ref())
    }

    /// [`KvStateMachine::apply`] of an entry whose bytes are decoded already (`decoded` is
    /// `Command::decode` of them): the simulator decodes each entry once for all its nodes.
    pub fn apply_decoded(
        &mut self,
        index: u64,
        decoded: Result<&Command, &KvError>,
    ) -> ApplyOutcome {
        debug_assert!(
            index > self.applied_index,
            "apply out of order: index {index} after applied {}",
            self.applied_index
        );
        self.applied_index = self.applied_index.max(index);
        let command = match decoded {
            Ok(command) => command,
            Err(error) => return outcome(index, Err(error.clone()), Vec::new(), false),
        };
        let Some(stamp) = command.session else {
            let (response, events) = self.execute(index, &command.request);
            return outcome(index, response, events, false);
        };
        match self.sessions.check(stamp) {
            SessionVerdict::Duplicate(cached) => outcome(index, cached, Vec::new(), true),
            SessionVerdict::Stale(error) => outcome(index, Err(error), Vec::new(), false),
            SessionVerdict::Apply => {
                let (response, events) = self.execute(index, &command.request);
                self.sessions.record(stamp, response.clone(), index);
                outcome(index, response, events, false)
            }
        }
    }

    /// Record that the entry at `index` was applied without KV data (Raft's own no-op and
    /// configuration entries), so the applied index stays in step with the log.
    pub fn skip(&mut self, index: u64) {
        self.applied_index = self.applied_index.max(index);
    }

    /// Serve a read from local state (after read-index, or as a serializable read). The header's
    /// `raft_index` is the applied index the read saw.
    pub fn read(&self, request: &RangeRequest) -> Result<Response, KvError> {
        let body = ResponseBody::Range(self.store.range(request)?);
        Ok(Response {
            header: self.header(self.applied_index),
            body,
        })
    }

    /// Hash of the store and the sessions: equal on nodes that applied the same entries.
    pub fn state_hash(&self) -> u64 {
        let mut hasher = StateHasher::new();
        self.store.hash_into(&mut hasher);
        self.sessions.hash_into(&mut hasher);
        hasher.finish()
    }

    /// Like [`KvStateMachine::state_hash`] (equal on nodes that applied the same entries) but
    /// O(1) in the store's history: what the monitors compare after every apply. Sessions are
    /// hashed in full; there are at most `SESSIONS_MAX` of them. A [`DigestHasher`]'s, eight
    /// bytes a round: nothing but the monitors reads it.
    pub fn digest(&self) -> u64 {
        let mut hasher = DigestHasher::new();
        hasher.u64(self.store.digest());
        self.sessions.hash_into(&mut hasher);
        hasher.finish()
    }

    /// Answer a read-only request (range, lease time-to-live, lease list) from local state;
    /// `None` when the request is not read-only.
    pub fn query(&self, request: &Request) -> Option<Result<Response, KvError>> {
        let result = self.store.read(request)?;
        Some(result.map(|body| Response {
            header: self.header(self.applied_index),
            body,
        }))
    }

    /// Run a request against the store. A lease grant without an id gets one derived from the
    /// entry's index, so every node assigns the same id.
    fn execute(
        &mut self,
        index: u64,
        request: &Request,
    ) -> (Result<Response, KvError>, Vec<Event>) {
        if let Request::LeaseGrant(grant) = request
            && grant.id == 0
        {
            let mut assigned = grant.clone();
            assigned.id = LEASE_ID_BASE + (index as i64 & 0xffff_ffff_ffff);
            return self.execute(index, &Request::LeaseGrant(assigned));
        }
        match self.store.execute(request) {
            Ok((body, events)) => (
                Ok(Response {
                    header: self.header(index),
                    body,
                }),
                events,
            ),
            Err(error) => (Err(error), Vec::new()),
        }
    }

    fn header(&self, raft_index: u64) -> ResponseHeader {
        ResponseHeader {
            revision: self.store.revision(),
            raft_index,
        }
    }
}

fn outcome(
    index: u64,
    response: Result<Response, KvError>,
    events: Vec<Event>,
    deduplicated: bool,
) -> ApplyOutcome {
    ApplyOutcome {
        index,
        response,
        events,
        deduplicated,
    }
}
