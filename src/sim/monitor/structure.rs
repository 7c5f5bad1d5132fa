//! Structure monitors (2, 3, 8, 9): the bookkeeping that makes Raft's proof work. A break is a
//! bug in the core before it is a harm a client can see, so these fire early and point at the
//! node whose bookkeeping went wrong.

use super::entry_digest::entry_digest;
use super::{Monitor, NodeWatch, names};
use crate::raft::node::Role;
use crate::raft::raw_node::{RawNode, Ready};
use crate::raft::types::NodeId;
use crate::sim::queue::TimeMs;

impl Monitor {
    /// 2: a leader only appends after the last durable index it had when we last looked; then
    /// remembers where its durable log ends now.
    pub(super) fn check_leader_append_only(
        &mut self,
        id: NodeId,
        raft: &RawNode,
        ready: &Ready,
        watch: &mut NodeWatch,
        now: TimeMs,
    ) {
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
            watch.leading = Some((term, raft.raft().log().persisted_last_index()));
        }
    }

    /// 8: durable term never decreases; a durable vote never changes within a term. Then
    /// remembers the durable term and vote.
    pub(super) fn check_term_and_vote(
        &mut self,
        id: NodeId,
        raft: &RawNode,
        watch: &mut NodeWatch,
        now: TimeMs,
    ) {
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
    }

    /// 3: same index and term => same entry and the same previous term (hence, by induction,
    /// identical prefixes). The previous entry is the one these entries follow on disk: the
    /// in-memory log may already disagree, because while this write was in flight a newer
    /// leader's append can have truncated the unstable tail below it.
    pub(super) fn check_log_matching(
        &mut self,
        id: NodeId,
        raft: &RawNode,
        ready: &Ready,
        now: TimeMs,
    ) {
        let mut prev_term = ready
            .entries
            .first()
            .and_then(|e| raft.storage().term(e.index.prev()).ok());
        for entry in &ready.entries {
            let digest = entry_digest(entry);
            match (self.seen.get(entry.index, entry.term), prev_term) {
                (Some((seen_prev, seen_digest)), Some(prev_term))
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
                (Some((_, seen_digest)), None) if seen_digest != digest => {
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
                            .insert_new(entry.index, entry.term, (prev_term, digest));
                    }
                }
            }
            prev_term = Some(entry.term);
        }
    }

    /// 9: snapshot <= applied <= commit <= last; a leader's view of each follower has
    /// match < next. Returns whether it fired.
    pub(super) fn check_ordering(&mut self, id: NodeId, raw: &RawNode, now: TimeMs) -> bool {
        let raft = raw.raft();
        let log = &raft.log();
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
            return true;
        }
        if raft.role() == Role::Leader {
            for (peer, pr) in &raft.tracker().progress {
                if pr.matched >= pr.next {
                    self.fire(
                        names::ORDERING,
                        vec![id, *peer],
                        now,
                        format!(
                            "leader n{id} has match {} >= next {} for n{peer}",
                            pr.matched, pr.next
                        ),
                    );
                    return true;
                }
            }
        }
        false
    }
}

/// A durable vote in words ("n2", or "nobody").
fn vote_text(vote: Option<NodeId>) -> String {
    vote.map_or("nobody".to_string(), |v| format!("n{v}"))
}
