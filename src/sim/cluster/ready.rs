//! The Ready cycle: how a node's Ready is drained, following the core's persistence contract.
//! The writes take disk time (`DiskDone` ends them; with the lying disk, `Flush` writes the
//! platter later); once durable, the node advances, applies the committed entries, answers
//! clients and only then sends its messages.
//!
//! Kept apart from the loop because this order (persist, then apply, then send) is the
//! contract the safety argument rests on, and it should be read and changed as one piece.

use super::{Event, Sim};
use crate::raft::raw_node::{RawNode, Ready};
use crate::raft::types::NodeId;
use crate::sim::node::{Machine, SimNode};
use crate::sim::queue::TimeMs;
use crate::sim::trace::TraceKind;

/// Bounds the Ready rounds after one event: a correct core settles in a few; more means a bug.
const READY_ROUNDS_MAX: usize = 64;

impl Sim {
    pub(super) fn on_disk_done(&mut self, id: NodeId, epoch: u64) -> Option<NodeId> {
        let node = self.nodes.get_mut(&id)?;
        if node.epoch != epoch {
            return None;
        }
        let Machine::Up { writing, .. } = &mut node.machine else {
            return None;
        };
        let ready = writing.take()?;
        self.finish_ready(id, ready);
        Some(id)
    }

    pub(super) fn on_flush(&mut self, id: NodeId, epoch: u64) -> Option<NodeId> {
        let node = self.nodes.get_mut(&id)?;
        if node.epoch == epoch
            && let Some(storage) = node.raft().map(|r| r.storage().clone())
        {
            node.platter = Some(Box::new(storage));
        }
        None
    }

    /// Handles Readies of `id` until it has none (or is waiting for its disk).
    pub(super) fn drain_ready(&mut self, id: NodeId) {
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
                let delay = self.rng.disks.between_ms(
                    self.config.disk_latency_ms_min,
                    self.config.disk_latency_ms_max,
                );
                if delay > TimeMs::ZERO {
                    let node = self
                        .nodes
                        .get_mut(&id)
                        .expect("node exists: looked up above");
                    if let Machine::Up { writing, .. } = &mut node.machine {
                        *writing = Some(ready);
                    }
                    let epoch = node.epoch;
                    self.queue
                        .push(self.later(delay), Event::DiskDone { node: id, epoch });
                    return;
                }
            }
            if ready.must_sync() && self.config.disk_loses_unsynced {
                // The lying disk acknowledges at once and writes to the platter later.
                let delay = self.rng.disks.between_ms(
                    self.config.disk_latency_ms_min,
                    self.config.disk_latency_ms_max,
                );
                let epoch = self.nodes[&id].epoch;
                self.queue.push(
                    self.later(delay.max(TimeMs(1)).saturating_mul(20)),
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
    pub(super) fn finish_ready(&mut self, id: NodeId, ready: Ready) {
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
        // Every node applies every write, but only the node the client asked answers it: the
        // others keep no answer (and allocate no list for it). The first entry's watch events
        // become the list rather than being copied into a new one.
        let mut answers = Vec::new();
        let mut events = Vec::new();
        for entry in &ready.committed_entries {
            let Some((op, mut outcome)) = node.app.apply(entry, &mut self.decoded) else {
                continue;
            };
            if events.is_empty() {
                events = std::mem::take(&mut outcome.events);
            } else {
                events.append(&mut outcome.events);
            }
            if let Some(op) = op
                && self
                    .ops
                    .get(&op)
                    .is_some_and(|pending| pending.answered_at(id))
            {
                answers.push((op, outcome));
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
        let mut messages = ready.messages;
        for message in messages.drain(..) {
            self.send(message);
        }
        if let Some(raft) = self.nodes.get_mut(&id).and_then(SimNode::raft_mut) {
            raft.recycle_messages(messages);
        }
    }

    pub(super) fn record_events(&mut self, id: NodeId) {
        // Called after every Ready, which rarely brings an event: look before taking the node
        // out for change and its (empty) list of events.
        if !self
            .nodes
            .get(&id)
            .and_then(SimNode::raft)
            .is_some_and(RawNode::has_events)
        {
            return;
        }
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
}
