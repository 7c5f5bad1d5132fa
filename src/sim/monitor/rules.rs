//! Rule monitors (11-13): each restates a rule of the algorithm that a teaching switch breaks,
//! and fires at the broken rule, before any harm. `Monitor::fire` ignores them when rule
//! monitors are switched off, so a run goes on until a consequence monitor sees the harm.

use super::{Monitor, NodeWatch, names};
use crate::raft::message::{EntryType, Message, MessageType};
use crate::raft::node::{Raft, Role};
use crate::raft::raw_node::{RawNode, Ready};
use crate::raft::types::NodeId;
use crate::sim::queue::TimeMs;

impl Monitor {
    /// 11: a granted vote is a promise for the whole term (§5.2), even across a crash: a node
    /// that grants two candidates the same term can elect two leaders.
    pub(super) fn check_one_vote(&mut self, message: &Message, now: TimeMs) {
        if message.msg_type != MessageType::MsgVoteResp || message.reject {
            return;
        }
        let (voter, candidate, term) = (message.from, message.to, message.term);
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
                self.votes_min_term = Some(self.votes_min_term.map_or(term, |min| min.min(term)));
            }
        }
    }

    /// 12: a leader counts replicas only for entries of its own term; older entries commit
    /// indirectly (§5.4.2). So a leader's commit index always lands on an entry of its term.
    /// Returns whether the violation counts (the caller then stops checking this node).
    pub(super) fn check_current_term_commit(
        &mut self,
        id: NodeId,
        raft: &Raft,
        now: TimeMs,
    ) -> bool {
        let log = &raft.log();
        raft.role() == Role::Leader
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
    }

    /// 13: a leader appends a configuration change only when the previous one is committed and
    /// an entry of its own term is committed (thesis §4.1; the 2015 single-server bug).
    pub(super) fn check_one_conf_change(
        &mut self,
        id: NodeId,
        raft: &RawNode,
        ready: &Ready,
        watch: &mut NodeWatch,
        now: TimeMs,
    ) {
        if raft.raft().role() != Role::Leader {
            return;
        }
        let log = &raft.raft().log();
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
}
