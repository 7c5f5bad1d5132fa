//! The digest the monitors keep of an entry (its kind and bytes) to tell, at one index, the
//! entry a node stored or applied from the one other nodes did (monitors 3 and 5).
//!
//! Only ever compared with another digest made here, never shown and never part of a pinned
//! hash, so it need not be the state hash's FNV-1a: that one feeds a byte at a time (about five
//! instructions a byte), and every node digests every entry it stores and every entry it
//! applies. [`DigestHasher`] takes eight bytes a round. Equal entries always give equal
//! digests; different ones differ but for a 64-bit collision, as before.

use crate::kv::state_hash::{DigestHasher, Feed};
use crate::raft::message::Entry;

/// The digest of `entry`'s kind and bytes (not its index or term, which the monitors compare
/// apart).
pub(super) fn entry_digest(entry: &Entry) -> u64 {
    let mut digest = DigestHasher::new();
    digest.u64(entry.entry_type as u64);
    digest.bytes(&entry.data);
    digest.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::message::EntryType;
    use crate::raft::types::{Index, Term};

    fn entry(entry_type: EntryType, data: &[u8]) -> Entry {
        Entry {
            term: Term(1),
            index: Index(1),
            entry_type,
            data: data.into(),
        }
    }

    #[test]
    fn equal_entries_digest_alike_and_any_change_shows() {
        let base = entry(EntryType::Normal, b"put key1 value1 and some more bytes");
        assert_eq!(entry_digest(&base), entry_digest(&base.clone()));
        // Same kind and bytes at another index and term: the same digest (those are compared
        // apart).
        let mut moved = base.clone();
        moved.index = Index(9);
        moved.term = Term(4);
        assert_eq!(entry_digest(&moved), entry_digest(&base));
        let mut seen = std::collections::BTreeSet::new();
        seen.insert(entry_digest(&base));
        // Every one-byte change, every length, the kind, and zero padding are told apart.
        let bytes: Vec<u8> = base.data.to_vec();
        for i in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 1;
            assert!(seen.insert(entry_digest(&entry(EntryType::Normal, &changed))));
        }
        for len in 0..bytes.len() {
            assert!(seen.insert(entry_digest(&entry(EntryType::Normal, &bytes[..len]))));
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(seen.insert(entry_digest(&entry(EntryType::Normal, &padded))));
        assert!(seen.insert(entry_digest(&entry(EntryType::ConfChange, &bytes))));
    }
}
