//! The monitors' forgetting: what no check can consult again is dropped after each step, so
//! their memory follows the cluster's state, not the run's length. The bounds are minimums
//! over the nodes, kept per node and re-read only for the nodes a step changed: reading every
//! node after every step was a fifth of the monitors' cost (issue 13).

use super::{Monitor, NodeView};
use crate::raft::types::{Index, NodeId, Term};
use crate::sim::node_map::Changed;
use crate::vec_map::VecMap;

/// Each node's snapshot floor and durable term as last read, by id.
#[derive(Clone, Debug, Default)]
pub(super) struct Floors {
    /// (id, floor, term), in id order, one per node of the map last read.
    by_node: Vec<(NodeId, Index, Term)>,
}

impl Floors {
    /// Reads the `changed` nodes again (every node when all changed, or when the map's nodes
    /// are not the ones held) and returns the lowest floor and the lowest durable term over
    /// all nodes ((0, 0) for no node), as reading every node would.
    pub(super) fn update<N: NodeView>(
        &mut self,
        nodes: &VecMap<NodeId, N>,
        changed: Changed,
    ) -> (Index, Term) {
        if !self.read_changed(nodes, changed) {
            self.by_node.clear();
            self.by_node
                .extend(nodes.values().map(|n| (n.id(), floor_of(n), term_of(n))));
        }
        let mut nodes = self.by_node.iter();
        let Some(&(_, mut floor, mut term)) = nodes.next() else {
            return (Index(0), Term(0));
        };
        for &(_, node_floor, node_term) in nodes {
            floor = floor.min(node_floor);
            term = term.min(node_term);
        }
        (floor, term)
    }

    /// Reads the changed nodes into their places; false when that cannot be done (all
    /// changed, or a node that is not held: then everything must be read).
    fn read_changed<N: NodeView>(&mut self, nodes: &VecMap<NodeId, N>, changed: Changed) -> bool {
        let Some(ids) = changed.ids() else {
            return false;
        };
        if self.by_node.len() != nodes.len() {
            return false;
        }
        for id in ids {
            let (Some(node), Some(at)) = (nodes.get(&id), self.position(id)) else {
                // A changed id the map does not hold changes nothing; one the map holds but
                // the floors do not means the node set changed.
                if nodes.contains_key(&id) {
                    return false;
                }
                continue;
            };
            self.by_node[at] = (id, floor_of(node), term_of(node));
        }
        true
    }

    /// Where node `id` is held: at `id - 1` when the ids are 1, 2, 3, ... (the simulator's),
    /// else found by a binary search.
    fn position(&self, id: NodeId) -> Option<usize> {
        let guess = usize::try_from(id.0).ok()?.checked_sub(1);
        if let Some(at) = guess
            && self.by_node.get(at).is_some_and(|b| b.0 == id)
        {
            return Some(at);
        }
        self.by_node.binary_search_by_key(&id, |b| b.0).ok()
    }
}

/// The lowest index below which node `n` can no longer persist, commit, apply or restore: its
/// durable snapshot's index, or its running log's first index less one if that is lower.
fn floor_of<N: NodeView>(n: &N) -> Index {
    let durable = n.durable().map_or(Index(0), |d| d.first_index().prev());
    let running = n
        .running()
        .map_or(durable, |r| r.raft().log().first_index().prev());
    durable.min(running)
}

/// Node `n`'s durable term (0 when nothing is known).
fn term_of<N: NodeView>(n: &N) -> Term {
    n.durable().map_or(Term(0), |d| d.hard_state().term)
}

impl Monitor {
    /// Forgets what no check can look at again, so the monitors' memory follows the state,
    /// not the run. Every node (up or down, voter or spare) holds a durable snapshot at or
    /// above `floor`, and a node only persists, commits, applies or restores above its
    /// snapshot, so per-index records below `floor` are never consulted again (the newest
    /// committed index is kept: reads compare with it). Likewise no node can vote or lead in a
    /// term below every node's durable term. Both bounds are minimums over the nodes; a node
    /// that did not change still has the floor and term read last time, so only the `changed`
    /// nodes are read again ([`Floors`]).
    pub(super) fn prune<N: NodeView>(&mut self, nodes: &VecMap<NodeId, N>, changed: Changed) {
        let (floor, lowest_term) = self.floors.update(nodes, changed);
        let newest_committed = self.committed.last_index();
        if self.pruned != Some((floor, newest_committed)) {
            self.pruned = Some((floor, newest_committed));
            self.prune_below(floor, newest_committed);
        }
        self.leaders.remove_below(&lowest_term);
        if self.votes_min_term.is_some_and(|min| min < lowest_term) {
            self.votes.retain(|(_, term), _| *term >= lowest_term);
            self.votes_min_term = self.votes.keys().map(|(_, term)| *term).min();
        }
    }

    /// Forgets the per-index records below `floor` (but the newest committed index).
    fn prune_below(&mut self, floor: Index, newest_committed: Option<Index>) {
        // The newest committed record stays even below the floor: it is the highest key, so
        // stopping there forgets all below it.
        self.committed
            .remove_below(newest_committed.map_or(floor, |newest| newest.min(floor)));
        self.seen.remove_below(floor);
        self.applied.remove_below(floor);
        self.state_at.remove_below(floor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::message::{HardState, Snapshot, SnapshotMetadata};
    use crate::raft::raw_node::RawNode;
    use crate::raft::storage::MemStorage;
    use crate::sim::monitor::AppState;
    use crate::sim::node_map::NodeMap;
    use std::cell::Cell;

    /// A crashed node: only its disk, which counts how often the monitors read it.
    struct Disk {
        id: NodeId,
        disk: MemStorage,
        reads: Cell<usize>,
    }

    impl NodeView for Disk {
        fn id(&self) -> NodeId {
            self.id
        }
        fn running(&self) -> Option<&RawNode> {
            None
        }
        fn durable(&self) -> Option<&MemStorage> {
            self.reads.set(self.reads.get() + 1);
            Some(&self.disk)
        }
        fn app_state(&self) -> Option<AppState> {
            None
        }
    }

    /// Node `id` with a durable snapshot at `floor` (none for 0) and durable term `term`.
    fn disk(id: u64, floor: u64, term: u64) -> (NodeId, Disk) {
        let mut disk = MemStorage::default();
        if floor > 0 {
            let metadata = SnapshotMetadata {
                index: Index(floor),
                term: Term(term),
                ..SnapshotMetadata::default()
            };
            disk.apply_snapshot(Snapshot {
                metadata,
                data: Default::default(),
            })
            .expect("a newer snapshot");
        }
        disk.set_hard_state(HardState {
            term: Term(term),
            ..HardState::default()
        });
        let id = NodeId(id);
        let reads = Cell::new(0);
        (id, Disk { id, disk, reads })
    }

    /// The nodes `ids` noted as changed, as the simulator's node map notes them.
    fn changed(ids: &[u64]) -> Changed {
        let mut map = NodeMap::new(VecMap::new());
        let _ = map.take_changed();
        for &id in ids {
            let _ = map.get_mut(&NodeId(id));
        }
        map.take_changed()
    }

    /// After the first step, which reads every node, a step reads again only the nodes it
    /// changed: reading every node after every step was a fifth of the monitors' cost.
    #[test]
    fn a_step_reads_only_the_nodes_it_changed() {
        let nodes: VecMap<NodeId, Disk> = [disk(1, 4, 2), disk(2, 6, 3), disk(3, 8, 2)]
            .into_iter()
            .collect();
        let mut floors = Floors::default();
        assert_eq!(floors.update(&nodes, Changed::ALL), (Index(4), Term(2)));
        assert!(
            nodes.values().all(|n| n.reads.get() > 0),
            "all read at first"
        );
        nodes.values().for_each(|n| n.reads.set(0));
        assert_eq!(floors.update(&nodes, changed(&[2])), (Index(4), Term(2)));
        let read: Vec<bool> = nodes.values().map(|n| n.reads.get() > 0).collect();
        assert_eq!(read, [false, true, false], "only n2 read again");
    }

    /// With ids that are not 1, 2, 3, ... a changed node's place is not at its id less one: the
    /// node there is another, whose floor must stay. Here n2's guess is n3's place, and n3
    /// holds the lowest floor: writing n2 over it would raise the floor past n3's snapshot,
    /// and the monitors would forget records n3 can still restore above.
    #[test]
    fn a_changed_node_is_read_into_its_own_place_when_the_ids_have_gaps() {
        let mut nodes: VecMap<NodeId, Disk> = [disk(2, 9, 4), disk(3, 5, 3), disk(5, 7, 4)]
            .into_iter()
            .collect();
        let mut floors = Floors::default();
        assert_eq!(floors.update(&nodes, Changed::ALL), (Index(5), Term(3)));
        nodes.insert(NodeId(2), disk(2, 20, 6).1);
        assert_eq!(floors.update(&nodes, changed(&[2])), (Index(5), Term(3)));
        nodes.insert(NodeId(5), disk(5, 12, 5).1);
        nodes.insert(NodeId(3), disk(3, 15, 5).1);
        assert_eq!(
            floors.update(&nodes, changed(&[3, 5])),
            (Index(12), Term(5))
        );
        assert_eq!(
            Floors::default().update(&nodes, Changed::ALL),
            (Index(12), Term(5)),
            "as reading every node"
        );
    }

    /// Leaders and votes of a term below every node's durable term are forgotten (no node
    /// can vote or lead in it again); those of that term and above stay.
    #[test]
    fn leaders_and_votes_below_every_nodes_durable_term_are_forgotten() {
        let nodes: VecMap<NodeId, Disk> = [disk(1, 0, 3), disk(2, 0, 4), disk(3, 0, 3)]
            .into_iter()
            .collect();
        let mut monitor = Monitor::default();
        for term in 1..=4 {
            monitor.leaders.insert(Term(term), NodeId(term % 3 + 1));
        }
        for (voter, term) in [(1, 1), (2, 2), (3, 3), (1, 4), (2, 3)] {
            monitor
                .votes
                .insert((NodeId(voter), Term(term)), NodeId(term % 3 + 1));
        }
        monitor.votes_min_term = Some(Term(1));
        monitor.prune(&nodes, Changed::ALL);
        let leaders: Vec<Term> = monitor.leaders.keys().copied().collect();
        assert_eq!(leaders, [Term(3), Term(4)]);
        let votes: Vec<(NodeId, Term)> = monitor.votes.keys().copied().collect();
        assert_eq!(
            votes,
            [
                (NodeId(1), Term(4)),
                (NodeId(2), Term(3)),
                (NodeId(3), Term(3))
            ]
        );
        assert_eq!(monitor.votes_min_term, Some(Term(3)));
    }
}
