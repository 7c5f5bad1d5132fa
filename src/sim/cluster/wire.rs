//! Messages on the wire: sending through the network's fate (loss, duplication, delay), holding,
//! delivering to the recipient and dropping, with the snapshot reports the core expects.
//!
//! Apart from the loop because the network is where most faults are injected; every message's
//! path from `send` to `deliver` or `dropped` is in this one file.

use super::{Event, InFlight, Sim};
use crate::raft::message::{Message, MessageType};
use crate::raft::types::NodeId;
use crate::sim::network::Fate;
use crate::sim::node::SimNode;
use crate::sim::queue::TimeMs;
use crate::sim::trace::{DropReason, SendSummary, TraceKind};

impl Sim {
    pub(super) fn on_deliver(&mut self, message: u64) -> Option<NodeId> {
        self.deliver(message, false)
    }

    /// Hands a message to its recipient. `forced` delivers even a held message.
    pub(super) fn deliver(&mut self, id: u64, forced: bool) -> Option<NodeId> {
        // Looked at first and taken off the wire only when it leaves it: a held message, or
        // one whose recipient is paused, stays where it is.
        let flight = self.in_flight.get(&id)?;
        if flight.held && !forced {
            return None;
        }
        let to = flight.message.to;
        let Some(node) = self.nodes.get_mut(&to) else {
            let flight = self.in_flight.remove(&id)?;
            self.dropped(&flight, DropReason::NodeDown);
            return None;
        };
        if node.is_up() && node.paused && !forced {
            node.parked.push(id);
            return None;
        }
        let flight = self.in_flight.remove(&id)?;
        if !node.is_up() {
            self.dropped(&flight, DropReason::NodeDown);
            return None;
        }
        let is_snapshot = flight.message.msg_type == MessageType::MsgSnapshot;
        let from = flight.message.from;
        self.trace
            .push(self.now_ms, TraceKind::Deliver { message: id, to });
        let result = node.raft_mut().map(|raft| raft.step_ref(&flight.message));
        if let Some(Err(error)) = result {
            self.note(to, format!("refused m{id}: {error}"));
        }
        if is_snapshot && let Some(sender) = self.nodes.get_mut(&from).and_then(SimNode::raft_mut) {
            sender.report_snapshot(to, true);
            self.drain_ready(from);
        }
        Some(to)
    }

    pub(super) fn send(&mut self, mut message: Message) {
        if message.msg_type == MessageType::MsgSnapshot {
            self.refresh_snapshot(&mut message);
        }
        self.monitor.on_send(&message, self.now_ms);
        let id = self.next_message_id;
        self.next_message_id += 1;
        let (from, to) = (message.from, message.to);
        // The summary shares the message, written out only when read: only keep it when the
        // trace is kept.
        let message = std::sync::Arc::new(message);
        let summary = if self.trace.is_recording() {
            SendSummary::of(&message)
        } else {
            SendSummary::default()
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
            Fate::DroppedLinkDown => self.dropped(&flight, DropReason::LinkDown),
            Fate::DroppedLoss => self.dropped(&flight, DropReason::Loss),
            Fate::Deliver { delay, duplicate } => {
                // Both copies share the message.
                let Some(second) = duplicate else {
                    self.schedule_delivery(flight, delay);
                    return;
                };
                self.schedule_delivery(flight.clone(), delay);
                let mut copy = flight;
                copy.id = self.next_message_id;
                self.next_message_id += 1;
                self.trace.push(
                    self.now_ms,
                    TraceKind::Duplicate {
                        message: id,
                        copy: copy.id,
                    },
                );
                self.schedule_delivery(copy, second);
            }
        }
    }

    /// Puts `flight` on the wire, due `delay` from now.
    fn schedule_delivery(&mut self, mut flight: InFlight, delay: TimeMs) {
        flight.due_ms = self.later(delay);
        self.queue
            .push(flight.due_ms, Event::Deliver { message: flight.id });
        self.in_flight.insert(flight);
    }

    /// Sends the sender's current state instead of an older stored snapshot, as etcd's server
    /// does (`createMergedSnapshotMessage`): the stored snapshot may predate the recipient's own
    /// membership, and a node refuses a snapshot whose configuration does not include it.
    fn refresh_snapshot(&mut self, message: &mut Message) {
        let from = message.from;
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
            message.snapshot = Some(Box::new(raft.storage().snapshot().clone()));
            self.trace.push(
                self.now_ms,
                TraceKind::Snapshot {
                    node: from,
                    index: applied.0,
                },
            );
        }
    }

    pub(super) fn dropped(&mut self, flight: &InFlight, reason: DropReason) {
        self.trace.push(
            self.now_ms,
            TraceKind::Drop {
                message: flight.id,
                reason,
            },
        );
        let message = &flight.message;
        if message.msg_type == MessageType::MsgSnapshot {
            let (from, to) = (message.from, message.to);
            if let Some(sender) = self.nodes.get_mut(&from).and_then(SimNode::raft_mut) {
                sender.report_snapshot(to, false);
                self.drain_ready(from);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::action::Action;
    use crate::sim::cluster::Sim;
    use crate::sim::config::SimConfig;
    use crate::sim::queue::TimeMs;

    /// A held message stays on the wire past its due time, however long the run goes on, and
    /// `DeliverNow` delivers it all the same: delivery looks at the message before taking it
    /// off the wire, and only a forced delivery passes a hold.
    #[test]
    fn a_held_message_stays_until_delivered_now() {
        let mut sim = Sim::new(SimConfig::default()).expect("config");
        while sim.in_flight().is_empty() {
            assert!(sim.step(), "a message is sent");
        }
        let id = *sim.in_flight().keys().next().expect("a message");
        sim.apply_action(&Action::Hold { message: id })
            .expect("holds");
        let due = sim.in_flight().get(&id).expect("on the wire").due_ms;
        sim.run_until(due.saturating_add(TimeMs(5_000)), 100_000);
        assert!(
            sim.now_ms() > due,
            "the run went past the message's due time"
        );
        assert!(
            sim.in_flight().get(&id).is_some_and(|flight| flight.held),
            "the held message m{id} is still on the wire"
        );
        sim.apply_action(&Action::DeliverNow { message: id })
            .expect("delivers");
        assert!(!sim.in_flight().contains_key(&id), "m{id} delivered");
    }
}
