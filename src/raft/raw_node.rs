//! The sans-IO driver (etcd-io/raft's `rawnode.go`).
//!
//! The application (the simulator) runs this loop per node:
//!
//! ```text
//! node.tick() / node.step(msg) / node.propose(data) / ...
//! if node.has_ready() {
//!     let rd = node.ready();
//!     // 1. persist: rd.hard_state, rd.entries, rd.snapshot (the disk write)
//!     node.advance(&rd);            // the node records them in its durable storage
//!     // 2. send rd.messages        (only now: some depend on the durable state above)
//!     // 3. apply rd.snapshot, then rd.committed_entries, to the state machine
//!     // 4. serve rd.read_states once applied >= read index
//! }
//! ```
//!
//! One Ready is in flight at a time: call `advance` before the next `ready`. Ticks and
//! messages may be processed between the two (a disk write that takes simulated time): what they
//! produce goes into the next Ready, after the writes it may depend on.
//!
//! A crash between `ready` and `advance` loses the Ready (unsynced writes and unsent
//! messages), as on a real machine. To restart, build a new node from the old one's
//! [`RawNode::storage`]: `RawNode::restart(config, storage)`.

use super::config::{Config, ConfigError};
use super::message::{ConfChangeV2, ConfState, Entry, HardState, Message, Snapshot};
use super::node::{Event, ProposeError, Raft, Role, StepError};
use super::progress::ProgressState;
use super::read_only::ReadState;
use super::storage::{MemStorage, StorageError};
use super::types::{Index, NodeId, Term};
use std::collections::BTreeMap;

/// Volatile state that the view model shows: who leads and in which role we are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SoftState {
    /// The known leader.
    pub leader: Option<NodeId>,
    /// This node's role.
    pub role: Role,
}

/// Everything the application must do for a node, handed out together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ready {
    /// Changed soft state, if any (display only, not persisted).
    pub soft_state: Option<SoftState>,
    /// Changed hard state to persist, if any.
    pub hard_state: Option<HardState>,
    /// Entries to persist (may overwrite a stored suffix from their first index).
    pub entries: Vec<Entry>,
    /// A snapshot to persist and install in the state machine.
    pub snapshot: Option<Snapshot>,
    /// Committed entries to apply, in order.
    pub committed_entries: Vec<Entry>,
    /// Messages to send after persisting.
    pub messages: Vec<Message>,
    /// Reads that may be served once the state machine has applied their index.
    pub read_states: Vec<ReadState>,
}

impl Ready {
    /// Whether anything must be written to disk before sending the messages.
    pub fn must_sync(&self) -> bool {
        self.hard_state.is_some() || !self.entries.is_empty() || self.snapshot.is_some()
    }
}

/// What the leader knows about one follower, for the view model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressStatus {
    /// Highest index known to match.
    pub matched: Index,
    /// Next index to send.
    pub next: Index,
    /// Probe / Replicate / Snapshot.
    pub state: ProgressState,
    /// Appends in flight.
    pub inflight_count: usize,
    /// Heard from this election timeout.
    pub recent_active: bool,
    /// Whether the member is a learner.
    pub is_learner: bool,
    /// Index of a snapshot in flight (Snapshot state).
    pub pending_snapshot: Index,
}

/// A node's state for the view model; plain data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The node.
    pub id: NodeId,
    /// Role.
    pub role: Role,
    /// Current term.
    pub term: Term,
    /// Vote in the current term.
    pub vote: Option<NodeId>,
    /// Known leader.
    pub leader: Option<NodeId>,
    /// Commit index.
    pub commit: Index,
    /// Applied index.
    pub applied: Index,
    /// First index still in the log.
    pub first_index: Index,
    /// Last index (durable or not).
    pub last_index: Index,
    /// Last durable index.
    pub persisted_index: Index,
    /// Ticks since the election timer was reset.
    pub election_elapsed_ticks: u64,
    /// This round's randomized election timeout.
    pub randomized_election_timeout_ticks: u64,
    /// Active configuration.
    pub conf_state: ConfState,
    /// Per-member progress (leader only; empty otherwise).
    pub progress: BTreeMap<NodeId, ProgressStatus>,
    /// Target of a leadership transfer in progress.
    pub lead_transferee: Option<NodeId>,
    /// Whether this node is a learner.
    pub is_learner: bool,
}

/// A Raft node driven by the application. `Clone` checkpoints the whole node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawNode {
    raft: Raft,
    prev_soft_state: SoftState,
    prev_hard_state: HardState,
}

impl RawNode {
    /// A node over `storage`: a fresh node (storage from
    /// [`MemStorage::new_with_conf_state`]) or a restarting one.
    pub fn new(config: &Config, storage: MemStorage) -> Result<RawNode, ConfigError> {
        let raft = Raft::new(config, storage)?;
        let prev_hard_state = raft.hard_state();
        let prev_soft_state = SoftState {
            leader: raft.leader(),
            role: raft.role(),
        };
        Ok(RawNode {
            raft,
            prev_soft_state,
            prev_hard_state,
        })
    }

    /// Rebuilds a node after a crash from what it had made durable. Volatile state (role,
    /// leader, progress, applied index, pending reads) starts afresh.
    pub fn restart(config: &Config, durable: MemStorage) -> Result<RawNode, ConfigError> {
        RawNode::new(config, durable)
    }

    /// One logical clock tick.
    pub fn tick(&mut self) {
        self.raft.tick();
    }

    /// Delivers a message from the network. Malformed messages are refused with an error and
    /// change nothing; stale ones are ignored or answered, per the protocol.
    pub fn step(&mut self, m: Message) -> Result<(), StepError> {
        self.raft.step(&m)
    }

    /// [`RawNode::step`] of a borrowed message: what the core keeps of it (entries, a
    /// snapshot, a read context) it copies. The simulator delivers messages it also keeps in
    /// its trace, shared, so no copy of a whole message is made per delivery.
    pub fn step_ref(&mut self, m: &Message) -> Result<(), StepError> {
        self.raft.step(m)
    }

    /// Starts an election now (skipping the timeout).
    pub fn campaign(&mut self) -> Result<(), ProposeError> {
        if !self.raft.promotable() {
            return Err(ProposeError::NotMember);
        }
        self.raft.campaign_requested();
        Ok(())
    }

    /// Proposes application data (appended on the leader, forwarded by a follower).
    pub fn propose(&mut self, data: Vec<u8>) -> Result<(), ProposeError> {
        self.raft.propose(vec![Entry {
            data: data.into(),
            ..Entry::default()
        }])
    }

    /// Proposes a configuration change.
    pub fn propose_conf_change(&mut self, change: &ConfChangeV2) -> Result<(), ProposeError> {
        self.raft.propose(vec![Entry::from_conf_change(change)])
    }

    /// Asks for a read index; the answer arrives as a `ReadState` with `ctx`.
    pub fn read_index(&mut self, ctx: Vec<u8>) -> Result<(), ProposeError> {
        self.raft.read_index(ctx)
    }

    /// Transfers leadership to `target` (on the leader), or asks for it (on `target` itself).
    pub fn transfer_leader(&mut self, target: NodeId) -> Result<(), ProposeError> {
        self.raft.transfer_leader(target)
    }

    /// The transport could not reach `id`.
    pub fn report_unreachable(&mut self, id: NodeId) {
        self.raft.report_unreachable(id);
    }

    /// The transport delivered (or failed to deliver) a snapshot to `id`.
    pub fn report_snapshot(&mut self, id: NodeId, delivered: bool) {
        self.raft.report_snapshot(id, delivered);
    }

    fn soft_state(&self) -> SoftState {
        SoftState {
            leader: self.raft.leader(),
            role: self.raft.role(),
        }
    }

    /// Whether a Ready has anything in it.
    pub fn has_ready(&self) -> bool {
        let log = &self.raft.log;
        self.soft_state() != self.prev_soft_state
            || self.raft.hard_state() != self.prev_hard_state
            || log.unstable.snapshot.is_some()
            || !log.unstable.entries.is_empty()
            || self.raft.has_messages()
            || log.has_next_committed_entries()
            || !self.raft.read_states.is_empty()
    }

    /// Collects what the application must persist, send and apply. Call [`advance`] with it
    /// before the next `ready`.
    ///
    /// [`advance`]: RawNode::advance
    pub fn ready(&mut self) -> Ready {
        let soft_state = self.soft_state();
        let hard_state = self.raft.hard_state();
        let log = &self.raft.log;
        let ready = Ready {
            soft_state: (soft_state != self.prev_soft_state).then_some(soft_state),
            hard_state: (hard_state != self.prev_hard_state).then(|| hard_state.clone()),
            entries: log.unstable.entries.clone(),
            snapshot: log.unstable.snapshot.clone(),
            committed_entries: log.next_committed_entries(u64::MAX),
            messages: self.raft.take_messages(),
            read_states: std::mem::take(&mut self.raft.read_states),
        };
        self.prev_soft_state = soft_state;
        self.prev_hard_state = hard_state;
        ready
    }

    /// Gives back a Ready's message list once its messages are sent, emptied or not: the node's
    /// next messages reuse the allocation. Optional; a caller that drops the list loses
    /// nothing but the allocation.
    pub fn recycle_messages(&mut self, list: Vec<Message>) {
        self.raft.recycle_messages(list);
    }

    /// The Ready's writes are durable and its committed entries are (being) applied: record
    /// them in storage, count the leader's own acknowledgement, apply configuration changes.
    pub fn advance(&mut self, ready: &Ready) {
        let no_persist_vote = self
            .raft
            .config()
            .is_on(super::config::UnsafeSwitch::NoPersistVote);
        let log = &mut self.raft.log;
        if let Some(snapshot) = &ready.snapshot {
            let index = snapshot.metadata.index;
            // A stale snapshot is refused by storage; the log then keeps its durable state.
            let _ = log.storage.apply_snapshot(snapshot.clone());
            log.unstable.stable_snapshot_to(index);
            if log.applied < index {
                log.applied = index;
            }
        }
        if let Some(last) = ready.entries.last() {
            let stored = log.storage.append(&ready.entries);
            debug_assert!(
                stored.is_ok(),
                "n{}: ready entries must continue the log",
                self.raft.id()
            );
            log.unstable.stable_to(last.index, last.term);
        }
        if let Some(hard_state) = &ready.hard_state {
            let mut durable = hard_state.clone();
            if no_persist_vote {
                durable.vote = None;
            }
            durable.commit = durable.commit.min(log.storage.last_index());
            log.storage.set_hard_state(durable);
        }
        for entry in &ready.committed_entries {
            if let Some(Ok(change)) = entry.conf_change() {
                self.raft.apply_conf_change(entry.index, &change);
            }
            self.raft.log.applied_to(entry.index);
        }
        self.raft.on_persisted();
        self.raft.after_apply();
    }

    /// Compacts the durable log up to `index` (at most the applied index) into a snapshot with
    /// the application's `data` and the configuration in force at `index` (§7).
    pub fn compact(
        &mut self,
        index: Index,
        data: impl Into<std::sync::Arc<[u8]>>,
    ) -> Result<(), StorageError> {
        if index > self.raft.log.applied || index > self.raft.log.persisted_last_index() {
            return Err(StorageError::Unavailable);
        }
        let conf_state = self.raft.conf_state_at(index);
        self.raft.log.storage.compact(index, conf_state, data)?;
        self.raft.prune_conf_history(index);
        Ok(())
    }

    /// Shares `data` as the stored snapshot's bytes when they are the same bytes
    /// ([`MemStorage::share_snapshot_data`]): memory only.
    pub fn share_snapshot_data(&mut self, data: &std::sync::Arc<[u8]>) -> bool {
        self.raft.log.storage.share_snapshot_data(data)
    }

    /// Shares `other`'s equal stored entries ([`MemStorage::share_entries_with`]): memory only.
    pub fn share_entries_with(&mut self, other: &MemStorage) {
        self.raft.log.storage.share_entries_with(other);
    }

    /// What this node has made durable: clone it to model the disk across a crash.
    pub fn storage(&self) -> &MemStorage {
        &self.raft.log.storage
    }

    /// Read access to the protocol state.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// Whether events wait to be taken ([`RawNode::take_events`]).
    pub fn has_events(&self) -> bool {
        self.raft.has_events()
    }

    /// Takes the events recorded since the last call (role changes, config changes).
    pub fn take_events(&mut self) -> Vec<Event> {
        self.raft.take_events()
    }

    /// Every entry in the log, durable or not.
    pub fn log_entries(&self) -> Vec<Entry> {
        self.raft.log.all_entries()
    }

    /// The node's state for display.
    pub fn status(&self) -> Status {
        let raft = &self.raft;
        // Inserted one by one: `collect` into a map sorts first, a copy of the sort code in the
        // wasm (crate::sort).
        let mut progress = BTreeMap::new();
        if raft.role() == Role::Leader {
            progress.extend(raft.tracker().progress.iter().map(|(&id, pr)| {
                (
                    id,
                    ProgressStatus {
                        matched: pr.matched,
                        next: pr.next,
                        state: pr.state,
                        inflight_count: pr.inflights.count(),
                        recent_active: pr.recent_active,
                        is_learner: raft.tracker().config.is_learner(id),
                        pending_snapshot: pr.pending_snapshot,
                    },
                )
            }));
        }
        Status {
            id: raft.id(),
            role: raft.role(),
            term: raft.term(),
            vote: raft.vote(),
            leader: raft.leader(),
            commit: raft.log.committed,
            applied: raft.log.applied,
            first_index: raft.log.first_index(),
            last_index: raft.log.last_index(),
            persisted_index: raft.log.persisted_last_index(),
            election_elapsed_ticks: raft.election_elapsed_ticks(),
            randomized_election_timeout_ticks: raft.randomized_election_timeout_ticks(),
            conf_state: raft.tracker().config.to_conf_state(),
            progress,
            lead_transferee: raft.lead_transferee(),
            is_learner: raft.is_learner(),
        }
    }
}
