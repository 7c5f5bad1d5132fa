//! Nodes as a lesson names them (`leader`, `follower`, `n2`), and what lessons read of a
//! node in a live [`Sim`]. A word stays a word until the moment of use: who leads is only known
//! then.

use crate::raft::node::{Raft, Role};
use crate::raft::types::NodeId;
use crate::sim::cluster::Sim;

/// A node named in a lesson; `leader` and `follower` mean whoever it is at the moment of use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRef {
    /// The current leader (an error when there is none).
    Leader,
    /// The lowest-id running, unpaused follower.
    Follower,
    /// A fixed node.
    Id(NodeId),
}

impl NodeRef {
    /// `leader`, `follower`, `n2` or `2`.
    pub fn parse(word: &str) -> Result<NodeRef, String> {
        match word {
            "leader" => Ok(NodeRef::Leader),
            "follower" => Ok(NodeRef::Follower),
            _ => word
                .strip_prefix('n')
                .unwrap_or(word)
                .parse::<u64>()
                .ok()
                .filter(|id| (1..=crate::sim::config::NODES_MAX).contains(id))
                .map(|id| NodeRef::Id(NodeId(id)))
                .ok_or_else(|| format!("'{word}' is not a node (n1 to n9, leader or follower)")),
        }
    }

    /// The node it means in `sim` now.
    pub fn resolve(self, sim: &Sim) -> Result<NodeId, String> {
        match self {
            NodeRef::Id(id) => Ok(id),
            NodeRef::Leader => sim
                .leader()
                .ok_or_else(|| "there is no leader right now to stand for 'leader'".to_string()),
            NodeRef::Follower => sim
                .nodes()
                .values()
                .filter(|n| !n.paused)
                .find(|n| n.raft().is_some_and(|r| r.raft().role() == Role::Follower))
                .map(|n| n.id)
                .ok_or_else(|| {
                    "there is no running follower right now to stand for 'follower'".to_string()
                }),
        }
    }

    /// As written in a lesson.
    pub fn word(self) -> String {
        match self {
            NodeRef::Leader => "leader".into(),
            NodeRef::Follower => "follower".into(),
            NodeRef::Id(id) => format!("n{id}"),
        }
    }
}

/// The running Raft state of node `id`, or why there is none.
pub(super) fn running_raft(sim: &Sim, id: NodeId) -> Result<&Raft, String> {
    sim.nodes()
        .get(&id)
        .ok_or(format!("there is no node n{id}"))?
        .raft()
        .map(|r| r.raft())
        .ok_or(format!("n{id} is down"))
}

/// `down`, `paused`, or the role's name.
pub fn role_word(sim: &Sim, id: NodeId) -> Result<String, String> {
    let node = sim
        .nodes()
        .get(&id)
        .ok_or(format!("there is no node n{id}"))?;
    Ok(match node.raft() {
        None => "down".into(),
        Some(_) if node.paused => "paused".into(),
        Some(raw) => raw.raft().role().name().into(),
    })
}

/// The leader's Raft state, if there is a leader.
pub(super) fn leader_raft(sim: &Sim) -> Option<&Raft> {
    let id = sim.leader()?;
    sim.nodes().get(&id)?.raft().map(|r| r.raft())
}

/// The leader's term, if there is a leader.
pub(super) fn leader_term(sim: &Sim) -> Option<u64> {
    leader_raft(sim).map(|r| r.term().0)
}

/// The leader's commit index, if there is a leader.
pub(super) fn leader_commit(sim: &Sim) -> Option<u64> {
    leader_raft(sim).map(|r| r.log().committed.0)
}
