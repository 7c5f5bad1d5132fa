//! Safety monitors: the invariants of SCENARIOS.md, checked after every simulator step.
//!
//! The numbers match the catalogue. Checks are incremental so that randomized runs over
//! thousands of seeds stay fast: each new persisted, committed or applied entry is compared
//! with what the whole cluster has seen before, and a new leader is compared with every entry
//! committed so far. A violation is a structured report and stops the run at that event.

use crate::raft::message::Message;
use crate::raft::node::{Event, Role};
use crate::raft::raw_node::Ready;
use crate::raft::types::{Index, NodeId, Term};
use crate::sim::node_map::Changed;
use crate::sim::queue::TimeMs;
use crate::vec_map::VecMap;
use by_index::{ByIndex, ByIndexAndTerm};
use prune::Floors;
use serde::Serialize;

/// A broken invariant, with the evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Which monitor, by its catalogue name (number and plain words).
    pub invariant: &'static str,
    /// Consequence, structure or rule (see [`Kind`]).
    pub kind: Kind,
    /// The nodes involved.
    pub nodes: Vec<NodeId>,
    /// Virtual time of the violating step.
    pub at_ms: TimeMs,
    /// Id of the first trace event after the violating step's events.
    pub event_id: u64,
    /// What was seen.
    pub evidence: String,
    /// For the learner: what the monitor protects, why it matters, and (with teaching switches
    /// on) the rule each switch breaks and the harm it leads to.
    pub explanation: String,
}

impl Violation {
    /// A violation of monitor `invariant`, with its kind and explanation from the catalogue.
    pub fn new(
        invariant: &'static str,
        nodes: Vec<NodeId>,
        at_ms: TimeMs,
        evidence: String,
    ) -> Self {
        let entry = entry(invariant);
        Violation {
            invariant,
            kind: entry.kind,
            nodes,
            at_ms,
            event_id: 0,
            evidence,
            explanation: entry.explanation.to_string(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nodes: Vec<String> = self.nodes.iter().map(|n| format!("n{n}")).collect();
        write!(
            f,
            "{} ({}) at {}ms (event #{}, nodes {}): {}",
            self.invariant,
            self.kind.name(),
            self.at_ms,
            self.event_id,
            nodes.join(","),
            self.evidence
        )
    }
}

mod by_index;
mod catalogue;
#[cfg(test)]
mod changed_check_tests;
mod consequences;
mod entry_digest;
mod prune;
mod rules;
mod structure;
mod view;
pub use catalogue::{CATALOGUE, Entry, Kind, entry, explain, names, switch_monitors};
pub use view::{AppState, NodeView};

#[derive(Clone, Debug, Default)]
struct NodeWatch {
    /// Durable term and vote last seen (survive crashes).
    term: Term,
    vote: Option<NodeId>,
    /// Volatile indexes last seen (reset on restart).
    commit: Index,
    applied: Index,
    /// While leader: the term and the last durable index when it was last seen.
    leading: Option<(Term, Index)>,
    /// The last configuration entry this node appended as leader: (term, index).
    conf_appended: Option<(Term, Index)>,
}

/// The monitors' memory of the run.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    leaders: VecMap<Term, NodeId>,
    /// Every persisted entry: (index, term) -> (term of the previous entry, data hash).
    /// The four maps by index are persistent ([`ByIndex`]: full blocks of consecutive
    /// indexes behind `Arc`s): a timeline checkpoint shares them with the live run, and each
    /// step copies only the blocks it writes.
    seen: ByIndexAndTerm<(Term, u64)>,
    /// Committed entries: index -> (entry term, term in which it was first seen committed).
    committed: ByIndex<(Term, Term)>,
    /// Applied entries: index -> (term, data hash).
    applied: ByIndex<(Term, u64)>,
    /// Application state hash after applying up to an index.
    state_at: ByIndex<(u64, u64)>,
    nodes: VecMap<NodeId, NodeWatch>,
    /// Votes granted: (voter, term) -> candidate. Survives crashes: a vote is forever.
    votes: VecMap<(NodeId, Term), NodeId>,
    /// The lowest term in `votes` (`None` when empty). The map is ordered by voter first, so
    /// its lowest term is not its first key; knowing it lets [`Monitor::prune`] skip walking
    /// every vote at every step when none is old enough to forget.
    votes_min_term: Option<Term>,
    /// Reads in progress: request context -> highest index committed when it was asked.
    reads: VecMap<Vec<u8>, Index>,
    pending: Option<Violation>,
    /// The floor and the newest committed index of the last prune: while both stay, the four
    /// maps by index hold nothing to forget (every record is made at or above the floor).
    pruned: Option<(Index, Option<Index>)>,
    /// Each node's snapshot floor and durable term as the pruning last read them: a step
    /// re-reads only the nodes it changed.
    floors: Floors,
    /// Rule monitors (11-13) switched off: runs go on until the harm itself shows.
    rules_off: bool,
    /// Every monitor switched off (`SimConfig::monitors`, a benchmark's setting): each hook
    /// returns at once and nothing is remembered.
    off: bool,
}

impl Monitor {
    /// Monitors with the rule monitors on or off (the others are always on).
    pub fn new(rule_monitors: bool) -> Monitor {
        Monitor {
            rules_off: !rule_monitors,
            ..Monitor::default()
        }
    }

    /// Monitors that watch nothing: every hook returns at once, so no violation is ever found.
    pub fn off() -> Monitor {
        Monitor {
            off: true,
            ..Monitor::default()
        }
    }

    /// The size of each of the monitors' maps, by name (for the long-run benchmark and the
    /// tests that check they stay bounded).
    pub fn sizes(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("leaders", self.leaders.len()),
            ("seen", self.seen.len()),
            ("committed", self.committed.len()),
            ("applied", self.applied.len()),
            ("state_at", self.state_at.len()),
            ("votes", self.votes.len()),
            ("reads", self.reads.len()),
        ]
    }

    /// Records a violation unless one is already recorded or `invariant` is a rule monitor that
    /// is switched off. Returns whether the monitor counts (so the caller may stop looking).
    fn fire(
        &mut self,
        invariant: &'static str,
        nodes: Vec<NodeId>,
        at_ms: TimeMs,
        evidence: String,
    ) -> bool {
        if self.rules_off && entry(invariant).kind == Kind::Rule {
            return false;
        }
        if self.pending.is_none() {
            self.pending = Some(Violation::new(invariant, nodes, at_ms, evidence));
        }
        true
    }

    /// Records the starting state of every node.
    pub fn observe_all<N: NodeView>(&mut self, nodes: &VecMap<NodeId, N>) {
        if self.off {
            return;
        }
        for node in nodes.values() {
            self.observe(node);
        }
    }

    /// Records the starting state of one node (a node added to a running harness).
    pub fn observe<N: NodeView>(&mut self, node: &N) {
        if self.off {
            return;
        }
        let watch = self.nodes.get_or_insert_with(node.id(), NodeWatch::default);
        if let Some(raft) = node.running() {
            watch.term = raft.raft().term();
            watch.vote = raft.raft().vote();
        }
    }

    /// A message left a node: a granted vote is recorded and checked (11).
    pub fn on_send(&mut self, message: &Message, now: TimeMs) {
        if self.off {
            return;
        }
        self.check_one_vote(message, now);
    }

    /// A linearizable read was requested: it must reflect everything committed by now. A
    /// context still pending keeps its first floor: the core ignores a second request with the
    /// same context, so the answer that comes belongs to the first. (The simulator's contexts
    /// are unique; the harness's scripts may repeat one.)
    pub fn on_read_requested(&mut self, ctx: &[u8]) {
        if self.off {
            return;
        }
        let committed = self.committed.last_index().unwrap_or(Index(0));
        self.reads.get_or_insert_with(ctx.to_vec(), || committed);
    }

    /// A read became servable at `index` on node `id` (10).
    pub fn on_read_served(&mut self, id: NodeId, ctx: &[u8], index: Index, now: TimeMs) {
        if self.off {
            return;
        }
        self.check_read_not_stale(id, ctx, index, now);
    }

    /// A crash: volatile state is gone; durable term and vote are kept.
    pub fn on_crash(&mut self, id: NodeId) {
        if self.off {
            return;
        }
        let watch = self.nodes.get_or_insert_with(id, NodeWatch::default);
        watch.leading = None;
    }

    /// A restart: commit and applied restart from what the node recovered.
    pub fn on_restart<N: NodeView>(&mut self, id: NodeId, nodes: &VecMap<NodeId, N>) {
        if self.off {
            return;
        }
        let Some(raft) = nodes.get(&id).and_then(N::running) else {
            return;
        };
        let watch = self.nodes.get_or_insert_with(id, NodeWatch::default);
        watch.commit = raft.raft().log().committed;
        watch.applied = raft.raft().log().applied;
        watch.leading = None;
    }

    /// A role change reported by the core: a new leader is checked against every other leader
    /// of its term (1) and against every committed entry (4).
    pub fn on_event<N: NodeView>(
        &mut self,
        id: NodeId,
        event: &Event,
        nodes: &VecMap<NodeId, N>,
        now: TimeMs,
    ) {
        if self.off {
            return;
        }
        let Event::RoleChanged {
            to_role, to_term, ..
        } = event
        else {
            return;
        };
        let watch = self.nodes.get_or_insert_with(id, NodeWatch::default);
        watch.leading = None;
        if *to_role != Role::Leader {
            return;
        }
        let Some(raft) = nodes.get(&id).and_then(N::running) else {
            return;
        };
        let log = &raft.raft().log();
        watch.leading = Some((*to_term, log.persisted_last_index()));
        self.check_election_safety(id, *to_term, now);
        self.check_leader_completeness(id, *to_term, log, now);
    }

    /// A Ready was persisted (advanced) and applied by node `id`: what it wrote is checked
    /// (2, 13, 8, 3), then what it applied (5).
    pub fn on_ready<N: NodeView>(
        &mut self,
        id: NodeId,
        ready: &Ready,
        nodes: &VecMap<NodeId, N>,
        now: TimeMs,
    ) {
        if self.off {
            return;
        }
        let Some(node) = nodes.get(&id) else { return };
        let Some(raft) = node.running() else {
            return;
        };
        let mut watch = self.nodes.get(&id).cloned().unwrap_or_default();
        self.check_leader_append_only(id, raft, ready, &mut watch, now);
        self.check_one_conf_change(id, raft, ready, &mut watch, now);
        self.check_term_and_vote(id, raft, &mut watch, now);
        self.nodes.insert(id, watch);
        self.check_log_matching(id, raft, ready, now);
        self.check_same_entries_applied(id, ready, now);
        self.check_same_state_applied(id, node, ready, now);
    }

    /// The checks that look at every node after each step; returns the first violation.
    pub fn check<N: NodeView>(
        &mut self,
        nodes: &VecMap<NodeId, N>,
        now: TimeMs,
        event_id: u64,
    ) -> Option<Violation> {
        // The full check also forgets what it can without the shortcut of `pruned`, so the
        // tests that compare the two checks prove the shortcut forgets the same.
        self.pruned = None;
        self.check_changed(nodes, Changed::ALL, now, event_id)
    }

    /// [`Monitor::check`] for a caller that knows which nodes changed since the last check:
    /// the per-node checks run only on the `changed` nodes, in id order as [`Monitor::check`]
    /// runs them. On a node that did not change they find nothing and remember nothing new
    /// (its indexes are the ones they compared and recorded last time, and a violation would
    /// have frozen the run then), so the answer is the same; the simulator's step changes one
    /// node or two of up to nine, and these checks on every node were the largest part of the
    /// monitors' cost. The changed nodes are looked up by id, not found by a walk of the map,
    /// and the pruning reads only them too (see [`prune`]).
    pub fn check_changed<N: NodeView>(
        &mut self,
        nodes: &VecMap<NodeId, N>,
        changed: Changed,
        now: TimeMs,
        event_id: u64,
    ) -> Option<Violation> {
        if self.off {
            return None;
        }
        if self.pending.is_none() {
            match changed.ids() {
                Some(ids) => {
                    for node in ids.filter_map(|id| nodes.get(&id)) {
                        self.check_node(node, nodes, now);
                        if self.pending.is_some() {
                            break;
                        }
                    }
                }
                None => {
                    for node in nodes.values() {
                        self.check_node(node, nodes, now);
                        if self.pending.is_some() {
                            break;
                        }
                    }
                }
            }
            self.prune(nodes, changed);
        }
        let mut violation = self.pending.take()?;
        violation.event_id = event_id;
        self.pending = Some(violation.clone());
        Some(violation)
    }

    /// The per-node checks after a step, in the order that makes later ones meaningful: index
    /// ordering (9), indexes never going back (7), then for each newly committed index: the
    /// leader commits its own term (12), the entry agrees with earlier commits (7) and is on a
    /// quorum's disks (6). The first violation ends the node's checks.
    fn check_node<N: NodeView>(&mut self, node: &N, nodes: &VecMap<NodeId, N>, now: TimeMs) {
        let Some(raw) = node.running() else { return };
        let id = node.id();
        if self.check_ordering(id, raw, now) {
            return;
        }
        let raft = raw.raft();
        let Some(commit_before) = self.check_indexes_never_go_back(id, raft, now) else {
            return;
        };
        if raft.log().committed == commit_before {
            return;
        }
        if self.check_current_term_commit(id, raft, now) {
            return;
        }
        for index in (commit_before.0 + 1)..=raft.log().committed.0 {
            let index = Index(index);
            let Some(term) = raft.log().term(index) else {
                continue;
            };
            if self.check_committed_entry_stays(id, raft, index, term, now) {
                return;
            }
            if raft.role() == Role::Leader
                && self.check_durable_quorum(id, raft, index, term, nodes, now)
            {
                return;
            }
        }
    }
}
