//! The state hash: FNV-1a (64-bit, from the `fnv` crate) over an explicit, length-prefixed
//! byte encoding. We never use `std::hash::Hash` derives here: they write `usize` lengths,
//! which are 8 bytes natively and 4 in wasm32, and the page must show the same hash as tests.

use std::hash::Hasher;

/// Accumulates the state hash from explicit little-endian fields.
pub struct StateHasher {
    inner: fnv::FnvHasher,
}

impl Default for StateHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl StateHasher {
    /// A hasher with FNV's standard offset basis.
    pub fn new() -> Self {
        StateHasher {
            inner: fnv::FnvHasher::default(),
        }
    }

    /// Add an unsigned integer.
    pub fn u64(&mut self, value: u64) {
        self.inner.write(&value.to_le_bytes());
    }

    /// Add a signed integer.
    pub fn i64(&mut self, value: i64) {
        self.inner.write(&value.to_le_bytes());
    }

    /// Add a byte string, prefixed by its length so that ("ab","c") and ("a","bc") differ.
    pub fn bytes(&mut self, value: &[u8]) {
        self.u64(value.len() as u64);
        self.inner.write(value);
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.inner.finish()
    }
}

/// What a state's explicit encoding is fed to: the state hash ([`StateHasher`]) or the
/// monitors' digest ([`DigestHasher`]). One encoding for both, so they cannot disagree on what
/// a piece of state is.
pub trait Feed {
    /// Add an unsigned integer.
    fn u64(&mut self, value: u64);
    /// Add a signed integer.
    fn i64(&mut self, value: i64);
    /// Add a byte string, prefixed by its length.
    fn bytes(&mut self, value: &[u8]);
}

impl Feed for StateHasher {
    fn u64(&mut self, value: u64) {
        StateHasher::u64(self, value);
    }
    fn i64(&mut self, value: i64) {
        StateHasher::i64(self, value);
    }
    fn bytes(&mut self, value: &[u8]) {
        StateHasher::bytes(self, value);
    }
}

/// The digest the safety monitors compare between replicas (a store's running digest, its
/// sessions, an entry's bytes): equal for equal input, different otherwise but for a 64-bit
/// collision. Never shown and in no pinned hash, so it takes eight bytes a round where the
/// state hash's FNV-1a takes one (about five instructions a byte): every node digests every
/// change it applies, after every apply.
#[derive(Clone, Debug)]
pub struct DigestHasher {
    state: u64,
}

impl Default for DigestHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// An odd constant with well spread bits (the golden ratio's), the per-word multiplier.
const DIGEST_MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl DigestHasher {
    /// An empty digest.
    pub fn new() -> Self {
        DigestHasher {
            state: 0x243f_6a88_85a3_08d3,
        }
    }

    /// One round: multiply, then fold the high bits down, so a word's every bit reaches every
    /// bit of the state within two rounds.
    fn round(&mut self, word: u64) {
        let product = (self.state ^ word).wrapping_mul(DIGEST_MULTIPLIER);
        self.state = product ^ (product >> 29);
    }

    /// The digest so far, through SplitMix64's finalizer.
    pub fn finish(&self) -> u64 {
        let mut x = self.state;
        x ^= x >> 30;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^= x >> 27;
        x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }
}

impl Feed for DigestHasher {
    fn u64(&mut self, value: u64) {
        self.round(value);
    }
    fn i64(&mut self, value: i64) {
        self.round(value as u64);
    }
    /// The length first, then the bytes eight at a time, the last word padded with zeros (the
    /// length tells a padded tail from real zeros).
    fn bytes(&mut self, value: &[u8]) {
        self.round(value.len() as u64);
        let mut words = value.chunks_exact(8);
        for word in &mut words {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            self.round(u64::from_le_bytes(bytes));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut bytes = [0u8; 8];
            bytes[..rest.len()].copy_from_slice(rest);
            self.round(u64::from_le_bytes(bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_of(value: &[u8]) -> u64 {
        let mut digest = DigestHasher::new();
        digest.bytes(value);
        digest.finish()
    }

    /// The finisher is SplitMix64's: from the states its generator reaches from seed 0 (one
    /// and two golden-ratio steps), the generator's published first two outputs.
    #[test]
    fn the_finisher_is_splitmix64s() {
        let after = |steps: u64| {
            DigestHasher {
                state: DIGEST_MULTIPLIER.wrapping_mul(steps),
            }
            .finish()
        };
        assert_eq!(after(1), 0xe220_a839_7b1d_cdaf);
        assert_eq!(after(2), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn the_digest_tells_every_one_bit_change_length_and_padding_apart() {
        let bytes = b"put key1 value1 and a few more bytes".to_vec();
        let mut seen = std::collections::BTreeSet::new();
        assert!(seen.insert(digest_of(&bytes)));
        assert_eq!(digest_of(&bytes), digest_of(&bytes.clone()));
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut changed = bytes.clone();
                changed[i] ^= 1 << bit;
                assert!(seen.insert(digest_of(&changed)));
            }
        }
        for len in 0..bytes.len() {
            assert!(seen.insert(digest_of(&bytes[..len])));
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(seen.insert(digest_of(&padded)));
        // Field boundaries count: ("ab", "c") is not ("a", "bc").
        let pair = |a: &[u8], b: &[u8]| {
            let mut digest = DigestHasher::new();
            digest.bytes(a);
            digest.bytes(b);
            digest.finish()
        };
        assert_ne!(pair(b"ab", b"c"), pair(b"a", b"bc"));
        let mut numbers = DigestHasher::new();
        numbers.u64(1);
        numbers.i64(-1);
        let mut swapped = DigestHasher::new();
        swapped.i64(-1);
        swapped.u64(1);
        assert_ne!(numbers.finish(), swapped.finish());
    }
}
