//! A stable 64-bit hash for state hashes shown in the page and compared across platforms.
//!
//! `#[derive(Hash)]` writes lengths as `usize`, which is 8 bytes natively and 4 in wasm32, so a
//! plain hasher would give the page a different number than the tests. This wrapper widens every
//! `usize` to `u64` before feeding FNV-1a, so the same state hashes the same everywhere.

use std::hash::{Hash, Hasher};

/// FNV-1a with platform-independent `usize` handling.
#[derive(Default)]
pub struct StableHasher {
    inner: fnv::FnvHasher,
}

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        self.inner.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.inner.write(bytes);
    }
    fn write_usize(&mut self, value: usize) {
        self.inner.write(&(value as u64).to_le_bytes());
    }
    fn write_isize(&mut self, value: isize) {
        self.inner.write(&(value as i64).to_le_bytes());
    }
    fn write_u16(&mut self, value: u16) {
        self.inner.write(&value.to_le_bytes());
    }
    fn write_u32(&mut self, value: u32) {
        self.inner.write(&value.to_le_bytes());
    }
    fn write_u64(&mut self, value: u64) {
        self.inner.write(&value.to_le_bytes());
    }
    fn write_u128(&mut self, value: u128) {
        self.inner.write(&value.to_le_bytes());
    }
}

/// The stable hash of any `Hash` value.
pub fn stable_hash<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = StableHasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usize_hashes_like_u64() {
        assert_eq!(stable_hash(&7usize), stable_hash(&7u64));
        assert_eq!(stable_hash(&vec![1u8, 2]), stable_hash(&vec![1u8, 2]));
        assert_ne!(stable_hash(&vec![1u8, 2]), stable_hash(&vec![2u8, 1]));
    }

    #[test]
    fn matches_reference_fnv1a_over_little_endian_bytes() {
        // The textbook FNV-1a loop: what the hash must equal on every platform.
        let reference = |bytes: &[u8]| {
            bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            })
        };
        assert_eq!(stable_hash(&1u64), reference(&1u64.to_le_bytes()));
        assert_eq!(stable_hash(&3usize), reference(&3u64.to_le_bytes()));
    }
}
