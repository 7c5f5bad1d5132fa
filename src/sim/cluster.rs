//! The simulation loop: one seeded, virtual-time run of a Raft cluster.
//!
//! [`Sim::step`] takes the earliest event (a tick, a message arrival, a finished disk write or a
//! scheduled action), lets the affected node react, drains every node's Ready (persist, send,
//! apply), then runs the safety monitors. Nothing here reads a clock or an OS random source.

use crate::raft::config::{Config, UnsafeSwitch};
use crate::raft::message::ConfState;
use crate::raft::message::{
    ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, Message, MessageType,
    describe_message,
};
use crate::raft::raw_node::{RawNode, Ready};
use crate::raft::read_only::ReadOnlyOption;
use crate::raft::storage::MemStorage;
use crate::raft::types::NodeId;
use crate::sim::action::{Action, JointLeave, MembershipChange, TimedAction};
use crate::sim::app::NodeApp;
use crate::sim::client::ClientOp;
use crate::sim::config::SimConfig;
use crate::sim::hash::stable_hash;
use crate::sim::monitor::{Monitor, Violation};
use crate::sim::network::{Fate, Network};
use crate::sim::node::{Machine, SimNode};
use crate::sim::queue::{EventQueue, TimeMs};
use crate::sim::read_context::ReadContext;
use crate::sim::rng::Streams;
use crate::sim::trace::{DropReason, Trace, TraceKind};
use std::collections::{BTreeMap, BTreeSet};

/// Bounds the Ready rounds after one event: a correct core settles in a few; more means a bug.
const READY_ROUNDS_MAX: usize = 64;

/// Something scheduled to happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A node's clock ticks (ignored if the node restarted since: `epoch`).
    Tick { node: u64, epoch: u64 },
    /// A message arrives.
    Deliver { message: u64 },
    /// A node's disk write finished.
    DiskDone { node: u64, epoch: u64 },
    /// With the lying-disk fault: the disk really writes what it acknowledged.
    Flush { node: u64, epoch: u64 },
    /// A user action from the scenario's timeline.
    Act(Action),
    /// A client gives up waiting for operation `op`.
    ClientTimeout { op: u64 },
}

/// A message on the wire.
#[derive(Clone, Debug)]
pub struct InFlight {
    /// Stable id, in send order.
    pub id: u64,
    /// When it left.
    pub sent_ms: TimeMs,
    /// When it is due (for held messages: when it was due).
    pub due_ms: TimeMs,
    /// Held by the user: it stays until released or dropped.
    pub held: bool,
    /// The message.
    pub message: Message,
}

/// An error from a user action: the run is unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionError(pub String);

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One simulated cluster.
#[derive(Clone, Debug)]
pub struct Sim {
    config: SimConfig,
    now_ms: TimeMs,
    queue: EventQueue<Event>,
    nodes: BTreeMap<u64, SimNode>,
    network: Network,
    rng: Streams,
    in_flight: BTreeMap<u64, InFlight>,
    next_message_id: u64,
    trace: Trace,
    monitor: Monitor,
    steps: u64,
    violation: Option<Violation>,
    ops: BTreeMap<u64, ClientOp>,
    /// Linearizable reads waiting to be served: (node, read index, op). An index over `ops`
    /// so that serving reads looks only at the reads due on one node.
    pending_reads: BTreeSet<(u64, u64, u64)>,
    /// Finished operations still in `ops`, oldest first: the ops window.
    finished_ops: std::collections::VecDeque<u64>,
    /// Finished operations that left `ops` (the clients' history is truncated when non-zero).
    ops_forgotten: u64,
    /// Automatic snapshots waiting for their catch-up margin: node -> (index, app state there).
    /// Volatile: a crash loses it. Shared, so a timeline checkpoint does not copy the state.
    pending_snapshots: BTreeMap<u64, (crate::raft::types::Index, std::sync::Arc<Vec<u8>>)>,
    /// Per node, the highest MVCC compaction revision it proposed (so a leader proposes each
    /// automatic compaction once).
    mvcc_compaction_proposed: BTreeMap<u64, i64>,
    next_op_id: u64,
    /// Per client: the last session sequence number used.
    client_seq: BTreeMap<u64, u64>,
}

mod compaction;
mod ops;

impl Sim {
    /// A fresh cluster: voters 1..=n in one configuration, spares outside it, all up.
    pub fn new(config: SimConfig) -> Result<Sim, String> {
        config.validate()?;
        let mut rng = Streams::new(config.seed);
        let voters: Vec<u64> = (1..=config.voters).collect();
        let mut nodes = BTreeMap::new();
        let mut queue = EventQueue::default();
        for id in config.node_ids() {
            let raft_config = raft_config_for(&config, id, rng.nodes.next_u64());
            // Every machine boots knowing the initial configuration (like etcd's
            // --initial-cluster): spares are simply not in it. A spare that started with an
            // empty configuration would apply a later "add me" entry to nothing and believe it
            // is the only voter.
            let storage =
                MemStorage::new_with_conf_state(ConfState::from_voters(voters.iter().copied()));
            let raft = RawNode::new(&raft_config, storage).map_err(|e| e.to_string())?;
            // Nodes' clocks are not aligned: each ticks at its own phase.
            let phase_ms = rng.timers.below(config.tick_ms);
            queue.push(phase_ms, Event::Tick { node: id, epoch: 0 });
            nodes.insert(
                id,
                SimNode {
                    id,
                    raft_config,
                    machine: Machine::Up {
                        raft: Box::new(raft),
                        writing: None,
                    },
                    app: NodeApp::default(),
                    epoch: 0,
                    paused: false,
                    parked: Vec::new(),
                    missed_ticks: 0,
                    platter: None,
                    watches: Default::default(),
                },
            );
        }
        let network = Network::new(config.link.into());
        let rule_monitors = config.rule_monitors;
        let trace = Trace::with_window(config.record_trace, config.trace_window);
        let mut sim = Sim {
            config,
            now_ms: 0,
            queue,
            nodes,
            network,
            rng,
            in_flight: BTreeMap::new(),
            next_message_id: 0,
            trace,
            monitor: Monitor::new(rule_monitors),
            steps: 0,
            violation: None,
            ops: BTreeMap::new(),
            pending_reads: BTreeSet::new(),
            finished_ops: std::collections::VecDeque::new(),
            ops_forgotten: 0,
            pending_snapshots: BTreeMap::new(),
            mvcc_compaction_proposed: BTreeMap::new(),
            next_op_id: 0,
            client_seq: BTreeMap::new(),
        };
        if sim.config.disk_loses_unsynced {
            for node in sim.nodes.values_mut() {
                node.platter = node.raft().map(|r| Box::new(r.storage().clone()));
            }
        }
        sim.monitor.observe_all(&sim.nodes);
        Ok(sim)
    }

    /// Schedules `actions` on the timeline (each at its time; past times run next).
    pub fn schedule(&mut self, actions: &[TimedAction]) {
        for timed in actions {
            self.queue.push(
                timed.at_ms.max(self.now_ms),
                Event::Act(timed.action.clone()),
            );
        }
    }

    /// `delay_ms` from now, saturating: a huge delay means "never", not a time in the past.
    fn later(&self, delay_ms: TimeMs) -> TimeMs {
        self.now_ms.saturating_add(delay_ms)
    }

    /// Runs one event. Returns false when nothing is left to run or a monitor has fired.
    pub fn step(&mut self) -> bool {
        if self.violation.is_some() {
            return false;
        }
        let Some((at_ms, event)) = self.queue.pop() else {
            return false;
        };
        // Virtual time never runs backwards: every event is scheduled at or after `now_ms`
        // (see `later`); `max` keeps that true even if a bug scheduled one in the past.
        debug_assert!(
            at_ms >= self.now_ms,
            "event at {at_ms} ms scheduled in the past"
        );
        self.now_ms = at_ms.max(self.now_ms);
        self.steps += 1;
        let touched = match event {
            Event::Tick { node, epoch } => self.on_tick(node, epoch),
            Event::Deliver { message } => self.on_deliver(message),
            Event::DiskDone { node, epoch } => self.on_disk_done(node, epoch),
            Event::Flush { node, epoch } => self.on_flush(node, epoch),
            Event::ClientTimeout { op } => {
                self.on_client_timeout(op);
                None
            }
            Event::Act(action) => {
                // A scheduled action that no longer applies (say, restart of a running node) is
                // noted in the trace and skipped: the run goes on.
                if let Err(error) = self.apply_action(&action) {
                    self.note(0, format!("action '{action}' skipped: {error}"));
                }
                None
            }
        };
        if let Some(node) = touched {
            self.drain_ready(node);
        }
        self.check_monitors();
        self.violation.is_none()
    }

    /// Runs events until virtual time `until_ms` (inclusive), a violation, or `steps_max` steps.
    /// Returns the number of steps run.
    pub fn run_until(&mut self, until_ms: TimeMs, steps_max: u64) -> u64 {
        let mut steps = 0;
        while steps < steps_max {
            match self.queue.peek_time() {
                Some(t) if t <= until_ms => {}
                _ => break,
            }
            if !self.step() {
                steps += 1;
                break;
            }
            steps += 1;
        }
        if self.violation.is_none() && self.now_ms < until_ms && steps < steps_max {
            self.now_ms = until_ms;
        }
        steps
    }

    /// Moves the clock forward to `at_ms` without running anything, if no event is due before
    /// then (used to replay an action at exactly the time it was taken). Returns whether it moved.
    pub fn idle_until(&mut self, at_ms: TimeMs) -> bool {
        let clear = self.queue.peek_time().is_none_or(|next| next > at_ms);
        if clear && at_ms >= self.now_ms {
            self.now_ms = at_ms;
        }
        clear
    }

    /// Applies a user action now, then runs the monitors (an action can break an invariant by
    /// itself: a restart, a proposal, a message delivered by hand). On error nothing changed.
    ///
    /// After a violation the run is frozen: events no longer run and every action is refused
    /// with an error that names the violation, so what is on screen is the state in which the
    /// monitor fired. To try something else, go back to before it (time travel) or start over.
    pub fn apply_action(&mut self, action: &Action) -> Result<(), ActionError> {
        if let Some(violation) = &self.violation {
            return Err(ActionError(format!(
                "the run is frozen at the violation of monitor {} at {}ms; go back to before it or start over",
                violation.invariant, violation.at_ms
            )));
        }
        self.validate_action(action)?;
        let result = self.apply_validated(action);
        self.check_monitors();
        result
    }

    fn apply_validated(&mut self, action: &Action) -> Result<(), ActionError> {
        self.trace.push(
            self.now_ms,
            TraceKind::Action {
                text: action.to_string(),
            },
        );
        match action {
            Action::Crash { node } => self.crash(*node),
            Action::Restart { node } => self.restart(*node)?,
            Action::Pause { node } => self.node_mut(*node)?.paused = true,
            Action::Resume { node } => self.resume(*node)?,
            Action::FireTimer { node } => {
                let raft = self.up_raft(*node)?;
                raft.campaign()
                    .map_err(|e| ActionError(format!("n{node} cannot campaign: {e:?}")))?;
                // A postponed campaign changes no state for a Ready: show its event now.
                self.record_events(*node);
                self.drain_ready(*node);
            }
            Action::Partition { groups } => {
                let all = self.node_set();
                let groups: Vec<BTreeSet<u64>> =
                    groups.iter().map(|g| g.iter().copied().collect()).collect();
                self.network.partition(&all, &groups);
            }
            Action::Isolate { node } => {
                let all = self.node_set();
                self.network.isolate(*node, &all);
            }
            Action::Heal => self.network.heal_all(),
            Action::SetLinkUp { from, to, up } => self.network.set_up(*from, *to, *up),
            Action::SetLink { from, to, link } => self.network.set_link(*from, *to, (*link).into()),
            Action::SetDefaultLink { link } => self.network.set_default((*link).into()),
            Action::Hold { message } => self.flight_mut(*message)?.held = true,
            Action::Release { message } => {
                self.flight_mut(*message)?.held = false;
                self.queue
                    .push(self.now_ms, Event::Deliver { message: *message });
            }
            Action::Drop { message } => {
                let flight = self
                    .in_flight
                    .remove(message)
                    .ok_or_else(|| no_message(*message))?;
                self.dropped(flight, DropReason::User);
            }
            Action::DeliverNow { message } => {
                if let Some(node) = self.deliver(*message, true) {
                    self.drain_ready(node);
                }
            }
            Action::Propose { node, data } => {
                let raft = self.up_raft(*node)?;
                raft.propose(data.as_bytes().to_vec())
                    .map_err(|e| ActionError(format!("n{node} refused the proposal: {e}")))?;
                self.drain_ready(*node);
            }
            Action::TransferLeader { node, to } => {
                let raft = self.up_raft(*node)?;
                raft.transfer_leader(NodeId(*to))
                    .map_err(|e| ActionError(format!("n{node} cannot transfer: {e:?}")))?;
                self.drain_ready(*node);
            }
            Action::Compact { node } => self.compact(*node)?,
            Action::ReadIndex { node } => {
                let ctx = ReadContext::Probe(self.trace.next_id()).to_bytes();
                let raft = self.up_raft(*node)?;
                raft.read_index(ctx.clone())
                    .map_err(|e| ActionError(format!("n{node} cannot serve a read: {e:?}")))?;
                self.monitor.on_read_requested(&ctx);
                self.drain_ready(*node);
            }
            Action::Console { client, node, line } => self.client_send(*client, *node, line)?,
            Action::Retry { op, node } => self.client_retry(*op, *node)?,
            Action::ChangeMembership { via, change } => {
                self.propose_conf_change(*via, &conf_change(&[*change], None))?
            }
            Action::ChangeConfig {
                via,
                changes,
                leave,
            } => self.propose_conf_change(*via, &conf_change(changes, *leave))?,
            Action::LeaveJoint { via } => {
                self.propose_conf_change(*via, &ConfChangeV2::default())?
            }
        }
        Ok(())
    }

    fn propose_conf_change(&mut self, via: u64, change: &ConfChangeV2) -> Result<(), ActionError> {
        let raft = self.up_raft(via)?;
        raft.propose_conf_change(change)
            .map_err(|e| ActionError(format!("n{via} refused the change: {e}")))?;
        self.drain_ready(via);
        Ok(())
    }

    fn validate_action(&self, action: &Action) -> Result<(), ActionError> {
        let known = |n: &u64| self.nodes.contains_key(n);
        let check = |n: &u64| if known(n) { Ok(()) } else { Err(no_node(*n)) };
        match action {
            Action::Crash { node } => {
                check(node)?;
                if !self.nodes[node].is_up() {
                    return Err(ActionError(format!("n{node} is already down")));
                }
            }
            Action::Restart { node } => {
                check(node)?;
                if self.nodes[node].is_up() {
                    return Err(ActionError(format!("n{node} is running; crash it first")));
                }
            }
            Action::Pause { node } | Action::Resume { node } | Action::FireTimer { node } => {
                check(node)?
            }
            Action::Isolate { node } | Action::Propose { node, .. } | Action::Compact { node } => {
                check(node)?
            }
            Action::ReadIndex { node } => check(node)?,
            Action::Console { node, .. } | Action::Retry { node, .. } => check(node)?,
            Action::TransferLeader { node, to } => {
                check(node)?;
                check(to)?;
            }
            Action::SetLinkUp { from, to, .. } => {
                check(from)?;
                check(to)?;
            }
            Action::SetLink { from, to, link } => {
                check(from)?;
                check(to)?;
                link.validate().map_err(ActionError)?;
            }
            Action::SetDefaultLink { link } => link.validate().map_err(ActionError)?,
            Action::Partition { groups } => {
                for n in groups.iter().flatten() {
                    check(n)?;
                }
            }
            Action::ChangeMembership { via, change } => {
                check(via)?;
                check(&change.node())?;
            }
            Action::Heal => {}
            Action::ChangeConfig { via, changes, .. } => {
                check(via)?;
                if changes.is_empty() {
                    return Err(ActionError(
                        "a configuration change needs at least one add-voter, add-learner or \
                         remove"
                            .into(),
                    ));
                }
                for (at, change) in changes.iter().enumerate() {
                    check(&change.node())?;
                    if changes[..at].iter().any(|c| c.node() == change.node()) {
                        return Err(ActionError(format!(
                            "n{} is named twice in one configuration change",
                            change.node()
                        )));
                    }
                }
            }
            Action::LeaveJoint { via } => check(via)?,
            Action::Hold { message }
            | Action::Release { message }
            | Action::Drop { message }
            | Action::DeliverNow { message } => {
                if !self.in_flight.contains_key(message) {
                    return Err(no_message(*message));
                }
            }
        }
        Ok(())
    }

    // ----- event handlers: each returns the node whose Ready may need draining -----

    fn on_tick(&mut self, id: u64, epoch: u64) -> Option<u64> {
        let next_tick = self.later(self.config.tick_ms);
        let missed_max = missed_ticks_max(&self.config);
        let node = self.nodes.get_mut(&id)?;
        if node.epoch != epoch || !node.is_up() {
            return None;
        }
        self.queue.push(next_tick, Event::Tick { node: id, epoch });
        if node.paused {
            node.missed_ticks = (node.missed_ticks + 1).min(missed_max);
            return None;
        }
        node.raft_mut()?.tick();
        Some(id)
    }

    fn on_deliver(&mut self, message: u64) -> Option<u64> {
        self.deliver(message, false)
    }

    /// Hands a message to its recipient. `forced` delivers even a held message.
    fn deliver(&mut self, id: u64, forced: bool) -> Option<u64> {
        let flight = self.in_flight.get(&id)?;
        if flight.held && !forced {
            return None;
        }
        let to = flight.message.to.0;
        let Some(node) = self.nodes.get_mut(&to) else {
            let flight = self.in_flight.remove(&id)?;
            self.dropped(flight, DropReason::NodeDown);
            return None;
        };
        if node.is_up() && node.paused && !forced {
            node.parked.push(id);
            return None;
        }
        let flight = self.in_flight.remove(&id)?;
        if !node.is_up() {
            self.dropped(flight, DropReason::NodeDown);
            return None;
        }
        let is_snapshot = flight.message.msg_type == MessageType::MsgSnapshot;
        let from = flight.message.from.0;
        self.trace
            .push(self.now_ms, TraceKind::Deliver { message: id, to });
        let result = node.raft_mut().map(|raft| raft.step(flight.message));
        if let Some(Err(error)) = result {
            self.note(to, format!("refused m{id}: {error}"));
        }
        if is_snapshot && let Some(sender) = self.nodes.get_mut(&from).and_then(SimNode::raft_mut) {
            sender.report_snapshot(NodeId(to), true);
            self.drain_ready(from);
        }
        Some(to)
    }

    fn on_disk_done(&mut self, id: u64, epoch: u64) -> Option<u64> {
        let node = self.nodes.get_mut(&id)?;
        if node.epoch != epoch {
            return None;
        }
        let Machine::Up { writing, .. } = &mut node.machine else {
            return None;
        };
        let ready = writing.take()?;
        self.finish_ready(id, *ready);
        Some(id)
    }

    fn on_flush(&mut self, id: u64, epoch: u64) -> Option<u64> {
        let node = self.nodes.get_mut(&id)?;
        if node.epoch == epoch
            && let Some(storage) = node.raft().map(|r| r.storage().clone())
        {
            node.platter = Some(Box::new(storage));
        }
        None
    }

    // ----- the Ready cycle -----

    /// Handles Readies of `id` until it has none (or is waiting for its disk).
    fn drain_ready(&mut self, id: u64) {
        for _ in 0..READY_ROUNDS_MAX {
            let Some(node) = self.nodes.get_mut(&id) else {
                return;
            };
            if node.paused || node.is_writing() {
                return;
            }
            let Some(raft) = node.raft_mut() else { return };
            if !raft.has_ready() {
                return;
            }
            let ready = raft.ready();
            self.record_events(id);
            if ready.must_sync() && !self.config.disk_loses_unsynced {
                let delay = self.rng.disks.between(
                    self.config.disk_latency_ms_min,
                    self.config.disk_latency_ms_max,
                );
                if delay > 0 {
                    let node = self
                        .nodes
                        .get_mut(&id)
                        .expect("node exists: looked up above");
                    if let Machine::Up { writing, .. } = &mut node.machine {
                        *writing = Some(Box::new(ready));
                    }
                    let epoch = node.epoch;
                    self.queue
                        .push(self.later(delay), Event::DiskDone { node: id, epoch });
                    return;
                }
            }
            if ready.must_sync() && self.config.disk_loses_unsynced {
                // The lying disk acknowledges at once and writes to the platter later.
                let delay = self.rng.disks.between(
                    self.config.disk_latency_ms_min,
                    self.config.disk_latency_ms_max,
                );
                let epoch = self.nodes[&id].epoch;
                self.queue.push(
                    self.later(delay.max(1).saturating_mul(20)),
                    Event::Flush { node: id, epoch },
                );
            }
            self.finish_ready(id, ready);
        }
        self.note(
            id,
            format!("still busy after {READY_ROUNDS_MAX} Ready rounds"),
        );
    }

    /// The Ready's writes are durable: advance, apply, then send.
    fn finish_ready(&mut self, id: u64, ready: Ready) {
        let now = self.now_ms;
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        let Some(raft) = node.raft_mut() else { return };
        let commit_before = raft.raft().log().committed;
        raft.advance(&ready);
        let hard_state = raft.storage().hard_state().clone();
        if ready.must_sync() {
            let first = ready.entries.first().map_or(0, |e| e.index.0);
            let last = ready.entries.last().map_or(0, |e| e.index.0);
            self.trace.push(
                now,
                TraceKind::Persist {
                    node: id,
                    term: hard_state.term.0,
                    vote: hard_state.vote.map_or(0, |v| v.0),
                    first,
                    last,
                },
            );
        }
        let node = self
            .nodes
            .get_mut(&id)
            .expect("node exists: looked up above");
        if let Some(snapshot) = &ready.snapshot {
            if let Err(error) = node.app.restore(&snapshot.data) {
                self.note(id, format!("snapshot refused by the application: {error}"));
            } else {
                self.trace.push(
                    now,
                    TraceKind::Snapshot {
                        node: id,
                        index: snapshot.metadata.index.0,
                    },
                );
            }
        }
        let node = self
            .nodes
            .get_mut(&id)
            .expect("node exists: looked up above");
        let mut answers = Vec::new();
        let mut events = Vec::new();
        for entry in &ready.committed_entries {
            match node.app.apply(entry) {
                Some((Some(op), outcome)) => {
                    events.extend(outcome.events.iter().cloned());
                    answers.push((op, outcome));
                }
                Some((None, outcome)) => events.extend(outcome.events),
                None => {}
            }
        }
        let commit_after = node
            .raft()
            .map_or(commit_before, |r| r.raft().log().committed);
        self.monitor.on_ready(id, &ready, &self.nodes, now);
        if commit_after > commit_before {
            self.trace.push(
                now,
                TraceKind::Commit {
                    node: id,
                    index: commit_after.0,
                },
            );
        }
        if let Some(last) = ready.committed_entries.last() {
            self.trace.push(
                now,
                TraceKind::Apply {
                    node: id,
                    index: last.index.0,
                },
            );
        }
        self.answer_writes(id, answers);
        self.stream_watch_events(id, &events);
        for read in &ready.read_states {
            self.note_read_index(id, &read.request_ctx, read.index.0);
            self.monitor
                .on_read_served(id, &read.request_ctx, read.index, now);
            self.trace.push(
                now,
                TraceKind::Read {
                    node: id,
                    index: read.index.0,
                },
            );
        }
        self.serve_reads(id);
        if !ready.committed_entries.is_empty() {
            self.auto_compact(id);
        }
        self.record_events(id);
        for message in ready.messages {
            self.send(message);
        }
    }

    fn record_events(&mut self, id: u64) {
        let Some(raft) = self.nodes.get_mut(&id).and_then(SimNode::raft_mut) else {
            return;
        };
        for event in raft.take_events() {
            let text = event.to_string();
            self.monitor.on_event(id, &event, &self.nodes, self.now_ms);
            self.trace
                .push(self.now_ms, TraceKind::Role { node: id, text });
        }
    }

    fn send(&mut self, mut message: Message) {
        if message.msg_type == MessageType::MsgSnapshot {
            self.refresh_snapshot(&mut message);
        }
        self.monitor.on_send(&message, self.now_ms);
        let id = self.next_message_id;
        self.next_message_id += 1;
        let (from, to) = (message.from.0, message.to.0);
        // The summary costs a string per message: only build it when the trace is kept.
        let summary = if self.trace.is_recording() {
            describe_message(&message)
        } else {
            String::new()
        };
        self.trace.push(
            self.now_ms,
            TraceKind::Send {
                message: id,
                from,
                to,
                summary,
            },
        );
        let flight = InFlight {
            id,
            sent_ms: self.now_ms,
            due_ms: self.now_ms,
            held: false,
            message,
        };
        match self.network.fate(from, to, &mut self.rng.network) {
            Fate::DroppedLinkDown => self.dropped(flight, DropReason::LinkDown),
            Fate::DroppedLoss => self.dropped(flight, DropReason::Loss),
            Fate::Deliver(delays) => {
                for (copy_number, delay) in delays.into_iter().enumerate() {
                    let mut copy = flight.clone();
                    if copy_number > 0 {
                        copy.id = self.next_message_id;
                        self.next_message_id += 1;
                        self.trace.push(
                            self.now_ms,
                            TraceKind::Duplicate {
                                message: id,
                                copy: copy.id,
                            },
                        );
                    }
                    copy.due_ms = self.later(delay);
                    self.queue
                        .push(copy.due_ms, Event::Deliver { message: copy.id });
                    self.in_flight.insert(copy.id, copy);
                }
            }
        }
    }

    /// Sends the sender's current state instead of an older stored snapshot, as etcd's server
    /// does (`createMergedSnapshotMessage`): the stored snapshot may predate the recipient's own
    /// membership, and a node refuses a snapshot whose configuration does not include it.
    fn refresh_snapshot(&mut self, message: &mut Message) {
        let from = message.from.0;
        let Some(node) = self.nodes.get_mut(&from) else {
            return;
        };
        let applied = node.app.applied();
        let data = node.app.snapshot_data();
        let Some(raft) = node.raft_mut() else { return };
        let stale = message
            .snapshot
            .as_ref()
            .is_some_and(|s| s.metadata.index < applied);
        if stale && raft.compact(applied, data).is_ok() {
            message.snapshot = Some(raft.storage().snapshot().clone());
            self.trace.push(
                self.now_ms,
                TraceKind::Snapshot {
                    node: from,
                    index: applied.0,
                },
            );
        }
    }

    fn dropped(&mut self, flight: InFlight, reason: DropReason) {
        self.trace.push(
            self.now_ms,
            TraceKind::Drop {
                message: flight.id,
                reason,
            },
        );
        let message = flight.message;
        if message.msg_type == MessageType::MsgSnapshot {
            let (from, to) = (message.from.0, message.to.0);
            if let Some(sender) = self.nodes.get_mut(&from).and_then(SimNode::raft_mut) {
                sender.report_snapshot(NodeId(to), false);
                self.drain_ready(from);
            }
        }
    }

    // ----- node control -----

    fn crash(&mut self, id: u64) {
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        let disk = match (&node.platter, &node.machine) {
            (Some(platter), _) => platter.as_ref().clone(),
            (None, Machine::Up { raft, .. }) => raft.storage().clone(),
            (None, Machine::Down { disk }) => disk.as_ref().clone(),
        };
        node.watches = Default::default();
        node.machine = Machine::Down {
            disk: Box::new(disk),
        };
        node.epoch += 1;
        node.paused = false;
        node.missed_ticks = 0;
        let parked = std::mem::take(&mut node.parked);
        for message in parked {
            if let Some(flight) = self.in_flight.remove(&message) {
                self.dropped(flight, DropReason::NodeDown);
            }
        }
        self.monitor.on_crash(id);
        self.pending_snapshots.remove(&id);
        self.close_watches(id);
    }

    fn restart(&mut self, id: u64) -> Result<(), ActionError> {
        let tick_ms = self.config.tick_ms;
        let phase_ms = self.rng.timers.below(tick_ms);
        let node = self.node_mut(id)?;
        let Machine::Down { disk } = &node.machine else {
            return Err(ActionError(format!("n{id} is running")));
        };
        let disk = disk.as_ref().clone();
        let mut app = NodeApp::default();
        app.restore(&disk.snapshot().data).map_err(ActionError)?;
        let raft = RawNode::restart(&node.raft_config, disk.clone())
            .map_err(|e| ActionError(format!("n{id} cannot restart: {e}")))?;
        node.app = app;
        node.machine = Machine::Up {
            raft: Box::new(raft),
            writing: None,
        };
        node.epoch += 1;
        if node.platter.is_some() {
            node.platter = Some(Box::new(disk));
        }
        let epoch = node.epoch;
        self.queue
            .push(self.later(phase_ms), Event::Tick { node: id, epoch });
        self.monitor.on_restart(id, &self.nodes);
        self.drain_ready(id);
        Ok(())
    }

    fn resume(&mut self, id: u64) -> Result<(), ActionError> {
        let node = self.node_mut(id)?;
        node.paused = false;
        // The process's clock ran on while it was stopped: the timers it missed fire first
        // (a leader finds its lease expired, a follower its election timeout), and only then
        // does it read the messages that waited for it.
        let missed = std::mem::take(&mut node.missed_ticks);
        if let Some(raft) = node.raft_mut()
            && missed > 0
        {
            for _ in 0..missed {
                raft.tick();
            }
            self.note(
                id,
                format!("resumed: its clock ran on while paused, {missed} missed ticks fire now"),
            );
        }
        let node = self.node_mut(id)?;
        let parked = std::mem::take(&mut node.parked);
        for message in parked {
            self.queue.push(self.now_ms, Event::Deliver { message });
        }
        self.drain_ready(id);
        Ok(())
    }

    fn compact(&mut self, id: u64) -> Result<(), ActionError> {
        let node = self.node_mut(id)?;
        let applied = node.app.applied();
        let data = node.app.snapshot_data();
        let raft = node
            .raft_mut()
            .ok_or_else(|| ActionError(format!("n{id} is down")))?;
        raft.compact(applied, data)
            .map_err(|e| ActionError(format!("n{id} cannot compact at {applied}: {e:?}")))?;
        self.trace.push(
            self.now_ms,
            TraceKind::Snapshot {
                node: id,
                index: applied.0,
            },
        );
        Ok(())
    }

    // ----- helpers -----

    fn note(&mut self, node: u64, text: String) {
        self.trace.push(self.now_ms, TraceKind::Note { node, text });
    }

    fn node_set(&self) -> BTreeSet<u64> {
        self.nodes.keys().copied().collect()
    }

    fn node_mut(&mut self, id: u64) -> Result<&mut SimNode, ActionError> {
        self.nodes.get_mut(&id).ok_or_else(|| no_node(id))
    }

    fn up_raft(&mut self, id: u64) -> Result<&mut RawNode, ActionError> {
        let node = self.node_mut(id)?;
        if node.paused {
            return Err(ActionError(format!("n{id} is paused")));
        }
        node.raft_mut()
            .ok_or_else(|| ActionError(format!("n{id} is down")))
    }

    fn flight_mut(&mut self, id: u64) -> Result<&mut InFlight, ActionError> {
        self.in_flight.get_mut(&id).ok_or_else(|| no_message(id))
    }

    fn check_monitors(&mut self) {
        if self.violation.is_some() {
            return;
        }
        if let Some(mut violation) =
            self.monitor
                .check(&self.nodes, self.now_ms, self.trace.next_id())
        {
            violation.explanation =
                crate::sim::monitor::explain(violation.invariant, &self.config.switches());
            self.trace.push(
                self.now_ms,
                TraceKind::Violation {
                    invariant: violation.invariant.to_string(),
                },
            );
            self.violation = Some(violation);
        }
    }

    // ----- read access for views, tests and the CLI -----

    /// The run's settings.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }
    /// Virtual time now.
    pub fn now_ms(&self) -> TimeMs {
        self.now_ms
    }
    /// Events run so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }
    /// The nodes by id.
    pub fn nodes(&self) -> &BTreeMap<u64, SimNode> {
        &self.nodes
    }
    /// Messages on the wire by id.
    pub fn in_flight(&self) -> &BTreeMap<u64, InFlight> {
        &self.in_flight
    }
    /// The network's links.
    pub fn network(&self) -> &Network {
        &self.network
    }
    /// The trace so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
    /// Client operations by id: every pending one and the last `ops_window` finished ones.
    pub fn ops(&self) -> &BTreeMap<u64, ClientOp> {
        &self.ops
    }
    /// How many finished operations left the ops window (0: `ops` is the whole history).
    pub fn ops_forgotten(&self) -> u64 {
        self.ops_forgotten
    }
    /// The safety monitors (for their map sizes).
    pub fn monitor(&self) -> &Monitor {
        &self.monitor
    }
    /// The first safety violation, if a monitor fired.
    pub fn violation(&self) -> Option<&Violation> {
        self.violation.as_ref()
    }
    /// The time of the next pending event.
    pub fn next_event_ms(&self) -> Option<TimeMs> {
        self.queue.peek_time()
    }

    /// The current leader: a running node in the leader role with the highest term.
    pub fn leader(&self) -> Option<u64> {
        self.nodes
            .values()
            .filter_map(|n| n.raft().map(|r| (n.id, r.raft())))
            .filter(|(_, r)| r.role() == crate::raft::node::Role::Leader)
            .max_by_key(|(id, r)| (r.term(), std::cmp::Reverse(*id)))
            .map(|(id, _)| id)
    }

    /// A hash of the whole cluster state that matters to the protocol: nodes' durable and
    /// volatile Raft state, applied state, messages in flight, links and time. The page shows
    /// it; tests compare it natively and in wasm.
    pub fn state_hash(&self) -> u64 {
        let nodes: Vec<_> = self
            .nodes
            .values()
            .map(|n| {
                let raft = n.raft().map(|r| {
                    let s = r.status();
                    (
                        s.role as u8,
                        s.term.0,
                        s.vote.map_or(0, |v| v.0),
                        s.commit.0,
                        s.applied.0,
                        s.last_index.0,
                        r.raft().log().last_term().0,
                        s.leader.map_or(0, |l| l.0),
                    )
                });
                let durable = n
                    .durable()
                    .map(|d| (d.hard_state().clone(), d.last_index().0, d.first_index().0));
                (n.id, n.epoch, n.paused, raft, durable, n.app.state_hash())
            })
            .collect();
        let flights: Vec<_> = self
            .in_flight
            .values()
            .map(|f| {
                (
                    f.id,
                    f.due_ms,
                    f.held,
                    f.message.from.0,
                    f.message.to.0,
                    f.message.msg_type as u8,
                )
            })
            .collect();
        let links: Vec<_> = self.network.overrides().map(|(k, v)| (*k, *v)).collect();
        stable_hash(&(
            self.now_ms,
            nodes,
            flights,
            links,
            self.network.default_link(),
        ))
    }
}

/// Bound on the ticks a paused node catches up on when resumed: enough to cross every timeout
/// it has (the lease and check-quorum within one election timeout, the randomized election
/// timeout below two), so more would change nothing but the time spent ticking.
fn missed_ticks_max(config: &SimConfig) -> u64 {
    config
        .election_timeout_ticks
        .saturating_mul(2)
        .saturating_add(1)
}

fn raft_config_for(config: &SimConfig, id: u64, seed: u64) -> Config {
    let mut raft = Config::new(NodeId(id));
    raft.election_timeout_ticks = config.election_timeout_ticks;
    raft.heartbeat_interval_ticks = config.heartbeat_interval_ticks;
    raft.seed = seed;
    raft.pre_vote = config.pre_vote;
    raft.check_quorum = config.check_quorum;
    raft.msg_entries_max = usize::try_from(config.msg_entries_max).unwrap_or(usize::MAX);
    raft.read_only = if config.lease_reads {
        ReadOnlyOption::LeaseBased
    } else {
        ReadOnlyOption::Safe
    };
    raft.unsafe_switches = config
        .switches()
        .into_iter()
        .collect::<BTreeSet<UnsafeSwitch>>();
    raft
}

/// The core's change for the user's: `leave` picks etcd's transition (none: joint only for
/// more than one change; auto: joint-implicit; explicit: joint-explicit).
fn conf_change(changes: &[MembershipChange], leave: Option<JointLeave>) -> ConfChangeV2 {
    let transition = match leave {
        None => ConfChangeTransition::Auto,
        Some(JointLeave::Auto) => ConfChangeTransition::JointImplicit,
        Some(JointLeave::Explicit) => ConfChangeTransition::JointExplicit,
    };
    let changes = changes
        .iter()
        .map(|change| {
            let change_type = match change {
                MembershipChange::AddVoter { .. } => ConfChangeType::AddNode,
                MembershipChange::AddLearner { .. } => ConfChangeType::AddLearnerNode,
                MembershipChange::Remove { .. } => ConfChangeType::RemoveNode,
            };
            ConfChangeSingle {
                change_type,
                node_id: NodeId(change.node()),
            }
        })
        .collect();
    ConfChangeV2 {
        transition,
        changes,
    }
}

fn no_node(id: u64) -> ActionError {
    ActionError(format!("there is no node n{id}"))
}

fn no_message(id: u64) -> ActionError {
    ActionError(format!("message m{id} is not in flight"))
}
