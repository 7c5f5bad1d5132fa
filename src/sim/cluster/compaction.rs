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
use crate::sim::trace::TraceKind;

impl Sim {
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
                let data: std::sync::Arc<[u8]> = node.app.snapshot_data().into();
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
