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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(from: u64, ctx: &[u8]) -> Message {
        Message {
            from: NodeId(from),
            context: ctx.to_vec(),
            ..Message::default()
        }
    }

    fn contexts(released: &[ReadIndexStatus]) -> Vec<Vec<u8>> {
        released.iter().map(|s| s.request.context.clone()).collect()
    }

    /// A context is pending once: a duplicate is refused while the first waits, and accepted
    /// again once it has been released.
    #[test]
    fn a_pending_context_is_registered_once() {
        let mut reads = ReadOnly::new(ReadOnlyOption::Safe);
        assert_eq!(reads.pending_count(), 0);
        assert!(reads.add_request(Index(3), request(1, b"a")));
        assert!(
            !reads.add_request(Index(4), request(2, b"a")),
            "a duplicate"
        );
        assert!(reads.add_request(Index(4), request(2, b"b")));
        assert_eq!(reads.pending_count(), 2);
        let released = reads.advance(b"a");
        assert_eq!(released.len(), 1);
        assert_eq!(
            (released[0].index, released[0].request.from),
            (Index(3), NodeId(1)),
            "the first request is kept, not the duplicate"
        );
        assert!(reads.add_request(Index(5), request(3, b"a")), "a again");
        assert_eq!(reads.pending_count(), 2);
    }

    /// At most `READS_PENDING_MAX` requests wait; the next is refused until one is released.
    #[test]
    fn pending_requests_are_bounded() {
        let mut reads = ReadOnly::new(ReadOnlyOption::Safe);
        for n in 0..READS_PENDING_MAX {
            let ctx = (n as u64).to_be_bytes();
            assert!(reads.add_request(Index(1), request(1, &ctx)), "request {n}");
        }
        assert_eq!(reads.pending_count(), READS_PENDING_MAX);
        assert!(!reads.add_request(Index(1), request(1, b"one more")));
        assert_eq!(reads.pending_count(), READS_PENDING_MAX);
        assert_eq!(reads.advance(&0u64.to_be_bytes()).len(), 1);
        assert!(reads.add_request(Index(1), request(1, b"one more")));
    }

    /// Acks accumulate per context, once per node; an unknown context has none.
    #[test]
    fn acks_are_counted_per_context_and_node() {
        let mut reads = ReadOnly::new(ReadOnlyOption::Safe);
        reads.add_request(Index(3), request(1, b"a"));
        reads.add_request(Index(3), request(1, b"b"));
        assert_eq!(reads.recv_ack(NodeId(9), b"none"), None);
        let acks = reads.recv_ack(NodeId(2), b"a").cloned();
        assert_eq!(acks, Some(BTreeSet::from([NodeId(2)])));
        reads.recv_ack(NodeId(3), b"a");
        let acks = reads.recv_ack(NodeId(2), b"a").cloned();
        assert_eq!(acks, Some(BTreeSet::from([NodeId(2), NodeId(3)])));
        let acks = reads.recv_ack(NodeId(3), b"b").cloned();
        assert_eq!(acks, Some(BTreeSet::from([NodeId(3)])), "b's own acks");
    }

    /// A confirmed context releases itself and every request before it, in arrival order,
    /// and leaves the later ones pending; an unknown context releases nothing.
    #[test]
    fn advance_releases_the_context_and_everything_before_it() {
        let mut reads = ReadOnly::new(ReadOnlyOption::Safe);
        for (index, ctx) in [(3, b"a"), (4, b"b"), (5, b"c"), (6, b"d")] {
            reads.add_request(Index(index), request(1, ctx));
        }
        assert!(reads.advance(b"x").is_empty());
        assert_eq!(reads.pending_count(), 4);
        assert_eq!(reads.last_pending_request_ctx(), Some(b"d".to_vec()));
        let released = reads.advance(b"b");
        assert_eq!(contexts(&released), [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(released[1].index, Index(4));
        assert_eq!(reads.pending_count(), 2);
        assert_eq!(reads.recv_ack(NodeId(2), b"a"), None, "a is gone");
        assert!(reads.recv_ack(NodeId(2), b"c").is_some(), "c still waits");
        assert!(reads.advance(b"a").is_empty(), "already released");
        let released = reads.advance(b"d");
        assert_eq!(contexts(&released), [b"c".to_vec(), b"d".to_vec()]);
        assert_eq!(reads.pending_count(), 0);
        assert_eq!(reads.last_pending_request_ctx(), None);
    }

    #[test]
    fn reset_drops_every_pending_request() {
        let mut reads = ReadOnly::new(ReadOnlyOption::LeaseBased);
        reads.add_request(Index(3), request(1, b"a"));
        reads.add_request(Index(3), request(1, b"b"));
        reads.reset();
        assert_eq!(reads.pending_count(), 0);
        assert_eq!(reads.last_pending_request_ctx(), None);
        assert_eq!(reads.recv_ack(NodeId(2), b"a"), None);
        assert!(reads.advance(b"b").is_empty());
        assert!(
            reads.add_request(Index(4), request(1, b"a")),
            "a may wait again"
        );
    }
}
