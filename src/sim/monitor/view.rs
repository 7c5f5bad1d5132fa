//! What the monitors read of a node, as a small trait, so one copy of the invariant code checks
//! both the simulator's machines ([`SimNode`]) and the scripted Raft tests' harness nodes
//! (tests/raft_harness). Before, the harness re-implemented a weaker subset of the monitors;
//! two copies of a safety check drift apart, and a bug caught by one is missed by the other.
//!
//! The view is deliberately the Raft node itself plus its disk: the monitors read the core's
//! log, progress tracker and configuration, and the harness and the simulator both run the same
//! [`RawNode`]. What differs between them is only where the disk is and whether there is an
//! application to compare.

use crate::raft::raw_node::RawNode;
use crate::raft::storage::MemStorage;
use crate::raft::types::{Index, NodeId};
use crate::sim::node::SimNode;

/// An application's state as monitor 5 compares it across replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppState {
    /// Digest of the state after applying up to `applied`.
    pub digest: u64,
    /// How many entries were applied to reach it.
    pub entries: u64,
    /// The index applied up to.
    pub applied: Index,
}

/// One node as the monitors see it.
pub trait NodeView {
    /// The node's id.
    fn id(&self) -> NodeId;
    /// The running Raft node; None while crashed.
    fn running(&self) -> Option<&RawNode>;
    /// What would survive a crash right now; None if nothing is known.
    fn durable(&self) -> Option<&MemStorage>;
    /// The application's state, or None for a node without one (the harness applies nothing).
    fn app_state(&self) -> Option<AppState>;
}

impl NodeView for SimNode {
    fn id(&self) -> NodeId {
        self.id
    }
    fn running(&self) -> Option<&RawNode> {
        self.raft()
    }
    fn durable(&self) -> Option<&MemStorage> {
        SimNode::durable(self)
    }
    fn app_state(&self) -> Option<AppState> {
        Some(AppState {
            digest: self.app.digest(),
            entries: self.app.applied_entries(),
            applied: self.app.applied(),
        })
    }
}
