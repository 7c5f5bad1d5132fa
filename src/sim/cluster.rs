//! The simulation loop: one seeded, virtual-time run of a Raft cluster.
//!
//! [`Sim::step`] takes the earliest event (a tick, a message arrival, a finished disk write or a
//! scheduled action), lets the affected node react, drains every node's Ready (persist, send,
//! apply), then runs the safety monitors. Nothing here reads a clock or an OS random source.
//!
//! This file holds the state and the loop; each job the loop hands work to has its own file, so
//! a change to one (say, how messages travel) is read and reviewed without the others:
//! [`actions`] (the user's actions and node control), [`ready`] (draining a node's Ready:
//! persist, apply, send), [`wire`] (messages on the network), [`ops`] (client operations),
//! [`compaction`] (automatic snapshots and MVCC compaction) and [`state_hash`] (the hash the
//! page shows and the determinism tests pin).

use crate::raft::config::Config;
use crate::raft::message::{ConfState, Message};
use crate::raft::raw_node::RawNode;
use crate::raft::read_only::ReadOnlyOption;
use crate::raft::storage::MemStorage;
use crate::raft::types::NodeId;
use crate::sim::action::{Action, TimedAction};
use crate::sim::app::NodeApp;
use crate::sim::client::ClientOp;
use crate::sim::config::SimConfig;
use crate::sim::decoded::DecodedCommands;
use crate::sim::monitor::{Monitor, Violation};
use crate::sim::network::Network;
use crate::sim::node::{Machine, SimNode};
use crate::sim::node_map::NodeMap;
use crate::sim::op_queue::OpQueue;
use crate::sim::queue::{EventQueue, TimeMs};
use crate::sim::rng::Streams;
use crate::sim::trace::{Trace, TraceKind};
use crate::vec_map::VecMap;
use std::collections::{BTreeMap, BTreeSet};

/// Something scheduled to happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A node's clock ticks (ignored if the node restarted since: `epoch`).
    Tick { node: NodeId, epoch: u64 },
    /// A message arrives.
    Deliver { message: u64 },
    /// A node's disk write finished.
    DiskDone { node: NodeId, epoch: u64 },
    /// With the lying-disk fault: the disk really writes what it acknowledged.
    Flush { node: NodeId, epoch: u64 },
    /// A user action from the scenario's timeline. Boxed: an action is several times the size
    /// of every other event, and the queue moves its slots about on every push and pop (and a
    /// timeline checkpoint copies them), while scheduled actions are rare.
    Act(Box<Action>),
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
    /// The message, shared with the trace's record of its send (`SendSummary`): one copy
    /// per message, however long the trace keeps it, and none made to deliver it.
    pub message: std::sync::Arc<Message>,
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
    nodes: NodeMap,
    network: Network,
    rng: Streams,
    /// Not boxed: the message itself is behind an `Arc`, so a value here is a few words.
    in_flight: crate::sim::wire_map::WireMap,
    next_message_id: u64,
    trace: Trace,
    monitor: Monitor,
    steps: u64,
    violation: Option<Violation>,
    /// A persistent map (`imbl::OrdMap`) of operations behind an `Arc`: a timeline checkpoint
    /// shares the map's nodes and the (up to `ops_window`) finished operations with the live
    /// run instead of copying them, and a change copies only the operation it touches
    /// (`Arc::make_mut`) and the map's path to it.
    ops: imbl::OrdMap<u64, std::sync::Arc<ClientOp>>,
    /// Linearizable reads waiting to be served: (node, read index, op). An index over `ops`
    /// so that serving reads looks only at the reads due on one node.
    pending_reads: BTreeSet<(NodeId, u64, u64)>,
    /// Finished operations still in `ops`, oldest first: the ops window. Persistent
    /// ([`OpQueue`]), so a timeline checkpoint shares it instead of copying 10,000 ids.
    finished_ops: OpQueue,
    /// Finished operations that left `ops` (the clients' history is truncated when non-zero).
    ops_forgotten: u64,
    /// Automatic snapshots waiting for their catch-up margin: node -> (index, app state there).
    /// Volatile: a crash loses it. Shared, so a timeline checkpoint does not copy the state.
    pending_snapshots: VecMap<NodeId, (crate::raft::types::Index, std::sync::Arc<[u8]>)>,
    /// The last automatic snapshot's state and bytes, for the nodes that reach it equal.
    snapshot_memo: compaction::SnapshotMemo,
    /// Per node, the highest MVCC compaction revision it proposed (so a leader proposes each
    /// automatic compaction once).
    mvcc_compaction_proposed: VecMap<NodeId, i64>,
    next_op_id: u64,
    /// Per client: the last session sequence number used.
    client_seq: BTreeMap<u64, u64>,
    /// The last committed entries' commands, decoded once for all nodes (a cache: no state).
    decoded: DecodedCommands,
}

mod actions;
mod compaction;
mod ops;
mod ready;
mod sharing;
mod state_hash;
mod wire;

impl Sim {
    /// A fresh cluster: voters 1..=n in one configuration, spares outside it, all up.
    pub fn new(config: SimConfig) -> Result<Sim, String> {
        config.validate()?;
        let mut rng = Streams::new(config.seed);
        let voters: Vec<u64> = (1..=config.voters).collect();
        let mut nodes = crate::vec_map::VecMap::new();
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
            let phase_ms = rng.timers.below_ms(config.tick_ms);
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
        let monitor = if config.monitors {
            Monitor::new(config.rule_monitors)
        } else {
            Monitor::off()
        };
        let trace = Trace::with_window(config.record_trace, config.trace_window);
        let mut sim = Sim {
            config,
            now_ms: TimeMs::ZERO,
            queue,
            nodes: NodeMap::new(nodes),
            network,
            rng,
            in_flight: Default::default(),
            next_message_id: 0,
            trace,
            monitor,
            steps: 0,
            violation: None,
            ops: imbl::OrdMap::new(),
            pending_reads: BTreeSet::new(),
            finished_ops: OpQueue::default(),
            ops_forgotten: 0,
            pending_snapshots: VecMap::new(),
            snapshot_memo: Default::default(),
            mvcc_compaction_proposed: VecMap::new(),
            next_op_id: 0,
            client_seq: BTreeMap::new(),
            decoded: DecodedCommands::default(),
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
                Event::Act(Box::new(timed.action.clone())),
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
                    self.note(NodeId::NONE, format!("action '{action}' skipped: {error}"));
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
    /// then (used to replay an action at exactly the time it was taken). Returns whether it
    /// could: an event due exactly at `at_ms` does not stand in the way (after a single step
    /// the next event may share the clock's time, and an action taken then is replayed there).
    pub fn idle_until(&mut self, at_ms: TimeMs) -> bool {
        let clear = self.queue.peek_time().is_none_or(|next| next >= at_ms);
        if clear && at_ms >= self.now_ms {
            self.now_ms = at_ms;
        }
        clear
    }

    // ----- event handlers: each returns the node whose Ready may need draining (message
    // arrivals are in `wire`, disk completions in `ready`) -----

    fn on_tick(&mut self, id: NodeId, epoch: u64) -> Option<NodeId> {
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

    // ----- helpers -----

    fn note(&mut self, node: NodeId, text: String) {
        self.trace.push(self.now_ms, TraceKind::Note { node, text });
    }

    fn node_set(&self) -> BTreeSet<NodeId> {
        crate::sort::set_of(self.nodes.keys().copied())
    }

    fn node_mut(&mut self, id: NodeId) -> Result<&mut SimNode, ActionError> {
        self.nodes.get_mut(&id).ok_or_else(|| no_node(id))
    }

    fn up_raft(&mut self, id: NodeId) -> Result<&mut RawNode, ActionError> {
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
        let changed = self.nodes.take_changed();
        #[cfg(test)]
        let full = {
            // Every unit test that runs a simulation also proves the check of the changed
            // nodes alone reports exactly what the check of every node reports.
            let mut monitor = self.monitor.clone();
            let violation = monitor.check(&self.nodes, self.now_ms, self.trace.next_id());
            (violation, monitor.sizes())
        };
        let found =
            self.monitor
                .check_changed(&self.nodes, changed, self.now_ms, self.trace.next_id());
        #[cfg(test)]
        assert_eq!(
            (&found, self.monitor.sizes()),
            (&full.0, full.1),
            "the check of the changed nodes ({changed:?}) differs from the full check"
        );
        if let Some(mut violation) = found {
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
    pub fn nodes(&self) -> &crate::vec_map::VecMap<NodeId, SimNode> {
        &self.nodes
    }
    /// Messages on the wire by id.
    pub fn in_flight(&self) -> &crate::sim::wire_map::WireMap {
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
    /// Drops the trace's old events down to about the last `events` (see [`Trace::keep_last`]):
    /// no effect on the state or on any hash, only on what the views can show of the past. A
    /// partial last chunk becomes this copy's own, exactly sized
    /// ([`Trace::trim_partial_last_chunk`]): a timeline checkpoint is made so.
    pub fn keep_trace_tail(&mut self, events: usize) {
        self.trace.keep_last(events);
        self.trace.trim_partial_last_chunk();
    }
    /// Folds the trace's full chunks into its hash now ([`Trace::fold_full_chunks`]): no
    /// effect on any hash. A timeline does it before copying the run for a checkpoint, so the
    /// copy and the run do not each fold them later.
    pub fn fold_trace_hash(&mut self) {
        self.trace.fold_full_chunks();
    }
    /// Stops keeping the trace's text hash ([`Trace::stop_hashing`]), for a run whose trace
    /// hash nobody reads: no event, id or other hash changes.
    pub fn stop_hashing_trace(&mut self) {
        self.trace.stop_hashing();
    }
    /// Client operations by id: every pending one and the last `ops_window` finished ones.
    pub fn ops(&self) -> &imbl::OrdMap<u64, std::sync::Arc<ClientOp>> {
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
    pub fn leader(&self) -> Option<NodeId> {
        self.nodes
            .values()
            .filter_map(|n| n.raft().map(|r| (n.id, r.raft())))
            .filter(|(_, r)| r.role() == crate::raft::node::Role::Leader)
            .max_by_key(|(id, r)| (r.term(), std::cmp::Reverse(*id)))
            .map(|(id, _)| id)
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

fn raft_config_for(config: &SimConfig, id: NodeId, seed: u64) -> Config {
    let mut raft = Config::new(id);
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
    raft.unsafe_switches.extend(config.unsafe_switches.iter());
    raft
}

fn no_node(id: NodeId) -> ActionError {
    ActionError(format!("there is no node n{id}"))
}

fn no_message(id: u64) -> ActionError {
    ActionError(format!("message m{id} is not in flight"))
}
