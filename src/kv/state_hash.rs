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
