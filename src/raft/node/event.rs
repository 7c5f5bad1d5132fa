//! What a node reports about itself for traces and teaching: role changes, applied or
//! rejected configurations, refused votes and appends. The simulator prints them verbatim, so
//! their text is part of the golden traces.

use std::fmt;

use super::Role;
use crate::raft::membership::MembershipError;
use crate::raft::message::ConfState;
use crate::raft::types::{Index, NodeId, Term};

/// Something noteworthy that happened inside the core, for traces and teaching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Role or term changed: prints as `n1@1 candidate -> n1@1 leader`.
    RoleChanged {
        /// The node.
        id: NodeId,
        /// Role before.
        from_role: Role,
        /// Term before.
        from_term: Term,
        /// Role after.
        to_role: Role,
        /// Term after.
        to_term: Term,
    },
    /// A committed configuration change was applied.
    ConfigApplied {
        /// The node.
        id: NodeId,
        /// The new configuration.
        conf_state: ConfState,
    },
    /// A committed configuration change was invalid and skipped.
    ConfigRejected {
        /// The node.
        id: NodeId,
        /// Why.
        reason: MembershipError,
    },
    /// A (pre-)vote request was refused.
    VoteRejected {
        /// The node.
        id: NodeId,
        /// The candidate.
        candidate: NodeId,
        /// Whether it was a pre-vote.
        pre_vote: bool,
        /// Why: one vote per term (§5.2), or the election restriction (§5.4.1).
        reason: VoteRejection,
    },
    /// An append was rejected by the consistency check (§5.3), with the hint sent back.
    AppendRejected {
        /// The node.
        id: NodeId,
        /// The leader.
        leader: NodeId,
        /// The append's previous entry (term, index) that did not match.
        prev: (Term, Index),
        /// The hint: our last entry at or below the probe with term <= the probe's term.
        hint: (Term, Index),
    },
    /// A (pre-)vote request was ignored because a leader is known to be alive (thesis §4.2.3).
    VoteIgnoredInLease {
        /// The node.
        id: NodeId,
        /// The candidate.
        candidate: NodeId,
    },
    /// A (pre-)vote request was ignored during the quiet period after a restart: the node may
    /// have promised a leader lease before it crashed (lease reads only).
    VoteIgnoredAfterRestart {
        /// The node.
        id: NodeId,
        /// The candidate.
        candidate: NodeId,
        /// Ticks of quiet left.
        ticks_left: u64,
    },
    /// A forced election timer (`campaign`) fired inside a promise not to vote: the campaign
    /// waits until the promise ends (lease reads only).
    CampaignPostponed {
        /// The node.
        id: NodeId,
        /// The leader it promised (none: the quiet period after a restart).
        leader: Option<NodeId>,
        /// Ticks until the election timer fires.
        ticks: u64,
    },
    /// The leader appended (or inherited) a configuration change that removes it from the
    /// voters or demotes it to learner: from now on it refuses proposals.
    LeaderLeaving {
        /// The leader.
        id: NodeId,
        /// The configuration entry that leaves it out.
        index: Index,
        /// Whether it stays as a learner (demoted) rather than being removed.
        learner: bool,
    },
    /// A leader outside its applied configuration asks the most caught-up voter to take over
    /// (MsgTimeoutNow).
    LeaderHandingOver {
        /// The leader.
        id: NodeId,
        /// The voter asked to take over.
        to: NodeId,
        /// Whether the leader stays as a learner (demoted) rather than being removed.
        learner: bool,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::RoleChanged {
                id,
                from_role,
                from_term,
                to_role,
                to_term,
            } => write!(
                f,
                "n{id}@{from_term} {} -> n{id}@{to_term} {}",
                from_role.name(),
                to_role.name()
            ),
            Event::ConfigApplied { id, conf_state } => write!(
                f,
                "n{id} applied config {}",
                crate::raft::message::describe_conf_state(conf_state)
            ),
            Event::ConfigRejected { id, reason } => {
                write!(f, "n{id} skipped invalid config change: {reason}")
            }
            Event::VoteRejected {
                id,
                candidate,
                pre_vote,
                reason,
            } => write!(
                f,
                "n{id} rejected {} from {candidate}: {reason}",
                if *pre_vote { "pre-vote" } else { "vote" }
            ),
            Event::AppendRejected {
                id,
                leader,
                prev,
                hint,
            } => write!(
                f,
                "n{id} rejected append from {leader}: no entry {}/{} (hint {}/{})",
                prev.0, prev.1, hint.0, hint.1
            ),
            Event::VoteIgnoredInLease { id, candidate } => write!(
                f,
                "n{id} ignored vote from {candidate}: leader lease still valid"
            ),
            Event::VoteIgnoredAfterRestart {
                id,
                candidate,
                ticks_left,
            } => write!(
                f,
                "n{id} ignored vote from {candidate}: it restarted and may have promised a \
                 lease before the crash, so it stays quiet {ticks_left} more ticks"
            ),
            Event::CampaignPostponed {
                id,
                leader: Some(leader),
                ticks,
            } => write!(
                f,
                "n{id}'s timer fired early: it keeps its promise to leader n{leader} and \
                 campaigns in {ticks} ticks unless it hears from n{leader} again"
            ),
            Event::CampaignPostponed {
                id,
                leader: None,
                ticks,
            } => write!(
                f,
                "n{id}'s timer fired early: it restarted and may have promised a lease before \
                 the crash, so it campaigns in {ticks} ticks"
            ),
            Event::LeaderLeaving { id, index, learner } => write!(
                f,
                "n{id} is leaving the voters (entry {index} {}): it refuses new proposals and \
                 keeps leading until the change is committed",
                if *learner {
                    "makes it a learner"
                } else {
                    "removes it"
                }
            ),
            Event::LeaderHandingOver { id, to, learner } => write!(
                f,
                "n{id} is no longer a voter{}: it hands leadership to n{to}",
                if *learner { " (now a learner)" } else { "" }
            ),
        }
    }
}

/// Why a voter refused a (pre-)vote. Prints as the words the traces show, e.g. `already voted
/// for 2 in term 3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteRejection {
    /// §5.2: one vote per term, and this one is taken.
    AlreadyVoted {
        /// Whom the voter voted for.
        vote: NodeId,
        /// The voter's term.
        term: Term,
    },
    /// The voter follows a leader of its term, so it has no vote to give.
    FollowsLeader {
        /// The leader it follows.
        leader: NodeId,
        /// The voter's term.
        term: Term,
    },
    /// The request is not for a term later than the voter's, and the voter neither voted nor
    /// follows anyone in it.
    StaleTerm {
        /// The request's term.
        term: Term,
    },
    /// §5.4.1 election restriction: the candidate's log is less up to date than the voter's.
    LogBehind {
        /// The candidate's last entry (term, index).
        candidate: (Term, Index),
        /// The voter's last entry (term, index).
        ours: (Term, Index),
    },
}

impl fmt::Display for VoteRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VoteRejection::AlreadyVoted { vote, term } => {
                write!(f, "already voted for {vote} in term {term}")
            }
            VoteRejection::FollowsLeader { leader, term } => {
                write!(f, "follows leader {leader} in term {term}")
            }
            VoteRejection::StaleTerm { term } => write!(f, "stale term {term}"),
            VoteRejection::LogBehind { candidate, ours } => write!(
                f,
                "candidate log {}/{} is behind ours {}/{}",
                candidate.0, candidate.1, ours.0, ours.1
            ),
        }
    }
}
