//! The application each simulated node applies committed entries to: the etcd-like key-value
//! state machine ([`crate::kv`]), plus a running hash over every applied entry.
//!
//! The simulator needs four things from it: apply an entry, take and restore a snapshot, and a
//! state hash (so the monitors can check that nodes at the same applied index hold the same
//! state). Entries proposed by simulated clients carry an envelope with the client operation's
//! id, so the node the client talks to can answer that operation when it applies the entry.

use crate::kv::state_hash::{DigestHasher, Feed};
use crate::kv::state_machine::{ApplyOutcome, KvStateMachine};
use crate::raft::message::{Entry, EntryType};
use crate::raft::types::Index;
use crate::sim::decoded::DecodedCommands;
use crate::sim::hash::stable_hash;

/// First byte of an entry proposed by a simulated client: `[TAG][op id: u64 LE][command]`.
const ENVELOPE_TAG: u8 = 0xC1;

/// Wraps a KV command with the id of the client operation that proposed it.
pub fn envelope(op_id: u64, command: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(9 + command.len());
    data.push(ENVELOPE_TAG);
    data.extend_from_slice(&op_id.to_le_bytes());
    data.extend_from_slice(command);
    data
}

/// Splits an entry's data into (client op id, KV command bytes); raw data has no op id.
pub fn open_envelope(data: &[u8]) -> (Option<u64>, &[u8]) {
    match (data.first(), data.get(1..9), data.get(9..)) {
        (Some(&ENVELOPE_TAG), Some(id), Some(rest)) => {
            let id = id.try_into().map(u64::from_le_bytes).ok();
            (id, rest)
        }
        _ => (None, data),
    }
}

/// A node's applied state.
///
/// `chain` hashes every applied normal entry in order (including raw proposals that are not KV
/// commands), so two nodes that applied different entries differ even where the KV store would
/// not show it; `kv` is the key-value state clients read.
///
/// `hash_memo` remembers [`NodeApp::state_hash`] (a walk over the whole store) until the next
/// change: the page reads the state hash after every frame, and most frames apply nothing on
/// most nodes. Every `&mut self` method starts by forgetting it.
#[derive(Clone, Debug, Default)]
pub struct NodeApp {
    applied: Index,
    chain: u64,
    applied_entries: u64,
    kv: KvStateMachine,
    hash_memo: std::sync::OnceLock<u64>,
}

impl PartialEq for NodeApp {
    fn eq(&self, other: &NodeApp) -> bool {
        // The memo is a cache of the rest, not state.
        (self.applied, self.chain, self.applied_entries)
            == (other.applied, other.chain, other.applied_entries)
            && self.kv == other.kv
    }
}

impl Eq for NodeApp {}

impl NodeApp {
    /// Applies one committed entry; returns the client op it answers and the KV outcome.
    /// `decoded` decodes the entry's command (once for every node that applies the entry).
    pub fn apply(
        &mut self,
        entry: &Entry,
        decoded: &mut DecodedCommands,
    ) -> Option<(Option<u64>, ApplyOutcome)> {
        self.hash_memo.take();
        if entry.index <= self.applied {
            return None;
        }
        self.applied = entry.index;
        if entry.entry_type != EntryType::Normal || entry.data.is_empty() {
            self.kv.skip(entry.index.0);
            return None;
        }
        self.chain = stable_hash(&(self.chain, entry.index.0, entry.term.0, &entry.data));
        self.applied_entries += 1;
        let (op, command) = open_envelope(&entry.data);
        Some((
            op,
            self.kv
                .apply_decoded(entry.index.0, decoded.decode(&entry.data, command)),
        ))
    }

    /// The snapshot payload: enough to restore this state exactly.
    pub fn snapshot_data(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(64);
        data.extend_from_slice(&self.applied.0.to_le_bytes());
        data.extend_from_slice(&self.chain.to_le_bytes());
        data.extend_from_slice(&self.applied_entries.to_le_bytes());
        data.extend_from_slice(&self.kv.snapshot_bytes());
        data
    }

    /// Restores from a snapshot payload; an empty payload is the empty state (a snapshot taken
    /// before anything was applied). A damaged payload is refused and changes nothing.
    pub fn restore(&mut self, data: &[u8]) -> Result<(), String> {
        self.hash_memo.take();
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
        let kv = KvStateMachine::from_snapshot_bytes(data.get(24..).unwrap_or_default())?;
        *self = NodeApp {
            applied: Index(word(0)?),
            chain: word(1)?,
            applied_entries: word(2)?,
            kv,
            hash_memo: std::sync::OnceLock::new(),
        };
        Ok(())
    }

    /// The hash that the monitors compare between nodes at the same applied index.
    pub fn state_hash(&self) -> u64 {
        *self.hash_memo.get_or_init(|| {
            stable_hash(&(
                self.applied.0,
                self.chain,
                self.applied_entries,
                self.kv.state_hash(),
            ))
        })
    }

    /// What the state-machine monitor compares after every apply: equal exactly when
    /// [`NodeApp::state_hash`] is (up to hash collisions), but O(1) in the run's history
    /// because the store keeps a running digest of its changes.
    /// A [`DigestHasher`]'s, like the store's: nothing but the monitor reads it.
    pub fn digest(&self) -> u64 {
        let mut digest = DigestHasher::new();
        digest.u64(self.applied.0);
        digest.u64(self.chain);
        digest.u64(self.applied_entries);
        digest.u64(self.kv.digest());
        digest.finish()
    }

    /// The last applied index.
    pub fn applied(&self) -> Index {
        self.applied
    }

    /// How many application entries were applied (no-ops and config changes excluded).
    pub fn applied_entries(&self) -> u64 {
        self.applied_entries
    }

    /// Shares `other`'s equal MVCC history chunks: memory only (the state, and so the
    /// memoized hash, is unchanged).
    pub fn share_history_with(&mut self, other: &NodeApp) {
        self.kv.share_history_with(&other.kv);
    }

    /// The key-value state.
    pub fn kv(&self) -> &KvStateMachine {
        &self.kv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::types::Term;

    fn entry(index: u64, data: &[u8]) -> Entry {
        Entry {
            index: Index(index),
            term: Term(1),
            data: data.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn same_entries_same_hash_and_snapshot_round_trip() {
        let put = crate::kv::console::parse_line("put k v")
            .ok()
            .flatten()
            .and_then(|c| c.action.request())
            .map(|r| crate::kv::command::Command::new(r).encode())
            .expect("a put command");
        let mut a = NodeApp::default();
        let mut b = NodeApp::default();
        for (i, d) in [(1, envelope(7, &put)), (2, b"raw".to_vec())] {
            a.apply(&entry(i, &d), &mut DecodedCommands::default());
            b.apply(&entry(i, &d), &mut DecodedCommands::default());
        }
        assert_eq!(a.state_hash(), b.state_hash());
        assert_eq!(a.kv().store().revision(), 2, "the put applied");
        let mut c = NodeApp::default();
        c.restore(&a.snapshot_data()).expect("restore");
        assert_eq!(c, a);
        b.apply(&entry(3, b"z"), &mut DecodedCommands::default());
        assert_ne!(a.state_hash(), b.state_hash());
        assert_ne!(a, b, "equality sees an applied entry");
        // Equality ignores the hash memo but sees every part of the state.
        let mut d = a.clone();
        let _ = d.state_hash();
        assert_eq!(d, a, "a filled memo is not state");
        d.apply(&entry(3, b""), &mut DecodedCommands::default());
        assert_ne!(d, a, "an applied no-op moves the applied index only");
        let mut e = a.clone();
        e.apply(&entry(3, b"y"), &mut DecodedCommands::default());
        assert_ne!(e, b, "same index, different data: the chain differs");
        assert!(c.restore(&[1, 2, 3]).is_err());
        assert_eq!(c, a, "a damaged snapshot changes nothing");
    }

    #[test]
    fn envelopes_round_trip_and_raw_data_has_no_op() {
        assert_eq!(
            open_envelope(&envelope(42, b"cmd")),
            (Some(42), &b"cmd"[..])
        );
        assert_eq!(open_envelope(b"plain"), (None, &b"plain"[..]));
        assert_eq!(
            open_envelope(&[ENVELOPE_TAG, 1]),
            (None, &[ENVELOPE_TAG, 1][..])
        );
    }
}
