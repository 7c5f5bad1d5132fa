//! Sharing equal data between nodes, for the timeline's checkpoints.
//!
//! Every node stores and applies the same entries, so the nodes' logs, MVCC histories and
//! the snapshots they take at the same index are equal, yet each node built its own copy. A
//! timeline checkpoint keeps all of them, and checkpoints far apart share little with each
//! other, so over a long run those copies were most of the checkpoints' memory. Pointing every
//! node at one copy of each equal part keeps one; what each node holds is unchanged (the data
//! is immutable behind `Arc`s and is only ever copied on write), so every hash, trace line and
//! verdict stays the same.

use super::Sim;
use crate::raft::storage::share_bytes;
use crate::sim::node::{Machine, SimNode};
use std::sync::Arc;

impl Sim {
    /// Whether every running node has applied the same entries and stored the same log (equal
    /// applied and last indexes): then their KV maps and logs are equal and
    /// [`Sim::share_equal_parts`] keeps one copy of each. Between two client writes the
    /// followers often lag the leader by one applied entry; a copy of the run taken then keeps
    /// a KV map per node. A timeline waits a little for this moment before it keeps a
    /// checkpoint.
    pub fn nodes_agree(&self) -> bool {
        let mut running = self.nodes.values().filter_map(|node| {
            node.raft()
                .map(|raft| (node.app.applied(), raft.storage().last_index()))
        });
        let first = running.next();
        running.all(|indexes| Some(indexes) == first)
    }

    /// Makes the nodes share their equal MVCC history chunks and snapshot bytes (see the
    /// module's doc). Memory only: the state is unchanged.
    pub fn share_equal_parts(&mut self) {
        let mut nodes: Vec<&mut SimNode> = self.nodes.values_mut().collect();
        for i in 1..nodes.len() {
            let (before, rest) = nodes.split_at_mut(i);
            let Some(node) = rest.first_mut() else {
                continue;
            };
            for other in before.iter() {
                node.app.share_history_with(&other.app);
                let theirs = match &other.machine {
                    Machine::Up { raft, .. } => raft.storage(),
                    Machine::Down { disk } => disk,
                };
                match &mut node.machine {
                    Machine::Up { raft, .. } => raft.share_entries_with(theirs),
                    Machine::Down { disk } => disk.share_entries_with(theirs),
                }
            }
        }
        let mut seen: Vec<Arc<[u8]>> = Vec::new();
        let mut share = |data: &mut Arc<[u8]>| {
            if data.is_empty() || seen.iter().any(|theirs| share_bytes(data, theirs)) {
                return;
            }
            seen.push(Arc::clone(data));
        };
        for node in self.nodes.values_mut() {
            match &mut node.machine {
                Machine::Up { raft, .. } => {
                    let mut data = Arc::clone(&raft.storage().snapshot().data);
                    share(&mut data);
                    raft.share_snapshot_data(&data);
                }
                Machine::Down { disk } => {
                    let mut data = Arc::clone(&disk.snapshot().data);
                    share(&mut data);
                    disk.share_snapshot_data(&data);
                }
            }
        }
        for (_, data) in self.pending_snapshots.values_mut() {
            share(data);
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use crate::raft::types::NodeId;
    use crate::sim::action::Action;
    use crate::sim::cluster::Sim;
    use crate::sim::config::SimConfig;
    use crate::sim::queue::TimeMs;
    use std::sync::Arc;

    /// Distinct snapshot byte buffers the nodes' storages hold.
    pub(in crate::sim::cluster) fn snapshot_buffers(sim: &Sim) -> usize {
        let mut seen: Vec<*const u8> = sim
            .nodes()
            .values()
            .filter_map(|node| node.raft())
            .map(|raft| Arc::as_ptr(&raft.storage().snapshot().data).cast::<u8>())
            .collect();
        seen.sort();
        seen.dedup();
        seen.len()
    }

    /// Each node takes its own snapshots, so equal snapshot bytes sit in one buffer per node
    /// until the nodes share them: then there is one buffer per distinct snapshot.
    #[test]
    fn nodes_with_equal_snapshots_hold_one_buffer_after_sharing() {
        let config = SimConfig {
            voters: 5,
            seed: 11,
            snapshot_count: 150,
            snapshot_catch_up: 30,
            ..SimConfig::default()
        };
        let mut sim = Sim::new(config).expect("config");
        // The sharing pass is under test, not the snapshot memo (which shares at encoding).
        sim.encode_each_snapshot();
        for i in 0..400u64 {
            sim.run_until(TimeMs(100 * (i + 1)), u64::MAX);
            let _ = sim.apply_action(&Action::Console {
                client: 1 + i % 3,
                node: NodeId(1 + i % 5),
                line: format!("put key{} value{i}", i % 23),
            });
        }
        sim.run_until(TimeMs(45_000), u64::MAX);
        let distinct: std::collections::BTreeSet<Vec<u8>> = sim
            .nodes()
            .values()
            .filter_map(|node| node.raft())
            .map(|raft| raft.storage().snapshot().data.to_vec())
            .collect();
        assert!(
            snapshot_buffers(&sim) > distinct.len(),
            "the nodes took their own snapshots: {} buffers for {} distinct",
            snapshot_buffers(&sim),
            distinct.len()
        );
        sim.share_equal_parts();
        assert_eq!(snapshot_buffers(&sim), distinct.len());
    }

    /// Action `i` of a 5-node run with snapshots: n4 crashes at 200 and restarts at
    /// `restart_at`; every other action is a put through one of the five nodes.
    pub(in crate::sim::cluster) fn churn(i: u64, restart_at: u64) -> Action {
        match i {
            200 => Action::Crash { node: NodeId(4) },
            _ if i == restart_at => Action::Restart { node: NodeId(4) },
            _ => Action::Console {
                client: 1 + i % 3,
                node: NodeId(1 + i % 5),
                line: format!("put key{} value{i}", i % 23),
            },
        }
    }

    #[test]
    fn sharing_changes_no_hash_no_trace_line_and_no_verdict() {
        // Snapshots and MVCC compactions every few seconds, a crash and a restart, so every
        // part that is shared is written on after being shared.
        let config = SimConfig {
            voters: 5,
            seed: 11,
            snapshot_count: 150,
            snapshot_catch_up: 30,
            mvcc_retention: 200,
            ..SimConfig::default()
        };
        let mut plain = Sim::new(config.clone()).expect("config");
        let mut shared = Sim::new(config).expect("config");
        plain.encode_each_snapshot();
        shared.encode_each_snapshot();
        for i in 0..600u64 {
            let at_ms = TimeMs(100 * (i + 1));
            for sim in [&mut plain, &mut shared] {
                sim.run_until(at_ms, u64::MAX);
                let _ = sim.apply_action(&churn(i, 350));
            }
            if i % 7 == 0 {
                shared.share_equal_parts();
            }
            assert_eq!(plain.state_hash(), shared.state_hash(), "at {at_ms:?}");
            assert_eq!(plain.trace().text_hash(), shared.trace().text_hash());
            assert_eq!(plain.violation(), shared.violation());
        }
        assert!(
            snapshot_buffers(&shared) < snapshot_buffers(&plain),
            "equal snapshots were shared: {} buffers, {} without sharing",
            snapshot_buffers(&shared),
            snapshot_buffers(&plain)
        );
        assert!(plain.violation().is_none());
        assert_eq!(plain.steps(), shared.steps());
    }
}
