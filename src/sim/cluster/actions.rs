//! User actions on the running cluster: validated first (an invalid action leaves the run
//! unchanged), then applied, then the monitors run. Node control (crash, restart, pause and
//! resume, compaction) lives here too, because only an action starts it.
//!
//! Split from the event loop so that the list of what a user can do, and what each action
//! means, reads in one place.

use super::{ActionError, Event, Sim, no_message, no_node};
use crate::raft::message::{ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2};
use crate::raft::raw_node::RawNode;
use crate::raft::types::NodeId;
use crate::sim::action::{Action, JointLeave, MembershipChange};
use crate::sim::app::NodeApp;
use crate::sim::node::Machine;
use crate::sim::read_context::ReadContext;
use crate::sim::trace::{DropReason, TraceKind};
use std::collections::BTreeSet;

impl Sim {
    /// Applies a user action now, then runs the monitors (an action can break an invariant by
    /// itself: a restart, a proposal, a message delivered by hand). On a refusal by the checks
    /// nothing changed (see below for a refusal by the node).
    ///
    /// After a violation the run is frozen: events no longer run and every action is refused
    /// with an error that names the violation, so what is on screen is the state in which the
    /// monitor fired. To try something else, go back to before it (time travel) or start over.
    ///
    /// An action that passes [`Sim::check_action`] may still be refused by the node (a proposal
    /// with no leader, a compaction on a crashed node); by then its line is in the trace, so
    /// a caller that must undo a refusal exactly (the timeline) rebuilds the state by replay.
    pub fn apply_action(&mut self, action: &Action) -> Result<(), ActionError> {
        self.check_action(action)?;
        let result = self.apply_validated(action);
        self.check_monitors();
        result
    }

    /// The checks [`Sim::apply_action`] makes before it changes anything: the run is not
    /// frozen by a violation, the nodes and messages named exist. An error here means the
    /// action would change nothing.
    pub fn check_action(&self, action: &Action) -> Result<(), ActionError> {
        if let Some(violation) = &self.violation {
            return Err(ActionError(format!(
                "the run is frozen at the violation of monitor {} at {}ms; go back to before it or start over",
                violation.invariant, violation.at_ms
            )));
        }
        self.validate_action(action)
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
                let groups: Vec<BTreeSet<NodeId>> = groups
                    .iter()
                    .map(|g| crate::sort::set_of(g.iter().copied()))
                    .collect();
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
                self.dropped(&flight, DropReason::User);
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
                raft.transfer_leader(*to)
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

    fn propose_conf_change(
        &mut self,
        via: NodeId,
        change: &ConfChangeV2,
    ) -> Result<(), ActionError> {
        let raft = self.up_raft(via)?;
        raft.propose_conf_change(change)
            .map_err(|e| ActionError(format!("n{via} refused the change: {e}")))?;
        self.drain_ready(via);
        Ok(())
    }

    fn validate_action(&self, action: &Action) -> Result<(), ActionError> {
        let known = |n: &NodeId| self.nodes.contains_key(n);
        let check = |n: &NodeId| if known(n) { Ok(()) } else { Err(no_node(*n)) };
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

    fn crash(&mut self, id: NodeId) {
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
                self.dropped(&flight, DropReason::NodeDown);
            }
        }
        self.monitor.on_crash(id);
        self.pending_snapshots.remove(&id);
        self.close_watches(id);
    }

    fn restart(&mut self, id: NodeId) -> Result<(), ActionError> {
        let tick_ms = self.config.tick_ms;
        let phase_ms = self.rng.timers.below_ms(tick_ms);
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

    fn resume(&mut self, id: NodeId) -> Result<(), ActionError> {
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

    fn compact(&mut self, id: NodeId) -> Result<(), ActionError> {
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
                node_id: change.node(),
            }
        })
        .collect();
    ConfChangeV2 {
        transition,
        changes,
    }
}
