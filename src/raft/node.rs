//! The protocol: one `step` that handles terms for every role, then a handler per role
//! (etcd-io/raft's `raft.go`). Only the `become_*` functions change the role.

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
    /// until it is applied, and a new leader sets it to its last index, so no change is
    /// accepted before the leader's own-term no-op is applied (thesis §4.1 safeguard).
    pub pending_conf_index: Index,
    /// Pending read-index requests.
    pub read_only: ReadOnly,
    /// Reads confirmed and ready for the application.
    pub read_states: Vec<ReadState>,
    /// Reads that arrived before this leader committed an entry of its term (thesis §6.4).
    pending_read_index_messages: Vec<Message>,
    /// Ticks since the last election timeout reset.
    pub election_elapsed_ticks: u64,
    /// Ticks since the last heartbeat (leader).
    pub heartbeat_elapsed_ticks: u64,
    /// This round's timeout, drawn from `[T, 2T)`.
    pub randomized_election_timeout_ticks: u64,
    /// Whether this node is a learner.
    pub is_learner: bool,
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
            election_elapsed_ticks: 0,
            heartbeat_elapsed_ticks: 0,
            randomized_election_timeout_ticks: config.election_timeout_ticks,
            is_learner: false,
            conf_history: Vec::new(),
            rng: SeededRng::new(config.seed ^ config.id.0.rotate_left(32)),
            config: config.clone(),
            msgs: Vec::new(),
            events: Vec::new(),
        };
        raft.is_learner = raft.tracker.config.learners.contains(&raft.id);
        let term = raft.term;
        raft.reset(term);
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
    }

    // ----- ticks ---------------------------------------------------------------------------

    /// Advances logical time by one tick.
    pub fn tick(&mut self) {
        match self.role {
            Role::Leader => self.tick_heartbeat(),
            _ => self.tick_election(),
        }
    }

    fn tick_election(&mut self) {
        self.election_elapsed_ticks += 1;
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
        }
    }

    // ----- elections -----------------------------------------------------------------------

    /// Starts an election now (the application's `campaign`, or an election timeout).
    pub fn hup(&mut self, transfer: bool) {
        if self.role == Role::Leader || !self.promotable() {
            return;
        }
        if self.has_unapplied_conf_change() {
            // The configuration we would campaign in is about to change; wait for it.
            return;
        }
        let kind = if transfer {
            CampaignKind::Transfer
        } else if self.config.pre_vote {
            CampaignKind::PreElection
        } else {
            CampaignKind::Election
        };
        self.campaign(kind);
    }

    fn has_unapplied_conf_change(&self) -> bool {
        if self.log.committed <= self.log.applied {
            return false;
        }
        self.log
            .next_committed_entries(u64::MAX)
            .iter()
            .any(|e| e.entry_type != EntryType::Normal)
    }

    fn campaign(&mut self, kind: CampaignKind) {
        let (vote_type, term) = if kind == CampaignKind::PreElection {
            self.become_pre_candidate();
            // Pre-vote asks about the next term without moving to it.
            (MessageType::MsgPreVote, self.term.next())
        } else {
            self.become_candidate();
            (MessageType::MsgVote, self.term)
        };
        let self_id = self.id;
        if self.poll(self_id, true) == VoteResult::Won {
            self.win_election(kind);
            return;
        }
        let last_index = self.log.last_index();
        let last_term = self.log.last_term();
        let context = if kind == CampaignKind::Transfer {
            CAMPAIGN_TRANSFER.to_vec()
        } else {
            Vec::new()
        };
        for id in self.tracker.config.voters.ids() {
            if id == self.id {
                continue;
            }
            self.send(Message {
                msg_type: vote_type,
                to: id,
                term,
                log_term: last_term,
                index: last_index,
                context: context.clone(),
                ..Message::default()
            });
        }
    }

    fn win_election(&mut self, kind: CampaignKind) {
        if kind == CampaignKind::PreElection {
            self.campaign(CampaignKind::Election);
        } else {
            self.become_leader();
            self.bcast_append();
        }
    }

    fn poll(&mut self, id: NodeId, granted: bool) -> VoteResult {
        self.tracker.record_vote(id, granted);
        let (_, _, result) = self
            .tracker
            .tally_votes(self.switch(UnsafeSwitch::CountLearnersInQuorum));
        result
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
        } else if m.term > self.term {
            if !self.step_higher_term(&m) {
                return Ok(());
            }
        } else if m.term < self.term {
            self.step_lower_term(&m);
            return Ok(());
        }
        match m.msg_type {
            MessageType::MsgVote | MessageType::MsgPreVote => {
                self.handle_vote_request(&m);
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
        if (self.config.check_quorum || self.config.pre_vote) && from_leader {
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

    /// §5.2 one vote per term, §5.4.1 election restriction.
    fn handle_vote_request(&mut self, m: &Message) {
        let is_pre_vote = m.msg_type == MessageType::MsgPreVote;
        let response_type = if is_pre_vote {
            MessageType::MsgPreVoteResp
        } else {
            MessageType::MsgVoteResp
        };
        let can_vote = self.vote == Some(m.from)
            || (self.vote.is_none() && self.leader.is_none())
            || (is_pre_vote && m.term > self.term);
        let up_to_date = self.log.is_up_to_date(m.index, m.log_term)
            || self.switch(UnsafeSwitch::SkipElectionRestriction);
        if can_vote && up_to_date {
            self.send(Message {
                msg_type: response_type,
                to: m.from,
                term: m.term,
                ..Message::default()
            });
            if !is_pre_vote {
                self.election_elapsed_ticks = 0;
                self.vote = Some(m.from);
            }
        } else {
            let reason = if !can_vote {
                match (self.vote, self.leader) {
                    (Some(vote), _) => format!("already voted for {vote} in term {}", self.term),
                    (None, Some(leader)) => {
                        format!("follows leader {leader} in term {}", self.term)
                    }
                    (None, None) => format!("stale term {}", m.term),
                }
            } else {
                format!(
                    "candidate log {}/{} is behind ours {}/{}",
                    m.log_term,
                    m.index,
                    self.log.last_term(),
                    self.log.last_index()
                )
            };
            self.record(Event::VoteRejected {
                id: self.id,
                candidate: m.from,
                pre_vote: is_pre_vote,
                reason,
            });
            self.send(Message {
                msg_type: response_type,
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
                // Transfers skip pre-vote: the leader asked for it, no partition to guard.
                self.hup(true);
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

    // ----- follower handlers -----------------------------------------------------------------

    fn check_append_shape(m: &Message) -> Result<(), StepError> {
        let mut expected = m.index.next();
        let mut last_term = m.log_term;
        for entry in &m.entries {
            if entry.index != expected {
                return Err(StepError::Malformed("entries not contiguous after index"));
            }
            if entry.term < last_term || entry.term > m.term {
                return Err(StepError::Malformed("entry terms out of order"));
            }
            expected = expected.next();
            last_term = entry.term;
        }
        if m.log_term > m.term {
            return Err(StepError::Malformed("log term above message term"));
        }
        Ok(())
    }

    /// §5.3 AppendEntries receiver.
    fn handle_append(&mut self, m: Message) -> Result<(), StepError> {
        Self::check_append_shape(&m)?;
        if m.index < self.log.committed {
            // Everything up to our commit is settled; tell the leader where we are.
            let committed = self.log.committed;
            self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: committed,
                ..Message::default()
            });
            return Ok(());
        }
        let truncate_blindly = self.switch(UnsafeSwitch::TruncateWithoutConflict);
        match self
            .log
            .maybe_append(m.index, m.log_term, m.commit, &m.entries, truncate_blindly)
        {
            Some(last_new) => self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: last_new,
                ..Message::default()
            }),
            None => {
                let probe_from = m.index.min(self.log.last_index());
                let (hint_index, hint_term) =
                    self.log.find_conflict_by_term(probe_from, m.log_term);
                self.record(Event::AppendRejected {
                    id: self.id,
                    leader: m.from,
                    prev: (m.log_term, m.index),
                    hint: (hint_term, hint_index),
                });
                self.send(Message {
                    msg_type: MessageType::MsgAppResp,
                    to: m.from,
                    index: m.index,
                    reject: true,
                    reject_hint: hint_index,
                    log_term: hint_term,
                    ..Message::default()
                });
            }
        }
        Ok(())
    }

    fn handle_heartbeat(&mut self, m: Message) {
        // The leader clamps the commit to what it knows we hold; never go beyond our log.
        if m.commit <= self.log.last_index() {
            self.log.commit_to(m.commit);
        }
        self.send(Message {
            msg_type: MessageType::MsgHeartbeatResp,
            to: m.from,
            context: m.context,
            ..Message::default()
        });
    }

    fn handle_snapshot(&mut self, m: Message) -> Result<(), StepError> {
        let Some(snapshot) = m.snapshot else {
            return Err(StepError::Malformed("snapshot missing"));
        };
        if snapshot.metadata.index.0 == 0 || snapshot.metadata.term > m.term {
            return Err(StepError::Malformed("snapshot metadata"));
        }
        let index = if self.restore(snapshot) {
            self.log.last_index()
        } else {
            self.log.committed
        };
        self.send(Message {
            msg_type: MessageType::MsgAppResp,
            to: m.from,
            index,
            ..Message::default()
        });
        Ok(())
    }

    /// Installs a snapshot unless it is stale; returns whether it was installed.
    fn restore(&mut self, snapshot: Snapshot) -> bool {
        let index = snapshot.metadata.index;
        let term = snapshot.metadata.term;
        if index <= self.log.committed {
            return false;
        }
        // A malformed configuration is refused. A configuration without this node is accepted:
        // a member added after the snapshot was taken learns of its membership from the
        // entries that follow (until then it is simply not promotable). etcd refuses this
        // case, which leaves such a member waiting for a newer snapshot.
        if Configuration::from_conf_state(&snapshot.metadata.conf_state).is_err() {
            return false;
        }
        if self.log.match_term(index, term) {
            // We already hold the snapshot's last entry: just learn that it is committed.
            self.log.commit_to(index);
            return false;
        }
        let conf_state = snapshot.metadata.conf_state.clone();
        self.log.restore(snapshot);
        if self
            .tracker
            .restore(&conf_state, self.log.last_index().next())
            .is_err()
        {
            return false;
        }
        self.conf_history.clear();
        self.is_learner = self.tracker.config.learners.contains(&self.id);
        self.record(Event::ConfigApplied {
            id: self.id,
            conf_state,
        });
        true
    }

    // ----- leader handlers -------------------------------------------------------------------

    /// Appends proposals as the leader.
    pub fn propose_as_leader(&mut self, mut entries: Vec<Entry>) -> Result<(), ProposeError> {
        if entries.is_empty() {
            return Err(ProposeError::Empty);
        }
        if !self.tracker.progress.contains_key(&self.id) {
            return Err(ProposeError::NotMember);
        }
        if self.lead_transferee.is_some() {
            return Err(ProposeError::TransferInProgress);
        }
        let last_index = self.log.last_index();
        for (offset, entry) in entries.iter_mut().enumerate() {
            if entry.entry_type == EntryType::Normal {
                continue;
            }
            let change =
                ConfChangeV2::decode(&entry.data).map_err(ProposeError::ConfChangeRefused)?;
            self.check_conf_change_allowed(&change)?;
            self.pending_conf_index = last_index.plus(offset as u64 + 1);
        }
        self.append_entries(entries);
        self.bcast_append();
        Ok(())
    }

    fn check_conf_change_allowed(&self, change: &ConfChangeV2) -> Result<(), ProposeError> {
        let safeguard = !self.switch(UnsafeSwitch::NoMembershipSafeguard);
        if safeguard && self.pending_conf_index > self.log.applied {
            return Err(ProposeError::ConfChangeRefused(format!(
                "possible unapplied conf change at index {} (applied {})",
                self.pending_conf_index, self.log.applied
            )));
        }
        let joint = self.tracker.config.voters.is_joint();
        if joint && !change.leaves_joint() {
            return Err(ProposeError::ConfChangeRefused(
                "must leave the joint config first".into(),
            ));
        }
        if !joint && change.leaves_joint() {
            return Err(ProposeError::ConfChangeRefused(
                "not in a joint config".into(),
            ));
        }
        Ok(())
    }

    fn append_entries(&mut self, mut entries: Vec<Entry>) {
        let last_index = self.log.last_index();
        for (offset, entry) in entries.iter_mut().enumerate() {
            entry.term = self.term;
            entry.index = last_index.plus(offset as u64 + 1);
        }
        self.log.append(&entries);
        // The leader's own acknowledgement is counted when the entries are durable, in
        // `on_persisted` (thesis §10.2.1: a leader may only count itself once its log is on disk).
    }

    /// The leader's log is durable up to `persisted`: count its own acknowledgement.
    pub fn on_persisted(&mut self) {
        if self.role != Role::Leader {
            return;
        }
        let persisted = self.log.persisted_last_index();
        let updated = match self.tracker.progress.get_mut(&self.id) {
            Some(pr) => pr.maybe_update(persisted),
            None => false,
        };
        if updated && self.maybe_commit() {
            self.release_pending_reads();
            self.bcast_append();
        }
    }

    fn maybe_commit(&mut self) -> bool {
        let committed = self
            .tracker
            .committed(self.switch(UnsafeSwitch::CountLearnersInQuorum));
        let count_old = self.switch(UnsafeSwitch::CommitOldTermByCount);
        self.log.maybe_commit(committed, self.term, count_old)
    }

    fn committed_entry_in_current_term(&self) -> bool {
        self.log.term(self.log.committed) == Some(self.term)
    }

    /// Sends entries (or a snapshot) to every follower.
    pub fn bcast_append(&mut self) {
        let ids: Vec<NodeId> = self.tracker.progress.keys().copied().collect();
        for id in ids {
            if id != self.id {
                self.maybe_send_append(id, true);
            }
        }
    }

    fn bcast_heartbeat(&mut self, ctx: Option<Vec<u8>>) {
        let ids: Vec<NodeId> = self.tracker.progress.keys().copied().collect();
        for id in ids {
            if id == self.id {
                continue;
            }
            let matched = self
                .tracker
                .progress
                .get(&id)
                .map(|pr| pr.matched)
                .unwrap_or_default();
            // Never tell a follower to commit beyond what it is known to hold (§5.3: the
            // follower's entries past its match may still differ from ours).
            let commit = matched.min(self.log.committed);
            self.send(Message {
                msg_type: MessageType::MsgHeartbeat,
                to: id,
                commit,
                context: ctx.clone().unwrap_or_default(),
                ..Message::default()
            });
        }
    }

    /// Sends the next append to `to` if flow control allows; returns whether one was sent.
    fn maybe_send_append(&mut self, to: NodeId, send_if_empty: bool) -> bool {
        let Some(pr) = self.tracker.progress.get(&to) else {
            return false;
        };
        if pr.is_paused() {
            return false;
        }
        let next = pr.next;
        let prev_index = next.prev();
        let prev_term = self.log.term(prev_index);
        let entries =
            self.log
                .entries_from(next, self.config.msg_bytes_max, self.config.msg_entries_max);
        let (Some(prev_term), Ok(entries)) = (prev_term, entries) else {
            return self.send_snapshot(to);
        };
        if entries.is_empty() && !send_if_empty {
            return false;
        }
        let count = entries.len();
        let bytes: u64 = entries.iter().map(Entry::size_bytes).sum();
        let last = entries.last().map(|e| e.index).unwrap_or(prev_index);
        if let Some(pr) = self.tracker.progress.get_mut(&to) {
            pr.sent_entries(last, count, bytes);
        }
        let commit = self.log.committed;
        self.send(Message {
            msg_type: MessageType::MsgApp,
            to,
            index: prev_index,
            log_term: prev_term,
            entries,
            commit,
            ..Message::default()
        });
        true
    }

    /// §7: the entries a follower needs are compacted, send the snapshot instead.
    fn send_snapshot(&mut self, to: NodeId) -> bool {
        let Some(pr) = self.tracker.progress.get(&to) else {
            return false;
        };
        if !pr.recent_active {
            return false;
        }
        let snapshot = self.log.snapshot();
        if snapshot.metadata.index.0 == 0 {
            return false;
        }
        if let Some(pr) = self.tracker.progress.get_mut(&to) {
            pr.become_snapshot(snapshot.metadata.index);
        }
        self.send(Message {
            msg_type: MessageType::MsgSnapshot,
            to,
            snapshot: Some(snapshot),
            ..Message::default()
        });
        true
    }

    fn handle_append_response(&mut self, m: &Message) {
        let last_index = self.log.last_index();
        let Some(pr) = self.tracker.progress.get_mut(&m.from) else {
            return;
        };
        pr.recent_active = true;
        if m.reject {
            // Fast backtracking (§5.3, etcd's findConflictByTerm): the follower's hint names
            // its last entry with term <= our probe's term; skip to our matching point.
            let mut next_probe = m.reject_hint;
            if m.log_term.0 > 0 {
                next_probe = self.log.find_conflict_by_term(m.reject_hint, m.log_term).0;
            }
            let Some(pr) = self.tracker.progress.get_mut(&m.from) else {
                return;
            };
            if pr.maybe_decr_to(m.index, next_probe) {
                if pr.state == ProgressState::Replicate {
                    pr.become_probe();
                }
                self.maybe_send_append(m.from, true);
            }
            return;
        }
        if m.index > last_index {
            return;
        }
        let was_paused = pr.is_paused();
        let same_probe = pr.matched == m.index && pr.state == ProgressState::Probe;
        if !pr.maybe_update(m.index) && !same_probe {
            return;
        }
        let first_index = self.log.first_index();
        match pr.state {
            ProgressState::Probe => pr.become_replicate(),
            ProgressState::Snapshot if pr.matched.next() >= first_index => {
                pr.become_probe();
                pr.become_replicate();
            }
            ProgressState::Snapshot => {}
            ProgressState::Replicate => pr.inflights.free_le(m.index),
        }
        if self.maybe_commit() {
            self.release_pending_reads();
            self.bcast_append();
        } else if was_paused {
            self.maybe_send_append(m.from, true);
        }
        // Fill the window, bounded by the inflight limit.
        for _ in 0..=self.config.inflight_msgs_max {
            if !self.maybe_send_append(m.from, false) {
                break;
            }
        }
        let matched = self.tracker.progress.get(&m.from).map(|pr| pr.matched);
        if self.lead_transferee == Some(m.from) && matched == Some(self.log.last_index()) {
            self.send_timeout_now(m.from);
        }
    }

    fn handle_heartbeat_response(&mut self, m: &Message) {
        let last_index = self.log.last_index();
        let Some(pr) = self.tracker.progress.get_mut(&m.from) else {
            return;
        };
        pr.recent_active = true;
        pr.probe_sent = false;
        if pr.matched < last_index || pr.state == ProgressState::Probe {
            self.maybe_send_append(m.from, true);
        }
        if self.read_only.option != ReadOnlyOption::Safe || m.context.is_empty() {
            return;
        }
        let Some(acks) = self.read_only.recv_ack(m.from, &m.context) else {
            return;
        };
        let acks = acks.clone();
        let result = self
            .tracker
            .config
            .voters
            .vote_result(|id| acks.contains(&id).then_some(true));
        if result != VoteResult::Won {
            return;
        }
        for status in self.read_only.advance(&m.context) {
            self.respond_read_index(status.request, status.index);
        }
    }

    fn handle_transfer_leader(&mut self, transferee: NodeId) {
        let Some(pr) = self.tracker.progress.get(&transferee) else {
            return;
        };
        if pr.is_learner || transferee == self.id {
            return;
        }
        if self.lead_transferee == Some(transferee) {
            return;
        }
        let caught_up = pr.matched == self.log.last_index();
        // The transfer must finish within one election timeout (thesis §3.10).
        self.election_elapsed_ticks = 0;
        self.lead_transferee = Some(transferee);
        if caught_up {
            self.send_timeout_now(transferee);
        } else {
            self.maybe_send_append(transferee, true);
        }
    }

    fn send_timeout_now(&mut self, to: NodeId) {
        self.send(Message {
            msg_type: MessageType::MsgTimeoutNow,
            to,
            ..Message::default()
        });
    }

    // ----- reads ---------------------------------------------------------------------------

    /// Read-index on the leader (thesis §6.4). `request.from` is who gets the answer.
    fn leader_read_index(&mut self, request: Message) {
        if self.tracker.is_singleton() {
            let committed = self.log.committed;
            if self.committed_entry_in_current_term() {
                self.respond_read_index(request, committed);
            } else if self.pending_read_index_messages.len() < READS_WAITING_MAX {
                self.pending_read_index_messages.push(request);
            }
            return;
        }
        if !self.committed_entry_in_current_term() {
            // Thesis §6.4 step 1: until its no-op commits, the leader's commit index may be
            // behind what earlier leaders committed.
            if self.pending_read_index_messages.len() < READS_WAITING_MAX {
                self.pending_read_index_messages.push(request);
            }
            return;
        }
        self.send_read_index_response(request);
    }

    fn send_read_index_response(&mut self, request: Message) {
        let committed = self.log.committed;
        match self.read_only.option {
            ReadOnlyOption::Safe => {
                let ctx = request.context.clone();
                if self.read_only.add_request(committed, request) {
                    let self_id = self.id;
                    self.read_only.recv_ack(self_id, &ctx);
                    if self.tracker.is_singleton() {
                        for status in self.read_only.advance(&ctx) {
                            self.respond_read_index(status.request, status.index);
                        }
                    } else {
                        self.bcast_heartbeat(Some(ctx));
                    }
                }
            }
            ReadOnlyOption::LeaseBased => self.respond_read_index(request, committed),
        }
    }

    fn release_pending_reads(&mut self) {
        if !self.committed_entry_in_current_term() {
            return;
        }
        let waiting = std::mem::take(&mut self.pending_read_index_messages);
        for request in waiting {
            if self.tracker.is_singleton() {
                let committed = self.log.committed;
                self.respond_read_index(request, committed);
            } else {
                self.send_read_index_response(request);
            }
        }
    }

    fn respond_read_index(&mut self, request: Message, index: Index) {
        if request.from == self.id || request.from == NodeId::NONE {
            self.read_states.push(ReadState {
                index,
                request_ctx: request.context,
            });
            return;
        }
        self.send(Message {
            msg_type: MessageType::MsgReadIndexResp,
            to: request.from,
            index,
            context: request.context,
            ..Message::default()
        });
    }

    // ----- local requests --------------------------------------------------------------------

    /// A proposal from this node's application: appended on the leader, forwarded otherwise.
    pub fn propose(&mut self, entries: Vec<Entry>) -> Result<(), ProposeError> {
        match self.role {
            Role::Leader => self.propose_as_leader(entries),
            Role::Follower => {
                let Some(leader) = self.leader else {
                    return Err(ProposeError::NoLeader);
                };
                if entries.is_empty() {
                    return Err(ProposeError::Empty);
                }
                self.send(Message {
                    msg_type: MessageType::MsgProp,
                    to: leader,
                    entries,
                    ..Message::default()
                });
                Ok(())
            }
            Role::PreCandidate | Role::Candidate => Err(ProposeError::NoLeader),
        }
    }

    /// A linearizable read request from this node's application.
    pub fn read_index(&mut self, ctx: Vec<u8>) -> Result<(), ProposeError> {
        let request = Message {
            msg_type: MessageType::MsgReadIndex,
            from: self.id,
            to: self.id,
            context: ctx,
            ..Message::default()
        };
        match self.role {
            Role::Leader => {
                self.leader_read_index(request);
                Ok(())
            }
            Role::Follower => {
                let Some(leader) = self.leader else {
                    return Err(ProposeError::NoLeader);
                };
                self.send(Message {
                    to: leader,
                    ..request
                });
                Ok(())
            }
            Role::PreCandidate | Role::Candidate => Err(ProposeError::NoLeader),
        }
    }

    /// Leadership transfer to `target` (on the leader), or "transfer to me" on a follower.
    pub fn transfer_leader(&mut self, target: NodeId) -> Result<(), ProposeError> {
        match self.role {
            Role::Leader => {
                self.handle_transfer_leader(target);
                Ok(())
            }
            Role::Follower if target == self.id => {
                let Some(leader) = self.leader else {
                    return Err(ProposeError::NoLeader);
                };
                self.send(Message {
                    msg_type: MessageType::MsgTransferLeader,
                    to: leader,
                    ..Message::default()
                });
                Ok(())
            }
            _ => Err(ProposeError::NotLeader),
        }
    }

    /// Follower-side handling of a forwarded transfer request is done by the leader only.
    pub fn report_unreachable(&mut self, id: NodeId) {
        if self.role != Role::Leader {
            return;
        }
        if let Some(pr) = self.tracker.progress.get_mut(&id)
            && pr.state == ProgressState::Replicate
        {
            pr.become_probe();
        }
    }

    /// The transport reports whether a snapshot reached `id`.
    pub fn report_snapshot(&mut self, id: NodeId, delivered: bool) {
        if self.role != Role::Leader {
            return;
        }
        if let Some(pr) = self.tracker.progress.get_mut(&id)
            && pr.state == ProgressState::Snapshot
        {
            if !delivered {
                pr.pending_snapshot = Index(0);
            }
            pr.become_probe();
            // Wait for the follower's answer (or a heartbeat) before probing.
            pr.probe_sent = true;
        }
    }

    // ----- configuration ---------------------------------------------------------------------

    /// Applies a committed configuration change at `index` (called when the entry is applied).
    pub fn apply_conf_change(&mut self, index: Index, change: &ConfChangeV2) {
        // New members start probing at the last entry (not after it), so the first append
        // carries something and the probe gets an answer (etcd does the same).
        let next = self.log.last_index();
        match self.tracker.plan_change(change, next) {
            Ok((config, progress)) => {
                self.tracker.apply(config, progress);
                let conf_state = self.tracker.config.to_conf_state();
                self.conf_history.push((index, conf_state.clone()));
                self.record(Event::ConfigApplied {
                    id: self.id,
                    conf_state,
                });
                self.switch_to_config();
            }
            Err(reason) => self.record(Event::ConfigRejected {
                id: self.id,
                reason,
            }),
        }
    }

    fn switch_to_config(&mut self) {
        let member = self.tracker.progress.get(&self.id);
        self.is_learner = member.is_some_and(|pr| pr.is_learner);
        if self.role != Role::Leader {
            return;
        }
        if member.is_none() || self.is_learner {
            // Thesis §4.2.2: a leader removed from the configuration steps down once the change
            // is committed. Tell the followers the commit first.
            self.bcast_append();
            let term = self.term;
            self.become_follower(term, None);
            return;
        }
        if let Some(transferee) = self.lead_transferee
            && !self.tracker.is_voter(transferee)
        {
            self.lead_transferee = None;
        }
        if self.maybe_commit() {
            self.bcast_append();
        } else {
            let ids: Vec<NodeId> = self.tracker.progress.keys().copied().collect();
            for id in ids {
                if id != self.id {
                    self.maybe_send_append(id, false);
                }
            }
        }
    }

    /// After applying: a leader in an auto-leave joint config proposes leaving it (thesis §4.3).
    pub fn maybe_auto_leave_joint(&mut self) {
        let config = &self.tracker.config;
        if self.role != Role::Leader
            || !config.auto_leave
            || !config.voters.is_joint()
            || self.log.applied < self.pending_conf_index
        {
            return;
        }
        let entry = Entry {
            entry_type: EntryType::ConfChangeV2,
            data: ConfChangeV2::default().encode(),
            ..Entry::default()
        };
        self.pending_conf_index = self.log.last_index().next();
        self.append_entries(vec![entry]);
        self.bcast_append();
    }

    /// The configuration in force at `index` (for snapshots taken at `index`).
    pub fn conf_state_at(&self, index: Index) -> ConfState {
        self.conf_history
            .iter()
            .rev()
            .find(|(at, _)| *at <= index)
            .map(|(_, conf)| conf.clone())
            .unwrap_or_else(|| self.log.storage.snapshot().metadata.conf_state.clone())
    }

    /// Forgets configuration history covered by a snapshot at `index`.
    pub fn prune_conf_history(&mut self, index: Index) {
        self.conf_history.retain(|(at, _)| *at > index);
    }
}
