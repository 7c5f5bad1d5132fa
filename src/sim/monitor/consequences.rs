//! Consequence monitors (1, 4, 5, 6, 7, 10): harm a user of the cluster can see, such as two
//! leaders, an acknowledged write lost or changed, replicas that disagree or a stale read. They
//! are always on: with rule monitors off, they are what catches a teaching switch's bug.

use super::entry_digest::entry_digest;
use super::{Monitor, NodeView, NodeWatch, names};
use crate::raft::log::RaftLog;
use crate::raft::node::Raft;
use crate::raft::raw_node::Ready;
use crate::raft::types::{Index, NodeId, Term};
use crate::sim::queue::TimeMs;
use crate::vec_map::VecMap;
use std::collections::BTreeSet;

impl Monitor {
    /// 1: at most one leader per term.
    pub(super) fn check_election_safety(&mut self, id: NodeId, term: Term, now: TimeMs) {
        match self.leaders.get(&term) {
            Some(&other) if other != id => {
                self.fire(
                    names::ELECTION_SAFETY,
                    vec![other, id],
                    now,
                    format!("n{other} and n{id} both leaders in term {term}"),
                );
            }
            _ => {
                self.leaders.insert(term, id);
            }
        }
    }

    /// 4: a new leader of term `term` holds every entry committed before its term.
    pub(super) fn check_leader_completeness(
        &mut self,
        id: NodeId,
        term: Term,
        log: &RaftLog,
        now: TimeMs,
    ) {
        let to_term = &term;
        let compacted_to = log.first_index().prev();
        // The property speaks of leaders of later terms than the commit (§5.4): a candidate of
        // an older term may still win with votes cast before the commit happened.
        let missing = self
            .committed
            .range_from(compacted_to.next())
            .find(|(index, (term, commit_term))| {
                commit_term < to_term && log.term(*index) != Some(*term)
            })
            .map(|(index, (term, _))| (index, term));
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

    /// 5: every node applies the same entry at an index.
    pub(super) fn check_same_entries_applied(&mut self, id: NodeId, ready: &Ready, now: TimeMs) {
        for entry in &ready.committed_entries {
            let digest = entry_digest(entry);
            match self.applied.get(entry.index) {
                Some((term, seen)) if (term, seen) != (entry.term, digest) => {
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
                    self.applied.insert_new(entry.index, (entry.term, digest));
                }
            }
        }
    }

    /// 5: every node reaches the same application state at an applied index.
    pub(super) fn check_same_state_applied<N: NodeView>(
        &mut self,
        id: NodeId,
        node: &N,
        ready: &Ready,
        now: TimeMs,
    ) {
        if ready.committed_entries.is_empty() && ready.snapshot.is_none() {
            return;
        }
        let Some(app) = node.app_state() else { return };
        let state = (app.digest, app.entries);
        match self.state_at.get(app.applied) {
            Some(seen) if seen != state => {
                self.fire(
                    names::STATE_MACHINE_SAFETY,
                    vec![id],
                    now,
                    format!(
                        "n{id} has a different application state at applied index {}",
                        app.applied
                    ),
                );
            }
            Some(_) => {}
            None => {
                self.state_at.insert_new(app.applied, state);
            }
        }
    }

    /// 7: commit and applied never go back on a running node. Returns the commit index seen
    /// before this step, or None after a violation.
    pub(super) fn check_indexes_never_go_back(
        &mut self,
        id: NodeId,
        raft: &Raft,
        now: TimeMs,
    ) -> Option<Index> {
        let log = &raft.log();
        let watch = self.nodes.get_or_insert_with(id, NodeWatch::default);
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
            return None;
        }
        watch.commit = log.committed;
        watch.applied = log.applied;
        Some(commit_before)
    }

    /// 7 and 4: a newly committed entry `index`@`term` agrees with what any node committed at
    /// that index. Returns whether it fired.
    pub(super) fn check_committed_entry_stays(
        &mut self,
        id: NodeId,
        raft: &Raft,
        index: Index,
        term: Term,
        now: TimeMs,
    ) -> bool {
        match self.committed.get(index).map(|(seen, _)| seen) {
            Some(seen) if seen != term => {
                self.fire(
                    names::COMMITTED_NEVER_CHANGES,
                    vec![id],
                    now,
                    format!(
                        "n{id} committed {index}@{term}, but {index}@{seen} was committed before"
                    ),
                );
                true
            }
            Some(_) => false,
            None => {
                self.committed.insert_new(index, (term, raft.term()));
                false
            }
        }
    }

    /// 6: when the leader commits `index`@`term`, a quorum of each half of its configuration
    /// has the entry on disk. Returns whether it fired.
    pub(super) fn check_durable_quorum<N: NodeView>(
        &mut self,
        id: NodeId,
        raft: &Raft,
        index: Index,
        term: Term,
        nodes: &VecMap<NodeId, N>,
        now: TimeMs,
    ) -> bool {
        let config = &raft.tracker().config.voters;
        let durable_on = |voters: &BTreeSet<NodeId>| {
            voters
                .iter()
                .filter(|v| {
                    // On disk either as a log entry or inside a snapshot that covers it.
                    nodes.get(v).and_then(N::durable).is_some_and(|d| {
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
                return true;
            }
        }
        false
    }

    /// 10: a read served at `index` on node `id` must not miss an entry that was committed
    /// before the read was asked (SCENARIOS: a deposed leader never returns a read that misses
    /// a newer committed write).
    pub(super) fn check_read_not_stale(
        &mut self,
        id: NodeId,
        ctx: &[u8],
        index: Index,
        now: TimeMs,
    ) {
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
}
