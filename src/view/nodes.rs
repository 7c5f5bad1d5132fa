//! One entry per node: its Raft state, timers, votes and, for a leader, its followers' progress.

use crate::raft::node::Role;
use crate::sim::cluster::Sim;
use crate::sim::node::SimNode;
use serde::{Deserialize, Serialize};

/// A node as the page shows it. A crashed node has only what survives on its disk: its term,
/// vote and log bounds; the volatile fields are absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    /// The node id (1..=9).
    pub id: u64,
    /// etcd-style name: `n1`, `n2`, ...
    pub name: String,
    /// etcd peer URL (`http://localhost:2380`, `http://localhost:22380`, ...).
    pub peer_url: String,
    /// etcd client URL (`http://localhost:2379`, `http://localhost:22379`, ...).
    pub client_url: String,
    /// The machine is down (crashed); only its disk is left.
    pub crashed: bool,
    /// The process is paused: no ticks, arriving messages wait.
    pub paused: bool,
    /// `follower`, `pre-candidate`, `candidate` or `leader`; absent when crashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Current term (a crashed node: its durable term).
    pub term: u64,
    /// Who it voted for in `term`; absent if nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<u64>,
    /// The leader it knows of; absent if none (or crashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<u64>,
    /// Commit index; absent when crashed (it is re-learned after a restart, not kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<u64>,
    /// Index applied to the KV state.
    pub applied: u64,
    /// Last log index (a crashed node: the last durable one).
    pub last_index: u64,
    /// Index of the latest snapshot: entries up to it are compacted away (0 = none).
    pub snapshot_index: u64,
    /// Ticks since the election timer was last reset; absent when crashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub election_elapsed_ticks: Option<u64>,
    /// Ticks after which the election timer fires (randomized per term); absent when crashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub election_timeout_ticks: Option<u64>,
    /// Nodes that granted this node's (pre-)vote in the running election (itself included);
    /// empty outside an election.
    pub votes_granted: Vec<u64>,
    /// Nodes that refused it.
    pub votes_rejected: Vec<u64>,
    /// A learner: it receives the log but does not vote.
    pub learner: bool,
    /// Voters of its current configuration (outgoing voters are added in a joint one).
    pub voters: Vec<u64>,
    /// Learners of its current configuration.
    pub learners: Vec<u64>,
    /// For a leader: each member's replication progress (itself included); else empty.
    pub progress: Vec<PeerProgressView>,
}

/// A leader's view of one member's replication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerProgressView {
    /// The member.
    pub peer: u64,
    /// Highest index known to match the leader's log.
    pub match_index: u64,
    /// Next index the leader sends.
    pub next_index: u64,
    /// `StateProbe`, `StateReplicate` or `StateSnapshot` (etcd's names).
    pub state: String,
    /// Append messages not yet acknowledged.
    pub inflight: u64,
    /// Heard from since the last check-quorum round.
    pub recent_active: bool,
    /// A learner.
    pub learner: bool,
    /// The snapshot index being sent while in `StateSnapshot` (0 = none).
    pub pending_snapshot: u64,
}

/// Every node, by id.
pub fn build(sim: &Sim) -> Vec<NodeView> {
    sim.nodes().values().map(node_view).collect()
}

fn node_view(node: &SimNode) -> NodeView {
    let id = node.id;
    let mut view = NodeView {
        id: id.0,
        name: format!("n{id}"),
        peer_url: crate::sim::client::peer_url(id),
        client_url: crate::sim::client::client_url(id),
        crashed: !node.is_up(),
        paused: node.paused,
        role: None,
        term: 0,
        vote: None,
        leader: None,
        commit: None,
        applied: node.app.applied().0,
        last_index: 0,
        snapshot_index: 0,
        election_elapsed_ticks: None,
        election_timeout_ticks: None,
        votes_granted: Vec::new(),
        votes_rejected: Vec::new(),
        learner: false,
        voters: Vec::new(),
        learners: Vec::new(),
        progress: Vec::new(),
    };
    let Some(raw) = node.raft() else {
        if let Some(disk) = node.durable() {
            let hard = disk.hard_state();
            view.term = hard.term.0;
            view.vote = hard.vote.map(|v| v.0);
            view.last_index = disk.last_index().0;
            view.snapshot_index = disk.first_index().0.saturating_sub(1);
            let conf = &disk.snapshot().metadata.conf_state;
            view.voters = conf.voters.iter().map(|n| n.0).collect();
            view.learners = conf.learners.iter().map(|n| n.0).collect();
        }
        return view;
    };
    let raft = raw.raft();
    let status = raw.status();
    view.role = Some(status.role.name().to_string());
    view.term = status.term.0;
    view.vote = status.vote.map(|v| v.0);
    view.leader = status.leader.map(|l| l.0);
    view.commit = Some(status.commit.0);
    view.last_index = status.last_index.0;
    view.snapshot_index = status.first_index.0.saturating_sub(1);
    view.election_elapsed_ticks = Some(status.election_elapsed_ticks);
    view.election_timeout_ticks = Some(status.randomized_election_timeout_ticks);
    view.learner = status.is_learner;
    let conf = &status.conf_state;
    let mut voters: Vec<u64> = conf
        .voters
        .iter()
        .chain(conf.voters_outgoing.iter())
        .map(|n| n.0)
        .collect();
    crate::sort::sort(&mut voters);
    voters.dedup();
    view.voters = voters;
    view.learners = conf.learners.iter().map(|n| n.0).collect();
    if matches!(status.role, Role::Candidate | Role::PreCandidate) {
        for (&voter, &granted) in &raft.tracker().votes {
            if granted {
                view.votes_granted.push(voter.0);
            } else {
                view.votes_rejected.push(voter.0);
            }
        }
    }
    if status.role == Role::Leader {
        view.progress = status
            .progress
            .iter()
            .map(|(peer, p)| PeerProgressView {
                peer: peer.0,
                match_index: p.matched.0,
                next_index: p.next.0,
                state: p.state.name().to_string(),
                inflight: p.inflight_count as u64,
                recent_active: p.recent_active,
                learner: p.is_learner,
                pending_snapshot: p.pending_snapshot.0,
            })
            .collect();
    }
    view
}
