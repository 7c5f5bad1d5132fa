//! The application each simulated node applies committed entries to.
//!
//! The simulator only needs four things from it: apply an entry, take and restore a snapshot,
//! and a state hash (so the monitors can check that nodes at the same applied index hold the
//! same state). This is the one place the key-value store plugs in.

use crate::raft::message::{Entry, EntryType};
use crate::raft::types::Index;
use crate::sim::hash::stable_hash;

/// A node's applied state: a running hash over every applied normal entry.
///
/// Two nodes that applied the same entries in the same order have the same hash; any
/// divergence (a different entry at some index) changes every later hash, which is exactly
/// what the state-machine-safety monitor needs to see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeApp {
    applied: Index,
    chain: u64,
    applied_entries: u64,
}

impl NodeApp {
    /// Applies one committed entry (configuration changes only move the applied index).
    pub fn apply(&mut self, entry: &Entry) {
        if entry.index <= self.applied {
            return;
        }
        self.applied = entry.index;
        if entry.entry_type == EntryType::Normal && !entry.data.is_empty() {
            self.chain = stable_hash(&(self.chain, entry.index.0, entry.term.0, &entry.data));
            self.applied_entries += 1;
        }
    }

    /// The snapshot payload: enough to restore this state exactly.
    pub fn snapshot_data(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(24);
        data.extend_from_slice(&self.applied.0.to_le_bytes());
        data.extend_from_slice(&self.chain.to_le_bytes());
        data.extend_from_slice(&self.applied_entries.to_le_bytes());
        data
    }

    /// Restores from a snapshot payload; an empty payload is the empty state (a snapshot taken
    /// before anything was applied). A damaged payload is refused and changes nothing.
    pub fn restore(&mut self, data: &[u8]) -> Result<(), String> {
        if data.is_empty() {
            *self = NodeApp::default();
            return Ok(());
        }
        let word = |i: usize| -> Result<u64, String> {
            data.get(i * 8..i * 8 + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .ok_or_else(|| format!("snapshot payload of {} bytes is damaged", data.len()))
        };
        let restored = NodeApp {
            applied: Index(word(0)?),
            chain: word(1)?,
            applied_entries: word(2)?,
        };
        *self = restored;
        Ok(())
    }

    /// The hash that the monitors compare between nodes at the same applied index.
    pub fn state_hash(&self) -> u64 {
        stable_hash(self)
    }

    /// The last applied index.
    pub fn applied(&self) -> Index {
        self.applied
    }

    /// How many application entries were applied (no-ops and config changes excluded).
    pub fn applied_entries(&self) -> u64 {
        self.applied_entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::types::Term;

    fn entry(index: u64, data: &str) -> Entry {
        Entry {
            index: Index(index),
            term: Term(1),
            data: data.as_bytes().to_vec(),
            ..Entry::default()
        }
    }

    #[test]
    fn same_entries_same_hash_and_snapshot_round_trip() {
        let mut a = NodeApp::default();
        let mut b = NodeApp::default();
        for (i, d) in [(1, "x"), (2, "y")] {
            a.apply(&entry(i, d));
            b.apply(&entry(i, d));
        }
        assert_eq!(a.state_hash(), b.state_hash());
        let mut c = NodeApp::default();
        c.restore(&a.snapshot_data()).expect("restore");
        assert_eq!(c, a);
        b.apply(&entry(3, "z"));
        assert_ne!(a.state_hash(), b.state_hash());
        assert!(c.restore(&[1, 2, 3]).is_err());
        assert_eq!(c, a, "a damaged snapshot changes nothing");
    }
}
