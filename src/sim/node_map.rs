//! The simulator's nodes by id, remembering which of them were handed out for change since the
//! safety monitors last looked.
//!
//! The monitors' per-node checks after a step (`Monitor::check_changed`) only find something on
//! a node whose state changed: on an unchanged node they compare what they compared before and
//! remember what they remembered. Walking every node after every step was most of the
//! monitors' cost (issue 13), while a step changes one node, sometimes two. The map cannot
//! miss a change: it gives out no `&mut` to a node or to the map except through the methods
//! below, each of which notes the nodes it hands out, so the compiler finds any new way of
//! changing a node.

use crate::raft::types::NodeId;
use crate::sim::node::SimNode;
use crate::vec_map::VecMap;

/// Nodes by id (read through `Deref` as the [`VecMap`] they are: a few nodes looked up many
/// times a step, where a `BTreeMap`'s lookups were 2.5% of the page's engine in Node's
/// profiler), with the set of nodes changed since [`NodeMap::take_changed`].
#[derive(Clone, Debug, Default)]
pub struct NodeMap {
    nodes: VecMap<NodeId, SimNode>,
    changed: Changed,
}

/// Which nodes may have changed: one bit per id below 64 (the simulator has at most 9 nodes),
/// and `all` for anything else (an id of 64 or more, or every node at once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changed {
    bits: u64,
    all: bool,
}

impl Changed {
    /// Every node.
    pub const ALL: Changed = Changed { bits: 0, all: true };

    fn note(&mut self, id: NodeId) {
        if id.0 < 64 {
            self.bits |= 1 << id.0;
        } else {
            self.all = true;
        }
    }

    /// Whether node `id` may have changed.
    pub fn contains(self, id: NodeId) -> bool {
        self.all || (id.0 < 64 && self.bits & (1 << id.0) != 0)
    }

    /// The ids noted, in increasing order, or None when every node counts as changed: a
    /// caller that walks only these looks up one or two nodes instead of walking the whole map
    /// (a walk of the `BTreeMap` after every step was a fifth of the monitors' cost).
    pub fn ids(self) -> Option<impl Iterator<Item = NodeId>> {
        if self.all {
            return None;
        }
        let mut bits = self.bits;
        Some(std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let id = bits.trailing_zeros();
            bits &= bits - 1;
            Some(NodeId(u64::from(id)))
        }))
    }
}

impl NodeMap {
    /// `nodes`, every one of them counted as changed (the monitors have not looked yet).
    pub fn new(nodes: VecMap<NodeId, SimNode>) -> NodeMap {
        NodeMap {
            nodes,
            changed: Changed::ALL,
        }
    }

    /// Node `id` for change.
    pub fn get_mut(&mut self, id: &NodeId) -> Option<&mut SimNode> {
        self.changed.note(*id);
        self.nodes.get_mut(id)
    }

    /// Every node for change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut SimNode> {
        self.changed = Changed::ALL;
        self.nodes.values_mut()
    }

    /// The nodes changed since the last call, and starts a new count.
    pub fn take_changed(&mut self) -> Changed {
        std::mem::take(&mut self.changed)
    }
}

impl std::ops::Deref for NodeMap {
    type Target = VecMap<NodeId, SimNode>;

    fn deref(&self) -> &VecMap<NodeId, SimNode> {
        &self.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_notes_each_id_and_counts_large_ids_as_all() {
        let mut changed = Changed::default();
        changed.note(NodeId(3));
        assert!(changed.contains(NodeId(3)));
        assert!(!changed.contains(NodeId(2)));
        assert!(!changed.contains(NodeId(64)));
        changed.note(NodeId(1));
        changed.note(NodeId(63));
        let ids: Option<Vec<NodeId>> = changed.ids().map(Iterator::collect);
        assert_eq!(ids, Some(vec![NodeId(1), NodeId(3), NodeId(63)]));
        changed.note(NodeId(64));
        assert!(changed.contains(NodeId(2)), "an id past the bits marks all");
        assert!(changed.ids().is_none(), "all: no list of ids");
        assert!(Changed::ALL.contains(NodeId(u64::MAX)));
    }

    #[test]
    fn take_changed_starts_a_new_count() {
        let mut map = NodeMap::new(VecMap::new());
        assert_eq!(map.take_changed(), Changed::ALL, "new: all");
        assert_eq!(map.take_changed(), Changed::default());
        let _ = map.get_mut(&NodeId(5));
        let changed = map.take_changed();
        assert!(changed.contains(NodeId(5)) && !changed.contains(NodeId(4)));
    }
}
