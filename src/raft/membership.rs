//! Membership: the active configuration, the progress of every member, and configuration
//! changes that are validated first and return a new configuration
//! (etcd-io/raft's `tracker/tracker.go` and `confchange/`).
//!
//! Thesis §4.1 allows one voter to be added or removed at a time because any majority of the old
//! and of the new configuration then overlap. Larger changes go through a joint configuration
//! (thesis §4.3): while joint, elections and commitment need a majority of both the outgoing and
//! the incoming voters. Learners (thesis §4.2.1) receive the log but neither vote nor count.
//!
//! A configuration takes effect when its entry is applied (etcd's choice). Together with "one
//! pending change at a time" and "a new leader first commits an entry of its own term" this is
//! safe; an uncommitted configuration entry that a new leader truncates never took effect.

use crate::vec_map::VecMap;
use std::collections::BTreeSet;

use super::message::{ConfChangeSingle, ConfChangeType, ConfChangeV2, ConfState};
use super::progress::Progress;
use super::quorum::{JointConfig, MajorityConfig, VoteResult};
use super::types::{Index, NodeId};

/// Why a membership (from a snapshot, from storage or produced by a change) is malformed, or
/// why a change cannot be applied. Prints as the words the traces show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MembershipError {
    /// Node id 0 means "none".
    ReservedNodeId,
    /// Learners are not voters (thesis §4.2.1).
    LearnerAndVoter(NodeId),
    /// `learners_next` holds outgoing voters only.
    LearnerNextNotOutgoingVoter(NodeId),
    /// `learners_next` and `auto_leave` only mean something in a joint configuration.
    JointFieldsOutsideJoint,
    /// Every member needs a progress.
    NoProgress(NodeId),
    /// Thesis §4.3: one joint configuration at a time.
    AlreadyJoint,
    /// A joint configuration needs an outgoing majority.
    ZeroVoterJoint,
    /// Only a joint configuration can be left.
    NotJoint,
    /// Inside a joint configuration only leaving it is allowed.
    SimpleChangeInJoint,
    /// Thesis §4.1: one voter at a time, or go through a joint configuration.
    MoreThanOneVoter,
    /// A configuration needs a voter.
    RemovedAllVoters,
}

impl std::fmt::Display for MembershipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MembershipError::ReservedNodeId => f.write_str("node id 0 is reserved"),
            MembershipError::LearnerAndVoter(id) => {
                write!(f, "{id} is both a learner and a voter")
            }
            MembershipError::LearnerNextNotOutgoingVoter(id) => {
                write!(f, "{id} is in learners_next but not an outgoing voter")
            }
            MembershipError::JointFieldsOutsideJoint => {
                f.write_str("learners_next or auto_leave set outside a joint config")
            }
            MembershipError::NoProgress(id) => write!(f, "no progress for member {id}"),
            MembershipError::AlreadyJoint => f.write_str("config is already joint"),
            MembershipError::ZeroVoterJoint => f.write_str("can't make a zero-voter config joint"),
            MembershipError::NotJoint => f.write_str("can't leave a non-joint config"),
            MembershipError::SimpleChangeInJoint => {
                f.write_str("can't apply a simple config change in a joint config")
            }
            MembershipError::MoreThanOneVoter => {
                f.write_str("more than one voter changed without entering joint config")
            }
            MembershipError::RemovedAllVoters => f.write_str("removed all voters"),
        }
    }
}

impl std::error::Error for MembershipError {}

/// The active membership.
///
/// Invariants: learners are not voters (in either half); `learners_next` are outgoing voters;
/// when not joint, `learners_next` is empty and `auto_leave` is false.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Configuration {
    /// Voters, possibly joint.
    pub voters: JointConfig,
    /// Learners.
    pub learners: BTreeSet<NodeId>,
    /// Outgoing voters demoted to learners when the joint configuration is left.
    pub learners_next: BTreeSet<NodeId>,
    /// Leave the joint configuration automatically once it is applied.
    pub auto_leave: bool,
}

impl Configuration {
    /// The configuration as stored in snapshots.
    pub fn to_conf_state(&self) -> ConfState {
        ConfState {
            voters: self.voters.incoming.voters.clone(),
            learners: self.learners.clone(),
            voters_outgoing: self.voters.outgoing.voters.clone(),
            learners_next: self.learners_next.clone(),
            auto_leave: self.auto_leave,
        }
    }

    /// A configuration from a snapshot's `ConfState`, validated (a malformed snapshot from the
    /// network is refused, not trusted).
    pub fn from_conf_state(conf: &ConfState) -> Result<Configuration, MembershipError> {
        let config = Configuration {
            voters: JointConfig {
                incoming: MajorityConfig::new(conf.voters.clone()),
                outgoing: MajorityConfig::new(conf.voters_outgoing.clone()),
            },
            learners: conf.learners.clone(),
            learners_next: conf.learners_next.clone(),
            auto_leave: conf.auto_leave,
        };
        config.check()?;
        Ok(config)
    }

    /// Whether `id` is a learner now: it receives the log but neither votes nor counts
    /// (thesis §4.2.1). The one definition of "learner": the node's own role, the leader's
    /// view of each member and the status all derive from it. A member of `learners_next` is
    /// still an outgoing voter, so not yet a learner (as in etcd).
    pub fn is_learner(&self, id: NodeId) -> bool {
        self.learners.contains(&id)
    }

    /// Every member: voters of both halves, learners and next learners.
    pub fn member_ids(&self) -> BTreeSet<NodeId> {
        let mut ids = self.voters.ids();
        ids.extend(self.learners.iter().copied());
        ids.extend(self.learners_next.iter().copied());
        ids
    }

    fn check(&self) -> Result<(), MembershipError> {
        if self.member_ids().contains(&NodeId::NONE) {
            return Err(MembershipError::ReservedNodeId);
        }
        let voters = self.voters.ids();
        if let Some(id) = self.learners.intersection(&voters).next() {
            return Err(MembershipError::LearnerAndVoter(*id));
        }
        if let Some(id) = self
            .learners_next
            .iter()
            .find(|id| !self.voters.outgoing.voters.contains(id))
        {
            return Err(MembershipError::LearnerNextNotOutgoingVoter(*id));
        }
        if !self.voters.is_joint() && (!self.learners_next.is_empty() || self.auto_leave) {
            return Err(MembershipError::JointFieldsOutsideJoint);
        }
        Ok(())
    }
}

/// The membership plus every member's progress and the votes of the current election.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressTracker {
    /// The active configuration.
    pub config: Configuration,
    /// Progress of every member (voters and learners).
    pub progress: VecMap<NodeId, Progress>,
    /// Votes received in the current election.
    pub votes: VecMap<NodeId, bool>,
    /// Flow control: appends in flight per follower.
    pub inflight_count_max: usize,
    /// Flow control: bytes in flight per follower (0 = unlimited).
    pub inflight_bytes_max: u64,
}

impl ProgressTracker {
    /// An empty tracker.
    pub fn new(inflight_count_max: usize, inflight_bytes_max: u64) -> ProgressTracker {
        ProgressTracker {
            config: Configuration::default(),
            progress: VecMap::new(),
            votes: VecMap::new(),
            inflight_count_max,
            inflight_bytes_max,
        }
    }

    /// Replaces the configuration by a snapshot's, with fresh progress for every member.
    pub fn restore(&mut self, conf: &ConfState, next: Index) -> Result<(), MembershipError> {
        let config = Configuration::from_conf_state(conf)?;
        let mut progress = VecMap::new();
        for id in config.member_ids() {
            let pr = Progress::new(next, self.inflight_count_max, self.inflight_bytes_max);
            progress.insert(id, pr);
        }
        self.config = config;
        self.progress = progress;
        self.votes.clear();
        Ok(())
    }

    /// The quorum used for counting. With `count_learners` (a teaching switch) learners are
    /// counted as if they were voters, which breaks the overlap of quorums. Borrowed without
    /// it: the leader counts after every acknowledgement, and copying the two voter sets
    /// each time cost about 700 instructions a count, a fifth of the leader's message handling.
    fn counting_config(&self, count_learners: bool) -> std::borrow::Cow<'_, JointConfig> {
        if !count_learners {
            return std::borrow::Cow::Borrowed(&self.config.voters);
        }
        let mut voters = self.config.voters.clone();
        voters
            .incoming
            .voters
            .extend(self.config.learners.iter().copied());
        std::borrow::Cow::Owned(voters)
    }

    /// The highest index acknowledged by a quorum (§5.3).
    pub fn committed(&self, count_learners: bool) -> Index {
        self.counting_config(count_learners)
            .committed_index(|id| self.progress.get(&id).map(|pr| pr.matched))
    }

    /// Clears the votes of a finished election.
    pub fn reset_votes(&mut self) {
        self.votes.clear();
    }

    /// Records a vote; the first answer of a voter counts.
    pub fn record_vote(&mut self, id: NodeId, granted: bool) {
        self.votes.get_or_insert_with(id, || granted);
    }

    /// Counts the votes: (granted, rejected, result).
    pub fn tally_votes(&self, count_learners: bool) -> (usize, usize, VoteResult) {
        let voters = self.config.voters.ids();
        let granted = voters
            .iter()
            .filter(|id| self.votes.get(id) == Some(&true))
            .count();
        let rejected = voters
            .iter()
            .filter(|id| self.votes.get(id) == Some(&false))
            .count();
        let result = self
            .counting_config(count_learners)
            .vote_result(|id| self.votes.get(&id).copied());
        (granted, rejected, result)
    }

    /// Whether a quorum was heard from recently (thesis §6.2 check-quorum). `self_id` always
    /// counts as active.
    pub fn quorum_active(&self, self_id: NodeId) -> bool {
        let result = self.config.voters.vote_result(|id| {
            if id == self_id {
                return Some(true);
            }
            self.progress.get(&id).map(|pr| pr.recent_active)
        });
        result == VoteResult::Won
    }

    /// Whether this is a one-voter, non-joint configuration.
    pub fn is_singleton(&self) -> bool {
        !self.config.voters.is_joint() && self.config.voters.incoming.voters.len() == 1
    }

    /// Whether `id` may vote in this configuration.
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.config.voters.contains(id)
    }

    /// Applies a validated change, replacing configuration and progress.
    pub fn apply(&mut self, config: Configuration, progress: VecMap<NodeId, Progress>) {
        self.config = config;
        self.progress = progress;
    }

    /// Computes the configuration and progress that `change` produces, without changing the
    /// tracker. `next` is where new members' progress starts probing.
    pub fn plan_change(
        &self,
        change: &ConfChangeV2,
        next: Index,
    ) -> Result<(Configuration, VecMap<NodeId, Progress>), MembershipError> {
        let mut changer = Changer {
            config: self.config.clone(),
            progress: self.progress.clone(),
            next,
            inflight_count_max: self.inflight_count_max,
            inflight_bytes_max: self.inflight_bytes_max,
        };
        if change.leaves_joint() {
            changer.leave_joint()?;
        } else if let Some(auto_leave) = change.enters_joint() {
            changer.enter_joint(auto_leave, &change.changes)?;
        } else {
            changer.simple(&change.changes)?;
        }
        changer.config.check()?;
        for id in changer.config.member_ids() {
            if !changer.progress.contains_key(&id) {
                return Err(MembershipError::NoProgress(id));
            }
        }
        Ok((changer.config, changer.progress))
    }
}

/// Working copy for one configuration change (etcd's `confchange.Changer`).
struct Changer {
    config: Configuration,
    progress: VecMap<NodeId, Progress>,
    next: Index,
    inflight_count_max: usize,
    inflight_bytes_max: u64,
}

impl Changer {
    /// Joint consensus, first step: outgoing := incoming, then apply the changes to incoming.
    fn enter_joint(
        &mut self,
        auto_leave: bool,
        changes: &[ConfChangeSingle],
    ) -> Result<(), MembershipError> {
        if self.config.voters.is_joint() {
            return Err(MembershipError::AlreadyJoint);
        }
        if self.config.voters.incoming.voters.is_empty() {
            return Err(MembershipError::ZeroVoterJoint);
        }
        self.config.voters.outgoing = self.config.voters.incoming.clone();
        self.apply_changes(changes)?;
        self.config.auto_leave = auto_leave;
        Ok(())
    }

    /// Joint consensus, second step: drop the outgoing half.
    fn leave_joint(&mut self) -> Result<(), MembershipError> {
        if !self.config.voters.is_joint() {
            return Err(MembershipError::NotJoint);
        }
        let learners_next = std::mem::take(&mut self.config.learners_next);
        for id in learners_next {
            self.config.learners.insert(id);
        }
        let outgoing = std::mem::take(&mut self.config.voters.outgoing.voters);
        for id in outgoing {
            let still_member = self.config.voters.incoming.voters.contains(&id)
                || self.config.learners.contains(&id);
            if !still_member {
                self.progress.remove(&id);
            }
        }
        self.config.auto_leave = false;
        Ok(())
    }

    /// A change of at most one voter, outside a joint configuration (thesis §4.1).
    fn simple(&mut self, changes: &[ConfChangeSingle]) -> Result<(), MembershipError> {
        if self.config.voters.is_joint() {
            return Err(MembershipError::SimpleChangeInJoint);
        }
        let before = self.config.voters.incoming.voters.clone();
        self.apply_changes(changes)?;
        let after = &self.config.voters.incoming.voters;
        if before.symmetric_difference(after).count() > 1 {
            return Err(MembershipError::MoreThanOneVoter);
        }
        Ok(())
    }

    fn apply_changes(&mut self, changes: &[ConfChangeSingle]) -> Result<(), MembershipError> {
        for change in changes {
            if change.node_id == NodeId::NONE {
                return Err(MembershipError::ReservedNodeId);
            }
            match change.change_type {
                ConfChangeType::AddNode => self.make_voter(change.node_id),
                ConfChangeType::AddLearnerNode => self.make_learner(change.node_id),
                ConfChangeType::RemoveNode => self.remove(change.node_id),
            }
        }
        if self.config.voters.incoming.voters.is_empty() {
            return Err(MembershipError::RemovedAllVoters);
        }
        Ok(())
    }

    fn init_progress(&mut self, id: NodeId) {
        let mut pr = Progress::new(self.next, self.inflight_count_max, self.inflight_bytes_max);
        // A new member counts as recently active so check-quorum does not depose the leader
        // before the member had a chance to answer (etcd does the same).
        pr.recent_active = true;
        self.progress.insert(id, pr);
    }

    fn make_voter(&mut self, id: NodeId) {
        if !self.progress.contains_key(&id) {
            self.init_progress(id);
        }
        self.config.learners.remove(&id);
        self.config.learners_next.remove(&id);
        self.config.voters.incoming.voters.insert(id);
    }

    fn make_learner(&mut self, id: NodeId) {
        if !self.progress.contains_key(&id) {
            self.init_progress(id);
            self.config.learners.insert(id);
            return;
        }
        if self.config.learners.contains(&id) {
            return;
        }
        self.config.voters.incoming.voters.remove(&id);
        // A voter of the outgoing half cannot become a learner until the joint config is left.
        if self.config.voters.outgoing.voters.contains(&id) {
            self.config.learners_next.insert(id);
        } else {
            self.config.learners.insert(id);
        }
    }

    fn remove(&mut self, id: NodeId) {
        if !self.progress.contains_key(&id) {
            return;
        }
        self.config.voters.incoming.voters.remove(&id);
        self.config.learners.remove(&id);
        self.config.learners_next.remove(&id);
        if !self.config.voters.outgoing.voters.contains(&id) {
            self.progress.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(tracker: &mut ProgressTracker, change: &str) {
        let change = ConfChangeV2::decode(change.as_bytes()).expect("valid change");
        let (config, progress) = tracker.plan_change(&change, Index(1)).expect("allowed");
        tracker.apply(config, progress);
    }

    /// Voters 1 to 3 and learners 4 and 5: learners count towards the commit index and the
    /// election only with the count-learners switch on.
    #[test]
    fn learners_count_towards_commit_and_votes_only_with_the_switch() {
        let mut tracker = ProgressTracker::new(4, 0);
        let conf = ConfState {
            voters: [1, 2, 3].into_iter().map(NodeId).collect(),
            learners: [4, 5].into_iter().map(NodeId).collect(),
            ..ConfState::default()
        };
        tracker.restore(&conf, Index(1)).expect("valid");
        for id in [1, 4, 5] {
            tracker
                .progress
                .get_mut(&NodeId(id))
                .expect("a member")
                .matched = Index(7);
        }
        assert_eq!(tracker.committed(false), Index(0));
        assert_eq!(tracker.committed(true), Index(7));
        for id in [1, 4, 5] {
            tracker.record_vote(NodeId(id), true);
        }
        assert_eq!(tracker.tally_votes(false), (1, 0, VoteResult::Pending));
        assert_eq!(tracker.tally_votes(true), (1, 0, VoteResult::Won));
    }

    #[test]
    fn a_demoted_outgoing_voter_becomes_a_learner_only_when_the_joint_config_is_left() {
        let mut tracker = ProgressTracker::new(4, 0);
        tracker
            .restore(&ConfState::from_voters([1, 2, 3]), Index(1))
            .expect("valid");
        apply(&mut tracker, "joint-explicit l3 l4");
        assert!(
            tracker.config.is_learner(NodeId(4)),
            "a new member joins as learner at once"
        );
        assert!(
            !tracker.config.is_learner(NodeId(3)),
            "n3 is still an outgoing voter (learners_next)"
        );
        assert!(tracker.is_voter(NodeId(3)));
        apply(&mut tracker, "leave-joint");
        assert!(tracker.config.is_learner(NodeId(3)));
        assert!(!tracker.is_voter(NodeId(3)));
        // A snapshot of the joint configuration restores the same answer.
        let mut restored = ProgressTracker::new(4, 0);
        let joint = ConfState {
            voters: [1, 2].into_iter().map(NodeId).collect(),
            voters_outgoing: [1, 2, 3].into_iter().map(NodeId).collect(),
            learners_next: [3].into_iter().map(NodeId).collect(),
            ..ConfState::default()
        };
        restored.restore(&joint, Index(1)).expect("valid");
        assert!(!restored.config.is_learner(NodeId(3)));
    }

    #[test]
    fn refused_changes_are_typed_and_keep_their_words() {
        let mut tracker = ProgressTracker::new(4, 0);
        tracker
            .restore(&ConfState::from_voters([1, 2, 3]), Index(1))
            .expect("valid");
        let two_voters = ConfChangeV2::decode(b"v4 v5").expect("decodes");
        // Two changes without a transition word enter a joint configuration (auto).
        assert!(tracker.plan_change(&two_voters, Index(1)).is_ok());
        let mut simple = two_voters.clone();
        simple.changes.truncate(1);
        simple.changes.push(ConfChangeSingle {
            change_type: ConfChangeType::RemoveNode,
            node_id: NodeId(1),
        });
        let error = Changer {
            config: tracker.config.clone(),
            progress: tracker.progress.clone(),
            next: Index(1),
            inflight_count_max: 4,
            inflight_bytes_max: 0,
        }
        .simple(&simple.changes)
        .expect_err("two voters changed at once");
        assert_eq!(error, MembershipError::MoreThanOneVoter);
        assert_eq!(
            error.to_string(),
            "more than one voter changed without entering joint config"
        );
        let leave = ConfChangeV2::default();
        assert_eq!(
            tracker.plan_change(&leave, Index(1)).map(|_| ()),
            Err(MembershipError::NotJoint)
        );
        let bad = ConfState {
            voters: [1, 2].into_iter().map(NodeId).collect(),
            learners: [2].into_iter().map(NodeId).collect(),
            ..ConfState::default()
        };
        let error = Configuration::from_conf_state(&bad).expect_err("2 is both");
        assert_eq!(error, MembershipError::LearnerAndVoter(NodeId(2)));
        assert_eq!(error.to_string(), "2 is both a learner and a voter");
    }
}
