//! Linearizable reads without writing to the log (thesis §6.4).
//!
//! **Read-index** (safe): the leader records its commit index as the read index, confirms it is
//! still leader by a round of heartbeats acknowledged by a quorum, and then the read may be
//! served once the state machine has applied up to the read index. The leader must first have
//! committed an entry of its own term (its no-op), or its commit index may be stale.
//!
//! **Lease-based** (thesis §6.4.1): the leader skips the heartbeat round while its lease holds
//! (`node/lease.rs`: from the send tick of the heartbeat a quorum echoed, for the election
//! timeout minus a margin) and falls back to the read-index round otherwise. The lease rests
//! on the followers' check-quorum promise not to vote; without check-quorum it is unsafe.

use crate::vec_map::VecMap;
use std::collections::{BTreeSet, VecDeque};

use super::message::Message;
use super::types::{Index, NodeId};

/// How reads are confirmed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReadOnlyOption {
    /// Read-index with a heartbeat round (thesis §6.4).
    #[default]
    Safe,
    /// Leader lease (thesis §6.4.1); requires check-quorum.
    LeaseBased,
}

/// A read the application may serve once it has applied `index`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadState {
    /// The read index.
    pub index: Index,
    /// The request context the application passed to `read_index`.
    pub request_ctx: Vec<u8>,
}

/// A read-index request waiting for its heartbeat quorum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadIndexStatus {
    /// The original request (its `from` tells who to answer).
    pub request: Message,
    /// The commit index when the request arrived.
    pub index: Index,
    /// Who acknowledged the heartbeat carrying this request's context.
    pub acks: BTreeSet<NodeId>,
}

/// Pending read-index requests, in arrival order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOnly {
    /// Confirmation mode.
    pub option: ReadOnlyOption,
    pending: VecMap<Vec<u8>, ReadIndexStatus>,
    queue: VecDeque<Vec<u8>>,
}

/// Bound on pending read requests, so a flood of reads cannot grow memory without limit.
pub const READS_PENDING_MAX: usize = 4096;

impl ReadOnly {
    /// No pending reads.
    pub fn new(option: ReadOnlyOption) -> ReadOnly {
        ReadOnly {
            option,
            pending: VecMap::new(),
            queue: VecDeque::new(),
        }
    }

    /// Registers a request at `index`; duplicates of a pending context are ignored.
    pub fn add_request(&mut self, index: Index, request: Message) -> bool {
        let ctx = request.context.clone();
        if self.pending.contains_key(&ctx) || self.queue.len() >= READS_PENDING_MAX {
            return false;
        }
        self.pending.insert(
            ctx.clone(),
            ReadIndexStatus {
                request,
                index,
                acks: BTreeSet::new(),
            },
        );
        self.queue.push_back(ctx);
        true
    }

    /// Records a heartbeat acknowledgement for `ctx`; returns the acks so far.
    pub fn recv_ack(&mut self, id: NodeId, ctx: &[u8]) -> Option<&BTreeSet<NodeId>> {
        let status = self.pending.get_mut(ctx)?;
        status.acks.insert(id);
        Some(&status.acks)
    }

    /// Releases the request with `ctx` and every request queued before it (a quorum that
    /// confirms a later heartbeat confirms the earlier ones too).
    pub fn advance(&mut self, ctx: &[u8]) -> Vec<ReadIndexStatus> {
        let Some(position) = self.queue.iter().position(|c| c.as_slice() == ctx) else {
            return Vec::new();
        };
        let released: Vec<Vec<u8>> = self.queue.drain(..=position).collect();
        released
            .into_iter()
            .filter_map(|c| self.pending.remove(&c))
            .collect()
    }

    /// The context of the newest pending request, carried by periodic heartbeats.
    pub fn last_pending_request_ctx(&self) -> Option<Vec<u8>> {
        self.queue.back().cloned()
    }

    /// Number of pending requests.
    pub fn pending_count(&self) -> usize {
        self.queue.len()
    }

    /// Drops every pending request (on losing leadership).
    pub fn reset(&mut self) {
        self.pending.clear();
        self.queue.clear();
    }
}
