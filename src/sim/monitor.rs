//! Safety monitors: the invariants of SCENARIOS.md, checked after every simulator step.
//!
//! The numbers match the catalogue. Checks are incremental so that randomized runs over
//! thousands of seeds stay fast: each new persisted, committed or applied entry is compared
//! with what the whole cluster has seen before, and a new leader is compared with every entry
//! committed so far. A violation is a structured report and stops the run at that event.

use crate::raft::message::EntryType;
use crate::raft::node::{Event, Role};
use crate::raft::raw_node::Ready;
use crate::raft::types::{Index, NodeId, Term};
use crate::sim::hash::stable_hash;
use crate::sim::node::SimNode;
use crate::sim::queue::TimeMs;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A broken invariant, with the evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Which monitor, by its catalogue name (number and plain words).
    pub invariant: &'static str,
    /// Consequence, structure or rule (see [`Kind`]).
    pub kind: Kind,
    /// The nodes involved.
    pub nodes: Vec<u64>,
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
    pub fn new(invariant: &'static str, nodes: Vec<u64>, at_ms: TimeMs, evidence: String) -> Self {
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

mod catalogue;
pub use catalogue::{CATALOGUE, Entry, Kind, entry, explain, names, switch_monitors};

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
    leaders: BTreeMap<Term, u64>,
    /// Every persisted entry: (index, term) -> (term of the previous entry, data hash).
    seen: BTreeMap<(Index, Term), (Term, u64)>,
    /// Committed entries: index -> term.
    /// Committed entries: index -> (entry term, term in which it was first seen committed).
    committed: BTreeMap<Index, (Term, Term)>,
    /// Applied entries: index -> (term, data hash).
    applied: BTreeMap<Index, (Term, u64)>,
    /// Application state hash after applying up to an index.
    state_at: BTreeMap<Index, (u64, u64)>,
    nodes: BTreeMap<u64, NodeWatch>,
    /// Votes granted: (voter, term) -> candidate. Survives crashes: a vote is forever.
    votes: BTreeMap<(u64, Term), u64>,
    /// Reads in progress: request context -> highest index committed when it was asked.
    reads: BTreeMap<Vec<u8>, Index>,
    pending: Option<Violation>,
    /// Rule monitors (11-13) switched off: runs go on until the harm itself shows.
    rules_off: bool,
}

impl Monitor {
    /// Monitors with the rule monitors on or off (the others are always on).
    pub fn new(rule_monitors: bool) -> Monitor {
        Monitor {
            rules_off: !rule_monitors,
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
        nodes: Vec<u64>,
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
    pub fn observe_all(&mut self, nodes: &BTreeMap<u64, SimNode>) {
        for node in nodes.values() {
            let watch = self.nodes.entry(node.id).or_default();
            if let Some(raft) = node.raft() {
                watch.term = raft.raft().term();
                watch.vote = raft.raft().vote();
            }
        }
    }

    /// A message left a node. A granted vote is a promise for the whole term (§5.2), even
    /// across a crash: a node that grants two candidates the same term can elect two leaders.
    pub fn on_send(&mut self, message: &crate::raft::message::Message, now: TimeMs) {
        use crate::raft::message::MessageType;
        if message.msg_type != MessageType::MsgVoteResp || message.reject {
            return;
        }
        let (voter, candidate, term) = (message.from.0, message.to.0, message.term);
        match self.votes.get(&(voter, term)) {
            Some(&earlier) if earlier != candidate => {
                self.fire(
                    names::ONE_VOTE,
                    vec![voter, earlier, candidate],
                    now,
                    format!(
                        "n{voter} voted for n{earlier} and then for n{candidate} in term {term}"
                    ),
                );
            }
            Some(_) => {}
            None => {
                self.votes.insert((voter, term), candidate);
            }
        }
    }

    /// A linearizable read was requested: it must reflect everything committed by now.
    pub fn on_read_requested(&mut self, ctx: &[u8]) {
        let committed = self
            .committed
            .last_key_value()
            .map_or(Index(0), |(index, _)| *index);
        self.reads.insert(ctx.to_vec(), committed);
    }

    /// A read became servable at `index` on node `id`: it must not miss an entry that was
    /// committed before the read was asked (SCENARIOS: a deposed leader never returns a read
    /// that misses a newer committed write).
    pub fn on_read_served(&mut self, id: u64, ctx: &[u8], index: Index, now: TimeMs) {
        let Some(required) = self.reads.remove(ctx) else {
            return;
        };
        if index < required {
            self.fire(
                names::STALE_READ,
                vec![id],
                now,
                format!(
                    "n{id} served the read {} at index {index}, but index {required} was committed before the read was asked",
                    String::from_utf8_lossy(ctx)
                ),
            );
        }
    }

    /// A crash: volatile state is gone; durable term and vote are kept.
    pub fn on_crash(&mut self, id: u64) {
        let watch = self.nodes.entry(id).or_default();
        watch.leading = None;
    }

    /// A restart: commit and applied restart from what the node recovered.
    pub fn on_restart(&mut self, id: u64, nodes: &BTreeMap<u64, SimNode>) {
        let Some(raft) = nodes.get(&id).and_then(SimNode::raft) else {
            return;
        };
        let watch = self.nodes.entry(id).or_default();
        watch.commit = raft.raft().log().committed;
        watch.applied = raft.raft().log().applied;
        watch.leading = None;
    }

    /// A role change reported by the core.
    pub fn on_event(
        &mut self,
        id: u64,
        event: &Event,
        nodes: &BTreeMap<u64, SimNode>,
        now: TimeMs,
    ) {
        let Event::RoleChanged {
            to_role, to_term, ..
        } = event
        else {
            return;
        };
        let watch = self.nodes.entry(id).or_default();
        watch.leading = None;
        if *to_role != Role::Leader {
            return;
        }
        let Some(raft) = nodes.get(&id).and_then(SimNode::raft) else {
            return;
        };
        let log = raft.raft().log();
        watch.leading = Some((*to_term, log.persisted_last_index()));
        match self.leaders.get(to_term) {
            Some(&other) if other != id => {
                self.fire(
                    names::ELECTION_SAFETY,
                    vec![other, id],
                    now,
                    format!("n{other} and n{id} both leaders in term {to_term}"),
                );
            }
            _ => {
                self.leaders.insert(*to_term, id);
            }
        }
        let compacted_to = log.first_index().prev();
        // The property speaks of leaders of later terms than the commit (§5.4): a candidate of
        // an older term may still win with votes cast before the commit happened.
        let missing = self
            .committed
            .range(compacted_to.next()..)
            .find(|(index, (term, commit_term))| {
                commit_term < to_term && log.term(**index) != Some(*term)
            })
            .map(|(index, (term, _))| (*index, *term));
        if let Some((index, term)) = missing {
            let has = log
                .term(index)
                .map_or("nothing".into(), |t| format!("term {t}"));
            self.fire(
                names::LEADER_COMPLETENESS,
                vec![id],
                now,
                format!("new leader n{id} (term {to_term}) lacks committed entry {index}@{term}; it has {has}"),
            );
        }
    }

    /// A Ready was persisted (advanced) and applied by node `id`.
    pub fn on_ready(
        &mut self,
        id: u64,
        ready: &Ready,
        nodes: &BTreeMap<u64, SimNode>,
        now: TimeMs,
    ) {
        let Some(node) = nodes.get(&id) else { return };
        let app = &node.app;
        let Some(raft) = node.raft() else {
            return;
        };
        let log = raft.raft().log();
        // 2: a leader only appends after the last durable index it had when we last looked.
        let mut watch = self.nodes.get(&id).cloned().unwrap_or_default();
        if let (Some((term, last)), Some(first)) = (watch.leading, ready.entries.first())
            && raft.raft().term() == term
            && raft.raft().role() == Role::Leader
            && first.index <= last
        {
            self.fire(
                names::LEADER_APPEND_ONLY,
                vec![id],
                now,
                format!(
                    "leader n{id} (term {term}) rewrote its log from index {} (it had {last})",
                    first.index
                ),
            );
        }
        if let Some((term, _)) = watch.leading
            && raft.raft().role() == Role::Leader
        {
            watch.leading = Some((term, log.persisted_last_index()));
        }
        // 11: a leader appends a configuration change only when the previous one is committed
        // and an entry of its own term is committed (thesis §4.1; the 2015 single-server bug).
        if raft.raft().role() == Role::Leader {
            let term = raft.raft().term();
            for entry in ready
                .entries
                .iter()
                .filter(|e| e.entry_type != EntryType::Normal)
            {
                let previous = watch
                    .conf_appended
                    .filter(|(t, _)| *t == term)
                    .map(|(_, i)| i);
                let problem = match previous {
                    Some(index) if index > log.committed => {
                        Some(format!("the change at {index} was not committed yet"))
                    }
                    _ if log.term(log.committed) != Some(term) => {
                        Some(format!("no entry of term {term} was committed yet"))
                    }
                    _ => None,
                };
                if let Some(problem) = problem {
                    self.fire(
                        names::ONE_CONF_CHANGE,
                        vec![id],
                        now,
                        format!(
                            "leader n{id} appended a configuration change at {}, but {problem}",
                            entry.index
                        ),
                    );
                }
                watch.conf_appended = Some((term, entry.index));
            }
        }
        // 8: durable term never decreases; a durable vote never changes within a term.
        let durable = raft.storage().hard_state().clone();
        if durable.term < watch.term {
            self.fire(
                names::TERM_AND_VOTE,
                vec![id],
                now,
                format!(
                    "n{id} term went back from {} to {}",
                    watch.term, durable.term
                ),
            );
        } else if durable.term == watch.term && watch.vote.is_some() && durable.vote != watch.vote {
            self.fire(
                names::TERM_AND_VOTE,
                vec![id],
                now,
                format!(
                    "n{id} changed its vote in term {} from {} to {}",
                    durable.term,
                    vote_text(watch.vote),
                    vote_text(durable.vote)
                ),
            );
        }
        watch.term = durable.term;
        watch.vote = durable.vote;
        self.nodes.insert(id, watch);
        // 3: same index and term => same entry and the same previous term (hence, by induction,
        // identical prefixes). The previous entry is the one these entries follow on disk: the
        // in-memory log may already disagree, because while this write was in flight a newer
        // leader's append can have truncated the unstable tail below it.
        let mut prev_term = ready
            .entries
            .first()
            .and_then(|e| raft.storage().term(e.index.prev()).ok());
        for entry in &ready.entries {
            let digest = stable_hash(&(entry.entry_type as u8, &entry.data));
            match (self.seen.get(&(entry.index, entry.term)), prev_term) {
                (Some(&(seen_prev, seen_digest)), Some(prev_term))
                    if (seen_prev, seen_digest) != (prev_term, digest) =>
                {
                    self.fire(
                        names::LOG_MATCHING,
                        vec![id],
                        now,
                        format!(
                            "n{id} stored a different entry {}@{} (previous term {prev_term}, seen elsewhere with previous term {seen_prev})",
                            entry.index, entry.term
                        ),
                    );
                }
                // The previous entry is compacted away: compare the entry alone.
                (Some(&(_, seen_digest)), None) if seen_digest != digest => {
                    self.fire(
                        names::LOG_MATCHING,
                        vec![id],
                        now,
                        format!(
                            "n{id} stored a different entry {}@{} than another node",
                            entry.index, entry.term
                        ),
                    );
                }
                (Some(_), _) => {}
                (None, prev) => {
                    if let Some(prev_term) = prev {
                        self.seen
                            .insert((entry.index, entry.term), (prev_term, digest));
                    }
                }
            }
            prev_term = Some(entry.term);
        }
        // 5: every node applies the same entry at an index, and reaches the same state.
        for entry in &ready.committed_entries {
            let digest = stable_hash(&(entry.entry_type as u8, &entry.data));
            match self.applied.get(&entry.index) {
                Some(&(term, seen)) if (term, seen) != (entry.term, digest) => {
                    self.fire(
                        names::STATE_MACHINE_SAFETY,
                        vec![id],
                        now,
                        format!(
                            "n{id} applied {}@{} where another node applied {}@{term}",
                            entry.index, entry.term, entry.index
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    self.applied.insert(entry.index, (entry.term, digest));
                }
            }
        }
        if !ready.committed_entries.is_empty() || ready.snapshot.is_some() {
            let state = (app.digest(), app.applied_entries());
            match self.state_at.get(&app.applied()) {
                Some(&seen) if seen != state => {
                    self.fire(
                        names::STATE_MACHINE_SAFETY,
                        vec![id],
                        now,
                        format!(
                            "n{id} has a different application state at applied index {}",
                            app.applied()
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    self.state_at.insert(app.applied(), state);
                }
            }
        }
    }

    /// The checks that look at every node after each step; returns the first violation.
    pub fn check(
        &mut self,
        nodes: &BTreeMap<u64, SimNode>,
        now: TimeMs,
        event_id: u64,
    ) -> Option<Violation> {
        if self.pending.is_none() {
            for node in nodes.values() {
                self.check_node(node, nodes, now);
                if self.pending.is_some() {
                    break;
                }
            }
            self.prune(nodes);
        }
        let mut violation = self.pending.take()?;
        violation.event_id = event_id;
        self.pending = Some(violation.clone());
        Some(violation)
    }

    /// Forgets what no check can look at again, so the monitors' memory follows the state,
    /// not the run. Every node (up or down, voter or spare) holds a durable snapshot at or
    /// above `floor`, and a node only persists, commits, applies or restores above its
    /// snapshot, so per-index records below `floor` are never consulted again (the newest
    /// committed index is kept: reads compare with it). Likewise no node can vote or lead in a
    /// term below every node's durable term.
    fn prune(&mut self, nodes: &BTreeMap<u64, SimNode>) {
        let floor = nodes
            .values()
            .map(|n| {
                let durable = n.durable().map_or(Index(0), |d| d.first_index().prev());
                let running = n
                    .raft()
                    .map_or(durable, |r| r.raft().log().first_index().prev());
                durable.min(running)
            })
            .min()
            .unwrap_or(Index(0));
        let newest_committed = self.committed.last_key_value().map(|(i, _)| *i);
        while let Some(entry) = self.committed.first_entry()
            && *entry.key() < floor
            && Some(*entry.key()) != newest_committed
        {
            entry.remove();
        }
        while let Some(entry) = self.seen.first_entry()
            && entry.key().0 < floor
        {
            entry.remove();
        }
        while let Some(entry) = self.applied.first_entry()
            && *entry.key() < floor
        {
            entry.remove();
        }
        while let Some(entry) = self.state_at.first_entry()
            && *entry.key() < floor
        {
            entry.remove();
        }
        let lowest_term = nodes
            .values()
            .map(|n| n.durable().map_or(Term(0), |d| d.hard_state().term))
            .min()
            .unwrap_or(Term(0));
        while let Some(entry) = self.leaders.first_entry()
            && *entry.key() < lowest_term
        {
            entry.remove();
        }
        self.votes.retain(|(_, term), _| *term >= lowest_term);
    }

    fn check_node(&mut self, node: &SimNode, nodes: &BTreeMap<u64, SimNode>, now: TimeMs) {
        let Some(raw) = node.raft() else { return };
        let raft = raw.raft();
        let log = raft.log();
        let id = node.id;
        // 9: snapshot <= applied <= commit <= last; leader's view of each follower: match < next.
        let snapshot_index = raw.storage().first_index().prev();
        if !(snapshot_index <= log.applied
            && log.applied <= log.committed
            && log.committed <= log.last_index())
        {
            self.fire(
                names::ORDERING,
                vec![id],
                now,
                format!(
                    "n{id}: snapshot {snapshot_index}, applied {}, commit {}, last {}",
                    log.applied,
                    log.committed,
                    log.last_index()
                ),
            );
            return;
        }
        if raft.role() == Role::Leader {
            for (peer, pr) in &raft.tracker().progress {
                if pr.matched >= pr.next {
                    self.fire(
                        names::ORDERING,
                        vec![id, peer.0],
                        now,
                        format!(
                            "leader n{id} has match {} >= next {} for n{peer}",
                            pr.matched, pr.next
                        ),
                    );
                    return;
                }
            }
        }
        // 7: commit and applied never go back on a running node.
        let watch = self.nodes.entry(id).or_default();
        let (commit_before, applied_before) = (watch.commit, watch.applied);
        if log.committed < commit_before || log.applied < applied_before {
            self.fire(
                names::COMMITTED_NEVER_CHANGES,
                vec![id],
                now,
                format!(
                    "n{id} moved back: commit {commit_before} -> {}, applied {applied_before} -> {}",
                    log.committed, log.applied
                ),
            );
            return;
        }
        watch.commit = log.committed;
        watch.applied = log.applied;
        if log.committed == commit_before {
            return;
        }
        // §5.4.2: a leader counts replicas only for entries of its own term; older entries
        // commit indirectly. So a leader's commit index always lands on an entry of its term.
        if raft.role() == Role::Leader
            && log.term(log.committed) != Some(raft.term())
            && self.fire(
                names::CURRENT_TERM_COMMIT,
                vec![id],
                now,
                format!(
                    "leader n{id} (term {}) advanced commit to {}, an entry of {}",
                    raft.term(),
                    log.committed,
                    log.term(log.committed)
                        .map_or("a compacted term".to_string(), |t| format!("term {t}"))
                ),
            )
        {
            return;
        }
        // 7 and 4: a newly committed entry agrees with what any node committed at that index.
        for index in (commit_before.0 + 1)..=log.committed.0 {
            let index = Index(index);
            let Some(term) = log.term(index) else {
                continue;
            };
            match self.committed.get(&index).map(|(seen, _)| *seen) {
                Some(seen) if seen != term => {
                    self.fire(
                        names::COMMITTED_NEVER_CHANGES,
                        vec![id],
                        now,
                        format!("n{id} committed {index}@{term}, but {index}@{seen} was committed before"),
                    );
                    return;
                }
                Some(_) => {}
                None => {
                    self.committed.insert(index, (term, raft.term()));
                }
            }
            // 6: when the leader commits, a quorum of its configuration has the entry on disk.
            if raft.role() == Role::Leader {
                let config = &raft.tracker().config.voters;
                let durable_on = |voters: &BTreeSet<NodeId>| {
                    voters
                        .iter()
                        .filter(|v| {
                            // On disk either as a log entry or inside a snapshot that covers it.
                            nodes.get(&v.0).and_then(SimNode::durable).is_some_and(|d| {
                                d.term(index).ok() == Some(term) || index < d.first_index()
                            })
                        })
                        .count()
                };
                for half in [&config.incoming.voters, &config.outgoing.voters] {
                    if !half.is_empty() && durable_on(half) * 2 <= half.len() {
                        self.fire(
                            names::DURABLE_QUORUM,
                            vec![id],
                            now,
                            format!(
                                "leader n{id} committed {index}@{term} but only {} of {} voters have it on disk",
                                durable_on(half),
                                half.len()
                            ),
                        );
                        return;
                    }
                }
            }
        }
    }
}

/// A durable vote in words ("n2", or "nobody").
fn vote_text(vote: Option<NodeId>) -> String {
    vote.map_or("nobody".to_string(), |v| format!("n{v}"))
}
