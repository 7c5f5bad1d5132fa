//! The protocol: one `step` that handles terms for every role, then a handler per role
//! (etcd-io/raft's `raft.go`). Only the `become_*` functions change the role.
//!
//! This file holds the node's state, role changes, ticks and message dispatch; the handlers
//! live in one file per concern: `election`, `follower`, `leader`, `reads`,
//! `requests` (this node's own application) and `config_change`.

mod config_change;
mod election;
mod follower;
mod leader;
mod lease;
mod reads;
mod requests;

use std::fmt;

use super::config::{Config, UnsafeSwitch};
use super::log::RaftLog;
use super::membership::{Configuration, ProgressTracker};
use super::message::{
    ConfChangeV2, ConfState, Entry, EntryType, HardState, Message, MessageType, Snapshot,
};
use super::progress::{Progress, ProgressState};
use super::quorum::VoteResult;
use super::read_only::{ReadOnly, ReadOnlyOption, ReadState};
use super::storage::MemStorage;
use super::types::{Index, NodeId, SeededRng, Term};

pub use lease::{LEASE_MARGIN_TICKS, LeaderLease};

/// Context of a vote request sent because of a leadership transfer: it may bypass the
/// check-quorum lease, since the current leader asked for it (thesis §3.10).
pub const CAMPAIGN_TRANSFER: &[u8] = b"CampaignTransfer";

/// Bound on recorded events between two drains.
const EVENTS_MAX: usize = 4096;

/// Bound on reads waiting for the leader's first own-term commit.
const READS_WAITING_MAX: usize = 4096;

/// A node's role (paper Figure 4, plus thesis §9.6's pre-candidate).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Role {
    /// Passive: answers leaders and candidates.
    #[default]
    Follower,
    /// Asking whether it could win, without raising its term (pre-vote).
    PreCandidate,
    /// Asking for votes in a new term.
    Candidate,
    /// Handles proposals and replicates the log.
    Leader,
}

impl Role {
    /// Stable lower-case name: `follower`, `pre-candidate`, `candidate`, `leader`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }
}

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
        reason: String,
    },
    /// A (pre-)vote request was refused.
    VoteRejected {
        /// The node.
        id: NodeId,
        /// The candidate.
        candidate: NodeId,
        /// Whether it was a pre-vote.
        pre_vote: bool,
        /// Why, in words (one vote per term §5.2, or the election restriction §5.4.1).
        reason: String,
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
                super::message::describe_conf_state(conf_state)
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

/// Why a proposal, read, transfer or campaign was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposeError {
    /// No leader is known to forward to.
    NoLeader,
    /// Only the leader can do this.
    NotLeader,
    /// A leadership transfer is in progress (thesis §3.10: proposals wait).
    TransferInProgress,
    /// This node is not a member of the configuration.
    NotMember,
    /// Proposals must carry at least one entry.
    Empty,
    /// A configuration change was refused, with the reason.
    ConfChangeRefused(String),
    /// This leader has appended a change that removes it (or demotes it to learner): it only
    /// finishes that change and then hands over, so new proposals go to the next leader.
    Leaving,
}

impl fmt::Display for ProposeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProposeError::NoLeader => f.write_str("no leader known"),
            ProposeError::NotLeader => f.write_str("not the leader"),
            ProposeError::TransferInProgress => f.write_str("leadership transfer in progress"),
            ProposeError::NotMember => f.write_str("not a member of the configuration"),
            ProposeError::Empty => f.write_str("empty proposal"),
            ProposeError::ConfChangeRefused(reason) => {
                write!(f, "configuration change refused: {reason}")
            }
            ProposeError::Leaving => f.write_str(
                "this leader is leaving the configuration; send proposals to the next leader",
            ),
        }
    }
}

impl std::error::Error for ProposeError {}

/// Why a message was refused without being processed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    /// Addressed to another node.
    WrongRecipient,
    /// Fields that cannot come from a correct sender; the reason names the field.
    Malformed(&'static str),
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::WrongRecipient => f.write_str("message addressed to another node"),
            StepError::Malformed(why) => write!(f, "malformed message: {why}"),
        }
    }
}

impl std::error::Error for StepError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CampaignKind {
    PreElection,
    Election,
    Transfer,
}

/// The state of one Raft node. Driven through [`RawNode`](super::RawNode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raft {
    /// This node.
    pub id: NodeId,
    /// Current term (durable).
    pub term: Term,
    /// Vote in the current term (durable).
    pub vote: Option<NodeId>,
    /// The log.
    pub log: RaftLog,
    /// Configuration, progress and votes.
    pub tracker: ProgressTracker,
    /// Current role.
    pub role: Role,
    /// The leader this node follows, if known.
    pub leader: Option<NodeId>,
    /// Target of a leadership transfer in progress.
    pub lead_transferee: Option<NodeId>,
    /// Index of the latest configuration entry this leader appended. A new change is refused
    /// until it is applied, and a new leader sets it to the index of its no-op, so no change is
    /// accepted before the leader's own-term no-op is applied (thesis §4.1 safeguard).
    pub pending_conf_index: Index,
    /// Pending read-index requests.
    pub read_only: ReadOnly,
    /// Reads confirmed and ready for the application.
    pub read_states: Vec<ReadState>,
    /// Reads that arrived before this leader committed an entry of its term (thesis §6.4).
    pending_read_index_messages: Vec<Message>,
    /// The leader lease of this term (lease reads only; see `lease.rs`).
    pub lease: LeaderLease,
    /// Ticks since this node booted, starting at 1: the clock heartbeats carry for the
    /// lease. Monotonic, never reset, so an echo can be compared with now.
    pub clock_ticks: u64,
    /// With lease reads: ticks left of the quiet period after a restart (no votes granted,
    /// no campaign), during which a promise made before the crash may still run.
    pub quiet_ticks_left: u64,
    /// Ticks since the last election timeout reset.
    pub election_elapsed_ticks: u64,
    /// Ticks since the last heartbeat (leader).
    pub heartbeat_elapsed_ticks: u64,
    /// This round's timeout, drawn from `[T, 2T)`.
    pub randomized_election_timeout_ticks: u64,
    /// Whether this node is a learner.
    pub is_learner: bool,
    /// Leader only: the newest configuration in its log (applied or not) leaves it out of the
    /// incoming voters, so it refuses proposals until it has handed over (see `config_change`).
    pub leaving: bool,
    /// Leader only: the voter it last asked to take over, so the event is recorded once.
    handover_to: Option<NodeId>,
    /// Follower only: the leader asked it to campaign (MsgTimeoutNow) while entries it had just
    /// learned were committed, or a committed configuration change, were still unapplied; it
    /// campaigns at its first tick after applying them.
    campaign_after_apply: bool,
    /// Configurations applied since the durable snapshot, for compaction.
    conf_history: Vec<(Index, ConfState)>,
    config: Config,
    rng: SeededRng,
    msgs: Vec<Message>,
    events: Vec<Event>,
}

impl Raft {
    /// A node restarting from durable storage (a fresh node is a restart with empty storage).
    pub fn new(config: &Config, storage: MemStorage) -> Result<Raft, super::config::ConfigError> {
        config.validate()?;
        let (hard_state, conf_state) = storage.initial_state();
        let log = RaftLog::new(storage);
        let mut tracker = ProgressTracker::new(config.inflight_msgs_max, config.inflight_bytes_max);
        tracker
            .restore(&conf_state, log.last_index().next())
            .map_err(super::config::ConfigError)?;
        let mut raft = Raft {
            id: config.id,
            term: hard_state.term,
            vote: hard_state.vote,
            log,
            tracker,
            role: Role::Follower,
            leader: None,
            lead_transferee: None,
            pending_conf_index: Index(0),
            read_only: ReadOnly::new(config.read_only),
            read_states: Vec::new(),
            pending_read_index_messages: Vec::new(),
            lease: LeaderLease::default(),
            clock_ticks: 1,
            quiet_ticks_left: 0,
            election_elapsed_ticks: 0,
            heartbeat_elapsed_ticks: 0,
            randomized_election_timeout_ticks: config.election_timeout_ticks,
            is_learner: false,
            leaving: false,
            handover_to: None,
            campaign_after_apply: false,
            conf_history: Vec::new(),
            rng: SeededRng::new(config.seed ^ config.id.0.rotate_left(32)),
            config: config.clone(),
            msgs: Vec::new(),
            events: Vec::new(),
        };
        raft.is_learner = raft.tracker.config.learners.contains(&raft.id);
        let term = raft.term;
        raft.reset(term);
        // A node that lived before (it has a term) may have promised a leader not to vote
        // just before it crashed; the promise was in memory. Keep it for one election timeout.
        if raft.keeps_lease_promises() && term.0 > 0 {
            raft.quiet_ticks_left = config.election_timeout_ticks;
        }
        Ok(raft)
    }

    /// The configuration this node runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current hard state.
    pub fn hard_state(&self) -> HardState {
        HardState {
            term: self.term,
            vote: self.vote,
            commit: self.log.committed,
        }
    }

    fn switch(&self, switch: UnsafeSwitch) -> bool {
        self.config.is_on(switch)
    }

    /// Takes the messages produced so far.
    pub fn take_messages(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.msgs)
    }

    /// Whether messages wait to be sent.
    pub fn has_messages(&self) -> bool {
        !self.msgs.is_empty()
    }

    /// Takes the events recorded so far.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    fn record(&mut self, event: Event) {
        if self.events.len() < EVENTS_MAX {
            self.events.push(event);
        }
    }

    fn send(&mut self, mut m: Message) {
        m.from = self.id;
        let keeps_own_term = matches!(
            m.msg_type,
            MessageType::MsgVote
                | MessageType::MsgVoteResp
                | MessageType::MsgPreVote
                | MessageType::MsgPreVoteResp
        );
        let local_request = matches!(m.msg_type, MessageType::MsgProp | MessageType::MsgReadIndex);
        if !keeps_own_term && !local_request {
            m.term = self.term;
        }
        self.msgs.push(m);
    }

    /// Whether this node may become leader: a voter of its own configuration.
    pub fn promotable(&self) -> bool {
        self.tracker.is_voter(self.id)
    }

    // ----- role changes -------------------------------------------------------------------

    fn reset(&mut self, term: Term) {
        if self.term != term {
            self.term = term;
            self.vote = None;
        }
        self.leader = None;
        self.election_elapsed_ticks = 0;
        self.heartbeat_elapsed_ticks = 0;
        self.reset_randomized_election_timeout();
        self.lead_transferee = None;
        self.leaving = false;
        self.handover_to = None;
        self.campaign_after_apply = false;
        self.tracker.reset_votes();
        let next = self.log.last_index().next();
        let persisted = self.log.persisted_last_index();
        let (count_max, bytes_max) = (
            self.tracker.inflight_count_max,
            self.tracker.inflight_bytes_max,
        );
        let self_id = self.id;
        for (&id, pr) in self.tracker.progress.iter_mut() {
            let is_learner = pr.is_learner;
            *pr = Progress::new(next, count_max, bytes_max);
            pr.is_learner = is_learner;
            pr.recent_active = false;
            if id == self_id {
                pr.matched = persisted;
                pr.recent_active = true;
            }
        }
        self.read_only.reset();
        self.pending_read_index_messages.clear();
        self.lease.clear();
    }

    fn reset_randomized_election_timeout(&mut self) {
        let timeout = self.config.election_timeout_ticks;
        self.randomized_election_timeout_ticks =
            self.rng.in_range(timeout, timeout.saturating_mul(2));
    }

    fn note_role_change(&mut self, from_role: Role, from_term: Term) {
        let event = Event::RoleChanged {
            id: self.id,
            from_role,
            from_term,
            to_role: self.role,
            to_term: self.term,
        };
        self.record(event);
    }

    /// Becomes a follower of `leader` in `term`.
    pub fn become_follower(&mut self, term: Term, leader: Option<NodeId>) {
        let (from_role, from_term) = (self.role, self.term);
        self.reset(term);
        self.leader = leader;
        self.role = Role::Follower;
        if from_role != Role::Follower || from_term != term {
            self.note_role_change(from_role, from_term);
        }
    }

    fn become_pre_candidate(&mut self) {
        debug_assert!(
            self.role != Role::Leader,
            "n{} term {}: leader cannot become pre-candidate",
            self.id,
            self.term
        );
        let (from_role, from_term) = (self.role, self.term);
        // Pre-vote changes neither the term nor the vote (thesis §9.6).
        self.tracker.reset_votes();
        self.leader = None;
        self.role = Role::PreCandidate;
        self.note_role_change(from_role, from_term);
    }

    fn become_candidate(&mut self) {
        debug_assert!(
            self.role != Role::Leader,
            "n{} term {}: leader cannot become candidate",
            self.id,
            self.term
        );
        let (from_role, from_term) = (self.role, self.term);
        let term = self.term.next();
        self.reset(term);
        self.vote = Some(self.id);
        self.role = Role::Candidate;
        self.note_role_change(from_role, from_term);
    }

    fn become_leader(&mut self) {
        debug_assert!(
            self.role != Role::Follower,
            "n{} term {}: follower cannot become leader directly",
            self.id,
            self.term
        );
        let (from_role, from_term) = (self.role, self.term);
        let term = self.term;
        self.reset(term);
        self.leader = Some(self.id);
        self.role = Role::Leader;
        if let Some(pr) = self.tracker.progress.get_mut(&self.id) {
            pr.become_replicate();
        }
        // §5.4.2 / §8: a no-op of the new term lets the leader commit (and learn the commit
        // index for reads) without waiting for a client.
        self.append_entries(vec![Entry::default()]);
        // No configuration change before this leader's no-op is applied: the fix for the
        // single-server change bug (Ongaro, raft-dev 2015; thesis §4.1 errata). etcd stops one
        // entry short of this; we include the no-op so the rule holds literally.
        self.pending_conf_index = if self.switch(UnsafeSwitch::NoMembershipSafeguard) {
            Index(0)
        } else {
            self.log.last_index()
        };
        self.note_role_change(from_role, from_term);
        // A leader may inherit an unapplied change that leaves it out (its predecessor appended
        // it), or win while it is only in the outgoing half of a joint configuration.
        self.update_leaving();
    }

    // ----- ticks ---------------------------------------------------------------------------

    /// Advances logical time by one tick.
    pub fn tick(&mut self) {
        self.clock_ticks = self.clock_ticks.saturating_add(1);
        self.quiet_ticks_left = self.quiet_ticks_left.saturating_sub(1);
        match self.role {
            Role::Leader => self.tick_heartbeat(),
            _ => self.tick_election(),
        }
    }

    fn tick_election(&mut self) {
        self.election_elapsed_ticks += 1;
        if self.campaign_after_apply && !self.has_unapplied_conf_change() {
            // The campaign a MsgTimeoutNow asked for (see `step_follower`); `hup` checks that
            // this node is still a voter of the configuration it applied.
            self.campaign_after_apply = false;
            self.election_elapsed_ticks = 0;
            self.hup(true);
            return;
        }
        if self.promotable()
            && self.election_elapsed_ticks >= self.randomized_election_timeout_ticks
        {
            self.election_elapsed_ticks = 0;
            self.hup(false);
        }
    }

    fn tick_heartbeat(&mut self) {
        self.heartbeat_elapsed_ticks += 1;
        self.election_elapsed_ticks += 1;
        if self.election_elapsed_ticks >= self.config.election_timeout_ticks {
            self.election_elapsed_ticks = 0;
            if self.config.check_quorum {
                let active = self.tracker.quorum_active(self.id);
                let self_id = self.id;
                for (&id, pr) in self.tracker.progress.iter_mut() {
                    if id != self_id {
                        pr.recent_active = false;
                    }
                }
                if !active {
                    // Thesis §6.2: a leader that cannot reach a quorum steps down.
                    let term = self.term;
                    self.become_follower(term, None);
                    return;
                }
            }
            // Transfer did not finish within an election timeout: give up (thesis §3.10).
            self.lead_transferee = None;
            // A snapshot may have been lost on the way; probe again.
            for pr in self.tracker.progress.values_mut() {
                if pr.state == ProgressState::Snapshot {
                    pr.become_probe();
                }
            }
        }
        if self.role != Role::Leader {
            return;
        }
        if self.heartbeat_elapsed_ticks >= self.config.heartbeat_interval_ticks {
            self.heartbeat_elapsed_ticks = 0;
            let ctx = self.read_only.last_pending_request_ctx();
            self.bcast_heartbeat(ctx);
            // A MsgTimeoutNow of a leader outside its configuration may have been lost: ask
            // again each heartbeat until a higher term deposes this leader.
            self.maybe_hand_over(true);
        }
    }

    // ----- step ----------------------------------------------------------------------------

    /// Handles a message from another node (§5.1: terms first, then the role's handler).
    pub fn step(&mut self, m: Message) -> Result<(), StepError> {
        if m.to != self.id {
            return Err(StepError::WrongRecipient);
        }
        if m.from == NodeId::NONE || m.from == self.id {
            return Err(StepError::Malformed("sender"));
        }
        if m.term.0 == 0 {
            // Only forwarded requests travel without a term.
            if !matches!(m.msg_type, MessageType::MsgProp | MessageType::MsgReadIndex) {
                return Err(StepError::Malformed("term 0"));
            }
        }
        // Figure 2: a follower restarts its election timer when it hears from the leader or
        // GRANTS a vote. A later-term candidate whose log is behind moves this node's term but
        // must not also hold back its timer: otherwise, when only this node's log can win (say
        // two voters), every failed campaign of the other delays the one campaign that can.
        let timer = (m.term > self.term
            && self.role == Role::Follower
            && m.msg_type == MessageType::MsgVote)
            .then_some((
                self.election_elapsed_ticks,
                self.randomized_election_timeout_ticks,
            ));
        if m.term.0 != 0 && m.term > self.term {
            if !self.step_higher_term(&m) {
                return Ok(());
            }
        } else if m.term.0 != 0 && m.term < self.term {
            self.step_lower_term(&m);
            return Ok(());
        }
        match m.msg_type {
            MessageType::MsgVote | MessageType::MsgPreVote => {
                self.handle_vote_request(&m);
                if let Some((elapsed, timeout)) = timer
                    && self.vote != Some(m.from)
                {
                    self.election_elapsed_ticks = elapsed;
                    self.randomized_election_timeout_ticks = timeout;
                }
                Ok(())
            }
            _ => match self.role {
                Role::Follower => self.step_follower(m),
                Role::PreCandidate | Role::Candidate => self.step_candidate(m),
                Role::Leader => self.step_leader(m),
            },
        }
    }

    /// Handles a message from a later term; returns false when the message is to be dropped.
    fn step_higher_term(&mut self, m: &Message) -> bool {
        let is_vote = matches!(m.msg_type, MessageType::MsgVote | MessageType::MsgPreVote);
        if is_vote {
            let forced = m.context == CAMPAIGN_TRANSFER;
            let in_lease = self.config.check_quorum
                && self.leader.is_some()
                && self.election_elapsed_ticks < self.config.election_timeout_ticks;
            let quiet = self.keeps_lease_promises() && self.quiet_ticks_left > 0;
            if !forced && quiet && !in_lease {
                self.record(Event::VoteIgnoredAfterRestart {
                    id: self.id,
                    candidate: m.from,
                    ticks_left: self.quiet_ticks_left,
                });
                return false;
            }
            if !forced && in_lease {
                // Thesis §4.2.3: a server that heard from a leader within the minimum
                // election timeout does not let a (possibly removed) server disrupt it.
                self.record(Event::VoteIgnoredInLease {
                    id: self.id,
                    candidate: m.from,
                });
                return false;
            }
        }
        match m.msg_type {
            // A pre-vote does not move terms (thesis §9.6).
            MessageType::MsgPreVote => {}
            // A granted pre-vote carries the term we will campaign in, not a newer leader's.
            MessageType::MsgPreVoteResp if !m.reject => {}
            MessageType::MsgApp | MessageType::MsgHeartbeat | MessageType::MsgSnapshot => {
                self.become_follower(m.term, Some(m.from));
            }
            _ => self.become_follower(m.term, None),
        }
        true
    }

    fn step_lower_term(&mut self, m: &Message) {
        let from_leader = matches!(m.msg_type, MessageType::MsgHeartbeat | MessageType::MsgApp);
        // A leader that handed over after removing itself is in nobody's configuration: no new
        // leader will ever send to it, so tell it the new term when it speaks.
        let from_outsider = !self.tracker.progress.contains_key(&m.from);
        if (self.config.check_quorum || self.config.pre_vote || from_outsider) && from_leader {
            // A stale leader would otherwise never learn the new term: with check-quorum or
            // pre-vote this node ignores its higher-term candidates, so answer it instead.
            self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                ..Message::default()
            });
        } else if m.msg_type == MessageType::MsgPreVote {
            self.send(Message {
                msg_type: MessageType::MsgPreVoteResp,
                to: m.from,
                term: self.term,
                reject: true,
                ..Message::default()
            });
        }
    }

    fn step_follower(&mut self, m: Message) -> Result<(), StepError> {
        match m.msg_type {
            MessageType::MsgApp => {
                self.election_elapsed_ticks = 0;
                self.leader = Some(m.from);
                self.handle_append(m)
            }
            MessageType::MsgHeartbeat => {
                self.election_elapsed_ticks = 0;
                self.leader = Some(m.from);
                self.handle_heartbeat(m);
                Ok(())
            }
            MessageType::MsgSnapshot => {
                self.election_elapsed_ticks = 0;
                self.leader = Some(m.from);
                self.handle_snapshot(m)
            }
            MessageType::MsgTimeoutNow => {
                // The leader clamps the commit to what it knows we hold (as in heartbeats): learn
                // it first, so we campaign in the configuration the leader handed over from.
                let committed = self.log.committed;
                if m.commit <= self.log.last_index() {
                    self.log.commit_to(m.commit);
                }
                if self.log.committed > committed || self.has_unapplied_conf_change() {
                    // Apply what is now known committed first (`hup` refuses while a
                    // configuration change is unapplied), then campaign at the next tick: a
                    // campaign in the same step could win at once in a one-voter
                    // configuration, and a leader must not appear to have committed an entry
                    // of an older term itself.
                    self.campaign_after_apply = true;
                } else {
                    // Transfers skip pre-vote: the leader asked for it, no partition to guard.
                    self.hup(true);
                }
                Ok(())
            }
            MessageType::MsgReadIndexResp => {
                self.read_states.push(ReadState {
                    index: m.index,
                    request_ctx: m.context,
                });
                Ok(())
            }
            // Requests forwarded to a non-leader are dropped rather than forwarded again, so
            // nothing can loop between followers with stale leader knowledge.
            _ => Ok(()),
        }
    }

    fn step_candidate(&mut self, m: Message) -> Result<(), StepError> {
        let my_response = if self.role == Role::PreCandidate {
            MessageType::MsgPreVoteResp
        } else {
            MessageType::MsgVoteResp
        };
        match m.msg_type {
            MessageType::MsgApp => {
                self.become_follower(m.term, Some(m.from));
                self.handle_append(m)
            }
            MessageType::MsgHeartbeat => {
                self.become_follower(m.term, Some(m.from));
                self.handle_heartbeat(m);
                Ok(())
            }
            MessageType::MsgSnapshot => {
                self.become_follower(m.term, Some(m.from));
                self.handle_snapshot(m)
            }
            t if t == my_response => {
                let kind = if self.role == Role::PreCandidate {
                    CampaignKind::PreElection
                } else {
                    CampaignKind::Election
                };
                match self.poll(m.from, !m.reject) {
                    VoteResult::Won => self.win_election(kind),
                    VoteResult::Lost => {
                        let term = self.term;
                        self.become_follower(term, None);
                    }
                    VoteResult::Pending => {}
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn step_leader(&mut self, m: Message) -> Result<(), StepError> {
        match m.msg_type {
            MessageType::MsgProp => {
                // Errors of forwarded proposals are the forwarding client's timeout to handle.
                let _ = self.propose_as_leader(m.entries);
                Ok(())
            }
            MessageType::MsgReadIndex => {
                self.leader_read_index(m);
                Ok(())
            }
            MessageType::MsgAppResp => {
                self.handle_append_response(&m);
                Ok(())
            }
            MessageType::MsgHeartbeatResp => {
                self.handle_heartbeat_response(&m);
                Ok(())
            }
            MessageType::MsgTransferLeader => {
                self.handle_transfer_leader(m.from);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
