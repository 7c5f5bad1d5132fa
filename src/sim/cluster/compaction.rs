//! Automatic compaction, so a long run's cost and memory follow the work, not the history.
//!
//! Two mechanisms, both modelled on etcd and both deterministic functions of the run's state:
//!
//! - Raft log: like etcd's `--snapshot-count`, a node that has applied `snapshot_count` entries
//!   past its last snapshot takes one. Like etcd's `SnapshotCatchUpEntries`, it keeps a margin
//!   of `snapshot_catch_up` entries behind the snapshot for slow followers: the application
//!   state is serialized when the threshold is reached and the log is compacted to that point
//!   only once the node has applied `snapshot_catch_up` entries more. (The core compacts up to
//!   the snapshot index, so the margin is kept by snapshotting late rather than by keeping
//!   entries below the snapshot, as etcd does; the effect for a follower is the same.) A
//!   follower that falls behind the compaction gets a snapshot.
//! - MVCC: like etcd's revision-mode auto-compaction, the leader proposes `compact REV` through
//!   Raft when more than `mvcc_retention` revisions (plus a tenth of that, so compactions come
//!   in batches) are kept, keeping the last `mvcc_retention` revisions. It goes through the log,
//!   so every node compacts at the same revision at the same index.

use super::Sim;
use crate::kv::command::Command;
use crate::kv::request::{CompactionRequest, Request};
use crate::raft::node::Role;
use crate::raft::types::NodeId;
use crate::sim::app::NodeApp;
use crate::sim::trace::TraceKind;
use std::sync::Arc;

/// The last automatic snapshot's application state and its encoding.
///
/// Nodes that agree reach each snapshot index with equal states, so the five nodes of a
/// healthy cluster used to encode the same store five times (each encoding walks every retained
/// MVCC revision: 2% of a long run's instructions, and more of its cache misses). A node whose
/// state equals the last one encoded takes those bytes. Equal means equal in every field
/// ([`NodeApp`]'s `==`: applied index, the chain hash of applied entries, and the whole KV
/// state), not equal by hash, so a node whose state diverged (a teaching switch) still encodes
/// its own. The bytes are a function of that state, so nothing a user sees changes.
#[derive(Clone, Debug, Default)]
pub(super) struct SnapshotMemo {
    /// Shared, so a timeline checkpoint does not copy the state.
    last: Option<Arc<(NodeApp, Arc<[u8]>)>>,
    /// Every node encodes its own (the tests of the checkpoints' sharing pass).
    off: bool,
}

impl SnapshotMemo {
    /// The snapshot payload of `app`: the last one's bytes when `app` equals its state.
    fn data_for(&mut self, app: &NodeApp) -> Arc<[u8]> {
        if let Some(last) = &self.last
            && last.0 == *app
        {
            return Arc::clone(&last.1);
        }
        let data: Arc<[u8]> = app.snapshot_data().into();
        if !self.off {
            self.last = Some(Arc::new((app.clone(), Arc::clone(&data))));
        }
        data
    }
}

impl Sim {
    /// Every node encodes its own automatic snapshots (see [`SnapshotMemo`]).
    #[cfg(test)]
    pub(super) fn encode_each_snapshot(&mut self) {
        self.snapshot_memo = SnapshotMemo {
            last: None,
            off: true,
        };
    }

    /// Called after node `id` applied entries: snapshot and compact its log, and (as leader)
    /// propose an MVCC compaction, when the thresholds say so.
    pub(super) fn auto_compact(&mut self, id: NodeId) {
        self.auto_snapshot(id);
        self.auto_compact_mvcc(id);
    }

    fn auto_snapshot(&mut self, id: NodeId) {
        let count = self.config.snapshot_count;
        if count == 0 {
            return;
        }
        let catch_up = self.config.snapshot_catch_up;
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        if node.paused {
            return;
        }
        let applied = node.app.applied();
        let Some(raft) = node.raft_mut() else { return };
        let snapshot_index = raft.storage().first_index().prev();
        match self.pending_snapshots.get(&id) {
            Some((at, _)) if at.0 <= snapshot_index.0 => {
                // Overtaken (a snapshot from the leader was installed): start over.
                self.pending_snapshots.remove(&id);
            }
            Some((at, _)) if applied.0 >= at.0.saturating_add(catch_up) => {
                let Some((at, data)) = self.pending_snapshots.remove(&id) else {
                    return;
                };
                if raft.compact(at, data).is_ok() {
                    self.trace.push(
                        self.now_ms,
                        TraceKind::Snapshot {
                            node: id,
                            index: at.0,
                        },
                    );
                }
            }
            Some(_) => {}
            None if applied.0 >= snapshot_index.0.saturating_add(count) => {
                let data = self.snapshot_memo.data_for(&node.app);
                self.pending_snapshots.insert(id, (applied, data));
                // With no margin the snapshot is taken at once.
                if catch_up == 0 {
                    self.auto_snapshot(id);
                }
            }
            None => {}
        }
    }

    fn auto_compact_mvcc(&mut self, id: NodeId) {
        let retention = self.config.mvcc_retention;
        if retention == 0 {
            return;
        }
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        let store = node.app.kv().store();
        let (current, compacted) = (store.revision(), store.compact_revision());
        let retention = i64::try_from(retention).unwrap_or(i64::MAX);
        let batch = (retention / 10).max(1);
        if current.saturating_sub(compacted) < retention.saturating_add(batch) {
            return;
        }
        let target = current - retention;
        if self
            .mvcc_compaction_proposed
            .get(&id)
            .is_some_and(|&proposed| proposed >= target)
        {
            return;
        }
        if node.paused {
            return;
        }
        let Some(raft) = node.raft_mut() else { return };
        if raft.raft().role() != Role::Leader {
            return;
        }
        let command = Command::new(Request::Compact(CompactionRequest { revision: target }));
        if raft.propose(command.encode()).is_ok() {
            self.mvcc_compaction_proposed.insert(id, target);
            self.note(
                id,
                format!(
                    "auto-compaction: proposing compact {target} (keeping {retention} revisions)"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SnapshotMemo;
    use crate::raft::message::Entry;
    use crate::raft::types::{Index, NodeId, Term};
    use crate::sim::action::Action;
    use crate::sim::app::{NodeApp, envelope};
    use crate::sim::cluster::Sim;
    use crate::sim::cluster::sharing::tests::{churn, snapshot_buffers};
    use crate::sim::config::SimConfig;
    use crate::sim::decoded::DecodedCommands;
    use crate::sim::queue::TimeMs;
    use std::sync::Arc;

    fn applied(entries: &[&[u8]]) -> NodeApp {
        let mut app = NodeApp::default();
        for (i, data) in entries.iter().enumerate() {
            let entry = Entry {
                index: Index(i as u64 + 1),
                term: Term(1),
                data: envelope(i as u64, data).into(),
                ..Entry::default()
            };
            app.apply(&entry, &mut DecodedCommands::default());
        }
        app
    }

    #[test]
    fn an_equal_state_takes_the_last_bytes_and_any_other_encodes_its_own() {
        let mut memo = SnapshotMemo::default();
        let a = applied(&[b"x", b"y"]);
        let first = memo.data_for(&a);
        assert_eq!(*first, *a.snapshot_data());
        let again = memo.data_for(&a.clone());
        assert!(
            Arc::ptr_eq(&first, &again),
            "an equal state shares the bytes"
        );
        // The same index with other entries, and the same entries one index further.
        for other in [applied(&[b"x", b"z"]), applied(&[b"x", b"y", b"w"])] {
            let data = memo.data_for(&other);
            assert!(!Arc::ptr_eq(&first, &data));
            assert_eq!(*data, *other.snapshot_data());
        }
        // Off, every state encodes its own.
        let mut off = SnapshotMemo {
            last: None,
            off: true,
        };
        let one = off.data_for(&a);
        let two = off.data_for(&a);
        assert!(!Arc::ptr_eq(&one, &two));
        assert_eq!(one, two);
    }

    /// The lowest applied index of the nodes, and the highest index any of them snapshotted.
    fn applied_and_snapshotted(sim: &Sim) -> (u64, u64) {
        let applied = sim.nodes().values().map(|n| n.app.applied().0).min();
        let snapshotted = sim
            .nodes()
            .values()
            .filter_map(|node| node.raft())
            .map(|raft| raft.storage().snapshot().metadata.index.0)
            .max();
        (applied.unwrap_or(0), snapshotted.unwrap_or(0))
    }

    /// A node snapshots once it applied `snapshot_count` entries past its last snapshot, not
    /// before: with 40, nothing is snapshotted at 30 applied entries, and the first snapshot
    /// is at 40 or just past it (entries apply in batches).
    #[test]
    fn a_node_snapshots_once_it_applied_snapshot_count_entries_not_before() {
        let config = SimConfig {
            voters: 3,
            seed: 5,
            snapshot_count: 40,
            snapshot_catch_up: 0,
            mvcc_retention: 0,
            ..SimConfig::default()
        };
        let mut sim = Sim::new(config).expect("config");
        let mut at_ms = 2_000;
        let mut checked_below = false;
        for i in 0..200u64 {
            sim.run_until(TimeMs(at_ms), u64::MAX);
            let (applied, snapshotted) = applied_and_snapshotted(&sim);
            if (30..40).contains(&applied) {
                assert_eq!(snapshotted, 0, "a snapshot at {applied} applied entries");
                assert!(sim.pending_snapshots.is_empty());
                checked_below = true;
            }
            if applied >= 45 {
                assert!(checked_below, "the run passed 30 applied entries");
                for node in sim.nodes().values() {
                    let raft = node.raft().expect("up");
                    let index = raft.storage().snapshot().metadata.index.0;
                    assert!(
                        (40..=45).contains(&index),
                        "n{} snapshotted at {index}",
                        node.id
                    );
                }
                return;
            }
            let _ = sim.apply_action(&Action::Console {
                client: 1,
                node: NodeId(1 + i % 3),
                line: format!("put key{i} value{i}"),
            });
            at_ms += 100;
        }
        panic!("the nodes did not apply 45 entries");
    }

    /// Distinct snapshot contents the nodes' storages hold.
    fn snapshot_contents(sim: &Sim) -> usize {
        let contents: std::collections::BTreeSet<Vec<u8>> = sim
            .nodes()
            .values()
            .filter_map(|node| node.raft())
            .map(|raft| raft.storage().snapshot().data.to_vec())
            .collect();
        contents.len()
    }

    /// With the memo, the nodes that agree hold one buffer per distinct snapshot without the
    /// checkpoints' sharing pass, and the run is the run every node encoding its own makes.
    #[test]
    fn agreeing_nodes_share_one_encoding_and_the_run_is_unchanged() {
        let config = SimConfig {
            voters: 5,
            seed: 11,
            snapshot_count: 150,
            snapshot_catch_up: 30,
            mvcc_retention: 200,
            ..SimConfig::default()
        };
        let mut memo = Sim::new(config.clone()).expect("config");
        let mut each = Sim::new(config).expect("config");
        each.encode_each_snapshot();
        for i in 0..500u64 {
            let at_ms = TimeMs(100 * (i + 1));
            for sim in [&mut memo, &mut each] {
                sim.run_until(at_ms, u64::MAX);
                let _ = sim.apply_action(&churn(i, 320));
            }
            assert_eq!(memo.state_hash(), each.state_hash(), "at {at_ms:?}");
            assert_eq!(memo.trace().text_hash(), each.trace().text_hash());
        }
        assert!(memo.violation().is_none());
        assert_eq!(memo.steps(), each.steps());
        let (buffers, contents) = (snapshot_buffers(&memo), snapshot_contents(&memo));
        assert!(
            memo.nodes()
                .values()
                .filter_map(|node| node.raft())
                .all(|raft| raft.storage().snapshot().metadata.index > Index(0)),
            "every node took a snapshot"
        );
        assert_eq!(buffers, contents, "one buffer per distinct snapshot");
        let (each_buffers, each_contents) = (snapshot_buffers(&each), snapshot_contents(&each));
        assert_eq!(each_contents, contents);
        assert!(
            each_buffers > contents,
            "without the memo each node holds its own"
        );
    }
}
