//! The digest the monitors keep of an entry (its kind and bytes) to tell, at one index, the
//! entry a node stored or applied from the one other nodes did (monitors 3 and 5).
//!
//! Only ever compared with another digest made here, never shown and never part of a pinned
//! hash, so it need not be the state hash's FNV-1a: that one feeds a byte at a time (about five
//! instructions a byte), and every node digests every entry it stores and every entry it
//! applies. This one takes eight bytes at a time. Equal entries always give equal digests;
//! different ones differ but for a 64-bit collision, as before.

use crate::raft::message::Entry;

/// An odd 64-bit constant with well spread bits (the golden ratio's), the per-word multiplier.
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// The digest of `entry`'s kind and bytes (not its index or term, which the monitors compare
/// apart).
pub(super) fn entry_digest(entry: &Entry) -> u64 {
    let data: &[u8] = &entry.data;
    let mut state = mix(u64::from(entry.entry_type as u8) ^ ((data.len() as u64) << 8));
    let mut words = data.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        state = mix(state ^ u64::from_le_bytes(bytes));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut bytes = [0u8; 8];
        bytes[..rest.len()].copy_from_slice(rest);
        state = mix(state ^ u64::from_le_bytes(bytes));
    }
    state
}

/// One round: multiply, then fold the high bits down so every input bit reaches every output
/// bit within two rounds (the length is in the first word, so a short tail padded with zeros
/// is not the same input as a longer one).
fn mix(value: u64) -> u64 {
    let product = value.wrapping_mul(MULTIPLIER);
    product ^ (product >> 29)
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
