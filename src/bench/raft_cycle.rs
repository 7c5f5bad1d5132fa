//! The Raft core alone: one propose -> commit -> apply cycle on an in-memory cluster of real
//! `RawNode`s, messages delivered in-process, every node running ready -> advance until the
//! whole cluster is quiet (the entry is applied everywhere). No simulator, no network model, no
//! disk: the cost of the protocol itself (etcd-io/raft's `BenchmarkRawNode` anchor is about
//! 1-1.5 us per cycle).

use std::collections::VecDeque;

use crate::raft::config::Config;
use crate::raft::message::{ConfState, Message};
use crate::raft::raw_node::RawNode;
use crate::raft::storage::MemStorage;
use crate::raft::types::NodeId;

/// Rounds of ready/advance and delivery after which a cluster that is still busy is a bug.
const SETTLE_ROUNDS_MAX: usize = 10_000;

/// An in-memory cluster whose node 1 leads.
pub struct Cluster {
    nodes: Vec<RawNode>,
    queue: VecDeque<Message>,
    /// Entries applied, summed over every node (so the work cannot be optimised away, and a
    /// caller can check every cycle reached every node).
    pub applied: u64,
}

impl Cluster {
    /// `size` voters (at least 1), node 1 elected.
    pub fn new(size: u64) -> Result<Cluster, String> {
        let size = size.max(1);
        let conf = ConfState::from_voters(1..=size);
        let nodes = (1..=size)
            .map(|id| {
                let storage = MemStorage::new_with_conf_state(conf.clone());
                RawNode::new(&Config::new(NodeId(id)), storage).map_err(|e| format!("{e:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut cluster = Cluster {
            nodes,
            queue: VecDeque::new(),
            applied: 0,
        };
        cluster.nodes[0]
            .campaign()
            .map_err(|e| format!("campaign: {e:?}"))?;
        cluster.settle()?;
        cluster.applied = 0;
        Ok(cluster)
    }

    /// Runs ready/advance and delivers messages until nothing is left to do.
    fn settle(&mut self) -> Result<(), String> {
        for _ in 0..SETTLE_ROUNDS_MAX {
            let mut busy = false;
            for node in &mut self.nodes {
                if node.has_ready() {
                    busy = true;
                    let rd = node.ready();
                    node.advance(&rd);
                    self.applied += rd.committed_entries.len() as u64;
                    self.queue.extend(rd.messages);
                }
            }
            while let Some(m) = self.queue.pop_front() {
                busy = true;
                let to = usize::try_from(m.to.0)
                    .unwrap_or(usize::MAX)
                    .wrapping_sub(1);
                if let Some(node) = self.nodes.get_mut(to) {
                    let _ = node.step(m);
                }
            }
            if !busy {
                return Ok(());
            }
        }
        Err("the cluster did not settle".into())
    }

    /// One cycle: the leader proposes `data`, and the cluster runs until it is applied
    /// everywhere.
    pub fn cycle(&mut self, data: &[u8]) -> Result<(), String> {
        self.nodes[0]
            .propose(data.to_vec())
            .map_err(|e| format!("propose: {e:?}"))?;
        self.settle()
    }

    /// The number of nodes.
    pub fn size(&self) -> u64 {
        self.nodes.len() as u64
    }
}

/// Runs `cycles` cycles of a 16-byte proposal on a fresh `size`-node cluster; returns the
/// entries applied over all nodes (`cycles * size` when every cycle reached every node).
pub fn run(size: u64, cycles: u64) -> Result<u64, String> {
    let mut cluster = Cluster::new(size)?;
    let data = [0u8; 16];
    for _ in 0..cycles {
        cluster.cycle(&data)?;
    }
    Ok(cluster.applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cycle_is_applied_on_every_node() {
        for size in [1, 3, 5, 7] {
            assert_eq!(run(size, 20), Ok(20 * size), "{size} nodes");
        }
    }
}
