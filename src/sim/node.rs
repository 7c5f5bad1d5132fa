//! One simulated machine: a Raft node, its application, and its disk.
//!
//! The persistence contract is modelled literally. A Ready's writes take disk time; until they
//! are durable the node's acknowledgements stay unsent (the core's rule: responses that depend
//! on durable state leave only after it is durable). A crash keeps exactly what was durable and
//! loses the rest, including the commit index and role, which the restarted node re-learns.

use crate::raft::config::Config;
use crate::raft::raw_node::{RawNode, Ready};
use crate::raft::storage::MemStorage;
use crate::raft::types::NodeId;
use crate::sim::app::NodeApp;

/// Whether the machine is running.
///
/// The Ready on its way to disk is held in place, not boxed: a machine stays inside its node
/// and is not moved around, and a box for each disk write was 8% of the simulator's
/// allocations (callgrind, the page's recorded run).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Machine {
    /// Running: the Raft node, and a Ready whose writes are on their way to disk.
    Up {
        raft: Box<RawNode>,
        writing: Option<Ready>,
    },
    /// Crashed: only the disk survives.
    Down { disk: Box<MemStorage> },
}

/// A simulated machine.
#[derive(Clone, Debug)]
pub struct SimNode {
    /// The node id.
    pub id: NodeId,
    /// Configuration used to (re)start the Raft node.
    pub raft_config: Config,
    /// Running or crashed.
    pub machine: Machine,
    /// The applied state.
    pub app: NodeApp,
    /// Bumped on every crash and restart, so timer and disk events of a previous life are
    /// recognised and ignored.
    pub epoch: u64,
    /// A paused process neither ticks nor handles messages; messages wait in `parked`.
    pub paused: bool,
    /// Messages that arrived while paused, in arrival order.
    pub parked: Vec<u64>,
    /// Ticks that came due while paused (capped): a paused process's clock keeps running, so
    /// on resume it first catches up on them, then handles the parked messages.
    pub missed_ticks: u64,
    /// With the lying-disk fault: what is really on the platter (flushed later than acked).
    pub platter: Option<Box<MemStorage>>,
    /// Clients' watches on this node (volatile: a crash closes them, as it would close the
    /// gRPC streams of a real etcd member).
    pub watches: crate::kv::watch::WatchHub,
}

impl SimNode {
    /// The running Raft node, if up.
    pub fn raft(&self) -> Option<&RawNode> {
        match &self.machine {
            Machine::Up { raft, .. } => Some(raft),
            Machine::Down { .. } => None,
        }
    }

    /// The running Raft node, mutably, if up.
    pub fn raft_mut(&mut self) -> Option<&mut RawNode> {
        match &mut self.machine {
            Machine::Up { raft, .. } => Some(raft),
            Machine::Down { .. } => None,
        }
    }

    /// Whether the machine is running (paused or not).
    pub fn is_up(&self) -> bool {
        matches!(self.machine, Machine::Up { .. })
    }

    /// Whether a disk write is in progress.
    pub fn is_writing(&self) -> bool {
        matches!(
            self.machine,
            Machine::Up {
                writing: Some(_),
                ..
            }
        )
    }

    /// What survives a crash right now.
    pub fn durable(&self) -> Option<&MemStorage> {
        if let Some(platter) = &self.platter {
            return Some(platter);
        }
        match &self.machine {
            Machine::Up { raft, .. } => Some(raft.storage()),
            Machine::Down { disk } => Some(disk),
        }
    }
}
