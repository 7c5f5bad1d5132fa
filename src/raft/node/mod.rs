//! The protocol: one `step` that handles terms for every role, then a handler per role
//! (etcd-io/raft's `raft.go`). Only the `become_*` functions change the role.
//!
//! This file holds the node's state, role changes, the tick and the common `step` (message
//! checks and terms, §5.1); each role's handler sits beside that role's other code:
//! `follower` (`step_follower`, appends, heartbeats, snapshots), `election` (`step_candidate`,
//! `tick_election`, campaigns and votes), `leader` (`step_leader`, `tick_heartbeat`,
//! replication, transfers), plus `reads`, `lease`, `requests` (this node's own application),
//! `config_change`, and the `event` and `error` types it reports.

mod config_change;
mod election;
mod error;
mod event;
mod follower;
mod leader;
mod lease;
mod reads;
mod requests;

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

pub use error::{ConfChangeRefusal, ProposeError, StepError};
pub use event::{Event, VoteRejection};
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
    id: NodeId,
    /// Current term (durable).
    term: Term,
    /// Vote in the current term (durable).
    vote: Option<NodeId>,
    /// The log.
    pub(super) log: RaftLog,
    /// Configuration, progress and votes.
    tracker: ProgressTracker,
    /// Current role.
    role: Role,
    /// The leader this node follows, if known.
    leader: Option<NodeId>,
    /// Target of a leadership transfer in progress.
    lead_transferee: Option<NodeId>,
    /// Index of the latest configuration entry this leader appended. A new change is refused
    /// until it is applied, and a new leader sets it to the index of its no-op, so no change is
    /// accepted before the leader's own-term no-op is applied (thesis §4.1 safeguard).
    pending_conf_index: Index,
    /// Pending read-index requests.
    read_only: ReadOnly,
    /// Reads confirmed and ready for the application.
    pub(super) read_states: Vec<ReadState>,
    /// Reads that arrived before this leader committed an entry of its term (thesis §6.4).
    pending_read_index_messages: Vec<Message>,
    /// The leader lease of this term (lease reads only; see `lease.rs`).
    lease: LeaderLease,
    /// Ticks since this node booted, starting at 1: the clock heartbeats carry for the
    /// lease. Monotonic, never reset, so an echo can be compared with now.
    clock_ticks: u64,
    /// With lease reads: ticks left of the quiet period after a restart (no votes granted,
    /// no campaign), during which a promise made before the crash may still run.
    quiet_ticks_left: u64,
    /// Ticks since the last election timeout reset.
    election_elapsed_ticks: u64,
    /// Ticks since the last heartbeat (leader).
    heartbeat_elapsed_ticks: u64,
    /// This round's timeout, drawn from `[T, 2T)`.
    randomized_election_timeout_ticks: u64,
    /// Leader only: the newest configuration in its log (applied or not) leaves it out of the
    /// incoming voters, so it refuses proposals until it has handed over (see `config_change`).
    leaving: bool,
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
        let mut tracker =
            ProgressTracker::new(config.inflight_count_max, config.inflight_bytes_max);
        tracker
            .restore(&conf_state, log.last_index().next())
            .map_err(super::config::ConfigError::StoredMembership)?;
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
            leaving: false,
            handover_to: None,
            campaign_after_apply: false,
            conf_history: Vec::new(),
            rng: SeededRng::new(config.seed ^ config.id.0.rotate_left(32)),
            config: config.clone(),
            msgs: Vec::new(),
            events: Vec::new(),
        };
        let term = raft.term;
        raft.reset(term);
        // A node that lived before (it has a term) may have promised a leader not to vote
        // just before it crashed; the promise was in memory. Keep it for one election timeout.
        if raft.keeps_lease_promises() && term.0 > 0 {
            raft.quiet_ticks_left = config.election_timeout_ticks;
        }
        Ok(raft)
    }

    // ----- read access (the driver, the simulator's monitors and the view) -----------------

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Current term (durable).
    pub fn term(&self) -> Term {
        self.term
    }

    /// Vote in the current term (durable).
    pub fn vote(&self) -> Option<NodeId> {
        self.vote
    }

    /// The log.
    pub fn log(&self) -> &RaftLog {
        &self.log
    }

    /// Configuration, progress and votes.
    pub fn tracker(&self) -> &ProgressTracker {
        &self.tracker
    }

    /// Current role; changed only by the `become_*` functions.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The leader this node follows, if known.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }

    /// Target of a leadership transfer in progress.
    pub fn lead_transferee(&self) -> Option<NodeId> {
        self.lead_transferee
    }

    /// Index of the latest configuration entry this leader appended (see the field).
    pub fn pending_conf_index(&self) -> Index {
        self.pending_conf_index
    }

    /// The leader lease of this term (lease reads only).
    pub fn lease(&self) -> &LeaderLease {
        &self.lease
    }

    /// Ticks since this node booted, starting at 1.
    pub fn clock_ticks(&self) -> u64 {
        self.clock_ticks
    }

    /// Ticks left of the quiet period after a restart (lease reads only).
    pub fn quiet_ticks_left(&self) -> u64 {
        self.quiet_ticks_left
    }

    /// Ticks since the last election timeout reset.
    pub fn election_elapsed_ticks(&self) -> u64 {
        self.election_elapsed_ticks
    }

    /// This round's randomized election timeout, in `[T, 2T)`.
    pub fn randomized_election_timeout_ticks(&self) -> u64 {
        self.randomized_election_timeout_ticks
    }

    /// Whether this node is a learner of its applied configuration.
    pub fn is_learner(&self) -> bool {
        self.tracker.config.is_learner(self.id)
    }

    /// Leader only: whether the newest configuration in its log leaves it out of the voters.
    pub fn is_leaving(&self) -> bool {
        self.leaving
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

    /// Hands back a list taken with [`Raft::take_messages`], emptied, so that the next
    /// messages reuse its allocation (kept only when no new list has been started since).
    /// Nearly every step sends a message or two, and a new list for each was a tenth of the
    /// simulator's allocations (callgrind, the page's recorded run).
    pub fn recycle_messages(&mut self, mut list: Vec<Message>) {
        if self.msgs.capacity() == 0 {
            list.clear();
            self.msgs = list;
        }
    }

    /// Whether messages wait to be sent.
    pub fn has_messages(&self) -> bool {
        !self.msgs.is_empty()
    }

    /// Whether events wait to be taken.
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
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
            *pr = Progress::new(next, count_max, bytes_max);
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
            self.role == Role::Candidate && self.vote == Some(self.id),
            "n{} term {}: only a candidate that voted for itself becomes leader ({:?}, vote {:?})",
            self.id,
            self.term,
            self.role,
            self.vote
        );
        // `hup` campaigns only as a voter, and a candidate applies no new configuration (it
        // learns no commit): the new leader's own progress exists.
        debug_assert!(
            self.tracker.progress.contains_key(&self.id),
            "n{} term {}: a new leader without its own progress",
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
        let committed_before = self.log.committed;
        self.clock_ticks = self.clock_ticks.saturating_add(1);
        self.quiet_ticks_left = self.quiet_ticks_left.saturating_sub(1);
        match self.role {
            Role::Leader => self.tick_heartbeat(),
            _ => self.tick_election(),
        }
        self.debug_assert_invariants(committed_before);
    }

    /// The invariants the handlers rely on, checked after every tick and message in debug
    /// builds (the simulator's monitors check the cluster-wide ones).
    fn debug_assert_invariants(&self, committed_before: Index) {
        let (id, term) = (self.id, self.term);
        // Figure 2: commitIndex only grows. The one exception is the teaching switch that
        // truncates without a conflict, which may cut entries below the commit.
        debug_assert!(
            self.log.committed >= committed_before
                || self.switch(UnsafeSwitch::TruncateWithoutConflict),
            "n{id} term {term}: commit went back from {committed_before} to {}",
            self.log.committed
        );
        debug_assert!(
            self.log.committed <= self.log.last_index(),
            "n{id} term {term}: commit {} beyond the last index {}",
            self.log.committed,
            self.log.last_index()
        );
        // Entries come from leaders of this term or earlier ones (§5.3, §5.1).
        debug_assert!(
            self.log.last_term() <= term,
            "n{id} term {term}: log ends with an entry of later term {}",
            self.log.last_term()
        );
        // §5.2: a candidate votes for itself, and a leader leads its own term.
        debug_assert!(
            self.role != Role::Candidate || self.vote == Some(id),
            "n{id} term {term}: candidate that did not vote for itself ({:?})",
            self.vote
        );
        debug_assert!(
            self.role != Role::Leader || self.leader == Some(id),
            "n{id} term {term}: leader that follows {:?}",
            self.leader
        );
    }

    // ----- step ----------------------------------------------------------------------------

    /// Handles a message from another node (§5.1: terms first, then the role's handler).
    pub fn step(&mut self, m: &Message) -> Result<(), StepError> {
        let committed_before = self.log.committed;
        let result = self.step_message(m);
        self.debug_assert_invariants(committed_before);
        result
    }

    fn step_message(&mut self, m: &Message) -> Result<(), StepError> {
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
            if !self.step_higher_term(m) {
                return Ok(());
            }
        } else if m.term.0 != 0 && m.term < self.term {
            self.step_lower_term(m);
            return Ok(());
        }
        match m.msg_type {
            MessageType::MsgVote | MessageType::MsgPreVote => {
                self.handle_vote_request(m);
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
}
